//! The layout, by example: every `tests/fmt/NAME.journey` is formatted and its output compared
//! with `tests/fmt/NAME.snap`. Adding a case means adding a file; accept new or changed
//! snapshots with `INSTA_UPDATE=always` (or review the `.snap.new` files and rename them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fmt")
        .canonicalize()
        .unwrap()
}

#[test]
fn formatted_inputs_match_their_snapshots() {
    let dir = cases_dir();
    let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "journey"))
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 12,
        "expected the inputs of {}, found {}",
        dir.display(),
        inputs.len()
    );
    for input in inputs {
        let name = input.file_stem().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&input).unwrap();
        let output = match journey_fmt::format_source(&text) {
            Ok(output) => output,
            Err(error) => panic!("{}: {error}: {:?}", input.display(), error.errors),
        };
        insta::with_settings!({
            snapshot_path => &dir,
            prepend_module_to_snapshot => false,
            omit_expression => true,
            input_file => &input,
        }, {
            insta::assert_snapshot!(name, output);
        });
    }
}
