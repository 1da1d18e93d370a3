//! The campaign-report corpus: every folder of `tests/report/` (`program.journey`,
//! `events.ndjson`, optional `args` with `--until`/`--lateness`, and `expected.json`) is run
//! with the report's counters on both backends; `expected.json` holds the hand-derived figures
//! that matter and must be a *subset* of the report (objects by key; array elements by their
//! `name`/`template`/`channel`/`journey`/`date`/`step` when they have one, else by position;
//! numbers equal within 1e-6). Both backends must give the same report, and the traced run the
//! same actions as a plain one. `notes.md` in each folder shows how the figures were derived.
//!
//! Each case's `report.json` and `report.html` are also written to
//! `target/report-cases/CASE/`, for looking at.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use journey_insight::report::{self, Counters};
use journey_ir::eval::{Evaluator, Interpreter};
use journey_ir::Program;
use journey_runtime::output::Action;
use journey_runtime::trace::Trace;
use journey_runtime::{Engine, Options, Reject, Sink};
use journey_tests::runs::{compile, root, run_args};
use serde_json::Value;

/// The counters, plus the action lines (to compare with an untraced run).
struct Both<'p> {
    counters: Counters<'p>,
    actions: String,
}

impl Sink for Both<'_> {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.actions.push_str(&action.to_json(program));
        self.actions.push('\n');
    }
    fn reject(&mut self, _: &Reject) {}
    fn trace(&mut self, program: &Program, trace: &Trace<'_>) {
        self.counters.trace(program, trace);
    }
}

#[derive(Default)]
struct Plain(String);

impl Sink for Plain {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.0.push_str(&action.to_json(program));
        self.0.push('\n');
    }
    fn reject(&mut self, _: &Reject) {}
}

fn feed(engine: &mut Engine<'_>, events: &[u8], sink: &mut dyn Sink) {
    let lines = events.strip_suffix(b"\n").unwrap_or(events);
    if lines.is_empty() {
        return;
    }
    for (i, line) in lines.split(|b| *b == b'\n').enumerate() {
        engine.handle_line(i as u64 + 1, line, sink);
    }
}

/// The report of a case on one backend, and whether its actions equal an untraced run's.
fn run(program: &Program, evaluator: &dyn Evaluator, dir: &Path) -> (Value, String, bool) {
    let (until, mut options) = run_args(&dir.join("args"));
    options.trace = true;
    let events = std::fs::read(dir.join("events.ndjson")).unwrap();
    let mut engine = Engine::new(program, evaluator, options);
    let mut sink = Both {
        counters: Counters::new(program),
        actions: String::new(),
    };
    feed(&mut engine, &events, &mut sink);
    engine.finish(until, &mut sink);
    let built = report::build(&sink.counters, program, engine.state());
    let json = serde_json::to_value(&built).unwrap();
    let html = report::html(&built);

    let mut plain_engine = Engine::new(
        program,
        evaluator,
        Options {
            trace: false,
            ..options
        },
    );
    let mut plain = Plain::default();
    feed(&mut plain_engine, &events, &mut plain);
    plain_engine.finish(until, &mut plain);
    (json, html, plain.0 == sink.actions)
}

const ID_KEYS: [&str; 6] = ["name", "template", "channel", "journey", "date", "step"];

/// Where `expected` is not a subset of `actual`, as `path: reason` lines.
fn subset(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                match a.get(key) {
                    Some(found) => subset(value, found, &format!("{path}/{key}"), out),
                    None => out.push(format!("{path}/{key}: missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            for (i, item) in e.iter().enumerate() {
                let ids: Vec<(&str, &Value)> = match item {
                    Value::Object(o) => ID_KEYS
                        .iter()
                        .filter_map(|k| o.get(*k).map(|v| (*k, v)))
                        .collect(),
                    _ => Vec::new(),
                };
                let found = if ids.is_empty() {
                    a.get(i)
                } else {
                    a.iter().find(|candidate| {
                        ids.iter()
                            .all(|(k, v)| candidate.get(*k).is_some_and(|c| c == *v))
                    })
                };
                match found {
                    Some(found) => subset(item, found, &format!("{path}/{i}"), out),
                    None => out.push(format!("{path}/{i}: no element like {item}")),
                }
            }
        }
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (e.as_f64().unwrap(), a.as_f64().unwrap());
            if (e - a).abs() > 1e-6 {
                out.push(format!("{path}: expected {e}, found {a}"));
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{path}: expected {e}, found {a}")),
    }
}

#[test]
fn report_corpus() {
    let dir = root().join("tests/report");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 5, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let program = compile(&[case.join("program.journey")]);
        let interp = Interpreter::new(&program);
        let jit = journey_jit::compile(&program).unwrap();
        let (by_interp, html, same_actions) = run(&program, &interp, case);
        let (by_jit, _, _) = run(&program, &jit, case);
        let out = root().join("target/report-cases").join(&name);
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(
            out.join("report.json"),
            serde_json::to_string_pretty(&by_interp).unwrap(),
        )
        .unwrap();
        std::fs::write(out.join("report.html"), &html).unwrap();
        if !same_actions {
            failures.push(format!("{name}: the traced run wrote other actions"));
        }
        if by_interp != by_jit {
            failures.push(format!("{name}: the backends' reports differ"));
        }
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
                .unwrap_or_else(|e| panic!("{name}/expected.json: {e}"));
        let mut diffs = Vec::new();
        subset(&expected, &by_interp, "", &mut diffs);
        failures.extend(diffs.into_iter().map(|d| format!("{name}: {d}")));
        assert!(
            html.starts_with("<!DOCTYPE html>"),
            "{name}: the page is an HTML document"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pages_are_self_contained() {
    let program = compile(&[root().join("examples")]);
    let interp = Interpreter::new(&program);
    let dir = root().join("examples/streams");
    let mut engine = Engine::new(
        &program,
        &interp,
        Options {
            trace: true,
            ..Options::default()
        },
    );
    let mut counters = Counters::new(&program);
    feed(
        &mut engine,
        &std::fs::read(dir.join("newsletter.ndjson")).unwrap(),
        &mut counters,
    );
    engine.finish(None, &mut counters);
    let html = report::html(&report::build(&counters, &program, engine.state()));
    for forbidden in ["<script", "<link", "src=", "url(", "@import"] {
        assert!(!html.contains(forbidden), "the page contains `{forbidden}`");
    }
    assert!(html.contains("<svg"), "the page has inline charts");
}
