//! Replaying an input through a traced engine: what `journey explain` and `journey report` share
//! (they differ only in the sink that listens to the trace and in what they print).

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use journey_runtime::input::{self, Limits};
use journey_runtime::{Engine, Options, Sink};

use crate::Exit;
use journey_runtime::input::strip_terminator;

/// The options of a run whose every decision goes to the sink's `trace`.
pub(super) fn traced(lateness: i64) -> Options {
    Options {
        lateness,
        limits: Limits::default(),
        trace: true,
        dedupe_window: journey_runtime::engine::DEFAULT_DEDUPE_WINDOW,
    }
}

/// The input named by `--events`: the file, or stdin for `-`.
pub(super) fn open_events(path: &Path) -> Result<Box<dyn Read>, Exit> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(io::stdin().lock()));
    }
    match File::open(path) {
        Ok(file) => Ok(Box::new(file)),
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", path.display());
            Err(Exit::Failure)
        }
    }
}

/// Feeds every line of `input` (read from `path`) to `engine`, then lets time run to `until`.
pub(super) fn replay(
    engine: &mut Engine<'_>,
    input: Box<dyn Read>,
    path: &Path,
    until: Option<i64>,
    sink: &mut dyn Sink,
) -> Result<(), Exit> {
    let max_line_bytes = Limits::default().max_line_bytes;
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let mut line = Vec::with_capacity(1024);
    let mut line_number = 0u64;
    loop {
        line.clear();
        match input::read_line_bounded(&mut reader, &mut line, max_line_bytes) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", path.display());
                return Err(Exit::Failure);
            }
        }
        line_number += 1;
        engine.handle_line(line_number, strip_terminator(&line), sink);
    }
    engine.finish(until, sink);
    Ok(())
}
