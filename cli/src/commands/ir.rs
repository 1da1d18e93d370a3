//! `journey ir`: check a program, lower it and print its IR (for tests and debugging).

use std::io::{self, Write};
use std::path::PathBuf;

use crate::Exit;

/// The arguments of `journey ir`.
#[derive(Debug, clap::Args)]
pub struct IrArgs {
    /// `.journey` files, or folders searched recursively for them; all of them form one program.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
}

/// Prints the IR of the program on stdout; a program with errors gets its diagnostics instead.
pub fn run(args: &IrArgs) -> Exit {
    let program = match super::compile(&args.paths) {
        Ok((_, program)) => program,
        Err(exit) => return exit,
    };
    let printed = journey_ir::print::print(&program);
    match io::stdout().lock().write_all(printed.as_bytes()) {
        Ok(()) => Exit::Clean,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Exit::Clean,
        Err(error) => {
            eprintln!("error: cannot write the IR: {error}");
            Exit::Failure
        }
    }
}
