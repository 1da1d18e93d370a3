//! The properties the fuzz targets check, one module per target. Each `check` takes the raw
//! input bytes and returns the first property violation found; a panic is a violation too.
//!
//! The same code runs in two ways: instrumented under libFuzzer (`fuzz/fuzz_targets/*.rs`,
//! built by `fuzz/run.sh`), and uninstrumented by `cargo test` in the `journey-tests` crate
//! (`tests/fuzz_regressions.rs` includes this file with `#[path]`), over the regression
//! inputs of `fuzz/regressions/TARGET/` and the seed corpus.

use std::path::PathBuf;

pub mod decode;
pub mod engine;
pub mod lsp;
pub mod source;

/// The fuzz targets, by name (the names of `fuzz/fuzz_targets/*.rs` and of the corpus and
/// regression folders).
pub const TARGETS: &[&str] = &["source", "decode", "engine", "lsp"];

/// Runs the property check of `target` on one input.
pub fn check(target: &str, data: &[u8]) -> Result<(), String> {
    match target {
        "source" => source::check(data),
        "decode" => decode::check(data),
        "engine" => engine::check(data),
        "lsp" => lsp::check(data),
        other => Err(format!("unknown fuzz target `{other}`")),
    }
}

/// The repository's root: both crates that compile this code (`fuzz/` and `tests/`) sit one
/// folder below it.
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// The repository files a target's corpus is seeded with (as `fuzz/run.sh` seeds them),
/// followed by the target's regression inputs (`fuzz/regressions/TARGET/*`), sorted.
pub fn inputs(target: &str) -> Vec<PathBuf> {
    let root = repo_root();
    let programs: &[(&str, &str)] = &[
        ("examples", ".journey"),
        ("tests/check", ".journey"),
        ("tests/fmt", ".journey"),
        ("tests/run/*", "program.journey"),
    ];
    let streams: &[(&str, &str)] = &[
        ("tests/run/*", "events.ndjson"),
        ("tests/decode", ".ndjson"),
        ("examples/streams", ".ndjson"),
    ];
    let mut patterns: Vec<(&str, &str)> = Vec::new();
    match target {
        "source" | "lsp" => patterns.extend(programs),
        "engine" => {
            patterns.extend(programs);
            patterns.push(streams[0]);
        }
        "decode" => patterns.extend(streams),
        _ => {}
    }
    let mut seeds = Vec::new();
    for (dir, suffix) in patterns {
        let dirs = match dir.strip_suffix("/*") {
            Some(parent) => files(&root.join(parent)),
            None => vec![root.join(dir)],
        };
        for dir in dirs {
            seeds.extend(
                files(&dir)
                    .into_iter()
                    .filter(|f| f.is_file() && f.to_string_lossy().ends_with(suffix)),
            );
        }
    }
    seeds.sort();
    let mut regressions = files(&root.join("fuzz/regressions").join(target));
    regressions.retain(|f| f.is_file());
    seeds.extend(regressions);
    seeds
}

/// The entries of a folder, sorted (none if it cannot be read).
fn files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}
