//! The canonical text of literals and names.

use std::fmt::Write as _;

use journey_syntax::ast::{Date, Duration, Literal, TimeOfDay};
use journey_syntax::KEYWORDS;

/// A string literal with its quotes, escaped canonically: `\"`, `\\`, `\n`, `\t`, and
/// `\u{..}` for any other control character.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            ch if ch.is_control() => {
                let _ = write!(out, "\\u{{{:X}}}", u32::from(ch));
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}

/// A test contact: bare when the grammar reads it as a name, quoted otherwise.
pub(crate) fn contact(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        quote(name)
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name)
}

/// A float that reads back as a float: always with a decimal point.
pub(crate) fn float(value: f64) -> String {
    if value.is_infinite() {
        // Only a literal too large for a float parses to infinity; this one does too.
        return format!("1{}.0", "0".repeat(309));
    }
    let text = format!("{value}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// `3d`
pub(crate) fn duration(value: Duration) -> String {
    format!("{}{}", value.amount, value.unit.suffix())
}

/// `09:00`
pub(crate) fn time_of_day(time: &TimeOfDay) -> String {
    format!("{:02}:{:02}", time.hour, time.minute)
}

fn date(date: &Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// The text of a literal.
pub(crate) fn literal(literal: &Literal) -> String {
    match literal {
        Literal::Int(value) => value.to_string(),
        Literal::Float(value) => float(*value),
        Literal::String(value) => quote(value),
        Literal::Bool(value) => value.to_string(),
        Literal::Duration(value) => duration(*value),
        Literal::CompoundDuration(parts) => parts
            .iter()
            .map(|part| duration(*part))
            .collect::<Vec<_>>()
            .join(" "),
        Literal::TimeOfDay(time) => time_of_day(time),
        Literal::Date(value) => date(value),
        Literal::Instant(instant) => instant.text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_canonically() {
        assert_eq!(
            quote("a\"b\\c\nd\te\u{1}\r\u{1F600}"),
            r#""a\"b\\c\nd\te\u{1}\u{D}😀""#
        );
    }

    #[test]
    fn floats_keep_a_decimal_point() {
        assert_eq!(float(20.0), "20.0");
        assert_eq!(float(0.5), "0.5");
        assert_eq!(float(1e21), "1000000000000000000000.0");
        assert_eq!(float(0.0000001), "0.0000001");
    }

    #[test]
    fn contacts_are_quoted_unless_they_are_names() {
        assert_eq!(contact("c1"), "c1");
        assert_eq!(contact("send"), "\"send\"");
        assert_eq!(contact("a-1"), "\"a-1\"");
        assert_eq!(contact("1a"), "\"1a\"");
        assert_eq!(contact(""), "\"\"");
    }
}
