//! `pare usage`: scan CloudTrail logs once into a usage file, per principal
//! the actions used with first and last seen and counts, that `--used` reads
//! (so a month of logs is scanned once and reviewed as text).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use pare_engine::Window;
use pare_engine::usage::UsageFile;

use crate::args::{CatalogArgs, OutputArgs};
use crate::error::Error;
use crate::exit;
use crate::input::Catalog;
use crate::io::Io;

/// `pare usage`'s arguments as clap reads them.
#[derive(Clone, Debug, Args)]
pub struct UsageArgs {
    /// CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail
    /// lookup-events` output, JSON Lines of events, or a directory tree of them. Repeat
    /// for more.
    #[arg(long, value_name = "PATH", required = true)]
    pub cloudtrail: Vec<PathBuf>,

    /// Keep only this role or user (its full ARN). Repeat for more; default: every
    /// principal the logs show.
    #[arg(long, value_name = "ARN")]
    pub principal: Vec<String>,

    /// The window the file is meant for, in days before `--as-of`: pare warns when the
    /// logs cover less of it and counts the events before it. The file keeps every
    /// time, so it can be read against any window later.
    #[arg(long, value_name = "DAYS")]
    pub unused_since: Option<u32>,

    #[command(flatten)]
    pub catalog: CatalogArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `pare usage`, validated.
#[derive(Clone, Debug)]
pub struct Usage {
    /// The log paths.
    pub cloudtrail: Vec<PathBuf>,
    /// The principals to keep; empty: all.
    pub principals: Vec<String>,
    /// `--unused-since`.
    pub unused_since: Option<u32>,
    /// `--as-of`.
    pub as_of: Option<String>,
    /// `--catalog`.
    pub catalog: Option<PathBuf>,
}

impl UsageArgs {
    /// Checks what clap cannot: principals are ARNs.
    pub fn validate(self) -> Result<Usage, Error> {
        if let Some(bad) = self.principal.iter().find(|p| !p.starts_with("arn:")) {
            return Err(Error::input(format!(
                "`--principal {}`: give the role's or user's full ARN",
                crate::safe::escape(bad)
            )));
        }
        Ok(Usage {
            cloudtrail: self.cloudtrail,
            principals: self.principal,
            unused_since: self.unused_since,
            as_of: self.catalog.as_of,
            catalog: self.catalog.catalog,
        })
    }
}

/// Runs `pare usage`: the usage file on stdout (or `-o FILE`), the scan's
/// notes and warnings on stderr.
pub fn run(config: &Usage, io: &mut Io<'_>) -> Result<i32, Error> {
    let catalog = Catalog::load(config.catalog.as_deref(), io.limits)?;
    let table = catalog.table();
    let as_of = match &config.as_of {
        Some(text) => crate::sources::parse_as_of(text)?,
        None => crate::sources::timestamp(io.now),
    };
    let window = config.unused_since.map(|days| Window { as_of, days });
    let scan = crate::cloudtrail::scan(&config.cloudtrail, window.as_ref(), io)?;
    let events = catalog.events();
    let files = u64::try_from(scan.files).unwrap_or(u64::MAX);
    let mut file = UsageFile::from_scan(&scan.trail, files, &events, table);
    if !config.principals.is_empty() {
        let missing: Vec<&String> = config
            .principals
            .iter()
            .filter(|p| !file.principals.iter().any(|u| &u.principal == *p))
            .collect();
        file.principals
            .retain(|u| config.principals.contains(&u.principal));
        for arn in missing {
            writeln!(
                io.stderr,
                "note: the logs show no call by `{}`",
                crate::safe::escape(arn)
            )?;
        }
    }
    let (mut notes, mut warnings) = crate::cloudtrail::scan_notes(&scan, window.as_ref());
    crate::cloudtrail::note_event_table(&catalog, &mut notes, &mut warnings);
    for warning in &warnings {
        writeln!(io.stderr, "warning: {}", crate::safe::escape(warning))?;
    }
    for note in &notes {
        writeln!(io.stderr, "note: {}", crate::safe::escape(note))?;
    }
    let unmapped: u64 = file
        .principals
        .iter()
        .flat_map(|p| p.unmapped.iter().map(|c| c.seen.count))
        .sum();
    if unmapped > 0 {
        writeln!(
            io.stderr,
            "note: cloudtrail: {unmapped} event(s) the event table cannot map, listed as `unmapped` per principal: their services stay granted"
        )?;
    }
    let no_permission: u64 = file
        .principals
        .iter()
        .flat_map(|p| p.no_permission.iter().map(|c| c.seen.count))
        .sum();
    if no_permission > 0 {
        writeln!(
            io.stderr,
            "note: cloudtrail: {no_permission} event(s) of operations that need no permission (`sts:GetCallerIdentity`, console sign-in, ...), listed as `noPermission` per principal: they keep no service"
        )?;
    }
    writeln!(
        io.stderr,
        "note: {} principal(s), {} distinct (principal, action) pair(s)",
        file.principals.len(),
        file.principals
            .iter()
            .map(|p| p.actions.len())
            .sum::<usize>()
    )?;
    io.stdout.write_all(file.to_json().as_bytes())?;
    Ok(exit::SUCCESS)
}
