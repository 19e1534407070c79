//! `cargo xtask`: developer tasks for pare. `sync-catalog` regenerates the
//! embedded action table; `minimize-reference` makes the test copy of the
//! service reference; `deps-check` checks the dependency policy of
//! `deny.toml`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use pare_catalog_sync::{EXIT_ERROR, Status, SyncArgs};

mod deps;
mod minimize;

/// Developer tasks for pare.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version)]
enum Task {
    /// Regenerate `catalog/src/generated.rs` from the Service Authorization
    /// Reference, then run the snapshot tests so the effect on refinements
    /// shows at once.
    ///
    /// Exit codes: 0 up to date or written, 1 `--check` found the table
    /// stale, 2 error; when the snapshot tests fail after a write, their code.
    ///
    /// A sync that writes also refreshes the tests' minimized copy of the
    /// reference (`catalog/tests/data/service-reference`), so that the
    /// committed table and the data it came from move together.
    ///
    /// Example: cargo xtask sync-catalog --source /path/to/service-reference --report changes.md
    SyncCatalog {
        #[command(flatten)]
        args: SyncArgs,
        /// Do not refresh the tests' copy of the reference
        #[arg(long)]
        no_test_data: bool,
        /// Do not run the snapshot tests after writing the table
        #[arg(long)]
        no_snapshots: bool,
    },
    /// Write a copy of a service reference tree that keeps only what the
    /// catalog reads (`Name`, `Version`, each action's `Name`, `Annotations`
    /// and `SupportedBy`), one action per line; `index.json` is rewritten in
    /// the endpoint's form (its URLs and layout), sorted by service, so the
    /// copy does not depend on the origin it was read from.
    ///
    /// Example: cargo xtask minimize-reference /path/to/service-reference catalog/tests/data/service-reference
    MinimizeReference {
        /// A tree laid out like the endpoint
        source: PathBuf,
        /// Where to write the minimized tree
        out: PathBuf,
    },
    /// Check the dependency tree against `deny.toml`'s licenses, bans and
    /// sources, from `cargo metadata` (offline once the dependencies are
    /// fetched). `.ci/run` runs it where cargo-deny is not installed.
    ///
    /// Exit codes: 0 the policy holds, 1 it is broken, 2 error.
    DepsCheck,
}

fn main() -> ExitCode {
    match Task::parse() {
        Task::SyncCatalog {
            args,
            no_test_data,
            no_snapshots,
        } => sync_catalog(args, !no_test_data, !no_snapshots),
        Task::MinimizeReference { source, out } => match minimize::run(&source, &out) {
            Ok(count) => {
                eprintln!("wrote {count} service files to `{}`", out.display());
                ExitCode::SUCCESS
            }
            Err(err) => fail(err.as_ref()),
        },
        Task::DepsCheck => deps_check(),
    }
}

fn deps_check() -> ExitCode {
    let root = match workspace_root() {
        Ok(root) => root,
        Err(err) => return fail(err.as_ref()),
    };
    match deps::run(&root) {
        Ok(report) => {
            for line in &report.duplicates {
                eprintln!("warning: more than one version of {line}");
            }
            if report.problems.is_empty() {
                eprintln!(
                    "deps-check: {} packages: licenses, bans and sources as deny.toml says",
                    report.packages
                );
                ExitCode::SUCCESS
            } else {
                for line in &report.problems {
                    eprintln!("error: {line}");
                }
                eprintln!("deps-check: {} problems", report.problems.len());
                ExitCode::from(1)
            }
        }
        Err(err) => fail(err.as_ref()),
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The table a sync writes, relative to the workspace root.
const TABLE: &str = "catalog/src/generated.rs";
/// The CloudTrail event table a sync writes beside it.
const EVENTS_TABLE: &str = "catalog/src/events_generated.rs";
/// The tests' copy of the SDK metadata the event table came from.
const SDK_COPY: &str = "catalog/tests/data/aws-sdk/botocore.json";

/// The root of the workspace the command was run in, found now (by
/// `cargo locate-project` from the current directory), not where xtask was
/// built: a target directory shared by two checkouts must not make one
/// checkout's xtask write into the other.
fn workspace_root() -> Result<PathBuf, BoxError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .map_err(|e| format!("cannot run `cargo locate-project`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo locate-project` found no workspace here: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    let manifest = String::from_utf8(output.stdout)
        .map_err(|_| "`cargo locate-project` printed a path that is not UTF-8")?;
    let root = Path::new(manifest.trim())
        .parent()
        .ok_or("`cargo locate-project` printed no directory")?
        .to_path_buf();
    if !root.join(TABLE).is_file() {
        return Err(format!(
            "`{}` is not pare's workspace: it has no `{TABLE}`",
            root.display()
        )
        .into());
    }
    Ok(root)
}

fn sync_catalog(args: SyncArgs, test_data: bool, snapshots: bool) -> ExitCode {
    let root = match workspace_root() {
        Ok(root) => root,
        Err(err) => return fail(err.as_ref()),
    };
    let table = root.join(TABLE);
    let check = args.check;
    let mut options = match args.into_options_with_events(&table, root.join(EVENTS_TABLE)) {
        Ok(options) => options,
        Err(err) => return fail(&err),
    };
    // The test copy is made from the raw files of this very sync, so a mirror
    // is always kept: the caller's, or a temporary one.
    let refresh = test_data && !check;
    // Removed when it goes out of scope, on every path.
    let scratch = match tempfile::Builder::new().prefix("pare-xtask-").tempdir() {
        Ok(dir) => dir,
        Err(err) => return fail(&err),
    };
    if refresh && options.mirror.is_none() {
        options.mirror = Some(scratch.path().join("mirror"));
    }
    let outcome = match pare_catalog_sync::run(&options) {
        Ok(outcome) => outcome,
        Err(err) => return fail(&err),
    };
    println!("{}", outcome.report);
    eprintln!("{}", outcome.summary());
    if outcome.status == Status::Stale {
        eprintln!("run `cargo xtask sync-catalog` without `--check` to update it");
    }
    if refresh {
        if let Some(mirror) = &options.mirror {
            let data = root.join("catalog/tests/data/service-reference");
            if let Err(err) = minimize::replace(mirror, &data) {
                return fail(err.as_ref());
            }
            eprintln!("refreshed the test copy `{}`", data.display());
        }
        if let Some(events) = &outcome.events {
            let copy = root.join(SDK_COPY);
            let text = pare_catalog::events::sdk_metadata_json(&events.sdk);
            if let Err(err) = pare_catalog_sync::atomic_write(&copy, text.as_bytes()) {
                return fail(&err);
            }
            eprintln!("refreshed the SDK metadata copy `{}`", copy.display());
        }
    }
    if check || !snapshots || outcome.status != Status::Written {
        return ExitCode::from(outcome.exit_code());
    }
    // The snapshot tests show what the new table changes in refinements.
    eprintln!("running the snapshot tests against the new table");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    match Command::new(cargo)
        .args(["test", "--locked", "-p", "pare-snapshots"])
        .current_dir(&root)
        .status()
    {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!(
                "the table was written, and the snapshot tests failed: review the changes with `cargo insta review`"
            );
            let code = status
                .code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(1);
            ExitCode::from(code)
        }
        Err(err) => fail(&err),
    }
}

/// Prints the error and its causes on one line, once, and returns the error exit code.
fn fail(err: &(dyn std::error::Error + 'static)) -> ExitCode {
    let mut line = format!("error: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        line.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("{line}");
    ExitCode::from(EXIT_ERROR)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Task::command().debug_assert();
        let task = Task::try_parse_from([
            "xtask",
            "sync-catalog",
            "--source",
            "http://127.0.0.1:1/",
            "--check",
            "--concurrency",
            "3",
        ])
        .unwrap();
        let Task::SyncCatalog { args, .. } = task else {
            panic!("parsed another task");
        };
        let options = args.into_options("generated.rs").unwrap();
        assert!(options.check);
        assert_eq!(options.fetch.concurrency, 3);
    }

    #[test]
    fn zero_concurrency_is_a_usage_error() {
        let task = Task::try_parse_from(["xtask", "sync-catalog", "--concurrency", "0"]).unwrap();
        let Task::SyncCatalog { args, .. } = task else {
            panic!("parsed another task");
        };
        let err = args.into_options("generated.rs").unwrap_err();
        assert_eq!(err.kind(), pare_catalog_sync::ErrorKind::Usage);
    }
}
