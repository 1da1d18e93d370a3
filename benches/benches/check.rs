//! Benchmark of `journey check` on a generated program of about 50,000 lines.
//!
//! Run with `cargo bench -p journey-benches --bench check`. Builds the program in memory, then
//! times the parser alone and the whole checker (`journey_check::check`), alternately, over a
//! number of iterations (`JOURNEY_BENCH_ITERS`, default 10, after one warm-up), and prints the
//! minimum, median and maximum wall time and the throughput in lines per second at the median.

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use journey_benches::{generate, source_map, total_bytes, total_lines, Config};
use journey_check::Severity;

fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = match std::env::var("JOURNEY_BENCH_ITERS") {
        Ok(value) => value.parse()?,
        Err(_) => 10,
    };
    let iterations = iterations.max(1);

    let program = generate(&Config::default());
    let lines = total_lines(&program);
    let sources = source_map(&program);
    println!(
        "program: {} files, {} lines, {} KiB",
        program.len(),
        lines,
        total_bytes(&program) / 1024
    );

    let analysis = journey_check::check(&sources);
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = analysis.diagnostics.len() - errors;
    println!("diagnostics: {errors} errors, {warnings} warnings");
    for diagnostic in analysis.diagnostics.iter().take(10) {
        let span = diagnostic.span();
        let name = sources.get(span.file).map_or("?", |f| f.name.as_str());
        let line = sources
            .get(span.file)
            .map_or(0, |f| f.line_col(span.start).line);
        println!(
            "  {}:{line}: {} {}",
            name,
            diagnostic.code.as_str(),
            diagnostic.message
        );
    }

    // The two measurements alternate, so that a change in machine load affects both alike.
    let parse = || {
        for file in sources.files() {
            black_box(journey_syntax::parse(file.id, &file.text));
        }
    };
    let check = || {
        black_box(journey_check::check(black_box(&sources)));
    };
    let [parse_times, check_times] = measure(iterations, [&parse, &check]);
    report("parse", &parse_times, lines);
    report("check", &check_times, lines);
    Ok(())
}

/// Runs each of `work` once to warm up, then all of them in turn `iterations` times; returns
/// the sorted wall times of each.
fn measure<const N: usize>(iterations: usize, work: [&dyn Fn(); N]) -> [Vec<Duration>; N] {
    work.iter().for_each(|w| w());
    let mut times: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(iterations));
    for _ in 0..iterations {
        for (w, t) in work.iter().zip(times.iter_mut()) {
            let start = Instant::now();
            w();
            t.push(start.elapsed());
        }
    }
    times.iter_mut().for_each(|t| t.sort());
    times
}

fn report(what: &str, times: &[Duration], lines: usize) {
    let (Some(min), Some(max)) = (times.first(), times.last()) else {
        return;
    };
    let median = times[times.len() / 2];
    let per_second = lines as f64 / median.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "{what:>6}: min {:>9.2?}  median {:>9.2?}  max {:>9.2?}  ({} runs, {:.0} lines/s at the median)",
        min,
        median,
        max,
        times.len(),
        per_second
    );
}
