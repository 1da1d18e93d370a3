//! Benchmark of the runtime: the program in `examples/` over a generated Segment-spec stream.
//!
//! Run with `cargo bench -p journey-benches --bench run`. The stream (see
//! `journey_benches::workload`; 10,000,000 lines from 1,000,000 contacts by default, scaled by
//! `JOURNEY_BENCH_EVENTS` and `JOURNEY_BENCH_CONTACTS`) is generated into memory once; then every
//! measurement is one pass over it, on one thread:
//!
//! - **floor**: `serde_json` decoding of every line into plain `#[derive(Deserialize)]` structs
//!   and nothing else: no engine can read its input faster than this;
//! - per evaluator backend (the table [`BACKENDS`]; adding one is one line there):
//!   - **end to end**: `Engine::handle_line` on every line, then `finish`, with a sink that
//!     renders every action as JSON (as `journey run` does, without the write);
//!   - **state per contact**: the growth of the process's resident set (VmRSS) from before the
//!     engine is built to after the run, with the engine still held, divided by the contacts;
//!     the serialised size of `RunState` is shown beside it for comparison (it is not memory);
//!   - **peak RSS**: VmHWM after the run (it includes the input held in memory);
//!   - **evaluator share**: a second pass with the backend wrapped in an `Evaluator` that times
//!     its outermost calls, minus the clock's own cost, against the end-to-end time;
//!   - **latency**: a third pass in which every 64th line is timed from the start of
//!     `handle_line` to each action emitted while handling it (timers fired by the line
//!     included), and every line as a whole, for the slowest one;
//! - **the limit**: a hand-written Rust implementation of two of the eight journeys
//!   (`abandoned_cart` and `welcome`) over the floor's structs, with a `HashMap` of contacts and
//!   a `BinaryHeap` of timers, consent and quiet hours (at fixed UTC offsets) but no caps.
//!
//! It prints the machine, the stream's mix, the inline sizes of the per-contact types, and a
//! markdown table. `JOURNEY_BENCH_PASSES=e2e` (or a comma-separated list of `floor`, `e2e`,
//! `eval`, `latency`, `limit`) runs only some passes, for instance under `perf record`, and
//! `JOURNEY_BENCH_BACKENDS=jit` (or `jit,interp`) only some backends, in that order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::error::Error;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use journey_benches::workload::{self, Config, Kind, Mix};
use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::filters::FilterBits;
use journey_ir::{EventId, ExprId, Program};
use journey_runtime::output::Action;
use journey_runtime::{Engine, Options, Reject, Sink};
use serde::Deserialize;

/// Builds a backend's evaluator for a program.
type MakeEvaluator = for<'p> fn(&'p Program) -> Box<dyn Evaluator + 'p>;

/// The evaluator backends, measured in this order. A new backend is one more line.
const BACKENDS: &[(&str, MakeEvaluator)] = &[
    ("interp", |p| Box::new(Interpreter::new(p))),
    ("jit", |p| {
        Box::new(journey_jit::compile(p).expect("the examples compile"))
    }),
];

/// Every this many lines, one is timed for the latency measurement.
const LATENCY_EVERY: usize = 64;

fn main() -> Result<(), Box<dyn Error>> {
    let config = Config::from_env()?;
    print_machine();

    let started = Instant::now();
    let (input, mix) = workload::generate_vec(&config);
    let lines: Vec<&[u8]> = input
        .strip_suffix(b"\n")
        .unwrap_or(&input)
        .split(|b| *b == b'\n')
        .collect();
    println!(
        "stream: {} lines, {} MiB, {} contacts ({} seen) over {} days; generated in {:.1} s",
        lines.len(),
        input.len() >> 20,
        config.contacts,
        mix.contacts_seen,
        config.days,
        started.elapsed().as_secs_f64()
    );
    print_mix(&mix);

    let program = compile(&examples())?;
    println!(
        "program: examples/ ({} events, {} journeys, {} scores, {} segments, {} history aggregates)",
        program.events.len(),
        program.journeys.len(),
        program.scores.len(),
        program.segments.len(),
        program.histories.len()
    );

    print_sizes();
    let passes = Passes::from_env()?;
    let mut rows: Vec<Row> = Vec::new();
    let n = lines.len() as f64;

    if passes.floor {
        let floor = floor(&lines);
        println!(
            "floor: {:.2} s ({} lines did not decode)",
            floor.time.as_secs_f64(),
            floor.failed
        );
        rows.push(Row::new(
            "floor: serde_json into plain structs".to_string(),
            format!("{} events/s", si(n / floor.time.as_secs_f64())),
            format!(
                "{:.1} s; `#[derive(Deserialize)]` structs with owned strings, nothing else",
                floor.time.as_secs_f64()
            ),
        ));
    }

    for (index, (name, make)) in backends_from_env()?.into_iter().enumerate() {
        let evaluator = make(&program);
        let mut end_to_end_time = None;
        if passes.end_to_end {
            let run = end_to_end(&program, &*evaluator, &lines);
            let secs = run.time.as_secs_f64();
            end_to_end_time = Some(secs);
            println!(
                "[{name}] end to end: {:.2} s, {} actions ({} welcome, {} abandoned_cart), {} contacts, \
                 {} timers fired, {} pending",
                secs,
                run.actions,
                run.welcome,
                run.cart,
                run.contacts,
                run.timers_fired,
                run.timers_pending
            );
            rows.push(Row::new(
                format!("{name}: end to end, 1 thread"),
                format!("{} events/s", si(n / secs)),
                format!(
                    "{secs:.1} s for {} lines: decode + engine + action JSON",
                    group(lines.len() as u64)
                ),
            ));
            rows.push(Row::new(
                format!("{name}: actions"),
                group(run.actions),
                format!(
                    "{} send, {} suppressed, {} notify, {} goal, {} set, {} tag, {} untag",
                    group(run.by_kind[0]),
                    group(run.by_kind[1]),
                    group(run.by_kind[2]),
                    group(run.by_kind[3]),
                    group(run.by_kind[4]),
                    group(run.by_kind[5]),
                    group(run.by_kind[6])
                ),
            ));
            // The state does not depend on the backend, and after the first pass the allocator
            // reuses freed pages, so RSS growth means something only for the first backend.
            let first = index == 0;
            let per_contact = run.rss_growth as f64 / run.contacts.max(1) as f64;
            if first {
                rows.push(Row::new(
                    format!("{name}: state per contact"),
                    format!("{} bytes", group(per_contact as u64)),
                    format!(
                        "RSS growth (VmRSS {} → {} MiB) while the engine is held, / {} contacts; \
                     serialised JSON is {} bytes a contact (not memory)",
                        group(run.rss_before >> 20),
                        group(run.rss_after >> 20),
                        group(run.contacts as u64),
                        group(run.serialised / run.contacts.max(1) as u64)
                    ),
                ));
            }
            rows.push(Row::new(
                format!("{name}: peak RSS"),
                format!("{} MiB", group(run.peak >> 20)),
                format!(
                    "VmHWM after the run; includes the input held in memory ({} MiB + {} MiB of \
                     line slices)",
                    group((input.len() >> 20) as u64),
                    group(((lines.len() * std::mem::size_of::<&[u8]>()) >> 20) as u64)
                ),
            ));
        }

        if passes.evaluator {
            let share = evaluator_share(&program, &*evaluator, &lines);
            println!(
                "[{name}] evaluator: {} outermost calls, {:.2} s after the clock's cost ({:.0} ns a \
                 call) in a pass of {:.2} s",
                share.calls,
                share.eval.as_secs_f64(),
                share.per_call_ns,
                share.pass.as_secs_f64()
            );
            // Against the unwrapped run when there was one; else against this pass less the
            // clock's cost.
            let total =
                end_to_end_time.unwrap_or(share.pass.as_secs_f64() - share.clock.as_secs_f64());
            rows.push(Row::new(
                format!("{name}: evaluator share of end to end"),
                format!("{:.0}%", 100.0 * share.eval.as_secs_f64() / total),
                format!(
                    "{:.0} ns a line in {:.1} outermost evaluator calls ({:.0} ns each; a \
                     track event's event filters are one call); a wrapper times them, the \
                     clock's own cost subtracted (approximate)",
                    1e9 * share.eval.as_secs_f64() / n,
                    share.calls as f64 / n,
                    share.per_call_ns
                ),
            ));
        }

        if passes.latency {
            let latency = latency(&program, &*evaluator, &lines);
            println!(
                "[{name}] latency: {} samples from {} timed lines",
                latency.samples, latency.lines
            );
            rows.push(Row::new(
                format!("{name}: latency event → action, p50 / p99"),
                format!("{} / {}", micros(latency.p50_ns), micros(latency.p99_ns)),
                format!(
                    "every {LATENCY_EVERY}th line: start of `handle_line` to each action it \
                     emits; {} samples, max {}, up to {} actions from one timed line",
                    group(latency.samples as u64),
                    micros(latency.max_ns),
                    group(latency.burst as u64)
                ),
            ));
            rows.push(Row::new(
                format!("{name}: slowest line"),
                micros(latency.worst_line.as_nanos() as u64),
                format!(
                    "every line timed: line {} emitted {} actions (timers due together)",
                    group(latency.worst_line_number as u64),
                    group(latency.worst_line_actions)
                ),
            ));
        }
    }

    if passes.limit {
        let limit = limit::run(&lines);
        println!(
            "limit: {:.2} s, {} actions ({} welcome, {} abandoned_cart), {} timers fired",
            limit.time.as_secs_f64(),
            limit.actions[0] + limit.actions[1],
            limit.actions[0],
            limit.actions[1],
            limit.timers_fired
        );
        rows.push(Row::new(
            "the limit: hand-written abandoned_cart + welcome".to_string(),
            format!("{} events/s", si(n / limit.time.as_secs_f64())),
            format!(
                "{:.1} s; decode as the floor, 2 of the 8 journeys, consent and quiet hours, no \
                 caps; {} actions",
                limit.time.as_secs_f64(),
                group(limit.actions[0] + limit.actions[1])
            ),
        ));
    }

    println!();
    println!(
        "{} lines, {} contacts, 1 thread:\n",
        group(lines.len() as u64),
        group(config.contacts as u64)
    );
    println!("| measure | result | how |");
    println!("| --- | --- | --- |");
    for row in &rows {
        println!("| {} | {} | {} |", row.measure, row.result, row.how);
    }
    Ok(())
}

/// One row of the result table.
struct Row {
    measure: String,
    result: String,
    how: String,
}

impl Row {
    fn new(measure: String, result: String, how: String) -> Row {
        Row {
            measure,
            result,
            how,
        }
    }
}

/// Which passes to run: all by default; `JOURNEY_BENCH_PASSES` lists some of `floor`, `e2e`,
/// `eval`, `latency` and `limit` (comma-separated), for instance to profile one of them.
struct Passes {
    floor: bool,
    end_to_end: bool,
    evaluator: bool,
    latency: bool,
    limit: bool,
}

impl Passes {
    fn from_env() -> Result<Passes, String> {
        let Ok(list) = std::env::var("JOURNEY_BENCH_PASSES") else {
            return Ok(Passes {
                floor: true,
                end_to_end: true,
                evaluator: true,
                latency: true,
                limit: true,
            });
        };
        let words: Vec<&str> = list.split(',').map(str::trim).collect();
        if let Some(unknown) = words
            .iter()
            .find(|w| !["floor", "e2e", "eval", "latency", "limit"].contains(w))
        {
            return Err(format!(
                "JOURNEY_BENCH_PASSES: unknown pass `{unknown}` (floor, e2e, eval, latency, limit)"
            ));
        }
        let has = |name: &str| words.contains(&name);
        Ok(Passes {
            floor: has("floor"),
            end_to_end: has("e2e"),
            evaluator: has("eval"),
            latency: has("latency"),
            limit: has("limit"),
        })
    }
}

/// The backends to measure, in order: `JOURNEY_BENCH_BACKENDS=jit,interp` (a subset or another
/// order; the first one measured pays for growing the heap, so comparing two backends fairly
/// means running each first once), else the whole table in its order.
fn backends_from_env() -> Result<Vec<&'static (&'static str, MakeEvaluator)>, String> {
    let Ok(list) = std::env::var("JOURNEY_BENCH_BACKENDS") else {
        return Ok(BACKENDS.iter().collect());
    };
    list.split(',')
        .map(str::trim)
        .map(|word| {
            BACKENDS
                .iter()
                .find(|(name, _)| *name == word)
                .ok_or_else(|| {
                    let names: Vec<&str> = BACKENDS.iter().map(|(name, _)| *name).collect();
                    format!(
                        "JOURNEY_BENCH_BACKENDS: unknown backend `{word}` ({})",
                        names.join(", ")
                    )
                })
        })
        .collect()
}

// ---- setup ----------------------------------------------------------------------------------

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .join("examples")
}

fn compile(path: &Path) -> Result<Program, Box<dyn Error>> {
    let found = journey_cli::sources::find(&[path.to_path_buf()])?;
    let sources = journey_cli::sources::load(&found)?;
    let analysis = journey_check::check(&sources);
    Ok(journey_ir::lower(&analysis).map_err(|e| format!("examples/ does not lower: {e}"))?)
}

fn print_machine() {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    println!("machine: {cpus} cores (nproc), {model}");
}

/// The inline sizes of the runtime's per-contact types (heap parts come on top).
fn print_sizes() {
    use journey_runtime::store::{Contact, HistoryState, Instance, JourneyState, ScoreState};
    use journey_runtime::scheduler::timers::Timer;
    use std::mem::size_of;
    println!(
        "inline sizes: Contact {} B, Value {} B, HistoryState {} B, JourneyState {} B, \
         Instance {} B, ScoreState {} B, Timer {} B\n",
        size_of::<Contact>(),
        size_of::<Value>(),
        size_of::<HistoryState>(),
        size_of::<JourneyState>(),
        size_of::<Instance>(),
        size_of::<ScoreState>(),
        size_of::<Timer>()
    );
}

fn print_mix(mix: &Mix) {
    let mut line = String::from("mix:");
    for kind in Kind::ALL {
        let _ = write!(
            line,
            " {} {:.1}%;",
            kind.label(),
            100.0 * mix.count(kind) as f64 / mix.lines.max(1) as f64
        );
    }
    println!("{}", line.trim_end_matches(';'));
}

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

// ---- end to end -----------------------------------------------------------------------------

/// Renders every action as `journey run` would, and counts them.
#[derive(Default)]
struct JsonSink {
    actions: u64,
    bytes: u64,
    rejects: u64,
    /// Actions of `welcome` and `abandoned_cart`, to compare with the limit.
    welcome: u64,
    cart: u64,
}

impl Sink for JsonSink {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.actions += 1;
        self.bytes += action.to_json(program).len() as u64 + 1;
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

struct EndToEnd {
    time: Duration,
    actions: u64,
    welcome: u64,
    cart: u64,
    by_kind: [u64; 7],
    contacts: usize,
    timers_fired: u64,
    timers_pending: usize,
    rss_before: u64,
    rss_after: u64,
    rss_growth: u64,
    peak: u64,
    serialised: u64,
}

fn end_to_end(program: &Program, evaluator: &dyn Evaluator, lines: &[&[u8]]) -> EndToEnd {
    let (rss_before, _) = memory();
    let started = Instant::now();
    let mut engine = Engine::new(program, evaluator, Options::default());
    let mut sink = JsonSink::default();
    for (i, line) in lines.iter().enumerate() {
        engine.handle_line(i as u64 + 1, line, &mut sink);
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

// ---- latency --------------------------------------------------------------------------------

/// Timestamps actions against the start of the line being handled, when that line is sampled.
#[derive(Default)]
struct LatencySink {
    start: Option<Instant>,
    samples: Vec<u64>,
    /// Actions of the timed line being handled.
    this_line: usize,
    inner: JsonSink,
}

impl Sink for LatencySink {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        if let Some(start) = self.start {
            self.samples.push(start.elapsed().as_nanos() as u64);
            self.this_line += 1;
        }
        self.inner.action(program, action);
    }

    fn reject(&mut self, reject: &Reject) {
        self.inner.reject(reject);
    }
}

struct Latency {
    lines: usize,
    samples: usize,
    p50_ns: u64,
    p99_ns: u64,
    max_ns: u64,
    /// The most actions one timed line emitted.
    burst: usize,
    /// The slowest line of all (timed or not), its number and the actions it emitted.
    worst_line: Duration,
    worst_line_number: usize,
    worst_line_actions: u64,
}

fn latency(program: &Program, evaluator: &dyn Evaluator, lines: &[&[u8]]) -> Latency {
    let mut engine = Engine::new(program, evaluator, Options::default());
    let mut sink = LatencySink::default();
    let mut timed = 0;
    let mut burst = 0;
    // Every line is timed as a whole (two clock reads, well under 1% of a line's cost), to find
    // the slowest one, which sampling would likely miss.
    let mut worst = (Duration::ZERO, 0, 0);
    for (i, line) in lines.iter().enumerate() {
        let before = sink.inner.actions;
        let start = Instant::now();
        if i.is_multiple_of(LATENCY_EVERY) {
            timed += 1;
            sink.this_line = 0;
            sink.start = Some(start);
            engine.handle_line(i as u64 + 1, line, &mut sink);
            sink.start = None;
            burst = burst.max(sink.this_line);
        } else {
            engine.handle_line(i as u64 + 1, line, &mut sink);
        }
        let spent = start.elapsed();
        if spent > worst.0 {
            worst = (spent, i + 1, sink.inner.actions - before);
        }
    }
    engine.finish(None, &mut sink);
    drop(engine);
    let mut samples = sink.samples;
    samples.sort_unstable();
    let at = |q: f64| {
        samples
            .get(((samples.len() as f64 * q) as usize).min(samples.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    Latency {
        lines: timed,
        samples: samples.len(),
        p50_ns: at(0.50),
        p99_ns: at(0.99),
        max_ns: samples.last().copied().unwrap_or(0),
        burst,
        worst_line: worst.0,
        worst_line_number: worst.1,
        worst_line_actions: worst.2,
    }
}

// ---- evaluator share ------------------------------------------------------------------------

/// Times the outermost calls into another evaluator (calls made from inside an evaluation, as
/// a segment read from an expression, are part of their caller's time).
struct Timed<'a> {
    inner: &'a dyn Evaluator,
    depth: Cell<u32>,
    calls: Cell<u64>,
    nanos: Cell<u64>,
}

impl Timed<'_> {
    fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        let depth = self.depth.get();
        if depth > 0 {
            return f();
        }
        self.depth.set(1);
        let start = Instant::now();
        let value = f();
        let spent = start.elapsed().as_nanos() as u64;
        self.depth.set(0);
        self.calls.set(self.calls.get() + 1);
        self.nanos.set(self.nanos.get() + spent);
        value
    }
}

impl Evaluator for Timed<'_> {
    fn eval(&self, expr: ExprId, env: &dyn Env) -> Value {
        self.time(|| self.inner.eval(expr, env))
    }

    fn eval_bool(&self, expr: ExprId, env: &dyn Env) -> bool {
        self.time(|| self.inner.eval_bool(expr, env))
    }

    fn eval_event_filters(&self, event: EventId, env: &dyn Env, matched: &mut FilterBits) {
        self.time(|| self.inner.eval_event_filters(event, env, matched))
    }
}

struct Share {
    calls: u64,
    /// Time inside the evaluator, the clock's cost subtracted.
    eval: Duration,
    per_call_ns: f64,
    /// The whole pass, wrapper included.
    pass: Duration,
    /// The clock's cost over the pass (estimated).
    clock: Duration,
}

fn evaluator_share(program: &Program, evaluator: &dyn Evaluator, lines: &[&[u8]]) -> Share {
    let timed = Timed {
        inner: evaluator,
        depth: Cell::new(0),
        calls: Cell::new(0),
        nanos: Cell::new(0),
    };
    let started = Instant::now();
    let mut engine = Engine::new(program, &timed, Options::default());
    let mut sink = JsonSink::default();
    for (i, line) in lines.iter().enumerate() {
        engine.handle_line(i as u64 + 1, line, &mut sink);
    }
    engine.finish(None, &mut sink);
    let pass = started.elapsed();
    drop(engine);
    let calls = timed.calls.get();
    let (bias, pair) = clock_cost_ns();
    let eval_ns = (timed.nanos.get() as f64 - bias * calls as f64).max(0.0);
    Share {
        calls,
        eval: Duration::from_nanos(eval_ns as u64),
        per_call_ns: eval_ns / calls.max(1) as f64,
        pass,
        clock: Duration::from_nanos((pair * calls as f64) as u64),
    }
}

/// The clock's cost in ns: what `Instant::now()` … `elapsed()` measures around nothing, and
/// what the pair costs in all (medians of 5 rounds).
fn clock_cost_ns() -> (f64, f64) {
    const N: u32 = 200_000;
    let mut measured = Vec::new();
    let mut spent = Vec::new();
    for _ in 0..5 {
        let round = Instant::now();
        let mut total = 0u64;
        for _ in 0..N {
            let start = Instant::now();
            black_box(());
            total += start.elapsed().as_nanos() as u64;
        }
        spent.push(round.elapsed().as_nanos() as f64 / f64::from(N));
        measured.push(total as f64 / f64::from(N));
    }
    measured.sort_by(f64::total_cmp);
    spent.sort_by(f64::total_cmp);
    (measured[2], spent[2])
}

// ---- the floor --------------------------------------------------------------------------------

/// A Segment message, as a hand-written consumer would declare it (decoded whole for the floor,
/// read in part by the limit).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: String,
    event: Option<String>,
    #[serde(rename = "userId")]
    user_id: Option<String>,
    #[serde(rename = "anonymousId")]
    anonymous_id: Option<String>,
    timestamp: String,
    properties: Option<Properties>,
    traits: Option<Traits>,
}

/// The properties of every event of `examples/schema.journey`, flattened.
#[allow(dead_code)]
#[derive(Debug, Default, Deserialize)]
struct Properties {
    campaign: Option<String>,
    url: Option<String>,
    path: Option<String>,
    referrer: Option<String>,
    form: Option<String>,
    company_size: Option<i64>,
    cart: Option<String>,
    value: Option<f64>,
    items: Option<i64>,
    order: Option<String>,
    coupon: Option<String>,
    plan: Option<String>,
    previous_plan: Option<String>,
    webinar: Option<String>,
    title: Option<String>,
    starts_at: Option<String>,
    join_url: Option<String>,
    minutes: Option<i64>,
}

/// The profile traits of `examples/schema.journey`.
#[allow(dead_code)]
#[derive(Debug, Default, Deserialize)]
struct Traits {
    email: Option<String>,
    phone: Option<String>,
    push_token: Option<String>,
    first_name: Option<String>,
    company: Option<String>,
    company_size: Option<i64>,
    plan: Option<String>,
    timezone: Option<String>,
    birthday: Option<String>,
    consent_email: Option<bool>,
    consent_sms: Option<bool>,
    lifecycle: Option<String>,
    tags: Option<Vec<String>>,
}

struct Floor {
    time: Duration,
    failed: u64,
}

fn floor(lines: &[&[u8]]) -> Floor {
    let started = Instant::now();
    let mut failed = 0;
    for line in lines {
        match serde_json::from_slice::<Message>(line) {
            Ok(message) => {
                black_box(message);
            }
            Err(_) => failed += 1,
        }
    }
    Floor {
        time: started.elapsed(),
        failed,
    }
}

// ---- formatting -------------------------------------------------------------------------------

/// `1234567.0` → `1.23 M`.
fn si(value: f64) -> String {
    if value >= 1e6 {
        format!("{:.2} M", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.0} k", value / 1e3)
    } else {
        format!("{value:.0}")
    }
}

/// `1234567` → `1,234,567`.
fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn micros(ns: u64) -> String {
    if ns >= 1_000_000_000 {
        format!("{:.2} s", ns as f64 / 1e9)
    } else if ns >= 1_000_000 {
        format!("{:.1} ms", ns as f64 / 1e6)
    } else {
        format!("{:.1} µs", ns as f64 / 1e3)
    }
}

// ---- the limit ----------------------------------------------------------------------------------

/// `abandoned_cart` and `welcome` (examples/abandoned_cart.journey, examples/welcome.journey)
/// written by hand over the floor's structs: what the runtime could approach for these two
/// journeys with no interpretation at all.
mod limit {
    use super::*;

    const HOUR: i64 = 3_600;
    const DAY: i64 = 86_400;
    const WELCOME: u8 = 0;
    const CART: u8 = 1;

    /// The steps of `welcome`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum W {
        Welcome1,
        Wait2d,
        IfNoOpen,
        Nudge,
        AwaitClick,
        Engaged,
        Tips,
        WaitAgain2d,
        Offer,
        Done,
    }

    /// The steps of `abandoned_cart`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum A {
        Wait1h,
        Reminder,
        AwaitClick,
        Wait1d,
        LastChance,
        Done,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Phase {
        Ready,
        Sleeping,
        Awaiting,
        Quiet,
    }

    struct Welcome {
        step: W,
        phase: Phase,
    }

    struct Cart {
        step: A,
        phase: Phase,
        cart: String,
        value: f64,
        items: i64,
    }

    #[derive(Default)]
    struct Contact {
        id: String,
        first_name: Option<String>,
        consent_email: bool,
        consent_sms: bool,
        phone: bool,
        /// Fixed offset of the contact's zone from UTC, seconds.
        offset: i64,
        /// `last(page.viewed).referrer`.
        last_referrer: Option<String>,
        /// `last(cart.updated)`: `(items, value)`.
        last_cart: Option<(i64, f64)>,
        /// `count(email.opened since enter)` and `count(email.clicked since enter)` of welcome.
        opened_since_enter: u32,
        clicked_since_enter: u32,
        welcome_entered: bool,
        welcome: Option<Welcome>,
        cart_last_entry: Option<i64>,
        cart: Option<Cart>,
        /// Timer generation per journey.
        generation: [u32; 2],
    }

    /// `(due, sequence, contact, journey, generation)`.
    type Timer = Reverse<(i64, u64, u32, u8, u32)>;

    struct Limit {
        index: HashMap<String, u32>,
        contacts: Vec<Contact>,
        timers: BinaryHeap<Timer>,
        sequence: u64,
        out: String,
        bytes: u64,
        actions: [u64; 2],
        timers_fired: u64,
    }

    /// The result of a run.
    pub(super) struct Run {
        pub(super) time: Duration,
        pub(super) actions: [u64; 2],
        pub(super) timers_fired: u64,
    }

    pub(super) fn run(lines: &[&[u8]]) -> Run {
        let started = Instant::now();
        let mut limit = Limit {
            index: HashMap::new(),
            contacts: Vec::new(),
            timers: BinaryHeap::new(),
            sequence: 0,
            out: String::with_capacity(256),
            bytes: 0,
            actions: [0; 2],
            timers_fired: 0,
        };
        let mut clock = i64::MIN;
        for line in lines {
            let Ok(message) = serde_json::from_slice::<Message>(line) else {
                continue;
            };
            let Some(at) = parse_instant(&message.timestamp) else {
                continue;
            };
            let now = at.max(clock);
            clock = now;
            limit.fire_due(now);
            limit.handle(message, now);
        }
        limit.fire_due(clock);
        black_box(limit.bytes);
        Run {
            time: started.elapsed(),
            actions: limit.actions,
            timers_fired: limit.timers_fired,
        }
    }

    impl Limit {
        fn handle(&mut self, message: Message, now: i64) {
            let Some(id) = message.user_id.or(message.anonymous_id) else {
                return;
            };
            let c = match self.index.get(&id) {
                Some(&c) => c,
                None => {
                    let c = self.contacts.len() as u32;
                    self.index.insert(id.clone(), c);
                    self.contacts.push(Contact {
                        id,
                        ..Contact::default()
                    });
                    c
                }
            };
            match message.kind.as_str() {
                "identify" => {
                    if let Some(traits) = message.traits {
                        self.identify(c, traits);
                    }
                }
                "page" => {
                    let props = message.properties.unwrap_or_default();
                    self.contacts[c as usize].last_referrer = props.referrer;
                }
                "track" => {
                    let props = message.properties.unwrap_or_default();
                    match message.event.as_deref() {
                        Some("email.opened") => {
                            self.contacts[c as usize].opened_since_enter += 1;
                        }
                        Some("email.clicked") => self.clicked(c, &props, now),
                        Some("form.submitted") if props.form.as_deref() == Some("newsletter") => {
                            self.enter_welcome(c, now);
                        }
                        Some("cart.updated") => self.cart_updated(c, props, now),
                        Some("order.completed") => self.ordered(c, &props, now),
                        _ => {}
                    }
                }
                _ => {}
            }
        }

        fn identify(&mut self, c: u32, traits: Traits) {
            let contact = &mut self.contacts[c as usize];
            if let Some(name) = traits.first_name {
                contact.first_name = Some(name);
            }
            if let Some(consent) = traits.consent_email {
                contact.consent_email = consent;
            }
            if let Some(consent) = traits.consent_sms {
                contact.consent_sms = consent;
            }
            if traits.phone.is_some() {
                contact.phone = true;
            }
            if let Some(zone) = traits.timezone {
                contact.offset = offset_of(&zone);
            }
        }

        fn clicked(&mut self, c: u32, props: &Properties, now: i64) {
            let contact = &mut self.contacts[c as usize];
            contact.clicked_since_enter += 1;
            if contact
                .welcome
                .as_ref()
                .is_some_and(|w| w.phase == Phase::Awaiting)
            {
                self.bump(c, WELCOME);
                if let Some(w) = self.contacts[c as usize].welcome.as_mut() {
                    w.step = W::Engaged;
                    w.phase = Phase::Ready;
                }
                self.run_welcome(c, now);
            }
            let url = props.url.as_deref().unwrap_or("");
            let contact = &mut self.contacts[c as usize];
            if contact
                .cart
                .as_ref()
                .is_some_and(|a| a.phase == Phase::Awaiting && url.contains(a.cart.as_str()))
            {
                self.bump(c, CART);
                if let Some(a) = self.contacts[c as usize].cart.as_mut() {
                    a.step = A::Wait1d;
                    a.phase = Phase::Ready;
                }
                self.run_cart(c, now);
            }
        }

        fn cart_updated(&mut self, c: u32, props: Properties, now: i64) {
            let items = props.items.unwrap_or(0);
            let value = props.value.unwrap_or(0.0);
            let contact = &mut self.contacts[c as usize];
            contact.last_cart = Some((items, value));
            // exit on cart.updated where items == 0
            if contact.cart.is_some() && items == 0 {
                contact.cart = None;
                self.bump(c, CART);
                return;
            }
            // enter on cart.updated as abandoned where value >= 20.0 and items > 0; reenter after 1d
            let contact = &mut self.contacts[c as usize];
            if contact.cart.is_some() || value < 20.0 || items <= 0 {
                return;
            }
            if contact.cart_last_entry.is_some_and(|last| now - last < DAY) {
                return;
            }
            contact.cart_last_entry = Some(now);
            contact.cart = Some(Cart {
                step: A::Wait1h,
                phase: Phase::Ready,
                cart: props.cart.unwrap_or_default(),
                value,
                items,
            });
            self.bump(c, CART);
            self.run_cart(c, now);
        }

        fn ordered(&mut self, c: u32, props: &Properties, now: i64) {
            let contact = &self.contacts[c as usize];
            // goal recovered on order.completed where cart == abandoned.cart
            if contact
                .cart
                .as_ref()
                .is_some_and(|a| props.cart.as_deref() == Some(a.cart.as_str()))
            {
                self.action(c, CART, now, "goal", "recovered", "");
                self.contacts[c as usize].cart = None;
                self.bump(c, CART);
            }
            // goal first_purchase on order.completed
            if self.contacts[c as usize].welcome.is_some() {
                self.action(c, WELCOME, now, "goal", "first_purchase", "");
                self.contacts[c as usize].welcome = None;
                self.bump(c, WELCOME);
            }
        }

        fn enter_welcome(&mut self, c: u32, now: i64) {
            let contact = &mut self.contacts[c as usize];
            // reenter never (the default)
            if contact.welcome_entered {
                return;
            }
            contact.welcome_entered = true;
            contact.opened_since_enter = 0;
            contact.clicked_since_enter = 0;
            contact.welcome = Some(Welcome {
                step: W::Welcome1,
                phase: Phase::Ready,
            });
            self.bump(c, WELCOME);
            self.run_welcome(c, now);
        }

        // ---- steps ------------------------------------------------------------------------

        fn run_welcome(&mut self, c: u32, now: i64) {
            loop {
                let Some(w) = &self.contacts[c as usize].welcome else {
                    return;
                };
                if w.phase != Phase::Ready {
                    return;
                }
                let step = w.step;
                let next = match step {
                    W::Welcome1 | W::Nudge | W::Engaged | W::Tips | W::Offer => {
                        if self.quiet(c, WELCOME, now) {
                            return;
                        }
                        self.deliver_welcome(c, step, now);
                        next_welcome(step)
                    }
                    W::Wait2d | W::WaitAgain2d => {
                        self.sleep(c, WELCOME, now + 2 * DAY, Phase::Sleeping);
                        return;
                    }
                    W::IfNoOpen => {
                        if self.contacts[c as usize].opened_since_enter == 0 {
                            W::Nudge
                        } else {
                            W::AwaitClick
                        }
                    }
                    W::AwaitClick => {
                        self.sleep(c, WELCOME, now + 3 * DAY, Phase::Awaiting);
                        return;
                    }
                    W::Done => {
                        self.contacts[c as usize].welcome = None;
                        self.bump(c, WELCOME);
                        return;
                    }
                };
                if let Some(w) = self.contacts[c as usize].welcome.as_mut() {
                    w.step = next;
                }
            }
        }

        fn deliver_welcome(&mut self, c: u32, step: W, now: i64) {
            let contact = &self.contacts[c as usize];
            let name = contact.first_name.as_deref().unwrap_or("there");
            let mut data = String::new();
            let template = match step {
                W::Welcome1 => {
                    let from = contact.last_referrer.as_deref().unwrap_or("direct");
                    let _ = write!(
                        data,
                        "{{\"name\":\"{name}\",\"form\":\"newsletter\",\"came_from\":\"{from}\"}}"
                    );
                    "welcome_1"
                }
                W::Nudge => {
                    let _ = write!(data, "{{\"name\":\"{name}\"}}");
                    "welcome_1_nudge"
                }
                W::Engaged => {
                    let _ = write!(data, "{{\"clicked\":{}}}", contact.clicked_since_enter);
                    "welcome_2_engaged"
                }
                W::Tips => {
                    data.push_str("{}");
                    "welcome_2_tips"
                }
                _ => {
                    data.push_str("{\"code\":\"WELCOME10\",\"expires\":\"");
                    workload::push_instant(&mut data, now + 7 * DAY);
                    data.push_str("\"}");
                    "welcome_3_offer"
                }
            };
            let consent = contact.consent_email;
            self.send(c, WELCOME, now, "email", template, &data, consent);
        }

        fn run_cart(&mut self, c: u32, now: i64) {
            loop {
                let Some(a) = &self.contacts[c as usize].cart else {
                    return;
                };
                if a.phase != Phase::Ready {
                    return;
                }
                let step = a.step;
                let next = match step {
                    A::Wait1h => {
                        self.sleep(c, CART, now + HOUR, Phase::Sleeping);
                        return;
                    }
                    A::Reminder | A::LastChance => {
                        if self.quiet(c, CART, now) {
                            return;
                        }
                        self.deliver_cart(c, step, now);
                        if step == A::Reminder {
                            A::AwaitClick
                        } else {
                            A::Done
                        }
                    }
                    A::AwaitClick => {
                        self.sleep(c, CART, now + DAY, Phase::Awaiting);
                        return;
                    }
                    A::Wait1d => {
                        self.sleep(c, CART, now + DAY, Phase::Sleeping);
                        return;
                    }
                    A::Done => {
                        self.contacts[c as usize].cart = None;
                        self.bump(c, CART);
                        return;
                    }
                };
                if let Some(a) = self.contacts[c as usize].cart.as_mut() {
                    a.step = next;
                }
            }
        }

        fn deliver_cart(&mut self, c: u32, step: A, now: i64) {
            let contact = &self.contacts[c as usize];
            let Some(a) = &contact.cart else {
                return;
            };
            let mut data = String::new();
            if step == A::Reminder {
                let (items, value) = contact.last_cart.unwrap_or((a.items, a.value));
                let _ = write!(
                    data,
                    "{{\"cart\":\"{}\",\"items\":{items},\"value\":{value:?}}}",
                    a.cart
                );
                let consent = contact.consent_email;
                self.send(c, CART, now, "email", "cart_reminder", &data, consent);
            } else if a.value >= 150.0 && contact.consent_sms {
                let name = contact.first_name.as_deref().unwrap_or("");
                let _ = write!(data, "{{\"cart\":\"{}\",\"name\":\"{name}\"}}", a.cart);
                let consent = contact.consent_sms && contact.phone;
                self.send(c, CART, now, "sms", "cart_last_chance", &data, consent);
            } else {
                let _ = write!(data, "{{\"cart\":\"{}\",\"code\":\"CART5\"}}", a.cart);
                let consent = contact.consent_email;
                self.send(c, CART, now, "email", "cart_last_chance", &data, consent);
            }
        }

        /// Parks the current send until 08:00 local when `now` is in quiet hours (21:00–08:00).
        fn quiet(&mut self, c: u32, journey: u8, now: i64) -> bool {
            let local = (now + self.contacts[c as usize].offset).rem_euclid(DAY);
            let wait = if local < 8 * HOUR {
                8 * HOUR - local
            } else if local >= 21 * HOUR {
                DAY - local + 8 * HOUR
            } else {
                return false;
            };
            self.sleep(c, journey, now + wait, Phase::Quiet);
            true
        }

        fn sleep(&mut self, c: u32, journey: u8, due: i64, phase: Phase) {
            let contact = &mut self.contacts[c as usize];
            match journey {
                WELCOME => {
                    if let Some(w) = contact.welcome.as_mut() {
                        w.phase = phase;
                    }
                }
                _ => {
                    if let Some(a) = contact.cart.as_mut() {
                        a.phase = phase;
                    }
                }
            }
            let generation = self.bump(c, journey);
            self.sequence += 1;
            self.timers
                .push(Reverse((due, self.sequence, c, journey, generation)));
        }

        /// Invalidates the journey's pending timer; returns the new generation.
        fn bump(&mut self, c: u32, journey: u8) -> u32 {
            let generation = &mut self.contacts[c as usize].generation[usize::from(journey)];
            *generation = generation.wrapping_add(1);
            *generation
        }

        fn fire_due(&mut self, now: i64) {
            while let Some(&Reverse((due, _, c, journey, generation))) = self.timers.peek() {
                if due > now {
                    return;
                }
                self.timers.pop();
                let contact = &mut self.contacts[c as usize];
                if contact.generation[usize::from(journey)] != generation {
                    continue;
                }
                self.timers_fired += 1;
                if journey == WELCOME {
                    let Some(w) = contact.welcome.as_mut() else {
                        continue;
                    };
                    match w.phase {
                        Phase::Sleeping | Phase::Awaiting => {
                            w.step = match w.step {
                                W::AwaitClick => W::Tips,
                                step => next_welcome(step),
                            };
                            w.phase = Phase::Ready;
                        }
                        Phase::Quiet => {
                            let step = w.step;
                            w.phase = Phase::Ready;
                            self.deliver_welcome(c, step, due);
                            if let Some(w) = self.contacts[c as usize].welcome.as_mut() {
                                w.step = next_welcome(step);
                            }
                        }
                        Phase::Ready => {}
                    }
                    self.run_welcome(c, due);
                } else {
                    let Some(a) = contact.cart.as_mut() else {
                        continue;
                    };
                    match a.phase {
                        Phase::Sleeping => {
                            a.step = match a.step {
                                A::Wait1h => A::Reminder,
                                _ => A::LastChance,
                            };
                            a.phase = Phase::Ready;
                        }
                        Phase::Awaiting => {
                            a.step = A::LastChance;
                            a.phase = Phase::Ready;
                        }
                        Phase::Quiet => {
                            let step = a.step;
                            a.phase = Phase::Ready;
                            self.deliver_cart(c, step, due);
                            if let Some(a) = self.contacts[c as usize].cart.as_mut() {
                                a.step = if step == A::Reminder {
                                    A::AwaitClick
                                } else {
                                    A::Done
                                };
                            }
                        }
                        Phase::Ready => {}
                    }
                    self.run_cart(c, due);
                }
            }
        }

        // ---- output -----------------------------------------------------------------------

        #[allow(clippy::too_many_arguments)]
        fn send(
            &mut self,
            c: u32,
            journey: u8,
            now: i64,
            channel: &str,
            template: &str,
            data: &str,
            consent: bool,
        ) {
            let (action, extra) = if consent {
                ("send", "")
            } else {
                ("suppressed", ",\"reason\":\"consent\"")
            };
            let mut tail = String::with_capacity(64 + data.len());
            let _ = write!(
                tail,
                ",\"channel\":\"{channel}\",\"template\":\"{template}\",\"data\":{data}{extra}"
            );
            self.action(c, journey, now, action, "", &tail);
        }

        fn action(&mut self, c: u32, journey: u8, now: i64, action: &str, goal: &str, tail: &str) {
            let out = &mut self.out;
            out.clear();
            out.push_str("{\"at\":\"");
            workload::push_instant(out, now);
            let name = if journey == WELCOME {
                "welcome"
            } else {
                "abandoned_cart"
            };
            let _ = write!(
                out,
                "\",\"contact\":\"{}\",\"journey\":\"{name}\",\"action\":\"{action}\"",
                self.contacts[c as usize].id
            );
            if !goal.is_empty() {
                let _ = write!(out, ",\"goal\":\"{goal}\"");
            }
            out.push_str(tail);
            out.push('}');
            self.bytes += out.len() as u64 + 1;
            self.actions[usize::from(journey)] += 1;
        }
    }

    fn next_welcome(step: W) -> W {
        match step {
            W::Welcome1 => W::Wait2d,
            W::Wait2d => W::IfNoOpen,
            W::IfNoOpen | W::Nudge => W::AwaitClick,
            W::AwaitClick => W::Engaged,
            W::Engaged | W::Tips => W::WaitAgain2d,
            W::WaitAgain2d => W::Offer,
            W::Offer | W::Done => W::Done,
        }
    }

    /// Standard-time offsets of the generator's zones (daylight saving time is ignored).
    fn offset_of(zone: &str) -> i64 {
        match zone {
            "America/New_York" => -5 * HOUR,
            "America/Chicago" => -6 * HOUR,
            "America/Los_Angeles" => -8 * HOUR,
            "Europe/Berlin" => HOUR,
            "Asia/Tokyo" => 9 * HOUR,
            "Australia/Sydney" => 11 * HOUR,
            _ => 0,
        }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` to seconds since the epoch.
    fn parse_instant(text: &str) -> Option<i64> {
        let b = text.as_bytes();
        if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<i64> { text.get(range)?.parse().ok() };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Some(days * DAY + hh * HOUR + mm * 60 + ss)
    }
}
