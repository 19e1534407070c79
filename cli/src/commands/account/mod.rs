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
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use crate::args::CatalogArgs;
use crate::error::Error;
use crate::input::{self, Catalog, Source};
use crate::io::Io;
use crate::safe::{self, Escaped, shell_word};
use crate::text::thousands;
use crate::{diff, exit};

mod csv;
mod iac;
mod identity_center;
mod json;
mod levels;
mod ordered;
mod org;
mod out_dir;
mod script;
mod table;

use json::*;
use out_dir::*;

/// `pare account`'s arguments as clap reads them.
#[derive(Clone, Debug, Args)]
pub struct AccountArgs {
    /// The output of `aws iam get-account-authorization-details` (documents as
    /// JSON objects or URL-encoded strings); `-` reads stdin. Several files, or
    /// a directory of them (`details/<account-id>.json`, read in name order),
    /// plan an organization: one account per file, the plan laid out per
    /// account and an organization summary on stdout.
    #[arg(value_name = "DETAILS", required = true, num_args = 1..)]
    pub details: Vec<OsString>,

    /// `aws accessanalyzer get-finding-v2` outputs: a file holding one finding, a
    /// JSON array of them, or JSON Lines; or a directory of such files (read in
    /// name order). Repeat for more.
    #[arg(long, value_name = "PATH")]
    pub findings: Vec<PathBuf>,

    #[command(flatten)]
    pub sources: crate::sources::AccountSourceArgs,

    #[command(flatten)]
    pub catalog: CatalogArgs,

    /// IAM Identity Center permission sets: a directory with one directory per
    /// permission set of `aws sso-admin` outputs (see the README). Each
    /// `AWSReservedSSO_` role is its permission set provisioned there; the plan
    /// changes the permission set's inline policy, never the roles. With
    /// several accounts only.
    #[arg(long, value_name = "DIR")]
    pub identity_center: Option<PathBuf>,

    /// Write the refined policies, a diff per policy and `apply.sh` into this
    /// directory, which must not exist yet (or be empty). Nothing is applied.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// What to print on stdout. The table is the default, also when stdout is
    /// not a terminal; scripts ask for `json` or `csv`.
    #[arg(long, value_enum, default_value_t = AccountFormat::Table)]
    pub format: AccountFormat,

    /// Say in the exit code whether the plan changes anything, as `git diff
    /// --exit-code` does: 0 nothing would change, 4 some policy changes, 3
    /// every change detaches or deletes a policy whole.
    #[arg(long)]
    pub exit_code: bool,

    /// Hold each refined policy to this many characters (white space not counted)
    /// when that is less than IAM's quota: a result over it is reported, left out of
    /// apply.sh, and given the split alternative, as one over the quota is. A
    /// principal's inline policies count together, as IAM counts them.
    #[arg(long, value_name = "CHARS", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_policy_size: Option<u32>,

    #[command(flatten)]
    pub code: iac::CodeArgs,
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
    /// Where the details come from (the first file, for an organization).
    pub details: Source,
    /// For an organization (several details files, or a directory of them):
    /// every file and directory given, in order; empty for one account.
    pub organization: Vec<PathBuf>,
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
    /// `--exit-code`: whether the exit code says if anything changes.
    pub exit_code: bool,
    /// `--max-policy-size`, if given.
    pub max_policy_size: Option<usize>,
    /// `--terraform`, `--cloudformation` and their state.
    pub code: iac::CodeArgs,
    /// `--identity-center`, if given.
    pub identity_center: Option<PathBuf>,
}

impl AccountArgs {
    /// Checks what clap cannot: `--out` is not where the details or findings are.
    pub fn validate(self) -> Result<AccountConfig, Error> {
        let organization = org::organization_args(&self.details)?;
        let details = self
            .details
            .first()
            .map_or(Source::Stdin, |d| Source::from_arg(d));
        if let Some(out) = &self.out {
            let clash = self.findings.iter().any(|f| f == out)
                || matches!(&details, Source::Path(p) if p == out)
                || organization.iter().any(|d| d == out);
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
        if !organization.is_empty() {
            org::check_sources(&sources)?;
            if self.code.any() {
                return Err(Error::input(
                    "`--terraform` and `--cloudformation` are mapped against one account's details: run `pare account` on that account's details file for them",
                ));
            }
        } else if self.identity_center.is_some() {
            return Err(Error::input(
                "`--identity-center` plans permission sets across the accounts they are provisioned to: give every account's details (a directory of `<account-id>.json`, or several files)",
            ));
        }
        Ok(AccountConfig {
            details,
            organization,
            findings: self.findings,
            sources,
            catalog: self.catalog.catalog,
            out: self.out,
            format: self.format,
            exit_code: self.exit_code,
            max_policy_size: self.max_policy_size.map(|n| n as usize),
            code: self.code,
            identity_center: self.identity_center,
        })
    }
}

/// Runs `pare account`.
pub fn run(config: &AccountConfig, io: &mut Io<'_>) -> Result<i32, Error> {
    if !config.organization.is_empty() {
        return org::run(config, io);
    }
    // Refuse a bad `--out` before any work, so that nothing is computed for nothing.
    if let Some(out) = &config.out {
        check_out_dir(out)?;
    }
    config.code.check()?;
    let details = input::read_text(&config.details, input::Kind::Data, io)?;
    let account = Account::parse(&details.text)
        .map_err(|e| Error::input(format!("{}: {e}", details.name)))?;
    // The text is not needed once parsed; it would be held to the end.
    drop(details);
    let findings = read_findings(&config.findings, io.limits)?;
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let (usage, source_reports) = config.sources.apply(findings, &account, &catalog, io)?;

    let options = plan_options(config, max_threads(), io.limits);
    // The plan takes the usage: each principal's set moves into it rather
    // than being copied, and the rest goes before output.
    let plan = plan_with_progress(&account, usage, catalog.table(), &options, io);
    // The policies the code holds change there, by patches; see iac.rs.
    let code = if config.code.any() {
        Some(iac::map(
            &config.code,
            &iac::Context {
                account: &account,
                plan: &plan,
                table: catalog.table(),
                options: &options.refine,
                limits: io.limits,
            },
        )?)
    } else {
        None
    };
    let view = View {
        account: &account,
        plan: &plan,
        code: code.as_ref(),
    };

    let mut layout_notes = Vec::new();
    if let Some(out) = &config.out {
        let layout = view.layout();
        write_out_dir(out, |write| view.out_files(&layout, write))?;
        layout_notes = layout.notes;
    }
    view.print(config.format, &source_reports, io)?;
    for diagnostic in &plan.diagnostics {
        write_warning(
            io,
            &format!(
                "warning: {}: {}",
                Escaped(&diagnostic.subject),
                Escaped(&diagnostic.message)
            ),
        )?;
    }
    for note in code.iter().flat_map(|c| &c.notes).chain(&layout_notes) {
        write_warning(io, &format!("warning: {}", Escaped(note)))?;
    }
    if let Some(out) = &config.out {
        writeln!(
            io.stderr,
            "note: wrote the plan to `{}`; review the diffs, then run `{}`",
            Escaped(&out.display().to_string()),
            Escaped(&out.join("apply.sh").display().to_string())
        )?;
    }
    Ok(if config.exit_code {
        plan_exit_code(&plan)
    } else {
        exit::SUCCESS
    })
}

/// How many threads a plan may use.
fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// The planner's options: `threads` for one account's policies, the
/// `--max-policy-size`, and the catalog's date for the refinements.
fn plan_options(config: &AccountConfig, threads: usize, limits: input::Limits) -> PlanOptions {
    PlanOptions {
        threads,
        max_policy_size: config.max_policy_size,
        refine: pare_engine::RefineOptions {
            catalog_date: crate::sources::catalog_data_date(config.catalog.as_deref(), limits),
            ..pare_engine::RefineOptions::default()
        },
    }
}

/// Plans the account, counting the policies refined on a terminal.
fn plan_with_progress(
    account: &Account,
    usage: pare_engine::account::PrincipalUsage,
    table: pare_engine::ActionTable<'_>,
    options: &PlanOptions,
    io: &mut Io<'_>,
) -> Plan {
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
    account::plan_owned(account, usage, table, options, &mut progress)
}

/// Writes a warning on stderr, kept to [`DIAGNOSTIC_WIDTH`] columns with
/// continuation lines indented (`--format json` has each whole, with its
/// code).
fn write_warning(io: &mut Io<'_>, line: &str) -> Result<(), Error> {
    io.stderr
        .write_all(table::wrap(line, DIAGNOSTIC_WIDTH).as_bytes())?;
    Ok(())
}

impl View<'_> {
    /// Prints the plan on stdout in the format asked for; the source
    /// reports end the table, and go on stderr beside a CSV.
    fn print(
        &self,
        format: AccountFormat,
        source_reports: &[crate::sources::PrincipalReport],
        io: &mut Io<'_>,
    ) -> Result<(), Error> {
        let text = match format {
            AccountFormat::Table => {
                self.table(io.columns) + &crate::sources::account_table_section(source_reports)
            }
            AccountFormat::Json => {
                // Written as it is built, one principal at a time: the whole
                // document as a `Value` and then as text took several times the
                // memory of the plan itself.
                let mut frame = self.json_frame();
                crate::sources::add_to_json(&mut frame, source_reports);
                let mut out = std::io::BufWriter::new(&mut io.stdout);
                let document = JsonOut {
                    view: self,
                    frame: &frame,
                };
                serde_json::to_writer_pretty(&mut out, &document).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
                out.flush()?;
                String::new()
            }
            AccountFormat::Csv => self.csv()?,
        };
        io.stdout.write_all(text.as_bytes())?;
        if format == AccountFormat::Csv {
            // CSV has no room for them: the source reports go beside it.
            let section = crate::sources::account_table_section(source_reports);
            io.stderr.write_all(section.trim_start().as_bytes())?;
        }
        Ok(())
    }
}

/// The split alternative of an over-quota managed policy.
enum Split {
    /// A statement alone is over the quota: no split by statements fits.
    Impossible,
    /// `parts` policies would each fit; the principal that attaches most
    /// managed policies would then attach `attached`.
    Parts { parts: usize, attached: usize },
}

impl Split {
    /// The trade-off, in a few words.
    fn describe(&self) -> String {
        use crate::split::{DEFAULT_ATTACHED, MAX_ATTACHED};
        match *self {
            Split::Impossible => "cannot be split: one statement alone is over".to_string(),
            Split::Parts { parts, attached } if attached <= DEFAULT_ATTACHED => format!(
                "fits split into {parts} managed policies (attached: {attached} of {DEFAULT_ATTACHED})"
            ),
            Split::Parts { parts, attached } if attached <= MAX_ATTACHED => format!(
                "fits split into {parts} managed policies if the attached quota is raised ({attached} of {MAX_ATTACHED} max)"
            ),
            Split::Parts { parts, attached } => format!(
                "a split needs {parts} managed policies: {attached} attached is over IAM's {MAX_ATTACHED}"
            ),
        }
    }
}

/// The widest a warning line of `pare account` is, in columns (a word
/// longer than that, an ARN, keeps a line of its own).
const DIAGNOSTIC_WIDTH: usize = 100;

/// `--exit-code`'s answer for a plan: [`exit::SUCCESS`] when no policy
/// changes, [`exit::DETACH`] when every change removes a policy whole
/// (detach, delete-inline), [`exit::CHANGED`] otherwise.
fn plan_exit_code(plan: &Plan) -> i32 {
    let mut changes = plan.policies.iter().filter(|p| p.decision.changes());
    let Some(first) = changes.next() else {
        return exit::SUCCESS;
    };
    let removes = |p: &PolicyPlan| matches!(p.decision, Decision::Detach | Decision::DeleteInline);
    if removes(first) && changes.all(removes) {
        exit::DETACH
    } else {
        exit::CHANGED
    }
}

/// Every finding of every file, files in argument order and directories in
/// name order. A file that cannot be read or parsed stops the run.
fn read_findings(paths: &[PathBuf], limits: input::Limits) -> Result<Vec<Finding>, Error> {
    let files = findings_files(paths)?;
    let mut findings = Vec::new();
    // One reader for every file: a directory of a finding per file shares
    // the action names of all of them.
    let mut reader = pare_engine::FindingsReader::new();
    for file in files {
        let name = file.display().to_string();
        let cannot_read = |e| Error::input(format!("cannot read `{name}`")).with_source(e);
        // An organization's stream is hundreds of MB: its values are read
        // one at a time, the text of each dropped once it is a finding.
        let mut parsed = Vec::new();
        // A pipe cannot be read again for its error: it is read whole.
        let clean = std::fs::metadata(&file).is_ok_and(|m| m.is_file())
            && limits
                .stream_json_values(&file, input::Kind::Data, |_, text, _: IgnoredAny| {
                    reader.value(text).map(|f| parsed.extend(f)).is_some()
                })
                .map_err(cannot_read)?;
        if !clean {
            // The whole-file reader reports what is wrong, as it always has.
            parsed = read_findings_whole(&file, limits)?;
        }
        findings.extend(parsed);
    }
    Ok(findings)
}

/// The findings of a whole file (none when it is empty), or the error that
/// names what is wrong with it.
pub(super) fn read_findings_whole(
    path: &std::path::Path,
    limits: input::Limits,
) -> Result<Vec<Finding>, Error> {
    let name = path.display().to_string();
    let bytes = limits
        .read_file(path, input::Kind::Data)
        .map_err(|e| Error::input(format!("cannot read `{name}`")).with_source(e))?;
    let text = input::decode(&name, bytes)?;
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    pare_engine::parse_findings(&text).map_err(|e| Error::input(format!("{name}: {e}")))
}

/// The files `--findings` names: each file, and each directory's files in
/// name order (hidden ones left out).
pub(super) fn findings_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
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
    Ok(files)
}

/// The plan with the account it was made from, for rendering.
struct View<'a> {
    account: &'a Account,
    plan: &'a Plan,
    /// `--terraform`/`--cloudformation`: what the code does with each policy.
    code: Option<&'a iac::CodeMap>,
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

    /// What the code given does with the plan's policy `index`, if any.
    fn code_status(&self, index: usize) -> Option<&iac::Status> {
        self.code.and_then(|c| c.status.get(&index))
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
        if let Some(status) = self.code_status(row.holding.policy) {
            notes.push(status.note());
        }
        if let Some(quota) = &policy.quota {
            if quota.over() && policy.decision.changes() {
                notes.push(format!(
                    "OVER QUOTA: {} {} > {}",
                    quota.describe(),
                    thousands(quota.used),
                    thousands(quota.limit)
                ));
                if let Some(split) = self.split(policy) {
                    notes.push(split.describe());
                }
            }
        }
        if let Some(version) = &policy.delete_version {
            if policy.decision == Decision::NewVersion {
                notes.push(format!("5 versions: deletes {version} first"));
            }
        }
        notes.join("; ")
    }

    /// For a managed policy whose refinement is over its quota: the
    /// alternative of splitting its statements across several new managed
    /// policies, and what that costs the principals that attach it.
    fn split(&self, policy: &PolicyPlan) -> Option<Split> {
        let quota = policy.quota.filter(|q| q.over())?;
        if !matches!(policy.reference, PolicyRef::Managed(_)) {
            return None;
        }
        let outcome = policy.outcome.as_ref()?;
        let Some(parts) = crate::split::count(&outcome.policy, quota.limit) else {
            return Some(Split::Impossible);
        };
        // Each attaching principal trades this one slot for the parts.
        let attached = policy
            .attachments
            .iter()
            .filter_map(|&a| self.account.entities.get(a))
            .map(|e| e.attached.len().saturating_sub(1) + parts)
            .max()
            .unwrap_or(parts);
        Some(Split::Parts { parts, attached })
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
