//! `pare verify OLD NEW` without an unused list: the pull-request gate.
//! Does NEW (a policy, a Terraform file or a template) grant anything OLD
//! did not? Exit 1 with each new grant, by file and line; `--format sarif`
//! for code-scanning annotations.

use std::io::Write;

use pare_iac::{Actions, Body, Document};
use serde_json::{Value, json};

use super::verify::{VerifyConfig, VerifyFormat};
use crate::error::Error;
use crate::exit;
use crate::input::{self, PolicyOrSource, Source};
use crate::io::Io;
use crate::safe::Escaped;

/// One policy's version: its engine view, and where its statements are.
#[derive(Debug)]
struct Version {
    /// The file it is in (for messages and SARIF).
    file: String,
    /// The file's text, for lines.
    text: String,
    /// The engine's view of its literal statements.
    policy: pare_engine::Policy,
    /// The spans, when read from the source (a wrapped policy has none).
    doc: Option<Document>,
    /// For each engine statement, its index in `doc`.
    index: Vec<usize>,
}

/// A new grant, located.
#[derive(Debug)]
struct Finding {
    file: String,
    line: usize,
    address: String,
    rule: &'static str,
    message: String,
}

/// What the gate found: the new grants and how many policies it compared.
#[derive(Debug, Default)]
struct Gate {
    findings: Vec<Finding>,
    compared: usize,
}

/// Runs the gate.
pub fn run(config: &VerifyConfig, io: &mut Io<'_>) -> Result<i32, Error> {
    let old = input::read_policy_or_source(&config.original, io)?;
    let new = input::read_policy_or_source(&config.refined, io)?;
    let mut gate = Gate::default();
    match (old, new) {
        (PolicyOrSource::Policy(old_text, old), PolicyOrSource::Policy(new_text, new)) => {
            let old = plain(old_text.name, old_text.text, old.policy);
            let new = plain(new_text.name, new_text.text, new.policy);
            gate.compare("policy", Some(&old), &new);
        }
        (
            PolicyOrSource::Source(old_text, old_format),
            PolicyOrSource::Source(new_text, new_format),
        ) if old_format.describe() == new_format.describe() => {
            let old = pare_iac::scan(old_format, &old_text.text)
                .map_err(|e| super::source::located(&old_text, &e))?;
            let new = pare_iac::scan(new_format, &new_text.text)
                .map_err(|e| super::source::located(&new_text, &e))?;
            gate.compare_sources(config, (&old_text, &old), (&new_text, &new), io)?;
        }
        (PolicyOrSource::Source(_, _), _) | (_, PolicyOrSource::Source(_, _)) => {
            return Err(Error::input(format!(
                "`{}` and `{}` are not two versions of the same kind of file",
                config.original.name(),
                config.refined.name()
            ))
            .with_details(vec![
                "give two policies, two Terraform files or two templates".to_string(),
            ]));
        }
    }
    gate.print(config.format, io)?;
    gate.conclude(config, io)
}

impl Gate {
    /// Compares one policy's two versions.
    fn compare(&mut self, address: &str, old: Option<&Version>, new: &Version) {
        compare(address, old, new, &mut self.findings);
        self.compared += 1;
    }

    /// Compares each policy of the new source with the policy of the same
    /// address in the old one; a new policy pare cannot read is a finding.
    fn compare_sources(
        &mut self,
        config: &VerifyConfig,
        (old_text, old_scan): (&input::Text, &pare_iac::Scan),
        (new_text, new_scan): (&input::Text, &pare_iac::Scan),
        io: &mut Io<'_>,
    ) -> Result<(), Error> {
        for policy in &new_scan.policies {
            let before = old_scan
                .policies
                .iter()
                .find(|p| p.address == policy.address);
            let new = version(&config.refined, new_text, &policy.body, &policy.address, io)?;
            let old = match before {
                Some(before) => version(
                    &config.original,
                    old_text,
                    &before.body,
                    &before.address,
                    io,
                )?,
                None => None,
            };
            match new {
                Some(new) => self.compare(&policy.address, old.as_ref(), &new),
                None if before.is_some_and(|b| matches!(b.body, Body::Unread)) => {}
                None => self.findings.push(Finding {
                    file: new_text.name.clone(),
                    line: pare_iac::line_of(&new_text.text, policy.at),
                    address: policy.address.clone(),
                    rule: "unreadable",
                    message: "pare cannot read this policy (see the notes of `pare refine`): check it by hand".to_string(),
                }),
            }
        }
        Ok(())
    }

    /// Prints the new grants in the format asked for.
    fn print(&self, format: VerifyFormat, io: &mut Io<'_>) -> Result<(), Error> {
        let findings = &self.findings;
        match format {
            VerifyFormat::Text => {
                for f in findings {
                    writeln!(
                        io.stdout,
                        "{}:{}: `{}`: {}",
                        Escaped(&f.file),
                        f.line,
                        Escaped(&f.address),
                        Escaped(&f.message)
                    )?;
                }
            }
            VerifyFormat::Json => {
                let list: Vec<Value> = findings
                    .iter()
                    .map(|f| json!({"file": f.file, "line": f.line, "address": f.address, "rule": f.rule, "message": f.message}))
                    .collect();
                let value = json!({"ok": findings.is_empty(), "compared": self.compared, "newGrants": list});
                writeln!(
                    io.stdout,
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                )?;
            }
            VerifyFormat::Sarif => {
                writeln!(
                    io.stdout,
                    "{}",
                    serde_json::to_string_pretty(&sarif(findings)).unwrap_or_default()
                )?;
            }
        }
        Ok(())
    }

    /// The closing line on stderr, and the exit code.
    fn conclude(&self, config: &VerifyConfig, io: &mut Io<'_>) -> Result<i32, Error> {
        let compared = self.compared;
        let policies = if compared == 1 { "policy" } else { "policies" };
        if self.findings.is_empty() {
            writeln!(
                io.stderr,
                "no new grants: `{}` grants nothing `{}` did not ({compared} {policies} compared)",
                config.refined.name(),
                config.original.name()
            )?;
            Ok(exit::SUCCESS)
        } else {
            writeln!(
                io.stderr,
                "{} new {} in `{}` ({compared} {policies} compared)",
                self.findings.len(),
                if self.findings.len() == 1 {
                    "grant"
                } else {
                    "grants"
                },
                config.refined.name()
            )?;
            Ok(exit::VIOLATIONS)
        }
    }
}

/// A plain policy, with spans when it is a bare JSON document.
fn plain(file: String, text: String, policy: pare_engine::Policy) -> Version {
    let doc = pare_iac::read_json_policy(&text).ok().filter(|doc| {
        doc.policy()
            .is_ok_and(|(p, _)| p.statements().len() == policy.statements().len())
    });
    let index = doc
        .as_ref()
        .and_then(|d| d.policy().ok())
        .map(|(_, index)| index)
        .unwrap_or_default();
    Version {
        file,
        text,
        policy,
        doc,
        index,
    }
}

/// A policy of a source, its document read (from a `file()` too).
fn version(
    source: &Source,
    text: &input::Text,
    body: &Body,
    address: &str,
    io: &mut Io<'_>,
) -> Result<Option<Version>, Error> {
    let (file, file_text, doc) = match body {
        Body::Document(doc) => (text.name.clone(), text.text.clone(), doc.clone()),
        Body::File { path } => {
            let path = super::source::referenced(source, path, address)?;
            let read = input::read_text(&Source::Path(path), input::Kind::Policy, io)?;
            let doc = pare_iac::read_json_policy(&read.text)
                .map_err(|e| super::source::located(&read, &e))?;
            (read.name, read.text, doc)
        }
        Body::Unread => return Ok(None),
    };
    let (policy, index) = doc
        .policy()
        .map_err(|e| Error::input(format!("{file}: `{}`: {e}", Escaped(address))))?;
    Ok(Some(Version {
        file,
        text: file_text,
        policy,
        doc: Some(doc),
        index,
    }))
}

/// The new grants of `new` over `old` (everything, when `old` is missing).
fn compare(address: &str, old: Option<&Version>, new: &Version, findings: &mut Vec<Finding>) {
    let empty = new.policy.with_statements(Vec::new());
    let old_policy = old.map_or(&empty, |o| &o.policy);
    let line_of = |at: usize| pare_iac::line_of(&new.text, at);
    let stmt = |k: usize| {
        new.doc
            .as_ref()
            .and_then(|d| new.index.get(k).and_then(|&i| d.statements.get(i)))
    };
    for grant in pare_iac::gate::new_grants(old_policy, &new.policy) {
        let (line, label) = match grant.statement {
            Some(k) => {
                let statement = stmt(k);
                let entry = statement.and_then(|s| match (&s.actions, grant.entry) {
                    (Actions::Literal(list), Some(e)) => list.items.get(e).map(|i| i.span.start),
                    _ => None,
                });
                let at = entry.or(statement.map(|s| s.span.start));
                let sid = new
                    .policy
                    .statements()
                    .get(k)
                    .and_then(|s| s.sid())
                    .map(|sid| format!(" ({sid})"))
                    .unwrap_or_default();
                let position = new.index.get(k).copied().unwrap_or(k);
                (
                    at.map_or(1, line_of),
                    format!("statement {}{sid}: ", position + 1),
                )
            }
            None => (
                new.doc.as_ref().map_or(1, |d| line_of(d.span.start)),
                String::new(),
            ),
        };
        findings.push(Finding {
            file: new.file.clone(),
            line,
            address: address.to_string(),
            rule: "new-grant",
            message: format!("{label}{}", grant.message),
        });
    }
    // A statement pare cannot read is a new grant unless the old version
    // has the very same text.
    let Some(doc) = &new.doc else { return };
    let old_texts: Vec<&str> = old
        .and_then(|o| o.doc.as_ref().map(|d| (o, d)))
        .map(|(o, d)| {
            d.statements
                .iter()
                .filter(|s| s.actions == Actions::NonLiteral)
                .filter_map(|s| o.text.get(s.span.clone()))
                .collect()
        })
        .unwrap_or_default();
    for (i, statement) in doc.statements.iter().enumerate() {
        if statement.actions != Actions::NonLiteral {
            continue;
        }
        let text = new.text.get(statement.span.clone()).unwrap_or("");
        if !old_texts.contains(&text) {
            findings.push(Finding {
                file: new.file.clone(),
                line: line_of(statement.span.start),
                address: address.to_string(),
                rule: "unreadable",
                message: format!(
                    "statement {}: changed, and not a literal pare can compare: check it by hand",
                    i + 1
                ),
            });
        }
    }
}

/// The findings as SARIF 2.1.0.
fn sarif(findings: &[Finding]) -> Value {
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.rule,
                "level": "error",
                "message": {"text": format!("`{}`: {}", f.address, f.message)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.file.replace('\\', "/").trim_start_matches("./")},
                        "region": {"startLine": f.line}
                    }
                }]
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pare",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/pare-iam/pare",
                "rules": [
                    {"id": "new-grant", "shortDescription": {"text": "The new version grants an action the old one did not"}},
                    {"id": "unreadable", "shortDescription": {"text": "A changed policy pare cannot read: review it by hand"}}
                ]
            }},
            "results": results
        }]
    })
}
