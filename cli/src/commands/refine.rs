//! `pare refine`: a policy and its unused list in, the refined policy out, in
//! the format asked for; diagnostics and the size against IAM's quotas on stderr.

use std::borrow::Cow;
use std::io::Write;

use pare_engine::recommendation::{self, RecommendedStep};
use pare_engine::{DiagnosticCode, Policy, PolicyInput, PolicyKind, RecommendedAction, Refinement};
use serde_json::{Value, json};

use crate::args::{PolicyKindArg, Refine, RefineFormat};
use crate::error::Error;
use crate::input::{self, Catalog};
use crate::io::Io;
use crate::text::thousands;
use crate::{diff, exit};

/// Runs `pare refine`.
pub fn run(config: &Refine, io: &mut Io<'_>) -> Result<i32, Error> {
    let input = match input::read_policy_or_source(&config.policy, io)? {
        input::PolicyOrSource::Policy(_, input) => input,
        input::PolicyOrSource::Source(text, format) => {
            return super::source::run(config, text, format, io);
        }
    };
    if config.resource.is_some() || config.write {
        return Err(Error::input(
            "`--resource` and `--write` are for a Terraform file or a CloudFormation template",
        ));
    }
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let resolved = config.sources.resolve(&[&input.policy], &catalog, io)?;
    let unused = &resolved.unused;
    let kind = quota_kind(
        input.kind,
        config.policy_kind,
        resolved.principal.as_deref(),
    )?;
    let options = pare_engine::RefineOptions {
        catalog_date: crate::sources::catalog_data_date(config.catalog.as_deref(), io.limits),
        ..config.options.clone()
    };
    let refinement = pare_engine::refine(&input.policy, unused, catalog.table(), &options);
    // The check shares no code with the refinement; a failure here is a
    // bug in pare, so the result is withheld rather than printed.
    if config.verify
        && !verified(
            &input.policy,
            &refinement,
            unused,
            catalog.table(),
            &options,
            io,
        )?
    {
        return Ok(exit::VIOLATIONS);
    }

    let detach = refinement.recommended_action() == RecommendedAction::DetachPolicy;
    print(config, &input, &refinement, detach, io)?;
    resolved.write_notes(&mut io.stderr)?;
    if io.verbose {
        write_catalog(&catalog, io)?;
    }
    let separate = if io.verbose {
        usize::MAX
    } else {
        SEPARATE_LINES
    };
    for line in diagnostic_lines(&refinement.diagnostics, separate) {
        writeln!(io.stderr, "warning: {}", crate::safe::escape(&line))?;
    }
    if !resolved.nothing_active {
        // With no source active, the notes above said why nothing is unused.
        write_outcome(config.format, &refinement, detach, io)?;
    }
    // A policy to detach has no refined size to hold against a quota.
    if !detach {
        write_size(&input, &refinement.policy, kind, config.max_policy_size, io)?;
    }
    if config.verify {
        writeln!(
            io.stderr,
            "note: verified: sound, safe, complete, structure kept, minimal change{}",
            if options.wildcards { ", concise" } else { "" }
        )?;
    }
    if detach && (config.format == RefineFormat::Policy || config.exit_code) {
        return Ok(exit::DETACH);
    }
    if config.exit_code && refinement.changed() {
        return Ok(exit::CHANGED);
    }
    Ok(exit::SUCCESS)
}

/// Checks the refinement; when it fails (a bug in pare), says why.
fn verified(
    original: &Policy,
    refinement: &Refinement,
    unused: &pare_engine::UnusedSet,
    table: pare_engine::ActionTable<'_>,
    options: &pare_engine::RefineOptions,
    io: &mut Io<'_>,
) -> Result<bool, Error> {
    let checks = pare_engine::VerifyChecks {
        concise: options.wildcards,
    };
    let verification =
        pare_engine::verify_checking(original, &refinement.policy, unused, table, &checks);
    if verification.is_ok() {
        return Ok(true);
    }
    for line in super::verify::violation_lines(&verification) {
        writeln!(io.stderr, "error: {}", crate::safe::escape(&line))?;
    }
    writeln!(
        io.stderr,
        "error: the refined policy fails verification; please report this as a bug in pare"
    )?;
    Ok(false)
}

/// Prints the refinement in the format asked for.
fn print(
    config: &Refine,
    input: &PolicyInput,
    refinement: &Refinement,
    detach: bool,
    io: &mut Io<'_>,
) -> Result<(), Error> {
    let out = match config.format {
        // A document without statements is one IAM rejects: print none.
        RefineFormat::Policy if detach => String::new(),
        RefineFormat::Policy => with_newline(refinement.policy.to_pretty_string()),
        RefineFormat::Diff => {
            let name = config.policy.file_name();
            let text = diff::unified(
                &format!("original/{name}"),
                &with_newline(input.policy.to_pretty_string()),
                &format!("refined/{name}"),
                &with_newline(refinement.policy.to_pretty_string()),
            );
            if io.color_stdout() {
                diff::colored(&text)
            } else {
                text
            }
        }
        RefineFormat::Recommendation => pretty(&recommendation(input, refinement)),
        // Written as it is serialized: as a `Value`, the edits and the
        // remarks of a list of millions of actions took gigabytes.
        RefineFormat::Json => {
            let mut out = std::io::BufWriter::new(&mut *io.stdout);
            serde_json::to_writer_pretty(
                &mut out,
                &everything(input, refinement, config.max_policy_size),
            )
            .map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            out.flush()?;
            String::new()
        }
    };
    io.stdout.write_all(out.as_bytes())?;
    Ok(())
}

/// `--verbose`: which catalog the refinement read.
fn write_catalog(catalog: &Catalog, io: &mut Io<'_>) -> Result<(), Error> {
    let p = catalog.provenance();
    writeln!(
        io.stderr,
        "note: catalog: {}, data of {}, {} actions",
        crate::safe::escape(&p.source),
        crate::safe::escape(p.data_date.as_deref().unwrap_or("unknown date")),
        p.action_count
    )?;
    Ok(())
}

/// The note when nothing is refined or nothing is left.
fn write_outcome(
    format: RefineFormat,
    refinement: &Refinement,
    detach: bool,
    io: &mut Io<'_>,
) -> Result<(), Error> {
    if !refinement.changed() {
        writeln!(
            io.stderr,
            "note: nothing to refine: the policy grants no unused action"
        )?;
    } else if detach && format == RefineFormat::Policy {
        writeln!(
            io.stderr,
            "note: nothing in the policy is used: detach it (every statement was removed); no policy is printed, as IAM rejects one without statements (exit {})",
            exit::DETACH
        )?;
    } else if detach {
        writeln!(
            io.stderr,
            "note: nothing in the policy is used: detach it (every statement was removed)"
        )?;
    }
    Ok(())
}

/// The refined size against the quota, and a word on splitting it when
/// it does not fit.
fn write_size(
    input: &PolicyInput,
    refined: &Policy,
    kind: PolicyKind,
    max: Option<usize>,
    io: &mut Io<'_>,
) -> Result<(), Error> {
    // Each entry sized once, for both lines: a refined policy can hold tens
    // of thousands of actions.
    let sizes = crate::split::Sizes::of(refined);
    writeln!(io.stderr, "{}", size_line(input, sizes.total, kind, max))?;
    if let Some(line) = split_line(refined, &sizes, kind, max) {
        writeln!(io.stderr, "{line}")?;
    }
    Ok(())
}

fn with_newline(mut text: String) -> String {
    text.push('\n');
    text
}

fn pretty(value: &Value) -> String {
    with_newline(serde_json::to_string_pretty(value).unwrap_or_default())
}

/// Access Analyzer's `get-finding-recommendation` output, without the fields
/// only the service knows (times, the principal's ARN).
fn recommendation(input: &PolicyInput, refinement: &Refinement) -> Value {
    // `get-policy-version` output names only the version (`v3`), not the
    // policy: there is no id to give, so the field is left out, as it is for a
    // bare document.
    let id = match input.kind {
        PolicyKind::Managed => None,
        _ => input.name.as_deref(),
    };
    let step = RecommendedStep::for_refined(&refinement.policy, id);
    Value::Object(recommendation::recommendation(None, vec![step.to_json()]))
}

/// How many subjects of one remark are printed one per line before they are
/// gathered into one line.
pub(crate) const SEPARATE_LINES: usize = 5;

/// The diagnostics as lines for stderr. A finding lists every unused action of
/// a principal, so refining one of its policies can say "not granted by this
/// policy" of hundreds of them: a remark made of more than a few subjects
/// becomes one line, where its first subject was, that names the first few and
/// counts the rest. Other lines keep their order; `--format json` lists every
/// diagnostic.
/// `--verbose` passes `usize::MAX` for `separate`: every diagnostic on its own line.
pub(crate) fn diagnostic_lines(
    diagnostics: &pare_engine::Diagnostics,
    separate: usize,
) -> Vec<String> {
    let same = |a: &pare_engine::Diagnostic, b: &pare_engine::Diagnostic| {
        a.code == b.code && a.statement == b.statement && a.message == b.message
    };
    let mut groups: Vec<Remark<'_>> = Vec::new();
    for (at, diagnostic) in diagnostics.iter().enumerate() {
        match groups.iter_mut().find(|g| same(&g.first, &diagnostic)) {
            Some(group) => {
                if group.subjects.len() < SEPARATE_LINES {
                    group.subjects.push(diagnostic.subject.clone());
                }
                group.count += 1;
            }
            None => groups.push(Remark {
                subjects: vec![diagnostic.subject.clone()],
                first: diagnostic,
                at,
                count: 1,
            }),
        }
    }
    let mut lines = Vec::new();
    for (at, diagnostic) in diagnostics.iter().enumerate() {
        let Some(group) = groups.iter().find(|g| same(&g.first, &diagnostic)) else {
            continue;
        };
        if group.count <= separate {
            lines.push(diagnostic.to_string());
        } else if at == group.at {
            lines.push(group.line());
        }
    }
    lines
}

/// One remark of [`diagnostic_lines`], by its first diagnostic and where
/// that stands, with its first few subjects and how many it has. Nothing is
/// kept per diagnostic: a list of millions of unknown actions makes
/// millions of them.
struct Remark<'d> {
    first: Cow<'d, pare_engine::Diagnostic>,
    at: usize,
    subjects: Vec<std::sync::Arc<str>>,
    count: usize,
}

impl Remark<'_> {
    /// The remark as one line that names its first few subjects and counts
    /// the rest.
    fn line(&self) -> String {
        let first = &self.first;
        let named: Vec<String> = self
            .subjects
            .iter()
            .take(SEPARATE_LINES)
            .map(|s| format!("`{s}`"))
            .collect();
        let at = first
            .statement
            .map(|i| format!("Statement[{i}], "))
            .unwrap_or_default();
        let what = match first.code {
            DiagnosticCode::UnknownUnusedAction
            | DiagnosticCode::UnusedNotGranted
            | DiagnosticCode::UnknownAction => "actions",
            DiagnosticCode::BroadExclusion
            | DiagnosticCode::MalformedAction
            | DiagnosticCode::UnknownService
            | DiagnosticCode::MatchesNoAction => "entries",
        };
        format!(
            "{at}{} {what} ({} and {} more; `--format json` lists every one): each {}",
            self.count,
            named.join(", "),
            self.count - SEPARATE_LINES,
            first.message
        )
    }
}

/// `--format json`: the refined policy, the edits, the diagnostics and the sizes.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Everything<'r> {
    recommended_action: &'static str,
    policy: Option<&'r Policy>,
    edits: &'r pare_engine::Edits,
    diagnostics: &'r pare_engine::Diagnostics,
    size: Value,
}

fn everything<'r>(
    input: &PolicyInput,
    refinement: &'r Refinement,
    max: Option<usize>,
) -> Everything<'r> {
    let after = refinement.policy.size();
    let mut quotas: Vec<Value> = quotas(input.kind)
        .into_iter()
        .map(|(kind, limit)| {
            json!({"quota": kind.describe(), "limit": limit, "exceeded": after > limit})
        })
        .collect();
    if let Some(max) = max {
        quotas.push(json!({"quota": USER_SIZE, "limit": max, "exceeded": after > max}));
    }
    // When nothing remains there is no policy to give, only the detach.
    let policy = match refinement.recommended_action() {
        RecommendedAction::CreatePolicy => Some(&refinement.policy),
        RecommendedAction::DetachPolicy => None,
    };
    Everything {
        recommended_action: refinement.recommended_action().as_str(),
        policy,
        edits: &refinement.edits,
        diagnostics: &refinement.diagnostics,
        size: json!({"before": input.policy.size(), "after": after, "quotas": quotas}),
    }
}

/// The kind of policy whose quota applies: the wrapper's (`get-role-policy`
/// output is a role's inline policy), else `--policy-kind` (`inline` takes
/// the finding's principal, from its ARN), else a managed policy.
fn quota_kind(
    wrapper: PolicyKind,
    flag: Option<PolicyKindArg>,
    principal: Option<&str>,
) -> Result<PolicyKind, Error> {
    if wrapper != PolicyKind::Unknown {
        return Ok(wrapper);
    }
    Ok(match flag {
        None | Some(PolicyKindArg::Managed) => PolicyKind::Managed,
        Some(PolicyKindArg::RoleInline) => PolicyKind::RoleInline,
        Some(PolicyKindArg::UserInline) => PolicyKind::UserInline,
        Some(PolicyKindArg::GroupInline) => PolicyKind::GroupInline,
        Some(PolicyKindArg::Inline) => {
            let resource = principal.and_then(|arn| arn.split(':').nth(5));
            match resource.and_then(|r| r.split_once('/')).map(|(t, _)| t) {
                Some("role") => PolicyKind::RoleInline,
                Some("user") => PolicyKind::UserInline,
                _ => {
                    return Err(Error::input(
                        "`--policy-kind inline`: no `--unused` finding names a role or user",
                    )
                    .with_details(vec![
                        "say whose: `role-inline`, `user-inline` or `group-inline`".to_string(),
                    ]));
                }
            }
        }
    })
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

/// One short line: the refined size (IAM counts characters without white
/// space) against the one quota that applies, with what is left or the
/// excess; a warning when it is over. `--format json` has every quota.
fn size_line(input: &PolicyInput, after: usize, kind: PolicyKind, max: Option<usize>) -> String {
    let quota = kind.quota().unwrap_or(usize::MAX);
    let (limit, name) = match max {
        Some(max) if max < quota => (max, USER_SIZE),
        _ => (
            quota,
            match kind {
                PolicyKind::RoleInline => "role inline quota",
                PolicyKind::UserInline => "user inline quota",
                PolicyKind::GroupInline => "group inline quota",
                PolicyKind::Managed | PolicyKind::Unknown => "managed policy quota",
            },
        ),
    };
    let (level, rest) = if after > limit {
        ("warning", format!("{} over", thousands(after - limit)))
    } else {
        ("note", format!("{} left", thousands(limit - after)))
    };
    format!(
        "{level}: size {} ({} before), white space not counted; {name} {}: {rest}",
        thousands(after),
        thousands(input.policy.size()),
        thousands(limit),
    )
}

/// For a result over the managed policy quota: the alternative of splitting
/// it into several managed policies that each fit, and its cost (issue #18).
/// Inline quotas count all of a principal's inline policies together, so no
/// split helps there.
fn split_line(
    refined: &Policy,
    sizes: &crate::split::Sizes,
    kind: PolicyKind,
    max: Option<usize>,
) -> Option<String> {
    let after = sizes.total;
    if !matches!(kind, PolicyKind::Managed | PolicyKind::Unknown) {
        return None;
    }
    let quota = PolicyKind::Managed.quota()?;
    let limit = max.map_or(quota, |max| max.min(quota));
    if after <= limit {
        return None;
    }
    Some(match crate::split::count_sized(refined, sizes, limit) {
        Some(parts) => format!(
            "note: it fits as {} managed policies split by statement, each taking one of the\n  \
             principal's {} attached-policy slots ({} at most)",
            parts,
            crate::split::DEFAULT_ATTACHED,
            crate::split::MAX_ATTACHED
        ),
        None => {
            "note: no split by statement fits the quota: one statement cannot be cut".to_string()
        }
    })
}

/// How reports name the size `--max-policy-size` sets.
const USER_SIZE: &str = "size set with --max-policy-size";
