//! Benchmark of a service checkpoint's engine side: the program in `examples/` over the `run`
//! bench's generated stream (the same file, `JOURNEY_BENCH_EVENTS` and `JOURNEY_BENCH_CONTACTS`
//! choose it) with change tracking on, then `Engine::checkpoint` of every contact at once —
//! what `journey serve` does on its engine thread, for every contact changed since the last
//! checkpoint — and the state rebuilt from those bytes, as a restart does.
//!
//! Run with `cargo bench -p journey-benches --bench checkpoint`. It prints the time and bytes
//! per contact of taking the checkpoint (the shared part apart) and of reading it back, the best
//! of `JOURNEY_BENCH_REPEAT` (default 3) takes, each after marking every contact changed again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "run/input.rs"]
mod input;

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use journey_benches::workload::Config;
use journey_ir::Program;
use journey_runtime::output::Action;
use journey_runtime::{Engine, Reject, RunState, Sink};

struct Discard;

impl Sink for Discard {
    fn action(&mut self, _: &Program, _: &Action<'_>) {}
    fn reject(&mut self, _: &Reject) {}
}

fn main() -> Result<(), Box<dyn Error>> {
    let config = Config::from_env()?;
    let repeat: usize = std::env::var("JOURNEY_BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let stream = input::prepare(&config)?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root");
    let found = journey_cli::sources::find(&[root.join("examples")])?;
    let sources = journey_cli::sources::load(&found)?;
    let program = journey_ir::lower(&journey_check::check(&sources))
        .map_err(|e| format!("examples/ does not lower: {e}"))?;
    let evaluator = journey_jit::compile(&program)?;
    let options = journey_runtime::Options {
        dedupe_window: journey_runtime::engine::DEFAULT_DEDUPE_WINDOW,
        ..journey_runtime::Options::default()
    };
    let mut engine = Engine::new(&program, &evaluator, options);
    engine.track_changes();
    let mut lines = input::Lines::open(&stream.path);
    while let Some((number, line)) = lines.next_line() {
        engine.handle_line(number, line, &mut Discard);
    }
    engine.finish(None, &mut Discard);
    let contacts = engine.state().contacts.len();
    println!(
        "stream: {} lines ({} bytes), {contacts} contacts ({}, {})",
        lines.count(),
        stream.mix.bytes,
        stream.path.display(),
        stream.generated.map_or_else(
            || "reused".to_owned(),
            |t| format!("generated in {:.1} s", t.as_secs_f64())
        )
    );

    let mut best_take = Duration::MAX;
    let mut best_read = Duration::MAX;
    let (mut shared_bytes, mut contact_bytes) = (0, 0);
    for round in 0..repeat {
        if round > 0 {
            engine.mark_all_changed();
        }
        let started = Instant::now();
        let parts = engine.checkpoint()?;
        best_take = best_take.min(started.elapsed());
        assert_eq!(parts.changed.len(), contacts, "every contact is taken");
        shared_bytes = parts.shared.len();
        contact_bytes = parts.changed.iter().map(|(_, b)| b.len()).sum::<usize>();
        let started = Instant::now();
        let mut restoring = RunState::restoring(&parts.shared)?;
        for (number, bytes) in &parts.changed {
            restoring.contact(*number, bytes)?;
        }
        let state = restoring.finish()?;
        best_read = best_read.min(started.elapsed());
        assert_eq!(state.contacts.len(), contacts);
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / contacts as f64;
    println!();
    println!("| measure | all {contacts} contacts | per contact |");
    println!("| --- | --- | --- |");
    println!(
        "| take (`Engine::checkpoint`) | {:.0} ms | {:.2} µs |",
        best_take.as_secs_f64() * 1e3,
        per(best_take)
    );
    println!(
        "| read back (`RunState::restoring`) | {:.0} ms | {:.2} µs |",
        best_read.as_secs_f64() * 1e3,
        per(best_read)
    );
    println!(
        "| bytes | {:.1} MB contacts + {:.1} MB shared | {} B |",
        contact_bytes as f64 / 1e6,
        shared_bytes as f64 / 1e6,
        contact_bytes / contacts.max(1)
    );
    Ok(())
}
