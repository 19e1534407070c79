//! Integration tests of the sync, offline: sources are local trees or a
//! loopback server this binary starts itself.

// clippy.toml allows these in `#[test]` functions; the helpers and the test
// server here are test code as much as those are.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code fails loudly"
)]

mod events;
mod faults;
mod full;
mod modes;
mod origin;
mod server;
mod support;
