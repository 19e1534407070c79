//! `pare refine` of a Terraform file or a CloudFormation template: the
//! policies inside are refined and only their action lists are rewritten;
//! the result is verified, then printed, shown as a diff or written in place.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use pare_iac::{Body, Document, Format, Splice};

use crate::args::{Refine, RefineFormat};
use crate::error::Error;
use crate::exit;
use crate::input::{self, Catalog, Source, Text};
use crate::io::Io;
use crate::safe::Escaped;

/// A file the refinement may change: the source, or a JSON file a
/// Terraform `file()` names.
#[derive(Debug)]
struct File {
    name: String,
    path: Option<PathBuf>,
    text: String,
    splices: Vec<Splice>,
}

/// One policy to refine: where it is and what it reads as.
#[derive(Debug)]
struct Target {
    address: String,
    file: usize,
    doc: Document,
}

/// Runs `pare refine` on a source file.
pub fn run(config: &Refine, text: Text, format: Format, io: &mut Io<'_>) -> Result<i32, Error> {
    if matches!(
        config.format,
        RefineFormat::Recommendation | RefineFormat::Json
    ) {
        return Err(Error::input(format!(
            "`--format {}` is for a policy document; for a {} source use `--format diff` or `--write`",
            if config.format == RefineFormat::Json {
                "json"
            } else {
                "recommendation"
            },
            format.describe()
        )));
    }
    let scan = pare_iac::scan(format, &text.text).map_err(|e| located(&text, &e))?;
    let chosen = choose(&scan.policies, config.resource.as_deref(), &text.name)?;
    let mut files = vec![File {
        name: text.name.clone(),
        path: match &config.policy {
            Source::Path(path) => Some(path.clone()),
            Source::Stdin => None,
        },
        text: text.text.clone(),
        splices: Vec::new(),
    }];
    let mut targets = Vec::new();
    let mut notes: Vec<(usize, pare_iac::Note)> = scan
        .notes
        .iter()
        .filter(|n| {
            n.address
                .as_deref()
                .is_none_or(|a| chosen.iter().any(|p| p.address == a || p.selected_by(a)))
        })
        .map(|n| (0, n.clone()))
        .collect();
    for policy in &chosen {
        match &policy.body {
            Body::Document(doc) => targets.push(Target {
                address: policy.address.clone(),
                file: 0,
                doc: doc.clone(),
            }),
            Body::File { path } => {
                let path = referenced(&config.policy, path, &policy.address)?;
                let read = input::read_text(&Source::Path(path.clone()), input::Kind::Policy, io)?;
                let doc = pare_iac::read_json_policy(&read.text).map_err(|e| located(&read, &e))?;
                let file = files.len();
                notes.extend(
                    doc.notes
                        .iter()
                        .cloned()
                        .map(|n| (file, n.at(&policy.address))),
                );
                files.push(File {
                    name: read.name,
                    path: Some(path),
                    text: read.text,
                    splices: Vec::new(),
                });
                targets.push(Target {
                    address: policy.address.clone(),
                    file,
                    doc,
                });
            }
            Body::Unread => {}
        }
    }

    if targets.is_empty() {
        let why: Vec<String> = notes
            .iter()
            .map(|(_, n)| {
                format!(
                    "  line {}: {}",
                    pare_iac::line_of(&text.text, n.at),
                    Escaped(&n.message)
                )
            })
            .collect();
        return Err(Error::input(format!(
            "{}: pare cannot read {}",
            text.name,
            chosen
                .iter()
                .map(|p| format!("`{}`", Escaped(&p.address)))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_details(why));
    }
    let mut originals = Vec::new();
    for target in &targets {
        let (policy, _) = target.doc.policy().map_err(|e| {
            Error::input(format!(
                "{}: `{}`: {e}",
                text.name,
                Escaped(&target.address)
            ))
        })?;
        originals.push(policy);
    }
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let table = catalog.table();
    let refs: Vec<&pare_engine::Policy> = originals.iter().collect();
    let resolved = config.sources.resolve(&refs, &catalog, io)?;
    let unused = &resolved.unused;
    let options = pare_engine::RefineOptions {
        catalog_date: crate::sources::catalog_data_date(config.catalog.as_deref(), io.limits),
        ..config.options.clone()
    };
    let checks = pare_engine::VerifyChecks {
        concise: options.wildcards,
    };

    let mut outcomes = Vec::new();
    for target in &targets {
        let Some(file) = files.get_mut(target.file) else {
            continue;
        };
        let outcome = pare_iac::refine::refine(&target.doc, &file.text, unused, table, &options)
            .map_err(|e| {
                Error::input(format!(
                    "{}: `{}`: {e}",
                    file.name,
                    Escaped(&target.address)
                ))
            })?;
        let verification = pare_engine::verify_checking(
            &outcome.original,
            &outcome.refinement.policy,
            unused,
            table,
            &checks,
        );
        if !verification.is_ok() {
            return bug(io, &target.address, &verification);
        }
        file.splices.extend(outcome.splices.iter().cloned());
        outcomes.push(outcome);
    }

    // The edited files, read back: each policy must read as its refinement
    // and pass the check again, before anything is printed or written.
    let edited: Vec<String> = files
        .iter()
        .map(|f| pare_iac::apply(&f.text, &f.splices))
        .collect();
    for (target, outcome) in targets.iter().zip(&outcomes) {
        if outcome.detach {
            continue;
        }
        let new_text = edited.get(target.file).map_or("", String::as_str);
        let doc = if target.file == 0 {
            pare_iac::scan(format, new_text).ok().and_then(|scan| {
                scan.policies
                    .into_iter()
                    .find(|p| p.address == target.address)
                    .and_then(|p| match p.body {
                        Body::Document(doc) => Some(doc),
                        _ => None,
                    })
            })
        } else {
            pare_iac::read_json_policy(new_text).ok()
        };
        let read_back = doc.and_then(|d| d.policy().ok()).map(|(p, _)| p);
        let same = read_back
            .as_ref()
            .is_some_and(|p| p.to_value() == outcome.refinement.policy.to_value());
        let verified = read_back.as_ref().is_some_and(|p| {
            pare_engine::verify_checking(&outcome.original, p, unused, table, &checks).is_ok()
        });
        if !same || !verified {
            writeln!(
                io.stderr,
                "error: `{}`: the edited source does not read back as the refined policy; please report this as a bug in pare",
                Escaped(&target.address)
            )?;
            return Ok(exit::VIOLATIONS);
        }
    }

    let changed: Vec<usize> = (0..files.len())
        .filter(|&i| files.get(i).map(|f| &f.text) != edited.get(i))
        .collect();
    if config.write {
        for &i in &changed {
            let (Some(file), Some(new)) = (files.get(i), edited.get(i)) else {
                continue;
            };
            let Some(path) = &file.path else {
                return Err(Error::input("`--write` needs a file, not stdin"));
            };
            crate::output::write_atomically(path, new.as_bytes()).map_err(|e| {
                Error::input(format!("cannot write `{}`", path.display())).with_source(e)
            })?;
            writeln!(io.stderr, "note: wrote `{}`", Escaped(&file.name))?;
        }
    } else {
        let out = match config.format {
            RefineFormat::Diff => {
                let mut out = String::new();
                for &i in &changed {
                    let (Some(file), Some(new)) = (files.get(i), edited.get(i)) else {
                        continue;
                    };
                    let name = file.name.trim_start_matches("./");
                    out.push_str(&crate::diff::unified(
                        &format!("a/{name}"),
                        &file.text,
                        &format!("b/{name}"),
                        new,
                    ));
                }
                if io.color_stdout() {
                    crate::diff::colored(&out)
                } else {
                    out
                }
            }
            _ => {
                if changed.iter().any(|&i| i != 0) {
                    return Err(Error::input(
                        "the refinement changes a file that `file()` names, not only the source: use `--format diff` or `--write`",
                    ));
                }
                edited.first().cloned().unwrap_or_default()
            }
        };
        io.stdout.write_all(out.as_bytes())?;
    }

    resolved.write_notes(&mut io.stderr)?;
    notes.sort_by_key(|(f, n)| (*f, n.at));
    for (file, note) in &notes {
        let Some(file) = files.get(*file) else {
            continue;
        };
        let address = note
            .address
            .as_deref()
            .map(|a| format!("`{}`: ", Escaped(a)))
            .unwrap_or_default();
        writeln!(
            io.stderr,
            "note: {}:{}: {address}{}",
            Escaped(&file.name),
            pare_iac::line_of(&file.text, note.at),
            Escaped(&note.message)
        )?;
    }
    // Findings are per principal: with several policies, an unused action
    // one of them does not grant is worth a word only when none grants it.
    let not_granted = |o: &pare_iac::refine::Outcome| -> Vec<std::sync::Arc<str>> {
        o.refinement
            .diagnostics
            .iter()
            .filter(|d| d.code == pare_engine::DiagnosticCode::UnusedNotGranted)
            .map(|d| d.subject.clone())
            .collect()
    };
    if outcomes.len() > 1 {
        let mut by_none: Vec<std::sync::Arc<str>> =
            outcomes.first().map(not_granted).unwrap_or_default();
        for outcome in outcomes.iter().skip(1) {
            let these = not_granted(outcome);
            by_none.retain(|s| these.contains(s));
        }
        for subject in &by_none {
            writeln!(
                io.stderr,
                "warning: `{}` is reported unused but none of these policies grants it",
                Escaped(subject)
            )?;
        }
    }
    let mut detach = false;
    for (target, outcome) in targets.iter().zip(&outcomes) {
        let diagnostics: pare_engine::Diagnostics = outcome
            .refinement
            .diagnostics
            .iter()
            .filter(|d| {
                outcomes.len() == 1 || d.code != pare_engine::DiagnosticCode::UnusedNotGranted
            })
            .map(std::borrow::Cow::into_owned)
            .collect::<Vec<_>>()
            .into();
        for line in super::refine::diagnostic_lines(&diagnostics, super::refine::SEPARATE_LINES) {
            writeln!(
                io.stderr,
                "warning: `{}`: {}",
                Escaped(&target.address),
                Escaped(&line)
            )?;
        }
        if outcome.detach {
            detach = true;
            writeln!(
                io.stderr,
                "note: `{}`: nothing it grants is used: delete it (pare leaves its text as it is)",
                Escaped(&target.address)
            )?;
        } else if outcome.refinement.changed() {
            let removed = outcome
                .refinement
                .edits
                .iter()
                .filter(|e| e.change == pare_engine::Change::StatementRemoved)
                .count();
            let what = if removed > 0 {
                format!(
                    " ({removed} statement{} removed)",
                    if removed == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            };
            writeln!(
                io.stderr,
                "note: `{}`: refined{what}, verified",
                Escaped(&target.address)
            )?;
        } else {
            writeln!(
                io.stderr,
                "note: `{}`: nothing to refine",
                Escaped(&target.address)
            )?;
        }
    }
    if detach && config.exit_code {
        return Ok(exit::DETACH);
    }
    if config.exit_code && !changed.is_empty() {
        return Ok(exit::CHANGED);
    }
    Ok(exit::SUCCESS)
}

/// The policies `--resource` picks, or the file's only one.
fn choose(
    policies: &[pare_iac::Policy],
    resource: Option<&str>,
    name: &str,
) -> Result<Vec<pare_iac::Policy>, Error> {
    let list = || {
        policies
            .iter()
            .map(|p| format!("  {}", Escaped(&p.address)))
            .collect::<Vec<_>>()
    };
    if policies.is_empty() {
        return Err(Error::input(format!(
            "{name}: no IAM policy found in this source"
        )));
    }
    match resource {
        Some(selector) => {
            let chosen: Vec<_> = policies
                .iter()
                .filter(|p| p.selected_by(selector))
                .cloned()
                .collect();
            if chosen.is_empty() {
                return Err(Error::input(format!(
                    "{name}: no policy `{}`; the policies here are:",
                    Escaped(selector)
                ))
                .with_details(list()));
            }
            Ok(chosen)
        }
        None if policies.len() == 1 => Ok(policies.to_vec()),
        // A `policy = data.aws_iam_policy_document.x.json` is not a second
        // policy: the document is. One readable policy is the one.
        None if policies.iter().filter(|p| p.body != Body::Unread).count() == 1 => Ok(policies
            .iter()
            .filter(|p| p.body != Body::Unread)
            .cloned()
            .collect()),
        None => Err(Error::input(format!(
            "{name}: {} policies here; say which with `--resource ADDRESS`:",
            policies.len()
        ))
        .with_details(list())),
    }
}

/// The file a Terraform `file()` names, next to the source. The one place
/// a path from a source's bytes becomes a path to read and write: only a
/// relative path that stays below the source's directory is taken.
pub(crate) fn referenced(source: &Source, path: &str, address: &str) -> Result<PathBuf, Error> {
    let Source::Path(main) = source else {
        return Err(Error::input(format!(
            "`{}` reads its policy from `file(\"{}\")`: give the source's path, not stdin",
            Escaped(address),
            Escaped(path)
        )));
    };
    let relative = Path::new(path);
    let below = !path.is_empty()
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !below {
        return Err(Error::input(format!(
            "`{}` reads its policy from `{}`: pare follows only a relative path below the source's directory",
            Escaped(address),
            Escaped(path)
        )));
    }
    let dir = main.parent().unwrap_or_else(|| Path::new(""));
    Ok(dir.join(relative))
}

/// A parse error with the file and line.
pub(crate) fn located(text: &Text, error: &pare_iac::Error) -> Error {
    let line = error
        .line
        .or_else(|| error.at.map(|at| pare_iac::line_of(&text.text, at)));
    match line {
        Some(line) => Error::input(format!("{}:{line}: {}", text.name, Escaped(&error.message))),
        None => Error::input(format!("{}: {}", text.name, Escaped(&error.message))),
    }
}

/// A refinement that fails its check: a bug in pare; nothing is written.
fn bug(
    io: &mut Io<'_>,
    address: &str,
    verification: &pare_engine::Verification,
) -> Result<i32, Error> {
    for line in super::verify::violation_lines(verification) {
        writeln!(
            io.stderr,
            "error: `{}`: {}",
            Escaped(address),
            Escaped(&line)
        )?;
    }
    writeln!(
        io.stderr,
        "error: the refined policy fails verification; please report this as a bug in pare"
    )?;
    Ok(exit::VIOLATIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_stay_below_the_source() {
        let main = Source::Path(PathBuf::from("infra/main.tf"));
        assert_eq!(
            referenced(&main, "policies/app.json", "a").unwrap(),
            PathBuf::from("infra/policies/app.json")
        );
        for hostile in ["../secrets.json", "/etc/passwd", "a/../../b.json", ""] {
            assert!(referenced(&main, hostile, "a").is_err(), "{hostile}");
        }
        assert!(referenced(&Source::Stdin, "p.json", "a").is_err());
    }
}
