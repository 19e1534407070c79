//! Integration tests of the sync, offline: sources are local trees or a
//! loopback server this binary starts itself.

mod faults;
mod full;
mod modes;
mod server;
mod support;
