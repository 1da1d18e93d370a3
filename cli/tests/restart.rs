//! `journey serve` restarted with a changed program (`tests/migrate/04-changed-keep`): refused
//! by default with the changed journey named, `journey state diff` shows what a restart would
//! do without doing it, and `--on-change keep` carries the state over, commits it under the new
//! program and records the change once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)] // the helpers the other test binaries use
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{journey, text, workspace_root};

fn case() -> PathBuf {
    workspace_root().join("tests/migrate/04-changed-keep")
}

fn serve(dir: &Path, program: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "serve".to_owned(),
        case().join(program).display().to_string(),
        "--source".to_owned(),
        format!("file:{}", dir.join("in.ndjson").display()),
        "--sink".to_owned(),
        format!("file:{}", dir.join("out.ndjson").display()),
        "--state".to_owned(),
        dir.join("state").display().to_string(),
        "--clock".to_owned(),
        "event".to_owned(),
        "--lateness".to_owned(),
        "0s".to_owned(),
        "--stop-at-end".to_owned(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    journey(&args)
}

fn diff(dir: &Path, extra: &[&str]) -> Output {
    let state = dir.join("state").display().to_string();
    let program = case().join("after.journey").display().to_string();
    let mut args = vec!["state", "diff", "--state", &state, &program];
    args.extend(extra);
    journey(&args)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_changed_journey_is_refused_shown_and_carried_over_with_on_change() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("restart-changed");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(case().join("before.ndjson"), dir.join("in.ndjson")).unwrap();
    let first = serve(&dir, "before.journey", &[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(lines(&dir.join("out.ndjson")).len(), 3);

    // After the restart: c3 signs up, and c4's sign-up on 01-08 moves the clock past c2's wait.
    let mut input = std::fs::read_to_string(dir.join("in.ndjson")).unwrap();
    input.push_str(&std::fs::read_to_string(case().join("after.ndjson")).unwrap());
    input.push_str(
        "{\"type\":\"track\",\"event\":\"signed_up\",\"userId\":\"c4\",\
         \"timestamp\":\"2026-01-08T00:00:00Z\",\"properties\":{\"source\":\"ads\"}}\n",
    );
    std::fs::write(dir.join("in.ndjson"), input).unwrap();

    let shown = diff(&dir, &[]);
    assert_eq!(shown.status.code(), Some(1), "{}", text(&shown.stderr));
    let report = text(&shown.stdout);
    assert!(
        report.contains("journey welcome") && report.contains("refuses"),
        "{report}"
    );

    let refused = serve(&dir, "after.journey", &[]);
    assert!(!refused.status.success());
    let error = text(&refused.stderr);
    assert!(
        error.contains("`welcome`") && error.contains("--on-change"),
        "{error}"
    );
    assert_eq!(
        lines(&dir.join("out.ndjson")).len(),
        3,
        "a refused restart sends nothing"
    );

    let kept = diff(&dir, &["--on-change", "keep", "--format", "json"]);
    assert_eq!(kept.status.code(), Some(0), "{}", text(&kept.stderr));
    let report: serde_json::Value = serde_json::from_slice(&kept.stdout).unwrap();
    let welcome = &report["items"][0];
    assert_eq!(welcome["name"], "welcome");
    assert_eq!(welcome["fate"], "changed");
    assert_eq!(welcome["instances"]["stay"], 1);
    assert_eq!(welcome["instances"]["leave"], 1);

    let carried = serve(&dir, "after.journey", &["--on-change", "keep"]);
    assert!(carried.status.success(), "{}", text(&carried.stderr));
    let out = lines(&dir.join("out.ndjson"));
    let sent: Vec<(String, String)> = out
        .iter()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                v["contact"].as_str().unwrap().to_owned(),
                format!("{}{}", v["template"].as_str().unwrap(), v["data"]),
            )
        })
        .collect();
    let expected = [
        ("c1", "w1{}"),
        ("c1", "w2{}"),
        ("c2", "w1{}"),
        ("c3", "w1{}"),
        ("c2", "w2{\"edition\":\"new\"}"),
        ("c3", "w2{\"edition\":\"new\"}"),
        ("c4", "w1{}"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(c, t)| ((*c).to_owned(), (*t).to_owned()))
        .collect();
    assert_eq!(sent, expected);
    let changes = lines(&dir.join("state/program-changes.ndjson"));
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].contains("\"on_change\":\"keep\""),
        "{}",
        changes[0]
    );

    // The state is now the new program's: a plain restart resumes it and records nothing.
    let again = serve(&dir, "after.journey", &[]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(lines(&dir.join("out.ndjson")).len(), out.len());
    assert_eq!(lines(&dir.join("state/program-changes.ndjson")).len(), 1);
    let same = diff(&dir, &[]);
    assert_eq!(same.status.code(), Some(0));
    assert!(text(&same.stdout).contains("resumes it as it is"));
}
