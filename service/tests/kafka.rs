//! A Kafka worker in-process against librdkafka's mock cluster: the example streams, each in a
//! partition of its own (a partition's event clock is its own), write exactly what the engine
//! writes for each alone, and a second worker restores them and writes nothing more; an input
//! that is not keyed by contact goes through the re-keying stage to the same actions; on the
//! wall clock a wait ends with no further input and a line from the future is refused; a worker
//! of a changed program carries each case of `tests/migrate/` over as a restart does.
//! `tests/scaleout/` runs real workers, many partitions, kills and broker faults.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

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
use journey_service::{serve, ClockMode, Config, SinkSpec, SourceSpec};
use journey_syntax::SourceMap;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

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

fn config(brokers: &str, group: &str, rekey: bool, stop_at_end: bool) -> Config {
    let kafka = |topic: &str| KafkaSpec {
        brokers: brokers.to_owned(),
        topic: topic.to_owned(),
        group: None,
        rekey: false,
    };
    let source = SourceSpec::Kafka(KafkaSpec {
        group: Some(group.to_owned()),
        rekey,
        ..kafka(&format!("{group}-in"))
    });
    let sink = SinkSpec::Kafka(kafka(&format!("{group}-actions")));
    Config {
        rejects: Some(SinkSpec::Kafka(kafka(&format!("{group}-rejects")))),
        clock: ClockMode::Event,
        stop_at_end,
        checkpoint_every: Duration::from_millis(100),
        lateness: 0,
        kafka_config: vec!["session.timeout.ms=6000".to_owned()],
        ..common::config(source, sink, PathBuf::from("unused"))
    }
}

/// Produces `lines` to `partition` of `topic`, keyed by contact id unless `unkeyed`.
fn produce(brokers: &str, topic: &str, partition: i32, lines: &[String], unkeyed: bool) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    for line in lines {
        let key = journey_service::kafka::rekey::contact_key(line.as_bytes());
        let mut record = BaseRecord::<str, str>::to(topic)
            .payload(line)
            .partition(partition);
        if let (Some(key), false) = (&key, unkeyed) {
            record = record.key(key.as_str());
        }
        producer.send(record).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Every record of `topic`'s partitions `0..partitions`.
fn read(brokers: &str, topic: &str, partitions: i32) -> Vec<String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "test-reader")
        .set("enable.partition.eof", "true")
        .set("isolation.level", "read_committed")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let mut lines = Vec::new();
    let mut ends = 0;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => lines
                .push(String::from_utf8(message.payload().unwrap_or_default().to_vec()).unwrap()),
            Some(Err(KafkaError::PartitionEOF(_))) => {
                ends += 1;
                if ends == partitions {
                    return lines;
                }
            }
            _ => {}
        }
    }
    panic!("`{topic}` was not read to its end in 30 s");
}

/// An address on loopback that nothing listens on.
fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// The body of `GET path` at `address` (empty while nothing answers).
fn get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(address) else {
        return String::new();
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

#[test]
fn example_streams_in_partitions_of_their_own_write_what_journey_run_writes() {
    let cluster = MockCluster::new(3).unwrap();
    let brokers = cluster.bootstrap_servers();
    let program = program();
    let evaluator = Interpreter::new(&program);
    let streams = streams();
    let partitions = streams.len() as i32;
    for topic in ["in", "actions", "rejects", "changelog"] {
        cluster
            .create_topic(&format!("examples-{topic}"), partitions, 3)
            .unwrap();
    }
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
    for topic in ["in", "repartition", "actions", "rejects", "changelog"] {
        cluster.create_topic(&format!("raw-{topic}"), 1, 1).unwrap();
    }
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
    for topic in ["in", "actions", "rejects", "changelog"] {
        cluster
            .create_topic(&format!("wall-{topic}"), 1, 1)
            .unwrap();
    }
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

/// A program and its files, as `journey serve` keeps them with a state.
fn compiled(path: &Path) -> (Program, Vec<(String, String)>) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let files = vec![(name, std::fs::read_to_string(path).unwrap())];
    let mut sources = SourceMap::new();
    for (name, text) in &files {
        sources.add(name.clone(), text.clone());
    }
    let program =
        journey_ir::lower(&journey_check::check(&sources)).unwrap_or_else(|e| panic!("{e}"));
    (program, files)
}

/// The non-empty lines of a file.
fn lines_of(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Each case of `tests/migrate/` (`tests/migrate_corpus.rs` says what a case holds) on Kafka:
/// a worker of the old program reads the input before the restart, then a worker of the new
/// program takes the partition over, carries its state over from the program the changelog
/// keeps, and reads the rest; together they write the case's expected actions, or the second
/// refuses as the restart does.
#[test]
fn a_changed_program_carries_a_partitions_state_over_as_a_restart_does() {
    let cluster = MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/migrate");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "the migrate corpus is missing");
    // Each case in a group of its own, all at once.
    for number in 0..cases.len() {
        for topic in ["in", "actions", "rejects", "changelog"] {
            cluster
                .create_topic(&format!("change{number}-{topic}"), 1, 1)
                .unwrap();
        }
    }
    std::thread::scope(|scope| {
        for (number, case) in cases.iter().enumerate() {
            let brokers = &brokers;
            scope.spawn(move || carry_over_case(brokers, &format!("change{number}"), case));
        }
    });
}

/// One case of the corpus in `group`.
fn carry_over_case(brokers: &str, group: &str, case: &Path) {
    use journey_runtime::migrate::OnChange;
    let name = case.file_name().unwrap().to_string_lossy();
    let args = std::fs::read_to_string(case.join("args")).unwrap_or_default();
    let words: Vec<&str> = args.split_whitespace().collect();
    let (mut on_change, mut until) = (OnChange::Refuse, None);
    for pair in words.chunks(2) {
        match pair {
            ["--on-change", "exit"] => on_change = OnChange::Exit,
            ["--on-change", "keep"] => on_change = OnChange::Keep,
            ["--until", instant] => until = Some((*instant).to_owned()),
            other => panic!("{name}: unknown arguments {other:?}"),
        }
    }
    let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
    let refused = expected.contains("refused: no restart");
    let expected_actions: Vec<String> = expected
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(str::to_owned)
        .collect();
    let input = format!("{group}-in");
    let stop = Arc::new(AtomicBool::new(false));
    let (before, before_files) = compiled(&case.join("before.journey"));
    produce(
        brokers,
        &input,
        0,
        &lines_of(&case.join("before.ndjson")),
        false,
    );
    let config = Config {
        program_sources: before_files,
        on_change,
        ..config(brokers, group, false, true)
    };
    serve(&before, &Interpreter::new(&before), &config, &stop).unwrap();
    let (after, after_files) = compiled(&case.join("after.journey"));
    let mut after_lines = lines_of(&case.join("after.ndjson"));
    // The case's `--until`: a line of a contact of its own moves the clock there.
    after_lines.extend(until.map(|until| {
        format!(
            r#"{{"type":"identify","userId":"journey-clock","timestamp":"{until}","traits":{{}}}}"#
        )
    }));
    produce(brokers, &input, 0, &after_lines, false);
    let config = Config {
        program_sources: after_files,
        ..config
    };
    match (
        refused,
        serve(&after, &Interpreter::new(&after), &config, &stop),
    ) {
        (true, Err(error)) => assert!(
            error
                .to_string()
                .contains("changed since partition 0's state was written"),
            "{name}: {error}"
        ),
        (false, Ok(_)) => {}
        (_, outcome) => panic!("{name}: {:?}", outcome.map(|summary| summary.lines)),
    }
    let actions: Vec<String> = read(brokers, &format!("{group}-actions"), 1)
        .into_iter()
        .filter(|action| !action.contains(r#""contact":"journey-clock""#))
        .collect();
    assert_eq!(sorted(actions), sorted(expected_actions), "{name}");
}
