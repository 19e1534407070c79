//! `pare refine` of a Terraform file or a CloudFormation template: the
//! policies inside are refined and only their action lists are rewritten;
//! the result is verified, then printed, shown as a diff or written in place.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use pare_iac::refine::Outcome;
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

/// What one run reads and edits: the source and the files its chosen
/// policies name (the source is file 0), the policies, and the notes about
/// what could not be read, each with the index of its file.
#[derive(Debug)]
struct Edit {
    files: Vec<File>,
    targets: Vec<Target>,
    notes: Vec<(usize, pare_iac::Note)>,
}

/// What the refinement of each policy is checked against.
struct Refining<'a> {
    unused: &'a pare_engine::UnusedSet,
    table: pare_engine::ActionTable<'a>,
    options: pare_engine::RefineOptions,
    checks: pare_engine::VerifyChecks,
}

/// Runs `pare refine` on a source file.
pub fn run(config: &Refine, text: Text, format: Format, io: &mut Io<'_>) -> Result<i32, Error> {
    check_format(config.format, format)?;
    let mut edit = Edit::read(config, &text, format, io)?;
    let originals = edit.policies()?;
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let table = catalog.table();
    let refs: Vec<&pare_engine::Policy> = originals.iter().collect();
    let resolved = config.sources.resolve(&refs, &catalog, io)?;
    let options = pare_engine::RefineOptions {
        catalog_date: crate::sources::catalog_data_date(config.catalog.as_deref(), io.limits),
        ..config.options.clone()
    };
    let refining = Refining {
        unused: &resolved.unused,
        table,
        checks: pare_engine::VerifyChecks {
            concise: options.wildcards,
        },
        options,
    };

    let outcomes = match edit.refine(&refining, io)? {
        ControlFlow::Continue(outcomes) => outcomes,
        ControlFlow::Break(code) => return Ok(code),
    };
    let edited = edit.edited();
    if let ControlFlow::Break(code) = edit.read_back(format, &edited, &outcomes, &refining, io)? {
        return Ok(code);
    }
    let changed = edit.changed(&edited);
    if config.write {
        edit.write(&changed, &edited, io)?;
    } else {
        edit.print(config.format, &changed, &edited, io)?;
    }

    resolved.write_notes(&mut io.stderr)?;
    edit.write_notes(io)?;
    write_unused_by_none(&outcomes, io)?;
    let detach = edit.write_outcomes(&outcomes, io)?;
    if detach && config.exit_code {
        return Ok(exit::DETACH);
    }
    if config.exit_code && !changed.is_empty() {
        return Ok(exit::CHANGED);
    }
    Ok(exit::SUCCESS)
}

/// A source is edited in place: `--format json` and `recommendation` are
/// for a policy document.
fn check_format(asked: RefineFormat, format: Format) -> Result<(), Error> {
    if matches!(asked, RefineFormat::Recommendation | RefineFormat::Json) {
        return Err(Error::input(format!(
            "`--format {}` is for a policy document; for a {} source use `--format diff` or `--write`",
            if asked == RefineFormat::Json {
                "json"
            } else {
                "recommendation"
            },
            format.describe()
        )));
    }
    Ok(())
}

impl Edit {
    /// Scans the source, picks the policies `--resource` names and reads
    /// the files their `file()`s name.
    fn read(config: &Refine, text: &Text, format: Format, io: &mut Io<'_>) -> Result<Self, Error> {
        let scan = pare_iac::scan(format, &text.text).map_err(|e| located(text, &e))?;
        let chosen = choose(&scan.policies, config.resource.as_deref(), &text.name)?;
        let mut edit = Edit {
            files: vec![File {
                name: text.name.clone(),
                path: match &config.policy {
                    Source::Path(path) => Some(path.clone()),
                    Source::Stdin => None,
                },
                text: text.text.clone(),
                splices: Vec::new(),
            }],
            targets: Vec::new(),
            notes: scan
                .notes
                .iter()
                .filter(|n| {
                    n.address
                        .as_deref()
                        .is_none_or(|a| chosen.iter().any(|p| p.address == a || p.selected_by(a)))
                })
                .map(|n| (0, n.clone()))
                .collect(),
        };
        for policy in &chosen {
            match &policy.body {
                Body::Document(doc) => edit.targets.push(Target {
                    address: policy.address.clone(),
                    file: 0,
                    doc: doc.clone(),
                }),
                Body::File { path } => edit.read_file(config, policy, path, io)?,
                Body::Unread => {}
            }
        }
        if edit.targets.is_empty() {
            return Err(edit.unreadable(text, &chosen));
        }
        Ok(edit)
    }

    /// Reads the JSON file a policy's `file()` names as one more file.
    fn read_file(
        &mut self,
        config: &Refine,
        policy: &pare_iac::Policy,
        path: &str,
        io: &mut Io<'_>,
    ) -> Result<(), Error> {
        let path = referenced(&config.policy, path, &policy.address)?;
        let read = input::read_text(&Source::Path(path.clone()), input::Kind::Policy, io)?;
        let doc = pare_iac::read_json_policy(&read.text).map_err(|e| located(&read, &e))?;
        let file = self.files.len();
        self.notes.extend(
            doc.notes
                .iter()
                .cloned()
                .map(|n| (file, n.at(&policy.address))),
        );
        self.files.push(File {
            name: read.name,
            path: Some(path),
            text: read.text,
            splices: Vec::new(),
        });
        self.targets.push(Target {
            address: policy.address.clone(),
            file,
            doc,
        });
        Ok(())
    }

    /// The error when none of the chosen policies can be read, with the
    /// notes that say why.
    fn unreadable(&self, text: &Text, chosen: &[pare_iac::Policy]) -> Error {
        let why: Vec<String> = self
            .notes
            .iter()
            .map(|(_, n)| {
                format!(
                    "  line {}: {}",
                    pare_iac::line_of(&text.text, n.at),
                    Escaped(&n.message)
                )
            })
            .collect();
        Error::input(format!(
            "{}: pare cannot read {}",
            text.name,
            chosen
                .iter()
                .map(|p| format!("`{}`", Escaped(&p.address)))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_details(why)
    }

    /// The policy each target reads as, in the engine's model.
    fn policies(&self) -> Result<Vec<pare_engine::Policy>, Error> {
        let source = self.files.first().map_or("", |f| f.name.as_str());
        self.targets
            .iter()
            .map(|target| {
                target.doc.policy().map(|(policy, _)| policy).map_err(|e| {
                    Error::input(format!("{source}: `{}`: {e}", Escaped(&target.address)))
                })
            })
            .collect()
    }

    /// Refines each policy and verifies it, gathering the splices of each
    /// file; a refinement that fails its check stops the run (a bug).
    fn refine(
        &mut self,
        refining: &Refining<'_>,
        io: &mut Io<'_>,
    ) -> Result<ControlFlow<i32, Vec<Outcome>>, Error> {
        let mut outcomes = Vec::new();
        for target in &self.targets {
            let Some(file) = self.files.get_mut(target.file) else {
                continue;
            };
            let outcome = pare_iac::refine::refine(
                &target.doc,
                &file.text,
                refining.unused,
                refining.table,
                &refining.options,
            )
            .map_err(|e| {
                Error::input(format!(
                    "{}: `{}`: {e}",
                    file.name,
                    Escaped(&target.address)
                ))
            })?;
            let verification = refining.verify(&outcome.original, &outcome.refinement.policy);
            if !verification.is_ok() {
                return bug(io, &target.address, &verification).map(ControlFlow::Break);
            }
            file.splices.extend(outcome.splices.iter().cloned());
            outcomes.push(outcome);
        }
        Ok(ControlFlow::Continue(outcomes))
    }

    /// Each file's text with its splices applied.
    fn edited(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|f| pare_iac::apply(&f.text, &f.splices))
            .collect()
    }

    /// The edited files, read back: each policy must read as its refinement
    /// and pass the check again, before anything is printed or written.
    fn read_back(
        &self,
        format: Format,
        edited: &[String],
        outcomes: &[Outcome],
        refining: &Refining<'_>,
        io: &mut Io<'_>,
    ) -> Result<ControlFlow<i32>, Error> {
        for (target, outcome) in self.targets.iter().zip(outcomes) {
            if outcome.detach {
                continue;
            }
            let new_text = edited.get(target.file).map_or("", String::as_str);
            let doc = if target.file == 0 {
                document_at(format, new_text, &target.address)
            } else {
                pare_iac::read_json_policy(new_text).ok()
            };
            let read_back = doc.and_then(|d| d.policy().ok()).map(|(p, _)| p);
            let same = read_back
                .as_ref()
                .is_some_and(|p| p.to_value() == outcome.refinement.policy.to_value());
            let verified = read_back
                .as_ref()
                .is_some_and(|p| refining.verify(&outcome.original, p).is_ok());
            if !same || !verified {
                writeln!(
                    io.stderr,
                    "error: `{}`: the edited source does not read back as the refined policy; please report this as a bug in pare",
                    Escaped(&target.address)
                )?;
                return Ok(ControlFlow::Break(exit::VIOLATIONS));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// The indexes of the files the edit changes.
    fn changed(&self, edited: &[String]) -> Vec<usize> {
        (0..self.files.len())
            .filter(|&i| self.files.get(i).map(|f| &f.text) != edited.get(i))
            .collect()
    }

    /// `--write`: replaces each changed file.
    fn write(&self, changed: &[usize], edited: &[String], io: &mut Io<'_>) -> Result<(), Error> {
        for &i in changed {
            let (Some(file), Some(new)) = (self.files.get(i), edited.get(i)) else {
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
        Ok(())
    }

    /// Prints the diff of the changed files, or the edited source.
    fn print(
        &self,
        format: RefineFormat,
        changed: &[usize],
        edited: &[String],
        io: &mut Io<'_>,
    ) -> Result<(), Error> {
        let out = match format {
            RefineFormat::Diff => {
                let mut out = String::new();
                for &i in changed {
                    let (Some(file), Some(new)) = (self.files.get(i), edited.get(i)) else {
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
        Ok(())
    }

    /// The notes about what could not be read, in file and text order.
    fn write_notes(&mut self, io: &mut Io<'_>) -> Result<(), Error> {
        self.notes.sort_by_key(|(f, n)| (*f, n.at));
        for (file, note) in &self.notes {
            let Some(file) = self.files.get(*file) else {
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
        Ok(())
    }

    /// Each policy's warnings and what became of it; whether any is to be
    /// detached.
    fn write_outcomes(&self, outcomes: &[Outcome], io: &mut Io<'_>) -> Result<bool, Error> {
        let mut detach = false;
        for (target, outcome) in self.targets.iter().zip(outcomes) {
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
            for line in super::refine::diagnostic_lines(&diagnostics, super::refine::SEPARATE_LINES)
            {
                writeln!(
                    io.stderr,
                    "warning: `{}`: {}",
                    Escaped(&target.address),
                    Escaped(&line)
                )?;
            }
            detach |= outcome.detach;
            writeln!(
                io.stderr,
                "note: `{}`: {}",
                Escaped(&target.address),
                what_became(outcome)
            )?;
        }
        Ok(detach)
    }
}

impl Refining<'_> {
    /// Checks a refinement of `original`.
    fn verify(
        &self,
        original: &pare_engine::Policy,
        refined: &pare_engine::Policy,
    ) -> pare_engine::Verification {
        pare_engine::verify_checking(original, refined, self.unused, self.table, &self.checks)
    }
}

/// Findings are per principal: with several policies, an unused action
/// one of them does not grant is worth a word only when none grants it.
fn write_unused_by_none(outcomes: &[Outcome], io: &mut Io<'_>) -> Result<(), Error> {
    if outcomes.len() <= 1 {
        return Ok(());
    }
    let not_granted = |o: &Outcome| -> Vec<Arc<str>> {
        o.refinement
            .diagnostics
            .iter()
            .filter(|d| d.code == pare_engine::DiagnosticCode::UnusedNotGranted)
            .map(|d| d.subject.clone())
            .collect()
    };
    let mut by_none: Vec<Arc<str>> = outcomes.first().map(not_granted).unwrap_or_default();
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
    Ok(())
}

/// The note on one policy: to delete, refined, or left as it is.
fn what_became(outcome: &Outcome) -> String {
    if outcome.detach {
        return "nothing it grants is used: delete it (pare leaves its text as it is)".to_owned();
    }
    if !outcome.refinement.changed() {
        return "nothing to refine".to_owned();
    }
    let removed = outcome
        .refinement
        .edits
        .iter()
        .filter(|e| e.change == pare_engine::Change::StatementRemoved)
        .count();
    match removed {
        0 => "refined, verified".to_owned(),
        1 => "refined (1 statement removed), verified".to_owned(),
        n => format!("refined ({n} statements removed), verified"),
    }
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

/// The document of the policy at `address` in a source's text, when it
/// reads as one: how an edited source is read back.
pub(crate) fn document_at(format: Format, text: &str, address: &str) -> Option<Document> {
    let scan = pare_iac::scan(format, text).ok()?;
    let policy = scan.policies.into_iter().find(|p| p.address == address)?;
    match policy.body {
        Body::Document(doc) => Some(doc),
        _ => None,
    }
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
