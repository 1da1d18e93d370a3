//! The renderers on hand-built diagnostics: secondary labels, help, fixes, warnings, characters
//! wider than a byte and text that GitHub's command syntax must escape — cases that the checker's
//! syntax errors alone do not reach.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)] // the helpers the other test binaries use
mod common;

use journey_check::{Code, Diagnostic};
use journey_cli::report::{render_github, render_human, render_json, render_sarif};
use journey_syntax::{SourceMap, Span};

use common::{assert_valid_sarif, SNAPSHOT_PATH};

fn program() -> (SourceMap, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let events = sources.add(
        "schema/events.journey",
        "event email.opened { campaign: string }\nevent a.b { x: int }\n",
    );
    let journeys = sources.add(
        "journeys/welcome, 100%.journey",
        "journey welcome {\n  enter on email.opend\n  send email \"é€\"\n}\n",
    );
    let unknown = Diagnostic::new(
        Code::E0101,
        "unknown event `email.opend`",
        Span::new(journeys, 29, 40),
        "no such event",
    )
    .with_label(Span::new(events, 6, 18), "a similar event is declared here")
    .with_help("did you mean `email.opened`?")
    .with_help("events are declared with `event NAME { ... }`")
    .with_fix(
        "use `email.opened`",
        Span::new(journeys, 29, 40),
        "email.opened",
    );
    // Columns count characters: `"é€"` spans bytes 54..61 but columns 14..18.
    let template = Diagnostic::new(
        Code::E0201,
        "expected `int`, found `string`: 50% off",
        Span::new(journeys, 54, 61),
        "",
    );
    let unused = Diagnostic::new(
        Code::W0002,
        "event `a.b` is never used",
        Span::new(events, 46, 49),
        "declared here",
    );
    (sources, vec![unknown, template, unused])
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => SNAPSHOT_PATH, prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn human() {
    let (sources, diagnostics) = program();
    snapshot("report_human", &render_human(&sources, &diagnostics, false));
}

#[test]
fn human_colours_only_when_asked() {
    let (sources, diagnostics) = program();
    assert!(render_human(&sources, &diagnostics, true).contains("\u{1b}["));
    assert!(!render_human(&sources, &diagnostics, false).contains('\u{1b}'));
}

#[test]
fn human_summaries() {
    let (sources, diagnostics) = program();
    let last_line = |d: &[Diagnostic]| {
        render_human(&sources, d, false)
            .lines()
            .last()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(last_line(&diagnostics), "error: 2 errors, 1 warning");
    assert_eq!(last_line(&diagnostics[..1]), "error: 1 error");
    assert_eq!(last_line(&diagnostics[2..]), "warning: 1 warning");
    assert_eq!(render_human(&sources, &[], false), "");
}

#[test]
fn human_survives_spans_outside_the_file() {
    let mut sources = SourceMap::new();
    let file = sources.add("short.journey", "é");
    // Past the end, and inside the two bytes of `é`: clamped, not a panic or a lost diagnostic.
    let diagnostics = [
        Diagnostic::new(Code::E0001, "past the end", Span::new(file, 5, 9), "here"),
        Diagnostic::new(Code::E0001, "mid-character", Span::new(file, 1, 2), "here"),
        Diagnostic::new(
            Code::E0001,
            "unknown file",
            Span::new(journey_syntax::FileId(7), 0, 1),
            "here",
        ),
    ];
    let text = render_human(&sources, &diagnostics, false);
    for message in ["past the end", "mid-character", "unknown file"] {
        assert!(text.contains(message), "{text}");
    }
    assert_valid_sarif(&render_sarif(&sources, &diagnostics));
}

#[test]
fn json() {
    let (sources, diagnostics) = program();
    snapshot("report_json", &render_json(&sources, &diagnostics));
}

#[test]
fn json_field_names_are_the_contract() {
    let (sources, diagnostics) = program();
    let text = render_json(&sources, &diagnostics);
    assert_eq!(text.lines().count(), diagnostics.len());
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "code",
        "name",
        "message",
        "help",
        "labels",
        "fixes",
    ];
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(first["help"].as_array().unwrap().len(), 2);
    assert_eq!(first["labels"][0]["primary"], true);
    assert_eq!(first["fixes"][0]["replacement"], "email.opened");
}

#[test]
fn sarif() {
    let (sources, diagnostics) = program();
    let text = render_sarif(&sources, &diagnostics);
    assert_valid_sarif(&text);
    snapshot("report_sarif", &text);
}

#[test]
fn sarif_lists_every_code_as_a_rule() {
    let text = render_sarif(&SourceMap::new(), &[]);
    assert_valid_sarif(&text);
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(ids, codes);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn github() {
    let (sources, diagnostics) = program();
    snapshot("report_github", &render_github(&sources, &diagnostics));
}
