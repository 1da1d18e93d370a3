//! `journey fmt`: rewrite files in the canonical layout, or with `--check` list those that differ.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use journey_check::messages::syntax_error;
use journey_syntax::SourceMap;

use super::{fail, wants_color};
use crate::report;
use crate::sources::{self, PathError};
use crate::Exit;

/// The arguments of `journey fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// `.journey` files, or folders searched recursively for them.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Write nothing; list the files that would change and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
}

/// Formats every file under the paths.
///
/// Exit 2 if a path cannot be read or a file cannot be written; otherwise exit 1 if a file has
/// syntax errors (reported on stderr, the file left alone) or, under `--check`, is not formatted.
pub fn run(args: &FmtArgs) -> Exit {
    let found = match sources::find(&args.paths) {
        Ok(found) => found,
        Err(error) => return fail(&error),
    };
    // Read everything before writing anything, so an unreadable file leaves the tree untouched.
    let mut texts = Vec::with_capacity(found.len());
    for file in &found {
        match sources::read(file) {
            Ok(text) => texts.push(text),
            Err(error) => return fail(&error),
        }
    }

    let mut exit = Exit::Clean;
    let mut broken = SourceMap::new();
    let mut diagnostics = Vec::new();
    let mut stdout = io::stdout().lock();
    for (file, text) in found.iter().zip(texts) {
        let formatted = match journey_fmt::format_source(&text) {
            Ok(formatted) => formatted,
            Err(error) => {
                // The formatter parses each file alone, as file 0; renumber into the map that
                // collects every broken file, so that one report covers them all.
                let id = broken.add(file.name.clone(), text);
                diagnostics.extend(error.errors.iter().map(|e| {
                    let mut e = e.clone();
                    e.span.file = id;
                    syntax_error(&e)
                }));
                exit = exit.max(Exit::Problems);
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if args.check {
            // A closed pipe only stops the listing; the exit status still tells the truth.
            let _ = writeln!(stdout, "{}", file.name);
            exit = exit.max(Exit::Problems);
        } else if let Err(error) = fs::write(&file.path, formatted) {
            eprintln!(
                "error: {}",
                PathError {
                    path: file.name.clone(),
                    reason: format!("cannot write: {error}")
                }
            );
            exit = Exit::Failure;
        }
    }
    drop(stdout);

    if !diagnostics.is_empty() {
        let color = wants_color(io::stderr().is_terminal());
        let _ = io::stderr()
            .lock()
            .write_all(report::render_human(&broken, &diagnostics, color).as_bytes());
    }
    exit
}
