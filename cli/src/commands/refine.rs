//! `pare refine`: a policy and its unused list in, the refined policy out, in
//! the format asked for; diagnostics and the size against IAM's quotas on stderr.

use std::io::Write;

use pare_engine::{Code, Policy, PolicyInput, PolicyKind, RecommendedAction, Refinement};
use serde_json::{Value, json};

use crate::args::{Refine, RefineFormat};
use crate::error::Error;
use crate::input::{self, Catalog};
use crate::io::Io;
use crate::{diff, exit};

/// Runs `pare refine`.
pub fn run(config: &Refine, io: &mut Io<'_>) -> Result<i32, Error> {
    let (_, input) = input::read_policy(&config.policy, io)?;
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let resolved = config
        .sources
        .resolve(&[&input.policy], catalog.table(), io)?;
    let unused = &resolved.unused;
    let refinement = pare_engine::refine(&input.policy, unused, catalog.table(), &config.options);
    if config.verify {
        // The check shares no code with the refinement; a failure here is a
        // bug in pare, so the result is withheld rather than printed.
        let verification =
            pare_engine::verify(&input.policy, &refinement.policy, unused, catalog.table());
        if !verification.is_ok() {
            for line in super::verify::violation_lines(&verification) {
                writeln!(io.stderr, "error: {line}")?;
            }
            writeln!(
                io.stderr,
                "error: the refined policy fails verification; please report this as a bug in pare"
            )?;
            return Ok(exit::VIOLATIONS);
        }
    }

    let out = match config.format {
        RefineFormat::Policy => with_newline(refinement.policy.to_pretty_string()),
        RefineFormat::Diff => {
            let name = config.policy.file_name();
            diff::unified(
                &format!("original/{name}"),
                &with_newline(input.policy.to_pretty_string()),
                &format!("refined/{name}"),
                &with_newline(refinement.policy.to_pretty_string()),
            )
        }
        RefineFormat::Recommendation => pretty(&recommendation(&input, &refinement)),
        // Written as it is serialized: as a `Value`, the edits and the
        // remarks of a list of millions of actions took gigabytes.
        RefineFormat::Json => {
            let mut out = std::io::BufWriter::new(&mut *io.stdout);
            serde_json::to_writer_pretty(&mut out, &everything(&input, &refinement))
                .map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            out.flush()?;
            String::new()
        }
    };
    io.stdout.write_all(out.as_bytes())?;

    resolved.write_notes(&mut io.stderr)?;
    for line in diagnostic_lines(&refinement.diagnostics) {
        writeln!(io.stderr, "warning: {line}")?;
    }
    if !refinement.changed() {
        writeln!(
            io.stderr,
            "note: nothing to refine: the policy grants no unused action"
        )?;
    } else if refinement.recommended_action() == RecommendedAction::DetachPolicy {
        writeln!(
            io.stderr,
            "note: nothing in the policy is used: detach it (every statement was removed)"
        )?;
    }
    writeln!(io.stderr, "{}", size_line(&input, &refinement.policy))?;
    if config.verify {
        writeln!(
            io.stderr,
            "note: verified: sound, safe, complete, structure kept, minimal change"
        )?;
    }
    Ok(exit::SUCCESS)
}

fn with_newline(mut text: String) -> String {
    text.push('\n');
    text
}

fn pretty(value: &Value) -> String {
    with_newline(serde_json::to_string_pretty(value).unwrap_or_default())
}

fn action_name(action: RecommendedAction) -> &'static str {
    match action {
        RecommendedAction::CreatePolicy => "CREATE_POLICY",
        RecommendedAction::DetachPolicy => "DETACH_POLICY",
    }
}

/// Access Analyzer's `get-finding-recommendation` output, without the fields
/// only the service knows (times, the principal's ARN).
fn recommendation(input: &PolicyInput, refinement: &Refinement) -> Value {
    let action = refinement.recommended_action();
    let mut step = serde_json::Map::new();
    step.insert("recommendedAction".into(), action_name(action).into());
    if action == RecommendedAction::CreatePolicy {
        step.insert(
            "recommendedPolicy".into(),
            refinement.policy.to_compact_string().into(),
        );
    }
    // `get-policy-version` output names only the version (`v3`), not the
    // policy: there is no id to give, so the field is left out, as it is for a
    // bare document.
    let id = match input.kind {
        PolicyKind::Managed => None,
        _ => input.name.as_deref(),
    };
    if let Some(id) = id {
        step.insert("existingPolicyId".into(), id.into());
    }
    json!({
        "recommendationType": "UnusedPermissionRecommendation",
        "status": "SUCCEEDED",
        "recommendedSteps": [{"unusedPermissionsRecommendedStep": step}],
    })
}

/// How many subjects of one remark are printed one per line before they are
/// gathered into one line.
const SEPARATE_LINES: usize = 5;

/// The diagnostics as lines for stderr. A finding lists every unused action of
/// a principal, so refining one of its policies can say "not granted by this
/// policy" of hundreds of them: a remark made of more than a few subjects
/// becomes one line, where its first subject was, that names the first few and
/// counts the rest. Other lines keep their order; `--format json` lists every
/// diagnostic.
fn diagnostic_lines(diagnostics: &[pare_engine::Diagnostic]) -> Vec<String> {
    let same = |a: &pare_engine::Diagnostic, b: &pare_engine::Diagnostic| {
        a.code == b.code && a.statement == b.statement && a.message == b.message
    };
    // Each remark, by its first diagnostic, with its first few subjects and
    // how many it has. Nothing is kept per diagnostic: a list of millions of
    // unknown actions makes millions of them.
    let mut groups: Vec<(&pare_engine::Diagnostic, Vec<&str>, usize)> = Vec::new();
    for diagnostic in diagnostics {
        match groups
            .iter_mut()
            .find(|(first, _, _)| same(first, diagnostic))
        {
            Some((_, subjects, count)) => {
                if subjects.len() < SEPARATE_LINES {
                    subjects.push(&diagnostic.subject);
                }
                *count += 1;
            }
            None => groups.push((diagnostic, vec![&diagnostic.subject], 1)),
        }
    }
    let mut lines = Vec::new();
    for diagnostic in diagnostics {
        let Some((first, subjects, count)) =
            groups.iter().find(|(first, _, _)| same(first, diagnostic))
        else {
            continue;
        };
        let count = *count;
        if count <= SEPARATE_LINES {
            lines.push(diagnostic.to_string());
            continue;
        }
        if !std::ptr::eq(*first, diagnostic) {
            continue;
        }
        let named: Vec<String> = subjects
            .iter()
            .take(SEPARATE_LINES)
            .map(|s| format!("`{s}`"))
            .collect();
        let at = first
            .statement
            .map(|i| format!("Statement[{i}], "))
            .unwrap_or_default();
        let what = match first.code {
            Code::UnknownUnusedAction | Code::UnusedNotGranted | Code::UnknownAction => "actions",
            Code::BroadExclusion | Code::MalformedAction => "entries",
        };
        lines.push(format!(
            "{at}{} {what} ({} and {} more; `--format json` lists every one): each {}",
            count,
            named.join(", "),
            count - SEPARATE_LINES,
            first.message
        ));
    }
    lines
}

/// `--format json`: the refined policy, the edits, the diagnostics and the sizes.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Everything<'r> {
    recommended_action: &'static str,
    policy: &'r Policy,
    edits: &'r [pare_engine::Edit],
    diagnostics: &'r [pare_engine::Diagnostic],
    size: Value,
}

fn everything<'r>(input: &PolicyInput, refinement: &'r Refinement) -> Everything<'r> {
    let after = refinement.policy.size();
    let quotas: Vec<Value> = quotas(input.kind)
        .into_iter()
        .map(|(kind, limit)| {
            json!({"quota": kind.describe(), "limit": limit, "exceeded": after > limit})
        })
        .collect();
    Everything {
        recommended_action: action_name(refinement.recommended_action()),
        policy: &refinement.policy,
        edits: &refinement.edits,
        diagnostics: &refinement.diagnostics,
        size: json!({"before": input.policy.size(), "after": after, "quotas": quotas}),
    }
}

/// The quotas that apply: the wrapper's kind, or every one when it is unknown.
fn quotas(kind: PolicyKind) -> Vec<(PolicyKind, usize)> {
    let kinds: &[PolicyKind] = if kind == PolicyKind::Unknown {
        &PolicyKind::ALL
    } else {
        std::slice::from_ref(&kind)
    };
    kinds
        .iter()
        .filter_map(|&k| k.quota().map(|q| (k, q)))
        .collect()
}

/// One line: the refined size (IAM counts characters without white space)
/// against the quotas, a warning when it is over one.
fn size_line(input: &PolicyInput, refined: &Policy) -> String {
    let after = refined.size();
    let quotas = quotas(input.kind);
    let over = quotas.iter().any(|&(_, limit)| after > limit);
    let listed: Vec<String> = quotas
        .iter()
        .map(|&(kind, limit)| {
            let mark = if after > limit { " (exceeded)" } else { "" };
            format!("{} {}{mark}", kind.describe(), thousands(limit))
        })
        .collect();
    let label = if quotas.len() == 1 { "quota" } else { "quotas" };
    let inline = if input.kind == PolicyKind::Unknown {
        " (an inline quota counts all of a principal's inline policies together)"
    } else {
        ""
    };
    format!(
        "{}: the refined policy has {} characters without white space ({} before); IAM {label}: {}{inline}",
        if over { "warning" } else { "note" },
        thousands(after),
        thousands(input.policy.size()),
        listed.join(", "),
    )
}

/// `6144` as `6,144`, as AWS's documentation writes its quotas.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(6144), "6,144");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
