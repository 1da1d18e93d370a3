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
//!     included; lines that emit more than 100 actions, schedule storms, counted apart), and
//!     every line as a whole, for the slowest one;
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
#[path = "run/e2e.rs"]
mod e2e;
#[path = "run/floor.rs"]
mod floor;
#[path = "run/input.rs"]
mod input;
#[path = "run/latency.rs"]
mod latency;
#[path = "run/limit.rs"]
mod limit;
#[path = "run/report.rs"]
mod report;
#[path = "run/share.rs"]
mod share;
#[path = "run/sweep.rs"]
mod sweep;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Duration;

use journey_benches::workload::Config;
use journey_ir::eval::{Evaluator, Interpreter};
use journey_ir::Program;

use e2e::end_to_end;
use latency::{latency, LATENCY_EVERY, STORM_ACTIONS};
use report::{group, micros, print_machine, print_mix, print_sizes, si, Row};
use share::evaluator_share;

/// Builds a backend's evaluator for a program.
type MakeEvaluator = for<'p> fn(&'p Program) -> Box<dyn Evaluator + 'p>;

/// The evaluator backends, measured in this order. A new backend is one more line.
const BACKENDS: &[(&str, MakeEvaluator)] = &[
    ("interp", |p| Box::new(Interpreter::new(p))),
    ("jit", |p| {
        Box::new(journey_jit::compile(p).expect("the examples compile"))
    }),
];

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
                     emits; {} samples, max {}; {} timed lines of more than {STORM_ACTIONS} \
                     actions (storms, up to {} actions) left out with their {} samples",
                    group(latency.samples as u64),
                    micros(latency.max_ns),
                    group(latency.storm_lines as u64),
                    group(latency.burst as u64),
                    group(latency.storm_samples as u64)
                ),
            ));
            rows.push(Row::new(
                format!("{name}: latency event → its own actions, p50 / p99"),
                format!(
                    "{} / {}",
                    micros(latency.event_p50_ns),
                    micros(latency.event_p99_ns)
                ),
                format!(
                    "every {LATENCY_EVERY}th line, half-way between the above: the timers due by \
                     its time fired first, untimed; then start of `handle_line` to each action \
                     the event causes; {} samples from {} lines, max {}",
                    group(latency.event_samples as u64),
                    group(latency.event_lines as u64),
                    micros(latency.event_max_ns)
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

    report::print_table(&rows, stream.mix.lines, config.contacts, floor_secs);

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

/// The options `journey run` runs with by default (its `messageId` dedupe window included), so
/// that the passes measure what users get.
fn run_options() -> journey_runtime::Options {
    journey_runtime::Options {
        dedupe_window: journey_runtime::engine::DEFAULT_DEDUPE_WINDOW,
        ..journey_runtime::Options::default()
    }
}

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
