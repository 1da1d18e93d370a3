//! `journey explain` over the run corpus.
//!
//! - Snapshots (`tests/explain/*.snap`): every `examples/streams/NAME.ndjson` against the whole
//!   `examples/` program, for the first two contacts of the stream (by first appearance), as
//!   text and as JSON; and every folder of `tests/explain/cases/` (`program.journey`,
//!   `events.ndjson`, optional `args` and `contains`: lines the text must contain), for each of
//!   its contacts.
//! - Every action record of `journey run` appears in its contact's explanation (by id, with the
//!   same record), for every example stream and every `tests/run/` case, on both backends; the
//!   traced run writes the same actions as the plain one.
//! - The JSON form parses, and the interpreter's and the JIT's explanations are identical.
//!
//! Adding a case is adding a folder under `tests/explain/cases/`; `INSTA_UPDATE=always` accepts
//! new snapshots (review them!).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use journey_insight::explain::{Explanation, Recorder};
use journey_ir::eval::{Evaluator, Interpreter};
use journey_ir::Program;
use journey_runtime::output::Action;
use journey_runtime::trace::Trace;
use journey_runtime::{Engine, Reject, Sink};
use journey_tests::runs::{compile, root, run_args};

/// One input: a program, its events and the run's arguments.
struct Case {
    name: String,
    program: PathBuf,
    events: PathBuf,
    args: PathBuf,
    contains: PathBuf,
}

fn folder_cases(dir: &Path, prefix: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|dir| Case {
            name: format!("{prefix}{}", dir.file_name().unwrap().to_string_lossy()),
            program: dir.join("program.journey"),
            events: dir.join("events.ndjson"),
            args: dir.join("args"),
            contains: dir.join("contains"),
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

fn stream_cases() -> Vec<Case> {
    let streams = root().join("examples/streams");
    let mut cases: Vec<Case> = std::fs::read_dir(&streams)
        .unwrap()
        .filter_map(|entry| {
            let path = entry.unwrap().path();
            let file = path.file_name()?.to_string_lossy().into_owned();
            let stem = file.strip_suffix(".ndjson")?;
            if stem.ends_with(".expected") || stem.ends_with(".rejects") {
                return None;
            }
            Some(Case {
                name: format!("examples-{stem}"),
                program: root().join("examples"),
                events: path.clone(),
                args: streams.join(format!("{stem}.args")),
                contains: streams.join(format!("{stem}.contains")),
            })
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Collects action lines, and hands traces to a recorder.
struct Both {
    actions: Vec<String>,
    recorder: Recorder,
}

impl Sink for Both {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.actions.push(action.to_json(program));
    }

    fn reject(&mut self, _: &Reject) {}

    fn trace(&mut self, program: &Program, trace: &Trace<'_>) {
        self.recorder.trace(program, trace);
    }
}

/// A run of a case: its action lines, and the explanation of every contact (in order of first
/// input) when `trace` is set.
fn execute(
    program: &Program,
    evaluator: &dyn Evaluator,
    case: &Case,
    trace: bool,
) -> (Vec<String>, Vec<Explanation>) {
    let (until, mut options) = run_args(&case.args);
    options.trace = trace;
    let events = std::fs::read(&case.events).unwrap();
    let mut engine = Engine::new(program, evaluator, options);
    let mut sink = Both {
        actions: Vec::new(),
        recorder: Recorder::new(None),
    };
    let lines = events.strip_suffix(b"\n").unwrap_or(&events);
    if !lines.is_empty() {
        for (i, line) in lines.split(|b| *b == b'\n').enumerate() {
            engine.handle_line(i as u64 + 1, line, &mut sink);
        }
    }
    engine.finish(until, &mut sink);
    let explanations = sink
        .recorder
        .seen()
        .map(|id| sink.recorder.explain(&engine, program, id).unwrap())
        .collect();
    (sink.actions, explanations)
}

fn snapshot(name: &str, text: &str, failed: &mut Vec<String>) {
    let path = root().join("tests/explain");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        insta::with_settings!({
            snapshot_path => &path,
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, text);
        });
    }));
    if outcome.is_err() {
        failed.push(name.to_string());
    }
}

#[test]
fn snapshots() {
    let mut failed = Vec::new();
    let mut missing = Vec::new();
    for case in stream_cases()
        .into_iter()
        .chain(folder_cases(&root().join("tests/explain/cases"), ""))
    {
        let program = compile(std::slice::from_ref(&case.program));
        let interpreter = Interpreter::new(&program);
        let (_, explanations) = execute(&program, &interpreter, &case, true);
        let take = if case.name.starts_with("examples-") {
            2
        } else {
            usize::MAX
        };
        let mut text_of_all = String::new();
        for explanation in explanations.iter().take(take) {
            let name = format!("{}-{}", case.name, explanation.contact);
            let text = explanation.to_text();
            snapshot(&format!("{name}.txt"), &text, &mut failed);
            snapshot(&format!("{name}.json"), &explanation.to_json(), &mut failed);
            text_of_all.push_str(&text);
        }
        for line in std::fs::read_to_string(&case.contains)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            if !text_of_all.contains(line) {
                missing.push(format!("{}: no line contains `{line}`", case.name));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(
        failed.is_empty(),
        "snapshots differ or are missing for: {}\n(review with `cargo insta review`)",
        failed.join(", ")
    );
}

/// Every action of the plain run is in its contact's explanation, on both backends, and the
/// traced run writes the same actions.
#[test]
fn every_action_is_explained() {
    let mut problems = Vec::new();
    let mut checked = 0;
    let cases = stream_cases()
        .into_iter()
        .chain(folder_cases(&root().join("tests/run"), "run-"))
        .chain(folder_cases(&root().join("tests/explain/cases"), ""));
    for case in cases {
        let program = compile(std::slice::from_ref(&case.program));
        let interpreter = Interpreter::new(&program);
        let jit = journey_jit::compile(&program).unwrap();
        let backends: [(&str, &dyn Evaluator); 2] = [("interp", &interpreter), ("jit", &jit)];
        for (backend, evaluator) in backends {
            let (plain, _) = execute(&program, evaluator, &case, false);
            let (traced, explanations) = execute(&program, evaluator, &case, true);
            if plain != traced {
                problems.push(format!(
                    "{} ({backend}): tracing changed the actions",
                    case.name
                ));
            }
            for line in &plain {
                let record: serde_json::Value = serde_json::from_str(line).unwrap();
                let contact = record["contact"].as_str().unwrap();
                let id = record["id"].as_str().unwrap();
                let found = explanations
                    .iter()
                    .find(|e| e.contact == contact)
                    .into_iter()
                    .flat_map(|e| &e.decisions)
                    .any(|d| {
                        let json = serde_json::to_value(d).unwrap();
                        json["kind"] == "action" && json["id"] == id && json["record"] == record
                    });
                checked += 1;
                if !found {
                    problems.push(format!(
                        "{} ({backend}): action {id} is not in the explanation of {contact}",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} actions checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The JSON form parses, every decision has a `kind`, and the interpreter and the JIT explain
/// every contact identically.
#[test]
fn json_parses_and_backends_agree() {
    let mut problems = Vec::new();
    let cases = stream_cases()
        .into_iter()
        .chain(folder_cases(&root().join("tests/run"), "run-"));
    for case in cases {
        let program = compile(std::slice::from_ref(&case.program));
        let interpreter = Interpreter::new(&program);
        let jit = journey_jit::compile(&program).unwrap();
        let (_, by_interp) = execute(&program, &interpreter, &case, true);
        let (_, by_jit) = execute(&program, &jit, &case, true);
        for (a, b) in by_interp.iter().zip(&by_jit) {
            let json = a.to_json();
            if json != b.to_json() || a.to_text() != b.to_text() {
                problems.push(format!(
                    "{}: {} differs between backends",
                    case.name, a.contact
                ));
            }
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            let decisions = value["decisions"].as_array().unwrap();
            if decisions
                .iter()
                .any(|d| !d["kind"].is_string() || !d["at"].is_string())
            {
                problems.push(format!(
                    "{}: {}: a decision without kind or at",
                    case.name, a.contact
                ));
            }
        }
        if by_interp.len() != by_jit.len() {
            problems.push(format!(
                "{}: the backends saw different contacts",
                case.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
