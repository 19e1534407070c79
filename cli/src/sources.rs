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
use pare_engine::{ActionTable, Finding, Policy, Timestamp, UnusedSet, Window, read_unused};

use crate::args::Command;
use crate::error::Error;
use crate::input::{self, Source};
use crate::io::Io;

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

    /// What the trail logs, for `--cloudtrail` and usage files: `aws cloudtrail
    /// get-event-selectors` or `describe-trails` output. Without it, management events
    /// are assumed logged and data events not (their actions stay granted). Repeat for
    /// each trail of the logs (an organization trail and the account's own): an event
    /// counts as logged when any of them logs it.
    #[arg(long, value_name = "FILE")]
    pub trail_config: Vec<OsString>,

    /// Count an action last accessed more than DAYS days before `--as-of` as unused
    /// (exactly DAYS days ago still counts as used). Applies to `--last-accessed`,
    /// `--cloudtrail`, usage files, and the `lastAccessed` times of `--unused` findings.
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true, value_parser = parse_days)]
    pub unused_since: Option<u32>,

    /// Findings and logs are per principal: when the `--unused` findings, the
    /// `--cloudtrail` logs or a usage file name several roles or users, take those of
    /// this one (its full ARN).
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,

    /// Take `--used` and `--last-accessed` action names that the catalog does not
    /// know as they are (actions newer than the catalog), instead of stopping: a
    /// misnamed used action would leave the real one unprotected.
    #[arg(long)]
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
        if !sources.trail_config.is_empty()
            && sources.cloudtrail.is_empty()
            && sources.used.is_none()
        {
            return Err(Error::input(
                "`--trail-config` says what CloudTrail logged: give `--cloudtrail PATH` or a usage file with `--used`",
            ));
        }
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
        table: ActionTable<'_>,
        io: &mut Io<'_>,
    ) -> Result<Resolved, Error> {
        let window = self.unused_since.map(|days| Window {
            as_of: self.reference_date(io),
            days,
        });
        let mut inferences = Vec::new();
        let mut finding_notes = Vec::new();
        let mut nothing_active = false;
        let mut principal = None;
        let mut accepted = Vec::new();
        if let Some(source) = &self.findings {
            let (text, skipped) = match source {
                Source::Path(dir) if dir.is_dir() => {
                    let (stream, skipped) = input::read_findings_dir(dir, io.limits)?;
                    let name = dir.display().to_string();
                    (input::Text { name, text: stream }, skipped)
                }
                _ => (input::read_text(source, input::Kind::Data, io)?, Vec::new()),
            };
            let read = read_unused(&text.text, self.principal.as_deref())
                .map_err(|e| Error::input(format!("{}: {e}", text.name)))?;
            // The set holds what it needs: a list of millions of actions need
            // not stay in memory twice.
            drop(text);
            finding_notes = skipped;
            finding_notes.extend(read.notes());
            nothing_active = read.nothing_active();
            principal.clone_from(&read.principal);
            let inference = usage::from_findings(read.set, window.as_ref())
                .map_err(|e| Error::input(format!("{}: {e}", source.name())))?;
            inferences.push(inference);
        }
        if let Some(source) = &self.last_accessed {
            let data =
                read_last_accessed(source, self.accept_unknown_used, table, &mut accepted, io)?;
            inferences.push(usage::from_last_accessed(
                &data,
                policies,
                table,
                window.as_ref(),
            ));
        }
        let mut warnings = Vec::new();
        if let Some(source) = &self.used {
            let text = input::read_text(source, input::Kind::Data, io)?;
            if UsageFile::is_usage_file(&text.text) {
                let inferred = crate::cloudtrail::from_usage_file(
                    &text,
                    &self.trail_config,
                    self.principal.as_deref(),
                    policies,
                    table,
                    window.as_ref(),
                    io,
                )?;
                finding_notes.extend(inferred.notes);
                warnings.extend(inferred.warnings);
                principal.get_or_insert(inferred.principal);
                inferences.push(inferred.inference);
            } else {
                if self.unused_since.is_some()
                    && self.findings.is_none()
                    && self.last_accessed.is_none()
                    && self.cloudtrail.is_empty()
                {
                    return Err(Error::input(format!(
                        "`--unused-since` needs times to compare, and {} is a plain list: give a usage file (`pare usage`), `--cloudtrail PATH`, `--unused FINDINGS` or `--last-accessed FILE`",
                        text.name
                    )));
                }
                let used = parse_used(&text, self.accept_unknown_used, table, &mut accepted)?;
                inferences.push(usage::from_used_list(policies, &used, table));
            }
        }
        if !self.cloudtrail.is_empty() {
            let inferred = crate::cloudtrail::from_logs(
                &self.cloudtrail,
                &self.trail_config,
                self.principal.as_deref(),
                policies,
                table,
                window.as_ref(),
                io,
            )?;
            finding_notes.extend(inferred.notes);
            warnings.extend(inferred.warnings);
            principal.get_or_insert(inferred.principal);
            inferences.push(inferred.inference);
        }
        let mut unused: Option<UnusedSet> = None;
        let mut reports = Vec::with_capacity(inferences.len());
        for inference in inferences {
            unused = Some(match unused {
                None => inference.unused,
                Some(so_far) => so_far.intersection(&inference.unused),
            });
            reports.push(inference.report);
        }
        finding_notes.extend(accepted);
        Ok(Resolved {
            unused: unused.unwrap_or_default(),
            combined: reports.len() > 1,
            reports,
            finding_notes,
            warnings,
            nothing_active,
            principal,
        })
    }

    /// `--as-of`, or now.
    pub fn reference_date(&self, io: &Io<'_>) -> Timestamp {
        self.as_of.unwrap_or_else(|| timestamp(io.now))
    }
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

/// The same sources for `pare account`, where each file belongs to one
/// principal: last-accessed data and used-lists are per role or user, and
/// the output of `get-service-last-accessed-details` does not say whose it is.
#[derive(Clone, Debug, Default, Args)]
pub struct AccountSourceArgs {
    /// IAM last-accessed data for one role or user, as `PRINCIPAL=FILE` (PRINCIPAL is
    /// its ARN or name; FILE the output of `aws iam get-service-last-accessed-details`
    /// for a job generated with `--granularity ACTION_LEVEL`). Repeat for more.
    #[arg(long, value_name = "PRINCIPAL=FILE")]
    pub last_accessed: Vec<String>,

    /// The actions one role or user was seen to use, as `PRINCIPAL=FILE` (one
    /// `service:Action` per line, or a JSON array). Repeat for more.
    #[arg(long, value_name = "PRINCIPAL=FILE")]
    pub used: Vec<String>,

    /// CloudTrail logs of the account (files, gzipped files, or a directory tree such as
    /// `AWSLogs/ACCOUNT/CloudTrail/`), read once and attributed to every role and user of
    /// the details. Repeat for more.
    #[arg(long, value_name = "PATH")]
    pub cloudtrail: Vec<PathBuf>,

    /// What the trail logs, for `--cloudtrail`: `aws cloudtrail get-event-selectors` or
    /// `describe-trails` output. Without it, data events count as not logged. Repeat for
    /// each trail of the logs: an event counts as logged when any of them logs it.
    #[arg(long, value_name = "FILE")]
    pub trail_config: Vec<OsString>,

    /// Count an action last accessed more than DAYS days before `--as-of` as unused
    /// (exactly DAYS days ago still counts as used); for `--last-accessed`,
    /// `--cloudtrail` and the findings' `lastAccessed` times.
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true, value_parser = parse_days)]
    pub unused_since: Option<u32>,

    /// Take `--used` and `--last-accessed` action names that the catalog does not
    /// know as they are (actions newer than the catalog), instead of stopping.
    #[arg(long)]
    pub accept_unknown_used: bool,
}

/// One `PRINCIPAL=FILE` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalFile {
    /// The role or user: an ARN or a name.
    pub principal: String,
    /// The file.
    pub file: PathBuf,
}

impl PrincipalFile {
    /// Splits at the last `=`: IAM names may contain `=`, file paths rarely do.
    fn parse(flag: &str, arg: &str) -> Result<PrincipalFile, Error> {
        match arg.rsplit_once('=') {
            Some((principal, file)) if !principal.is_empty() && !file.is_empty() => {
                Ok(PrincipalFile {
                    principal: principal.to_string(),
                    file: PathBuf::from(file),
                })
            }
            _ => Err(Error::input(format!(
                "`{flag} {arg}`: expected `PRINCIPAL=FILE`, such as `arn:aws:iam::123456789012:role/App=app.json`"
            ))),
        }
    }
}

/// `pare account`'s sources, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountSources {
    /// `--last-accessed PRINCIPAL=FILE`, in order.
    pub last_accessed: Vec<PrincipalFile>,
    /// `--used PRINCIPAL=FILE`, in order.
    pub used: Vec<PrincipalFile>,
    /// `--cloudtrail`, in order.
    pub cloudtrail: Vec<PathBuf>,
    /// `--trail-config`, in order.
    pub trail_config: Vec<OsString>,
    /// `--unused-since`.
    pub unused_since: Option<u32>,
    /// `--as-of`, when given.
    pub as_of: Option<Timestamp>,
    /// `--accept-unknown-used`.
    pub accept_unknown_used: bool,
}

/// What one source implied for one principal, for `pare account`'s output.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalReport {
    /// The principal's ARN.
    pub principal: String,
    /// The file it came from (findings files are not named: `--findings`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The policies the source was read against, in order: a kept-alive
    /// wildcard's `policy` is an index into this list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    /// What was inferred.
    #[serde(flatten)]
    pub report: SourceReport,
}

impl AccountSources {
    /// Checks the flags; `has_findings` says whether `--findings` was given.
    pub fn new(
        args: &AccountSourceArgs,
        has_findings: bool,
        as_of: Option<&str>,
    ) -> Result<AccountSources, Error> {
        let parse = |flag: &str, list: &[String]| -> Result<Vec<PrincipalFile>, Error> {
            list.iter().map(|a| PrincipalFile::parse(flag, a)).collect()
        };
        let sources = AccountSources {
            last_accessed: parse("--last-accessed", &args.last_accessed)?,
            used: parse("--used", &args.used)?,
            cloudtrail: args.cloudtrail.clone(),
            trail_config: args.trail_config.clone(),
            unused_since: args.unused_since,
            as_of: as_of.map(parse_as_of).transpose()?,
            accept_unknown_used: args.accept_unknown_used,
        };
        if !has_findings
            && sources.last_accessed.is_empty()
            && sources.used.is_empty()
            && sources.cloudtrail.is_empty()
        {
            return Err(Error::input(
                "say where the unused actions come from: `--findings PATH`, `--last-accessed PRINCIPAL=FILE`, `--used PRINCIPAL=FILE` or `--cloudtrail PATH`",
            ));
        }
        if !sources.trail_config.is_empty()
            && sources.cloudtrail.is_empty()
            && sources.used.is_empty()
        {
            return Err(Error::input(
                "`--trail-config` says what CloudTrail logged: give `--cloudtrail PATH` or a usage file with `--used`",
            ));
        }
        if sources.unused_since.is_some()
            && !has_findings
            && sources.last_accessed.is_empty()
            && sources.cloudtrail.is_empty()
        {
            return Err(Error::input(
                "`--unused-since` needs times to compare: give `--findings PATH` or `--last-accessed PRINCIPAL=FILE`",
            ));
        }
        Ok(sources)
    }

    /// What each principal left unused: the findings, with `--unused-since`
    /// applied, then one set per `--last-accessed` and `--used` file, for its
    /// principal. The plan intersects the sets of one principal, so several
    /// sources for a principal agree the way `pare refine` combines them:
    /// unused only when every one says so.
    pub fn apply(
        &self,
        findings: Vec<Finding>,
        account: &Account,
        table: ActionTable<'_>,
        io: &mut Io<'_>,
    ) -> Result<(PrincipalUsage, Vec<PrincipalReport>), Error> {
        let window = self.unused_since.map(|days| Window {
            as_of: self.as_of.unwrap_or_else(|| timestamp(io.now)),
            days,
        });
        let mut reports = Vec::new();
        let mut findings = findings;
        if let Some(window) = &window {
            for finding in &mut findings {
                if finding.finding_type == "UnusedPermission" && finding.is_active() {
                    let inference =
                        usage::from_findings(std::mem::take(&mut finding.unused), Some(window))
                            .map_err(|e| Error::input(format!("finding `{}`: {e}", finding.id)))?;
                    finding.unused = inference.unused;
                    reports.push(PrincipalReport {
                        principal: finding.resource.clone(),
                        file: None,
                        policies: Vec::new(),
                        report: inference.report,
                    });
                }
            }
        }
        let mut usage = PrincipalUsage::from_findings(account, findings);
        for (kind, list) in [("last-accessed", &self.last_accessed), ("used", &self.used)] {
            for item in list {
                let entity = principal(account, &item.principal)?;
                let held = account.held_policies(entity);
                let policies: Vec<&Policy> = held.iter().map(|(_, p)| *p).collect();
                let names: Vec<String> = held.iter().map(|(n, _)| (*n).to_string()).collect();
                let source = Source::Path(item.file.clone());
                let accept = self.accept_unknown_used;
                let mut accepted = Vec::new();
                let mut inference = if kind == "used" {
                    let text = input::read_text(&source, input::Kind::Data, io)?;
                    if UsageFile::is_usage_file(&text.text) {
                        // A usage file for this principal: read as the logs it came from.
                        let arn = account
                            .entities
                            .get(entity)
                            .map(|e| e.arn.clone())
                            .unwrap_or_default();
                        let inferred = crate::cloudtrail::from_usage_file(
                            &text,
                            &self.trail_config,
                            Some(&arn),
                            &policies,
                            table,
                            window.as_ref(),
                            io,
                        )?;
                        // The report names its source on every line already.
                        accepted.extend(inferred.notes.into_iter().map(|note| {
                            note.strip_prefix("cloudtrail: ")
                                .map_or(note.clone(), str::to_string)
                        }));
                        for warning in &inferred.warnings {
                            writeln!(io.stderr, "warning: {}", crate::safe::escape(warning))?;
                        }
                        inferred.inference
                    } else {
                        let used = parse_used(&text, accept, table, &mut accepted)?;
                        usage::from_used_list(&policies, &used, table)
                    }
                } else {
                    let data = read_last_accessed(&source, accept, table, &mut accepted, io)?;
                    usage::from_last_accessed(&data, &policies, table, window.as_ref())
                };
                inference.report.notes.extend(accepted);
                let arn = account
                    .entities
                    .get(entity)
                    .map(|e| e.arn.clone())
                    .unwrap_or_default();
                usage.add(
                    account,
                    entity,
                    format!("{kind}:{}", source.name()),
                    inference.unused,
                );
                reports.push(PrincipalReport {
                    principal: arn,
                    file: Some(source.name()),
                    policies: names,
                    report: inference.report,
                });
            }
        }
        if !self.cloudtrail.is_empty() {
            self.apply_cloudtrail(
                account,
                table,
                window.as_ref(),
                &mut usage,
                &mut reports,
                io,
            )?;
        }
        Ok((usage, reports))
    }

    /// `--cloudtrail`: the logs read once, each event attributed to its
    /// principal, and one unused set per role or user of the details that
    /// holds a policy, from what it called. A principal of an account the
    /// logs hold no event of gets none: its logs were not given.
    fn apply_cloudtrail(
        &self,
        account: &Account,
        table: ActionTable<'_>,
        window: Option<&Window>,
        usage: &mut PrincipalUsage,
        reports: &mut Vec<PrincipalReport>,
        io: &mut Io<'_>,
    ) -> Result<(), Error> {
        let config = crate::cloudtrail::trail_config(&self.trail_config, io)?;
        let scan = crate::cloudtrail::scan(&self.cloudtrail, window, io)?;
        let (mut notes, mut warnings) = crate::cloudtrail::scan_notes(&scan, window);
        match crate::cloudtrail::event_table_origin() {
            Some(Ok(note)) => notes.push(note),
            Some(Err(warning)) => warnings.push(warning),
            None => {}
        }
        for warning in &warnings {
            writeln!(io.stderr, "warning: {}", crate::safe::escape(warning))?;
        }
        for note in &notes {
            writeln!(io.stderr, "note: {}", crate::safe::escape(note))?;
        }
        let events = crate::cloudtrail::event_table();
        let observability = usage::Observability::new(&events, config);
        let coverage = scan.trail.coverage();
        let covered: std::collections::BTreeSet<&str> = coverage.iter().map(|(a, _)| *a).collect();
        let mut uncovered: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        let mut known: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        for (index, entity) in account.entities.iter().enumerate() {
            if entity.kind == pare_engine::account::EntityKind::Group {
                continue;
            }
            known.insert(entity.arn.as_str());
            let held = account.held_policies(index);
            if held.is_empty() {
                continue;
            }
            let account_id = entity.arn.split(':').nth(4).unwrap_or("");
            if !covered.contains(account_id) {
                uncovered.insert(account_id.to_string());
                continue;
            }
            let policies: Vec<&Policy> = held.iter().map(|(_, p)| *p).collect();
            let names: Vec<String> = held.iter().map(|(n, _)| (*n).to_string()).collect();
            let observed = scan.trail.usage_of(&entity.arn, &events, table);
            let inference =
                usage::from_cloudtrail(&policies, &observed, &observability, table, window);
            usage.add(account, index, "cloudtrail".to_string(), inference.unused);
            reports.push(PrincipalReport {
                principal: entity.arn.clone(),
                file: None,
                policies: names,
                report: inference.report,
            });
        }
        for account_id in &uncovered {
            writeln!(
                io.stderr,
                "note: cloudtrail: the logs hold no event of account `{}`: nothing is inferred for its principals",
                crate::safe::escape(account_id)
            )?;
        }
        let strangers = scan
            .trail
            .principals()
            .into_iter()
            .filter(|p| !known.contains(p))
            .count();
        if strangers > 0 {
            writeln!(
                io.stderr,
                "note: cloudtrail: {strangers} principal(s) in the logs are not in the account details (other accounts, deleted roles, or roles whose path the logs do not show)"
            )?;
        }
        Ok(())
    }
}

/// The role or user that `name` (an ARN or a name) designates.
fn principal(account: &Account, name: &str) -> Result<usize, Error> {
    account.principal(name).map_err(|e| match e {
        PrincipalLookupError::Unknown => Error::input(format!(
            "`{name}` is not a role or user of the account details"
        )),
        PrincipalLookupError::Ambiguous => Error::input(format!(
            "`{name}` names both a role and a user: give its ARN"
        )),
    })
}

/// The reports as a section after `pare account`'s table.
pub fn account_table_section(reports: &[PrincipalReport]) -> String {
    let mut out = String::new();
    if reports.is_empty() {
        return out;
    }
    out.push_str("\nSources of unused:\n");
    for item in reports {
        let from = item
            .file
            .as_deref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {}{}\n",
            crate::safe::escape(&item.principal),
            crate::safe::escape(&from)
        ));
        for line in report::summary_lines(&item.report, &item.policies) {
            out.push_str(&format!("    {}\n", crate::safe::escape(&line)));
        }
    }
    out
}

/// The reports as a `sources` array in `pare account --format json`.
pub fn add_to_json(value: &mut serde_json::Value, reports: &[PrincipalReport]) {
    if reports.is_empty() {
        return;
    }
    if let serde_json::Value::Object(map) = value {
        map.insert(
            "sources".to_string(),
            serde_json::to_value(reports).unwrap_or_default(),
        );
    }
}

/// `--as-of DATE`: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp.
pub fn parse_as_of(text: &str) -> Result<Timestamp, Error> {
    Timestamp::parse(text).map_err(|e| Error::input(format!("`--as-of`: {e}")))
}

/// The system time as the engine's timestamp (before 1970 counts as 1970).
pub fn timestamp(time: SystemTime) -> Timestamp {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The data date (`YYYY-MM-DD`) of the catalog a command reads: the embedded
/// one, or `--catalog DIR`'s (the newest `modified` of its index; only the
/// index is read, and a directory that cannot be read gives none: the
/// command itself reports it).
pub fn catalog_data_date(dir: Option<&Path>, limits: input::Limits) -> Option<String> {
    match dir {
        None => pare_catalog::provenance()
            .data_date
            .as_deref()
            .map(str::to_string),
        Some(dir) => {
            let path = dir.join(pare_catalog::INDEX_FILE);
            let bytes = limits.read_file(&path, input::Kind::Catalog).ok()?;
            let entries = pare_catalog::parse_index(&bytes, &path.display().to_string()).ok()?;
            entries
                .iter()
                .filter_map(|e| e.modified)
                .max()
                .map(pare_catalog::utc_date)
        }
    }
}

/// Whole calendar days from the data date to the UTC date of `as_of`
/// (negative when the data is newer), or `None` for a malformed date.
pub fn catalog_age_days(data_date: &str, as_of: Timestamp) -> Option<i64> {
    const DAY: i64 = 86_400;
    let date = Timestamp::parse(data_date).ok()?;
    Some(as_of.unix_seconds().div_euclid(DAY) - date.unix_seconds().div_euclid(DAY))
}

/// What to do about a stale catalog, in full: what `pare catalog` prints.
pub fn catalog_remedy(dir: Option<&Path>) -> &'static str {
    match dir {
        None => {
            "actions AWS added since are unknown to pare. Install a newer release of pare \
             (each carries the catalog of its week), or pass `--catalog DIR` with a fresh copy \
             of the service reference (`cargo xtask sync-catalog --mirror DIR` writes one)"
        }
        Some(_) => {
            "actions AWS added since are unknown to pare. Refresh the copy \
             (`cargo xtask sync-catalog --mirror DIR`), or drop `--catalog` to use the \
             embedded catalog if it is newer"
        }
    }
}

/// The one-line warning for a catalog whose data is more than
/// [`pare_engine::CATALOG_MAX_AGE_DAYS`] days older than `as_of`, if it is: short
/// (under 100 columns), with the remedy that fits; `pare catalog` says it in full.
/// `dir` is `--catalog DIR`.
pub fn catalog_age_warning(
    dir: Option<&Path>,
    as_of: Timestamp,
    limits: input::Limits,
) -> Option<String> {
    let date = catalog_data_date(dir, limits)?;
    let days = pare_engine::catalog_staleness(&date, as_of).ok()??;
    let (what, remedy) = match dir {
        None => (
            "the embedded catalog",
            "update pare, or use `--catalog DIR`",
        ),
        Some(_) => ("the `--catalog` copy", "refresh it (see `pare catalog`)"),
    };
    Some(format!("{what} is {days} days old ({date}): {remedy}"))
}

/// Prints [`catalog_age_warning`] to stderr, once per run, for a subcommand
/// that reads the catalog (one with [`crate::args::CatalogArgs`]). Called
/// once, by [`crate::run`], so that every such command warns the same way;
/// `pare catalog` prints the age in full instead.
pub fn check_catalog_age(command: &Command, io: &mut Io<'_>) -> Result<(), Error> {
    if matches!(command, Command::Catalog(_)) {
        return Ok(());
    }
    let Some(args) = command.catalog_args() else {
        return Ok(());
    };
    let config = args.validate()?;
    let as_of = config.as_of.unwrap_or_else(|| timestamp(io.now));
    if let Some(warning) = catalog_age_warning(config.dir.as_deref(), as_of, io.limits) {
        writeln!(io.stderr, "warning: {warning}")?;
    }
    Ok(())
}

mod report;
#[cfg(test)]
mod tests;
