//! The `journey` binary: parses the command line and hands it to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap exits with status 2 on a usage error, which is already our "could not run" code.
    journey_cli::run(journey_cli::Cli::parse()).into()
}
