//! The `pare` binary: everything lives in the `pare_cli` library, so tests run it in-process.

use std::process::ExitCode;

use pare_cli::Io;

/// mimalloc, for speed: see the workspace's `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let code = pare_cli::run(std::env::args_os(), &mut Io::real());
    // `run` only returns the documented codes 0, 1 and 2, all of which fit a byte.
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}
