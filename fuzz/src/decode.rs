//! `decode`: arbitrary bytes as NDJSON input, decoded against the program of `examples/`.
//!
//! - decoding does not panic;
//! - every line gives an input or a reject; a reject carries its line number and the line
//!   (invalid UTF-8 replaced), has a non-empty reason code, and its JSON parses, with that code;
//! - decoding is deterministic (the decoder recycles records: a second decode of the same line
//!   gives the same result).

use std::sync::OnceLock;

use journey_ir::Program;
use journey_runtime::Decoder;
use journey_syntax::SourceMap;

/// The program of `examples/` (every `.journey` file there, in name order), compiled once.
pub fn examples() -> Result<&'static Program, String> {
    static PROGRAM: OnceLock<Result<Program, String>> = OnceLock::new();
    PROGRAM
        .get_or_init(|| {
            let dir = super::repo_root().join("examples");
            let mut paths: Vec<_> = std::fs::read_dir(&dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "journey"))
                .collect();
            paths.sort();
            let mut sources = SourceMap::new();
            for path in paths {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                sources.add(path.display().to_string(), text);
            }
            let analysis = journey_check::check(&sources);
            journey_ir::lower(&analysis).map_err(|e| format!("examples/: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

thread_local! {
    static DECODER: Result<Decoder, String> = examples().map(Decoder::new);
}

/// Checks one input.
pub fn check(data: &[u8]) -> Result<(), String> {
    DECODER.with(|decoder| {
        let decoder = decoder.as_ref().map_err(Clone::clone)?;
        for (index, line) in data.split(|b| *b == b'\n').enumerate() {
            check_line(decoder, index as u64 + 1, line)?;
        }
        Ok(())
    })
}

fn check_line(decoder: &Decoder, number: u64, line: &[u8]) -> Result<(), String> {
    let first = decoder.decode(number, line);
    let second = decoder.decode(number, line);
    if first != second {
        return Err(format!(
            "line {number}: decoding twice differs: {first:?} then {second:?}"
        ));
    }
    let Err(reject) = first else {
        return Ok(());
    };
    let code = reject.reason.code();
    if code.is_empty() {
        return Err(format!(
            "line {number}: a reject without a code: {reject:?}"
        ));
    }
    if reject.line != number {
        return Err(format!(
            "line {number}: the reject says line {}",
            reject.line
        ));
    }
    if reject.raw != String::from_utf8_lossy(line) {
        return Err(format!(
            "line {number}: the reject's raw text differs: {reject:?}"
        ));
    }
    let json = reject.to_json();
    let value: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| format!("line {number}: the reject's JSON does not parse ({e}): {json}"))?;
    if value.get("reason").and_then(|r| r.as_str()) != Some(code) {
        return Err(format!(
            "line {number}: the reject's JSON lacks its reason: {json}"
        ));
    }
    if value.get("line").and_then(|l| l.as_u64()) != Some(number) {
        return Err(format!(
            "line {number}: the reject's JSON lacks its line: {json}"
        ));
    }
    if value.get("raw").and_then(|r| r.as_str()) != Some(reject.raw.as_str()) {
        return Err(format!(
            "line {number}: the reject's JSON lacks its raw text: {json}"
        ));
    }
    Ok(())
}
