//! Every program of the runtime's corpus (`tests/run/*/program.journey`) and the whole
//! `examples/` workspace compile to native code without error, and every expression of them
//! gives the interpreter's value over a few random contacts. Prints the compile time of
//! `examples/` per 1,000 source lines (informative, not an assertion; measure in a benchmark).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use journey_ir::eval::{Evaluator, Interpreter};
use journey_ir::{ExprId, Program};

/// Random contacts each expression is evaluated over.
const CONTACTS: u64 = 16;

/// Compiles a program, failing the test with the JIT's error; and how long it took.
fn compile(name: &str, program: &Program) -> (journey_jit::JitProgram, Duration) {
    let start = Instant::now();
    let jit = journey_jit::compile(program).unwrap_or_else(|e| panic!("{name}: {e}"));
    (jit, start.elapsed())
}

/// Every expression, over random contacts, on both backends.
fn differ(name: &str, program: &Program, jit: &journey_jit::JitProgram) -> Vec<String> {
    let interpreter = Interpreter::new(program);
    let mut failures = Vec::new();
    for contact in 0..CONTACTS {
        // Half the contacts hand out their records (compiled code reads them directly), half
        // answer only through `Env`'s methods.
        let seed = contact.wrapping_mul(0x9e37_79b9) ^ 0x5eed;
        let env = if contact % 2 == 0 {
            common::RandomEnv::with_records(program, seed)
        } else {
            common::RandomEnv::new(program, seed)
        };
        for index in 0..program.exprs.len() {
            let id = ExprId(index as u32);
            let (native, reference) = (jit.eval(id, &env), interpreter.eval(id, &env));
            if !common::same(&native, &reference) {
                failures.push(format!(
                    "{name}: expression {index} ({:?}), contact {seed}: the JIT gave {native}, \
                     the interpreter {reference}",
                    program.expr(id).kind
                ));
            }
        }
    }
    failures
}

#[test]
fn the_run_corpus_compiles_and_agrees() {
    let run = common::root().join("tests/run");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&run)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("program.journey").is_file())
        .collect();
    folders.sort();
    assert!(folders.len() >= 40, "only {} programs", folders.len());
    let mut failures = Vec::new();
    let mut functions = 0;
    for folder in &folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let program = common::load(&common::read(&[folder.join("program.journey")]));
        let (jit, _) = compile(&name, &program);
        assert_eq!(jit.expressions(), program.exprs.len(), "{name}");
        functions += jit.expressions();
        failures.extend(differ(&name, &program, &jit));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "{} programs, {functions} expressions compiled and agreeing over {CONTACTS} contacts",
        folders.len()
    );
}

#[test]
fn the_examples_compile_and_agree() {
    let files = common::journey_files(&common::root().join("examples"));
    let sources = common::read(&files);
    let lines: usize = sources.iter().map(|(_, text)| text.lines().count()).sum();
    let program = common::load(&sources);
    let (jit, first) = compile("examples", &program);
    let failures = differ("examples", &program, &jit);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A few more compilations for a steadier time.
    let runs = 5;
    let mut total = Duration::ZERO;
    for _ in 0..runs {
        total += compile("examples", &program).1;
    }
    let each = total / runs;
    println!(
        "examples/: {} files, {lines} lines, {} expressions; compile {:.1} ms (first {:.1} ms), \
         {:.1} ms per 1,000 lines ({} build)",
        files.len(),
        program.exprs.len(),
        each.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3,
        each.as_secs_f64() * 1e6 / lines as f64,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
}
