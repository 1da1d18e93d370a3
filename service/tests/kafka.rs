//! A Kafka worker in-process against librdkafka's mock cluster: the example streams, each in a
//! partition of its own (a partition's event clock is its own), write exactly what the engine
//! writes for each alone, and a second worker restores them and writes nothing more; an input
//! that is not keyed by contact goes through the re-keying stage to the same actions; on the
//! wall clock a wait ends with no further input and a line from the future is refused; a
//! changelog the brokers cut by size still restores, owner after owner.
//! `kafka_program_change.rs` tests changed programs; `tests/scaleout/` runs real workers, many
//! partitions, kills and broker faults.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod kafka_support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use journey_ir::eval::{Evaluator, Interpreter};
use journey_ir::Program;
use journey_runtime::input::Limits;
use journey_runtime::output::Action;
use journey_runtime::{Engine, Options, Reject, Sink};
use journey_service::spec::KafkaSpec;
use journey_service::{serve, ClockMode, Config, SinkSpec};
use journey_syntax::SourceMap;
use kafka_support::{config, create_topics, free_address, get, produce, read, sorted};
use rdkafka::mocking::MockCluster;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn program() -> Program {
    let mut sources = SourceMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "journey"))
        .collect();
    files.sort();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        sources.add(name, std::fs::read_to_string(&file).unwrap());
    }
    journey_ir::lower(&journey_check::check(&sources)).unwrap_or_else(|e| panic!("{e}"))
}

/// Each example stream, with one more line that moves the clock to the stream's `--until`
/// (an `identify` of a contact of its own), since a worker's clock moves with events only.
fn streams() -> Vec<(String, Vec<String>)> {
    let dir = examples().join("streams");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".args") else {
            continue;
        };
        let args = std::fs::read_to_string(&path).unwrap();
        let until = args.trim().strip_prefix("--until ").unwrap().to_owned();
        let mut lines: Vec<String> = std::fs::read_to_string(dir.join(format!("{stem}.ndjson")))
            .unwrap()
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();
        lines.push(format!(
            r#"{{"type":"identify","userId":"journey-clock","timestamp":"{until}","traits":{{}}}}"#
        ));
        found.push((stem.to_owned(), lines));
    }
    found.sort();
    assert!(found.len() >= 5, "the example streams are missing");
    found
}

/// What `journey run` writes for `lines`: the engine over them in order, as JSON lines.
fn reference(program: &Program, evaluator: &dyn Evaluator, lines: &[String]) -> Vec<String> {
    struct Collect(Vec<String>);
    impl Sink for Collect {
        fn action(&mut self, program: &Program, action: &Action<'_>) {
            self.0.push(action.to_json(program));
        }
        fn reject(&mut self, _: &Reject) {}
    }
    let options = Options {
        lateness: 0,
        limits: Limits::default(),
        trace: false,
        dedupe_window: 86_400,
    };
    let mut engine = Engine::new(program, evaluator, options);
    let mut sink = Collect(Vec::new());
    for (number, line) in lines.iter().enumerate() {
        engine.handle_line(number as u64 + 1, line.as_bytes(), &mut sink);
    }
    engine.finish(None, &mut sink);
    sink.0
}

#[test]
fn example_streams_in_partitions_of_their_own_write_what_journey_run_writes() {
    let cluster = MockCluster::new(3).unwrap();
    let brokers = cluster.bootstrap_servers();
    let program = program();
    let evaluator = Interpreter::new(&program);
    let streams = streams();
    let partitions = streams.len() as i32;
    create_topics(&cluster, "examples", partitions, 3);
    // A partition's clock moves with its own events: each stream in its own partition runs as
    // `journey run` runs it alone.
    let mut expected = Vec::new();
    let mut lines = 0;
    for (partition, (stream, stream_lines)) in streams.iter().enumerate() {
        let actions = reference(&program, &evaluator, stream_lines);
        assert!(!actions.is_empty(), "{stream} writes no action");
        expected.extend(actions);
        lines += stream_lines.len() as u64;
        produce(
            &brokers,
            "examples-in",
            partition as i32,
            stream_lines,
            false,
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let config = config(&brokers, "examples", false, true);
    let summary = serve(&program, &evaluator, &config, &stop).unwrap();
    assert_eq!(summary.lines, lines);
    let actions = read(&brokers, "examples-actions", partitions);
    assert_eq!(sorted(actions), sorted(expected.clone()));
    // A second worker of the group restores every partition's checkpoint and writes nothing.
    let again = serve(&program, &evaluator, &config, &stop).unwrap();
    assert_eq!(again.lines, lines);
    assert_eq!(
        read(&brokers, "examples-actions", partitions).len(),
        expected.len()
    );
}

#[test]
fn an_input_not_keyed_by_contact_is_rekeyed_first() {
    let cluster = MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let program = program();
    let evaluator = Interpreter::new(&program);
    let (_, lines) = streams()
        .into_iter()
        .max_by_key(|(_, lines)| lines.len())
        .unwrap();
    let expected = reference(&program, &evaluator, &lines);
    create_topics(&cluster, "raw", 1, 1);
    cluster.create_topic("raw-repartition", 1, 1).unwrap();
    produce(&brokers, "raw-in", 0, &lines, true);
    let stop = Arc::new(AtomicBool::new(false));
    let metrics = free_address();
    let config = Config {
        metrics: Some(metrics.clone()),
        ..config(&brokers, "raw", true, false)
    };
    let mut page = String::new();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| serve(&program, &evaluator, &config, &stop));
        let started = Instant::now();
        while read(&brokers, "raw-actions", 1).len() < expected.len()
            && started.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(200));
        }
        // The metrics are published every second; the lag comes from librdkafka's statistics.
        while !page.contains(r#"journey_consumer_lag{partition="0"} 0"#)
            && started.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(200));
            page = get(&metrics, "/metrics");
        }
        stop.store(true, Ordering::Relaxed);
        worker.join().unwrap().unwrap();
    });
    assert!(
        page.contains(r#"journey_consumer_lag{partition="0"} 0"#),
        "{page}"
    );
    assert!(
        page.contains(&format!("journey_lines_total {}", lines.len())),
        "{page}"
    );
    assert!(page.contains("journey_up 1"), "{page}");
    let repartitioned = read(&brokers, "raw-repartition", 1);
    assert_eq!(sorted(repartitioned), sorted(lines));
    assert_eq!(sorted(read(&brokers, "raw-actions", 1)), sorted(expected));
}

#[test]
fn a_kafka_sink_needs_a_kafka_source_and_the_same_brokers() {
    let program = program();
    let evaluator = Interpreter::new(&program);
    let stop = Arc::new(AtomicBool::new(false));
    let mut config = config("127.0.0.1:1", "g", false, true);
    config.sink = SinkSpec::Stdout;
    let error = serve(&program, &evaluator, &config, &stop).err().unwrap();
    assert!(error.to_string().contains("`kafka:` sink"), "{error}");
    let mut config = self::config("127.0.0.1:1", "g", false, true);
    config.rejects = Some(SinkSpec::Kafka(KafkaSpec {
        brokers: "elsewhere:9092".to_owned(),
        topic: "r".to_owned(),
        group: None,
        rekey: false,
    }));
    let error = serve(&program, &evaluator, &config, &stop).err().unwrap();
    assert!(
        error.to_string().contains("cannot span two clusters"),
        "{error}"
    );
}

#[test]
fn on_the_wall_clock_a_wait_ends_with_no_further_input() {
    let program = common::nudge_program();
    let evaluator = Interpreter::new(&program);
    let cluster = MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    create_topics(&cluster, "wall", 1, 1);
    let config = Config {
        clock: ClockMode::Wall,
        lateness: 3600,
        ..config(&brokers, "wall", false, false)
    };
    let stop = Arc::new(AtomicBool::new(false));
    let sent = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let line = |contact: &str, at: i64| {
        let at = jiff::Timestamp::from_second(at).unwrap();
        format!(
            r#"{{"type":"track","event":"signed.up","userId":"{contact}","timestamp":"{at}","properties":{{"plan":"pro"}}}}"#
        )
    };
    // The second is a day ahead of the wall clock: refused, and it must not fire the wait.
    produce(
        &brokers,
        "wall-in",
        0,
        &[line("c1", sent), line("c2", sent + 86_400)],
        false,
    );
    let actions = std::thread::scope(|scope| {
        let worker = scope.spawn(|| serve(&program, &evaluator, &config, &stop));
        let started = Instant::now();
        let mut actions = Vec::new();
        while actions.is_empty() && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(200));
            actions = read(&brokers, "wall-actions", 1);
        }
        stop.store(true, Ordering::Relaxed);
        worker.join().unwrap().unwrap();
        actions
    });
    let seen = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert_eq!(actions.len(), 1, "{actions:?}");
    // The line is handled once the worker has joined, at the wall clock's time if that has
    // passed its timestamp; the wait ends two seconds later with nothing more read.
    let action: serde_json::Value = serde_json::from_str(&actions[0]).unwrap();
    let at: jiff::Timestamp = action["at"].as_str().unwrap().parse().unwrap();
    assert!(
        (sent + 2..=seen).contains(&at.as_second()),
        "{at} is not between {sent} + 2 s and {seen}"
    );
    assert!(actions[0].contains(r#""template":"nudge""#), "{actions:?}");
    let rejects = read(&brokers, "wall-rejects", 1);
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert!(rejects[0].contains(r#""reason":"future""#), "{rejects:?}");
}

/// `count` pseudo-random hex digits from `seed` (lz4 cannot shrink them much).
fn noise(seed: u64, count: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from_digit((x % 16) as u32, 16).unwrap_or('0')
        })
        .collect()
}

#[test]
fn a_changelog_cut_by_size_restores_owner_after_owner() {
    // The mock cluster keeps 5 MB a partition. 600 contacts with names of 1.5 KB make a state
    // of about 1 MB, which each round writes again as changed contacts, one worker after
    // another: by the last round the changelog's first records are gone.
    const CONTACTS: u64 = 600;
    const ROUNDS: u64 = 8;
    let cluster = MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let program = program();
    let evaluator = Interpreter::new(&program);
    create_topics(&cluster, "cut", 1, 1);
    let config = config(&brokers, "cut", false, true);
    let stop = Arc::new(AtomicBool::new(false));
    let start = jiff::Timestamp::from_second(1_772_409_600).unwrap(); // 2026-03-02T00:00:00Z
    let mut all = Vec::new();
    for round in 0..ROUNDS {
        let mut lines = Vec::new();
        for contact in 0..CONTACTS {
            let at = start
                .checked_add(jiff::SignedDuration::from_secs(
                    (round * 86_400 + contact * 60) as i64,
                ))
                .unwrap();
            let name = noise(round * CONTACTS + contact, 1500);
            lines.push(format!(
                r#"{{"type":"identify","userId":"c{contact}","timestamp":"{at}","traits":{{"first_name":"{name}","consent_email":true}}}}"#
            ));
            if round == 0 {
                lines.push(format!(
                    r#"{{"type":"track","event":"form.submitted","userId":"c{contact}","timestamp":"{at}","properties":{{"form":"newsletter"}}}}"#
                ));
            }
        }
        produce(&brokers, "cut-in", 0, &lines, false);
        all.extend(lines);
        // Each round a new owner restores the partition and writes every name again.
        let summary = serve(&program, &evaluator, &config, &stop)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(summary.lines, all.len() as u64, "round {round}");
    }
    let consumer: rdkafka::consumer::BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .unwrap();
    let (low, _) = rdkafka::consumer::Consumer::fetch_watermarks(
        &consumer,
        "cut-changelog",
        0,
        Duration::from_secs(10),
    )
    .unwrap();
    assert!(low > 0, "the mock cluster cut nothing off the changelog");
    // The welcome series' nudges and later emails carry names restored from the changelog.
    let expected = reference(&program, &evaluator, &all);
    assert!(expected.len() > 2 * CONTACTS as usize, "{}", expected.len());
    assert_eq!(sorted(read(&brokers, "cut-actions", 1)), sorted(expected));
}
