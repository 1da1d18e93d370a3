//! End-to-end tests of the `journey` binary: exit codes, every output format, and `fmt`.
//!
//! Each case copies a fixture folder from `tests/cli/fixtures` into a scratch folder, runs the
//! built binary there, and compares the exit code, stdout, stderr and any file the run changed
//! with a snapshot in `tests/cli/snapshots` (or, where the checker's wording is still moving,
//! with a few substrings). Add a case with one line in the `cases!` table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)] // the helpers the other test binaries use
mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{assert_valid_sarif, workspace_root, SNAPSHOT_PATH};

/// Runs `journey ARGS` in `dir`, never in colour, so that output is stable.
fn journey(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

/// A fresh copy of a fixture (a path from the workspace root) in this case's scratch folder.
fn scratch(case: &str, fixture: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-cases")
        .join(case);
    let _ = fs::remove_dir_all(&dir);
    copy_dir(&workspace_root().join(fixture), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `dir` with its text, keyed by relative path.
fn contents(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(name, fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// What a case checks beyond its exit code.
enum Expect {
    /// The whole transcript matches the snapshot named after the case.
    Snapshot,
    /// stdout followed by stderr contains each of these.
    Contains(&'static [&'static str]),
}

fn run_case(name: &str, fixture: &str, args: &[&str], exit: i32, expect: Expect) {
    let dir = scratch(name, fixture);
    let before = contents(&dir);
    let output = journey(&dir, args);
    let after = contents(&dir);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();

    let code = output
        .status
        .code()
        .map_or_else(|| "killed".to_string(), |c| c.to_string());
    let mut transcript = format!("$ journey {}\nexit: {code}\n", args.join(" "));
    transcript.push_str(&format!("--- stdout\n{stdout}--- stderr\n{stderr}"));
    for (file, text) in &after {
        if before.get(file) != Some(text) {
            transcript.push_str(&format!("--- changed {file}\n{text}"));
        }
    }

    assert_eq!(
        output.status.code(),
        Some(exit),
        "exit code of `journey {}`\n{transcript}",
        args.join(" ")
    );
    if args.windows(2).any(|w| w == ["--format", "sarif"]) {
        assert_valid_sarif(&stdout);
    }
    if args.windows(2).any(|w| w == ["--format", "json"]) {
        for line in stdout.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }
    match expect {
        Expect::Snapshot => insta::with_settings!({
            snapshot_path => SNAPSHOT_PATH,
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("fixture: {fixture}"),
        }, {
            insta::assert_snapshot!(name, transcript);
        }),
        Expect::Contains(needles) => {
            for needle in needles {
                assert!(
                    transcript.contains(needle),
                    "expected {needle:?} in\n{transcript}"
                );
            }
        }
    }
}

/// One test per row: `name: fixture, [args], exit, expectation;`.
macro_rules! cases {
    ($( $name:ident: $fixture:literal, [$($arg:literal),*], $exit:literal, $expect:expr; )*) => {
        $(
            #[test]
            fn $name() {
                run_case(stringify!($name), $fixture, &[$($arg),*], $exit, $expect);
            }
        )*
    };
}

const CLEAN: &str = "tests/cli/fixtures/clean";

cases! {
    // A clean program: silent in every format but SARIF, which is always a complete log.
    check_clean_human: "tests/cli/fixtures/clean", ["check"], 0, Expect::Snapshot;
    check_clean_json: "tests/cli/fixtures/clean", ["check", "--format", "json"], 0, Expect::Snapshot;
    check_clean_github: "tests/cli/fixtures/clean", ["check", "--format", "github"], 0, Expect::Snapshot;
    check_clean_sarif: "tests/cli/fixtures/clean", ["check", "--format", "sarif"], 0, Expect::Snapshot;
    check_clean_deny_warnings: "tests/cli/fixtures/clean", ["check", "--deny-warnings"], 0, Expect::Snapshot;
    check_examples: "examples", ["check", "."], 0, Expect::Contains(&[]);

    // Errors in several files of a folder: sorted, hidden folders and other extensions skipped.
    check_errors_human: "tests/cli/fixtures/errors", ["check"], 1, Expect::Snapshot;
    check_errors_json: "tests/cli/fixtures/errors", ["check", "--format", "json"], 1, Expect::Snapshot;
    check_errors_sarif: "tests/cli/fixtures/errors", ["check", "--format", "sarif"], 1, Expect::Snapshot;
    check_errors_github: "tests/cli/fixtures/errors", ["check", "--format", "github"], 1, Expect::Snapshot;
    check_one_file: "tests/cli/fixtures/errors", ["check", "nested/b.journey"], 1, Expect::Snapshot;
    check_file_given_twice: "tests/cli/fixtures/errors", ["check", "a.journey", ".", "./a.journey"], 1, Expect::Snapshot;

    // Warnings fail only under --deny-warnings.
    check_warning: "tests/cli/fixtures/warning", ["check"], 0,
        Expect::Contains(&["warning[W0002]", "unused.journey:1:", "warning: 1 warning"]);
    check_warning_denied: "tests/cli/fixtures/warning", ["check", "--deny-warnings"], 1,
        Expect::Contains(&["warning[W0002]", "warning: 1 warning"]);
    check_warning_json: "tests/cli/fixtures/warning", ["check", "--format", "json"], 0,
        Expect::Contains(&[r#""severity":"warning""#, r#""code":"W0002""#]);
    check_warning_github: "tests/cli/fixtures/warning", ["check", "--format", "github", "--deny-warnings"], 1,
        Expect::Contains(&["::warning file=unused.journey,line=1,", "title=W0002::"]);
    check_warning_sarif: "tests/cli/fixtures/warning", ["check", "--format", "sarif"], 0,
        Expect::Contains(&[r#""ruleId": "W0002""#, r#""level": "warning""#]);

    // The command could not run.
    check_missing_path: "tests/cli/fixtures/clean", ["check", "nothere.journey"], 2, Expect::Snapshot;
    check_missing_among_good: "tests/cli/fixtures/clean", ["check", "onboarding.journey", "nothere"], 2, Expect::Snapshot;
    check_folder_without_journeys: "tests/cli/fixtures/empty", ["check"], 2, Expect::Snapshot;
    check_unknown_format: "tests/cli/fixtures/clean", ["check", "--format", "xml"], 2,
        Expect::Contains(&["invalid value 'xml'", "human, json, sarif, github"]);

    // fmt: syntax errors are reported on stderr and leave the file alone.
    fmt_check_syntax_errors: "tests/cli/fixtures/errors", ["fmt", "--check"], 1, Expect::Snapshot;
    fmt_syntax_errors: "tests/cli/fixtures/errors", ["fmt", "a.journey"], 1, Expect::Snapshot;
    fmt_missing_path: "tests/cli/fixtures/clean", ["fmt", "nothere"], 2, Expect::Snapshot;
    fmt_folder_without_journeys: "tests/cli/fixtures/empty", ["fmt", "--check"], 2, Expect::Snapshot;

    // run: actions on stdout, rejects described on stderr, a summary; the run goes on.
    run_to_stdout: "tests/cli/fixtures/run", ["run", ".", "--events", "events.ndjson"], 0,
        Expect::Contains(&[
            r#"{"at":"2026-01-05T11:00:00Z","contact":"c1","journey":"abandoned_cart","action":"send","channel":"email","template":"cart_reminder","data":{"cart":"k1"},"id":"#,
            "rejected line 3 (not_json): not a JSON object",
            "read 5 lines: 3 events, 1 identifies, 1 rejected; 3 contacts",
            "actions: 1 send, 0 suppressed,",
        ]);
    run_until_fires_later_timers: "tests/cli/fixtures/run", ["run", "program.journey", "--events", "events.ndjson", "--until", "2026-01-06T00:00:00Z"], 0,
        Expect::Contains(&[r#""contact":"c2","journey":"abandoned_cart","action":"suppressed""#, r#""reason":"consent""#, "actions: 1 send, 1 suppressed,"]);
    run_to_files: "tests/cli/fixtures/run", ["run", ".", "--events", "events.ndjson", "--out", "actions.ndjson", "--rejects", "rejects.ndjson"], 0,
        Expect::Contains(&[
            "--- changed actions.ndjson\n{\"at\":\"2026-01-05T11:00:00Z\"",
            "--- changed rejects.ndjson\n{\"line\":3,\"reason\":\"not_json\"",
        ]);
    run_interp_backend: "tests/cli/fixtures/run", ["run", ".", "--events", "events.ndjson", "--backend", "interp"], 0,
        Expect::Contains(&[r#""template":"cart_reminder""#, "actions: 1 send, 0 suppressed,"]);
    run_unknown_backend: "tests/cli/fixtures/run", ["run", ".", "--events", "events.ndjson", "--backend", "llvm"], 2,
        Expect::Contains(&["invalid value 'llvm'", "jit, interp"]);
    run_strict_fails_on_rejects: "tests/cli/fixtures/run", ["run", ".", "--events", "events.ndjson", "--strict"], 1,
        Expect::Contains(&["1 rejected"]);
    run_bad_until: "tests/cli/fixtures/run", ["run", ".", "--events", "events.ndjson", "--until", "tomorrow"], 2,
        Expect::Contains(&["`tomorrow` is not an RFC 3339 instant"]);
    run_bad_lateness: "tests/cli/fixtures/run", ["run", ".", "--events", "events.ndjson", "--lateness", "1h30m"], 2,
        Expect::Contains(&["`1h30m` is not a duration"]);
    run_missing_events: "tests/cli/fixtures/run", ["run", ".", "--events", "nothere.ndjson"], 2,
        Expect::Contains(&["error: cannot read nothere.ndjson"]);
    run_program_with_errors: "tests/cli/fixtures/errors", ["run", ".", "--events", "a.journey"], 1,
        Expect::Contains(&["error["]);

    // test: each test by name; a failure shows the difference and exits 1.
    test_passing: "tests/cli/fixtures/run", ["test"], 0, Expect::Snapshot;
    test_failing: "tests/cli/fixtures/failing_test", ["test"], 1, Expect::Snapshot;
    test_filter: "tests/cli/fixtures/failing_test", ["test", "--filter", "goal"], 0,
        Expect::Contains(&["running 1 test\n", "test result: ok. 1 passed; 0 failed"]);
    test_program_with_errors: "tests/cli/fixtures/errors", ["test"], 1, Expect::Contains(&["error["]);
}

#[test]
fn run_reads_stdin() {
    use std::io::Write as _;
    use std::process::Stdio;
    let dir = scratch("run_reads_stdin", "tests/cli/fixtures/run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(["run", ".", "--events", "-"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let events = fs::read(dir.join("events.ndjson")).unwrap();
    child.stdin.take().unwrap().write_all(&events).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let from_stdin = String::from_utf8(output.stdout).unwrap();
    let from_file = journey(&dir, &["run", ".", "--events", "events.ndjson"]).stdout;
    assert_eq!(from_stdin, String::from_utf8(from_file).unwrap());
    assert_eq!(from_stdin.lines().count(), 1, "{from_stdin}");
}

/// A file that no canonical layout could leave as it is.
const MESSY: &str =
    "event   a.b   {x:int}\n\n\n\njourney   j {\n enter on a.b where x==1\n      wait 1d }\n";

#[test]
fn fmt_check_lists_unformatted_files_and_writes_nothing() {
    let dir = scratch("fmt_check_lists", CLEAN);
    fs::write(dir.join("messy.journey"), MESSY).unwrap();
    let output = journey(&dir, &["fmt", "--check"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "messy.journey\n");
    assert_eq!(
        fs::read_to_string(dir.join("messy.journey")).unwrap(),
        MESSY
    );
}

#[test]
fn fmt_rewrites_then_check_passes() {
    let dir = scratch("fmt_rewrites", CLEAN);
    fs::write(dir.join("messy.journey"), MESSY).unwrap();
    let output = journey(&dir, &["fmt"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_ne!(
        fs::read_to_string(dir.join("messy.journey")).unwrap(),
        MESSY
    );

    let again = journey(&dir, &["fmt", "--check"]);
    assert_eq!(again.status.code(), Some(0), "formatting is not idempotent");
    assert_eq!(String::from_utf8_lossy(&again.stdout), "");
}

#[test]
fn fmt_leaves_formatted_files_alone() {
    let dir = scratch("fmt_idempotent", CLEAN);
    assert_eq!(journey(&dir, &["fmt"]).status.code(), Some(0));
    let formatted = contents(&dir);
    let output = journey(&dir, &["fmt", "--check"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(output.stdout, b"");
    assert_eq!(contents(&dir), formatted);
}

#[test]
fn help_lists_the_subcommands() {
    let output = journey(&workspace_root(), &["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("check") && text.contains("fmt"), "{text}");
}

#[test]
fn no_subcommand_is_a_usage_error() {
    assert_eq!(journey(&workspace_root(), &[]).status.code(), Some(2));
}

#[test]
fn graph_draws_journeys_and_suggests_unknown_names() {
    let root = workspace_root();
    let dot = journey(
        &root,
        &[
            "graph",
            "examples",
            "--journey",
            "welcome",
            "--format",
            "dot",
        ],
    );
    assert_eq!(dot.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&dot.stdout).starts_with("digraph \"welcome\" {"));
    let unknown = journey(&root, &["graph", "examples", "--journey", "welcom"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("did you mean `welcome`?"), "{stderr}");
    // Several SVG documents need a folder to go to.
    let several = journey(&root, &["graph", "examples"]);
    assert_eq!(several.status.code(), Some(2));
}
