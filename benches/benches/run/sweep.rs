//! The contacts sweep: the floor, end to end (one backend) and the limit over streams of the
//! same number of lines from different numbers of contacts, so that what a contact's state costs
//! in cache misses shows as the contacts outgrow the caches.
//!
//! `JOURNEY_BENCH_SWEEP=10000,100000,1000000` measures each count in a fresh process (this
//! binary again, with [`POINT`] set, over the stream of that count), so that its RSS growth and
//! peak are its own; without it the sweep is the configured contacts alone, read from the passes
//! already run (or, when the sweep is the only pass, measured in a fresh process too). The
//! backend is the first of `JOURNEY_BENCH_BACKENDS`, else `jit`. In each process the floor is
//! the faster of a pass first and one just before the limit, as in the main passes.

use std::error::Error;
use std::process::{Command, Stdio};
use std::time::Duration;

use journey_benches::workload::Config;

use super::backend_named;
use super::report::{group, si};

/// Set (to a backend's name) in the process that measures one count.
pub(super) const POINT: &str = "JOURNEY_BENCH_SWEEP_POINT";

/// What the sweep measures.
pub(super) struct Plan {
    /// The counts, each in its own process; `None`: the configured count, from the main passes.
    pub(super) contacts: Option<Vec<usize>>,
    pub(super) backend: &'static str,
}

impl Plan {
    pub(super) fn from_env() -> Result<Plan, String> {
        let backend = match std::env::var("JOURNEY_BENCH_BACKENDS") {
            Ok(list) => {
                let first = list.split(',').map(str::trim).next().unwrap_or("jit");
                backend_named(first)?.0
            }
            Err(_) => "jit",
        };
        let contacts = match std::env::var("JOURNEY_BENCH_SWEEP") {
            Ok(list) => Some(
                list.split(',')
                    .map(|word| {
                        let word = word.trim().replace('_', "");
                        word.parse::<usize>()
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| {
                                format!("JOURNEY_BENCH_SWEEP: `{word}` is not a count of contacts")
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Err(_) => None,
        };
        Ok(Plan { contacts, backend })
    }
}

/// One count's measurements.
#[derive(Clone, Debug, Default)]
pub(super) struct Point {
    /// Contacts configured.
    pub(super) contacts: usize,
    /// Contacts the engine saw.
    pub(super) seen: usize,
    pub(super) lines: u64,
    pub(super) floor: Option<Duration>,
    pub(super) end_to_end: Option<Duration>,
    pub(super) limit: Option<Duration>,
    /// The limit's bytes of state (rows, ids, index) a contact.
    pub(super) limit_state: Option<u64>,
    /// VmRSS growth over the end-to-end pass, engine held.
    pub(super) rss_growth: u64,
    /// VmHWM of the end-to-end pass.
    pub(super) peak: u64,
}

impl Point {
    fn to_line(&self) -> String {
        let ns = |d: Option<Duration>| d.map_or(0, |d| d.as_nanos() as u64);
        format!(
            "sweep-point contacts={} seen={} lines={} floor_ns={} e2e_ns={} limit_ns={} \
             limit_state={} rss_growth={} peak={}",
            self.contacts,
            self.seen,
            self.lines,
            ns(self.floor),
            ns(self.end_to_end),
            ns(self.limit),
            self.limit_state.unwrap_or(0),
            self.rss_growth,
            self.peak
        )
    }

    fn from_line(line: &str) -> Option<Point> {
        let rest = line.strip_prefix("sweep-point ")?;
        let mut point = Point::default();
        for pair in rest.split_whitespace() {
            let (key, value) = pair.split_once('=')?;
            let value: u64 = value.parse().ok()?;
            let time = (value > 0).then(|| Duration::from_nanos(value));
            match key {
                "contacts" => point.contacts = value as usize,
                "seen" => point.seen = value as usize,
                "lines" => point.lines = value,
                "floor_ns" => point.floor = time,
                "e2e_ns" => point.end_to_end = time,
                "limit_ns" => point.limit = time,
                "limit_state" => point.limit_state = (value > 0).then_some(value),
                "rss_growth" => point.rss_growth = value,
                "peak" => point.peak = value,
                _ => {}
            }
        }
        Some(point)
    }
}

/// In the process [`POINT`] starts: measures the configured count and prints its point.
pub(super) fn point(backend: &str) -> Result<(), Box<dyn Error>> {
    let config = Config::from_env()?;
    let stream = super::input::prepare(&config)?;
    if let Some(took) = stream.generated {
        eprintln!(
            "[sweep {} contacts] stream generated in {:.1} s",
            group(config.contacts as u64),
            took.as_secs_f64()
        );
    }
    let program = super::compile(&super::examples())?;
    let (_, make) = backend_named(backend)?;
    let evaluator = make(&program);
    // As in the main passes: the floor is the faster of a pass first and one just before the
    // limit.
    let first = super::floor::floor(&stream.path);
    let run = super::e2e::end_to_end(&program, &*evaluator, &stream.path);
    let again = super::floor::floor(&stream.path);
    let limit = super::limit::run(&stream.path);
    let floor = first.time.min(again.time);
    let point = Point {
        contacts: config.contacts,
        seen: run.contacts,
        lines: first.lines,
        floor: Some(floor),
        end_to_end: Some(run.time),
        limit_state: Some((limit.state_bytes / limit.contacts.max(1)) as u64),
        limit: Some(limit.time),
        rss_growth: run.rss_growth,
        peak: run.peak,
    };
    eprintln!(
        "[sweep {} contacts] floor {:.2} s, end to end ({backend}) {:.2} s, limit {:.2} s",
        group(config.contacts as u64),
        floor.as_secs_f64(),
        run.time.as_secs_f64(),
        limit.time.as_secs_f64()
    );
    println!("{}", point.to_line());
    Ok(())
}

/// Measures each count of the plan in a process of its own.
pub(super) fn run(
    plan: &Plan,
    counts: &[usize],
    config: &Config,
) -> Result<Vec<Point>, Box<dyn Error>> {
    let exe = std::env::current_exe()?;
    let mut points = Vec::new();
    for &contacts in counts {
        eprintln!(
            "[sweep {} contacts] {} lines, end to end with {}",
            group(contacts as u64),
            group(config.events as u64),
            plan.backend
        );
        let output = Command::new(&exe)
            .arg("--bench")
            .env(POINT, plan.backend)
            .env("JOURNEY_BENCH_CONTACTS", contacts.to_string())
            .env("JOURNEY_BENCH_EVENTS", config.events.to_string())
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let point = stdout.lines().find_map(Point::from_line).ok_or_else(|| {
            format!(
                "the sweep's process for {contacts} contacts failed ({}): {stdout}",
                output.status
            )
        })?;
        points.push(point);
    }
    Ok(points)
}

/// The sweep's table.
pub(super) fn print(points: &[Point], backend: &str, fresh: bool) {
    let Some(first) = points.first() else {
        return;
    };
    println!();
    if fresh {
        println!(
            "contacts sweep: {} lines each, end to end with {backend}, 1 thread, each count in a \
             fresh process:\n",
            group(first.lines)
        );
    } else {
        println!(
            "contacts sweep: the configured contacts only, from the passes above (state and peak \
             from the first end-to-end pass; JOURNEY_BENCH_SWEEP=10000,100000,1000000 measures \
             more counts), end to end with {backend}:\n"
        );
    }
    println!(
        "| contacts | floor | end to end ({backend}) | end to end / floor | the limit | limit / \
         floor | state per contact | limit state per contact | peak RSS |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for p in points {
        let rate = |d: Option<Duration>| {
            d.map_or_else(
                || "–".to_string(),
                |d| format!("{} events/s", si(p.lines as f64 / d.as_secs_f64())),
            )
        };
        let ratio = |d: Option<Duration>| match (d, p.floor) {
            (Some(d), Some(floor)) => format!("{:.2}×", floor.as_secs_f64() / d.as_secs_f64()),
            _ => "–".to_string(),
        };
        let state = if p.end_to_end.is_some() {
            format!("{} bytes", group(p.rss_growth / p.seen.max(1) as u64))
        } else {
            "–".to_string()
        };
        println!(
            "| {} ({} seen) | {} | {} | {} | {} | {} | {} | {} | {} |",
            group(p.contacts as u64),
            group(p.seen as u64),
            rate(p.floor),
            rate(p.end_to_end),
            ratio(p.end_to_end),
            rate(p.limit),
            ratio(p.limit),
            state,
            p.limit_state
                .map_or_else(|| "–".to_string(), |b| format!("{} bytes", group(b))),
            if p.end_to_end.is_some() {
                format!("{} MiB", group(p.peak >> 20))
            } else {
                "–".to_string()
            }
        );
    }
}
