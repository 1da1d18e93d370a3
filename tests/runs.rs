//! What the runtime corpora share: the repository's root, compiling a program the way the CLI
//! does, and reading a case's `args` file.

use std::path::{Path, PathBuf};

use journey_ir::Program;
use journey_runtime::{input, Options};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The program at `paths` (files or folders), checked and lowered; panics on errors, which a
/// corpus case must not have.
#[allow(clippy::expect_used, clippy::panic)]
pub fn compile(paths: &[PathBuf]) -> Program {
    let found = journey_cli::sources::find(paths).expect("program found");
    let sources = journey_cli::sources::load(&found).expect("program readable");
    let analysis = journey_check::check(&sources);
    journey_ir::lower(&analysis).unwrap_or_else(|e| panic!("{paths:?}: {e}"))
}

/// `--until INSTANT` and `--lateness D` from a case's `args` file (none when it is missing).
#[allow(clippy::expect_used, clippy::panic)]
pub fn run_args(args: &Path) -> (Option<i64>, Options) {
    let text = std::fs::read_to_string(args).unwrap_or_default();
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut until = None;
    let mut options = Options {
        dedupe_window: journey_runtime::engine::DEFAULT_DEDUPE_WINDOW,
        ..Options::default()
    };
    for pair in words.chunks(2) {
        match pair {
            ["--until", instant] => {
                until = Some(input::parse_instant(instant).expect("an instant after --until"))
            }
            ["--lateness", duration] => {
                options.lateness =
                    input::parse_duration(duration).expect("a duration after --lateness")
            }
            ["--dedupe-window", duration] => {
                options.dedupe_window =
                    input::parse_duration(duration).expect("a duration after --dedupe-window")
            }
            other => panic!("{}: unknown arguments {other:?}", args.display()),
        }
    }
    (until, options)
}

/// The engine's state as a checkpoint stores it and as a restart reads it back: the shared
/// value, then every contact's bytes.
#[allow(clippy::expect_used)]
pub fn through_checkpoint(engine: &mut journey_runtime::Engine<'_>) -> journey_runtime::RunState {
    let parts = engine.checkpoint().expect("a checkpoint");
    let mut restoring =
        journey_runtime::RunState::restoring(&parts.shared).expect("the shared state reads back");
    let contacts = &engine.state().contacts;
    for c in 0..contacts.len() {
        let bytes = contacts.stored(c).expect("the contact stores");
        restoring
            .contact(c as u32, &bytes)
            .expect("the contact reads back");
    }
    restoring.finish().expect("every contact is back")
}
