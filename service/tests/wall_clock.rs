//! The service on the wall clock: a `wait 2s` ends two seconds later with no further input, an
//! event too far in the future is refused, and SIGTERM's flag ends the service with a final
//! checkpoint that a restart resumes from; for input in time order and on time, what it writes
//! is what `journey run --until` its clock at shutdown writes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use journey_ir::eval::Interpreter;
use journey_ir::Program;
use journey_service::{serve, Config, SinkSpec, SourceSpec};

fn config(dir: &Path) -> Config {
    Config {
        rejects: Some(SinkSpec::File(dir.join("rejects.ndjson"))),
        ..common::config(
            SourceSpec::File(dir.join("in.ndjson")),
            SinkSpec::File(dir.join("out.ndjson")),
            dir.join("state"),
        )
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn rfc3339(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).unwrap().to_string()
}

fn append(path: &Path, line: &str) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    writeln!(file, "{line}").unwrap();
}

/// Waits until `path` has a line containing `needle`; the time it took.
fn wait_for(path: &Path, needle: &str, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if std::fs::read_to_string(path).is_ok_and(|text| text.contains(needle)) {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[test]
fn a_wait_ends_on_the_wall_clock_on_an_idle_source() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    std::fs::write(dir.path().join("in.ndjson"), "").unwrap();
    let program = common::nudge_program();
    let evaluator = Interpreter::new(&program);
    let stop = Arc::new(AtomicBool::new(false));
    std::thread::scope(|scope| {
        let service = scope.spawn(|| serve(&program, &evaluator, &config, &stop));
        let sent = now();
        append(
            &dir.path().join("in.ndjson"),
            &format!(
                r#"{{"type":"track","event":"signed.up","userId":"c1","timestamp":"{}","properties":{{"plan":"pro"}}}}"#,
                rfc3339(sent)
            ),
        );
        // Far ahead of the wall clock: refused, and it must not fire the wait early.
        append(
            &dir.path().join("in.ndjson"),
            &format!(
                r#"{{"type":"track","event":"signed.up","userId":"c2","timestamp":"{}","properties":{{"plan":"pro"}}}}"#,
                rfc3339(sent + 86_400)
            ),
        );
        let took = wait_for(
            &dir.path().join("out.ndjson"),
            "\"nudge\"",
            Duration::from_secs(10),
        );
        stop.store(true, Ordering::Relaxed);
        let summary = service.join().unwrap().unwrap();
        assert!(summary.stopped_by_signal);
        let took = took.expect("the nudge was never sent");
        assert!(
            took >= Duration::from_millis(900) && took <= Duration::from_secs(4),
            "sent after {took:?}, not about 2 s"
        );
        let out = std::fs::read_to_string(dir.path().join("out.ndjson")).unwrap();
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.contains(&format!("\"at\":\"{}\"", rfc3339(sent + 2))),
            "{out}"
        );
        let rejects = std::fs::read_to_string(dir.path().join("rejects.ndjson")).unwrap();
        assert!(rejects.contains("\"reason\":\"future\""), "{rejects}");
    });

    // A restart resumes after both lines: nothing is handled or written twice.
    let stop = Arc::new(AtomicBool::new(true));
    let summary = serve(&program, &evaluator, &config, &stop).unwrap();
    assert!(summary.restored);
    assert_eq!(summary.lines, 2);
    let out = std::fs::read_to_string(dir.path().join("out.ndjson")).unwrap();
    assert_eq!(out.lines().count(), 1);
}

/// Actions and rejects as `journey run` writes them.
#[derive(Default)]
struct Written {
    actions: String,
    rejects: String,
}

impl journey_runtime::Sink for Written {
    fn action(&mut self, program: &Program, action: &journey_runtime::output::Action<'_>) {
        action.write_json(program, &mut self.actions);
        self.actions.push('\n');
    }

    fn reject(&mut self, reject: &journey_runtime::Reject) {
        self.rejects.push_str(&reject.to_json());
        self.rejects.push('\n');
    }
}

#[test]
fn on_the_wall_clock_it_writes_what_journey_run_until_its_clock_writes() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let input = dir.path().join("in.ndjson");
    std::fs::write(&input, "").unwrap();
    let program = common::nudge_program();
    let evaluator = Interpreter::new(&program);
    let stop = Arc::new(AtomicBool::new(false));
    // On time: each line arrives before the wall clock reaches its timestamp.
    let start = now() + 2;
    let lines: Vec<String> = (0..3)
        .map(|i| {
            format!(
                r#"{{"type":"track","event":"signed.up","userId":"c{i}","timestamp":"{}","properties":{{"plan":"pro"}}}}"#,
                rfc3339(start + i)
            )
        })
        .chain(["not json".to_owned()])
        .collect();
    std::thread::scope(|scope| {
        let service = scope.spawn(|| serve(&program, &evaluator, &config, &stop));
        for line in &lines {
            append(&input, line);
        }
        // Past the last wait (start + 2 + 2 s), then a little more idle time.
        let took = wait_for(
            &dir.path().join("out.ndjson"),
            "\"c2\"",
            Duration::from_secs(15),
        );
        assert!(took.is_some(), "the last nudge was never sent");
        std::thread::sleep(Duration::from_millis(1500));
        stop.store(true, Ordering::Relaxed);
        service.join().unwrap().unwrap();
    });
    let store = journey_service::store::StateStore::open(&config.state).unwrap();
    let restored = store.restore().unwrap().unwrap();
    let clock = journey_service::driver::read_state(&store, &restored)
        .unwrap()
        .clock
        .unwrap();
    assert!(clock >= start + 4, "the clock moved on with the wall clock");

    let options = journey_runtime::Options {
        lateness: config.lateness,
        limits: config.limits,
        trace: false,
        dedupe_window: config.dedupe_window,
    };
    let mut engine = journey_runtime::Engine::new(&program, &evaluator, options);
    let mut run = Written::default();
    for (i, line) in lines.iter().enumerate() {
        engine.handle_line(i as u64 + 1, line.as_bytes(), &mut run);
    }
    engine.finish(Some(clock), &mut run);
    let served = std::fs::read_to_string(dir.path().join("out.ndjson")).unwrap();
    assert_eq!(served.lines().count(), 3, "{served}");
    assert_eq!(served, run.actions);
    let rejects = std::fs::read_to_string(dir.path().join("rejects.ndjson")).unwrap();
    assert_eq!(rejects, run.rejects);
}
