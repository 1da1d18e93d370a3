//! `journey run`: execute a program over a Segment NDJSON stream in event time.
//!
//! Actions go to `--out` (stdout by default), one JSON object per line; rejected lines go to
//! `--rejects` as JSON, or to stderr as text when no file is given, so that none is lost. The
//! summary goes to stderr, with a progress bar when stderr is a terminal.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use journey_ir::Program;
use journey_runtime::engine::ACTION_KINDS;
use journey_runtime::input::Limits;
use journey_runtime::output::Action;
use journey_runtime::{input, Engine, Options, Reject, Sink, Stats};

use super::Backend;
use crate::Exit;

/// The arguments of `journey run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The program: a `.journey` file or a folder of them.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// The input: a file of Segment-spec NDJSON, or `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub events: PathBuf,
    /// After the input ends, advance time to this RFC 3339 instant, firing the timers due.
    #[arg(long, value_name = "INSTANT", value_parser = parse_until)]
    pub until: Option<i64>,
    /// Write actions here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write rejected lines here, one JSON object each (default: described on stderr).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// How far an event may be older than the run's clock and still be handled (`30s`, `5m`,
    /// `1h`, ...).
    #[arg(long, value_name = "DURATION", value_parser = parse_lateness, default_value = "0s")]
    pub lateness: i64,
    /// The evaluator of expressions: native code compiled with Cranelift, or the reference
    /// interpreter.
    #[arg(long, value_enum, default_value_t = Backend::Jit)]
    pub backend: Backend,
    /// How long a line's Segment `messageId` is remembered for its contact: a later line with
    /// the same id within it is rejected as `duplicate` (`0s` turns this off).
    #[arg(long, value_name = "DURATION", value_parser = parse_lateness, default_value = "24h")]
    pub dedupe_window: i64,
    /// Exit 1 when any line was rejected.
    #[arg(long)]
    pub strict: bool,
    /// Reject lines longer than this many bytes (`line_too_long`), without reading them whole.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_line_bytes)]
    pub max_line_bytes: usize,
    /// Reject events whose `properties` (or `traits`) have more keys than this
    /// (`too_many_properties`).
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_properties)]
    pub max_properties: usize,
}

pub(super) fn parse_until(text: &str) -> Result<i64, String> {
    input::parse_instant(text)
        .ok_or_else(|| format!("`{text}` is not an RFC 3339 instant such as 2026-01-05T10:00:00Z"))
}

pub(super) fn parse_lateness(text: &str) -> Result<i64, String> {
    input::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration such as 30s, 15m, 2h, 3d or 1w"))
}

/// Runs the program over the input.
pub fn run(args: &RunArgs) -> Exit {
    let program = match super::compile(std::slice::from_ref(&args.path)) {
        Ok((_, program)) => program,
        Err(exit) => return exit,
    };
    let (input, size): (Box<dyn Read>, Option<u64>) = if args.events.as_os_str() == "-" {
        (Box::new(io::stdin().lock()), None)
    } else {
        match File::open(&args.events) {
            Ok(file) => {
                let size = file.metadata().ok().map(|m| m.len());
                (Box::new(file), size)
            }
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", args.events.display());
                return Exit::Failure;
            }
        }
    };
    let actions = match output(args.out.as_ref(), || Box::new(io::stdout().lock())) {
        Ok(actions) => actions,
        Err(exit) => return exit,
    };
    let rejects = match output(args.rejects.as_ref(), || Box::new(io::stderr())) {
        Ok(rejects) => rejects,
        Err(exit) => return exit,
    };
    let progress = progress_bar(size);
    let mut sink = Output {
        actions: BufWriter::with_capacity(1 << 16, actions),
        rejects: BufWriter::new(rejects),
        rejects_as_json: args.rejects.is_some(),
        progress: progress.clone(),
        error: None,
        line: String::with_capacity(256),
    };
    let evaluator = match super::evaluator(&program, args.backend) {
        Ok(evaluator) => evaluator,
        Err(exit) => return exit,
    };
    let options = Options {
        lateness: args.lateness,
        limits: Limits {
            max_line_bytes: args.max_line_bytes,
            max_properties: args.max_properties,
        },
        trace: false,
        dedupe_window: args.dedupe_window,
    };
    let mut engine = Engine::new(&program, &*evaluator, options);
    let started = Instant::now();
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut line = Vec::with_capacity(1024);
    let mut line_number = 0u64;
    let mut read = 0u64;
    loop {
        line.clear();
        match input::read_line_bounded(&mut reader, &mut line, args.max_line_bytes) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", args.events.display());
                return Exit::Failure;
            }
        }
        line_number += 1;
        let content = input::strip_terminator(&line);
        engine.handle_line(line_number, content, &mut sink);
        if let Some(error) = sink.error.take() {
            return write_failed(&error);
        }
        if line_number.is_multiple_of(65_536) {
            if let Some(bar) = &progress {
                bar.set_position(read);
            }
        }
    }
    engine.finish(args.until, &mut sink);
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let flushed = sink.actions.flush().and_then(|()| sink.rejects.flush());
    if let Some(error) = sink.error.take().or(flushed.err()) {
        return write_failed(&error);
    }
    let stats = engine.stats();
    eprint!(
        "{}",
        summary(stats, engine.state().contacts.len(), started.elapsed())
    );
    let problems = args.strict && stats.rejected > 0;
    // The process ends here: freeing the run's state block by block (seconds for a million
    // contacts) would only delay the exit.
    std::mem::forget(engine);
    if problems {
        Exit::Problems
    } else {
        Exit::Clean
    }
}

/// The file at `path`, created, or the stream `otherwise` gives.
fn output(
    path: Option<&PathBuf>,
    otherwise: impl FnOnce() -> Box<dyn Write>,
) -> Result<Box<dyn Write>, Exit> {
    let Some(path) = path else {
        return Ok(otherwise());
    };
    match File::create(path) {
        Ok(file) => Ok(Box::new(file)),
        Err(error) => {
            eprintln!("error: cannot write {}: {error}", path.display());
            Err(Exit::Failure)
        }
    }
}

fn write_failed(error: &io::Error) -> Exit {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return Exit::Clean;
    }
    eprintln!("error: cannot write the output: {error}");
    Exit::Failure
}

/// A bar over the input's bytes (a spinner for stdin), only when stderr is a terminal.
fn progress_bar(size: Option<u64>) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = match size {
        Some(size) => ProgressBar::new(size).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} ({eta} left)").ok()?,
        ),
        None => ProgressBar::new_spinner(),
    };
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// The run's summary for stderr.
pub fn summary(stats: &Stats, contacts: usize, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        (stats.events + stats.identifies) as f64 / seconds
    } else {
        0.0
    };
    let actions: Vec<String> = ACTION_KINDS
        .iter()
        .zip(stats.actions)
        .map(|(kind, count)| format!("{count} {kind}"))
        .collect();
    format!(
        "read {} lines: {} events, {} identifies, {} rejected; {} contacts\nactions: {}\n{:.3} s, {:.0} inputs/s\n",
        stats.lines,
        stats.events,
        stats.identifies,
        stats.rejected,
        contacts,
        actions.join(", "),
        seconds,
        rate
    )
}

/// Writes actions and rejects, keeping the first write error for the loop to report.
struct Output<A: Write, R: Write> {
    actions: BufWriter<A>,
    rejects: BufWriter<R>,
    rejects_as_json: bool,
    /// The progress bar on stderr, which described rejects must not garble.
    progress: Option<ProgressBar>,
    error: Option<io::Error>,
    /// The line being written, reused from one action to the next.
    line: String,
}

impl<A: Write, R: Write> Sink for Output<A, R> {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        let line = &mut self.line;
        line.clear();
        action.write_json(program, line);
        line.push('\n');
        if let Err(error) = self.actions.write_all(line.as_bytes()) {
            self.error.get_or_insert(error);
        }
    }

    fn reject(&mut self, reject: &Reject) {
        let written = if self.rejects_as_json {
            writeln!(self.rejects, "{}", reject.to_json())
        } else {
            let line = format!(
                "rejected line {} ({}): {}",
                reject.line,
                reject.reason.code(),
                reject.reason
            );
            let rejects = &mut self.rejects;
            let mut write = || writeln!(rejects, "{line}").and_then(|()| rejects.flush());
            match &self.progress {
                Some(bar) => bar.suspend(write),
                None => write(),
            }
        };
        if let Err(error) = written {
            self.error.get_or_insert(error);
        }
    }
}
