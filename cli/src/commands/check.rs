//! `journey check`: parse and check a program, and report its diagnostics in one of four formats.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::ValueEnum;
use journey_check::Severity;

use super::{fail, wants_color};
use crate::report;
use crate::sources;
use crate::Exit;

/// The arguments of `journey check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// `.journey` files, or folders searched recursively for them; all of them form one program.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// How to print the diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Fail (exit 1) on warnings too, not only on errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// The output formats of `journey check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with labels and help, for people.
    Human,
    /// One JSON object per diagnostic per line.
    Json,
    /// A SARIF 2.1.0 log, for code-scanning services.
    Sarif,
    /// GitHub Actions workflow commands, which become annotations on pull requests.
    Github,
}

/// Checks the program the paths make up and prints its diagnostics on stdout.
pub fn run(args: &CheckArgs) -> Exit {
    let sources = match sources::find(&args.paths).and_then(|found| sources::load(&found)) {
        Ok(sources) => sources,
        Err(error) => return fail(&error),
    };
    let analysis = journey_check::check(&sources);
    let diagnostics = &analysis.diagnostics;
    let output = match args.format {
        Format::Human => report::render_human(
            &sources,
            diagnostics,
            wants_color(io::stdout().is_terminal()),
        ),
        Format::Json => report::render_json(&sources, diagnostics),
        Format::Sarif => report::render_sarif(&sources, diagnostics),
        Format::Github => report::render_github(&sources, diagnostics),
    };
    if let Err(error) = io::stdout().lock().write_all(output.as_bytes()) {
        // A closed pipe (`journey check | head`) is the reader's choice, not a failure to report.
        if error.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {error}");
            return Exit::Failure;
        }
    }
    verdict(diagnostics.iter().map(|d| d.severity), args.deny_warnings)
}

/// The exit status for a set of diagnostics.
pub fn verdict(severities: impl IntoIterator<Item = Severity>, deny_warnings: bool) -> Exit {
    let failing = severities
        .into_iter()
        .any(|s| s == Severity::Error || deny_warnings);
    if failing {
        Exit::Problems
    } else {
        Exit::Clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        assert_eq!(verdict([], false), Exit::Clean);
        assert_eq!(verdict([], true), Exit::Clean);
        assert_eq!(verdict([Severity::Warning], false), Exit::Clean);
        assert_eq!(verdict([Severity::Warning], true), Exit::Problems);
        assert_eq!(
            verdict([Severity::Warning, Severity::Error], false),
            Exit::Problems
        );
    }
}
