//! The sources of `pare account`, where each file belongs to one principal
//! (`--used PRINCIPAL=FILE`, `--last-accessed PRINCIPAL=FILE`, CloudTrail),
//! and their reports after the table and in the JSON.

use super::*;

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

    #[arg(long, value_name = "FILE", help = concat!(
        "What the trail logs, for `--cloudtrail`: ",
        shared_help!(trail_config),
        ". Without it, data events count as not logged. Repeat for each trail of the logs: ",
        shared_help!(any_trail),
    ))]
    pub trail_config: Vec<OsString>,

    #[arg(long, value_name = "DAYS", allow_negative_numbers = true, value_parser = parse_days,
        help = concat!(
            shared_help!(unused_since),
            "; for `--last-accessed`, `--cloudtrail` and the findings' `lastAccessed` times",
        ))]
    pub unused_since: Option<u32>,

    #[arg(long, help = shared_help!(accept_unknown_used))]
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
        check_trail_config(
            &sources.trail_config,
            !sources.cloudtrail.is_empty() || !sources.used.is_empty(),
        )?;
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
        catalog: &Catalog,
        io: &mut Io<'_>,
    ) -> Result<(PrincipalUsage, Vec<PrincipalReport>), Error> {
        let table = catalog.table();
        let window = self.unused_since.map(|days| Window {
            as_of: self.as_of.unwrap_or_else(|| timestamp(io.now)),
            days,
        });
        let mut findings = findings;
        let mut reports = match &window {
            Some(window) => windowed(&mut findings, window)?,
            None => Vec::new(),
        };
        let mut usage = PrincipalUsage::from_findings(account, findings);
        for (kind, list) in [("last-accessed", &self.last_accessed), ("used", &self.used)] {
            for item in list {
                let file = PrincipalSource {
                    kind,
                    item,
                    account,
                    catalog,
                    table,
                    window: window.as_ref(),
                };
                reports.push(self.apply_file(&file, &mut usage, io)?);
            }
        }
        if !self.cloudtrail.is_empty() {
            self.apply_cloudtrail(
                account,
                catalog,
                window.as_ref(),
                &mut usage,
                &mut reports,
                io,
            )?;
        }
        Ok((usage, reports))
    }

    /// One `--last-accessed` or `--used` file: its principal's unused set
    /// added to `usage`, and its report.
    fn apply_file(
        &self,
        file: &PrincipalSource<'_>,
        usage: &mut PrincipalUsage,
        io: &mut Io<'_>,
    ) -> Result<PrincipalReport, Error> {
        let PrincipalSource {
            kind,
            item,
            account,
            table,
            window,
            ..
        } = *file;
        let entity = principal(account, &item.principal)?;
        let held = account.held_policies(entity);
        let policies: Vec<&Policy> = held.iter().map(|(_, p)| *p).collect();
        let names: Vec<String> = held.iter().map(|(n, _)| (*n).to_string()).collect();
        let source = Source::Path(item.file.clone());
        let arn = account
            .entities
            .get(entity)
            .map(|e| e.arn.clone())
            .unwrap_or_default();
        let accept = self.accept_unknown_used;
        let mut accepted = Vec::new();
        let mut inference = if kind == "used" {
            let text = input::read_text(&source, input::Kind::Data, io)?;
            if UsageFile::is_usage_file(&text.text) {
                self.infer_usage_file(&text, &arn, &policies, file, &mut accepted, io)?
            } else {
                let used = parse_used(&text, accept, table, &mut accepted)?;
                usage::from_used_list(&policies, &used, table)
            }
        } else {
            let data = read_last_accessed(&source, accept, table, &mut accepted, io)?;
            usage::from_last_accessed(&data, &policies, table, window)
        };
        inference.report.notes.extend(accepted);
        usage.add(
            account,
            entity,
            format!("{kind}:{}", source.name()),
            inference.unused,
        );
        Ok(PrincipalReport {
            principal: arn,
            file: Some(source.name()),
            policies: names,
            report: inference.report,
        })
    }

    /// A usage file given to `--used` for the principal `arn`: read as the
    /// logs it came from; its notes go to the report, its warnings to stderr.
    fn infer_usage_file(
        &self,
        text: &input::Text,
        arn: &str,
        policies: &[&Policy],
        file: &PrincipalSource<'_>,
        accepted: &mut Vec<String>,
        io: &mut Io<'_>,
    ) -> Result<usage::Inference, Error> {
        let inferred = crate::cloudtrail::from_usage_file(
            text,
            &self.trail_config,
            Some(arn),
            policies,
            file.catalog,
            file.window,
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
        Ok(inferred.inference)
    }

    /// `--cloudtrail`: the logs read once, each event attributed to its
    /// principal, and one unused set per role or user of the details that
    /// holds a policy, from what it called. A principal of an account the
    /// logs hold no event of gets none: its logs were not given.
    fn apply_cloudtrail(
        &self,
        account: &Account,
        catalog: &Catalog,
        window: Option<&Window>,
        usage: &mut PrincipalUsage,
        reports: &mut Vec<PrincipalReport>,
        io: &mut Io<'_>,
    ) -> Result<(), Error> {
        let config = crate::cloudtrail::trail_config(&self.trail_config, io)?;
        let scan = crate::cloudtrail::scan(&self.cloudtrail, window, io)?;
        let (mut notes, mut warnings) = crate::cloudtrail::scan_notes(&scan, window);
        crate::cloudtrail::note_event_table(catalog, &mut notes, &mut warnings);
        for warning in &warnings {
            writeln!(io.stderr, "warning: {}", crate::safe::escape(warning))?;
        }
        for note in &notes {
            writeln!(io.stderr, "note: {}", crate::safe::escape(note))?;
        }
        let table = catalog.table();
        let events = catalog.events();
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

/// One `--last-accessed` or `--used` argument, with what reading it needs.
#[derive(Clone, Copy)]
struct PrincipalSource<'a> {
    /// `last-accessed` or `used`.
    kind: &'static str,
    item: &'a PrincipalFile,
    account: &'a Account,
    catalog: &'a Catalog,
    table: ActionTable<'a>,
    window: Option<&'a Window>,
}

/// `--unused-since` over the active `UnusedPermission` findings: each
/// keeps what the window leaves unused, and reports what it inferred.
fn windowed(findings: &mut [Finding], window: &Window) -> Result<Vec<PrincipalReport>, Error> {
    let mut reports = Vec::new();
    for finding in findings {
        if finding.finding_type == "UnusedPermission" && finding.is_active() {
            let inference = usage::from_findings(std::mem::take(&mut finding.unused), Some(window))
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
    Ok(reports)
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
