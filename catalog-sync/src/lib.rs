//! Fetches AWS's Service Authorization Reference, validates it, and renders
//! `pare`'s catalog table (`catalog/src/generated.rs`). This is the only crate
//! of the workspace that touches the network.
//!
//! A sync guarantees:
//! - nothing is written unless every service listed by the index arrived and
//!   validated (a bad or missing service aborts, naming it);
//! - the table is replaced atomically (a temporary file beside it, then a rename),
//!   and a `--mirror` directory whole ([`replace_dir`]), keeping no file of a
//!   service the index no longer lists;
//! - over HTTP, only the origin it was pointed at is read: redirects are
//!   refused, and a service URL the index puts on another origin aborts;
//! - a catalog that loses more than [`SyncOptions::max_shrink`] of the current
//!   services or actions is refused unless [`SyncOptions::allow_shrink`];
//! - the rendered bytes depend only on the data, not on where it was read from.
//!
//! ```no_run
//! use pare_catalog_sync::{Source, SyncOptions, run};
//!
//! let source = Source::parse("/path/to/service-reference")?;
//! let mut options = SyncOptions::new(source, "catalog/src/generated.rs");
//! options.check = true;
//! let outcome = run(&options)?;
//! eprintln!("{}", outcome.summary());
//! std::process::exit(i32::from(outcome.exit_code()));
//! # Ok::<(), pare_catalog_sync::Error>(())
//! ```
//!
//! Exit codes, as `cargo xtask sync-catalog` uses them: 0 when the table is up
//! to date or was written, 1 when `--check` finds it stale, 2 ([`EXIT_ERROR`])
//! on any error.

mod error;
mod fetch;
mod options;
mod render;
mod render_events;
mod report;
mod sdk;
mod sync;
mod write;

pub use error::{Error, ErrorKind};
pub use options::{
    DEFAULT_SDK_URL, EventsOptions, FetchOptions, SdkSource, Source, SyncArgs, SyncOptions,
};
pub use render::{REGENERATE_COMMAND, parse as parse_table, render};
pub use render_events::{EventChanges, render_events};
pub use report::{Changes, Counts};
pub use sdk::read_wheel;
pub use sync::{EXIT_ERROR, EventsOutcome, Outcome, Status, run, sync};
pub use write::{atomic_write, replace_dir, temp_dir_beside};
