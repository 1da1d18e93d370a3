//! Every word the compiler says to its users, in one place.
//!
//! Rules, after Cedar and rustc: a message is one lowercase line with no trailing period, user
//! text in backticks, never a Rust type name; explanation goes into labels and help.

use journey_syntax::{Expected, LiteralKind, SyntaxError, SyntaxErrorKind, TokenClass};

use crate::diagnostic::{Code, Diagnostic};

/// The diagnostic for a syntax error.
pub fn syntax_error(error: &SyntaxError) -> Diagnostic {
    let span = error.span;
    match &error.kind {
        SyntaxErrorKind::Unexpected { expected, found } => {
            let found_text = found.as_deref().map_or("end of file".to_string(), |f| format!("`{f}`"));
            let expected_text = describe_expected(expected);
            Diagnostic::new(Code::E0001, format!("expected {expected_text}, found {found_text}"), span, format!("expected {expected_text}"))
        }
        SyntaxErrorKind::UnterminatedString => Diagnostic::new(Code::E0002, "unterminated string literal", span, "this string has no closing `\"`")
            .with_help("strings end on the line they start; write a line break as `\\n`"),
        SyntaxErrorKind::UnterminatedComment => Diagnostic::new(Code::E0003, "unterminated block comment", span, "this comment is never closed")
            .with_help("close it with `*/`"),
        SyntaxErrorKind::InvalidEscape(escape) => Diagnostic::new(Code::E0004, format!("unknown escape `{escape}`"), span, "not a valid escape")
            .with_help("valid escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`"),
        SyntaxErrorKind::ChainedComparison => Diagnostic::new(Code::E0006, "comparison operators cannot be chained", span, "second comparison")
            .with_help("split it with `and`: `a < b and b < c`"),
        SyntaxErrorKind::InvalidLiteral { what, text } => {
            let what = match what {
                LiteralKind::Int => "integer",
                LiteralKind::Duration => "duration",
                LiteralKind::TimeOfDay => "time of day",
                LiteralKind::Date => "date",
                LiteralKind::Instant => "instant",
                LiteralKind::Percent => "percentage",
            };
            Diagnostic::new(Code::E0007, format!("invalid {what} `{text}`"), span, format!("not a valid {what}"))
        }
    }
}

fn describe_expected(expected: &[Expected]) -> String {
    let words: Vec<String> = expected
        .iter()
        .map(|e| match e {
            Expected::Token(t) => format!("`{t}`"),
            Expected::Class(c) => class_name(*c).to_string(),
        })
        .collect();
    match words.as_slice() {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("one of {}, or {last}", init.join(", ")),
    }
}

fn class_name(class: TokenClass) -> &'static str {
    match class {
        TokenClass::Declaration => "a declaration",
        TokenClass::Name => "a name",
        TokenClass::EventName => "an event name",
        TokenClass::Type => "a type",
        TokenClass::Expression => "an expression",
        TokenClass::Step => "a step",
        TokenClass::JourneyItem => "a clause or step",
        TokenClass::Integer => "an integer",
        TokenClass::Number => "a number",
        TokenClass::String => "a string",
        TokenClass::Duration => "a duration",
        TokenClass::Percent => "a percentage",
        TokenClass::TimeOfDay => "a time of day",
        TokenClass::Instant => "an instant",
        TokenClass::Points => "points such as `+10`",
        TokenClass::Operator => "an operator",
        TokenClass::ScoreRule => "a score rule",
        TokenClass::PolicyRule => "a policy rule",
        TokenClass::TestItem => "`given`, `at` or `expect`",
    }
}
