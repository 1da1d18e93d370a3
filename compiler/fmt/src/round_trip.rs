//! The formatter's contract as a check that tests and fuzzers share: the output parses to the
//! same declarations (spans compare equal, so this compares structure) and the same comments, and
//! formatting the output again changes nothing.

use journey_syntax::{parse, FileId};

use crate::format_source;

/// Checks that formatting `text` keeps its meaning and comments and is idempotent; returns the
/// first problem found.
pub fn check_round_trip(text: &str) -> Result<(), String> {
    let original = parse(FileId(0), text);
    let formatted = format_source(text).map_err(|e| format!("refused: {:?}", e.errors))?;
    let reparsed = parse(FileId(0), &formatted);
    if !reparsed.errors.is_empty() {
        return Err(format!(
            "the output does not parse: {:?}\n--- output ---\n{formatted}",
            reparsed.errors
        ));
    }
    if reparsed.module.decls != original.module.decls {
        let first = original
            .module
            .decls
            .iter()
            .zip(&reparsed.module.decls)
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("before: {a:#?}\nafter: {b:#?}"))
            .unwrap_or_else(|| "a different number of declarations".to_string());
        return Err(format!(
            "the declarations changed:\n{first}\n--- output ---\n{formatted}"
        ));
    }
    let before: Vec<&str> = original
        .module
        .comments
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    let after: Vec<&str> = reparsed
        .module
        .comments
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    if before != after {
        return Err(format!(
            "the comments changed:\n{before:#?}\n{after:#?}\n--- output ---\n{formatted}"
        ));
    }
    let twice = format_source(&formatted).map_err(|e| format!("refused its output: {e}"))?;
    if twice != formatted {
        return Err(format!(
            "not idempotent\n--- first ---\n{formatted}\n--- second ---\n{twice}"
        ));
    }
    Ok(())
}
