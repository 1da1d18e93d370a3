//! The GitHub Actions format: workflow commands that GitHub turns into annotations on the diff.

use journey_check::{Diagnostic, Severity};
use journey_syntax::SourceMap;

use super::place;

/// Renders each diagnostic as one `::error` or `::warning` workflow command line.
pub fn render_github(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = place(sources, diagnostic.span());
        let mut message = diagnostic.message.clone();
        for help in &diagnostic.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(at.file),
            at.line,
            at.column,
            at.end_line,
            at.end_column,
            escape_property(diagnostic.code.as_str()),
            escape_data(&message),
        ));
    }
    out
}

/// Escapes a command's message, as `@actions/core` does: GitHub decodes these three.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property, where `:` and `,` would otherwise end the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_actions_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("C:\\x,y%.journey"),
            "C%3A\\x%2Cy%25.journey"
        );
    }
}
