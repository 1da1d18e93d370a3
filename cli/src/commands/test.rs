//! `journey test`: run the `test` blocks of a program and report each by name.

use std::path::PathBuf;

use journey_runtime::testing::{describe, run_test};
use journey_syntax::SourceMap;

use super::Backend;
use crate::Exit;

/// The arguments of `journey test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// `.journey` files, or folders searched recursively for them; all of them form one program.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Run only the tests whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// The evaluator of expressions: native code compiled with Cranelift, or the reference
    /// interpreter.
    #[arg(long, value_enum, default_value_t = Backend::Jit)]
    pub backend: Backend,
}

/// Runs the tests; exit 1 when any fails.
pub fn run(args: &TestArgs) -> Exit {
    let (sources, program) = match super::compile(&args.paths) {
        Ok(compiled) => compiled,
        Err(exit) => return exit,
    };
    let evaluator = match super::evaluator(&program, args.backend) {
        Ok(evaluator) => evaluator,
        Err(exit) => return exit,
    };
    let selected: Vec<_> = program
        .tests
        .iter()
        .filter(|t| args.filter.as_ref().is_none_or(|f| t.name.contains(f)))
        .collect();
    println!(
        "running {} test{}",
        selected.len(),
        if selected.len() == 1 { "" } else { "s" }
    );
    let mut failed = Vec::new();
    for test in &selected {
        let outcome = run_test(&program, &*evaluator, test);
        if outcome.passed() {
            println!("test {:?} ... ok", test.name);
            continue;
        }
        println!("test {:?} ... FAILED", test.name);
        println!("  --> {}", location(&sources, test.span));
        for line in &outcome.rejected {
            println!("  input refused: {line}");
        }
        if !outcome.missing.is_empty() {
            println!("  expected, not produced:");
            for expected in &outcome.missing {
                println!("  - {}", describe(expected));
            }
        }
        if !outcome.unexpected.is_empty() {
            println!("  produced, not expected:");
            for produced in &outcome.unexpected {
                println!("  + {}", describe(produced));
            }
        }
        failed.push(test.name.as_str());
    }
    let passed = selected.len() - failed.len();
    if failed.is_empty() {
        println!("\ntest result: ok. {passed} passed; 0 failed");
        Exit::Clean
    } else {
        println!(
            "\ntest result: FAILED. {passed} passed; {} failed",
            failed.len()
        );
        Exit::Problems
    }
}

/// `file:line:column` of a span.
fn location(sources: &SourceMap, span: journey_syntax::Span) -> String {
    let (file, start, _) = span.range();
    match sources.get(file) {
        Some(source) => {
            let at = source.line_col(start);
            format!("{}:{}:{}", source.name, at.line, at.column)
        }
        None => "<unknown>".to_string(),
    }
}
