//! `source`: arbitrary bytes as a `.journey` file.
//!
//! - parsing, checking, formatting, lowering and JIT compilation do not panic;
//! - every span of every diagnostic (labels, fixes) lies inside the file, on char boundaries;
//! - a file without syntax errors formats, the output parses to the same declarations and
//!   comments, and formatting the output again changes nothing;
//! - a file without errors lowers to IR and the JIT compiles it.

use journey_check::Diagnostic;
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
        journey_fmt::check_round_trip(text)?;
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
