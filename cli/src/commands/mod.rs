//! One module per subcommand; [`run`] dispatches a parsed command line to it.
//!
//! Each subcommand takes its validated config from [`crate::args`] and the
//! streams, writes its result to stdout and its notes to stderr, and returns
//! the exit code for a run that did not fail ([`crate::exit`]).

use crate::args::Command;
use crate::error::Error;
use crate::io::Io;

pub mod account;
pub mod catalog;
pub mod completions;
pub mod expand;
pub mod explain;
pub mod gate;
pub mod refine;
pub mod source;
pub mod usage;
pub mod verify;

/// Runs one subcommand.
pub fn run(command: Command, io: &mut Io<'_>) -> Result<i32, Error> {
    let output = match &command {
        Command::Refine(args) => args.output.output.clone(),
        Command::Explain(args) => args.output.output.clone(),
        Command::Expand(args) => args.output.output.clone(),
        Command::Catalog(args) => args.output.output.clone(),
        Command::Verify(args) => args.output.output.clone(),
        Command::Usage(args) => args.output.output.clone(),
        Command::Account(_) | Command::Completions(_) | Command::Man(_) => None,
    };
    match output {
        None => dispatch(command, io),
        Some(path) => crate::output::to_file(&path, io, |io| dispatch(command, io)),
    }
}

fn dispatch(command: Command, io: &mut Io<'_>) -> Result<i32, Error> {
    match command {
        Command::Refine(args) => refine::run(&args.validate()?, io),
        Command::Account(args) => account::run(&args.validate()?, io),
        Command::Explain(args) => explain::run(&args.validate()?, io),
        Command::Expand(args) => expand::run(&args.validate()?, io),
        Command::Catalog(args) => catalog::run(&args.validate()?, io),
        Command::Verify(args) => verify::run(&args.validate()?, io),
        Command::Usage(args) => usage::run(&args.validate()?, io),
        Command::Completions(args) => completions::completions(args.shell, io),
        Command::Man(args) => completions::man(args.subcommand.as_deref(), io),
    }
}
