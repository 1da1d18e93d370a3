//! The syntax of the journey language: source files and spans, the AST, and a parser that never
//! fails.
//!
//! This crate knows nothing of names or types; it turns text into trees and reports what it
//! could not read as [`SyntaxError`]s, whose wording lives in the checker.

pub mod ast;
pub mod error;
mod parser;
pub mod span;
mod trivia;

pub use error::{Expected, LiteralKind, SyntaxError, SyntaxErrorKind, TokenClass};
pub use parser::{parse, parse_date, parse_instant, Parsed};
pub use span::{FileId, LineCol, SourceFile, SourceMap, Span};

/// Every keyword the grammar reserves, for "did you mean" and for completion.
pub const KEYWORDS: [&str; 57] = [
    "event",
    "profile",
    "policy",
    "segment",
    "score",
    "journey",
    "enter",
    "reenter",
    "exit",
    "goal",
    "on",
    "when",
    "where",
    "as",
    "within",
    "since",
    "send",
    "notify",
    "wait",
    "until",
    "for",
    "if",
    "else",
    "split",
    "set",
    "tag",
    "untag",
    "and",
    "or",
    "not",
    "is",
    "local",
    "utc",
    "every",
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "once",
    "at",
    "true",
    "false",
    "cap",
    "per",
    "decay",
    "while",
    "inactive",
    "best_time",
    "best_channel",
    "count",
    "sum",
    "min",
    "max",
    "avg",
    "last",
    "now",
    "conversion",
];

/// Words that are keywords only where the grammar expects them, and names elsewhere.
pub const CONTEXTUAL_WORDS: [&str; 17] = [
    "quiet",
    "hours",
    "to",
    "consent",
    "day",
    "never",
    "always",
    "after",
    "with",
    "enum",
    "list",
    "test",
    "given",
    "expect",
    "identify",
    "suppressed",
    "value",
];

/// Words that begin a top-level declaration, where the parser resumes after an error.
pub const DECLARATION_KEYWORDS: [&str; 8] = [
    "event",
    "profile",
    "policy",
    "segment",
    "score",
    "journey",
    "conversion",
    "test",
];
