//! Writes the generated event stream of the runtime benchmark (Segment-spec NDJSON for the
//! program in `examples/`) to a file, or to stdout with `-` or no argument, and a summary of its
//! mix to stderr:
//!
//! ```text
//! JOURNEY_BENCH_EVENTS=100000 JOURNEY_BENCH_CONTACTS=10000 \
//!   cargo run --release -p journey-benches --bin gen-events -- /tmp/events.ndjson
//! journey run examples/ --events /tmp/events.ndjson --out /dev/null
//! ```
//!
//! The size defaults to 10,000,000 lines from 1,000,000 contacts; `JOURNEY_BENCH_EVENTS` and
//! `JOURNEY_BENCH_CONTACTS` change it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, Write};

use journey_benches::workload::{generate, Config, Kind};

fn main() -> Result<(), Box<dyn Error>> {
    let config = Config::from_env()?;
    let target = std::env::args().nth(1).unwrap_or_else(|| "-".to_string());
    let mix = if target == "-" {
        let stdout = io::stdout().lock();
        let mut out = BufWriter::with_capacity(1 << 20, stdout);
        let mix = generate(&config, &mut out)?;
        out.flush()?;
        mix
    } else {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&target)?);
        let mix = generate(&config, &mut out)?;
        out.flush()?;
        mix
    };
    eprintln!(
        "{} lines ({} MiB) from {} contacts ({} seen) over {} days",
        mix.lines,
        mix.bytes >> 20,
        config.contacts,
        mix.contacts_seen,
        config.days
    );
    for kind in Kind::ALL {
        let count = mix.count(kind);
        eprintln!(
            "  {:<32} {:>10} {:>6.2}%",
            kind.label(),
            count,
            100.0 * count as f64 / mix.lines.max(1) as f64
        );
    }
    Ok(())
}
