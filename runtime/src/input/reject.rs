//! Rejected lines: why a line was refused, its stable reason code, the wording of its detail,
//! and its JSON form for the rejects output.

use std::fmt;

use serde::Serialize;

use super::MAX_DEPTH;

/// A line that could not be decoded, for the rejects output.
#[derive(Clone, Debug, PartialEq)]
pub struct Reject {
    /// The line number given to [`Decoder::decode`].
    pub line: u64,
    /// Why it was rejected.
    pub reason: RejectReason,
    /// The line as given (invalid UTF-8 replaced by U+FFFD).
    pub raw: String,
}

/// Why a line was rejected.
#[derive(Clone, Debug, PartialEq)]
pub enum RejectReason {
    /// Not a JSON object: a syntax error, another JSON value, or invalid UTF-8 (the parser's message).
    NotJson(String),
    /// Neither `userId` nor `anonymousId` is a non-empty string.
    NoContact,
    /// `timestamp` is absent or `null`.
    MissingTimestamp,
    /// `timestamp` is not an RFC 3339 string (the offending JSON text).
    MalformedTimestamp(String),
    /// `type` is absent or not one we handle (its value, empty when absent or `null`).
    UnknownType(String),
    /// The event is not declared (its name, empty when `event` is absent or not a string).
    UndeclaredEvent(String),
    /// A property or trait does not have its declared type.
    WrongType {
        /// Its path in the line, such as `properties.campaign` or `traits.timezone`.
        name: String,
        /// The expected type as written in the program.
        expected: String,
    },
    /// A required property is absent or `null` (its path, such as `properties.campaign`).
    MissingProperty(String),
    /// A number or instant beyond what its type represents (`1e400`, an `int` of `2^63`, the
    /// timestamp `9999-12-31T23:59:59Z`).
    OutOfRange {
        /// Its path in the line: `timestamp`, `properties.value`, `traits.birthday`.
        name: String,
        /// The value as written (empty when it could not be recovered).
        value: String,
        /// What the type can hold.
        range: &'static str,
    },
    /// The line is longer than the decoder's [`Limits::max_line_bytes`].
    LineTooLong {
        /// The limit, bytes.
        limit: usize,
    },
    /// Arrays and objects nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// `properties` or `traits` with more keys than [`Limits::max_properties`].
    TooManyProperties {
        /// `properties` or `traits`.
        name: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The event is older than the run's clock by more than the allowed lateness (the engine
    /// decides this, not the decoder).
    Late {
        /// Seconds behind the clock.
        by: i64,
        /// The allowed lateness, seconds.
        allowed: i64,
    },
    /// A line with the same Segment `messageId` was handled for this contact within the dedupe
    /// window (a producer's retry).
    Duplicate {
        /// The window, seconds.
        window: i64,
    },
    /// The event is further ahead of the service's wall clock than `--max-future` allows (only
    /// `journey serve` on the wall clock sets such a bound), so that one client with a wrong
    /// clock cannot fire everyone's timers.
    Future {
        /// Seconds ahead of the wall clock.
        by: i64,
        /// The allowed lead, seconds.
        allowed: i64,
    },
}

impl RejectReason {
    /// The stable machine-readable code of the reason.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::NotJson(_) => "not_json",
            RejectReason::NoContact => "no_contact",
            RejectReason::MissingTimestamp => "missing_timestamp",
            RejectReason::MalformedTimestamp(_) => "malformed_timestamp",
            RejectReason::UnknownType(_) => "unknown_type",
            RejectReason::UndeclaredEvent(_) => "undeclared_event",
            RejectReason::WrongType { .. } => "wrong_type",
            RejectReason::MissingProperty(_) => "missing_property",
            RejectReason::OutOfRange { .. } => "out_of_range",
            RejectReason::LineTooLong { .. } => "line_too_long",
            RejectReason::TooDeep => "too_deep",
            RejectReason::TooManyProperties { .. } => "too_many_properties",
            RejectReason::Late { .. } => "late",
            RejectReason::Future { .. } => "future",
            RejectReason::Duplicate { .. } => "duplicate",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::NotJson(message) => write!(f, "not a JSON object: {message}"),
            RejectReason::NoContact => f.write_str("no `userId` or `anonymousId`"),
            RejectReason::MissingTimestamp => f.write_str("no `timestamp`"),
            RejectReason::MalformedTimestamp(text) => {
                write!(f, "`timestamp` {text} is not an RFC 3339 instant")
            }
            RejectReason::UnknownType(kind) if kind.is_empty() => f.write_str("no `type`"),
            RejectReason::UnknownType(kind) => write!(f, "unknown type `{kind}`"),
            RejectReason::UndeclaredEvent(name) if name.is_empty() => {
                f.write_str("no `event` name")
            }
            RejectReason::UndeclaredEvent(name) => write!(f, "undeclared event `{name}`"),
            RejectReason::WrongType { name, expected } => {
                write!(f, "`{name}` should be {expected}")
            }
            RejectReason::MissingProperty(name) => write!(f, "required `{name}` is missing"),
            RejectReason::OutOfRange { name, value, range } if value.is_empty() => {
                write!(f, "`{name}` is out of range: {range}")
            }
            RejectReason::OutOfRange { name, value, range } => {
                write!(f, "`{name}` {value} is out of range: {range}")
            }
            RejectReason::LineTooLong { limit } => write!(
                f,
                "the line is longer than {limit} bytes (`--max-line-bytes`); `raw` holds its start"
            ),
            RejectReason::TooDeep => write!(
                f,
                "arrays and objects are nested deeper than {MAX_DEPTH} levels"
            ),
            RejectReason::TooManyProperties { name, limit } => write!(
                f,
                "`{name}` has more than {limit} keys (`--max-properties`)"
            ),
            RejectReason::Late { by, allowed } => write!(
                f,
                "{by}s older than the run's clock, more than the allowed lateness of {allowed}s"
            ),
            RejectReason::Duplicate { window } => write!(
                f,
                "a line with this `messageId` was handled for this contact within the last \
                 {window}s (`--dedupe-window`)"
            ),
            RejectReason::Future { by, allowed } => write!(
                f,
                "{by}s ahead of the wall clock, more than the allowed {allowed}s (`--max-future`)"
            ),
        }
    }
}

/// The JSON form of a reject.
#[derive(Serialize)]
struct RejectLine<'a> {
    line: u64,
    reason: &'static str,
    detail: String,
    raw: &'a str,
}

impl Reject {
    /// One JSON object, without a newline: `{"line":N,"reason":"...","detail":"...","raw":"..."}`.
    pub fn to_json(&self) -> String {
        let line = RejectLine {
            line: self.line,
            reason: self.reason.code(),
            detail: self.reason.to_string(),
            raw: &self.raw,
        };
        // Serializing strings and an integer into a `String` cannot fail.
        serde_json::to_string(&line).unwrap_or_default()
    }
}
