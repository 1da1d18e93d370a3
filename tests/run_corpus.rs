//! The conformance corpus of the runtime: every folder of `tests/run/` holds `program.journey`,
//! `events.ndjson` and `expected.ndjson` (plus optional `args` and `rejects.ndjson`), and every
//! `examples/streams/NAME.ndjson` runs against the whole `examples/` program with
//! `NAME.expected.ndjson` (and optional `NAME.args`). The actions must match byte for byte; the
//! rejects by line and reason.
//!
//! `JOURNEY_BLESS=1` rewrites the expected files from what the engine produces (review the diff!);
//! `JOURNEY_CORPUS=substring` runs only the cases whose name contains it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use journey_ir::eval::{Evaluator, Interpreter};
use journey_ir::Program;
use journey_runtime::migrate::{migrate, OnChange};
use journey_runtime::output::Action;
use journey_runtime::RunState;
use journey_runtime::{Engine, Reject, Sink};
use journey_tests::runs::{compile, root, run_args};

/// The corpus must keep at least this many cases.
const MIN_CASES: usize = 40;

/// One case: a program, an input and what it must produce.
struct Case {
    name: String,
    program: Vec<PathBuf>,
    events: PathBuf,
    expected: PathBuf,
    rejects: PathBuf,
    args: PathBuf,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let run = root().join("tests/run");
    for entry in std::fs::read_dir(&run).expect("tests/run exists") {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        cases.push(Case {
            name: format!("tests/run/{}", dir.file_name().unwrap().to_string_lossy()),
            program: vec![dir.join("program.journey")],
            events: dir.join("events.ndjson"),
            expected: dir.join("expected.ndjson"),
            rejects: dir.join("rejects.ndjson"),
            args: dir.join("args"),
        });
    }
    let streams = root().join("examples/streams");
    for entry in std::fs::read_dir(&streams).expect("examples/streams exists") {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = file.strip_suffix(".ndjson") else {
            continue;
        };
        if stem.ends_with(".expected") || stem.ends_with(".rejects") {
            continue;
        }
        cases.push(Case {
            name: format!("examples/streams/{stem}"),
            program: vec![root().join("examples")],
            events: path.clone(),
            expected: streams.join(format!("{stem}.expected.ndjson")),
            rejects: streams.join(format!("{stem}.rejects.ndjson")),
            args: streams.join(format!("{stem}.args")),
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

#[derive(Default)]
struct Collect {
    actions: String,
    rejects: Vec<(u64, String)>,
}

impl Sink for Collect {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.actions.push_str(&action.to_json(program));
        self.actions.push('\n');
    }

    fn reject(&mut self, reject: &Reject) {
        self.rejects
            .push((reject.line, reject.reason.code().to_string()));
    }
}

/// Where a run stops halfway and goes on in a new engine.
#[derive(Clone, Copy)]
enum Pause {
    /// It does not.
    Never,
    /// After this many lines, from the state serialised with serde.
    Serde(usize),
    /// After this many lines, from the state stored as a checkpoint and carried over to the
    /// same program by `journey_runtime::migrate` (which rebuilds every contact).
    Migrate(usize),
}

/// Runs a case; also returns the state at the end, serialised.
fn execute(
    program: &Program,
    evaluator: &dyn Evaluator,
    case: &Case,
    pause: Pause,
) -> (Collect, String) {
    let (until, options) = run_args(&case.args);
    let events = std::fs::read(&case.events).unwrap();
    let mut engine = Engine::new(program, evaluator, options);
    let mut sink = Collect::default();
    let lines = events.strip_suffix(b"\n").unwrap_or(&events);
    if !lines.is_empty() {
        for (i, line) in lines.split(|b| *b == b'\n').enumerate() {
            match pause {
                Pause::Serde(at) if at == i => {
                    let saved = serde_json::to_string(engine.state()).expect("state serialises");
                    let state: RunState = serde_json::from_str(&saved).expect("state deserialises");
                    engine = Engine::from_state(program, evaluator, options, state)
                        .expect("the state fits the program");
                }
                Pause::Migrate(at) if at == i => {
                    let state = journey_tests::runs::through_checkpoint(&mut engine);
                    let migrated = migrate(program, state, program, OnChange::Refuse)
                        .expect("the state carries over");
                    assert!(migrated.report.is_unchanged(), "{}", migrated.report);
                    engine = Engine::from_state(program, evaluator, options, migrated.state)
                        .expect("the state fits the program");
                    engine.arm_entries(&migrated.to_arm);
                }
                _ => {}
            }
            engine.handle_line(i as u64 + 1, line, &mut sink);
        }
    }
    engine.finish(until, &mut sink);
    let state = serde_json::to_string(engine.state()).expect("state serialises");
    (sink, state)
}

fn expected_rejects(path: &Path) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (
                value["line"].as_u64().expect("a line number"),
                value["reason"].as_str().expect("a reason").to_string(),
            )
        })
        .collect()
}

fn diff(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    for change in similar::TextDiff::from_lines(expected, actual).iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        let _ = write!(out, "{sign}{change}");
    }
    out
}

#[test]
fn corpus_matches() {
    let filter = std::env::var("JOURNEY_CORPUS").unwrap_or_default();
    let bless = std::env::var("JOURNEY_BLESS").is_ok_and(|v| !v.is_empty());
    let all = cases();
    assert!(
        all.len() >= MIN_CASES,
        "the corpus has {} cases, fewer than {MIN_CASES}",
        all.len()
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in all.iter().filter(|c| c.name.contains(&filter)) {
        ran += 1;
        let program = compile(&case.program);
        let interpreter = Interpreter::new(&program);
        let jit = journey_jit::compile(&program)
            .unwrap_or_else(|e| panic!("{}: the JIT cannot compile it: {e}", case.name));
        let (first, state) = execute(&program, &interpreter, case, Pause::Never);
        // The JIT gives byte-identical output and state, also when its run is saved halfway and
        // resumed from the saved state in a new engine.
        let half = std::fs::read_to_string(&case.events)
            .unwrap()
            .lines()
            .count()
            / 2;
        let (second, state_again) = execute(&program, &jit, case, Pause::Serde(half));
        if first.actions != second.actions || state != state_again {
            failures.push(format!(
                "{}: the JIT, resumed from the state after {half} lines, differs from the interpreter",
                case.name
            ));
        }
        // A state carried over to the same program goes on as if nothing happened.
        let (migrated, _) = execute(&program, &interpreter, case, Pause::Migrate(half));
        if first.actions != migrated.actions || first.rejects != migrated.rejects {
            failures.push(format!(
                "{}: carried over to the same program after {half} lines, it differs \
                 (-uninterrupted +carried over)\n{}",
                case.name,
                diff(&first.actions, &migrated.actions)
            ));
        }
        // The state survives a serde round trip unchanged.
        let restored: RunState = serde_json::from_str(&state).expect("state deserialises");
        if serde_json::to_string(&restored).unwrap() != state {
            failures.push(format!("{}: the state does not round-trip", case.name));
        }
        let rejects = expected_rejects(&case.rejects);
        if bless {
            std::fs::write(&case.expected, &first.actions).unwrap();
            let lines: String = first
                .rejects
                .iter()
                .map(|(line, reason)| format!("{{\"line\":{line},\"reason\":\"{reason}\"}}\n"))
                .collect();
            if lines.is_empty() {
                let _ = std::fs::remove_file(&case.rejects);
            } else {
                std::fs::write(&case.rejects, lines).unwrap();
            }
            continue;
        }
        let expected = std::fs::read_to_string(&case.expected)
            .unwrap_or_else(|e| panic!("{}: {e}", case.expected.display()));
        if expected != first.actions {
            failures.push(format!(
                "{}: actions differ (-expected +actual)\n{}",
                case.name,
                diff(&expected, &first.actions)
            ));
        }
        if rejects != first.rejects {
            failures.push(format!(
                "{}: rejects differ: expected {:?}, got {:?}",
                case.name, rejects, first.rejects
            ));
        }
    }
    assert!(ran > 0, "no case matches `{filter}`");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
