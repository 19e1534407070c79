//! `--cloudtrail PATH`: CloudTrail log files, gzipped or not, one by one or
//! as the directory tree CloudTrail delivers to S3
//! (`AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/...json.gz`),
//! decompressed and read file by file on several threads.
//!
//! Every file goes through [`crate::input::read_capped`], and so does what a
//! gzipped file inflates to: a small file that inflates without end is an
//! error at the cap, not an exhausted memory.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pare_engine::usage::{
    CloudTrail, Coverage, Observability, ObservedUsage, Tally, TrailConfig, UsageFile,
    coverage_lines,
};
use pare_engine::{Policy, Window};

use crate::error::Error;
use crate::input::{self, Catalog, Kind, Limits};
use crate::io::Io;

/// What to say about the event table `catalog` maps events with, when
/// `--catalog DIR` was given: a note when it came from the directory, a
/// warning when the embedded table stands in for it; nothing without
/// `--catalog`.
pub fn note_event_table(catalog: &Catalog, notes: &mut Vec<String>, warnings: &mut Vec<String>) {
    let Catalog::Dir(dir) = catalog else { return };
    let shown = dir.path().display().to_string();
    let shown = crate::safe::escape(&shown);
    match dir.events() {
        Ok(table) => notes.push(format!(
            "cloudtrail: events mapped with the table built from `{shown}` ({} events, sources named by {})",
            table.len(),
            pare_catalog::event_provenance().sdk
        )),
        Err(why) => warnings.push(format!(
            "cloudtrail: no event table could be built from `{shown}` ({}): events are mapped with the embedded table, of the reference of {}",
            crate::safe::escape(why),
            pare_catalog::event_provenance()
                .reference_date
                .unwrap_or("an unknown date")
        )),
    }
}

/// How deep a `--cloudtrail` directory is walked (S3's layout is seven levels).
const MAX_DEPTH: usize = 32;

/// The log files under `paths`: a file as given; a directory walked in name
/// order, taking `.json`, `.jsonl` and `.gz` files and skipping hidden ones
/// and CloudTrail's digest files (`CloudTrail-Digest/`, which hold hashes,
/// not events). Symbolic links to directories are not followed.
pub fn log_files(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, usize), Error> {
    let mut files = Vec::new();
    let mut skipped = 0;
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::input(format!(
                "cannot read `{}`",
                crate::safe::escape(&path.display().to_string())
            ))
            .with_source(e)
        })?;
        if meta.is_dir() {
            input::walk_dir(path, MAX_DEPTH, &mut |path, name, entry| {
                let take = entry == input::Entry::File
                    && [".json", ".jsonl", ".gz"]
                        .iter()
                        .any(|ext| name.ends_with(ext));
                if name.starts_with('.') || name == "CloudTrail-Digest" {
                    skipped += 1;
                    Ok(false)
                } else if entry == input::Entry::Dir {
                    Ok(true)
                } else {
                    if take {
                        files.push(path.to_path_buf());
                    } else {
                        skipped += 1;
                    }
                    Ok(false)
                }
            })?;
        } else {
            files.push(path.clone());
        }
    }
    Ok((files, skipped))
}

/// Reads one log file whole, inflating it when it is gzipped (whatever its name).
pub fn read_log(path: &Path, limits: Limits) -> Result<Vec<u8>, Error> {
    let name = || crate::safe::escape(&path.display().to_string()).into_owned();
    let bytes = limits
        .read_file(path, Kind::Data)
        .map_err(|e| Error::input(format!("cannot read `{}`", name())).with_source(e))?;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let decoder = flate2::read::MultiGzDecoder::new(bytes.as_slice());
    input::read_capped(decoder, None, limits.cap(Kind::Data), Kind::Data)
        .map_err(|e| Error::input(format!("`{}`: cannot decompress it", name())).with_source(e))
}

/// What a scan read.
#[derive(Debug)]
pub struct Scan {
    /// The events, per principal and operation.
    pub trail: CloudTrail,
    /// How many files were read.
    pub files: usize,
    /// How many directory entries were skipped (not log files).
    pub skipped: usize,
}

/// Reads every log file under `paths` on up to as many threads as there are
/// cores, each into its own [`CloudTrail`], merged at the end. On a terminal,
/// a progress line on stderr counts the files.
pub fn scan(paths: &[PathBuf], window: Option<&Window>, io: &mut Io<'_>) -> Result<Scan, Error> {
    let (files, skipped) = log_files(paths)?;
    if files.is_empty() {
        return Err(Error::input(format!(
            "no CloudTrail log file (`.json`, `.jsonl`, `.gz`) under {}",
            paths
                .iter()
                .map(|p| format!("`{}`", crate::safe::escape(&p.display().to_string())))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, 8)
        .min(files.len());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<(usize, Error)>> = Mutex::new(None);
    let limits = io.limits;
    let progress = io.stderr_is_terminal;
    let mut scans: Vec<CloudTrail> = Vec::with_capacity(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut trail = CloudTrail::new(window);
                    while !stop.load(Ordering::Relaxed) {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(index) else { break };
                        let result = read_log(path, limits).and_then(|bytes| {
                            trail.read(&bytes).map_err(|e| {
                                Error::input(format!(
                                    "{}: {e}",
                                    crate::safe::escape(&path.display().to_string())
                                ))
                            })
                        });
                        if let Err(err) = result {
                            stop.store(true, Ordering::Relaxed);
                            if let Ok(mut slot) = failure.lock() {
                                if slot.as_ref().is_none_or(|(i, _)| index < *i) {
                                    *slot = Some((index, err));
                                }
                            }
                            break;
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    trail
                })
            })
            .collect();
        if progress {
            while workers.iter().any(|w| !w.is_finished()) {
                let _ = write!(
                    io.stderr,
                    "\rreading CloudTrail logs: {} of {} file(s)",
                    done.load(Ordering::Relaxed),
                    files.len()
                );
                let _ = io.stderr.flush();
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = write!(io.stderr, "\r\x1b[2K");
        }
        for worker in workers {
            if let Ok(trail) = worker.join() {
                scans.push(trail);
            }
        }
    });
    if let Some((_, err)) = failure.into_inner().ok().flatten() {
        return Err(err);
    }
    let mut trail = CloudTrail::new(window);
    for scan in scans {
        trail.merge(scan);
    }
    Ok(Scan {
        trail,
        files: files.len(),
        skipped,
    })
}

/// Reads each `--trail-config FILE` and combines them (an event counts as
/// logged when any trail logs it), or assumes the default trail.
pub fn trail_config(files: &[OsString], io: &mut Io<'_>) -> Result<TrailConfig, Error> {
    let mut configs = Vec::with_capacity(files.len());
    for file in files {
        let source = input::Source::from_arg(file);
        let text = input::read_text(&source, Kind::Data, io)?;
        let mut config = TrailConfig::parse(&text.text)
            .map_err(|e| Error::input(format!("{}: {e}", text.name)))?;
        if files.len() > 1 {
            for note in &mut config.notes {
                *note = format!("{}: {note}", text.name);
            }
        }
        configs.push(config);
    }
    Ok(TrailConfig::combine(configs))
}

/// The principal to refine for: `--principal`, or the only one the logs show.
pub fn choose_principal(shown: &[&str], principal: Option<&str>) -> Result<String, Error> {
    match principal {
        Some(arn) => {
            if !arn.starts_with("arn:") {
                return Err(Error::input(format!(
                    "`--principal {}`: give the role's or user's full ARN",
                    crate::safe::escape(arn)
                )));
            }
            Ok(arn.to_string())
        }
        None => match shown {
            [one] => Ok((*one).to_string()),
            [] => Err(Error::input(
                "the CloudTrail logs show no role or user: nothing to tell used from unused",
            )),
            several => Err(Error::input(format!(
                "the CloudTrail logs show {} principals: choose one with `--principal ARN`",
                several.len()
            ))
            .with_details(
                several
                    .iter()
                    .map(|p| format!("  {}", crate::safe::escape(p)))
                    .collect(),
            )),
        },
    }
}

/// The notes of a scan: what was read, what the logs cover, what could not
/// be attributed; and the warnings (coverage shorter than the window).
pub fn scan_notes(scan: &Scan, window: Option<&Window>) -> (Vec<String>, Vec<String>) {
    let trail = &scan.trail;
    let mut read = format!(
        "cloudtrail: read {} event(s) from {} file(s)",
        trail.events(),
        scan.files
    );
    if scan.skipped > 0 {
        read.push_str(&format!(" ({} other entr(ies) skipped)", scan.skipped));
    }
    let unattributed: Vec<(&str, &Tally)> = trail
        .unattributed()
        .iter()
        .map(|(r, t)| (r.as_str(), t))
        .collect();
    let before = window.map(|_| trail.before_window());
    summary(
        read,
        trail.denied(),
        before,
        &trail.coverage(),
        &unattributed,
        window,
    )
}

/// The notes and warnings shared by logs and usage files.
fn summary(
    read: String,
    denied: u64,
    before_window: Option<u64>,
    coverage: &[(&str, &Coverage)],
    unattributed: &[(&str, &Tally)],
    window: Option<&Window>,
) -> (Vec<String>, Vec<String>) {
    let mut notes = vec![read];
    let mut warnings = Vec::new();
    if denied > 0 {
        notes.push(format!(
            "cloudtrail: {denied} denied call(s) count as used: they show the principal means to make them"
        ));
    }
    if let Some(before) = before_window.filter(|n| *n > 0) {
        notes.push(format!(
            "cloudtrail: {before} event(s) fall before the window: counted, not used"
        ));
    }
    for line in coverage_lines(coverage, window) {
        match line.strip_prefix("warning: ") {
            Some(warning) => warnings.push(format!("cloudtrail: {warning}")),
            None => notes.push(format!("cloudtrail: {line}")),
        }
    }
    for (reason, tally) in unattributed {
        notes.push(format!(
            "cloudtrail: {} event(s) attributed to no role or user ({reason}), such as {}",
            tally.count,
            tally
                .examples
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    (notes, warnings)
}

/// `--cloudtrail` for one principal's policies: scan, choose, infer.
#[derive(Debug)]
pub struct Inferred {
    /// The inference.
    pub inference: pare_engine::usage::Inference,
    /// The principal it is for.
    pub principal: String,
    /// Notes about the scan.
    pub notes: Vec<String>,
    /// Warnings about the scan.
    pub warnings: Vec<String>,
}

/// Infers the unused actions of `policies` from CloudTrail usage of one principal.
pub fn infer(
    usage: &ObservedUsage,
    observability: &Observability,
    policies: &[&Policy],
    table: pare_engine::ActionTable<'_>,
    window: Option<&Window>,
) -> pare_engine::usage::Inference {
    pare_engine::usage::from_cloudtrail(policies, usage, observability, table, window)
}

/// The whole `--cloudtrail` path of `refine`, `verify` and `explain`.
pub fn from_logs(
    paths: &[PathBuf],
    trail_config_files: &[OsString],
    principal: Option<&str>,
    policies: &[&Policy],
    catalog: &Catalog,
    window: Option<&Window>,
    io: &mut Io<'_>,
) -> Result<Inferred, Error> {
    let table = catalog.table();
    let config = trail_config(trail_config_files, io)?;
    let scan = scan(paths, window, io)?;
    let principal = choose_principal(&scan.trail.principals(), principal)?;
    covers_account(&scan.trail.coverage(), &principal)?;
    let events = catalog.events();
    let usage = scan.trail.usage_of(&principal, &events, table);
    let (mut notes, mut warnings) = scan_notes(&scan, window);
    note_event_table(catalog, &mut notes, &mut warnings);
    if usage.actions.is_empty() && usage.unmapped.is_empty() {
        notes.push(format!(
            "cloudtrail: the logs show no call by `{principal}`: every observable granted action is unused"
        ));
    }
    let observability = Observability::new(&events, config);
    let inference = infer(&usage, &observability, policies, table, window);
    Ok(Inferred {
        inference,
        principal,
        notes,
        warnings,
    })
}

/// `--used FILE` when FILE is a usage file (`pare usage`): the same
/// inference as the logs it was made from.
pub fn from_usage_file(
    text: &input::Text,
    trail_config_files: &[OsString],
    principal: Option<&str>,
    policies: &[&Policy],
    catalog: &Catalog,
    window: Option<&Window>,
    io: &mut Io<'_>,
) -> Result<Inferred, Error> {
    let table = catalog.table();
    let file =
        UsageFile::parse(&text.text).map_err(|e| Error::input(format!("{}: {e}", text.name)))?;
    let config = trail_config(trail_config_files, io)?;
    let principal = choose_principal(&file.principal_arns(), principal)?;
    let coverage: Vec<(&str, &Coverage)> =
        file.coverage.iter().map(|(a, c)| (a.as_str(), c)).collect();
    covers_account(&coverage, &principal)?;
    let usage = file.usage_of(&principal, table);
    let read = format!(
        "cloudtrail: usage file {}: {} event(s) from {} file(s)",
        text.name, file.events, file.files
    );
    let unattributed: Vec<(&str, &Tally)> = file
        .unattributed
        .iter()
        .map(|(r, t)| (r.as_str(), t))
        .collect();
    let (mut notes, mut warnings) =
        summary(read, file.denied, None, &coverage, &unattributed, window);
    note_event_table(catalog, &mut notes, &mut warnings);
    if usage.actions.is_empty() && usage.unmapped.is_empty() {
        notes.push(format!(
            "cloudtrail: the usage file shows no call by `{principal}`: every observable granted action is unused"
        ));
    }
    let events = catalog.events();
    let observability = Observability::new(&events, config);
    let inference = infer(&usage, &observability, policies, table, window);
    Ok(Inferred {
        inference,
        principal,
        notes,
        warnings,
    })
}

/// Logs of other accounts cannot show what a principal did in its own: an
/// error when the logs hold no event of the principal's account.
fn covers_account(coverage: &[(&str, &Coverage)], principal: &str) -> Result<(), Error> {
    let account = principal.split(':').nth(4).unwrap_or("");
    if coverage.iter().any(|(a, _)| *a == account) {
        return Ok(());
    }
    let covered: Vec<String> = coverage
        .iter()
        .map(|(a, _)| format!("`{}`", crate::safe::escape(a)))
        .collect();
    Err(Error::input(format!(
        "the CloudTrail logs hold no event of account `{}` (they cover {}): they cannot show what `{}` used",
        crate::safe::escape(account),
        if covered.is_empty() {
            "none".to_string()
        } else {
            covered.join(", ")
        },
        crate::safe::escape(principal)
    )))
}
