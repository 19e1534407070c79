//! `pare account` over an organization: several details files, one account
//! each, and one findings stream for all of them.
//!
//! Each file is planned as its own [`Account`], one after the other, so that
//! only one account's details and plan are in memory at a time and the plan
//! is streamed to disk. The findings are read once and split by the account
//! of their resource ARN: a finding reaches only the account it names, and
//! one for an account no details file covers is reported, never applied.
//! Customer managed policies, same-named roles and groups are therefore per
//! account by construction.
//!
//! The account id comes from the details (the account every ARN in it names),
//! is checked to be twelve digits and then becomes a directory name through
//! [`safe::path_component`], the one sanitizer of names that reach a path.

use pare_engine::account::{account_of_arn, is_account_id};

use super::*;

mod findings;
mod summary;
use summary::*;

/// The details arguments of an organization run: every argument when there
/// are several, or the one when it is a directory; empty for one account,
/// which keeps the single-account behaviour and layout.
pub(super) fn organization_args(details: &[OsString]) -> Result<Vec<PathBuf>, Error> {
    if let [one] = details {
        if !Path::new(one).is_dir() {
            return Ok(Vec::new());
        }
    }
    if details.iter().any(|d| d == "-") {
        return Err(Error::input(
            "`-` (stdin) holds one account's details: for an organization, give a file per account or a directory of them",
        ));
    }
    Ok(details.iter().map(PathBuf::from).collect())
}

/// The usage sources an organization run takes: the findings stream (and
/// `--unused-since` over it), and `--used` and `--last-accessed` for
/// principals named by ARN, whose account says which details they belong to.
/// `--cloudtrail` reads one account's logs against its details: refused.
pub(super) fn check_sources(sources: &crate::sources::AccountSources) -> Result<(), Error> {
    if !sources.cloudtrail.is_empty() {
        return Err(Error::input(
            "`--cloudtrail` is read against one account's details: run `pare account` on that account's details file for it",
        ));
    }
    for (flag, list) in [
        ("--used", &sources.used),
        ("--last-accessed", &sources.last_accessed),
    ] {
        for item in list {
            if !account_of_arn(&item.principal).is_some_and(is_account_id) {
                return Err(Error::input(format!(
                    "`{flag} {}={}`: with several accounts, name the principal by its ARN (its account says which details it belongs to)",
                    item.principal,
                    item.file.display()
                )));
            }
        }
    }
    Ok(())
}

/// `--used` and `--last-accessed` items for principals of an account not in
/// the run: an error, as a file for an unknown principal is for one account.
fn check_sources_placed(
    sources: &crate::sources::AccountSources,
    planned: &BTreeMap<String, String>,
) -> Result<(), Error> {
    for (flag, list) in [
        ("--used", &sources.used),
        ("--last-accessed", &sources.last_accessed),
    ] {
        for item in list {
            let account = account_of_arn(&item.principal).unwrap_or("");
            if !planned.contains_key(account) {
                return Err(Error::input(format!(
                    "`{flag} {}={}`: account {account} is not in this run (no details file describes it)",
                    item.principal,
                    item.file.display()
                )));
            }
        }
    }
    Ok(())
}

/// Every details file: files as given, and each directory's `*.json` files
/// in name order (hidden ones left out).
fn details_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for arg in args {
        if !arg.is_dir() {
            files.push(arg.clone());
            continue;
        }
        let entries = std::fs::read_dir(arg).map_err(|e| {
            Error::input(format!("cannot read the directory `{}`", arg.display())).with_source(e)
        })?;
        let mut names: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        if names.is_empty() {
            return Err(Error::input(format!(
                "`{}` holds no `.json` file: expected one details file per account, `<account-id>.json`",
                arg.display()
            )));
        }
        names.sort();
        files.extend(names);
    }
    Ok(files)
}

/// Per (permission set name, account): the unused set of its
/// `AWSReservedSSO_` role there (`None`: the role has no finding).
pub(super) type AccountRoles = HashMap<(String, String), Option<pare_engine::UnusedSet>>;

/// Whether a policy's change is one apply.sh makes.
fn applied(policy: &PolicyPlan) -> bool {
    policy.decision.changes() && !policy.quota.is_some_and(|q| q.over())
}

impl View<'_> {
    /// This account's line of the summary.
    fn org_row(&self, account_id: &str, details: &str) -> AccountRow {
        let mut row = AccountRow {
            account_id: account_id.to_string(),
            details: details.to_string(),
            principals: self.plan.principals.len(),
            policies: self.plan.policies.len(),
            findings: self.plan.counts.clone(),
            diagnostics: self.plan.diagnostics.clone(),
            ..AccountRow::default()
        };
        row.principals_refined = self
            .plan
            .principals
            .iter()
            .filter(|p| {
                p.holdings
                    .iter()
                    .any(|h| self.plan.policies.get(h.policy).is_some_and(applied))
            })
            .count();
        for policy in &self.plan.policies {
            if matches!(policy.decision, Decision::Skipped { .. }) {
                row.refused.skipped += 1;
            }
            if !policy.decision.changes() {
                continue;
            }
            if !applied(policy) {
                row.refused.over_quota += 1;
                continue;
            }
            row.changed += 1;
            match policy.decision {
                Decision::PutInline => row.put_inline += 1,
                Decision::DeleteInline => row.delete_inline += 1,
                Decision::NewVersion => row.new_version += 1,
                Decision::Detach => row.detached += 1,
                Decision::Replace { .. } => row.replaced += 1,
                Decision::Keep | Decision::Skipped { .. } => {}
            }
            levels::add(&mut row.removed, &Self::removed(policy));
        }
        row.refused.findings_not_applied =
            self.plan.counts.unknown_principal + self.plan.counts.other_account;
        row
    }
}

/// Runs `pare account` over several accounts.
pub(super) fn run(config: &AccountConfig, io: &mut Io<'_>) -> Result<i32, Error> {
    if let Some(out) = &config.out {
        check_out_dir(out)?;
    }
    let files = details_files(&config.organization)?;
    let by_account = findings::scan(&config.findings, io.limits)?;
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let permission_sets = match &config.identity_center {
        Some(dir) => identity_center::read_bundle(dir, io)?,
        None => Vec::new(),
    };
    // Accounts are planned in parallel, each on one thread; a lone account
    // uses the threads inside its plan instead.
    let threads = max_threads();
    let workers = threads.min(files.len());
    let options = plan_options(config, if workers > 1 { 1 } else { threads }, io.limits);
    let mut run = OrgRun {
        config,
        catalog: &catalog,
        options: &options,
        by_account,
        seen: BTreeMap::new(),
        summary: Summary::default(),
        exit: exit::SUCCESS,
        roles: AccountRoles::new(),
    };
    match &config.out {
        Some(out) => write_out_dir(out, |write| {
            run.plan_all(&files, workers, &permission_sets, io, Some(write))
        })?,
        None => run.plan_all(&files, workers, &permission_sets, io, None)?,
    }
    if io.stderr_is_terminal && files.len() > 1 {
        write!(io.stderr, "\r\x1b[K")?;
    }
    if config.identity_center.is_some() {
        write_sets_not_in_bundle(&run.roles, &permission_sets, io)?;
    }
    let (summary, code) = run.finish();
    for unplaced in &summary.unplaced_findings {
        write_warning(io, &unplaced_warning(unplaced))?;
    }
    print_summary(config.format, &summary, io)?;
    if let Some(out) = &config.out {
        writeln!(
            io.stderr,
            "note: wrote the plan of {} to `{}`, a directory per account; review the diffs, then run each `{}` with `--profile` naming a profile for that account",
            plural(summary.accounts.len(), "account", "accounts"),
            Escaped(&out.display().to_string()),
            Escaped(&out.join("ACCOUNT").join("apply.sh").display().to_string())
        )?;
    }
    Ok(if config.exit_code {
        code
    } else {
        exit::SUCCESS
    })
}

/// Roles of permission sets the bundle does not have: nothing can be
/// planned for them.
fn write_sets_not_in_bundle(
    roles: &AccountRoles,
    permission_sets: &[identity_center::PermissionSet],
    io: &mut Io<'_>,
) -> Result<(), Error> {
    let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (set, account) in roles.keys() {
        if !permission_sets.iter().any(|p| p.name == *set) {
            missing.entry(set).or_default().push(account);
        }
    }
    for (set, mut accounts) in missing {
        accounts.sort_unstable();
        write_warning(
            io,
            &format!(
                "warning: the permission set `{}` of the Identity Center roles in {} is not in the `--identity-center` bundle: nothing is planned for it",
                Escaped(set),
                accounts.join(", ")
            ),
        )?;
    }
    Ok(())
}

/// The warning for findings no account of the run took.
fn unplaced_warning(unplaced: &Unplaced) -> String {
    if unplaced.account_id.is_empty() {
        format!(
            "warning: {} no account in their resource ARN; they are not applied to any account",
            plural(unplaced.findings, "finding names", "findings name")
        )
    } else {
        format!(
            "warning: {} for account {}, which no details file covers: not applied to any account",
            plural(unplaced.findings, "finding is", "findings are"),
            Escaped(&unplaced.account_id)
        )
    }
}

/// Prints the organization summary on stdout in the format asked for.
fn print_summary(format: AccountFormat, summary: &Summary, io: &mut Io<'_>) -> Result<(), Error> {
    let text = match format {
        AccountFormat::Table => summary_table(summary),
        AccountFormat::Json => {
            let mut text = serde_json::to_string_pretty(summary)
                .map_err(|e| Error::input("cannot write JSON").with_source(e))?;
            text.push('\n');
            text
        }
        AccountFormat::Csv => summary_csv(summary)?,
    };
    io.stdout.write_all(text.as_bytes())?;
    if format == AccountFormat::Csv {
        // The CSV has one row per account: the permission sets go beside it.
        for set in &summary.permission_sets {
            writeln!(io.stderr, "{}", set.line())?;
        }
    }
    Ok(())
}

/// The state of a run between accounts.
struct OrgRun<'a> {
    config: &'a AccountConfig,
    catalog: &'a Catalog,
    options: &'a PlanOptions,
    /// The findings not yet given to an account, by the account they name.
    by_account: findings::ByAccount,
    /// The accounts planned, with the file each came from.
    seen: BTreeMap<String, String>,
    summary: Summary,
    exit: i32,
    /// The Identity Center roles met, for the permission sets' plan.
    roles: AccountRoles,
}

/// An account read and placed, to be planned on any thread.
struct Prepared {
    /// The details file's name, as messages give it.
    name: String,
    id: String,
    /// Its directory in the plan.
    dir: String,
    account: Account,
    /// Its findings, read on the thread that plans it.
    findings: Option<findings::Share>,
    /// This account's share of the per-principal sources.
    sources: crate::sources::AccountSources,
}

/// An account planned, to be reported and written in the files' order.
struct Planned {
    name: String,
    id: String,
    dir: String,
    account: Account,
    /// What planning wrote on stderr.
    stderr: Vec<u8>,
    plan: Result<(Plan, Vec<crate::sources::PrincipalReport>), Error>,
}

/// Everything of the run's [`Io`] but its streams, for a worker's own.
#[derive(Clone, Copy)]
struct Streamless {
    stdout_is_terminal: bool,
    stderr_is_terminal: bool,
    now: std::time::SystemTime,
    limits: input::Limits,
    color: crate::io::ColorWhen,
    no_color_env: bool,
    verbose: bool,
    columns: Option<usize>,
}

impl Streamless {
    fn of(io: &Io<'_>) -> Streamless {
        Streamless {
            stdout_is_terminal: io.stdout_is_terminal,
            stderr_is_terminal: io.stderr_is_terminal,
            now: io.now,
            limits: io.limits,
            color: io.color,
            no_color_env: io.no_color_env,
            verbose: io.verbose,
            columns: io.columns,
        }
    }

    /// An [`Io`] with no input, no output and `stderr` collected.
    fn io(self, stderr: &mut Vec<u8>) -> Io<'_> {
        Io {
            stdin: Box::new(std::io::empty()),
            stdout: Box::new(std::io::sink()),
            stderr: Box::new(stderr),
            stdout_is_terminal: self.stdout_is_terminal,
            stderr_is_terminal: self.stderr_is_terminal,
            now: self.now,
            limits: self.limits,
            color: self.color,
            no_color_env: self.no_color_env,
            verbose: self.verbose,
            columns: self.columns,
        }
    }
}

/// What the calling thread of an organization run holds between accounts.
struct Driver<'r, 'a, 'i, 'w> {
    run: &'r mut OrgRun<'a>,
    io: &'r mut Io<'i>,
    write: Option<&'r mut (dyn FnMut(OutFile) -> Result<(), Error> + 'w)>,
}

/// Reads, plans and (with `--out`) writes every account: planned on
/// `threads` threads, reported and written in the files' order.
fn plan_accounts(
    driver: &mut Driver<'_, '_, '_, '_>,
    files: &[PathBuf],
    threads: usize,
) -> Result<(), Error> {
    let total = files.len();
    let streamless = Streamless::of(driver.io);
    let (catalog, options) = (driver.run.catalog, driver.run.options);
    ordered::run(
        total,
        threads,
        driver,
        |driver, n| match files.get(n) {
            Some(file) => driver.run.prepare(file, driver.io),
            None => Err(Error::input(format!("no details file number {n}"))),
        },
        |prepared| plan_one(prepared, catalog, options, streamless),
        |driver, planned| {
            let Driver { run, io, write } = driver;
            run.emit(planned, files, io, write.as_deref_mut())
        },
    )
}

/// Plans one account, on any thread.
fn plan_one(
    prepared: Prepared,
    catalog: &Catalog,
    options: &PlanOptions,
    streamless: Streamless,
) -> Planned {
    let Prepared {
        name,
        id,
        dir,
        account,
        findings,
        sources,
    } = prepared;
    let mut stderr = Vec::new();
    let findings = findings.map_or(Ok(Vec::new()), |share| share.read(&id));
    let applied =
        findings.and_then(|f| sources.apply(f, &account, catalog, &mut streamless.io(&mut stderr)));
    let plan = applied.map(|(usage, reports)| {
        let plan = account::plan_owned(&account, usage, catalog.table(), options, &mut |_, _| {});
        (plan, reports)
    });
    Planned {
        name,
        id,
        dir,
        account,
        stderr,
        plan,
    }
}

impl OrgRun<'_> {
    /// Plans every account, checks that each per-principal source found its
    /// account, then plans the permission sets from the roles the accounts
    /// hold; with `--out`, writes each plan as it is made.
    fn plan_all(
        &mut self,
        files: &[PathBuf],
        workers: usize,
        permission_sets: &[identity_center::PermissionSet],
        io: &mut Io<'_>,
        mut write: Option<&mut dyn FnMut(OutFile) -> Result<(), Error>>,
    ) -> Result<(), Error> {
        let mut driver = Driver {
            run: &mut *self,
            io,
            write: write.as_deref_mut(),
        };
        plan_accounts(&mut driver, files, workers)?;
        check_sources_placed(&self.config.sources, &self.seen)?;
        self.summary.permission_sets = identity_center::plan_sets(
            permission_sets,
            &self.roles,
            &self.seen,
            self.catalog.table(),
            &self.options.refine,
            write,
        )?;
        Ok(())
    }

    /// The summary completed: the findings no account took, sorted, and
    /// the total row; and the run's exit code, the permission sets' with it.
    fn finish(self) -> (Summary, i32) {
        let OrgRun {
            mut summary,
            by_account,
            exit: mut code,
            ..
        } = self;
        for set in &summary.permission_sets {
            code = worse(code, set.exit_code());
        }
        for (account, findings) in by_account.into_rest() {
            summary.unplaced_findings.push(Unplaced {
                account_id: account,
                findings: findings.len(),
                ids: findings.ids(),
            });
        }
        summary
            .unplaced_findings
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
        let mut total_row = AccountRow {
            account_id: "total".to_string(),
            ..AccountRow::default()
        };
        for row in &summary.accounts {
            total_row.add(row);
        }
        summary.total = total_row;
        (summary, code)
    }

    /// Reads one account and places it: its id, checked once in the run,
    /// and its findings.
    fn prepare(&mut self, file: &Path, io: &mut Io<'_>) -> Result<Prepared, Error> {
        let details = input::read_text(&Source::Path(file.to_path_buf()), input::Kind::Data, io)?;
        let name = details.name.clone();
        let account =
            Account::parse(&details.text).map_err(|e| Error::input(format!("{name}: {e}")))?;
        drop(details);
        let id = account_id(&account, file, &name)?;
        if let Some(earlier) = self.seen.insert(id.clone(), name.clone()) {
            return Err(Error::input(format!(
                "`{earlier}` and `{name}` both describe account {id}: give each account once"
            )));
        }
        // The one sanitizer of names that reach a path; an id that passed
        // `is_account_id` comes out unchanged.
        let dir = safe::path_component(&id);
        let findings = self.by_account.take(&id);
        let mut sources = self.config.sources.clone();
        let here = |item: &crate::sources::PrincipalFile| {
            account_of_arn(&item.principal) == Some(id.as_str())
        };
        sources.used.retain(here);
        sources.last_accessed.retain(here);
        Ok(Prepared {
            name,
            id,
            dir,
            account,
            findings,
            sources,
        })
    }

    /// Reports one planned account and (with `--out`) writes its plan.
    fn emit(
        &mut self,
        planned: Planned,
        files: &[PathBuf],
        io: &mut Io<'_>,
        write: Option<&mut (dyn FnMut(OutFile) -> Result<(), Error> + '_)>,
    ) -> Result<(), Error> {
        let Planned {
            name,
            id,
            dir,
            account,
            stderr,
            plan,
        } = planned;
        let total = files.len();
        if io.stderr_is_terminal && total > 1 {
            let n = self.summary.accounts.len();
            write!(
                io.stderr,
                "\r\x1b[Kplanning account {}/{total}: {dir}",
                n + 1
            )?;
        }
        io.stderr.write_all(&stderr)?;
        let (plan, reports) = plan?;
        let view = View {
            account: &account,
            plan: &plan,
            code: None,
        };
        let mut notes = Vec::new();
        if let Some(write) = write {
            let layout = view.layout();
            view.out_files(&layout, &mut |f| write(f.under(&dir)))?;
            write(OutFile::text(
                format!("{dir}/plan.txt"),
                view.table(None) + &crate::sources::account_table_section(&reports),
            ))?;
            notes = layout.notes;
        }
        if io.stderr_is_terminal && total > 1 {
            write!(io.stderr, "\r\x1b[K")?;
        }
        for diagnostic in &plan.diagnostics {
            write_warning(
                io,
                &format!(
                    "warning: {dir}: {}: {}",
                    Escaped(&diagnostic.subject),
                    Escaped(&diagnostic.message)
                ),
            )?;
        }
        for note in &notes {
            write_warning(io, &format!("warning: {dir}: {}", Escaped(note)))?;
        }
        for (index, entity) in account.entities.iter().enumerate() {
            if let Some(set) = identity_center::role_set(entity) {
                let unused = plan
                    .principals
                    .iter()
                    .find(|p| p.entity == index)
                    .map(|p| p.unused.clone());
                self.roles.insert((set.to_string(), id.clone()), unused);
            }
        }
        self.exit = worse(self.exit, plan_exit_code(&plan));
        self.summary.accounts.push(view.org_row(&id, &name));
        Ok(())
    }
}

/// The id of the account `account` describes: the one its ARNs name, or,
/// for details that name none (an account without principals), the file's
/// name when it is `<account-id>.json`. Twelve digits, or an error; a file
/// named for another account than its ARNs is an error too.
fn account_id(account: &Account, file: &Path, name: &str) -> Result<String, Error> {
    let named = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| is_account_id(s));
    let id = match account.account_id() {
        Err(e) => {
            return Err(Error::input(format!(
                "{name}: {e}; give each account's details in a file of its own"
            )));
        }
        Ok(Some(id)) => id.to_string(),
        Ok(None) => named.clone().ok_or_else(|| {
            Error::input(format!(
                "{name}: no ARN in it names its account; name the file `<account-id>.json`"
            ))
        })?,
    };
    if !is_account_id(&id) {
        return Err(Error::input(format!(
            "{name}: its ARNs name the account `{id}`, which is not an AWS account id (12 digits)"
        )));
    }
    if let Some(named) = named.filter(|n| *n != id) {
        return Err(Error::input(format!(
            "{name}: the file is named for account {named}, but its ARNs are of account {id}"
        )));
    }
    Ok(id)
}

/// The exit code of two plans together: a change beats a removal beats nothing.
fn worse(a: i32, b: i32) -> i32 {
    let rank = |c: i32| match c {
        c if c == exit::CHANGED => 2,
        c if c == exit::DETACH => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_names_each_account_on_a_terminal_only() {
        use pare_testkit::synthetic;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("details")).unwrap();
        let mut findings = String::new();
        for (n, id) in ["100000000001", "100000000002"].into_iter().enumerate() {
            let account = synthetic::generate(pare_catalog::embedded(), 20, n as u64 + 1);
            std::fs::write(
                dir.path().join(format!("details/{id}.json")),
                account.details.replace(synthetic::ACCOUNT_ID, id),
            )
            .unwrap();
            findings.push_str(&account.findings.replace(synthetic::ACCOUNT_ID, id));
            findings.push('\n');
        }
        std::fs::write(dir.path().join("findings.jsonl"), findings).unwrap();
        for terminal in [false, true] {
            let args: Vec<OsString> = vec![
                "pare".into(),
                "account".into(),
                dir.path().join("details").into(),
                "--findings".into(),
                dir.path().join("findings.jsonl").into(),
                "--format".into(),
                "csv".into(),
            ];
            let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
            let code = {
                let mut io = Io::buffers(&[], &mut stdout, &mut stderr);
                io.stderr_is_terminal = terminal;
                crate::run(args, &mut io)
            };
            assert_eq!(code, 0);
            let stderr = String::from_utf8(stderr).unwrap();
            for line in [
                "planning account 1/2: 100000000001",
                "planning account 2/2: 100000000002",
            ] {
                assert_eq!(stderr.contains(line), terminal, "{stderr:?}");
            }
            let stdout = String::from_utf8(stdout).unwrap();
            assert_eq!(stdout.lines().count(), 3, "{stdout}");
            assert!(stdout.contains("\n100000000002,"), "{stdout}");
        }
    }

    #[test]
    fn exit_codes_combine_to_the_strongest() {
        assert_eq!(worse(exit::SUCCESS, exit::DETACH), exit::DETACH);
        assert_eq!(worse(exit::DETACH, exit::CHANGED), exit::CHANGED);
        assert_eq!(worse(exit::CHANGED, exit::DETACH), exit::CHANGED);
        assert_eq!(worse(exit::CHANGED, exit::SUCCESS), exit::CHANGED);
    }
}
