//! The CloudFormation side of `--cloudformation TEMPLATE --stack-resources
//! FILE`: which logical id of the template is which policy of the account.

use std::collections::BTreeMap;
use std::path::Path;

use pare_iac::state::Identity;
use pare_iac::{Body, Format};

use super::{Found, SourceFile};
use crate::error::Error;
use crate::input;
use crate::safe::{self, Escaped};
/// Reads the template and the stack's resources.
pub(super) fn cloudformation(
    template: &Path,
    stack: &Path,
    limits: input::Limits,
    files: &mut Vec<SourceFile>,
    held: &mut BTreeMap<Identity, Found>,
    notes: &mut Vec<String>,
) -> Result<(), Error> {
    let read = |path: &Path, kind| -> Result<(String, String), Error> {
        let name = path.display().to_string();
        let bytes = limits
            .read_file(path, kind)
            .map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))?;
        Ok((input::decode(&name, bytes)?, name))
    };
    let (stack_text, stack_name) = read(stack, input::Kind::Data)?;
    let physical = pare_iac::stack::parse(&stack_text)
        .map_err(|e| Error::input(format!("{stack_name}: {e}")))?;
    let (text, name) = read(template, input::Kind::Policy)?;
    let relative = template
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| safe::path_component(n) == *n)
        .ok_or_else(|| {
            Error::input(format!(
                "`{}`: a patch names the template by its file name, which must hold only letters, digits and `+=,.@_-`",
                Escaped(&name)
            ))
        })?
        .to_string();
    let format = pare_iac::detect(&relative, &text)
        .filter(|f| *f != Format::Terraform)
        .ok_or_else(|| Error::input(format!("{name}: not a CloudFormation template")))?;
    let located = |e: pare_iac::Error| {
        let line = e
            .line
            .or_else(|| e.at.map(|at| pare_iac::line_of(&text, at)))
            .map(|l| format!(":{l}"))
            .unwrap_or_default();
        Error::input(format!("{name}{line}: {}", Escaped(&e.message)))
    };
    let scan = pare_iac::scan(format, &text).map_err(located)?;
    let (holds, unmapped) = pare_iac::stack::holds(&text, &physical).map_err(located)?;
    for note in unmapped {
        notes.push(format!(
            "{name}:{}: `{}`: {}",
            pare_iac::line_of(&text, note.at),
            note.address.as_deref().unwrap_or(""),
            note.message
        ));
    }
    let file = files.len();
    for (address, identity) in holds {
        let source = format!("{relative}: {address}");
        let found = match scan.policies.iter().find(|p| p.address == address) {
            Some(pare_iac::Policy {
                body: Body::Document(doc),
                ..
            }) => Found::Doc {
                file,
                address,
                source,
                doc: Ok(doc.clone()),
            },
            _ => {
                let why: Vec<&str> = scan
                    .notes
                    .iter()
                    .filter(|n| n.address.as_deref() == Some(address.as_str()))
                    .map(|n| n.message.as_str())
                    .collect();
                Found::Kept {
                    source,
                    why: if why.is_empty() {
                        "pare cannot read its policy".to_string()
                    } else {
                        why.join("; ")
                    },
                }
            }
        };
        held.entry(identity).or_insert(found);
    }
    files.push(SourceFile {
        root: "cloudformation",
        relative,
        text,
        splices: Vec::new(),
    });
    Ok(())
}
