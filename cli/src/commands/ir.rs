//! `journey ir`: check a program, lower it and print its IR (for tests and debugging).

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use super::{fail, wants_color};
use crate::report;
use crate::sources;
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
    let sources = match sources::find(&args.paths).and_then(|found| sources::load(&found)) {
        Ok(sources) => sources,
        Err(error) => return fail(&error),
    };
    let analysis = journey_check::check(&sources);
    let program = match journey_ir::lower(&analysis) {
        Ok(program) => program,
        Err(journey_ir::LowerError::HasErrors(_)) => {
            let rendered = report::render_human(
                &sources,
                &analysis.diagnostics,
                wants_color(io::stderr().is_terminal()),
            );
            let _ = io::stderr().lock().write_all(rendered.as_bytes());
            return Exit::Problems;
        }
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Failure;
        }
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
