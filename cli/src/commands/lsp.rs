//! `journey lsp`: the language server, over stdin and stdout, for editors.

use crate::Exit;

/// The arguments of `journey lsp`.
#[derive(Debug, clap::Args)]
pub struct LspArgs {
    /// Talk over stdin and stdout (the default and only transport; accepted because editor
    /// clients pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// Serves until the client says `exit`: status 0 after a `shutdown`, 1 without one (as the
/// protocol asks), 2 if the connection failed.
pub fn run(_args: &LspArgs) -> Exit {
    match journey_lsp::run_stdio() {
        Ok(true) => Exit::Clean,
        Ok(false) => Exit::Problems,
        Err(error) => {
            eprintln!("error: language server: {error}");
            Exit::Failure
        }
    }
}
