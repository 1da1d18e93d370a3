//! The corpus of a changed program at restart (`docs/reference.md` §8, "A changed program at
//! restart"): every folder of `tests/migrate/` holds `before.journey` and `before.ndjson` (the
//! program a state was written by, and its input), `after.journey` and `after.ndjson` (the
//! program the service restarts with, and the input after the restart), an optional `args`
//! (`--on-change exit|keep`, `--until INSTANT`) and `expected.txt`: the report of the
//! carry-over, then the actions before and after the restart. The state passes through its
//! checkpoint form, as a restart reads it.
//!
//! `JOURNEY_BLESS=1` rewrites the expected files (review the diff!); `JOURNEY_CORPUS=substring`
//! runs only the cases whose name contains it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::Path;

use journey_ir::eval::Interpreter;
use journey_ir::Program;
use journey_runtime::migrate::{migrate, OnChange};
use journey_runtime::output::Action;
use journey_runtime::{input, Engine, Options, Reject, Sink};
use journey_tests::runs::{compile, root, through_checkpoint};

/// The corpus must keep at least this many cases.
const MIN_CASES: usize = 8;

#[derive(Default)]
struct Collect {
    text: String,
}

impl Sink for Collect {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.text.push_str(&action.to_json(program));
        self.text.push('\n');
    }

    fn reject(&mut self, reject: &Reject) {
        let _ = writeln!(
            self.text,
            "reject line {}: {}",
            reject.line,
            reject.reason.code()
        );
    }
}

/// `--on-change` and `--until` from a case's `args` file.
fn args(path: &Path) -> (OnChange, Option<i64>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let words: Vec<&str> = text.split_whitespace().collect();
    let (mut on_change, mut until) = (OnChange::Refuse, None);
    for pair in words.chunks(2) {
        match pair {
            ["--on-change", "exit"] => on_change = OnChange::Exit,
            ["--on-change", "keep"] => on_change = OnChange::Keep,
            ["--until", instant] => until = input::parse_instant(instant),
            other => panic!("{}: unknown arguments {other:?}", path.display()),
        }
    }
    (on_change, until)
}

fn feed(engine: &mut Engine<'_>, path: &Path, sink: &mut Collect) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for (i, line) in text.lines().enumerate() {
        engine.handle_line(i as u64 + 1, line.as_bytes(), sink);
    }
}

/// What a case produces: the report, then the actions before and after the restart.
fn produce(dir: &Path) -> String {
    let before = compile(&[dir.join("before.journey")]);
    let after = compile(&[dir.join("after.journey")]);
    let (on_change, until) = args(&dir.join("args"));
    let options = Options {
        lateness: 0,
        ..Options::default()
    };
    let old_evaluator = Interpreter::new(&before);
    let mut engine = Engine::new(&before, &old_evaluator, options);
    let mut first = Collect::default();
    feed(&mut engine, &dir.join("before.ndjson"), &mut first);
    let state = through_checkpoint(&mut engine);
    let migrated = migrate(&before, state, &after, on_change).expect("the state carries over");
    let mut out = format!(
        "report\n{}\nbefore the restart\n{}",
        migrated.report, first.text
    );
    if migrated.report.refused() {
        out.push_str("\nrefused: no restart\n");
        return out;
    }
    let new_evaluator = Interpreter::new(&after);
    let mut engine = Engine::from_state(&after, &new_evaluator, options, migrated.state)
        .expect("the carried state fits the new program");
    engine.arm_entries(&migrated.to_arm);
    let mut second = Collect::default();
    feed(&mut engine, &dir.join("after.ndjson"), &mut second);
    engine.finish(until, &mut second);
    let _ = write!(out, "\nafter the restart\n{}", second.text);
    out
}

#[test]
fn corpus_matches() {
    let filter = std::env::var("JOURNEY_CORPUS").unwrap_or_default();
    let bless = std::env::var("JOURNEY_BLESS").is_ok_and(|v| !v.is_empty());
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("tests/migrate"))
        .expect("tests/migrate exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= MIN_CASES,
        "the corpus has {} cases, fewer than {MIN_CASES}",
        dirs.len()
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for dir in dirs
        .iter()
        .filter(|d| d.to_string_lossy().contains(&filter))
    {
        ran += 1;
        let actual = produce(dir);
        let expected_path = dir.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        if expected != actual {
            let mut diff = String::new();
            for change in similar::TextDiff::from_lines(&expected, &actual).iter_all_changes() {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                let _ = write!(diff, "{sign}{change}");
            }
            failures.push(format!(
                "{}: differs (-expected +actual)\n{diff}",
                dir.display()
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
