//! Syntax errors as data. Their wording lives with every other diagnostic, in the checker's
//! `messages` module; this crate only says what went wrong and where.

use crate::span::Span;

/// A syntax error.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// What went wrong.
    pub kind: SyntaxErrorKind,
    /// Where.
    pub span: Span,
}

/// The kinds of syntax error.
#[derive(Clone, Debug, PartialEq)]
pub enum SyntaxErrorKind {
    /// The parser expected one of `expected` and found `found` (`None`: the end of the file).
    Unexpected {
        /// What would have been accepted, deduplicated, in a stable order.
        expected: Vec<Expected>,
        /// The token found instead.
        found: Option<String>,
    },
    /// A string literal runs to the end of its line.
    UnterminatedString,
    /// A `/*` comment is never closed.
    UnterminatedComment,
    /// A backslash escape that the language does not define.
    InvalidEscape(String),
    /// Brackets or prefix operators (`not`, `-`) nested deeper than the parser allows (the limit
    /// is given).
    TooDeep(usize),
    /// `a < b < c`: comparisons do not associate.
    ChainedComparison,
    /// A literal whose text is well formed but whose value is not (`25:00`, `2026-02-30`).
    InvalidLiteral {
        /// Which kind of literal.
        what: LiteralKind,
        /// The literal's text.
        text: String,
    },
}

/// Kinds of literal, for [`SyntaxErrorKind::InvalidLiteral`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteralKind {
    /// An integer too large for 64 bits.
    Int,
    /// A duration too long to represent.
    Duration,
    /// `HH:MM` out of range.
    TimeOfDay,
    /// A date that is not in the calendar.
    Date,
    /// An instant that is not in the calendar.
    Instant,
    /// A percentage that is not a number.
    Percent,
}

/// Something the parser would have accepted at an error.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expected {
    /// A keyword or punctuation, exactly as it must be written.
    Token(&'static str),
    /// A class of token or a construct.
    Class(TokenClass),
}

/// Classes of token and constructs named in "expected ..." messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenClass {
    /// A declaration (`event`, `journey`, ...).
    Declaration,
    /// A name.
    Name,
    /// A dotted event name.
    EventName,
    /// A type.
    Type,
    /// An expression.
    Expression,
    /// A journey step.
    Step,
    /// A header clause or step.
    JourneyItem,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// A string.
    String,
    /// A duration such as `3d`.
    Duration,
    /// A percentage such as `20%`.
    Percent,
    /// A time of day such as `09:00`.
    TimeOfDay,
    /// An instant such as `2026-12-24T09:00:00Z`.
    Instant,
    /// `+N` or `-N`.
    Points,
    /// A comparison operator.
    Operator,
    /// A score rule.
    ScoreRule,
    /// A policy rule.
    PolicyRule,
    /// A test line.
    TestItem,
}
