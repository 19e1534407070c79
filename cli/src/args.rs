//! The command line: clap's derive structs in one place (low-level arguments),
//! each converted once into a validated config (high-level arguments) that the
//! subcommand modules in [`crate::commands`] run.
//!
//! Adding a subcommand: its arguments here (a variant of [`Command`] and its
//! struct), a module under `commands/`, and an arm in [`crate::commands::run`].

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::Error;
use crate::input::Source;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  `verify` found a violation
  2  unreadable or invalid input, or a usage error";

/// pare: cut unused permissions out of AWS IAM policies, offline.
#[derive(Debug, Parser)]
#[command(
    name = "pare",
    version,
    about = "Cut unused permissions out of AWS IAM policies, offline",
    long_about = "Cut unused permissions out of AWS IAM policies, offline.\n\n\
        pare does what IAM Access Analyzer's \"refine unused permissions\" recommendation does: \
        it removes the actions an unused-access finding reports, narrows wildcards to their \
        shortest safe prefixes, and keeps everything else as written.",
    after_help = EXIT_CODES,
    color = clap::ColorChoice::Never,
    propagate_version = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Remove unused permissions from a policy, as Access Analyzer recommends.
    #[command(
        long_about = "Remove unused permissions from a policy, as Access Analyzer recommends.\n\n\
            Literal actions reported unused are removed; a wildcard that grants unused actions is \
            replaced by the shortest prefixes that grant only used ones; NotAction statements get \
            exclusions; Deny statements and every other field are kept as written. The result \
            goes to stdout; diagnostics and the size against IAM's quotas go to stderr.",
        after_help = "Example:\n  pare refine examples/article/policy.json --unused examples/article/unused.json\n  \
            aws iam get-role-policy --role-name MyRole --policy-name P | pare refine - --unused finding.json --format diff\n\n\
            Exit codes:\n  0  success\n  2  unreadable or invalid input, or a usage error"
    )]
    Refine(RefineArgs),
}

/// `--catalog DIR`, shared by the subcommands that read the action catalog.
#[derive(Clone, Debug, Args)]
pub struct CatalogArgs {
    /// A copy of AWS's service reference (index.json and v1/<svc>/<svc>.json)
    /// to use instead of the embedded catalog.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
}

/// `pare refine`'s arguments as clap reads them.
#[derive(Clone, Debug, Args)]
pub struct RefineArgs {
    /// The policy: a document, a URL-encoded document, or the output of `aws iam
    /// get-policy-version` / `get-role-policy` / `get-user-policy` / `get-group-policy`;
    /// `-` reads stdin.
    #[arg(value_name = "POLICY")]
    pub policy: OsString,

    /// The unused actions: `aws accessanalyzer get-finding-v2` output (one finding, an
    /// array, or JSON Lines), the `[{"serviceNamespace", "actions"}]` array, or one
    /// `service:Action` per line; `-` reads stdin.
    #[arg(long, value_name = "FINDINGS")]
    pub unused: OsString,

    #[command(flatten)]
    pub catalog: CatalogArgs,

    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = RefineFormat::Policy)]
    pub format: RefineFormat,

    /// Replace a wildcard by the exact list of its used actions instead of
    /// shorter wildcards.
    #[arg(long)]
    pub no_wildcards: bool,
}

/// `pare refine --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RefineFormat {
    /// The refined policy, pretty JSON in the original key order.
    Policy,
    /// A unified diff of the original policy against the refined one.
    Diff,
    /// Access Analyzer's `get-finding-recommendation` shape.
    Recommendation,
    /// Everything, machine-readable: the policy, the edits, the diagnostics and the sizes.
    Json,
}

/// `pare refine`, validated.
#[derive(Clone, Debug)]
pub struct Refine {
    /// Where the policy comes from.
    pub policy: Source,
    /// Where the unused list comes from.
    pub unused: Source,
    /// `--catalog`, if given.
    pub catalog: Option<PathBuf>,
    /// What to print.
    pub format: RefineFormat,
    /// The engine's options.
    pub options: pare_engine::Options,
}

impl RefineArgs {
    /// Checks what clap cannot: stdin is read at most once.
    pub fn validate(self) -> Result<Refine, Error> {
        let policy = Source::from_arg(&self.policy);
        let unused = Source::from_arg(&self.unused);
        if policy == Source::Stdin && unused == Source::Stdin {
            return Err(Error::input(
                "the policy and the unused list cannot both be read from stdin (`-`)",
            ));
        }
        Ok(Refine {
            policy,
            unused,
            catalog: self.catalog.catalog,
            format: self.format,
            options: pare_engine::Options {
                wildcards: !self.no_wildcards,
            },
        })
    }
}

#[cfg(test)]
#[allow(
    irrefutable_let_patterns,
    reason = "`Command` will have more variants than `Refine`"
)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn refine_defaults() {
        let cli = Cli::try_parse_from(["pare", "refine", "p.json", "--unused", "u.json"]).unwrap();
        let Command::Refine(args) = cli.command else {
            panic!("not refine")
        };
        let refine = args.validate().unwrap();
        assert_eq!(refine.policy, Source::Path("p.json".into()));
        assert_eq!(refine.format, RefineFormat::Policy);
        assert!(refine.options.wildcards);
    }

    #[test]
    fn stdin_only_once() {
        let cli = Cli::try_parse_from(["pare", "refine", "-", "--unused", "-"]).unwrap();
        let Command::Refine(args) = cli.command else {
            panic!("not refine")
        };
        assert!(args.validate().unwrap_err().to_string().contains("both"));
    }
}
