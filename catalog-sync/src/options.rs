//! What a sync reads, how it fetches, and what it writes; and the command-line
//! flags that build those options, shared by `cargo xtask sync-catalog`.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::error::{Error, ErrorKind};

/// Where the service reference comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A copy laid out like the endpoint: `index.json` and `v1/<svc>/<svc>.json`.
    Dir(PathBuf),
    /// The URL of the index; each service's file is fetched from the URL the
    /// index gives, resolved against this one.
    Url(Url),
}

impl Source {
    /// An `http://` or `https://` argument is a URL; anything else is a directory.
    pub fn parse(arg: &str) -> Result<Source, Error> {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            Url::parse(arg).map(Source::Url).map_err(|e| {
                Error::new(ErrorKind::Usage, format!("`{arg}` is not a valid URL")).with_source(e)
            })
        } else {
            Ok(Source::Dir(PathBuf::from(arg)))
        }
    }
}

/// Where the AWS SDK's service metadata (each client's `endpointPrefix` and
/// `signingName`) comes from, for the CloudTrail event table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SdkSource {
    /// A local file: the minimized metadata (`.json`, as committed in
    /// `catalog/tests/data/aws-sdk/`) or a botocore wheel (`.whl`).
    File(PathBuf),
    /// PyPI's JSON API for botocore (`https://pypi.org/pypi/botocore/json`):
    /// the newest wheel it lists is fetched and checked against its SHA-256.
    Url(Url),
}

/// PyPI's JSON description of the newest botocore release.
pub const DEFAULT_SDK_URL: &str = "https://pypi.org/pypi/botocore/json";

impl SdkSource {
    /// An `http://` or `https://` argument is a URL; anything else is a file.
    pub fn parse(arg: &str) -> Result<SdkSource, Error> {
        match Source::parse(arg)? {
            Source::Url(url) => Ok(SdkSource::Url(url)),
            Source::Dir(path) => Ok(SdkSource::File(path)),
        }
    }
}

/// The CloudTrail event table a sync also renders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventsOptions {
    /// The table file (`catalog/src/events_generated.rs`).
    pub table: PathBuf,
    /// Where the SDK metadata comes from.
    pub sdk: SdkSource,
}

/// How files are fetched over HTTP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchOptions {
    /// How many requests may be in flight at once.
    pub concurrency: usize,
    /// The limit on each request, from connecting to the last byte of the body.
    pub timeout: Duration,
    /// How many times a failed request is tried again (connection errors,
    /// timeouts, truncated bodies, 429 and 5xx); other statuses are final.
    pub retries: u32,
    /// The delay before the first retry; each later one doubles it, with jitter.
    pub backoff: Duration,
    /// The longest delay between two tries.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub max_retry_after: Duration,
    /// The largest body accepted; a longer one aborts the sync.
    pub max_body_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            concurrency: 16,
            timeout: Duration::from_secs(30),
            retries: 4,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            // The largest service file (ec2) is about 1 MiB.
            max_body_bytes: 8 * 1024 * 1024,
        }
    }
}

/// Everything a sync needs.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncOptions {
    /// Where to read the reference.
    pub source: Source,
    /// The table file to compare against and replace (`catalog/src/generated.rs`).
    pub table: PathBuf,
    /// Compare only: write no table, report whether it is out of date.
    pub check: bool,
    /// Write the table even when it loses more than `max_shrink` of the current one.
    pub allow_shrink: bool,
    /// The largest share (0 to 1) of the current services or actions a sync may
    /// remove without `allow_shrink`.
    pub max_shrink: f64,
    /// Also write the Markdown change report here.
    pub report: Option<PathBuf>,
    /// Also save the raw files here, in the endpoint's layout.
    pub mirror: Option<PathBuf>,
    /// HTTP settings.
    pub fetch: FetchOptions,
    /// Print progress on stderr.
    pub progress: bool,
    /// Also render the CloudTrail event table; `None` leaves it alone.
    pub events: Option<EventsOptions>,
}

impl SyncOptions {
    /// Options with the defaults: write mode, a 5% shrink guard, no report or
    /// mirror, no progress output.
    pub fn new(source: Source, table: impl Into<PathBuf>) -> SyncOptions {
        SyncOptions {
            source,
            table: table.into(),
            check: false,
            allow_shrink: false,
            max_shrink: 0.05,
            report: None,
            mirror: None,
            fetch: FetchOptions::default(),
            progress: false,
            events: None,
        }
    }
}

/// The flags of `cargo xtask sync-catalog`.
#[derive(Clone, Debug, clap::Args)]
pub struct SyncArgs {
    /// A directory laid out like the endpoint (`index.json`,
    /// `v1/<svc>/<svc>.json`), or the http(s) URL of the index
    #[arg(long, value_name = "DIR|URL", default_value = pare_catalog::DEFAULT_URL)]
    pub source: String,
    /// Compare only: write no table, exit 1 if it is out of date
    #[arg(long)]
    pub check: bool,
    /// Write the table even if it loses more than 5% of the current services or actions
    #[arg(long)]
    pub allow_shrink: bool,
    /// Also write the Markdown change report to PATH
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Also save the raw files to DIR in the endpoint's layout, for `pare refine --catalog DIR`
    #[arg(long, value_name = "DIR")]
    pub mirror: Option<PathBuf>,
    /// The AWS SDK metadata for the CloudTrail event table: PyPI's JSON URL
    /// for botocore, a botocore wheel (`.whl`), or the minimized `.json` copy
    #[arg(long, value_name = "FILE|URL", default_value = DEFAULT_SDK_URL)]
    pub sdk_source: String,
    /// How many requests may be in flight at once
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,
    /// The limit on each request, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// How many times a failed request is tried again
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub retries: u32,
    /// The delay before the first retry, in milliseconds (doubling, with jitter)
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub backoff_ms: u64,
    /// The longest `Retry-After` honoured, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub max_retry_after: u64,
    /// The largest response body accepted, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 8)]
    pub max_body_mib: u64,
    /// Print no progress
    #[arg(long, short)]
    pub quiet: bool,
}

impl SyncArgs {
    /// The options these flags ask for, writing the action table to `table`
    /// and the event table to `events_table`.
    pub fn into_options_with_events(
        self,
        table: impl Into<PathBuf>,
        events_table: impl Into<PathBuf>,
    ) -> Result<SyncOptions, Error> {
        let sdk = SdkSource::parse(&self.sdk_source)?;
        let mut options = self.into_options(table)?;
        options.events = Some(EventsOptions {
            table: events_table.into(),
            sdk,
        });
        Ok(options)
    }

    /// The options these flags ask for, writing to `table` (and no event table).
    pub fn into_options(self, table: impl Into<PathBuf>) -> Result<SyncOptions, Error> {
        if self.concurrency == 0 {
            return Err(Error::new(
                ErrorKind::Usage,
                "`--concurrency` must be at least 1",
            ));
        }
        if self.timeout == 0 || self.max_body_mib == 0 {
            return Err(Error::new(
                ErrorKind::Usage,
                "`--timeout` and `--max-body-mib` must be at least 1",
            ));
        }
        let mut options = SyncOptions::new(Source::parse(&self.source)?, table);
        options.check = self.check;
        options.allow_shrink = self.allow_shrink;
        options.report = self.report;
        options.mirror = self.mirror;
        options.progress = !self.quiet;
        let defaults = FetchOptions::default();
        options.fetch = FetchOptions {
            concurrency: self.concurrency,
            timeout: Duration::from_secs(self.timeout),
            retries: self.retries,
            backoff: Duration::from_millis(self.backoff_ms),
            max_backoff: defaults
                .max_backoff
                .max(Duration::from_millis(self.backoff_ms)),
            max_retry_after: Duration::from_secs(self.max_retry_after),
            max_body_bytes: self.max_body_mib.saturating_mul(1024 * 1024),
        };
        Ok(options)
    }
}
