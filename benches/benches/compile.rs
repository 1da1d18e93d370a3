//! Benchmark of JIT compilation: milliseconds per 1,000 lines of source.
//!
//! Run with `cargo bench -p journey-benches --bench compile`. Two programs: the one in
//! `examples/`, and the generated program of about 50,000 lines that the `check` bench uses.
//! Each is checked and lowered once; then `journey_jit::compile` (analysis, Cranelift code generation
//! and finalizing; not the drop that frees the module) is timed over `JOURNEY_BENCH_ITERS` iterations
//! (default 10, after one warm-up), and the minimum and median are printed with the median per
//! 1,000 lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use journey_benches::{generate, source_map, total_lines, Config};
use journey_ir::Program;

fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = match std::env::var("JOURNEY_BENCH_ITERS") {
        Ok(value) => value.parse()?,
        Err(_) => 10,
    };
    let iterations = iterations.max(1);

    let examples = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .join("examples");
    let found = journey_cli::sources::find(&[examples])?;
    let sources = journey_cli::sources::load(&found)?;
    let lines: usize = sources.files().iter().map(|f| f.text.lines().count()).sum();
    let program = lower(&journey_check::check(&sources), "examples/")?;
    measure("examples/", lines, &program, iterations);

    let generated = generate(&Config::default());
    let program = lower(
        &journey_check::check(&source_map(&generated)),
        "the generated program",
    )?;
    measure("generated", total_lines(&generated), &program, iterations);
    Ok(())
}

fn lower(analysis: &journey_check::Analysis, what: &str) -> Result<Program, Box<dyn Error>> {
    Ok(journey_ir::lower(analysis).map_err(|e| format!("{what} does not lower: {e}"))?)
}

fn measure(name: &str, lines: usize, program: &Program, iterations: usize) {
    drop(journey_jit::compile(program).expect("the program compiles"));
    let mut times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let started = Instant::now();
            let compiled = journey_jit::compile(program).expect("the program compiles");
            let time = started.elapsed();
            drop(compiled);
            time
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let per_thousand = median.as_secs_f64() * 1000.0 / (lines as f64 / 1000.0);
    println!(
        "{name}: {lines} lines, {} expressions: min {:.1} ms, median {:.1} ms, {per_thousand:.1} ms per 1,000 lines",
        program.exprs.len(),
        times[0].as_secs_f64() * 1000.0,
        median.as_secs_f64() * 1000.0,
    );
}
