//! The formatter never changes meaning and is idempotent, over every program of the repository:
//! the `.journey` files under `examples/` and `tests/` (those that parse) and the code blocks of
//! `docs/reference.md`. Two more tests edit programs (a comment at each gap between tokens, then
//! random edits) and check the same, so that comments in any position survive. Set
//! `JOURNEY_FMT_STRESS=1` to run them over many more variants (best with `--release`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use journey_fmt::format_source;
use journey_syntax::{parse, FileId};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn journey_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            journey_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "journey") {
            out.push(path);
        }
    }
}

/// The journey code blocks (untagged or tagged `journey`) of a markdown text as one program.
fn code_blocks(markdown: &str) -> String {
    let mut program = String::new();
    let mut inside = false;
    let mut journey = false;
    for line in markdown.lines() {
        if let Some(tag) = line.trim_start().strip_prefix("```") {
            inside = !inside;
            journey = matches!(tag.trim(), "" | "journey");
        } else if inside && journey {
            program.push_str(line);
            program.push('\n');
        }
    }
    program
}

/// Every program of the repository that parses, with a name for messages.
fn corpus() -> Vec<(String, String)> {
    let root = repo_root();
    let mut files = Vec::new();
    journey_files(&root.join("examples"), &mut files);
    journey_files(&root.join("tests"), &mut files);
    let mut programs: Vec<(String, String)> = files
        .iter()
        .filter_map(|path| {
            let text = fs::read_to_string(path).ok()?;
            let name = path
                .strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string();
            Some((name, text))
        })
        .collect();
    programs.retain(|(_, text)| parse(FileId(0), text).errors.is_empty());
    // The reference is normative: it must parse, so it is never skipped.
    let markdown = fs::read_to_string(root.join("docs/reference.md")).expect("docs/reference.md");
    let reference = code_blocks(&markdown);
    let errors = parse(FileId(0), &reference).errors;
    assert!(
        errors.is_empty(),
        "the code blocks of docs/reference.md do not parse: {errors:?}"
    );
    programs.push(("docs/reference.md".to_string(), reference));
    programs
}

/// Checks that formatting `text` keeps its meaning and comments and is idempotent.
fn check(text: &str) -> Result<(), String> {
    journey_fmt::check_round_trip(text)
}

#[test]
fn formatting_keeps_meaning_and_is_idempotent() {
    let programs = corpus();
    assert!(
        programs.len() > 12,
        "expected the examples, tests and reference, found {}",
        programs.len()
    );
    let failures: Vec<String> = programs
        .iter()
        .filter_map(|(name, text)| {
            check(text)
                .err()
                .map(|problem| format!("{name}: {problem}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Positions between two tokens: whitespace outside strings and comments.
fn gaps(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut gaps = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |close| close + 4);
            }
            b' ' | b'\n' => {
                gaps.push(i);
                i += 1;
            }
            _ => i += 1,
        }
    }
    gaps
}

/// Puts each of a few comments, in turn, at the gaps of `text` whose index modulo `step` is
/// `phase`; returns the problems found (at most three).
fn insert_comments(name: &str, text: &str, step: usize, phase: usize) -> (usize, Vec<String>) {
    let inserts = [
        " // c\n",
        " /* c */ ",
        "\n// c\n",
        "\n/* c\n  d */\n",
        "\n\n/// c\n",
    ];
    let mut failures = Vec::new();
    let mut tried = 0;
    for (index, gap) in gaps(text).into_iter().enumerate() {
        if index % step != phase {
            continue;
        }
        let insert = inserts[(index / step) % inserts.len()];
        let mut variant = text.to_string();
        variant.insert_str(gap, insert);
        if !parse(FileId(0), &variant).errors.is_empty() {
            continue;
        }
        tried += 1;
        if let Err(problem) = check(&variant) {
            failures.push(format!(
                "{name} with {insert:?} at byte {gap}: {problem}\n--- input ---\n{variant}"
            ));
            if failures.len() >= 3 {
                break;
            }
        }
    }
    (tried, failures)
}

#[test]
fn comments_survive_in_every_position() {
    // Every fourth gap of the canonical layout of the cases of tests/fmt keeps the test quick
    // in debug builds; JOURNEY_FMT_STRESS=1 tries every gap of every program, as written and
    // formatted.
    let stress = std::env::var_os("JOURNEY_FMT_STRESS").is_some();
    let programs: Vec<(String, String)> = if stress {
        corpus()
            .into_iter()
            .flat_map(|(name, text)| {
                let formatted = format_source(&text).unwrap();
                [
                    (name.clone(), text),
                    (format!("{name} (formatted)"), formatted),
                ]
            })
            .collect()
    } else {
        let mut files = Vec::new();
        journey_files(&repo_root().join("tests/fmt"), &mut files);
        files
            .iter()
            .map(|path| {
                let text = format_source(&fs::read_to_string(path).unwrap()).unwrap();
                (path.display().to_string(), text)
            })
            .collect()
    };
    let step = if stress { 1 } else { 4 };
    let mut tried = 0;
    let mut failures = Vec::new();
    for (index, (name, text)) in programs.iter().enumerate() {
        let (count, problems) = insert_comments(name, text, step, index % step);
        tried += count;
        failures.extend(problems);
        if failures.len() >= 3 {
            break;
        }
    }
    assert!(
        tried > 100,
        "expected the inputs of tests/fmt, tried {tried} variants"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A small xorshift generator: the edits are random but the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

#[test]
fn random_edits_keep_the_properties() {
    // Several edits at once (comments, blank lines, joined or split lines) reach combinations
    // that one comment at a time does not; JOURNEY_FMT_STRESS=1 tries many more.
    let stress = std::env::var_os("JOURNEY_FMT_STRESS").is_some();
    let rounds = if stress { 20_000 } else { 250 };
    let mut files = Vec::new();
    journey_files(&repo_root().join("tests/fmt"), &mut files);
    journey_files(&repo_root().join("examples"), &mut files);
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            (
                path.display().to_string(),
                fs::read_to_string(path).unwrap(),
            )
        })
        .filter(|(_, text)| parse(FileId(0), text).errors.is_empty())
        .collect();
    let edits = [
        " // c\n",
        " /* c */ ",
        "\n// c\n",
        "\n/* c\n  d */\n",
        "\n\n/// c\n",
        "\n  // c\n",
        " /* c */",
        "\n\n",
        "// x\n",
        "/* y */",
        "\n                       // z\n",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut failures = Vec::new();
    for round in 0..rounds {
        let (name, original) = &texts[round % texts.len()];
        let mut text = if rng.below(2) == 0 {
            original.clone()
        } else {
            format_source(original).unwrap()
        };
        for _ in 0..1 + rng.below(6) {
            let gaps = gaps(&text);
            if gaps.is_empty() {
                break;
            }
            let gap = gaps[rng.below(gaps.len())];
            match rng.below(edits.len() + 3) {
                n if n < edits.len() => text.insert_str(gap, edits[n]),
                n if n == edits.len() => text.replace_range(gap..gap + 1, ""),
                n if n == edits.len() + 1 => text.replace_range(gap..gap + 1, "\n"),
                _ => text.replace_range(gap..gap + 1, " "),
            }
        }
        if !parse(FileId(0), &text).errors.is_empty() {
            continue;
        }
        if let Err(problem) = check(&text) {
            failures.push(format!(
                "{name}, edit {round}: {problem}\n--- input ---\n{text}"
            ));
            if failures.len() >= 3 {
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
