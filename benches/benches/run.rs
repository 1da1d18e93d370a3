//! Benchmark of the runtime: the program in `examples/` over a generated Segment-spec stream.
//!
//! Run with `cargo bench -p journey-benches --bench run`. The stream (see
//! `journey_benches::workload`; 10,000,000 lines from 1,000,000 contacts by default, scaled by
//! `JOURNEY_BENCH_EVENTS` and `JOURNEY_BENCH_CONTACTS`) is written once to a file named after its
//! configuration (under `target/journey-bench`, or `JOURNEY_BENCH_DIR`) and reused by later runs
//! with the same configuration. Every measurement is one pass over that file, on one thread,
//! reading it line by line into one reused buffer with the runtime's bounded line reader, so the
//! process never holds the stream and its peak RSS is the engine's:
//!
//! - **floor**: `serde_json` decoding of every line into plain `#[derive(Deserialize)]` structs
//!   whose strings borrow from the line, and nothing else: no engine can read its input faster
//!   than this. When the limit runs too, the floor is measured again just before it, and the
//!   faster of the two passes is the floor every ratio is taken against;
//! - per evaluator backend (the table [`BACKENDS`]; adding one is one line there):
//!   - **end to end**: `Engine::handle_line` on every line, then `finish`, with a sink that
//!     renders every action as JSON (as `journey run` does, without the write);
//!   - **state per contact**: the growth of the process's resident set (VmRSS) from before the
//!     engine is built to after the run, with the engine still held, divided by the contacts;
//!     the serialised size of `RunState` is shown beside it for comparison (it is not memory);
//!   - **peak RSS**: VmHWM of the end-to-end pass (reset before it through
//!     `/proc/self/clear_refs`);
//!   - **evaluator share**: a second pass with the backend wrapped in an `Evaluator` that times
//!     its outermost calls, minus the clock's own cost, against the end-to-end time;
//!   - **latency**: a third pass in which every 64th line is timed from the start of
//!     `handle_line` to each action emitted while handling it (timers fired by the line
//!     included), and every line as a whole, for the slowest one;
//! - **the limit**: a hand-written Rust implementation of two of the eight journeys
//!   (`abandoned_cart` and `welcome`) over the floor's decoding, with each contact's state in one
//!   64-byte row, ids stored once and found through one foldhash-hashed table, timers in a
//!   timing wheel of one-second slots and actions written as JSON into one buffer; consent and
//!   quiet hours (at fixed UTC offsets) but no caps (`run/limit.rs` says what it models and what
//!   it leaves out). It decodes as the floor does, then does the two journeys' work, so it lands
//!   between the floor and the engine;
//! - **the contacts sweep** (`run/sweep.rs`): floor, end to end with one backend (the first of
//!   `JOURNEY_BENCH_BACKENDS`, else `jit`) and the limit per number of contacts, with the same
//!   number of lines, as lines a second, ratio to the floor, state per contact and peak RSS.
//!   `JOURNEY_BENCH_SWEEP=10000,100000,1000000` lists the counts, each measured in a fresh
//!   process (this binary again) over a stream of its own; without it the sweep is the
//!   configured contacts alone, taken from the passes above at no extra cost.
//!
//! It prints the machine, the stream's mix, the inline sizes of the per-contact types, and
//! markdown tables. `JOURNEY_BENCH_PASSES=e2e` (or a comma-separated list of `floor`, `e2e`,
//! `eval`, `latency`, `limit`, `sweep`) runs only some passes, for instance under `perf record`
//! (`JOURNEY_BENCH_PASSES=sweep` runs the sweep alone, every count in a fresh process, the
//! configured one included), and
//! `JOURNEY_BENCH_BACKENDS=jit` (or `jit,interp`) only some backends, in that order.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "run/compact.rs"]
mod compact;
#[path = "run/floor.rs"]
mod floor;
#[path = "run/input.rs"]
mod input;
#[path = "run/limit.rs"]
mod limit;
#[path = "run/sweep.rs"]
mod sweep;

use std::cell::Cell;
use std::error::Error;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use journey_benches::workload::{Config, Kind, Mix};
use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::filters::FilterBits;
use journey_ir::{EventId, ExprId, Program};
use journey_runtime::output::Action;
use journey_runtime::{Engine, Options, Reject, Sink};

use input::Lines;

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
    if let Ok(backend) = std::env::var(sweep::POINT) {
        return sweep::point(&backend);
    }
    let config = Config::from_env()?;
    let passes = Passes::from_env()?;
    let backends = backends_from_env()?;
    let plan = sweep::Plan::from_env()?;
    print_machine();
    if !passes.any_on_the_configured_stream() {
        // The sweep alone: every count (the configured one by default) in a process of its own.
        if passes.sweep {
            let counts = plan
                .contacts
                .clone()
                .unwrap_or_else(|| vec![config.contacts]);
            let points = sweep::run(&plan, &counts, &config)?;
            sweep::print(&points, plan.backend, true);
        }
        return Ok(());
    }

    let stream = input::prepare(&config)?;
    let n = stream.mix.lines as f64;
    println!(
        "stream: {} lines, {} MiB, {} contacts ({} seen) over {} days; {} ({})",
        stream.mix.lines,
        stream.mix.bytes >> 20,
        config.contacts,
        stream.mix.contacts_seen,
        config.days,
        stream.generated.map_or_else(
            || "reused".to_string(),
            |took| format!("generated in {:.1} s", took.as_secs_f64())
        ),
        stream.path.display()
    );
    print_mix(&stream.mix);

    let program = compile(&examples())?;
    println!(
        "program: examples/ ({} events, {} journeys, {} scores, {} segments, {} history aggregates)",
        program.events.len(),
        program.journeys.len(),
        program.scores.len(),
        program.segments.len(),
        program.histories.len()
    );

    print_sizes(&program);
    let mut rows: Vec<Row> = Vec::new();
    // The configured count's sweep point, from the passes below.
    let mut here = sweep::Point {
        contacts: config.contacts,
        seen: stream.mix.contacts_seen as usize,
        lines: stream.mix.lines,
        ..sweep::Point::default()
    };

    // The floor is the faster of two passes: the first one, and one just before the limit (so
    // that the limit is compared with a floor measured under the same load).
    let mut floor_passes: Vec<Duration> = Vec::new();
    if passes.floor {
        let floor = floor::floor(&stream.path);
        println!(
            "floor: {:.2} s ({} lines did not decode, {} ids copied)",
            floor.time.as_secs_f64(),
            floor.failed,
            floor.copied
        );
        floor_passes.push(floor.time);
    }

    for (index, (name, make)) in backends.into_iter().enumerate() {
        let evaluator = make(&program);
        let mut end_to_end_time = None;
        if passes.end_to_end {
            let run = end_to_end(&program, &*evaluator, &stream.path);
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
            rows.push(
                Row::new(
                    format!("{name}: end to end, 1 thread"),
                    format!("{} events/s", si(n / secs)),
                    format!(
                        "{secs:.1} s for {} lines: decode + engine + action JSON",
                        group(stream.mix.lines)
                    ),
                )
                .against_floor(secs),
            );
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
                here.rss_growth = run.rss_growth;
                here.peak = run.peak;
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
            if *name == plan.backend {
                here.end_to_end = Some(run.time);
            }
            rows.push(Row::new(
                format!("{name}: peak RSS"),
                format!("{} MiB", group(run.peak >> 20)),
                format!(
                    "VmHWM of the pass (reset before it){}; the input is streamed, not held",
                    if first {
                        ""
                    } else {
                        ", which starts with the heap the earlier passes left"
                    }
                ),
            ));
        }

        if passes.evaluator {
            let share = evaluator_share(&program, &*evaluator, &stream.path);
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
            let latency = latency(&program, &*evaluator, &stream.path);
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
                    group(latency.worst_line_number),
                    group(latency.worst_line_actions)
                ),
            ));
        }
    }

    if passes.limit {
        if passes.floor {
            let again = floor::floor(&stream.path);
            println!("floor again: {:.2} s", again.time.as_secs_f64());
            floor_passes.push(again.time);
        }
        let limit = limit::run(&stream.path);
        let secs = limit.time.as_secs_f64();
        here.limit = Some(limit.time);
        here.limit_state = Some((limit.state_bytes / limit.contacts.max(1)) as u64);
        println!(
            "limit: {secs:.2} s, {} actions ({} welcome, {} abandoned_cart), {} timers fired, {} \
             pending, {} bytes of action JSON, {} contacts in {} MiB, timers in {} MiB",
            limit.actions[0] + limit.actions[1],
            limit.actions[0],
            limit.actions[1],
            limit.timers_fired,
            limit.timers_pending,
            group(limit.bytes),
            limit.contacts,
            limit.state_bytes >> 20,
            limit.timer_bytes >> 20
        );
        assert_eq!(limit.lines, stream.mix.lines, "the limit read every line");
        rows.push(
            Row::new(
                "the limit: hand-written abandoned_cart + welcome".to_string(),
                format!("{} events/s", si(n / secs)),
                format!(
                    "{secs:.1} s; decode as the floor, 2 of the 8 journeys, consent and quiet \
                     hours, no caps; {} actions; state in 64-byte rows, {} bytes a contact with \
                     ids and index",
                    group(limit.actions[0] + limit.actions[1]),
                    group((limit.state_bytes / limit.contacts.max(1)) as u64)
                ),
            )
            .against_floor(secs),
        );
    }

    here.floor = floor_passes.iter().min().copied();
    let floor_secs = here.floor.map(|floor| floor.as_secs_f64());
    if let Some(secs) = floor_secs {
        rows.insert(
            0,
            Row::new(
                "floor: serde_json into plain structs".to_string(),
                format!("{} events/s", si(n / secs)),
                format!(
                    "{secs:.1} s{}; `#[derive(Deserialize)]` structs with strings borrowed from \
                     the line, nothing else; the stream read from a file line by line",
                    if floor_passes.len() > 1 {
                        ", the faster of a pass first and one just before the limit"
                    } else {
                        ""
                    }
                ),
            ),
        );
    }

    if !rows.is_empty() {
        println!();
        println!(
            "{} lines, {} contacts, 1 thread:\n",
            group(stream.mix.lines),
            group(config.contacts as u64)
        );
        println!("| measure | result | how |");
        println!("| --- | --- | --- |");
        for row in &rows {
            let ratio = match (row.against_floor, floor_secs) {
                (Some(secs), Some(floor)) => format!("; {:.2}× the floor", floor / secs),
                _ => String::new(),
            };
            println!("| {} | {} | {}{ratio} |", row.measure, row.result, row.how);
        }
    }

    if passes.sweep {
        if let Some(counts) = &plan.contacts {
            let points = sweep::run(&plan, counts, &config)?;
            sweep::print(&points, plan.backend, true);
        } else if here.floor.is_some() || here.end_to_end.is_some() || here.limit.is_some() {
            sweep::print(&[here], plan.backend, false);
        }
    }
    Ok(())
}

/// One row of the result table.
struct Row {
    measure: String,
    result: String,
    how: String,
    /// The seconds of a pass to compare with the floor's (shown after `how`).
    against_floor: Option<f64>,
}

impl Row {
    fn new(measure: String, result: String, how: String) -> Row {
        Row {
            measure,
            result,
            how,
            against_floor: None,
        }
    }

    fn against_floor(self, secs: f64) -> Row {
        Row {
            against_floor: Some(secs),
            ..self
        }
    }
}

/// Which passes to run: all by default; `JOURNEY_BENCH_PASSES` lists some of `floor`, `e2e`,
/// `eval`, `latency`, `limit` and `sweep` (comma-separated), for instance to profile one of them.
struct Passes {
    floor: bool,
    end_to_end: bool,
    evaluator: bool,
    latency: bool,
    limit: bool,
    sweep: bool,
}

impl Passes {
    const NAMES: [&str; 6] = ["floor", "e2e", "eval", "latency", "limit", "sweep"];

    /// Whether a pass other than the sweep runs (they all read the configured stream).
    fn any_on_the_configured_stream(&self) -> bool {
        self.floor || self.end_to_end || self.evaluator || self.latency || self.limit
    }

    fn from_env() -> Result<Passes, String> {
        let Ok(list) = std::env::var("JOURNEY_BENCH_PASSES") else {
            return Ok(Passes {
                floor: true,
                end_to_end: true,
                evaluator: true,
                latency: true,
                limit: true,
                sweep: true,
            });
        };
        let words: Vec<&str> = list.split(',').map(str::trim).collect();
        if let Some(unknown) = words.iter().find(|w| !Passes::NAMES.contains(w)) {
            return Err(format!(
                "JOURNEY_BENCH_PASSES: unknown pass `{unknown}` ({})",
                Passes::NAMES.join(", ")
            ));
        }
        let has = |name: &str| words.contains(&name);
        Ok(Passes {
            floor: has("floor"),
            end_to_end: has("e2e"),
            evaluator: has("eval"),
            latency: has("latency"),
            limit: has("limit"),
            sweep: has("sweep"),
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
    list.split(',').map(str::trim).map(backend_named).collect()
}

/// The backend called `name` in [`BACKENDS`].
fn backend_named(name: &str) -> Result<&'static (&'static str, MakeEvaluator), String> {
    BACKENDS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        let names: Vec<&str> = BACKENDS.iter().map(|(n, _)| *n).collect();
        format!(
            "JOURNEY_BENCH_BACKENDS: unknown backend `{name}` ({})",
            names.join(", ")
        )
    })
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
fn print_sizes(program: &Program) {
    use journey_ir::layout::ContactLayout;
    use journey_runtime::store::{HistoryState, JourneyState, ScoreState, Side};
    use std::mem::size_of;
    let layout = ContactLayout::of(program);
    println!(
        "contact row: {} B ({} aggregates aside); inline sizes: Value {} B, HistoryState {} B, \
         Side {} B, JourneyState {} B, ScoreState {} B; a timer 16 B\n",
        layout.size,
        layout.side_histories(),
        size_of::<Value>(),
        size_of::<HistoryState>(),
        size_of::<Side>(),
        size_of::<JourneyState>(),
        size_of::<ScoreState>(),
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

/// Resets VmHWM to the current VmRSS (Linux's `clear_refs` value 5), so that the next reading
/// is the peak of what comes after; does nothing where that is not possible.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
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

fn end_to_end(program: &Program, evaluator: &dyn Evaluator, path: &Path) -> EndToEnd {
    reset_peak();
    let (rss_before, _) = memory();
    let started = Instant::now();
    let mut engine = Engine::new(program, evaluator, Options::default());
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
    worst_line_number: u64,
    worst_line_actions: u64,
}

fn latency(program: &Program, evaluator: &dyn Evaluator, path: &Path) -> Latency {
    let mut engine = Engine::new(program, evaluator, Options::default());
    let mut sink = LatencySink::default();
    let mut timed = 0;
    let mut burst = 0;
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

fn evaluator_share(program: &Program, evaluator: &dyn Evaluator, path: &Path) -> Share {
    let timed = Timed {
        inner: evaluator,
        depth: Cell::new(0),
        calls: Cell::new(0),
        nanos: Cell::new(0),
    };
    let started = Instant::now();
    let mut engine = Engine::new(program, &timed, Options::default());
    let mut sink = JsonSink::default();
    let mut lines = Lines::open(path);
    while let Some((number, line)) = lines.next_line() {
        engine.handle_line(number, line, &mut sink);
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
