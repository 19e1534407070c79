//! Integration tests of the `pare` binary's library, run in-process through
//! `pare_cli::run` (one test binary for the crate, a module per concern).

// clippy.toml allows these in `#[test]` functions only; the helpers that set
// up files and run the CLI are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed setup must stop the test loudly"
)]

mod account_json;
mod bad_input;
mod common;
mod hostile;
mod org;
mod scripts;
mod security_hub;
