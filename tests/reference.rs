//! The reference's promise: the code blocks of `docs/reference.md`, taken together, form one
//! program that checks clean.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use journey_syntax::SourceMap;
use journey_tests::render;

/// The code blocks of a markdown text as one program. Every other line is blanked rather than
/// dropped, so that line numbers in diagnostics are those of the markdown file.
fn code_blocks(markdown: &str) -> (String, usize) {
    let mut program = String::new();
    let mut inside = false;
    let mut blocks = 0;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            blocks += usize::from(inside);
        } else if inside {
            program.push_str(line);
        }
        program.push('\n');
    }
    assert!(!inside, "docs/reference.md has an unclosed code block");
    (program, blocks)
}

#[test]
fn reference_examples_check_clean() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reference.md");
    let markdown = std::fs::read_to_string(&path).expect("docs/reference.md is readable");
    let (program, blocks) = code_blocks(&markdown);
    assert!(
        blocks >= 5,
        "expected the reference's code blocks, found {blocks}"
    );
    let mut sources = SourceMap::new();
    sources.add("docs/reference.md", program);
    let analysis = journey_check::check(&sources);
    assert!(
        analysis.diagnostics.is_empty(),
        "the {blocks} code blocks of docs/reference.md, as one program, do not check clean \
         (line numbers are those of docs/reference.md):\n\n{}",
        render(&sources, &analysis.diagnostics)
    );
}

#[test]
fn reference_tests_pass() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reference.md");
    let markdown = std::fs::read_to_string(&path).expect("docs/reference.md is readable");
    let (program, _) = code_blocks(&markdown);
    let mut sources = SourceMap::new();
    sources.add("docs/reference.md", program);
    let program = journey_ir::lower(&journey_check::check(&sources)).expect("the reference lowers");
    assert!(
        !program.tests.is_empty(),
        "the reference has a `test` block"
    );
    let interpreter = journey_ir::eval::Interpreter::new(&program);
    for test in &program.tests {
        let outcome = journey_runtime::testing::run_test(&program, &interpreter, test);
        assert!(
            outcome.passed(),
            "test {:?} of the reference fails: {outcome:?}",
            test.name
        );
    }
}

#[test]
fn readme_example_checks_clean_and_its_misspelling_is_corrected() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let markdown = std::fs::read_to_string(&path).expect("README.md is readable");
    let example = markdown
        .split("```")
        .nth(1)
        .expect("README.md opens with a code block holding the example");
    let mut sources = SourceMap::new();
    sources.add("cart.journey", example.trim_start_matches('\n'));
    let analysis = journey_check::check(&sources);
    assert!(
        analysis.diagnostics.is_empty(),
        "the README example does not check clean:\n\n{}",
        render(&sources, &analysis.diagnostics)
    );

    // The README shows what `journey check` says about one misspelling; keep it true.
    let misspelt = example.trim_start_matches('\n').replace(
        "goal recovered on order.completed",
        "goal recovered on order.complete",
    );
    let mut sources = SourceMap::new();
    sources.add("cart.journey", misspelt);
    let analysis = journey_check::check(&sources);
    let rendered = journey_cli::report::render_human(&sources, &analysis.diagnostics, false);
    assert!(
        markdown.contains(rendered.trim_end()),
        "README.md should show this output:\n{rendered}"
    );
}
