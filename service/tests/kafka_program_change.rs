//! A changed program on Kafka (`docs/reference.md` §8, "A changed program on Kafka"): a worker
//! of the new program carries each case of `tests/migrate/` over as a restart does, and a
//! worker of the replaced program that is handed a carried-over partition steps aside instead
//! of carrying it back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod kafka_support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use journey_ir::eval::Interpreter;
use journey_ir::Program;
use journey_service::{serve, Config};
use journey_syntax::SourceMap;
use kafka_support::{config, create_topics, free_address, get, produce, read, sorted};
use rdkafka::mocking::MockCluster;

/// A program and its files, as `journey serve` keeps them with a state.
fn compiled(path: &Path) -> (Program, Vec<(String, String)>) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    compiled_text(&name, &std::fs::read_to_string(path).unwrap())
}

/// The program of one file `name` holding `text`, and its files.
fn compiled_text(name: &str, text: &str) -> (Program, Vec<(String, String)>) {
    let files = vec![(name.to_owned(), text.to_owned())];
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
        create_topics(&cluster, &format!("change{number}"), 1, 1);
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

/// A line of `contact` signing up at `at` (seconds into 2026-01-01).
fn signup(contact: &str, at: i64) -> String {
    let at = jiff::Timestamp::from_second(1_767_225_600 + at).unwrap();
    format!(
        r#"{{"type":"track","event":"signed.up","userId":"{contact}","timestamp":"{at}","properties":{{"plan":"pro"}}}}"#
    )
}

/// Sets every flag when dropped.
struct StopOnDrop<'a>(Vec<&'a AtomicBool>);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        for flag in &self.0 {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// Waits up to 60 s for `done`.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// An old worker keeps one of two partitions while a later worker of a changed program carries
/// the other over; once that worker stops, the partition comes back to the old one, which
/// must not carry it back: it hands both partitions back to the group, says on `/readyz` that
/// it is not ready, and waits to be stopped; a third worker of the new program then runs both.
#[test]
fn a_worker_of_a_replaced_program_steps_aside() {
    let cluster = MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    create_topics(&cluster, "aside", 2, 1);
    let nudge = common::nudge_source();
    let old = common::nudge_program();
    let old_files = vec![("nudge.journey".to_owned(), nudge.clone())];
    let changed =
        format!("{nudge}\njourney hello {{\n  enter on signed.up\n  send email \"hello\"\n}}\n");
    let (new, new_files) = compiled_text("nudge.journey", &changed);
    // Each partition's clock passes its first contact's two-second wait.
    let mut lines = 0;
    for (partition, contact) in [(0, "a"), (1, "b")] {
        let first = [signup(contact, 0), signup(&format!("{contact}2"), 5)];
        produce(&brokers, "aside-in", partition, &first, false);
        lines += first.len() as u64;
    }
    let old_metrics = free_address();
    let old_config = Config {
        program_sources: old_files,
        metrics: Some(old_metrics.clone()),
        ..config(&brokers, "aside", false, false)
    };
    let new_config = Config {
        program_sources: new_files,
        ..config(&brokers, "aside", false, false)
    };
    let (old_stop, new_stop) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let old_evaluator = Interpreter::new(&old);
    let new_evaluator = Interpreter::new(&new);
    let third_stop = Arc::new(AtomicBool::new(false));
    let third = Config {
        stop_at_end: true,
        ..new_config.clone()
    };
    std::thread::scope(|scope| {
        // A failed assertion stops every worker, so that the scope can end.
        let _stop_all = StopOnDrop(vec![&old_stop, &new_stop, &third_stop]);
        let old_worker = scope.spawn(|| serve(&old, &old_evaluator, &old_config, &old_stop));
        wait_for("the old worker's first actions", || {
            read(&brokers, "aside-actions", 2).len() >= 2
        });
        // Started a second later than the old worker, by the wall clock the rule reads.
        std::thread::sleep(Duration::from_millis(1100));
        let new_worker = scope.spawn(|| serve(&new, &new_evaluator, &new_config, &new_stop));
        let mut at = 10;
        wait_for("a partition carried over to the new program", || {
            at += 1;
            for (partition, contact) in [(0, "a"), (1, "b")] {
                produce(
                    &brokers,
                    "aside-in",
                    partition,
                    &[signup(contact, at)],
                    false,
                );
                lines += 1;
            }
            read(&brokers, "aside-actions", 2)
                .iter()
                .any(|action| action.contains(r#""template":"hello""#))
        });
        assert!(get(&old_metrics, "/readyz").contains("200"));
        new_stop.store(true, Ordering::Relaxed);
        assert!(new_worker.join().unwrap().is_ok());
        wait_for("the old worker to step aside", || {
            get(&old_metrics, "/readyz").contains("503")
        });
        assert!(!old_worker.is_finished(), "the old worker exited");
        // A third worker, of the new program, takes both partitions and reads them to the end.
        let third_worker = scope.spawn(|| serve(&new, &new_evaluator, &third, &third_stop));
        wait_for("the third worker to read both partitions", || {
            third_worker.is_finished()
        });
        assert_eq!(third_worker.join().unwrap().unwrap().lines, lines);
        old_stop.store(true, Ordering::Relaxed);
        let error = old_worker.join().unwrap().err().unwrap().to_string();
        assert!(error.contains("has been replaced"), "{error}");
    });
}
