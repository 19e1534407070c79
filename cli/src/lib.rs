//! The `pare` command line as a library: [`run`] parses the arguments, runs a
//! subcommand against the given streams, prints any error once, and returns
//! the exit code. `main` is a thin shell around it, and tests call it in-process.

use std::ffi::OsString;
use std::io::Write;

use clap::{CommandFactory, FromArgMatches};

pub mod args;
pub mod cloudtrail;
pub mod commands;
pub mod diff;
pub mod error;
pub mod input;
pub mod io;
pub mod output;
pub mod safe;
pub mod sources;
pub mod split;
mod text;

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
    io.color = cli.color;
    io.verbose = cli.verbose;
    // `--max-input-size`, of `CatalogArgs` too, sets the caps of every reader.
    if let Some(cap) = cli
        .command
        .catalog_args()
        .and_then(|args| args.max_input_size)
    {
        io.limits = input::Limits::every_input(cap);
    }
    // Every subcommand that reads the catalog flattens `CatalogArgs`: its age
    // is checked here, once, for all of them.
    let result = if cli.quiet {
        output::errors_only(io, |io| {
            sources::check_catalog_age(&cli.command, io)
                .and_then(|()| commands::run(cli.command, io))
        })
    } else {
        sources::check_catalog_age(&cli.command, io).and_then(|()| commands::run(cli.command, io))
    };
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
        assert!(err.contains("Usage: pare [OPTIONS] <COMMAND>"), "{err}");
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

    fn run_full(args: &[&str], setup: impl FnOnce(&mut Io<'_>)) -> (i32, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = {
            let mut io = Io::buffers(b"", &mut out, &mut err);
            setup(&mut io);
            run(args.iter().map(OsString::from), &mut io)
        };
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    /// A policy and an unused list in a temporary directory.
    fn files() -> (tempfile::TempDir, String, String) {
        let dir = tempfile::tempdir().unwrap();
        let policy = dir.path().join("p.json");
        let unused = dir.path().join("u.txt");
        std::fs::write(
            &policy,
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
               "Action": ["s3:GetObject", "s3:GetObjectAcl"], "Resource": "*"}]}"#,
        )
        .unwrap();
        std::fs::write(&unused, "s3:GetObjectAcl\ns3:NoSuchAction\n").unwrap();
        let p = policy.to_str().unwrap().to_string();
        let u = unused.to_str().unwrap().to_string();
        (dir, p, u)
    }

    #[test]
    fn color_follows_the_terminal_no_color_and_the_flag() {
        let (_dir, p, u) = files();
        let args = ["pare", "refine", &p, "--unused", &u, "--format", "diff"];
        let escaped = |out: &str| out.contains("\x1b[31m");
        // Not a terminal: plain.
        let (_, out, _) = run_full(&args, |_| {});
        assert!(
            !escaped(&out) && out.contains("-        \"s3:GetObjectAcl\""),
            "{out}"
        );
        // A terminal: coloured, unless NO_COLOR or --color never.
        let (_, out, _) = run_full(&args, |io| io.stdout_is_terminal = true);
        assert!(escaped(&out), "{out}");
        let (_, out, _) = run_full(&args, |io| {
            io.stdout_is_terminal = true;
            io.no_color_env = true;
        });
        assert!(!escaped(&out), "{out}");
        let mut never = args.to_vec();
        never.extend(["--color", "never"]);
        let (_, out, _) = run_full(&never, |io| io.stdout_is_terminal = true);
        assert!(!escaped(&out), "{out}");
        // --color always: also into a pipe, and over NO_COLOR.
        let mut always = args.to_vec();
        always.extend(["--color", "always"]);
        let (_, out, _) = run_full(&always, |io| io.no_color_env = true);
        assert!(escaped(&out), "{out}");
    }

    #[test]
    fn quiet_prints_errors_only() {
        let (_dir, p, u) = files();
        let (code, out, err) = run_full(&["pare", "refine", &p, "--unused", &u], |_| {});
        assert_eq!(code, exit::SUCCESS);
        assert!(err.contains("warning: ") && err.contains("note: "), "{err}");
        let (code, quiet_out, err) =
            run_full(&["pare", "-q", "refine", &p, "--unused", &u], |_| {});
        assert_eq!((code, err.as_str()), (exit::SUCCESS, ""));
        assert_eq!(quiet_out, out);
        let (code, _, err) = run_full(
            &["pare", "refine", &p, "--unused", "/no/such", "--quiet"],
            |_| {},
        );
        assert_eq!(code, exit::INPUT);
        assert!(err.starts_with("error: cannot read `/no/such`"), "{err}");
        let (code, _, err) = run_full(&["pare", "refine", &p, "--unused", &u, "-q", "-v"], |_| {});
        assert_eq!(code, exit::INPUT);
        assert!(err.contains("cannot be used with"), "{err}");
    }

    /// The README's main command (Quick start): nothing it prints, on stdout
    /// or stderr, runs past 100 columns.
    #[test]
    fn the_readme_main_command_fits_100_columns() {
        let readme = include_str!("../../README.md");
        let command = "refine examples/article/policy.json --unused examples/article/unused.json";
        assert!(
            readme.contains(&format!("-- {command}\n")),
            "the README's Quick start moved"
        );
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut args = vec!["pare".to_string()];
        args.extend(
            command
                .split(' ')
                .map(|a| match a.starts_with("examples/") {
                    true => format!("{root}/{a}"),
                    false => a.to_string(),
                }),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = run_full(&args, |_| {});
        assert_eq!(code, exit::SUCCESS, "{err}");
        assert!(err.contains("note: size"), "{err}");
        for line in out.lines().chain(err.lines()) {
            assert!(
                line.chars().count() < 100,
                "{} columns: {line}",
                line.chars().count()
            );
        }
    }
}
