//! The SARIF 2.1.0 format, for code-scanning services, built with the `serde-sarif` types.

use journey_check::{Code, Diagnostic, Severity};
use journey_syntax::{SourceMap, Span};
use serde_sarif::sarif;

use super::place;

/// The schema the log declares in `$schema`: the OASIS standard's published 2.1.0 schema.
pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Renders one SARIF log with one run: the `journey` driver with a rule per code, and a result
/// per diagnostic. Always a complete log, with an empty `results` array when all is clean.
pub fn render_sarif(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let log = sarif::Sarif::builder()
        .schema(SARIF_SCHEMA_URI)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run(sources, diagnostics)])
        .build();
    match serde_json::to_string_pretty(&log) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // The log holds only strings and numbers, so serialisation cannot fail; say so if it does.
        Err(e) => format!("{{\"error\":{:?}}}\n", e.to_string()),
    }
}

fn run(sources: &SourceMap, diagnostics: &[Diagnostic]) -> sarif::Run {
    let driver = sarif::ToolComponent::builder()
        .name("journey")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .version(env!("CARGO_PKG_VERSION"))
        .rules(Code::ALL.iter().map(|&code| rule(code)).collect::<Vec<_>>())
        .build();
    sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        // Our columns count characters, not SARIF's default UTF-16 code units.
        .column_kind(serde_json::Value::from("unicodeCodePoints"))
        .results(
            diagnostics
                .iter()
                .map(|d| result(sources, d))
                .collect::<Vec<_>>(),
        )
        .build()
}

fn rule(code: Code) -> sarif::ReportingDescriptor {
    sarif::ReportingDescriptor::builder()
        .id(code.as_str())
        .name(code.name())
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(describe(code.name()))
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(level_name(code.severity()))
                .build(),
        )
        .build()
}

/// `unknown-event` reads as `Unknown event`: the code table has no prose of its own.
fn describe(name: &str) -> String {
    let words = name.replace('-', " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn level_name(severity: Severity) -> serde_json::Value {
    serde_json::Value::from(match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    })
}

fn result(sources: &SourceMap, diagnostic: &Diagnostic) -> sarif::Result {
    let mut text = diagnostic.message.clone();
    for help in &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let primary = diagnostic.labels.iter().find(|l| l.primary);
    let mut primary_location = location(sources, diagnostic.span(), None);
    if let Some(label) = primary.filter(|l| !l.message.is_empty()) {
        primary_location.message = Some(message(&label.message));
    }
    let related: Vec<sarif::Location> = diagnostic
        .labels
        .iter()
        .filter(|l| !l.primary)
        .enumerate()
        .map(|(index, label)| location(sources, label.span, Some((index, &label.message))))
        .collect();
    let fixes: Vec<sarif::Fix> = diagnostic
        .fixes
        .iter()
        .map(|fix| self::fix(sources, fix))
        .collect();
    let rule_index = Code::ALL
        .iter()
        .position(|&c| c == diagnostic.code)
        .and_then(|i| i64::try_from(i).ok());

    let mut result = sarif::Result::builder()
        .rule_id(diagnostic.code.as_str())
        .level(match diagnostic.severity {
            Severity::Error => sarif::ResultLevel::Error,
            Severity::Warning => sarif::ResultLevel::Warning,
        })
        .message(message(&text))
        .locations(vec![primary_location])
        .build();
    result.rule_index = rule_index;
    if !related.is_empty() {
        result.related_locations = Some(related);
    }
    if !fixes.is_empty() {
        result.fixes = Some(fixes);
    }
    result
}

fn message(text: &str) -> sarif::Message {
    sarif::Message::builder().text(text).build()
}

fn location(sources: &SourceMap, span: Span, label: Option<(usize, &String)>) -> sarif::Location {
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(artifact(sources, span))
        .region(region(sources, span))
        .build();
    let mut location = sarif::Location::builder()
        .physical_location(physical)
        .build();
    if let Some((index, text)) = label {
        location.id = i64::try_from(index).ok();
        if !text.is_empty() {
            location.message = Some(message(text));
        }
    }
    location
}

fn artifact(sources: &SourceMap, span: Span) -> sarif::ArtifactLocation {
    sarif::ArtifactLocation::builder()
        .uri(uri(place(sources, span).file))
        .build()
}

fn region(sources: &SourceMap, span: Span) -> sarif::Region {
    let at = place(sources, span);
    sarif::Region::builder()
        .start_line(i64::from(at.line))
        .start_column(i64::from(at.column))
        .end_line(i64::from(at.end_line))
        .end_column(i64::from(at.end_column))
        .build()
}

fn fix(sources: &SourceMap, fix: &journey_check::Fix) -> sarif::Fix {
    let replacement = sarif::Replacement::builder()
        .deleted_region(region(sources, fix.span))
        .inserted_content(
            sarif::ArtifactContent::builder()
                .text(fix.replacement.as_str())
                .build(),
        )
        .build();
    let change = sarif::ArtifactChange::builder()
        .artifact_location(artifact(sources, fix.span))
        .replacements(vec![replacement])
        .build();
    sarif::Fix::builder()
        .description(message(&fix.title))
        .artifact_changes(vec![change])
        .build()
}

/// A relative URI reference for a path: forward slashes, and anything outside the unreserved
/// characters percent-encoded, so that a file named `a b#1.journey` stays one valid reference;
/// an absolute path becomes a `file://` URI.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for byte in path.replace('\\', "/").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("examples/welcome.journey"), "examples/welcome.journey");
        assert_eq!(uri("a b/é#1.journey"), "a%20b/%C3%A9%231.journey");
        assert_eq!(uri("/tmp/x.journey"), "file:///tmp/x.journey");
    }

    #[test]
    fn rule_descriptions_read_as_prose() {
        assert_eq!(describe("unknown-event"), "Unknown event");
        assert_eq!(describe(""), "");
    }
}
