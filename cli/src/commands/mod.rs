//! One module per subcommand; each exposes its clap arguments and a `run` returning an [`Exit`].
//!
//! [`Exit`]: crate::Exit

pub mod check;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod ir;
pub mod lsp;
mod replay;
pub mod report;
pub mod run;
pub mod serve;
pub mod state;
pub mod test;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use journey_syntax::SourceMap;

use crate::report as diagnostics;
use crate::sources::{self, PathError};
use crate::Exit;

/// Evaluator backends of `run` and `test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The program's expressions compiled to native code with Cranelift (the default).
    Jit,
    /// The reference interpreter, which defines what every expression means.
    Interp,
}

/// The evaluator for `program`; a program the JIT cannot compile is an error, never a silent
/// fall back to the interpreter.
fn evaluator(
    program: &journey_ir::Program,
    backend: Backend,
) -> Result<Box<dyn journey_ir::eval::Evaluator + '_>, Exit> {
    match backend {
        Backend::Interp => Ok(Box::new(journey_ir::eval::Interpreter::new(program))),
        Backend::Jit => match journey_jit::compile(program) {
            Ok(compiled) => Ok(Box::new(compiled)),
            Err(error) => {
                eprintln!("error: {error}");
                eprintln!("  = help: `--backend interp` runs the program with the interpreter");
                Err(Exit::Failure)
            }
        },
    }
}

/// Loads, checks and lowers the program at `paths`; on errors prints them and gives the exit.
fn compile(paths: &[PathBuf]) -> Result<(SourceMap, journey_ir::Program), Exit> {
    let sources = sources::find(paths)
        .and_then(|found| sources::load(&found))
        .map_err(|error| fail(&error))?;
    let analysis = journey_check::check(&sources);
    match journey_ir::lower(&analysis) {
        Ok(program) => Ok((sources, program)),
        Err(journey_ir::LowerError::HasErrors(_)) => {
            let rendered = diagnostics::render_human(
                &sources,
                &analysis.diagnostics,
                wants_color(io::stderr().is_terminal()),
            );
            let _ = io::stderr().lock().write_all(rendered.as_bytes());
            Err(Exit::Problems)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Err(Exit::Failure)
        }
    }
}

/// Reports a path that could not be used and gives the "could not run" status.
fn fail(error: &PathError) -> Exit {
    eprintln!("error: {error}");
    Exit::Failure
}

/// Colours only for a person at a terminal, and never when `NO_COLOR` is set (no-color.org).
fn wants_color(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
