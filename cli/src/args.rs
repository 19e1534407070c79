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

/// The top-level help's closing lines: an example, and the exit codes.
const AFTER_HELP: &str = "\
Example:
  pare refine examples/article/policy.json --unused examples/article/unused.json --format diff

Exit codes:
  0  success
  1  `verify` found a violation
  2  unreadable or invalid input, or a usage error
  3  `refine --format policy` (any format with `--exit-code`): nothing of the policy
     is used; detach it (no policy is printed)
  4  `refine --exit-code`: the refined policy differs from the original";

/// `pare --version`: the version and the embedded catalog it carries (data
/// date and counts), so that a bug report says which catalog was used.
pub fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let p = pare_catalog::provenance();
        format!(
            "{} (catalog: data of {}, {} services, {} actions)",
            env!("CARGO_PKG_VERSION"),
            p.data_date.as_deref().unwrap_or("unknown date"),
            p.service_count,
            p.action_count
        )
    })
}

/// The help heading of the options every command takes, listed after its own.
const GLOBAL: &str = "Global options";

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
    after_help = AFTER_HELP,
    color = clap::ColorChoice::Never,
    propagate_version = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Print errors only: no notes or warnings on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose", help_heading = GLOBAL)]
    pub quiet: bool,

    /// More on stderr: every diagnostic on its own line, and the catalog in use.
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub verbose: bool,

    /// When to colour the output: on a terminal (unless NO_COLOR is set), always, or never.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        global = true,
        help_heading = GLOBAL,
        default_value_t = crate::io::ColorWhen::Auto
    )]
    pub color: crate::io::ColorWhen,
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
            aws iam get-role-policy --role-name MyRole --policy-name P | pare refine - --unused finding.json --format diff\n  \
            pare refine policy.json --last-accessed last-accessed.json --unused-since 90\n  \
            pare refine policy.json --used calls.txt --format diff\n\n\
            Exit codes:\n  0  success\n  1  --verify found a violation (a bug in pare: please report it)\n  \
            2  unreadable or invalid input, or a usage error\n  \
            3  --format policy: nothing of the policy is used; detach it (stdout is empty: IAM \
            rejects a policy without statements); with --exit-code, in every format\n  \
            4  --exit-code: the refined policy differs from the original (0: nothing to change)"
    )]
    Refine(RefineArgs),

    /// Refine a whole account: every policy of every principal with an
    /// unused-access finding, shared policies only where all holders agree.
    #[command(
        long_about = "Refine a whole account: every policy of every principal with an \
            unused-access finding, shared policies only where all holders agree.\n\n\
            DETAILS is the output of `aws iam get-account-authorization-details`; --findings \
            are `aws accessanalyzer get-finding-v2` outputs (files or directories). A finding's \
            unused list applies to every policy its principal holds: inline, attached, and its \
            groups'. An action leaves a policy that several principals hold only when every one \
            of them has a finding listing it. AWS managed policies cannot be edited: their \
            refinement becomes a new customer managed policy to attach in their place. Trust \
            policies and permissions boundaries are never touched. The table goes to stdout \
            (also when it is not a terminal); warnings go to stderr. --out DIR writes the refined \
            policies, a diff for each, and apply.sh, which pare never runs.",
        after_help = "Example:\n  aws iam get-account-authorization-details > details.json\n  \
            pare account details.json --findings findings/ --out plan/\n  \
            pare account details.json --findings findings.jsonl --format csv > plan.csv\n  \
            pare account details.json --last-accessed MyRole=last-accessed.json --used MyUser=calls.txt\n\n\
            Exit codes:\n  0  success (warnings about parts of the input are on stderr)\n  \
            2  unreadable or invalid input, an --out directory that is not empty, or a usage error"
    )]
    Account(crate::commands::account::AccountArgs),

    /// Draw the trie below one pattern: which prefixes are safe, why the others
    /// are not, and what `refine` puts in the pattern's place.
    #[command(
        long_about = "Draw the trie below one pattern: which prefixes are safe, why the others \
            are not, and what `refine` puts in the pattern's place.\n\n\
            The pattern is taken as an entry of an Allow statement's `Action`. Each node is a \
            prefix of the actions it matches, cut at CamelCase word starts; a node is safe when \
            no unused action, and no action the pattern does not grant, starts with it, and \
            `prefix*` grants nothing the pattern does not. The refinement keeps the safe nodes \
            nearest the root (marked →). Unused actions hang below as leaves; below a safe node \
            the text form shows one line with its count.",
        after_help = "Example:\n  pare explain 's3:Get*' --unused examples/article/unused.json\n  \
            pare explain 's3:Get*' --unused finding.json --format dot | dot -Tsvg > trie.svg\n\n\
            Exit codes:\n  0  success\n  2  unreadable or invalid input, or a usage error"
    )]
    Explain(ExplainArgs),

    /// List the known actions that patterns match, one per line.
    #[command(
        long_about = "List the known actions that patterns match, one per line.\n\n\
            The output is the union over all patterns, sorted case-insensitively, each action \
            once, in the catalog's spelling, ready for `grep`, `wc -l` or `comm`. A pattern that \
            matches no known action gets a note on stderr; that is an answer, not an error.",
        after_help = "Example:\n  pare expand 's3:Get*Tagging' 'ec2:Describe*Instances'\n  \
            pare expand 'iam:*' --access-level | grep 'Permissions management'\n  \
            pare expand 's3:Get*' --tracked | grep -c untracked\n\n\
            Exit codes:\n  0  success, even when a pattern matches nothing\n  \
            2  unreadable catalog, or a usage error"
    )]
    Expand(ExpandArgs),

    /// Check a refined policy against its original: nothing new granted,
    /// nothing unused granted, nothing used lost, everything else kept.
    #[command(
        long_about = "Check a refined policy against its original: nothing new granted, \
            nothing unused granted, nothing used lost, everything else kept.\n\n\
            REFINED may be pare's output, Access Analyzer's `get-finding-recommendation` output \
            (one recommended step), or a policy edited by hand. Both policies are expanded over \
            the known actions and compared statement by statement, independently of how `refine` \
            works. All six guarantees of docs/semantics.md are checked: \
            1 sound (it grants nothing the original did not, and each new wildcard stays inside an \
            original entry, so no future action is newly granted); \
            2 safe (no unused action); \
            3 complete (every used action the original granted, and every wildcard over what the \
            catalog cannot see, kept as written); \
            4 structure kept (statement order, every non-action field, every Deny statement; no \
            statement left with an empty action list); \
            5 minimal change (entries that touch no unused action kept byte for byte, case \
            included, and a string stays a string while one entry remains); \
            6 concise (each replacement is the shortest-safe-prefix set, decided by brute force \
            over the known actions; `--no-wildcards` skips it). Violations go to stdout, one per \
            line; the verdict goes to stderr.",
        after_help = "Example:\n  pare refine policy.json --unused finding.json > refined.json\n  \
            pare verify policy.json refined.json --unused finding.json\n  \
            pare verify policy.json recommendation.json --unused finding.json --format json\n\n\
            Exit codes:\n  0  every guarantee holds\n  1  a violation was found\n  \
            2  unreadable or invalid input, or a usage error"
    )]
    Verify(crate::commands::verify::VerifyArgs),

    /// Scan CloudTrail logs once into a usage file that `--used` reads.
    #[command(
        long_about = "Scan CloudTrail logs once into a usage file: per role or user, the actions it \
            used (each event mapped to the IAM actions its operation authorizes), first and last \
            seen, and counts; what the logs cover per account (time range, regions); and the \
            events that could not be attributed or mapped. `refine --used FILE` and the other \
            commands read it like the logs themselves, so a month of logs is scanned once and \
            reviewed as text.",
        after_help = "Example:\n  aws s3 sync s3://BUCKET/AWSLogs/123456789012/CloudTrail/ logs/\n  \
            pare usage --cloudtrail logs/ -o usage.json\n  \
            pare refine policy.json --used usage.json --principal arn:aws:iam::123456789012:role/App \
            --unused-since 90\n\n\
            Exit codes:\n  0  success\n  2  unreadable or invalid input, or a usage error"
    )]
    Usage(crate::commands::usage::UsageArgs),

    /// Show where the action catalog came from and what it holds.
    #[command(
        after_help = "Example:\n  pare catalog\n  pare catalog --services | sort -k2 -n | tail\n  \
            pare catalog --catalog service-reference/\n\n\
            Exit codes:\n  0  success\n  2  unreadable catalog, or a usage error"
    )]
    Catalog(CatalogInfoArgs),

    /// Print a shell completion script for pare.
    #[command(
        after_help = "Example:\n  pare completions bash > ~/.local/share/bash-completion/completions/pare\n  \
            pare completions zsh > ~/.zfunc/_pare      # with fpath+=~/.zfunc in ~/.zshrc\n  \
            pare completions fish > ~/.config/fish/completions/pare.fish\n  \
            pare completions powershell >> $PROFILE\n\n\
            Exit codes:\n  0  success\n  2  a usage error"
    )]
    Completions(CompletionsArgs),

    /// Print pare's man page, or a subcommand's (roff), for `man -l -` or a man directory.
    #[command(after_help = "Example:\n  pare man | man -l -\n  \
            pare man refine > ~/.local/share/man/man1/pare-refine.1\n\n\
            Exit codes:\n  0  success\n  2  no such subcommand, or a usage error")]
    Man(ManArgs),
}

/// `pare man`'s arguments.
#[derive(Clone, Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (`refine` gives pare-refine(1)); none: pare(1).
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

/// `pare completions`'s arguments.
#[derive(Clone, Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `--catalog DIR`, shared by the subcommands that read the action catalog.
#[derive(Clone, Debug, Args)]
pub struct CatalogArgs {
    /// A copy of AWS's service reference (index.json and v1/<svc>/<svc>.json)
    /// to use instead of the embedded catalog.
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<PathBuf>,

    /// The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp;
    /// default now. The catalog's age, and `--unused-since`, count back from it.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// The most pare reads of any one input (unused list, account data,
    /// catalog file) before it stops with an error, such as 2G or 500M.
    /// Default: 1G for account data, 64M for a catalog file; a policy is
    /// never read past 1M.
    #[arg(long, value_name = "SIZE", value_parser = crate::input::parse_size)]
    pub max_input_size: Option<u64>,
}

/// `--catalog`, `--as-of` and `--max-input-size`, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogConfig {
    /// `--catalog DIR`, when given.
    pub dir: Option<PathBuf>,
    /// `--as-of`, when given (the clock is read only when it is needed).
    pub as_of: Option<pare_engine::Timestamp>,
    /// `--max-input-size`, when given.
    pub max_input_size: Option<u64>,
}

impl CatalogArgs {
    /// Checks `--as-of`.
    pub fn validate(&self) -> Result<CatalogConfig, crate::error::Error> {
        Ok(CatalogConfig {
            dir: self.catalog.clone(),
            as_of: self
                .as_of
                .as_deref()
                .map(crate::sources::parse_as_of)
                .transpose()?,
            max_input_size: self.max_input_size,
        })
    }
}

impl Command {
    /// The catalog flags of a subcommand that reads the catalog.
    pub fn catalog_args(&self) -> Option<&CatalogArgs> {
        match self {
            Command::Refine(args) => Some(&args.catalog),
            Command::Account(args) => Some(&args.catalog),
            Command::Explain(args) => Some(&args.catalog),
            Command::Expand(args) => Some(&args.catalog),
            Command::Verify(args) => Some(&args.catalog),
            Command::Catalog(args) => Some(&args.catalog),
            Command::Usage(args) => Some(&args.catalog),
            Command::Completions(_) | Command::Man(_) => None,
        }
    }
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
    /// `service:Action` per line; `-` reads stdin; a directory: every JSON file in it (others
    /// are skipped with a note). Or `--last-accessed` / `--used`.
    #[arg(long, value_name = "FINDINGS")]
    pub unused: Option<OsString>,

    #[command(flatten)]
    pub sources: crate::sources::SourceArgs,

    #[command(flatten)]
    pub catalog: CatalogArgs,

    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = RefineFormat::Policy)]
    pub format: RefineFormat,

    /// Replace a wildcard by the exact list of its used actions instead of
    /// shorter wildcards.
    #[arg(long)]
    pub no_wildcards: bool,

    /// Check the refined policy with `pare verify`'s independent check before
    /// printing it; on a violation print nothing on stdout and exit 1.
    #[arg(long)]
    pub verify: bool,

    /// Which IAM size quota the refined policy is held against, when the input is a bare
    /// document (`get-*-policy` output says it): `inline` takes the finding's principal.
    /// Default: managed policy.
    #[arg(long, value_enum, value_name = "KIND")]
    pub policy_kind: Option<PolicyKindArg>,

    /// Say in the exit code whether anything would change, as `git diff
    /// --exit-code` does: 0 nothing to refine, 4 the policy changes, 3 detach it.
    #[arg(long)]
    pub exit_code: bool,

    /// Hold the refined policy to this many characters (white space not counted) when
    /// that is less than IAM's quota: a result over it gets the same warning and
    /// split alternative as one over the quota.
    #[arg(long, value_name = "CHARS", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_policy_size: Option<u32>,

    /// In a Terraform or CloudFormation source: the policy to refine, by Terraform
    /// address (`aws_iam_role_policy.app`, `aws_iam_role.app` for its inline
    /// policies) or logical id (`AppRole`); needed when the file holds several.
    #[arg(long, value_name = "ADDRESS")]
    pub resource: Option<String>,

    /// In a Terraform or CloudFormation source: replace the file (and a JSON file
    /// its `file()` names) with the refined one, atomically, once verified.
    #[arg(long)]
    pub write: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `-o/--output FILE`, for every command that prints a result.
#[derive(Clone, Debug, Default, Args)]
pub struct OutputArgs {
    /// Write the result to FILE instead of stdout, atomically (a temporary file
    /// in the same directory, renamed over FILE once complete); FILE is left as
    /// it was when the command fails.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `pare refine --policy-kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PolicyKindArg {
    /// A managed policy (6,144 characters).
    Managed,
    /// An inline policy of the `--unused` finding's role or user.
    Inline,
    /// An inline policy of a role (10,240 for all of them together).
    RoleInline,
    /// An inline policy of a user (2,048 for all of them together).
    UserInline,
    /// An inline policy of a group (5,120 for all of them together).
    GroupInline,
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
    /// Where the unused actions come from.
    pub sources: crate::sources::Sources,
    /// `--catalog`, if given.
    pub catalog: Option<PathBuf>,
    /// What to print.
    pub format: RefineFormat,
    /// The engine's options.
    pub options: pare_engine::RefineOptions,
    /// Whether to verify the result before printing it.
    pub verify: bool,
    /// `--exit-code`: whether the exit code says if anything changes.
    pub exit_code: bool,
    /// `--policy-kind`, if given.
    pub policy_kind: Option<PolicyKindArg>,
    /// `--max-policy-size`, if given.
    pub max_policy_size: Option<usize>,
    /// `--resource`: which policy of an infrastructure-as-code source.
    pub resource: Option<String>,
    /// `--write`: edit an infrastructure-as-code source in place.
    pub write: bool,
}

impl RefineArgs {
    /// Checks what clap cannot: stdin is read at most once.
    pub fn validate(self) -> Result<Refine, Error> {
        let policy = Source::from_arg(&self.policy);
        let sources = crate::sources::Sources::new(
            self.unused.as_ref(),
            &self.sources,
            self.catalog.as_of.as_deref(),
        )?;
        if policy == Source::Stdin && sources.stdin_count() > 0 {
            return Err(Error::input(
                "the policy and the unused list cannot both be read from stdin (`-`)",
            ));
        }
        Ok(Refine {
            policy,
            sources,
            catalog: self.catalog.catalog,
            format: self.format,
            options: pare_engine::RefineOptions {
                wildcards: !self.no_wildcards,
                ..pare_engine::RefineOptions::default()
            },
            verify: self.verify,
            exit_code: self.exit_code,
            policy_kind: self.policy_kind,
            max_policy_size: self.max_policy_size.map(|n| n as usize),
            resource: self.resource,
            write: self.write,
        })
    }
}

/// `pare explain`'s arguments as clap reads them.
#[derive(Clone, Debug, Args)]
pub struct ExplainArgs {
    /// The entry to explain, such as `s3:Get*` (quote it for the shell).
    #[arg(value_name = "PATTERN")]
    pub pattern: String,

    /// The unused actions, in any form `refine --unused` reads; `-` reads stdin. Or the
    /// other sources `refine` reads (`--last-accessed`, `--used`), with the same flags.
    #[arg(long, value_name = "FINDINGS")]
    pub unused: Option<OsString>,

    #[command(flatten)]
    pub sources: crate::sources::SourceArgs,

    #[command(flatten)]
    pub catalog: CatalogArgs,

    /// How to draw the trie.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `pare explain --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// An indented tree for a terminal (coloured when stdout is one).
    Text,
    /// Graphviz, for `dot -Tsvg`: safe nodes green, unsafe ones orange, chosen ones bold.
    Dot,
}

/// `pare explain`, validated.
#[derive(Clone, Debug)]
pub struct Explain {
    /// The entry to explain.
    pub pattern: String,
    /// Where the unused actions come from.
    pub sources: crate::sources::Sources,
    /// `--catalog`, if given.
    pub catalog: Option<PathBuf>,
    /// How to draw.
    pub format: ExplainFormat,
}

impl ExplainArgs {
    /// Checks what clap cannot: the pattern is not empty.
    pub fn validate(self) -> Result<Explain, Error> {
        if self.pattern.trim().is_empty() {
            return Err(Error::input("the pattern is empty"));
        }
        let sources = crate::sources::Sources::new(
            self.unused.as_ref(),
            &self.sources,
            self.catalog.as_of.as_deref(),
        )?;
        Ok(Explain {
            pattern: self.pattern,
            sources,
            catalog: self.catalog.catalog,
            format: self.format,
        })
    }
}

/// `pare expand`'s arguments as clap reads them.
#[derive(Clone, Debug, Args)]
pub struct ExpandArgs {
    /// Action patterns such as `s3:Get*` or `ec2:Describe*Instances` (quote them for the shell).
    #[arg(value_name = "PATTERN", required = true)]
    pub patterns: Vec<String>,

    #[command(flatten)]
    pub catalog: CatalogArgs,

    /// Add each action's access level after a tab.
    #[arg(long)]
    pub access_level: bool,

    /// Add after a tab whether IAM tracks the action's last access (`tracked`,
    /// `untracked`): `--last-accessed` can tell an untracked action's use from
    /// no use only at the service level, so it keeps it.
    #[arg(long)]
    pub tracked: bool,

    /// Add after a tab whether CloudTrail can show the action's use (`--cloudtrail`):
    /// `logged` (a management event authorizes it), `data-event` (only data events
    /// do, which a trail logs only when configured to), or `not-logged` (no logged
    /// operation authorizes it: permission-only or console-only). pare keeps what
    /// the logs cannot show.
    #[arg(long)]
    pub observable: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `pare expand`, validated.
#[derive(Clone, Debug)]
pub struct Expand {
    /// The patterns, as given.
    pub patterns: Vec<String>,
    /// `--catalog`, if given.
    pub catalog: Option<PathBuf>,
    /// Whether to print access levels.
    pub access_level: bool,
    /// Whether to print last-access tracking.
    pub tracked: bool,
    /// Whether to print what CloudTrail can observe.
    pub observable: bool,
}

impl ExpandArgs {
    /// Nothing clap cannot check; converts to the config.
    pub fn validate(self) -> Result<Expand, Error> {
        Ok(Expand {
            patterns: self.patterns,
            catalog: self.catalog.catalog,
            access_level: self.access_level,
            tracked: self.tracked,
            observable: self.observable,
        })
    }
}

/// `pare catalog`'s arguments as clap reads them.
#[derive(Clone, Debug, Args)]
pub struct CatalogInfoArgs {
    #[command(flatten)]
    pub catalog: CatalogArgs,

    /// List every service with its action count (tab-separated) instead.
    #[arg(long)]
    pub services: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `pare catalog`, validated.
#[derive(Clone, Debug)]
pub struct CatalogInfo {
    /// `--catalog`, if given.
    pub catalog: Option<PathBuf>,
    /// Whether to list the services.
    pub services: bool,
    /// `--as-of`, if given: the date the catalog's age is counted to.
    pub as_of: Option<String>,
}

impl CatalogInfoArgs {
    /// Nothing clap cannot check; converts to the config.
    pub fn validate(self) -> Result<CatalogInfo, Error> {
        Ok(CatalogInfo {
            catalog: self.catalog.catalog,
            services: self.services,
            as_of: self.catalog.as_of,
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
