//! Journey graphs: every journey of `examples/` in every format, pinned as snapshots under
//! `tests/graph/` (`NAME.dot.snap`, `NAME.mmd.snap`, `NAME.svg.snap`), and focused checks of
//! the model on small programs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use journey_insight::graph::{self, EdgeKind, Format, Graph, NodeKind};
use journey_syntax::SourceMap;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn lower(sources: &SourceMap) -> journey_ir::Program {
    let analysis = journey_check::check(sources);
    journey_ir::lower(&analysis).unwrap_or_else(|e| panic!("does not lower: {e}"))
}

/// The examples as one program.
fn examples() -> journey_ir::Program {
    let mut sources = SourceMap::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "journey"))
        .collect();
    paths.sort();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        sources.add(name, std::fs::read_to_string(path).unwrap());
    }
    lower(&sources)
}

/// Checks `text` against the snapshot `tests/graph/NAME.snap`.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => root().join("tests/graph"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn every_example_journey_in_every_format() {
    let program = examples();
    let graphs = graph::build_all(&program);
    assert!(graphs.len() >= 8, "expected every example journey");
    for g in &graphs {
        for format in [Format::Dot, Format::Mermaid, Format::Svg] {
            let text = format.render(g).unwrap();
            snapshot(&format!("{}.{}", g.journey, format.extension()), &text);
        }
    }
}

#[test]
fn svg_is_deterministic_and_self_contained() {
    let program = examples();
    for g in graph::build_all(&program) {
        let first = Format::Svg.render(&g).unwrap();
        let second = Format::Svg.render(&g).unwrap();
        assert_eq!(first, second, "journey `{}`", g.journey);
        assert!(first.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        for external in ["href", "<script", "@import", "url(http", "<image"] {
            assert!(!first.contains(external), "`{external}` in `{}`", g.journey);
        }
    }
}

/// The graph of the one journey of `source`.
fn graph_of(source: &str) -> Graph {
    let mut sources = SourceMap::new();
    let schema = r#"
event cart.updated { cart: string  value: float  items: int }
event order.completed { order: string  cart: string?  value: float }
event email.clicked { campaign: string }
profile { consent_sms: bool = false  plan: string? }
"#;
    sources.add("schema.journey", schema.to_string());
    sources.add("j.journey", source.to_string());
    let program = lower(&sources);
    graph::build(&program, &program.journeys[0])
}

fn label<'a>(g: &'a Graph, from: &str, to: &str) -> Option<&'a str> {
    g.edges
        .iter()
        .find(|e| e.from == from && e.to == to)
        .and_then(|e| e.label.as_deref())
}

fn node<'a>(g: &'a Graph, id: &str) -> &'a graph::Node {
    g.nodes.iter().find(|n| n.id == id).unwrap()
}

#[test]
fn branches_label_their_edges_with_the_condition_and_else() {
    let g = graph_of(
        r#"journey j {
  enter on cart.updated as c where value >= 20.0
  if c.value >= 150.0 and profile.consent_sms { send sms "big" } else { send email "small" }
}"#,
    );
    assert_eq!(
        node(&g, "entry").lines,
        ["enter on cart.updated as c", "where value >= 20.0"]
    );
    assert_eq!(node(&g, "s0").kind, NodeKind::Branch);
    assert_eq!(
        label(&g, "s0", "s1"),
        Some("c.value >= 150.0 and profile.consent_sms")
    );
    let else_target = g
        .edges
        .iter()
        .find(|e| e.from == "s0" && e.label.as_deref() == Some("else"));
    assert!(else_target.is_some());
    assert_eq!(node(&g, "s1").lines, ["send sms \"big\""]);
}

#[test]
fn wait_for_has_an_arrives_edge_and_an_after_edge() {
    let g = graph_of(
        r#"journey j {
  enter on cart.updated
  wait 1h
  wait for email.clicked where campaign == "x" within 1d { goal clicked } else { exit }
}"#,
    );
    assert_eq!(node(&g, "s0").lines, ["wait 1h"]);
    assert_eq!(node(&g, "s1").kind, NodeKind::WaitFor);
    assert_eq!(
        node(&g, "s1").lines,
        [
            "wait for email.clicked",
            "where campaign == \"x\"",
            "within 1d"
        ]
    );
    let out: Vec<Option<&str>> = g
        .edges
        .iter()
        .filter(|e| e.from == "s1")
        .map(|e| e.label.as_deref())
        .collect();
    assert_eq!(out, [Some("email.clicked arrives"), Some("after 1d")]);
    assert_eq!(node(&g, "s2").kind, NodeKind::Goal);
    // Every way out ends in an exit node.
    assert!(g.nodes.iter().any(|n| n.kind == NodeKind::Exit));
}

#[test]
fn split_arms_carry_their_percentages() {
    let g = graph_of(
        r#"journey j {
  enter daily at 09:00 local where profile.plan == "basic"
  reenter always
  split {
    30% a { send email "a" }
    70% b { send email "b" }
  }
}"#,
    );
    assert_eq!(
        node(&g, "entry").lines,
        [
            "enter daily at 09:00 local",
            "where profile.plan == \"basic\"",
            "reenter always"
        ]
    );
    let arms: Vec<Option<&str>> = g
        .edges
        .iter()
        .filter(|e| e.from == "s0")
        .map(|e| e.label.as_deref())
        .collect();
    assert_eq!(arms, [Some("30% a"), Some("70% b")]);
}

#[test]
fn goal_and_exit_rules_hang_from_the_entry() {
    let g = graph_of(
        r#"journey j {
  enter on cart.updated as c
  reenter after 1d
  goal bought on order.completed where cart == c.cart
  exit on cart.updated where items == 0
  wait 2d
}"#,
    );
    let goal = node(&g, "goal_rule_0");
    assert_eq!(goal.kind, NodeKind::GoalRule);
    assert_eq!(
        goal.lines,
        [
            "leaves when order.completed arrives",
            "where cart == c.cart",
            "(goal bought)"
        ]
    );
    let exit = node(&g, "exit_rule_0");
    assert_eq!(
        exit.lines,
        ["leaves when cart.updated arrives", "where items == 0"]
    );
    let rules: Vec<&str> = g
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Rule)
        .map(|e| e.to.as_str())
        .collect();
    assert_eq!(rules, ["goal_rule_0", "exit_rule_0"]);
    assert_eq!(
        node(&g, "entry").lines.last().map(String::as_str),
        Some("reenter after 1d")
    );
}

#[test]
fn expressions_print_in_surface_syntax_with_needed_parentheses() {
    let g = graph_of(
        r#"journey j {
  enter when not (profile.consent_sms or (profile.plan ?? "x") == "y") and count(cart.updated where items > 1 within 7d) >= 2
  send email "x"
}"#,
    );
    assert_eq!(
        node(&g, "entry").lines.join(" "),
        "enter when not (profile.consent_sms or (profile.plan ?? \"x\") == \"y\") and count(cart.updated where items > 1 within 7d) >= 2"
    );
}
