//! Where "unused" comes from, for the commands that refine: the flags
//! (`--unused`, `--last-accessed`, `--used`, `--unused-since`) turned into one
//! [`UnusedSet`] and a report per source; the reference date (`--as-of`, or
//! the clock); and the warning about an old catalog, for every command that
//! reads one.
//!
//! The engine does the inferring ([`pare_engine::usage`]); this module only
//! reads files, reads the clock, and prints.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use pare_engine::account::{Account, PrincipalLookupError, PrincipalUsage};
use pare_engine::usage::{self, LastAccessed, SourceReport, UsageFile, UsedList};
use pare_engine::{ActionTable, Finding, Policy, Timestamp, UnusedSet, Window, read_unused_owned};

use crate::args::Command;
use crate::error::Error;
use crate::input::{self, Catalog, Source};
use crate::io::Io;

/// The help that `pare refine`'s and `pare account`'s source flags share,
/// in one place: each command's text adds what the flag reaches there.
/// (clap takes a one-paragraph doc comment as the help, lines joined and
/// its final period dropped: these are written that way.)
macro_rules! shared_help {
    (trail_config) => {
        "`aws cloudtrail get-event-selectors` or `describe-trails` output"
    };
    (any_trail) => {
        "an event counts as logged when any of them logs it"
    };
    (unused_since) => {
        "Count an action last accessed more than DAYS days before `--as-of` as unused \
         (exactly DAYS days ago still counts as used)"
    };
    (accept_unknown_used) => {
        "Take `--used` and `--last-accessed` action names that the catalog does not know \
         as they are (actions newer than the catalog), instead of stopping"
    };
}

/// The flags that name a source of "unused" besides `--unused` findings,
/// flattened into each command that refines.
#[derive(Clone, Debug, Default, Args)]
pub struct SourceArgs {
    /// IAM last-accessed data: the output of `aws iam get-service-last-accessed-details
    /// --job-id ID` for a job generated with `--granularity ACTION_LEVEL`; `-` reads stdin.
    /// Actions IAM does not track stay granted.
    #[arg(long, value_name = "FILE")]
    pub last_accessed: Option<OsString>,

    /// The actions the workload was seen to use (CloudTrail, or calls logged during
    /// tests): one `service:Action` per line, or a JSON array of them; `-` reads stdin.
    /// Every other granted action that such a log can show becomes unused. A usage file
    /// written by `pare usage` is read as the CloudTrail logs it came from.
    #[arg(long, value_name = "FILE")]
    pub used: Option<OsString>,

    /// CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail
    /// lookup-events` output, JSON Lines of events, or a directory tree of them
    /// (`AWSLogs/ACCOUNT/CloudTrail/...`). Repeat for more. Every granted action the logs
    /// can show and that `--principal` did not call becomes unused.
    #[arg(long, value_name = "PATH")]
    pub cloudtrail: Vec<PathBuf>,

    #[arg(long, value_name = "FILE", help = concat!(
        "What the trail logs, for `--cloudtrail` and usage files: ",
        shared_help!(trail_config),
        ". Without it, management events are assumed logged and data events not (their \
         actions stay granted). Repeat for each trail of the logs (an organization trail and \
         the account's own): ",
        shared_help!(any_trail),
    ))]
    pub trail_config: Vec<OsString>,

    #[arg(long, value_name = "DAYS", allow_negative_numbers = true, value_parser = parse_days,
        help = concat!(
            shared_help!(unused_since),
            ". Applies to `--last-accessed`, `--cloudtrail`, usage files, and the \
             `lastAccessed` times of `--unused` findings",
        ))]
    pub unused_since: Option<u32>,

    /// Findings and logs are per principal: when the `--unused` findings, the
    /// `--cloudtrail` logs or a usage file name several roles or users, take those of
    /// this one (its full ARN).
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,

    #[arg(long, help = concat!(
        shared_help!(accept_unknown_used),
        ": a misnamed used action would leave the real one unprotected",
    ))]
    pub accept_unknown_used: bool,
}

/// `--unused-since DAYS`: a whole number of days back, with a word for a
/// negative one (a date in the future) instead of clap's "invalid digit".
fn parse_days(text: &str) -> Result<u32, String> {
    match text.trim().parse::<i64>() {
        Ok(days) if days < 0 => Err(
            "negative: it counts days back from `--as-of` (default now); give one such as 90"
                .to_string(),
        ),
        Ok(days) => u32::try_from(days).map_err(|_| "too many days".to_string()),
        Err(_) => Err("expected a whole number of days, such as 90".to_string()),
    }
}

/// The sources of a refinement, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sources {
    /// `--unused`: Access Analyzer findings or an unused list.
    pub findings: Option<Source>,
    /// `--last-accessed`.
    pub last_accessed: Option<Source>,
    /// `--used`.
    pub used: Option<Source>,
    /// `--cloudtrail`, in order.
    pub cloudtrail: Vec<PathBuf>,
    /// `--trail-config`, in order.
    pub trail_config: Vec<OsString>,
    /// `--unused-since`.
    pub unused_since: Option<u32>,
    /// `--as-of`, when given (the clock is read only when it is needed and not given).
    pub as_of: Option<Timestamp>,
    /// `--principal`: whose findings to take.
    pub principal: Option<String>,
    /// `--accept-unknown-used`.
    pub accept_unknown_used: bool,
}

impl Sources {
    /// Checks the combination: at least one source, `--unused-since` only with
    /// a source that has times, and each file read once.
    pub fn new(
        unused: Option<&OsString>,
        args: &SourceArgs,
        as_of: Option<&str>,
    ) -> Result<Sources, Error> {
        let sources = Sources {
            findings: unused.map(|a| Source::from_arg(a)),
            last_accessed: args.last_accessed.as_ref().map(|a| Source::from_arg(a)),
            used: args.used.as_ref().map(|a| Source::from_arg(a)),
            cloudtrail: args.cloudtrail.clone(),
            trail_config: args.trail_config.clone(),
            unused_since: args.unused_since,
            as_of: as_of.map(parse_as_of).transpose()?,
            principal: args.principal.clone(),
            accept_unknown_used: args.accept_unknown_used,
        };
        if sources.findings.is_none()
            && sources.last_accessed.is_none()
            && sources.used.is_none()
            && sources.cloudtrail.is_empty()
        {
            return Err(Error::input(
                "say where the unused actions come from: `--unused FINDINGS`, `--last-accessed FILE`, `--used FILE` or `--cloudtrail PATH`",
            ));
        }
        check_trail_config(
            &sources.trail_config,
            !sources.cloudtrail.is_empty() || sources.used.is_some(),
        )?;
        // A usage file (`pare usage`) has times too: `resolve` checks that `--used` is one.
        if sources.unused_since.is_some()
            && sources.findings.is_none()
            && sources.last_accessed.is_none()
            && sources.cloudtrail.is_empty()
            && sources.used.is_none()
        {
            return Err(Error::input(
                "`--unused-since` needs times to compare: give `--unused FINDINGS` or `--last-accessed FILE`",
            ));
        }
        if sources.stdin_count() > 1 {
            return Err(Error::input(
                "only one of `--unused`, `--last-accessed` and `--used` can read stdin (`-`)",
            ));
        }
        if sources.principal.is_some()
            && sources.findings.is_none()
            && sources.cloudtrail.is_empty()
            && sources.used.is_none()
        {
            return Err(Error::input(
                "`--principal` chooses among the findings of `--unused FINDINGS`, the `--cloudtrail` logs or a usage file: give one",
            ));
        }
        Ok(sources)
    }

    /// How many of the sources read stdin (the caller checks its own inputs against it).
    pub fn stdin_count(&self) -> usize {
        [&self.findings, &self.last_accessed, &self.used]
            .into_iter()
            .filter(|s| **s == Some(Source::Stdin))
            .count()
    }

    /// Reads every source and infers the unused set for `policies`. With
    /// several sources, an action is unused only when every one says so.
    pub fn resolve(
        &self,
        policies: &[&Policy],
        catalog: &Catalog,
        io: &mut Io<'_>,
    ) -> Result<Resolved, Error> {
        let table = catalog.table();
        let window = self.unused_since.map(|days| Window {
            as_of: self.reference_date(io),
            days,
        });
        let mut gathered = Gathered::default();
        if let Some(source) = &self.findings {
            gathered.findings(self, source, window.as_ref(), io)?;
        }
        if let Some(source) = &self.last_accessed {
            let data = read_last_accessed(
                source,
                self.accept_unknown_used,
                table,
                &mut gathered.accepted,
                io,
            )?;
            gathered.inferences.push(usage::from_last_accessed(
                &data,
                policies,
                table,
                window.as_ref(),
            ));
        }
        if let Some(source) = &self.used {
            let text = input::read_text(source, input::Kind::Data, io)?;
            if UsageFile::is_usage_file(&text.text) {
                gathered.cloudtrail(crate::cloudtrail::from_usage_file(
                    &text,
                    &self.trail_config,
                    self.principal.as_deref(),
                    policies,
                    catalog,
                    window.as_ref(),
                    io,
                )?);
            } else {
                gathered.used_list(self, &text, policies, table)?;
            }
        }
        if !self.cloudtrail.is_empty() {
            gathered.cloudtrail(crate::cloudtrail::from_logs(
                &self.cloudtrail,
                &self.trail_config,
                self.principal.as_deref(),
                policies,
                catalog,
                window.as_ref(),
                io,
            )?);
        }
        Ok(gathered.resolved())
    }

    /// `--as-of`, or now.
    pub fn reference_date(&self, io: &Io<'_>) -> Timestamp {
        self.as_of.unwrap_or_else(|| timestamp(io.now))
    }
}

/// What [`Sources::resolve`] gathers, source by source: an inference
/// each, and what to say about them.
#[derive(Default)]
struct Gathered {
    inferences: Vec<usage::Inference>,
    finding_notes: Vec<String>,
    warnings: Vec<String>,
    nothing_active: bool,
    principal: Option<String>,
    /// The unknown action names taken as they are, said last.
    accepted: Vec<String>,
}

impl Gathered {
    /// `--unused`: findings (a file, or a directory of them) or an unused
    /// list.
    fn findings(
        &mut self,
        sources: &Sources,
        source: &Source,
        window: Option<&Window>,
        io: &mut Io<'_>,
    ) -> Result<(), Error> {
        let (text, skipped) = match source {
            Source::Path(dir) if dir.is_dir() => {
                let (stream, skipped) = input::read_findings_dir(dir, io.limits)?;
                let name = dir.display().to_string();
                (input::Text { name, text: stream }, skipped)
            }
            _ => (input::read_text(source, input::Kind::Data, io)?, Vec::new()),
        };
        // A text list becomes the set's own buffer: a list of millions of
        // actions is in memory once.
        let input::Text { name, text } = text;
        let read = read_unused_owned(text, sources.principal.as_deref())
            .map_err(|e| Error::input(format!("{name}: {e}")))?;
        self.finding_notes.extend(skipped);
        self.finding_notes.extend(read.notes());
        self.nothing_active = read.nothing_active();
        self.principal.clone_from(&read.principal);
        let inference = usage::from_findings(read.set, window)
            .map_err(|e| Error::input(format!("{}: {e}", source.name())))?;
        self.inferences.push(inference);
        Ok(())
    }

    /// `--used` with a plain list of actions, which has no times.
    fn used_list(
        &mut self,
        sources: &Sources,
        text: &input::Text,
        policies: &[&Policy],
        table: ActionTable<'_>,
    ) -> Result<(), Error> {
        if sources.unused_since.is_some()
            && sources.findings.is_none()
            && sources.last_accessed.is_none()
            && sources.cloudtrail.is_empty()
        {
            return Err(Error::input(format!(
                "`--unused-since` needs times to compare, and {} is a plain list: give a usage file (`pare usage`), `--cloudtrail PATH`, `--unused FINDINGS` or `--last-accessed FILE`",
                text.name
            )));
        }
        let used = parse_used(text, sources.accept_unknown_used, table, &mut self.accepted)?;
        self.inferences
            .push(usage::from_used_list(policies, &used, table));
        Ok(())
    }

    /// `--cloudtrail` logs, or a usage file given to `--used`.
    fn cloudtrail(&mut self, inferred: crate::cloudtrail::Inferred) {
        self.finding_notes.extend(inferred.notes);
        self.warnings.extend(inferred.warnings);
        self.principal.get_or_insert(inferred.principal);
        self.inferences.push(inferred.inference);
    }

    /// The sources' sets intersected, and their reports in order.
    fn resolved(self) -> Resolved {
        let mut unused: Option<UnusedSet> = None;
        let mut reports = Vec::with_capacity(self.inferences.len());
        for inference in self.inferences {
            unused = Some(match unused {
                None => inference.unused,
                Some(so_far) => so_far.intersection(&inference.unused),
            });
            reports.push(inference.report);
        }
        let mut finding_notes = self.finding_notes;
        finding_notes.extend(self.accepted);
        Resolved {
            unused: unused.unwrap_or_default(),
            combined: reports.len() > 1,
            reports,
            finding_notes,
            warnings: self.warnings,
            nothing_active: self.nothing_active,
            principal: self.principal,
        }
    }
}

/// `--trail-config` says what CloudTrail logged: it needs `--cloudtrail`
/// logs or a usage file (`--used`) to say it of.
fn check_trail_config(trail_config: &[OsString], logs: bool) -> Result<(), Error> {
    if !trail_config.is_empty() && !logs {
        return Err(Error::input(
            "`--trail-config` says what CloudTrail logged: give `--cloudtrail PATH` or a usage file with `--used`",
        ));
    }
    Ok(())
}

/// A used-list from its text, checked against the catalog.
fn parse_used(
    text: &input::Text,
    accept: bool,
    table: ActionTable<'_>,
    accepted: &mut Vec<String>,
) -> Result<UsedList, Error> {
    let used =
        UsedList::parse(&text.text).map_err(|e| Error::input(format!("{}: {e}", text.name)))?;
    check_names(
        accept,
        &text.name,
        "used action(s)",
        used.iter(),
        table,
        accepted,
    )?;
    Ok(used)
}

/// Reads last-accessed data and checks that the actions it reports are ones
/// the catalog knows.
fn read_last_accessed(
    source: &Source,
    accept: bool,
    table: ActionTable<'_>,
    accepted: &mut Vec<String>,
    io: &mut Io<'_>,
) -> Result<LastAccessed, Error> {
    let text = input::read_text(source, input::Kind::Data, io)?;
    let data =
        LastAccessed::parse(&text.text).map_err(|e| Error::input(format!("{}: {e}", text.name)))?;
    let names = data.action_names();
    let names = names.iter().map(String::as_str);
    check_names(
        accept,
        &text.name,
        "action(s) reported as accessed",
        names,
        table,
        accepted,
    )?;
    Ok(data)
}

/// Names given as actions must be actions: an error listing the ones the
/// catalog does not know, each with its "did you mean", unless
/// `--accept-unknown-used` takes them as they are (then a note says so).
fn check_names<'n>(
    accept: bool,
    file: &str,
    what: &str,
    names: impl IntoIterator<Item = &'n str>,
    table: ActionTable<'_>,
    accepted: &mut Vec<String>,
) -> Result<(), Error> {
    let unknown = usage::unknown_names(names, table);
    if unknown.is_empty() {
        return Ok(());
    }
    if accept {
        let listed: Vec<String> = unknown.iter().map(|u| format!("`{}`", u.name)).collect();
        accepted.push(format!(
            "{file}: took {} {what} that the catalog does not know as they are (`--accept-unknown-used`): {}",
            unknown.len(),
            listed.join(", ")
        ));
        return Ok(());
    }
    let message = format!(
        "{file}: {} {what} that the catalog does not know; a misnamed used action leaves the real one unprotected:",
        unknown.len()
    );
    let mut details: Vec<String> = unknown.iter().map(|name| format!("  {name}")).collect();
    details.push(
        "name them as IAM does (`service:Action`), or pass `--accept-unknown-used` if they are actions newer than the catalog"
            .to_string(),
    );
    Err(Error::input(message).with_details(details))
}

/// The unused set the sources imply, and what each of them inferred.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// What to refine against.
    pub unused: UnusedSet,
    /// One report per source, in the order `--unused`, `--last-accessed`, `--used`.
    pub reports: Vec<SourceReport>,
    /// Whether several sources were intersected.
    pub combined: bool,
    /// What became of the findings (archived, other types, other principals)
    /// and of unknown names taken as they are, one sentence each.
    pub finding_notes: Vec<String>,
    /// What deserves a warning (logs that cover less than the window).
    pub warnings: Vec<String>,
    /// Findings were given and none of them is an active `UnusedPermission` one.
    pub nothing_active: bool,
    /// The ARN of the principal whose findings were taken, when they name one.
    pub principal: Option<String>,
}

impl Resolved {
    /// The reports as notes on stderr. Findings taken as they are need no
    /// report: the refinement's own diagnostics already speak about them.
    pub fn write_notes(&self, stderr: &mut dyn Write) -> std::io::Result<()> {
        for warning in &self.warnings {
            writeln!(stderr, "warning: {}", crate::safe::escape(warning))?;
        }
        for note in &self.finding_notes {
            writeln!(stderr, "note: {}", crate::safe::escape(note))?;
        }
        for report in &self.reports {
            if report.source == usage::UsageSource::Findings
                && !self.combined
                && report.recently_used.is_empty()
                && report.notes.is_empty()
            {
                continue;
            }
            for line in report::summary_lines(report, &[]) {
                writeln!(stderr, "note: {}", crate::safe::escape(&line))?;
            }
        }
        if self.combined {
            writeln!(
                stderr,
                "note: with several sources, an action is unused only when every source says so"
            )?;
        }
        Ok(())
    }
}

mod account;
mod catalog_age;
mod report;
#[cfg(test)]
mod tests;

pub use account::*;
pub use catalog_age::*;
