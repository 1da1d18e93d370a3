//! Lowering over the project's programs: the reference and the examples lower, and the
//! reference's IR is pinned as a snapshot (`tests/ir/reference.snap`) so that any change to the
//! lowering shows up in review.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use journey_syntax::SourceMap;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The code blocks of a markdown file, other lines blanked so that positions stay the same.
fn code_blocks(markdown: &str) -> String {
    let mut inside = false;
    let mut out = String::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
        } else if inside {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

fn lower(sources: &SourceMap) -> journey_ir::Program {
    let analysis = journey_check::check(sources);
    journey_ir::lower(&analysis).unwrap_or_else(|e| panic!("does not lower: {e}"))
}

#[test]
fn reference_lowers_to_the_pinned_ir() {
    let markdown = std::fs::read_to_string(root().join("docs/reference.md")).unwrap();
    let mut sources = SourceMap::new();
    sources.add("docs/reference.md", code_blocks(&markdown));
    let printed = journey_ir::print::print(&lower(&sources));
    snapshot("reference", &printed);
}

/// Checks `text` against the snapshot `tests/ir/NAME.snap`.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => root().join("tests/ir"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Lowers the one file `tests/ir/NAME`.
fn lower_file(name: &str) -> journey_ir::Program {
    let mut sources = SourceMap::new();
    let text = std::fs::read_to_string(root().join("tests/ir").join(name)).unwrap();
    sources.add(name, text);
    lower(&sources)
}

#[test]
fn equal_history_aggregates_are_kept_once() {
    let program = lower_file("histories.journey");
    // The filter of an aggregate kept once is lowered once: `starts_with "/pricing"` is
    // written twice, and its nodes are in the arena once.
    let pricing_filters = program
        .exprs
        .iter()
        .filter(|e| match e.kind {
            journey_ir::ExprKind::StartsWith(_, prefix) => matches!(
                &program.expr(prefix).kind,
                journey_ir::ExprKind::Const(journey_ir::Const::String(s)) if &**s == "/pricing"
            ),
            _ => false,
        })
        .count();
    assert_eq!(pricing_filters, 1);
    let printed = journey_ir::print::print(&program);
    let histories: Vec<&str> = printed
        .lines()
        .filter(|l| l.starts_with("history ") || l.starts_with("segment "))
        .collect();
    snapshot("histories", &histories.join("\n"));
}

#[test]
fn event_filters_are_the_filters_that_read_only_their_event() {
    let program = lower_file("filters.journey");
    let filters = journey_ir::filters::EventFilters::new(&program);
    // Bits are numbered per event type, from 0, without gaps.
    for (event, list) in filters.iter() {
        for (bit, filter) in list.iter().enumerate() {
            assert_eq!(filters.bit(*filter), Some(bit), "event {event:?}");
        }
    }
    let printed = journey_ir::print::print(&program);
    let filtered: Vec<&str> = printed
        .lines()
        .filter(|l| l.contains(" where"))
        .map(str::trim)
        .collect();
    snapshot("filters", &filtered.join("\n"));
}

#[test]
fn examples_lower() {
    let mut sources = SourceMap::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "journey"))
        .collect();
    paths.sort();
    for path in &paths {
        sources.add(
            path.display().to_string(),
            std::fs::read_to_string(path).unwrap(),
        );
    }
    let program = lower(&sources);
    assert!(
        program.journeys.len() >= 8,
        "expected every example journey, got {}",
        program.journeys.len()
    );
    for journey in &program.journeys {
        assert!(
            !journey.steps.is_empty() && journey.start.index() < journey.steps.len(),
            "journey `{}` has no start step",
            journey.name
        );
    }
}

#[test]
fn programs_with_errors_are_refused() {
    let mut sources = SourceMap::new();
    sources.add("bad.journey", "journey j { send email \"x\" }");
    let analysis = journey_check::check(&sources);
    assert!(
        matches!(journey_ir::lower(&analysis), Err(journey_ir::LowerError::HasErrors(n)) if n >= 1)
    );
}

#[test]
fn every_step_reaches_an_exit_and_ids_are_in_range() {
    let markdown = std::fs::read_to_string(root().join("docs/reference.md")).unwrap();
    let mut sources = SourceMap::new();
    sources.add("docs/reference.md", code_blocks(&markdown));
    let program = lower(&sources);
    for journey in &program.journeys {
        let count = journey.steps.len();
        // Renumbering follows the main path: the first step is the start.
        assert_eq!(journey.start.index(), 0, "journey `{}`", journey.name);
        for step in &journey.steps {
            let targets: Vec<journey_ir::StepId> = match step {
                journey_ir::Step::Send(s) => vec![s.next],
                journey_ir::Step::Branch {
                    then, otherwise, ..
                }
                | journey_ir::Step::WaitFor {
                    then, otherwise, ..
                } => vec![*then, *otherwise],
                journey_ir::Step::Split { arms } => arms.iter().map(|a| a.2).collect(),
                journey_ir::Step::Notify { next, .. }
                | journey_ir::Step::Wait { next, .. }
                | journey_ir::Step::WaitUntil { next, .. }
                | journey_ir::Step::Set { next, .. }
                | journey_ir::Step::AdjustScore { next, .. }
                | journey_ir::Step::Tag { next, .. }
                | journey_ir::Step::Goal { next, .. } => vec![*next],
                journey_ir::Step::Exit => vec![],
            };
            for target in targets {
                assert!(
                    target.index() < count,
                    "journey `{}` jumps to s{} of {count}",
                    journey.name,
                    target.0
                );
            }
        }
        assert!(journey
            .steps
            .iter()
            .any(|s| matches!(s, journey_ir::Step::Exit)));
    }
}
