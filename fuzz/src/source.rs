//! `source`: arbitrary bytes as a `.journey` file.
//!
//! - parsing, checking, formatting, lowering and JIT compilation do not panic;
//! - every span of every diagnostic (labels, fixes) lies inside the file, on char boundaries;
//! - a file without syntax errors formats, the output parses to the same declarations and
//!   comments, and formatting the output again changes nothing;
//! - a file without errors lowers to IR and the JIT compiles it.

use journey_check::Diagnostic;
use journey_fmt::format_source;
use journey_syntax::{parse, FileId, SourceMap, Span};

/// Checks one input.
pub fn check(data: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(data);
    check_text(&text)
}

/// Checks one source text.
pub fn check_text(text: &str) -> Result<(), String> {
    let parsed = parse(FileId(0), text);
    for error in &parsed.errors {
        span_inside(text, error.span).map_err(|e| format!("syntax error {error:?}: {e}"))?;
    }
    let mut sources = SourceMap::new();
    sources.add("fuzz.journey", text.to_string());
    let analysis = journey_check::check(&sources);
    for diagnostic in &analysis.diagnostics {
        diagnostic_inside(text, diagnostic)?;
    }
    if parsed.errors.is_empty() {
        round_trip(text, &parsed)?;
    }
    if !analysis.has_errors() {
        let program = journey_ir::lower(&analysis)
            .map_err(|e| format!("a program without errors does not lower: {e}"))?;
        journey_jit::compile(&program)
            .map_err(|e| format!("the JIT cannot compile a valid program: {}", e.reason))?;
    }
    Ok(())
}

fn diagnostic_inside(text: &str, diagnostic: &Diagnostic) -> Result<(), String> {
    let spans = diagnostic
        .labels
        .iter()
        .map(|l| l.span)
        .chain(diagnostic.fixes.iter().map(|f| f.span))
        .chain([diagnostic.span()]);
    for span in spans {
        span_inside(text, span).map_err(|e| {
            format!(
                "diagnostic {} `{}`: {e}",
                diagnostic.code.as_str(),
                diagnostic.message
            )
        })?;
    }
    Ok(())
}

fn span_inside(text: &str, span: Span) -> Result<(), String> {
    let (file, start, end) = span.range();
    let (start, end) = (start as usize, end as usize);
    if file != FileId(0) {
        return Err(format!("span in file {file:?}, not the only file"));
    }
    if start > end || end > text.len() {
        return Err(format!("span {start}..{end} outside 0..{}", text.len()));
    }
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return Err(format!("span {start}..{end} not on char boundaries"));
    }
    Ok(())
}

/// The formatter's properties, as in `compiler/fmt/tests/round_trip.rs`: the output parses to
/// the same declarations (spans compare equal, so this compares structure) and comments, and
/// formatting is idempotent.
fn round_trip(text: &str, original: &journey_syntax::Parsed) -> Result<(), String> {
    let formatted =
        format_source(text).map_err(|e| format!("format refused a clean file: {:?}", e.errors))?;
    let reparsed = parse(FileId(0), &formatted);
    if !reparsed.errors.is_empty() {
        return Err(format!(
            "the formatted file does not parse: {:?}\n--- output ---\n{formatted}",
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
            "formatting changed the declarations:\n{first}\n--- output ---\n{formatted}"
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
            "formatting changed the comments:\n{before:#?}\n{after:#?}\n--- output ---\n{formatted}"
        ));
    }
    let twice = format_source(&formatted).map_err(|e| format!("format refused its output: {e}"))?;
    if twice != formatted {
        return Err(format!(
            "formatting is not idempotent\n--- first ---\n{formatted}\n--- second ---\n{twice}"
        ));
    }
    Ok(())
}
