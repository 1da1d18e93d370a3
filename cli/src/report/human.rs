//! The human format: rustc-style diagnostics with source snippets, via `codespan-reporting`.

use std::ops::Range;

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, LabelStyle, Severity as CsSeverity,
};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::Buffer;
use codespan_reporting::term::{self, Chars, Config};
use journey_check::{Diagnostic, Severity};
use journey_syntax::{FileId, SourceFile, SourceMap, Span};

/// Renders every diagnostic followed by a summary line (`error: 2 errors, 1 warning`); renders
/// nothing at all when there are no diagnostics. With `color`, the text contains ANSI escapes.
pub fn render_human(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    let files = SourceFiles(sources);
    // ASCII drawing is rustc's look (`-->`, `|`, `=`) and survives any terminal or log viewer.
    let config = Config {
        chars: Chars::ascii(),
        ..Config::default()
    };
    let emit = |diagnostic: &CsDiagnostic<FileId>| {
        let mut buffer = if color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        term::emit_to_write_style(&mut buffer, &config, &files, diagnostic)
            .ok()
            .map(|()| String::from_utf8_lossy(buffer.as_slice()).into_owned())
    };
    let mut text = String::new();
    for diagnostic in diagnostics {
        let converted = convert(sources, diagnostic);
        // Each diagnostic renders into its own buffer, so a failure leaves no half-drawn snippet;
        // the message alone still says what is wrong.
        let rendered = emit(&converted).or_else(|| {
            emit(&CsDiagnostic {
                labels: Vec::new(),
                ..converted
            })
        });
        text.push_str(&rendered.unwrap_or_default());
    }
    if let Some((severity, counts)) = summary(diagnostics) {
        text.push_str(&emit(&CsDiagnostic::new(severity).with_message(counts)).unwrap_or_default());
    }
    // codespan follows every diagnostic with a blank line; after the summary it is just noise.
    if text.ends_with("\n\n") {
        text.pop();
    }
    text
}

/// The closing line's severity and text, or `None` when there is nothing to summarise.
fn summary(diagnostics: &[Diagnostic]) -> Option<(CsSeverity, String)> {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (0, w) => Some((CsSeverity::Warning, plural(w, "warning"))),
        (e, 0) => Some((CsSeverity::Error, plural(e, "error"))),
        (e, w) => Some((
            CsSeverity::Error,
            format!("{}, {}", plural(e, "error"), plural(w, "warning")),
        )),
    }
}

fn convert(sources: &SourceMap, diagnostic: &Diagnostic) -> CsDiagnostic<FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let labels = diagnostic
        .labels
        .iter()
        .filter_map(|label| {
            let file = sources.get(label.span.file)?;
            let style = if label.primary {
                LabelStyle::Primary
            } else {
                LabelStyle::Secondary
            };
            Some(
                CsLabel::new(style, label.span.file, clamp(file, label.span))
                    .with_message(&label.message),
            )
        })
        .collect();
    CsDiagnostic::new(severity)
        .with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(
            diagnostic
                .help
                .iter()
                .map(|h| format!("help: {h}"))
                .collect(),
        )
}

/// A span's byte range cut to the file and to character boundaries, since codespan refuses
/// ranges that are not.
fn clamp(file: &SourceFile, span: Span) -> Range<usize> {
    let boundary = |offset: u32| {
        let mut offset = (offset as usize).min(file.text.len());
        while !file.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = boundary(span.start);
    start..boundary(span.end).max(start)
}

/// The source map seen through codespan's eyes.
struct SourceFiles<'a>(&'a SourceMap);

impl<'a> SourceFiles<'a> {
    fn file(&self, id: FileId) -> Result<&'a SourceFile, FilesError> {
        self.0.get(id).ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for SourceFiles<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let starts = self.file(id)?.line_starts();
        Ok(starts
            .partition_point(|&start| start as usize <= byte_index)
            .saturating_sub(1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.file(id)?;
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len().saturating_sub(1),
        })?;
        let end = starts
            .get(line_index + 1)
            .map_or(file.text.len(), |&end| end as usize);
        Ok(start as usize..end)
    }
}
