//! The process's standard streams, passed in so that tests and the snapshot
//! harness can run the CLI in-process with buffers in their place.

use std::io::{IsTerminal, Read, Write};

/// Standard input, output and error, and whether the outputs are terminals.
pub struct Io<'a> {
    /// Where `-` reads from.
    pub stdin: Box<dyn Read + 'a>,
    /// The result, and nothing else.
    pub stdout: Box<dyn Write + 'a>,
    /// Diagnostics, notes and errors.
    pub stderr: Box<dyn Write + 'a>,
    /// Whether stdout is a terminal (a subcommand may color or summarize for a reader).
    pub stdout_is_terminal: bool,
    /// Whether stderr is a terminal.
    pub stderr_is_terminal: bool,
    /// "Now", for `--as-of`'s default and the catalog's age: the clock for
    /// the real streams, a fixed instant for buffers so that output never
    /// moves with the calendar.
    pub now: std::time::SystemTime,
    /// The size caps on inputs (`--max-input-size`).
    pub limits: crate::input::Limits,
    /// `--color`.
    pub color: ColorWhen,
    /// Whether `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
    pub no_color_env: bool,
    /// `--verbose`: more detail on stderr.
    pub verbose: bool,
    /// The width of the terminal stdout is, in columns; `None` when stdout
    /// is not a terminal (or its width is unknown): output is full width.
    pub columns: Option<usize>,
}

/// `--color WHEN`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always, also into a pipe or a file.
    Always,
    /// Never.
    Never,
}

impl Io<'_> {
    /// Whether to colour what goes to stdout.
    pub fn color_stdout(&self) -> bool {
        match self.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => self.stdout_is_terminal && !self.no_color_env,
        }
    }
}

impl Io<'static> {
    /// The process's own streams. Stdout is buffered, because results can be
    /// long; [`crate::run`] flushes it before returning.
    pub fn real() -> Io<'static> {
        Io {
            stdin: Box::new(std::io::stdin()),
            stdout: Box::new(std::io::BufWriter::new(std::io::stdout())),
            stderr: Box::new(std::io::stderr()),
            stdout_is_terminal: std::io::stdout().is_terminal(),
            stderr_is_terminal: std::io::stderr().is_terminal(),
            now: std::time::SystemTime::now(),
            limits: crate::input::Limits::default(),
            color: ColorWhen::Auto,
            no_color_env: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            verbose: false,
            columns: std::io::stdout()
                .is_terminal()
                .then(terminal_columns)
                .flatten(),
        }
    }
}

impl<'a> Io<'a> {
    /// Streams over buffers, for tests: `stdin` is read by `-`, the outputs
    /// collect what the CLI writes; neither counts as a terminal; "now" is
    /// [`TEST_NOW`].
    pub fn buffers(stdin: &'a [u8], stdout: &'a mut Vec<u8>, stderr: &'a mut Vec<u8>) -> Io<'a> {
        Io {
            stdin: Box::new(stdin),
            stdout: Box::new(stdout),
            stderr: Box::new(stderr),
            stdout_is_terminal: false,
            stderr_is_terminal: false,
            now: std::time::UNIX_EPOCH + std::time::Duration::from_secs(TEST_NOW),
            limits: crate::input::Limits::default(),
            color: ColorWhen::Auto,
            no_color_env: false,
            verbose: false,
            columns: None,
        }
    }
}

/// The width of the terminal on stdout: `COLUMNS` when it is set to a
/// number (as shells export it, and as a user overrides it), else what the
/// terminal says (Linux), else unknown.
fn terminal_columns() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        return Some(n);
    }
    #[cfg(target_os = "linux")]
    {
        rustix::termios::tcgetwinsize(std::io::stdout())
            .ok()
            .map(|size| usize::from(size.ws_col))
            .filter(|&n| n > 0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The instant [`Io::buffers`] takes for "now": 2026-09-01T00:00:00Z, in Unix seconds.
pub const TEST_NOW: u64 = 1_788_220_800;

impl std::fmt::Debug for Io<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Io")
            .field("stdout_is_terminal", &self.stdout_is_terminal)
            .field("stderr_is_terminal", &self.stderr_is_terminal)
            .finish_non_exhaustive()
    }
}
