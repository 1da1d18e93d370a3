//! `journey explain`: every decision the engine made for one contact, in time order.
//!
//! Runs the program over the input like `journey run`, with the engine's trace on, and prints
//! what `journey_insight::explain` makes of the contact's decisions: text for a person, or one
//! JSON object for tools. A contact that never appears is an error (exit 2), with the nearest
//! contact id seen.

use std::io::{self, Write};
use std::path::PathBuf;

use journey_insight::explain::Recorder;
use journey_runtime::Engine;

use super::replay;
use super::run::{parse_lateness, parse_until};
use super::Backend;
use crate::Exit;

/// The arguments of `journey explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The program: a `.journey` file or a folder of them.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// The input: a file of Segment-spec NDJSON, or `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub events: PathBuf,
    /// The contact to explain (its `userId`, else `anonymousId`).
    #[arg(long, value_name = "ID")]
    pub contact: String,
    /// After the input ends, advance time to this RFC 3339 instant, firing the timers due.
    #[arg(long, value_name = "INSTANT", value_parser = parse_until)]
    pub until: Option<i64>,
    /// `text` for a person, `json` for tools.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The evaluator of expressions (both give the same explanation).
    #[arg(long, value_enum, default_value_t = Backend::Jit)]
    pub backend: Backend,
    /// How far an event may be older than the run's clock and still be handled.
    #[arg(long, value_name = "DURATION", value_parser = parse_lateness, default_value = "0s")]
    pub lateness: i64,
}

/// The output formats of `journey explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain sentences, one decision a line, grouped by input.
    Text,
    /// One JSON object with the list of decisions.
    Json,
}

/// Explains the contact's decisions.
pub fn run(args: &ExplainArgs) -> Exit {
    let program = match super::compile(std::slice::from_ref(&args.path)) {
        Ok((_, program)) => program,
        Err(exit) => return exit,
    };
    let input = match replay::open_events(&args.events) {
        Ok(input) => input,
        Err(exit) => return exit,
    };
    let evaluator = match super::evaluator(&program, args.backend) {
        Ok(evaluator) => evaluator,
        Err(exit) => return exit,
    };
    let options = replay::traced(args.lateness);
    let mut engine = Engine::new(&program, &*evaluator, options);
    let mut recorder = Recorder::new(Some(&args.contact));
    if let Err(exit) = replay::replay(&mut engine, input, &args.events, args.until, &mut recorder) {
        return exit;
    }
    let Some(explanation) = recorder.explain(&engine, &program, &args.contact) else {
        eprintln!(
            "error: contact `{}` does not appear in {}",
            args.contact,
            args.events.display()
        );
        match journey_check::did_you_mean(&args.contact, recorder.seen()) {
            Some(near) => eprintln!("  = help: did you mean `{near}`?"),
            None => {
                let seen = recorder.seen().count();
                eprintln!(
                    "  = note: the input has {seen} contact{}",
                    if seen == 1 { "" } else { "s" }
                );
            }
        }
        return Exit::Failure;
    };
    let mut text = match args.format {
        Format::Text => explanation.to_text(),
        Format::Json => explanation.to_json(),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    match io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the output: {error}");
            Exit::Failure
        }
        _ => Exit::Clean,
    }
}
