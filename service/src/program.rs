//! The program a state was written by: the state keeps its source files, so that the state can
//! be read (`journey state show`) and carried over to a changed program (`journey state diff`,
//! a restart) with the layout that wrote it.

use journey_ir::Program;
use journey_syntax::SourceMap;

use crate::store::StateStore;

/// The fingerprint of a program: a state is resumed as it is only by the program that wrote it.
pub fn fingerprint(program: &Program) -> u64 {
    xxhash_rust::xxh3::xxh3_64(journey_ir::print::print(program).as_bytes())
}

/// The program kept in `store`, checked and lowered again.
pub fn stored(store: &StateStore) -> Result<Program, String> {
    let files = store
        .program()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the state does not keep the program that wrote it".to_owned())?;
    compile(files)
}

/// The program of `files` (kept with a state, `(name, text)` each), checked and lowered again.
pub fn compile(files: Vec<(String, String)>) -> Result<Program, String> {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(name, text);
    }
    let analysis = journey_check::check(&sources);
    journey_ir::lower(&analysis).map_err(|e| {
        format!(
            "the program that wrote the state no longer compiles with this `journey` ({e}); \
             run the `journey` that wrote it, or start with an empty state"
        )
    })
}
