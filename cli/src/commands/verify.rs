//! `pare verify`: checks a refined policy (pare's, Access Analyzer's, or one
//! edited by hand) against its original and the unused list, with the
//! engine's independent expand-and-compare check.

use std::ffi::OsString;
use std::io::Write;

use clap::{Args, ValueEnum};
use pare_engine::{Policy, Verification, ViolationKind};
use serde_json::json;

use crate::args::CatalogArgs;
use crate::error::Error;
use crate::exit;
use crate::input::{self, Catalog, Source};
use crate::io::Io;

/// `pare verify`'s arguments as clap reads them.
#[derive(Clone, Debug, Args)]
pub struct VerifyArgs {
    /// The original policy, in any form `refine` reads; `-` reads stdin.
    #[arg(value_name = "ORIGINAL")]
    pub original: OsString,

    /// The refined policy: a document in any form `refine` reads, or Access
    /// Analyzer's `get-finding-recommendation` output or Security Hub's
    /// `get-recommended-policy-v2` output with one recommended step; `-`
    /// reads stdin.
    #[arg(value_name = "REFINED")]
    pub refined: OsString,

    /// The unused actions the refinement was made against, in any form
    /// `refine --unused` reads; `-` reads stdin. Or the other sources `refine`
    /// reads (`--last-accessed`, `--used`), with the same flags as there.
    /// Without any: the pull-request gate, which asks whether REFINED (the new
    /// version of a policy, a Terraform file or a template) grants anything
    /// ORIGINAL (the old version) did not.
    #[arg(long, value_name = "FINDINGS")]
    pub unused: Option<OsString>,

    #[command(flatten)]
    pub sources: crate::sources::SourceArgs,

    #[command(flatten)]
    pub catalog: CatalogArgs,

    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Text)]
    pub format: VerifyFormat,

    /// The refinement was made with `refine --no-wildcards`: its replacements list
    /// the used actions one by one, so conciseness (guarantee 6) is not checked.
    #[arg(long)]
    pub no_wildcards: bool,

    #[command(flatten)]
    pub output: crate::args::OutputArgs,
}

/// `pare verify --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    /// One line per violation (nothing when every guarantee holds).
    Text,
    /// `{"ok", "compared", "removed", "violations"}`, also when every guarantee holds.
    Json,
    /// SARIF 2.1.0 for code-scanning annotations (the pull-request gate only).
    Sarif,
}

/// `pare verify`, validated.
#[derive(Clone, Debug)]
pub struct VerifyConfig {
    /// The original policy.
    pub original: Source,
    /// The refined policy or recommendation.
    pub refined: Source,
    /// Where the unused actions come from; `None` for the pull-request gate.
    pub sources: Option<crate::sources::Sources>,
    /// `--catalog`, if given.
    pub catalog: Option<std::path::PathBuf>,
    /// What to print.
    pub format: VerifyFormat,
    /// Which guarantees beyond the first five to check.
    pub checks: pare_engine::VerifyChecks,
}

impl VerifyArgs {
    /// Checks what clap cannot: stdin is read at most once.
    pub fn validate(self) -> Result<VerifyConfig, Error> {
        let s = &self.sources;
        let gate = self.unused.is_none()
            && s.last_accessed.is_none()
            && s.used.is_none()
            && s.unused_since.is_none()
            && s.principal.is_none();
        let sources = if gate {
            None
        } else {
            Some(crate::sources::Sources::new(
                self.unused.as_ref(),
                &self.sources,
                self.catalog.as_of.as_deref(),
            )?)
        };
        if sources.is_some() && self.format == VerifyFormat::Sarif {
            return Err(Error::input(
                "`--format sarif` is for the pull-request gate (no `--unused`): use `text` or `json`",
            ));
        }
        let config = VerifyConfig {
            original: Source::from_arg(&self.original),
            refined: Source::from_arg(&self.refined),
            sources,
            catalog: self.catalog.catalog,
            format: self.format,
            checks: pare_engine::VerifyChecks {
                concise: !self.no_wildcards,
            },
        };
        let stdin = [&config.original, &config.refined]
            .iter()
            .filter(|s| ***s == Source::Stdin)
            .count()
            + config.sources.as_ref().map_or(0, |s| s.stdin_count());
        if stdin > 1 {
            return Err(Error::input(
                "only one of ORIGINAL, REFINED and --unused can be read from stdin (`-`)",
            ));
        }
        Ok(config)
    }
}

/// Runs `pare verify`: exit 0 when every guarantee holds (a summary on
/// stderr), 1 with the violations on stdout otherwise.
pub fn run(config: &VerifyConfig, io: &mut Io<'_>) -> Result<i32, Error> {
    let Some(sources) = &config.sources else {
        return super::gate::run(config, io);
    };
    let (_, original) = input::read_policy(&config.original, io)?;
    let refined = read_refined(&config.refined, &original.policy, io)?;
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    // The unused set is inferred against the original: what it granted.
    let unused = sources.resolve(&[&original.policy], &catalog, io)?.unused;
    let verification = pare_engine::verify_checking(
        &original.policy,
        &refined,
        &unused,
        catalog.table(),
        &config.checks,
    );

    if swapped(
        &verification,
        &original.policy,
        &refined,
        &unused,
        catalog.table(),
    ) {
        return Err(Error::input(format!(
            "`{}` and `{}` look swapped",
            config.original.name(),
            config.refined.name()
        ))
        .with_details(vec![
            "REFINED grants more than ORIGINAL, and the other way round every guarantee holds"
                .to_string(),
            format!(
                "the order is ORIGINAL, then REFINED: `pare verify {} {} ...`",
                config.refined.name(),
                config.original.name()
            ),
        ]));
    }

    match config.format {
        VerifyFormat::Text => {
            for line in violation_lines(&verification) {
                writeln!(io.stdout, "{}", crate::safe::escape(&line))?;
            }
        }
        VerifyFormat::Json | VerifyFormat::Sarif => {
            let value = json!({
                "ok": verification.is_ok(),
                "compared": verification.compared,
                "removed": verification.removed,
                "violations": verification.violations,
            });
            let text = serde_json::to_string_pretty(&value).unwrap_or_default();
            writeln!(io.stdout, "{text}")?;
        }
    }
    writeln!(
        io.stderr,
        "{}",
        summary(&verification, config.checks.concise)
    )?;
    Ok(if verification.is_ok() {
        exit::SUCCESS
    } else {
        exit::VIOLATIONS
    })
}

/// Whether the two policies were given the wrong way round: REFINED grants
/// more than ORIGINAL and loses nothing of it (every violation points one
/// way), and the check of ORIGINAL as a refinement of REFINED passes.
fn swapped(
    verification: &Verification,
    original: &Policy,
    refined: &Policy,
    unused: &pare_engine::UnusedSet,
    table: pare_engine::ActionTable<'_>,
) -> bool {
    let kinds = || verification.violations.iter().map(|v| v.kind);
    // Grants more, and loses nothing: the violations point one way.
    if !kinds().any(|k| k == ViolationKind::Unsound)
        || kinds().any(|k| k == ViolationKind::Incomplete)
    {
        return false;
    }
    // Conciseness is left out: a hand-written original need not be concise.
    let checks = pare_engine::VerifyChecks { concise: false };
    pare_engine::verify_checking(refined, original, unused, table, &checks).is_ok()
}

/// One line per violation: its kind, where, what, with example actions.
pub fn violation_lines(verification: &Verification) -> Vec<String> {
    verification
        .violations
        .iter()
        .map(|v| format!("{}: {v}", v.kind))
        .collect()
}

/// The one-line verdict for stderr.
pub fn summary(verification: &Verification, concise: bool) -> String {
    let statements = |n: usize| if n == 1 { "statement" } else { "statements" };
    let counted = format!(
        "{} {} compared, {} removed",
        verification.compared,
        statements(verification.compared),
        verification.removed
    );
    if verification.is_ok() {
        let concise = if concise { ", concise" } else { "" };
        return format!(
            "verified: sound, safe, complete, structure kept, minimal change{concise} ({counted})"
        );
    }
    let mut kinds: Vec<(ViolationKind, usize)> = Vec::new();
    for violation in &verification.violations {
        match kinds.iter_mut().find(|(k, _)| *k == violation.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((violation.kind, 1)),
        }
    }
    kinds.sort();
    let listed: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let n = verification.violations.len();
    format!(
        "verification failed: {n} {} ({}; {counted})",
        if n == 1 { "violation" } else { "violations" },
        listed.join(", ")
    )
}

/// The refined policy: a document, or the one step of an Access Analyzer or
/// Security Hub recommendation (`DETACH_POLICY` stands for a policy with no
/// statement).
fn read_refined(source: &Source, original: &Policy, io: &mut Io<'_>) -> Result<Policy, Error> {
    let text = input::read_text(source, input::Kind::Policy, io)?;
    let name = &text.name;
    if text.text.trim().is_empty() {
        return Err(Error::input(format!(
            "{name}: the file is empty; expected a policy document or a recommendation"
        )));
    }
    match pare_engine::recommendation::parse_single_step(&text.text, original) {
        Ok(Some(policy)) => Ok(policy),
        Ok(None) => read_document(name, &text.text),
        Err(e) => Err(Error::input(format!("{name}: {e}"))),
    }
}

fn read_document(name: &str, text: &str) -> Result<Policy, Error> {
    pare_engine::parse_policy_input(text)
        .map(|input| input.policy)
        .map_err(|e| Error::input(format!("{name}: {e}")))
}
