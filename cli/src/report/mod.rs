//! Renderers of diagnostics, one per `--format`; each is pure and returns the whole output.
//!
//! Positions in every machine format are one-based lines and columns, columns counted in
//! characters (Unicode scalar values), and the end is exclusive: `end_column` is the column just
//! after the last character, as in SARIF. An empty span has `end_column == column`.

mod github;
mod human;
mod json;
mod sarif;

pub use github::render_github;
pub use human::render_human;
pub use json::{render_json, JsonDiagnostic, JsonFix, JsonLabel};
pub use sarif::{render_sarif, SARIF_SCHEMA_URI};

use journey_syntax::{SourceMap, Span};

/// Where a span lies, in the terms every machine format uses.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Place<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

/// Places a span; a span whose file is not in the map (which the checker never produces) is put
/// at the start of a file with no name rather than dropped, so that no diagnostic goes unseen.
fn place(sources: &SourceMap, span: Span) -> Place<'_> {
    match sources.get(span.file) {
        Some(file) => {
            let start = file.line_col(span.start);
            let end = file.line_col(span.end.max(span.start));
            Place {
                file: &file.name,
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
            }
        }
        None => Place {
            file: "",
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        },
    }
}
