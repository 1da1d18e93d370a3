//! The formatter: one canonical layout for journey programs.
//!
//! The layout is printed from the syntax tree, not patched into the text, so that two programs
//! that differ only in spacing format the same. The few choices that follow the source are
//! stable under formatting, which makes the formatter idempotent: the blank lines kept between
//! items, whether braces stay on one line, and where each comment sits.
//!
//! The rules:
//!
//! - Two spaces per level of nesting; single spaces between words and around operators;
//!   parentheses exactly as written; the file ends with one newline.
//! - One blank line between declarations, except that one-line `event` declarations (or
//!   one-line `segment` declarations) written on consecutive lines stay on consecutive lines.
//! - Every body (profile, policy, score, journey, test, blocks of steps) has one item per line.
//!   One blank line between two items is kept where the source had one or more, never right
//!   after a `{` or before a `}`. An empty body is `{}`.
//! - An event's fields go on its line, two spaces apart (`event a.b { x: int  y: string }`),
//!   when the first field was written on the line of the `{`, no comment is inside and the line
//!   fits in 100 columns; otherwise one field per line.
//! - Payloads and test records are `{ k: v, k2: v2 }` unless the first field was written on a
//!   line of its own or a comment is inside: then one field per line, each with a comma.
//! - A split arm with one step that has no block of its own stays on one line
//!   (`50% a { send email "a" }`) when written so and within 100 columns.
//! - Literals: strings re-escaped (`\"`, `\\`, `\n`, `\t`, `\u{..}` for other control
//!   characters); floats always with a decimal point; durations, dates and times of day in
//!   their canonical digits; percentages and instants as written; test contacts bare when they
//!   are names, quoted otherwise.
//! - Comments are all kept, in order. A comment with code before it on its line stays at the
//!   end of that line; the trailing comments of neighbouring lines (no blank line or line
//!   without one between them) are aligned one space after the longest code, and a comment
//!   written right below a trailing comment, in its column, stays in that column. Any other
//!   comment gets a line of its own at the indentation of what follows it (inside the block
//!   when it precedes a `}`); `///` doc comments stay right above their declaration. A comment
//!   inside an expression or another one-line construct breaks the line after it; the rest of
//!   that statement is indented by four more spaces.

mod exprs;
mod printer;
mod render;
mod round_trip;
mod source;
mod steps;
mod text;
mod walk;

use std::fmt;

use journey_syntax::{FileId, SyntaxError};

pub use round_trip::check_round_trip;

/// Formatting refused because the text does not parse.
#[derive(Debug)]
pub struct FormatError {
    /// The syntax errors found.
    pub errors: Vec<SyntaxError>,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.len() {
            1 => write!(f, "the file has a syntax error and was not formatted"),
            n => write!(f, "the file has {n} syntax errors and was not formatted"),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats one file's text. Files with syntax errors are not formatted.
pub fn format_source(text: &str) -> Result<String, FormatError> {
    let parsed = journey_syntax::parse(FileId(0), text);
    if !parsed.errors.is_empty() {
        return Err(FormatError {
            errors: parsed.errors,
        });
    }
    Ok(walk::format_module(text, &parsed.module))
}
