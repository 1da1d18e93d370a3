//! The diagnostic corpus: every `tests/check/*.journey` file is checked alone, as a whole
//! program, and its diagnostics must be exactly the ones annotated in it with `//~ CODE`
//! (`//~^ CODE` for the line above). The rendered diagnostics of each file whose annotations
//! match are also snapshotted beside it (`tests/check/<stem>.snap`).
//!
//! Set `JOURNEY_CORPUS=substring` to run only the files whose name contains it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use journey_check::Code;
use journey_syntax::SourceMap;
use journey_tests::{compare, describe_mismatch, locate, parse_annotations, render, tally};

/// Corpus files with no annotation must check clean; there must be at least this many.
const MIN_CLEAN: usize = 8;
/// The corpus must have at least this many files.
const MIN_FILES: usize = 70;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("check")
}

/// One corpus file: its name as shown in diagnostics, its stem and text.
struct CorpusFile {
    name: String,
    stem: String,
    text: String,
}

fn corpus() -> Vec<CorpusFile> {
    let filter = std::env::var("JOURNEY_CORPUS").unwrap_or_default();
    let mut files: Vec<CorpusFile> = std::fs::read_dir(corpus_dir())
        .expect("tests/check exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "journey"))
        .map(|path| {
            let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
            CorpusFile {
                name: format!("tests/check/{file_name}"),
                stem: path.file_stem().unwrap().to_string_lossy().into_owned(),
                text: std::fs::read_to_string(&path).expect("readable corpus file"),
            }
        })
        .filter(|file| file.name.contains(&filter))
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        !files.is_empty(),
        "no corpus file in tests/check matches `{filter}`"
    );
    files
}

/// Whether `JOURNEY_CORPUS` narrows the run to some files, so that whole-corpus tests are moot.
fn filtered() -> bool {
    std::env::var("JOURNEY_CORPUS").is_ok_and(|f| !f.is_empty())
}

fn source_map(file: &CorpusFile) -> SourceMap {
    let mut sources = SourceMap::new();
    sources.add(file.name.clone(), file.text.clone());
    sources
}

/// How one corpus file fared against its annotations.
enum Outcome {
    /// Diagnostics and annotations agree.
    Match,
    /// They do not: the report, and the codes missing and unexpected.
    Mismatch {
        report: String,
        missing: Vec<String>,
        unexpected: Vec<&'static str>,
    },
}

fn outcome(file: &CorpusFile) -> Outcome {
    let sources = source_map(file);
    let analysis = journey_check::check(&sources);
    let source = &sources.files()[0];
    let expected = match parse_annotations(&file.text) {
        Ok(expected) => expected,
        Err(errors) => {
            let report = format!(
                "── {} ── malformed annotations\n  {}\n",
                file.name,
                errors.join("\n  ")
            );
            return Outcome::Mismatch {
                report,
                missing: Vec::new(),
                unexpected: Vec::new(),
            };
        }
    };
    let actual = locate(source, &analysis.diagnostics);
    let mismatch = compare(&expected, &actual);
    if mismatch.is_empty() {
        return Outcome::Match;
    }
    Outcome::Mismatch {
        report: describe_mismatch(source, &mismatch),
        missing: mismatch.missing.iter().map(|m| m.code.clone()).collect(),
        unexpected: mismatch
            .unexpected
            .iter()
            .map(|u| u.diagnostic.code.as_str())
            .collect(),
    }
}

/// Every file's diagnostics are exactly its annotations; all files are checked, then every
/// mismatch is reported at once, with a count per code.
#[test]
fn annotations() {
    let files = corpus();
    let mut reports = Vec::new();
    let mut missing_codes = Vec::new();
    let mut unexpected_codes = Vec::new();
    for file in &files {
        if let Outcome::Mismatch {
            report,
            missing,
            unexpected,
        } = outcome(file)
        {
            reports.push(report);
            missing_codes.extend(missing);
            unexpected_codes.extend(unexpected);
        }
    }
    if !reports.is_empty() {
        let mut summary = format!(
            "{} of {} corpus files do not match their annotations",
            reports.len(),
            files.len()
        );
        if !missing_codes.is_empty() {
            summary += &format!(
                "\n  missing by code:    {}",
                tally(missing_codes.iter().map(String::as_str))
            );
        }
        if !unexpected_codes.is_empty() {
            summary += &format!(
                "\n  unexpected by code: {}",
                tally(unexpected_codes.iter().copied())
            );
        }
        panic!(
            "\n{}\n{summary}\n\nOne file: JOURNEY_CORPUS=<part of its name> cargo test -p journey-tests --test check_corpus\n\
             In full: cargo run -p journey-cli -- check tests/check/<file>\n",
            reports.join("\n")
        );
    }
}

/// Snapshots the rendered diagnostics of every file whose annotations match (the others fail
/// `annotations` already, and a snapshot of wrong output would only pin the bug down).
#[test]
fn snapshots() {
    let snapshot_path = corpus_dir();
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    for file in corpus() {
        if !matches!(outcome(&file), Outcome::Match) {
            skipped.push(file.stem.clone());
            continue;
        }
        let sources = source_map(&file);
        let analysis = journey_check::check(&sources);
        let rendered = render(&sources, &analysis.diagnostics);
        let input_file = snapshot_path.join(format!("{}.journey", file.stem));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            insta::with_settings!({
                snapshot_path => &snapshot_path,
                prepend_module_to_snapshot => false,
                omit_expression => true,
                input_file => &input_file,
            }, {
                insta::assert_snapshot!(file.stem.as_str(), rendered);
            });
        }));
        if outcome.is_err() {
            failed.push(file.stem.clone());
        }
    }
    if !skipped.is_empty() {
        eprintln!(
            "snapshots: {} file(s) not snapshotted because their annotations do not match yet: {}",
            skipped.len(),
            skipped.join(", ")
        );
    }
    assert!(
        failed.is_empty(),
        "snapshots differ or are missing for: {}\n(review with `cargo insta review`, or accept with \
         INSTA_UPDATE=always once the rendering is right)",
        failed.join(", ")
    );
}

#[test]
fn every_code_is_annotated_somewhere() {
    if filtered() {
        return;
    }
    let mut annotated = BTreeSet::new();
    for file in corpus() {
        if let Ok(expected) = parse_annotations(&file.text) {
            annotated.extend(expected.into_iter().map(|e| e.code));
        }
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !annotated.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes that no corpus file annotates: {}",
        missing.join(" ")
    );
}

#[test]
fn corpus_is_well_formed() {
    if filtered() {
        return;
    }
    let files = corpus();
    let mut problems = Vec::new();
    let mut numbers = BTreeSet::new();
    for file in &files {
        let (number, rest) = file.stem.split_at(file.stem.len().min(4));
        let well_named = number.len() == 4
            && number.chars().all(|c| c.is_ascii_digit())
            && rest.starts_with('_')
            && rest.len() > 1
            && rest[1..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_named {
            problems.push(format!("{}: not named NNNN_short_name.journey", file.name));
        } else if !numbers.insert(number.to_string()) {
            problems.push(format!("{}: number {number} is used twice", file.name));
        }
    }
    let clean = files
        .iter()
        .filter(|f| parse_annotations(&f.text).is_ok_and(|e| e.is_empty()))
        .count();
    if files.len() < MIN_FILES {
        problems.push(format!(
            "only {} corpus files, expected at least {MIN_FILES}",
            files.len()
        ));
    }
    if clean < MIN_CLEAN {
        problems.push(format!(
            "only {clean} clean corpus files, expected at least {MIN_CLEAN}"
        ));
    }
    let stems: BTreeSet<&str> = files.iter().map(|f| f.stem.as_str()).collect();
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".snap") {
            if !stems.contains(stem) {
                problems.push(format!("tests/check/{name}: snapshot of no corpus file"));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}
