//! The JSON format: one object per line per diagnostic (JSON Lines), for scripts and editors.

use journey_check::{Diagnostic, Severity};
use journey_syntax::{SourceMap, Span};
use serde::Serialize;

use super::place;

/// One diagnostic as a JSON object; field names are part of the CLI's contract.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    /// The file of the primary label, as given on the command line or found in a folder.
    pub file: &'a str,
    /// One-based line of the primary span's start.
    pub line: u32,
    /// One-based column, in characters, of the primary span's start.
    pub column: u32,
    /// One-based line of the primary span's end.
    pub end_line: u32,
    /// One-based column just past the primary span's end (exclusive).
    pub end_column: u32,
    /// `"error"` or `"warning"`.
    pub severity: Severity,
    /// The stable code, such as `"E0101"`.
    pub code: &'static str,
    /// The code's kebab-case name, such as `"unknown-event"`.
    pub name: &'static str,
    /// The one-line message.
    pub message: &'a str,
    /// Lines of help, in order; an empty array when there are none.
    pub help: &'a [String],
    /// Every label, the primary one first.
    pub labels: Vec<JsonLabel<'a>>,
    /// Machine-applicable fixes; an empty array when there are none.
    pub fixes: Vec<JsonFix<'a>>,
}

/// A labelled span of a diagnostic.
#[derive(Debug, Serialize)]
pub struct JsonLabel<'a> {
    /// The file the span lies in.
    pub file: &'a str,
    /// One-based start line.
    pub line: u32,
    /// One-based start column, in characters.
    pub column: u32,
    /// One-based end line.
    pub end_line: u32,
    /// One-based column just past the end (exclusive).
    pub end_column: u32,
    /// The text shown under the span; may be empty.
    pub message: &'a str,
    /// Whether this is the diagnostic's main location.
    pub primary: bool,
}

/// A replacement that fixes a diagnostic.
#[derive(Debug, Serialize)]
pub struct JsonFix<'a> {
    /// What the fix does.
    pub title: &'a str,
    /// The file to change.
    pub file: &'a str,
    /// One-based start line of the text to replace.
    pub line: u32,
    /// One-based start column of the text to replace.
    pub column: u32,
    /// One-based end line of the text to replace.
    pub end_line: u32,
    /// One-based column just past the text to replace (exclusive).
    pub end_column: u32,
    /// The new text.
    pub replacement: &'a str,
}

/// Renders each diagnostic as one line of JSON; no diagnostics, no output.
pub fn render_json(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let line = serde_json::to_string(&to_json(sources, diagnostic))
            // Serialising plain strings and numbers cannot fail; keep the line count honest anyway.
            .unwrap_or_else(|e| {
                format!("{{\"severity\":\"error\",\"message\":{:?}}}", e.to_string())
            });
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The JSON shape of one diagnostic.
pub fn to_json<'a>(sources: &'a SourceMap, diagnostic: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let at = place(sources, diagnostic.span());
    let mut labels: Vec<&journey_check::Label> = diagnostic.labels.iter().collect();
    // Primary first whatever order the checker built them in; stable for the rest.
    labels.sort_by_key(|label| !label.primary);
    JsonDiagnostic {
        file: at.file,
        line: at.line,
        column: at.column,
        end_line: at.end_line,
        end_column: at.end_column,
        severity: diagnostic.severity,
        code: diagnostic.code.as_str(),
        name: diagnostic.code.name(),
        message: &diagnostic.message,
        help: &diagnostic.help,
        labels: labels
            .into_iter()
            .map(|label| {
                let at = place(sources, label.span);
                JsonLabel {
                    file: at.file,
                    line: at.line,
                    column: at.column,
                    end_line: at.end_line,
                    end_column: at.end_column,
                    message: &label.message,
                    primary: label.primary,
                }
            })
            .collect(),
        fixes: diagnostic
            .fixes
            .iter()
            .map(|fix| json_fix(sources, fix.span, &fix.title, &fix.replacement))
            .collect(),
    }
}

fn json_fix<'a>(
    sources: &'a SourceMap,
    span: Span,
    title: &'a str,
    replacement: &'a str,
) -> JsonFix<'a> {
    let at = place(sources, span);
    JsonFix {
        title,
        file: at.file,
        line: at.line,
        column: at.column,
        end_line: at.end_line,
        end_column: at.end_column,
        replacement,
    }
}
