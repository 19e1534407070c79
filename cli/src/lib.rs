//! The `pare` command line as a library: [`run`] parses the arguments, runs a
//! subcommand against the given streams, prints any error once, and returns
//! the exit code. `main` is a thin shell around it, and tests call it in-process.

use std::ffi::OsString;
use std::io::Write;

use clap::{CommandFactory, FromArgMatches};

pub mod args;
pub mod commands;
pub mod diff;
pub mod error;
pub mod input;
pub mod io;
pub mod output;
pub mod safe;
pub mod sources;

pub use error::Error;
pub use io::Io;

/// The exit codes, as `--help` and the README document them.
pub mod exit {
    /// Success (also a closed stdout pipe, as in `pare ... | head`).
    pub const SUCCESS: i32 = 0;
    /// `verify` found a violation.
    pub const VIOLATIONS: i32 = 1;
    /// Unreadable or invalid input, or a usage error.
    pub const INPUT: i32 = 2;
    /// `refine --format policy`: nothing of the policy is used, so it is to
    /// be detached; no policy is printed (IAM rejects one without statements).
    pub const DETACH: i32 = 3;
    /// `refine --exit-code`: the refined policy differs from the original
    /// (as `git diff --exit-code` says "there are differences", but 1 is
    /// taken by violations).
    pub const CHANGED: i32 = 4;
}

/// Runs `pare` with `args` (the program name first) and returns the exit code.
/// Never panics on any input: errors are printed to `io.stderr` as `error: ...`.
pub fn run(args: impl IntoIterator<Item = OsString>, io: &mut Io<'_>) -> i32 {
    let command = args::Cli::command().version(args::version());
    let matches = match command.try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(err) => return clap_error(&err, io),
    };
    let cli = match args::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => return clap_error(&err, io),
    };
    // `--max-input-size`, of `CatalogArgs` too, sets the caps of every reader.
    if let Some(cap) = matches
        .subcommand()
        .and_then(|(_, sub)| sub.try_get_one::<u64>("max_input_size").ok().flatten())
    {
        io.limits = input::Limits::every_input(*cap);
    }
    // Every subcommand that reads the catalog flattens `CatalogArgs`: its age
    // is checked here, once, for all of them.
    let result =
        sources::check_catalog_age(&matches, io).and_then(|()| commands::run(cli.command, io));
    // Flush before reporting, so that a failed write is reported too.
    let result = result.and_then(|code| io.stdout.flush().map(|()| code).map_err(Error::from));
    match result {
        Ok(code) => code,
        Err(err) if err.is_quiet() => err.exit_code(),
        Err(err) => {
            // If stderr is gone too there is no one left to tell.
            let _ = writeln!(io.stderr, "error: {}", err.chain());
            err.exit_code()
        }
    }
}

/// Help and version go to stdout with success; usage errors (and the help
/// printed for a missing subcommand) go to stderr with exit 2.
fn clap_error(err: &clap::Error, io: &mut Io<'_>) -> i32 {
    use clap::error::ErrorKind;
    let text = err.render().to_string();
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            match io
                .stdout
                .write_all(text.as_bytes())
                .and_then(|()| io.stdout.flush())
            {
                Ok(()) => exit::SUCCESS,
                Err(e) => Error::from(e).exit_code(),
            }
        }
        _ => {
            let _ = io.stderr.write_all(text.as_bytes());
            exit::INPUT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: &[&str], stdout: &mut dyn Write) -> (i32, String) {
        let mut stderr = Vec::new();
        let mut unused = Vec::new();
        let code = {
            let mut io = Io::buffers(b"", &mut unused, &mut stderr);
            io.stdout = Box::new(stdout);
            run(args.iter().map(OsString::from), &mut io)
        };
        (code, String::from_utf8(stderr).unwrap())
    }

    #[test]
    fn no_subcommand_is_a_usage_error() {
        let mut out = Vec::new();
        let (code, err) = run_with(&["pare"], &mut out);
        assert_eq!(code, exit::INPUT);
        assert!(out.is_empty());
        assert!(err.contains("Usage: pare <COMMAND>"), "{err}");
    }

    #[test]
    fn help_and_version_go_to_stdout() {
        for args in [
            &["pare", "--help"][..],
            &["pare", "--version"],
            &["pare", "refine", "-h"],
        ] {
            let mut out = Vec::new();
            let (code, err) = run_with(args, &mut out);
            assert_eq!(code, exit::SUCCESS, "{args:?}");
            assert!(err.is_empty(), "{args:?}: {err}");
            assert!(!out.is_empty(), "{args:?}");
        }
        let mut out = Vec::new();
        run_with(&["pare", "--help"], &mut out);
        let help = String::from_utf8(out).unwrap();
        assert!(help.contains("Exit codes:"), "{help}");
    }

    #[test]
    fn version_names_the_embedded_catalog() {
        let p = pare_catalog::provenance();
        let want = format!(
            "pare {} (catalog: data of {}, {} services, {} actions)\n",
            env!("CARGO_PKG_VERSION"),
            p.data_date.as_deref().unwrap(),
            p.service_count,
            p.action_count
        );
        for args in [&["pare", "--version"][..], &["pare", "-V"]] {
            let mut out = Vec::new();
            let (code, _) = run_with(args, &mut out);
            assert_eq!(code, exit::SUCCESS);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{args:?}");
        }
    }

    /// A reader that went away (`pare ... | head`) ends the run quietly.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn broken_pipe_is_quiet() {
        let (code, err) = run_with(&["pare", "--help"], &mut ClosedPipe);
        assert_eq!((code, err.as_str()), (exit::SUCCESS, ""));
    }
}
