//! `journey report`: a campaign report of a run, as `report.json` and a self-contained
//! `report.html`.
//!
//! Runs the program over the input like `journey run`, with the engine's trace on, and counts
//! what the trace says with `journey_insight::report::Counters` (no output is parsed). Writes
//! `DIR/report.json` and `DIR/report.html` (default `report/`) and prints their paths.

use std::fs;
use std::path::PathBuf;

use journey_insight::report::{self, Counters};
use journey_runtime::Engine;

use super::replay;
use super::run::{parse_lateness, parse_until};
use super::Backend;
use crate::Exit;

/// The arguments of `journey report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The program: a `.journey` file or a folder of them.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// The input: a file of Segment-spec NDJSON, or `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub events: PathBuf,
    /// After the input ends, advance time to this RFC 3339 instant, firing the timers due.
    #[arg(long, value_name = "INSTANT", value_parser = parse_until)]
    pub until: Option<i64>,
    /// The folder to write `report.json` and `report.html` into (created if missing).
    #[arg(long, value_name = "DIR", default_value = "report")]
    pub out: PathBuf,
    /// The evaluator of expressions (both give the same report).
    #[arg(long, value_enum, default_value_t = Backend::Jit)]
    pub backend: Backend,
    /// How far an event may be older than the run's clock and still be handled.
    #[arg(long, value_name = "DURATION", value_parser = parse_lateness, default_value = "0s")]
    pub lateness: i64,
}

/// Runs the program and writes the report.
pub fn run(args: &ReportArgs) -> Exit {
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
    let mut counters = Counters::new(&program);
    if let Err(exit) = replay::replay(&mut engine, input, &args.events, args.until, &mut counters) {
        return exit;
    }
    let report = report::build(&counters, &program, engine.state());
    if let Err(error) = fs::create_dir_all(&args.out) {
        eprintln!("error: cannot create {}: {error}", args.out.display());
        return Exit::Failure;
    }
    for (name, text) in [
        ("report.json", report.to_json() + "\n"),
        ("report.html", report::html(&report)),
    ] {
        let path = args.out.join(name);
        if let Err(error) = fs::write(&path, text) {
            eprintln!("error: cannot write {}: {error}", path.display());
            return Exit::Failure;
        }
        println!("{}", path.display());
    }
    let stats = engine.stats();
    if stats.rejected > 0 {
        eprintln!(
            "note: {} of {} lines were rejected (`journey run --rejects FILE` lists them)",
            stats.rejected, stats.lines
        );
    }
    Exit::Clean
}
