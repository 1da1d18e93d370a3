//! The latency pass: every line timed as a whole, and every [`LATENCY_EVERY`]th line from the
//! start of `handle_line` to each action it emits. A timed line that emits more than
//! [`STORM_ACTIONS`] actions is a schedule storm (a newsletter due for a whole zone at once):
//! its samples are counted apart, so that the percentiles say what one event costs.
//!
//! A second sample, every [`LATENCY_EVERY`]th line half-way between the first's, measures the
//! event alone: the timers due by the line's time are fired first, untimed (as `handle_line`
//! would fire them before the event), and then the line is timed to each action the event itself
//! causes.

use std::path::Path;
use std::time::{Duration, Instant};

use journey_ir::eval::Evaluator;
use journey_ir::Program;
use journey_runtime::output::Action;
use journey_runtime::{Engine, Reject, Sink};

use super::e2e::JsonSink;
use super::input::Lines;

/// Every this many lines, one is timed for the latency measurement.
pub(super) const LATENCY_EVERY: usize = 64;

/// More actions than this from one line make it a storm: one contact's event sends a few.
pub(super) const STORM_ACTIONS: usize = 100;

/// Timestamps actions against the start of the line being handled, when that line is sampled.
#[derive(Default)]
struct LatencySink {
    start: Option<Instant>,
    /// The samples of the timed line being handled.
    line_samples: Vec<u64>,
    /// Actions of the timed line being handled.
    this_line: usize,
    inner: JsonSink,
}

impl Sink for LatencySink {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        if let Some(start) = self.start {
            self.line_samples.push(start.elapsed().as_nanos() as u64);
            self.this_line += 1;
        }
        self.inner.action(program, action);
    }

    fn reject(&mut self, reject: &Reject) {
        self.inner.reject(reject);
    }
}

pub(super) struct Latency {
    pub(super) lines: usize,
    pub(super) samples: usize,
    pub(super) p50_ns: u64,
    pub(super) p99_ns: u64,
    pub(super) max_ns: u64,
    /// Timed lines left out as storms, and their samples.
    pub(super) storm_lines: usize,
    /// The event alone: lines sampled, their samples and percentiles.
    pub(super) event_lines: usize,
    pub(super) event_samples: usize,
    pub(super) event_p50_ns: u64,
    pub(super) event_p99_ns: u64,
    pub(super) event_max_ns: u64,
    pub(super) storm_samples: usize,
    /// The most actions one timed line emitted.
    pub(super) burst: usize,
    /// The slowest line of all (timed or not), its number and the actions it emitted.
    pub(super) worst_line: Duration,
    pub(super) worst_line_number: u64,
    pub(super) worst_line_actions: u64,
}

pub(super) fn latency(program: &Program, evaluator: &dyn Evaluator, path: &Path) -> Latency {
    let mut engine = Engine::new(program, evaluator, super::run_options());
    let mut sink = LatencySink::default();
    let mut timed = 0;
    let mut burst = 0;
    let mut samples = Vec::new();
    let mut event_samples = Vec::new();
    let mut event_lines = 0;
    let (mut storm_lines, mut storm_samples) = (0, 0);
    // Every line is timed as a whole (two clock reads, well under 1% of a line's cost), to find
    // the slowest one, which sampling would likely miss.
    let mut worst = (Duration::ZERO, 0, 0);
    let mut lines = Lines::open(path);
    while let Some((number, line)) = lines.next_line() {
        let before = sink.inner.actions;
        let start = Instant::now();
        if (number - 1).is_multiple_of(LATENCY_EVERY as u64) {
            timed += 1;
            sink.this_line = 0;
            sink.start = Some(start);
            engine.handle_line(number, line, &mut sink);
            sink.start = None;
            burst = burst.max(sink.this_line);
            if sink.line_samples.len() > STORM_ACTIONS {
                storm_lines += 1;
                storm_samples += sink.line_samples.len();
                sink.line_samples.clear();
            } else {
                samples.append(&mut sink.line_samples);
            }
        } else if (number - 1) % LATENCY_EVERY as u64 == LATENCY_EVERY as u64 / 2 {
            if let Some(at) = timestamp(line) {
                engine.finish(Some(at), &mut sink);
            }
            event_lines += 1;
            sink.start = Some(Instant::now());
            engine.handle_line(number, line, &mut sink);
            sink.start = None;
            event_samples.append(&mut sink.line_samples);
        } else {
            engine.handle_line(number, line, &mut sink);
        }
        let spent = start.elapsed();
        if spent > worst.0 {
            worst = (spent, number, sink.inner.actions - before);
        }
    }
    engine.finish(None, &mut sink);
    drop(engine);
    samples.sort_unstable();
    event_samples.sort_unstable();
    let quantile = |samples: &[u64], q: f64| {
        samples
            .get(((samples.len() as f64 * q) as usize).min(samples.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let at = |q: f64| quantile(&samples, q);
    Latency {
        lines: timed,
        samples: samples.len(),
        p50_ns: at(0.50),
        p99_ns: at(0.99),
        max_ns: samples.last().copied().unwrap_or(0),
        storm_lines,
        event_lines,
        event_samples: event_samples.len(),
        event_p50_ns: quantile(&event_samples, 0.50),
        event_p99_ns: quantile(&event_samples, 0.99),
        event_max_ns: event_samples.last().copied().unwrap_or(0),
        storm_samples,
        burst,
        worst_line: worst.0,
        worst_line_number: worst.1,
        worst_line_actions: worst.2,
    }
}

/// The instant of a line's `timestamp` (the generated stream writes it as an RFC 3339 string).
fn timestamp(line: &[u8]) -> Option<i64> {
    const KEY: &[u8] = b"\"timestamp\":\"";
    let start = line.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let len = line.get(start..)?.iter().position(|&b| b == b'"')?;
    let text = std::str::from_utf8(line.get(start..start + len)?).ok()?;
    journey_runtime::input::parse_instant(text)
}
