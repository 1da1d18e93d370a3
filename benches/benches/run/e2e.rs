//! The end-to-end pass: `Engine::handle_line` on every line, then `finish`, with every action
//! rendered as JSON; the process's resident set before and after it, its peak, and the size of
//! the serialised state.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

use journey_ir::eval::Evaluator;
use journey_ir::Program;
use journey_runtime::output::Action;
use journey_runtime::{Engine, Reject, Sink};

use super::input::Lines;

/// `(VmRSS, VmHWM)` of this process in bytes, from `/proc/self/status` (0 when unreadable).
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets VmHWM to the current VmRSS (Linux's `clear_refs` value 5), so that the next reading
/// is the peak of what comes after; does nothing where that is not possible.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Renders every action as `journey run` would, and counts them.
#[derive(Default)]
pub(super) struct JsonSink {
    pub(super) actions: u64,
    bytes: u64,
    rejects: u64,
    /// Actions of `welcome` and `abandoned_cart`, to compare with the limit.
    welcome: u64,
    cart: u64,
    /// The line an action is written into, reused, as `journey run` does.
    line: String,
}

impl Sink for JsonSink {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.actions += 1;
        self.line.clear();
        action.write_json(program, &mut self.line);
        self.bytes += self.line.len() as u64 + 1;
        match action.journey {
            "welcome" => self.welcome += 1,
            "abandoned_cart" => self.cart += 1,
            _ => {}
        }
    }

    fn reject(&mut self, _reject: &Reject) {
        self.rejects += 1;
    }
}

pub(super) struct EndToEnd {
    pub(super) time: Duration,
    pub(super) actions: u64,
    pub(super) welcome: u64,
    pub(super) cart: u64,
    pub(super) by_kind: [u64; 7],
    pub(super) contacts: usize,
    pub(super) timers_fired: u64,
    pub(super) timers_pending: usize,
    pub(super) rss_before: u64,
    pub(super) rss_after: u64,
    pub(super) rss_growth: u64,
    pub(super) peak: u64,
    pub(super) serialised: u64,
}

pub(super) fn end_to_end(program: &Program, evaluator: &dyn Evaluator, path: &Path) -> EndToEnd {
    reset_peak();
    let (rss_before, _) = memory();
    let started = Instant::now();
    let mut engine = Engine::new(program, evaluator, super::run_options());
    let mut sink = JsonSink::default();
    let mut lines = Lines::open(path);
    while let Some((number, line)) = lines.next_line() {
        engine.handle_line(number, line, &mut sink);
    }
    engine.finish(None, &mut sink);
    let time = started.elapsed();
    let (rss_after, peak) = memory();
    assert_eq!(sink.rejects, 0, "the generated stream has no bad line");
    let stats = engine.stats().clone();
    let state = engine.state();
    let mut counter = ByteCounter(0);
    serde_json::to_writer(&mut counter, state).expect("the state serialises");
    let run = EndToEnd {
        time,
        actions: sink.actions,
        welcome: sink.welcome,
        cart: sink.cart,
        by_kind: stats.actions,
        contacts: state.contacts.len(),
        timers_fired: stats.timers,
        timers_pending: state.timers.len(),
        rss_before,
        rss_after,
        rss_growth: rss_after.saturating_sub(rss_before),
        peak,
        serialised: counter.0,
    };
    drop(engine);
    run
}

/// An `io::Write` that only counts.
struct ByteCounter(u64);

impl io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
