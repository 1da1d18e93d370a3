//! The fuzz targets' properties, without instrumentation: every target's check runs over the
//! files its corpus is seeded with and over its regression inputs (`fuzz/regressions/TARGET/`,
//! the minimised reproducers of bugs the fuzzers found). The checks are the code of
//! `fuzz/src/`, included here, so that `cargo test` and the fuzzers check the same things.
//! See `fuzz/README.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod props;

use std::path::PathBuf;

fn run(target: &str) {
    let inputs: Vec<PathBuf> = props::inputs(target);
    assert!(!inputs.is_empty(), "no input for the `{target}` target");
    let failures: Vec<String> = inputs
        .iter()
        .filter_map(|path| {
            let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            props::check(target, &data)
                .err()
                .map(|problem| format!("{}: {problem}", path.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} `{target}` inputs fail:\n\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n\n")
    );
}

#[test]
fn source() {
    run("source");
}

#[test]
fn decode() {
    run("decode");
}

#[test]
fn engine() {
    run("engine");
}

#[test]
fn lsp() {
    run("lsp");
}

/// The engine target's generator writes programs that mostly check: over fixed pseudo-random
/// inputs, at least half are checked and run (a generator whose programs are all rejected
/// would fuzz nothing).
#[test]
fn engine_generator_mostly_checks() {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..120 {
        let data: Vec<u8> = (0..600)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        if let Err(problem) = props::engine::check(&data) {
            panic!("{problem}");
        }
    }
    let (generated, skipped) = props::engine::skipped();
    eprintln!("{skipped} of {generated} generated programs do not check");
    assert!(
        skipped * 2 <= generated,
        "{skipped} of {generated} generated programs do not check"
    );
}
