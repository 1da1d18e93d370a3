//! The `journey` command-line tool: argument parsing, one module per subcommand, and the
//! renderers that lay diagnostics out for people and machines.
//!
//! The binary is a thin shell over [`run`]; everything is in the library so that other crates'
//! tests (the diagnostic snapshots of `tests/check`) can render exactly what users see.

pub mod commands;
pub mod exit;
pub mod report;
pub mod sources;

use clap::{Parser, Subcommand};

pub use exit::Exit;

/// The command line of `journey`.
#[derive(Debug, Parser)]
#[command(
    name = "journey",
    version,
    about = "The journey language: check, format and run marketing journeys"
)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every subcommand; adding one is a variant here, an arm in [`run`] and a module in
/// [`commands`].
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check programs for errors and warnings.
    Check(commands::check::CheckArgs),
    /// Format files in place, or list the ones that are not formatted.
    Fmt(commands::fmt::FmtArgs),
    /// Run the language server over stdin and stdout (for editors).
    Lsp(commands::lsp::LspArgs),
    /// Draw each journey as a flow diagram (SVG, Graphviz DOT or Mermaid).
    Graph(commands::graph::GraphArgs),
    /// Print the IR a program lowers to (for tests and debugging).
    Ir(commands::ir::IrArgs),
    /// Run a program over a stream of Segment-spec events.
    Run(commands::run::RunArgs),
    /// Run a program as a service: follow a source, checkpoint its state, survive restarts.
    Serve(Box<commands::serve::ServeArgs>),
    /// Inspect the checkpointed state of `journey serve`.
    State(commands::state::StateArgs),
    /// Explain every decision the engine made for one contact of a stream.
    Explain(commands::explain::ExplainArgs),
    /// Write a campaign report of a run (report.json and a self-contained report.html).
    Report(commands::report::ReportArgs),
    /// Run the `test` blocks of a program.
    Test(commands::test::TestArgs),
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Fmt(args) => commands::fmt::run(&args),
        Command::Lsp(args) => commands::lsp::run(&args),
        Command::Graph(args) => commands::graph::run(&args),
        Command::Ir(args) => commands::ir::run(&args),
        Command::Run(args) => commands::run::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::State(args) => commands::state::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Report(args) => commands::report::run(&args),
        Command::Test(args) => commands::test::run(&args),
    }
}
