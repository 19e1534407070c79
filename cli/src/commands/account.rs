//! `pare account`: refine a whole account. The output of `aws iam
//! get-account-authorization-details` and the account's unused-access findings
//! in; a table (or Access Analyzer-shaped JSON, or CSV) of what happens to each
//! principal's policies out, and with `--out DIR` the refined documents, their
//! diffs and an `apply.sh` that a person reviews and runs.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use clap::{Args, ValueEnum};
use pare_engine::account::{
    self, Account, Decision, EntityKind, Holding, LevelCounts, Plan, PlanOptions, PolicyPlan,
    PolicyRef, PolicySource, PrincipalPlan,
};
use pare_engine::{Finding, Policy, RecommendedAction};
use serde_json::{Value, json};

use crate::args::CatalogArgs;
use crate::error::Error;
use crate::input::{self, Catalog, Source};
use crate::io::Io;
use crate::safe::{self, Escaped, shell_word};
use crate::{diff, exit};

/// `pare account`'s arguments as clap reads them.
#[derive(Clone, Debug, Args)]
pub struct AccountArgs {
    /// The output of `aws iam get-account-authorization-details` (documents as
    /// JSON objects or URL-encoded strings); `-` reads stdin.
    #[arg(value_name = "DETAILS")]
    pub details: OsString,

    /// `aws accessanalyzer get-finding-v2` outputs: a file holding one finding, a
    /// JSON array of them, or JSON Lines; or a directory of such files (read in
    /// name order). Repeat for more.
    #[arg(long, value_name = "PATH")]
    pub findings: Vec<PathBuf>,

    #[command(flatten)]
    pub sources: crate::sources::AccountSourceArgs,

    #[command(flatten)]
    pub catalog: CatalogArgs,

    /// Write the refined policies, a diff per policy and `apply.sh` into this
    /// directory, which must not exist yet (or be empty). Nothing is applied.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// What to print on stdout. The table is the default, also when stdout is
    /// not a terminal; scripts ask for `json` or `csv`.
    #[arg(long, value_enum, default_value_t = AccountFormat::Table)]
    pub format: AccountFormat,
}

/// `pare account --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AccountFormat {
    /// One row per principal and policy, for a reviewer.
    Table,
    /// Per principal, Access Analyzer's `get-finding-recommendation` shape.
    Json,
    /// The table's rows, for spreadsheets.
    Csv,
}

/// `pare account`, validated.
#[derive(Clone, Debug)]
pub struct AccountConfig {
    /// Where the details come from.
    pub details: Source,
    /// Findings files and directories.
    pub findings: Vec<PathBuf>,
    /// `--last-accessed`, `--used`, `--unused-since`, `--as-of`.
    pub sources: crate::sources::AccountSources,
    /// `--catalog`, if given.
    pub catalog: Option<PathBuf>,
    /// `--out`, if given.
    pub out: Option<PathBuf>,
    /// What to print.
    pub format: AccountFormat,
}

impl AccountArgs {
    /// Checks what clap cannot: `--out` is not where the details or findings are.
    pub fn validate(self) -> Result<AccountConfig, Error> {
        let details = Source::from_arg(&self.details);
        if let Some(out) = &self.out {
            let clash = self.findings.iter().any(|f| f == out)
                || matches!(&details, Source::Path(p) if p == out);
            if clash {
                return Err(Error::input(format!(
                    "`--out {}` names an input; choose a new directory",
                    out.display()
                )));
            }
        }
        let sources = crate::sources::AccountSources::new(
            &self.sources,
            !self.findings.is_empty(),
            self.catalog.as_of.as_deref(),
        )?;
        Ok(AccountConfig {
            details,
            findings: self.findings,
            sources,
            catalog: self.catalog.catalog,
            out: self.out,
            format: self.format,
        })
    }
}

/// Runs `pare account`.
pub fn run(config: &AccountConfig, io: &mut Io<'_>) -> Result<i32, Error> {
    // Refuse a bad `--out` before any work, so that nothing is computed for nothing.
    if let Some(out) = &config.out {
        check_out_dir(out)?;
    }
    let details = input::read_text(&config.details, input::Kind::Data, io)?;
    let account = Account::parse(&details.text)
        .map_err(|e| Error::input(format!("{}: {e}", details.name)))?;
    // The text is not needed once parsed; it would be held to the end.
    drop(details);
    let findings = read_findings(&config.findings, io.limits)?;
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let (findings, source_reports) =
        config
            .sources
            .apply(findings, &account, catalog.table(), io)?;

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let options = PlanOptions {
        threads,
        refine: pare_engine::Options {
            catalog_date: crate::sources::catalog_data_date(config.catalog.as_deref(), io.limits),
            ..pare_engine::Options::default()
        },
    };
    let plan = {
        let show = io.stderr_is_terminal;
        let stderr = &mut io.stderr;
        let mut last = usize::MAX;
        let mut progress = |done: usize, total: usize| {
            // One update per percent is plenty for a person and costs nothing.
            let percent = (done * 100).checked_div(total).unwrap_or(100);
            if show && total > 50 && percent != last {
                last = percent;
                let _ = write!(stderr, "\rrefining {done}/{total} policies");
                if done == total {
                    let _ = write!(stderr, "\r\x1b[K");
                }
            }
        };
        // The plan takes the findings: each principal's set moves into it
        // rather than being copied, and the rest goes before output.
        account::plan_owned(&account, findings, catalog.table(), &options, &mut progress)
    };
    let view = View {
        account: &account,
        plan: &plan,
    };

    let mut layout_notes = Vec::new();
    if let Some(out) = &config.out {
        let layout = view.layout();
        write_out_dir(out, |write| view.out_files(&layout, write))?;
        layout_notes = layout.notes;
    }
    let text = match config.format {
        AccountFormat::Table => {
            view.table() + &crate::sources::account_table_section(&source_reports)
        }
        AccountFormat::Json => {
            // Written as it is built, one principal at a time: the whole
            // document as a `Value` and then as text took several times the
            // memory of the plan itself.
            let mut frame = view.json_frame();
            crate::sources::add_to_json(&mut frame, &source_reports);
            let mut out = std::io::BufWriter::new(&mut io.stdout);
            let document = JsonOut {
                view: &view,
                frame: &frame,
            };
            serde_json::to_writer_pretty(&mut out, &document).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            out.flush()?;
            String::new()
        }
        AccountFormat::Csv => view.csv()?,
    };
    io.stdout.write_all(text.as_bytes())?;
    if config.format == AccountFormat::Csv {
        // CSV has no room for them: the source reports go beside it.
        let section = crate::sources::account_table_section(&source_reports);
        io.stderr.write_all(section.trim_start().as_bytes())?;
    }
    for diagnostic in &plan.diagnostics {
        writeln!(
            io.stderr,
            "warning: {}: {}",
            Escaped(&diagnostic.subject),
            Escaped(&diagnostic.message)
        )?;
    }
    for note in &layout_notes {
        writeln!(io.stderr, "warning: {}", Escaped(note))?;
    }
    if let Some(out) = &config.out {
        writeln!(
            io.stderr,
            "note: wrote the plan to `{}`; review the diffs, then run `{}`",
            Escaped(&out.display().to_string()),
            Escaped(&out.join("apply.sh").display().to_string())
        )?;
    }
    Ok(exit::SUCCESS)
}

/// Every finding of every file, files in argument order and directories in
/// name order. A file that cannot be read or parsed stops the run.
fn read_findings(paths: &[PathBuf], limits: input::Limits) -> Result<Vec<Finding>, Error> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| {
                Error::input(format!("cannot read the directory `{}`", path.display()))
                    .with_source(e)
            })?;
            let mut names: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            names.sort();
            files.extend(names);
        } else {
            files.push(path.clone());
        }
    }
    let mut findings = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let bytes = limits
            .read_file(&file, input::Kind::Data)
            .map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))?;
        let text = input::decode(&name, bytes)?;
        if text.trim().is_empty() {
            continue;
        }
        let parsed = pare_engine::unused::parse_findings(&text)
            .map_err(|e| Error::input(format!("{name}: {e}")))?;
        findings.extend(parsed);
    }
    Ok(findings)
}

/// The plan with the account it was made from, for rendering.
struct View<'a> {
    account: &'a Account,
    plan: &'a Plan,
}

/// `pare account --format json` as a serde value that builds each
/// recommendation only when the serializer reaches it. The frame gives the
/// keys and their order; its `"recommendations"` is replaced on the way out.
struct JsonOut<'v> {
    view: &'v View<'v>,
    frame: &'v Value,
}

impl serde::Serialize for JsonOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Value::Object(frame) = self.frame else {
            return self.frame.serialize(serializer);
        };
        let mut map = serializer.serialize_map(Some(frame.len()))?;
        for (key, value) in frame {
            if key == "recommendations" {
                map.serialize_entry(key, &Recommendations(self.view))?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// The recommendations, one principal at a time.
struct Recommendations<'v>(&'v View<'v>);

impl serde::Serialize for Recommendations<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = self.0;
        serializer.collect_seq(
            view.plan
                .principals
                .iter()
                .map(|principal| view.recommendation_json(principal)),
        )
    }
}

/// One row of the table and the CSV: a principal and one policy it holds.
struct Row<'a> {
    principal: &'a PrincipalPlan,
    holding: &'a Holding,
    policy: &'a PolicyPlan,
}

impl View<'_> {
    fn label(&self, entity: usize) -> String {
        self.account
            .entities
            .get(entity)
            .map_or_else(|| format!("#{entity}"), |e| e.label())
    }

    fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::new();
        for principal in &self.plan.principals {
            for holding in &principal.holdings {
                if let Some(policy) = self.plan.policies.get(holding.policy) {
                    rows.push(Row {
                        principal,
                        holding,
                        policy,
                    });
                }
            }
        }
        rows
    }

    fn kind(&self, policy: &PolicyPlan) -> String {
        match (&policy.source, &policy.reference) {
            (PolicySource::Inline, PolicyRef::Inline { entity, .. }) => {
                match self.account.entities.get(*entity).map(|e| e.kind) {
                    Some(EntityKind::Group) => "group inline".to_string(),
                    _ => "inline".to_string(),
                }
            }
            (PolicySource::AwsManaged, _) => "aws-managed".to_string(),
            _ => "managed".to_string(),
        }
    }

    fn via(&self, holding: &Holding) -> String {
        holding.via.map_or_else(String::new, |g| self.label(g))
    }

    /// What a reviewer should know about this row, in a few words.
    fn note(&self, row: &Row<'_>) -> String {
        let policy = row.policy;
        let mut notes: Vec<String> = Vec::new();
        if let Decision::Replace { new_name } = &policy.decision {
            notes.push(format!("becomes `{new_name}`"));
        }
        if let Decision::Skipped { reason } = &policy.decision {
            notes.push(reason.clone());
        }
        if policy.is_shared() {
            notes.push(format!("shared by {}", policy.holders.len()));
            if !policy.without_finding.is_empty() {
                let names: Vec<String> = policy
                    .without_finding
                    .iter()
                    .take(3)
                    .map(|&h| self.label(h))
                    .collect();
                let more = policy.without_finding.len().saturating_sub(3);
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                notes.push(format!("no finding for {}{more}", names.join(", ")));
            }
        }
        if let Some(own) = &row.holding.alternative {
            let extra = own
                .removed
                .total
                .saturating_sub(policy.outcome.as_ref().map_or(0, |o| o.removed.total));
            notes.push(format!(
                "alone: {} removed ({extra} more)",
                own.removed.total
            ));
        }
        if policy.used_as_boundary {
            notes.push("also a permissions boundary".to_string());
        }
        if let Some(quota) = &policy.quota {
            if quota.over() && policy.decision.changes() {
                notes.push(format!(
                    "OVER QUOTA: {} {} > {}",
                    quota.kind.describe(),
                    thousands(quota.used),
                    thousands(quota.limit)
                ));
            }
        }
        if let Some(version) = &policy.delete_version {
            if policy.decision == Decision::NewVersion {
                notes.push(format!("5 versions: deletes {version} first"));
            }
        }
        notes.join("; ")
    }

    fn removed(policy: &PolicyPlan) -> LevelCounts {
        if policy.decision.changes() {
            policy
                .outcome
                .as_ref()
                .map(|o| o.removed)
                .unwrap_or_default()
        } else {
            LevelCounts::default()
        }
    }

    fn size_after(policy: &PolicyPlan) -> Option<usize> {
        match &policy.decision {
            Decision::Skipped { .. } => None,
            Decision::DeleteInline | Decision::Detach => Some(0),
            Decision::Keep => Some(policy.size_before),
            _ => policy.outcome.as_ref().map(|o| o.size),
        }
    }

    fn table(&self) -> String {
        let header = [
            "PRINCIPAL",
            "POLICY",
            "TYPE",
            "VIA",
            "DECISION",
            "REMOVED",
            "PERM",
            "WRITE",
            "TAG",
            "LIST",
            "READ",
            "SIZE",
            "NOTE",
        ];
        let numeric = [5usize, 6, 7, 8, 9, 10];
        let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
        for row in self.rows() {
            let removed = Self::removed(row.policy);
            let size = match Self::size_after(row.policy) {
                None => "-".to_string(),
                Some(after) => {
                    format!("{}→{}", thousands(row.policy.size_before), thousands(after))
                }
            };
            let cells = vec![
                self.label(row.principal.entity),
                row.policy.name.clone(),
                self.kind(row.policy),
                or_dash(self.via(row.holding)),
                row.policy.decision.label().to_string(),
                removed.total.to_string(),
                removed.permissions_management.to_string(),
                removed.write.to_string(),
                removed.tagging.to_string(),
                removed.list.to_string(),
                removed.read.to_string(),
                size,
                self.note(&row),
            ];
            // Measured and printed escaped: a cell can neither drive the
            // terminal nor break the row.
            lines.push(cells.iter().map(|c| safe::escape(c).into_owned()).collect());
        }
        let columns = header.len();
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                lines
                    .iter()
                    .map(|l| l.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        if lines.len() == 1 {
            out.push_str("no principal with an active UnusedPermission finding\n");
        } else {
            for line in &lines {
                let mut text = String::new();
                for (c, cell) in line.iter().enumerate() {
                    let width = widths.get(c).copied().unwrap_or(0);
                    let pad = width.saturating_sub(cell.chars().count());
                    if c > 0 {
                        text.push_str("  ");
                    }
                    if numeric.contains(&c) {
                        text.push_str(&" ".repeat(pad));
                        text.push_str(cell);
                    } else {
                        text.push_str(cell);
                        if c + 1 < columns {
                            text.push_str(&" ".repeat(pad));
                        }
                    }
                }
                out.push_str(text.trim_end());
                out.push('\n');
            }
        }
        out.push('\n');
        out.push_str(&self.summary());
        out
    }

    /// The totals a security reviewer reads first, and the findings' fate.
    fn summary(&self) -> String {
        let mut out = String::new();
        let changed: Vec<&PolicyPlan> = self
            .plan
            .policies
            .iter()
            .filter(|p| p.decision.changes())
            .collect();
        let mut total = LevelCounts::default();
        for policy in &changed {
            let removed = Self::removed(policy);
            total.total += removed.total;
            total.permissions_management += removed.permissions_management;
            total.write += removed.write;
            total.tagging += removed.tagging;
            total.list += removed.list;
            total.read += removed.read;
            total.unknown += removed.unknown;
        }
        let count = |d: &str| {
            self.plan
                .policies
                .iter()
                .filter(|p| p.decision.label() == d)
                .count()
        };
        let _ = writeln!(
            out,
            "{} with findings hold {}: {} put-inline, {} delete-inline, {} new-version, {} detach, {} replace, {} keep, {} skipped",
            plural(self.plan.principals.len(), "principal", "principals"),
            plural(self.plan.policies.len(), "policy", "policies"),
            count("put-inline"),
            count("delete-inline"),
            count("new-version"),
            count("detach"),
            count("replace"),
            count("keep"),
            count("skipped"),
        );
        let _ = writeln!(
            out,
            "actions no longer granted: {} permissions management, {} write, {} tagging, {} list, {} read{} ({} in all, counted per policy)",
            total.permissions_management,
            total.write,
            total.tagging,
            total.list,
            total.read,
            if total.unknown > 0 {
                format!(", {} of unknown level", total.unknown)
            } else {
                String::new()
            },
            thousands(total.total),
        );
        let over = changed
            .iter()
            .filter(|p| p.quota.is_some_and(|q| q.over()))
            .count();
        if over > 0 {
            let _ = writeln!(
                out,
                "{over} refined policies would not fit IAM's size quotas; apply.sh leaves them commented out"
            );
        }
        let c = &self.plan.counts;
        let _ = writeln!(
            out,
            "findings: {} read, {} UnusedPermission applied, {} reported below, {} archived and {} resolved ignored, {} of other types ignored, {} for unknown principals, {} for other accounts, {} duplicates",
            c.read,
            c.unused_permission,
            c.reported,
            c.archived,
            c.resolved,
            c.other_type,
            c.unknown_principal,
            c.other_account,
            c.duplicate
        );
        for other in &self.plan.other_findings {
            let who = other
                .entity
                .map_or_else(|| other.resource.clone(), |e| self.label(e));
            let what = match other.finding_type.as_str() {
                "UnusedIAMRole" => "the role is unused: consider deleting it",
                "UnusedIAMUserAccessKey" => "an access key is unused: consider deactivating it",
                "UnusedIAMUserPassword" => "the console password is unused: consider removing it",
                _ => "reported",
            };
            let _ = writeln!(
                out,
                "{}: {}: {what} (finding `{}`)",
                Escaped(&other.finding_type),
                Escaped(&who),
                Escaped(&other.id)
            );
        }
        out
    }

    fn csv(&self) -> Result<String, Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = [
            "principal_arn",
            "principal",
            "policy",
            "policy_arn",
            "type",
            "via",
            "decision",
            "new_policy_name",
            "shared_by",
            "removed",
            "removed_permissions_management",
            "removed_write",
            "removed_tagging",
            "removed_list",
            "removed_read",
            "removed_unknown_level",
            "size_before",
            "size_after",
            "quota",
            "quota_limit",
            "quota_used",
            "over_quota",
            "alone_removed",
            "note",
        ];
        let csv_error = |e: csv::Error| Error::input("cannot write CSV").with_source(e);
        writer.write_record(header).map_err(csv_error)?;
        for row in self.rows() {
            let policy = row.policy;
            let removed = Self::removed(policy);
            let principal = self.account.entities.get(row.principal.entity);
            let quota = policy.quota;
            let record = vec![
                principal.map_or(String::new(), |e| e.arn.clone()),
                self.label(row.principal.entity),
                policy.name.clone(),
                policy.arn.clone().unwrap_or_default(),
                self.kind(policy),
                self.via(row.holding),
                policy.decision.label().to_string(),
                match &policy.decision {
                    Decision::Replace { new_name } => new_name.clone(),
                    _ => String::new(),
                },
                policy.holders.len().to_string(),
                removed.total.to_string(),
                removed.permissions_management.to_string(),
                removed.write.to_string(),
                removed.tagging.to_string(),
                removed.list.to_string(),
                removed.read.to_string(),
                removed.unknown.to_string(),
                policy.size_before.to_string(),
                Self::size_after(policy).map_or(String::new(), |s| s.to_string()),
                quota.map_or(String::new(), |q| q.kind.describe().to_string()),
                quota.map_or(String::new(), |q| q.limit.to_string()),
                quota.map_or(String::new(), |q| q.used.to_string()),
                quota
                    .is_some_and(|q| q.over() && policy.decision.changes())
                    .to_string(),
                row.holding
                    .alternative
                    .as_ref()
                    .map_or(String::new(), |a| a.removed.total.to_string()),
                self.note(&row),
            ];
            writer.write_record(record).map_err(csv_error)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| Error::input("cannot write CSV").with_source(e.into_error()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The JSON document without its recommendations, which are written one
    /// by one (see [`JsonOut`]): `"recommendations"` holds a placeholder.
    fn json_frame(&self) -> Value {
        let other: Vec<Value> = self
            .plan
            .other_findings
            .iter()
            .map(|o| {
                json!({
                    "id": o.id,
                    "findingType": o.finding_type,
                    "resource": o.resource,
                })
            })
            .collect();
        json!({
            "recommendations": Value::Null,
            "otherFindings": other,
            "findings": self.plan.counts,
            "diagnostics": self.plan.diagnostics,
        })
    }

    /// One principal in Access Analyzer's recommendation shape; pare's own
    /// details ride along under `pare`, which Access Analyzer readers ignore.
    fn recommendation_json(&self, principal: &PrincipalPlan) -> Value {
        let entity = self.account.entities.get(principal.entity);
        let mut steps = Vec::new();
        let mut policies = Vec::new();
        for holding in &principal.holdings {
            let Some(policy) = self.plan.policies.get(holding.policy) else {
                continue;
            };
            let id = policy.arn.clone().unwrap_or_else(|| policy.name.clone());
            let step = match &policy.decision {
                Decision::PutInline | Decision::NewVersion | Decision::Replace { .. } => {
                    policy.outcome.as_ref().map(|o| {
                        json!({"unusedPermissionsRecommendedStep": {
                            "recommendedAction": "CREATE_POLICY",
                            "recommendedPolicy": o.policy.to_compact_string(),
                            "existingPolicyId": id,
                        }})
                    })
                }
                Decision::DeleteInline | Decision::Detach => Some(json!({
                    "unusedPermissionsRecommendedStep": {
                        "recommendedAction": "DETACH_POLICY",
                        "existingPolicyId": id,
                    }
                })),
                Decision::Keep | Decision::Skipped { .. } => None,
            };
            steps.extend(step);
            policies.push(self.policy_json(policy, holding));
        }
        json!({
            "resourceArn": entity.map_or(String::new(), |e| e.arn.clone()),
            "recommendationType": "UnusedPermissionRecommendation",
            "status": "SUCCEEDED",
            "recommendedSteps": steps,
            "pare": {
                "principal": self.label(principal.entity),
                "findingIds": principal.finding_ids,
                "policies": policies,
            },
        })
    }

    fn policy_json(&self, policy: &PolicyPlan, holding: &Holding) -> Value {
        let outcome = policy.outcome.as_deref();
        let mut object = json!({
            "policyName": policy.name,
            "type": self.kind(policy),
            "decision": policy.decision.label(),
            "removed": Self::removed(policy),
            "sizeBefore": policy.size_before,
            "sizeAfter": Self::size_after(policy),
        });
        if let Some(map) = object.as_object_mut() {
            if let Some(arn) = &policy.arn {
                map.insert("policyArn".into(), arn.clone().into());
            }
            match &policy.decision {
                Decision::Replace { new_name } => {
                    map.insert("newPolicyName".into(), new_name.clone().into());
                }
                Decision::Skipped { reason } => {
                    map.insert("skipped".into(), reason.clone().into());
                }
                _ => {}
            }
            if let Some(group) = holding.via {
                map.insert("via".into(), self.label(group).into());
            }
            if policy.is_shared() {
                let holders: Vec<String> = policy.holders.iter().map(|&h| self.label(h)).collect();
                let without: Vec<String> = policy
                    .without_finding
                    .iter()
                    .map(|&h| self.label(h))
                    .collect();
                map.insert("sharedWith".into(), json!(holders));
                map.insert("holdersWithoutFinding".into(), json!(without));
            }
            if let Some(quota) = policy.quota {
                map.insert(
                    "quota".into(),
                    json!({"quota": quota.kind.describe(), "limit": quota.limit, "used": quota.used, "exceeded": quota.over()}),
                );
            }
            if let Some(outcome) = outcome.filter(|o| o.changed() && policy.decision.changes()) {
                map.insert("edits".into(), json!(outcome.edits));
            }
            // What the engine says about the policy itself (entries the catalog
            // does not know, broad exclusions); remarks about unused actions the
            // policy does not grant are expected for a per-principal finding.
            if let Some(outcome) = outcome {
                let notes: Vec<&pare_engine::Diagnostic> = outcome
                    .diagnostics
                    .iter()
                    .filter(|d| {
                        !matches!(
                            d.code,
                            pare_engine::Code::UnusedNotGranted
                                | pare_engine::Code::UnknownUnusedAction
                        )
                    })
                    .collect();
                if !notes.is_empty() {
                    map.insert("diagnostics".into(), json!(notes));
                }
            }
            if let Some(own) = &holding.alternative {
                map.insert(
                    "alone".into(),
                    json!({
                        "recommendedAction": action_name(own.recommended_action()),
                        "recommendedPolicy": own.policy.to_compact_string(),
                        "removed": own.removed,
                        "size": own.size,
                    }),
                );
            }
        }
        object
    }

    /// Where each file of `--out` goes, decided once for the whole plan (see
    /// [`Layout`]): every name from the details passes through
    /// [`safe::path_component`], and two names that land on the same file
    /// name are told apart. Names the sanitizer leaves as they are claim
    /// their places first, so an altered name never displaces a plain one;
    /// otherwise the plan's order decides.
    fn layout(&self) -> Layout {
        /// Where a file's directory is.
        enum Parent {
            Entity(usize),
            Alternatives(usize),
            Fixed(&'static str),
        }
        /// Which map the claimed base path goes to.
        enum Place {
            Policy(usize),
            Alternative(usize, usize),
        }
        let mut requests: Vec<(Parent, &str, String, Place)> = Vec::new();
        for (index, policy) in self.plan.policies.iter().enumerate() {
            if policy.original.is_none() || policy.outcome.is_none() || !policy.decision.changes() {
                continue;
            }
            let (parent, what) = match &policy.reference {
                PolicyRef::Inline { entity, name } => (
                    Parent::Entity(*entity),
                    format!("the inline policy `{name}` of {}", self.label(*entity)),
                ),
                PolicyRef::Managed(arn) if policy.source == PolicySource::AwsManaged => {
                    (Parent::Fixed("aws-managed"), format!("`{arn}`"))
                }
                PolicyRef::Managed(arn) => (Parent::Fixed("managed"), format!("`{arn}`")),
            };
            requests.push((parent, &policy.name, what, Place::Policy(index)));
        }
        for principal in &self.plan.principals {
            for holding in &principal.holdings {
                let Some(policy) = self.plan.policies.get(holding.policy) else {
                    continue;
                };
                if holding.alternative.is_none() || policy.original.is_none() {
                    continue;
                }
                let what = format!(
                    "the alternative of `{}` for {}",
                    policy.name,
                    self.label(principal.entity)
                );
                requests.push((
                    Parent::Alternatives(principal.entity),
                    &policy.name,
                    what,
                    Place::Alternative(principal.entity, holding.policy),
                ));
            }
        }
        let altered = |name: &str| safe::path_component(name) != name;

        // The principals' directories first: a file's directory is part of its path.
        let mut entities: Vec<usize> = Vec::new();
        let mut listed = std::collections::HashSet::new();
        for (parent, ..) in &requests {
            if let Parent::Entity(e) | Parent::Alternatives(e) = parent {
                if listed.insert(*e) {
                    entities.push(*e);
                }
            }
        }
        let name_of = |e: usize| self.account.entities.get(e).map(|x| x.name.as_str());
        entities.sort_by_cached_key(|&e| name_of(e).is_none_or(altered));
        let mut layout = Layout::default();
        for entity in entities {
            let (kind, name, label) = self.account.entities.get(entity).map_or_else(
                || ("entity", format!("#{entity}"), format!("#{entity}")),
                |e| (e.kind.as_str(), e.name.clone(), e.label()),
            );
            let dir = layout.claim(kind, &name, label);
            layout.entities.insert(entity, dir);
        }

        requests.sort_by_cached_key(|(_, name, ..)| altered(name));
        for (parent, name, what, place) in requests {
            let dir = match parent {
                Parent::Entity(e) => layout.entities.get(&e).cloned().unwrap_or_default(),
                Parent::Alternatives(e) => format!(
                    "alternatives/{}",
                    layout.entities.get(&e).cloned().unwrap_or_default()
                ),
                Parent::Fixed(dir) => dir.to_string(),
            };
            let base = layout.claim(&dir, name, what);
            match place {
                Place::Policy(index) => {
                    layout.policies.insert(index, base);
                }
                Place::Alternative(entity, policy) => {
                    layout.alternatives.insert((entity, policy), base);
                }
            }
        }
        layout
    }

    /// Renders each file of `--out` and hands it to `write` at once: holding
    /// them all (32 MB for a thousand roles) was more than the plan itself.
    fn out_files(
        &self,
        layout: &Layout,
        write: &mut dyn FnMut(OutFile) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for (index, policy) in self.plan.policies.iter().enumerate() {
            let (Some(original), Some(outcome)) = (&policy.original, &policy.outcome) else {
                continue;
            };
            if !policy.decision.changes() {
                continue;
            }
            let Some(base) = layout.policies.get(&index) else {
                continue;
            };
            if !matches!(policy.decision, Decision::DeleteInline | Decision::Detach) {
                write(OutFile::text(
                    format!("{base}.json"),
                    pretty(&outcome.policy),
                ))?;
            }
            write(OutFile::text(
                format!("{base}.diff"),
                diff::unified(
                    &format!("original/{base}.json"),
                    &pretty(original),
                    &format!("refined/{base}.json"),
                    &pretty(&outcome.policy),
                ),
            ))?;
        }
        for principal in &self.plan.principals {
            for holding in &principal.holdings {
                let (Some(policy), Some(own)) =
                    (self.plan.policies.get(holding.policy), &holding.alternative)
                else {
                    continue;
                };
                let (Some(original), Some(base)) = (
                    &policy.original,
                    layout.alternatives.get(&(principal.entity, holding.policy)),
                ) else {
                    continue;
                };
                write(OutFile::text(format!("{base}.json"), pretty(&own.policy)))?;
                write(OutFile::text(
                    format!("{base}.diff"),
                    diff::unified(
                        &format!("original/{base}.json"),
                        &pretty(original),
                        &format!("refined/{base}.json"),
                        &pretty(&own.policy),
                    ),
                ))?;
            }
        }
        write(OutFile {
            path: "apply.sh".to_string(),
            contents: self.apply_script(layout),
            executable: true,
        })
    }

    /// The AWS CLI commands that apply the plan, for a person to review and run.
    fn apply_script(&self, layout: &Layout) -> String {
        let mut out = String::from(
            "#!/usr/bin/env bash\n\
             # Generated by `pare account`: the AWS CLI commands that apply its plan.\n\
             # pare never runs this. Review every .diff beside it first, then run it\n\
             # with credentials for the account. Trust policies and permissions\n\
             # boundaries are never touched. Refined policies that would not fit\n\
             # IAM's size quotas are left commented out. Every name below is quoted\n\
             # as one word; none comes from the details unquoted.\n\
             set -euo pipefail\n\
             cd \"$(dirname \"$0\")\"\n",
        );
        let mut any = false;
        for (index, policy) in self.plan.policies.iter().enumerate() {
            if !policy.decision.changes() || policy.outcome.is_none() {
                continue;
            }
            let Some(base) = layout.policies.get(&index) else {
                continue;
            };
            any = true;
            out.push('\n');
            out.push_str(&self.script_section(policy, base));
        }
        if !any {
            out.push_str("\n# Nothing to apply: no policy changes.\n");
        }
        out
    }

    /// One policy's part of `apply.sh`: a comment saying what and why, then
    /// its commands, every word of which is [`shell_word`]-quoted; the
    /// comment goes through [`safe::comment`].
    fn script_section(&self, policy: &PolicyPlan, base: &str) -> String {
        let removed = Self::removed(policy);
        let mut head = format!(
            "{}: {} ({} no longer granted: {} permissions management, {} write)",
            self.describe(policy),
            policy.decision.label(),
            plural(removed.total, "action", "actions"),
            removed.permissions_management,
            removed.write,
        );
        if policy.is_shared() {
            let holders: Vec<String> = policy.holders.iter().map(|&h| self.label(h)).collect();
            let _ = write!(
                head,
                "\nheld by {}; only what all of them leave unused is removed",
                holders.join(", ")
            );
        }
        let file = format!("file://{base}.json");
        let mut lines: Vec<String> = Vec::new();
        match (&policy.decision, &policy.reference) {
            (Decision::PutInline, PolicyRef::Inline { entity, name }) => {
                if let Some(owner) = self.account.entities.get(*entity) {
                    let kind = owner.kind.as_str();
                    lines.push(format!(
                        "aws iam put-{kind}-policy --{kind}-name{} --policy-name{} --policy-document{}",
                        arg(&owner.name),
                        arg(name),
                        arg(&file)
                    ));
                }
            }
            (Decision::DeleteInline, PolicyRef::Inline { entity, name }) => {
                if let Some(owner) = self.account.entities.get(*entity) {
                    let kind = owner.kind.as_str();
                    lines.push(format!(
                        "aws iam delete-{kind}-policy --{kind}-name{} --policy-name{}",
                        arg(&owner.name),
                        arg(name)
                    ));
                }
            }
            (Decision::NewVersion, PolicyRef::Managed(arn)) => {
                if let Some(version) = &policy.delete_version {
                    lines.push(format!(
                        "# IAM keeps at most five versions: delete the oldest non-default one first\naws iam delete-policy-version --policy-arn{} --version-id{}",
                        arg(arn),
                        arg(version)
                    ));
                }
                lines.push(format!(
                    "aws iam create-policy-version --policy-arn{} --policy-document{} --set-as-default",
                    arg(arn),
                    arg(&file)
                ));
            }
            (Decision::Detach, PolicyRef::Managed(arn)) => {
                for &a in &policy.attachments {
                    if let Some(entity) = self.account.entities.get(a) {
                        let kind = entity.kind.as_str();
                        lines.push(format!(
                            "aws iam detach-{kind}-policy --{kind}-name{} --policy-arn{}",
                            arg(&entity.name),
                            arg(arn)
                        ));
                    }
                }
            }
            (Decision::Replace { new_name }, PolicyRef::Managed(arn)) => {
                lines.push(format!(
                    "new_arn=$(aws iam create-policy --policy-name{} --policy-document{} --query Policy.Arn --output text)",
                    arg(new_name),
                    arg(&file)
                ));
                // Attach the replacement before detaching the original, so
                // that no principal is ever without what it uses.
                for &a in &policy.attachments {
                    if let Some(entity) = self.account.entities.get(a) {
                        let kind = entity.kind.as_str();
                        lines.push(format!(
                            "aws iam attach-{kind}-policy --{kind}-name{} --policy-arn \"$new_arn\"",
                            arg(&entity.name)
                        ));
                        lines.push(format!(
                            "aws iam detach-{kind}-policy --{kind}-name{} --policy-arn{}",
                            arg(&entity.name),
                            arg(arn)
                        ));
                    }
                }
            }
            _ => {}
        }
        let over = policy.quota.filter(|q| q.over());
        let mut out = safe::comment(&head);
        if let Some(quota) = over {
            out.push_str(&safe::comment(&format!(
                "NOT APPLIED: the result would not fit the quota for {} ({} > {} characters)",
                quota.kind.describe(),
                thousands(quota.used),
                thousands(quota.limit)
            )));
            // The commands hold no line break of their own: `shell_word`
            // escapes every control character, so each of pare's lines is
            // commented out whole.
            for line in lines {
                for part in line.split('\n') {
                    if part.starts_with('#') {
                        let _ = writeln!(out, "{part}");
                    } else {
                        let _ = writeln!(out, "# {part}");
                    }
                }
            }
        } else {
            for line in lines {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }

    fn describe(&self, policy: &PolicyPlan) -> String {
        match &policy.reference {
            PolicyRef::Inline { entity, name } => {
                format!("{}: inline policy `{name}`", self.label(*entity))
            }
            PolicyRef::Managed(arn) if policy.source == PolicySource::AwsManaged => {
                format!("AWS managed policy `{arn}` (cannot be edited)")
            }
            PolicyRef::Managed(arn) => format!("managed policy `{arn}`"),
        }
    }
}

/// Where the files of `--out` go: one directory per principal
/// (`role/NAME`), one base path per refined policy and per alternative.
/// Each name is a [`safe::path_component`]; within a directory no two
/// files fold ([`safe::fold`]) to the same name, so no file overwrites
/// another on any file system and no two principals share a `file://` in
/// `apply.sh`. A later name that would clash gets a `~2` (`~3`, ...) suffix,
/// which no sanitized name holds, and a note naming both.
#[derive(Debug, Default)]
struct Layout {
    /// `role/NAME` per entity.
    entities: HashMap<usize, String>,
    /// The base path (no extension) per refined policy, by index in the plan.
    policies: HashMap<usize, String>,
    /// The base path per (principal, policy) alternative.
    alternatives: HashMap<(usize, usize), String>,
    /// Per directory, the folded names taken and what took them.
    taken: HashMap<String, BTreeMap<String, String>>,
    /// One sentence per clash, for stderr.
    notes: Vec<String>,
}

impl Layout {
    /// `dir/COMPONENT` for `name`, unique in `dir` once case is ignored.
    fn claim(&mut self, dir: &str, name: &str, what: String) -> String {
        let component = safe::path_component(name);
        let taken = self.taken.entry(dir.to_string()).or_default();
        let mut chosen = component.clone();
        let mut n = 1usize;
        while taken.contains_key(&safe::fold(&chosen)) {
            n += 1;
            chosen = format!("{component}~{n}");
        }
        if n > 1 {
            let earlier = taken
                .get(&safe::fold(&component))
                .cloned()
                .unwrap_or_default();
            self.notes.push(format!(
                "{what} and {earlier} would both be written as `{dir}/{component}` (file names keep only IAM's name characters, and some file systems ignore case); {what} is written as `{dir}/{chosen}`"
            ));
        }
        taken.insert(safe::fold(&chosen), what);
        format!("{dir}/{chosen}")
    }
}

fn action_name(action: RecommendedAction) -> &'static str {
    match action {
        RecommendedAction::CreatePolicy => "CREATE_POLICY",
        RecommendedAction::DetachPolicy => "DETACH_POLICY",
    }
}

/// `1 action`, `2 actions`; `plural` is the word's plural form.
fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", thousands(n))
    }
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "-".to_string()
    } else {
        text
    }
}

fn pretty(policy: &Policy) -> String {
    let mut text = policy.to_pretty_string();
    text.push('\n');
    text
}

/// An option's value in `apply.sh`, with its separator: ` VALUE`, or
/// `=VALUE` when the value starts with `-` (IAM names may), which the AWS CLI
/// would otherwise read as another option. The value is a [`shell_word`].
fn arg(value: &str) -> String {
    if value.starts_with('-') {
        format!("={}", shell_word(value))
    } else {
        format!(" {}", shell_word(value))
    }
}

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

/// One file of `--out DIR`.
#[derive(Clone)]
struct OutFile {
    path: String,
    contents: String,
    executable: bool,
}

impl OutFile {
    fn text(path: String, contents: String) -> OutFile {
        OutFile {
            path,
            contents,
            executable: false,
        }
    }
}

/// `--out DIR` must be new, or an empty directory: the plan never mixes with
/// older files, and never overwrites anything.
fn check_out_dir(out: &Path) -> Result<(), Error> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::input(format!(
                    "`{}` exists and is not empty; choose a new directory for `--out`",
                    out.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => {
            Err(Error::input(format!("cannot use `{}` for `--out`", out.display())).with_source(e))
        }
    }
}

/// Writes the files `files` gives, one at a time, into a new temporary
/// directory beside `out` (`.pare-plan-XXXXXX`, made by `tempfile`, so it
/// cannot collide with anything, a leftover of a killed run included), syncs
/// every file and directory, then renames it into place: `out` appears whole
/// or not at all. Each file's path is checked to stay inside the temporary
/// directory and is created new, never over another. On any failure the
/// temporary directory, and nothing else, is removed.
fn write_out_dir(
    out: &Path,
    files: impl FnOnce(&mut dyn FnMut(OutFile) -> Result<(), Error>) -> Result<(), Error>,
) -> Result<(), Error> {
    check_out_dir(out)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |what: String, e: std::io::Error| Error::input(what).with_source(e);
    let temp = tempfile::Builder::new()
        .prefix(".pare-plan-")
        .tempdir_in(&parent)
        .map_err(|e| {
            fail(
                format!(
                    "cannot create a temporary directory in `{}`",
                    parent.display()
                ),
                e,
            )
        })?;
    let root = temp.path().to_path_buf();
    let mut dirs = std::collections::BTreeSet::from([root.clone()]);
    let mut written = Vec::new();
    files(&mut |file: OutFile| {
        let path = inside(&root, &file.path)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create `{}`", dir.display()), e))?;
            let mut ancestor = Some(dir);
            while let Some(d) = ancestor.filter(|d| *d != root.as_path()) {
                if !dirs.insert(d.to_path_buf()) {
                    break;
                }
                ancestor = d.parent();
            }
        }
        write_new_file(&path, &file)
            .map_err(|e| fail(format!("cannot write `{}`", path.display()), e))?;
        written.push(path);
        Ok(())
    })?;
    // Every file, then every directory, reaches the disk before the rename.
    sync_plan(&root, &written, dirs)?;
    // An empty directory in the way (checked above) is replaced by the
    // rename itself where the system allows it (Unix); elsewhere it is
    // removed first, and only when it is still empty.
    #[cfg(not(unix))]
    if out.is_dir() {
        std::fs::remove_dir(out)
            .map_err(|e| fail(format!("cannot replace `{}`", out.display()), e))?;
    }
    std::fs::rename(&root, out)
        .map_err(|e| fail(format!("cannot move the plan into `{}`", out.display()), e))?;
    // The directory is `out` now: nothing left for the guard to remove.
    let _ = temp.keep();
    sync_dir(&parent).map_err(|e| fail(format!("cannot sync `{}`", parent.display()), e))
}

/// `root` joined with `relative`, which must be a relative path of plain
/// components (no `..`, no root, no prefix) that stays under `root`. Every
/// path pare writes passes here, whatever made it.
fn inside(root: &Path, relative: &str) -> Result<PathBuf, Error> {
    let path = Path::new(relative);
    let plain =
        !relative.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    let joined = root.join(path);
    if !plain || !joined.starts_with(root) {
        return Err(Error::input(format!(
            "refusing to write `{}`: it is not a plain path inside the plan directory",
            safe::escape(relative)
        )));
    }
    Ok(joined)
}

/// Creates `path` (never over an existing file) and writes it; see
/// [`sync_all`] for when it reaches the disk.
fn write_new_file(path: &Path, file: &OutFile) -> std::io::Result<()> {
    let mut handle = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    handle.write_all(file.contents.as_bytes())?;
    if file.executable {
        set_executable(&handle)?;
    }
    Ok(())
}

/// Makes every file and directory of the plan durable. On Linux one
/// `syncfs(2)` on the plan's file system does it in one call: a file at a
/// time cost a thousand-principal plan tens of seconds on a journaling file
/// system. Elsewhere every file, then every directory, is synced, a few at
/// a time so that the journal commits them together.
fn sync_plan(
    root: &Path,
    files: &[PathBuf],
    dirs: std::collections::BTreeSet<PathBuf>,
) -> Result<(), Error> {
    let fail = |path: &Path, e: std::io::Error| {
        Error::input(format!("cannot sync `{}`", path.display())).with_source(e)
    };
    #[cfg(target_os = "linux")]
    {
        let _ = (files, dirs);
        let dir = std::fs::File::open(root).map_err(|e| fail(root, e))?;
        rustix::fs::syncfs(&dir).map_err(|e| fail(root, e.into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = root;
        sync_all(files, sync_file).map_err(|(p, e)| fail(&p, e))?;
        let dirs: Vec<PathBuf> = dirs.into_iter().collect();
        sync_all(&dirs, sync_dir).map_err(|(p, e)| fail(&p, e))
    }
}

#[cfg(not(target_os = "linux"))]
/// Runs `sync` on every path, on a few threads at once; the first failure,
/// with its path, if any.
fn sync_all(
    paths: &[PathBuf],
    sync: fn(&Path) -> std::io::Result<()>,
) -> Result<(), (PathBuf, std::io::Error)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::Mutex::new(None);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(4, 16)
        .min(paths.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(path) =
                    paths.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    if let Err(e) = sync(path) {
                        if let Ok(mut slot) = failed.lock() {
                            slot.get_or_insert((path.clone(), e));
                        }
                        return;
                    }
                }
            });
        }
    });
    match failed.into_inner() {
        Ok(Some(failure)) => Err(failure),
        _ => Ok(()),
    }
}

#[cfg(not(target_os = "linux"))]
fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .sync_all()
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn set_executable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary one, removed by the caller.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pare-account-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn out_dir_appears_whole_and_never_overwrites() {
        let dir = scratch("out");
        let out = dir.join("plan");
        let files = vec![
            OutFile::text("role/a/p.json".into(), "{}\n".into()),
            OutFile {
                path: "apply.sh".into(),
                contents: "#!/usr/bin/env bash\n".into(),
                executable: true,
            },
        ];
        write_out_dir(&out, all(&files)).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("role/a/p.json")).unwrap(),
            "{}\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(out.join("apply.sh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111);
        }
        // Only the plan is left beside it: no temporary directory.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["plan"]);
        let err = write_out_dir(&out, all(&files)).unwrap_err();
        assert!(err.to_string().contains("is not empty"), "{err}");
        // An empty directory is fine.
        let empty = dir.join("empty");
        std::fs::create_dir(&empty).unwrap();
        write_out_dir(&empty, all(&files)).unwrap();
        assert!(empty.join("apply.sh").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Hands each of `files` to the writer.
    fn all(
        files: &[OutFile],
    ) -> impl FnOnce(&mut dyn FnMut(OutFile) -> Result<(), Error>) -> Result<(), Error> + '_ {
        move |write| files.iter().cloned().try_for_each(write)
    }

    #[test]
    fn a_file_that_fails_midway_leaves_nothing_behind() {
        let dir = scratch("midway");
        let out = dir.join("plan");
        let result = write_out_dir(&out, |write| {
            write(OutFile::text("role/a/p.json".into(), "{}\n".into()))?;
            Err(Error::input("rendering failed".to_string()))
        });
        assert!(result.unwrap_err().to_string().contains("rendering failed"));
        // Neither the plan nor the temporary directory with the first file.
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(names.is_empty(), "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn progress_shows_on_a_terminal_only() {
        let dir = scratch("progress");
        let synthetic = pare_engine::account::synthetic::generate(pare_catalog::embedded(), 80, 3);
        std::fs::write(dir.join("details.json"), &synthetic.details).unwrap();
        std::fs::write(dir.join("findings.jsonl"), &synthetic.findings).unwrap();
        let args = |format: &str| -> Vec<OsString> {
            vec![
                "pare".into(),
                "account".into(),
                dir.join("details.json").into(),
                "--findings".into(),
                dir.join("findings.jsonl").into(),
                "--format".into(),
                format.into(),
            ]
        };
        for terminal in [false, true] {
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            let code = {
                let mut io = Io::buffers(&[], &mut stdout, &mut stderr);
                io.stderr_is_terminal = terminal;
                crate::run(args("csv"), &mut io)
            };
            assert_eq!(code, 0);
            let stderr = String::from_utf8(stderr).unwrap();
            assert_eq!(stderr.contains("\rrefining "), terminal, "{stderr:?}");
            if terminal {
                assert!(
                    stderr.contains("\r\x1b[K"),
                    "the line is cleared at the end"
                );
            }
            let rows = String::from_utf8(stdout).unwrap().lines().count();
            assert!(rows > 80, "{rows} rows");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_plan_is_built_in_a_recognizable_temporary_directory() {
        let dir = scratch("temporary");
        let out = dir.join("plan");
        let mut seen = Vec::new();
        let result = write_out_dir(&out, |write| {
            write(OutFile::text("role/a/p.json".into(), "{}\n".into()))?;
            seen = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            // A path that climbs out is refused, and the run fails whole.
            write(OutFile::text("../../escaped.json".into(), "{}\n".into()))
        });
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].starts_with(".pare-plan-"), "{seen:?}");
        let err = result.unwrap_err().to_string();
        assert!(err.contains("not a plain path"), "{err}");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        assert!(!dir.parent().unwrap().join("escaped.json").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn paths_outside_the_plan_are_refused() {
        let root = Path::new("/plan");
        assert_eq!(
            inside(root, "role/a/p.json").unwrap(),
            root.join("role/a/p.json")
        );
        for bad in ["", "../x", "role/../../x", "/etc/x", "a//..", "."] {
            let err = inside(root, bad).unwrap_err().to_string();
            assert!(err.contains("not a plain path"), "{bad:?}: {err}");
        }
    }
}
