//! `cargo xtask`: developer tasks for pare. `sync-catalog` regenerates the
//! embedded action table; `minimize-reference` makes the test copy of the
//! service reference.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use pare_catalog_sync::{EXIT_ERROR, Status, SyncArgs};

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
    /// and `SupportedBy`), one action per line; `index.json` is copied as is.
    ///
    /// Example: cargo xtask minimize-reference /path/to/service-reference catalog/tests/data/service-reference
    MinimizeReference {
        /// A tree laid out like the endpoint
        source: PathBuf,
        /// Where to write the minimized tree
        out: PathBuf,
    },
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
    }
}

fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

fn sync_catalog(args: SyncArgs, test_data: bool, snapshots: bool) -> ExitCode {
    let root = workspace_root();
    let table = root.join("catalog/src/generated.rs");
    let check = args.check;
    let mut options = match args.into_options(&table) {
        Ok(options) => options,
        Err(err) => return fail(&err),
    };
    // The test copy is made from the raw files of this very sync, so a mirror
    // is always kept: the caller's, or a temporary one.
    let refresh = test_data && !check;
    let temporary_mirror = root.join("target/xtask-mirror");
    if refresh && options.mirror.is_none() {
        let _ = std::fs::remove_dir_all(&temporary_mirror);
        options.mirror = Some(temporary_mirror.clone());
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
        let _ = std::fs::remove_dir_all(&temporary_mirror);
    }
    if check || !snapshots || outcome.status != Status::Written {
        return ExitCode::from(outcome.exit_code());
    }
    // The snapshot tests show what the new table changes in refinements.
    eprintln!("running the snapshot tests against the new table");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    match Command::new(cargo)
        .args(["test", "-p", "pare-snapshots"])
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
