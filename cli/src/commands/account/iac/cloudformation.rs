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
    let read = |path: &Path, kind| -> Result<input::Text, Error> {
        let name = path.display().to_string();
        let bytes = limits
            .read_file(path, kind)
            .map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))?;
        Ok(input::Text {
            text: input::decode(&name, bytes)?,
            name,
        })
    };
    let stack = read(stack, input::Kind::Data)?;
    let physical = pare_iac::stack::parse(&stack.text)
        .map_err(|e| Error::input(format!("{}: {e}", stack.name)))?;
    let template_text = read(template, input::Kind::Policy)?;
    let relative = file_name(template, &template_text.name)?;
    let format = pare_iac::detect(&relative, &template_text.text)
        .filter(|f| *f != Format::Terraform)
        .ok_or_else(|| {
            Error::input(format!(
                "{}: not a CloudFormation template",
                template_text.name
            ))
        })?;
    let located = |e: pare_iac::Error| crate::commands::source::located(&template_text, &e);
    let scan = pare_iac::scan(format, &template_text.text).map_err(located)?;
    let (holds, unmapped) =
        pare_iac::stack::holds(&template_text.text, &physical).map_err(located)?;
    for note in unmapped {
        notes.push(format!(
            "{}:{}: `{}`: {}",
            template_text.name,
            pare_iac::line_of(&template_text.text, note.at),
            note.address.as_deref().unwrap_or(""),
            note.message
        ));
    }
    let file = files.len();
    for (address, identity) in holds {
        let source = format!("{relative}: {address}");
        held.entry(identity)
            .or_insert_with(|| found(&scan, file, address, source));
    }
    files.push(SourceFile {
        root: "cloudformation",
        relative,
        text: template_text.text,
        splices: Vec::new(),
    });
    Ok(())
}

/// The template's file name, which a patch names it by: it must be a
/// plain path component.
fn file_name(template: &Path, name: &str) -> Result<String, Error> {
    template
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| safe::path_component(n) == *n)
        .map(str::to_string)
        .ok_or_else(|| {
            Error::input(format!(
                "`{}`: a patch names the template by its file name, which must hold only letters, digits and `+=,.@_-`",
                Escaped(name)
            ))
        })
}

/// Where the template holds the resource `address`: its document, or why
/// pare keeps it as it is.
fn found(scan: &pare_iac::Scan, file: usize, address: String, source: String) -> Found {
    match scan.policies.iter().find(|p| p.address == address) {
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
    }
}
