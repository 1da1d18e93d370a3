//! One module per subcommand; each exposes its clap arguments and a `run` returning an [`Exit`].
//!
//! [`Exit`]: crate::Exit

pub mod check;
pub mod fmt;
pub mod ir;
pub mod lsp;

use crate::sources::PathError;
use crate::Exit;

/// Reports a path that could not be used and gives the "could not run" status.
fn fail(error: &PathError) -> Exit {
    eprintln!("error: {error}");
    Exit::Failure
}

/// Colours only for a person at a terminal, and never when `NO_COLOR` is set (no-color.org).
fn wants_color(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
