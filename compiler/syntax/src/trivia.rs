//! A small scanner over whitespace, comments and string literals.
//!
//! The pest grammar skips comments; this scanner keeps them (the formatter prints them back and
//! hover shows doc comments) and finds the lexical errors that pest can only report as "unexpected
//! character": unterminated strings and block comments.

use crate::ast::Comment;
use crate::error::{SyntaxError, SyntaxErrorKind};
use crate::span::{FileId, Span};

/// Comments and lexical errors of one file.
pub(crate) struct Trivia {
    pub comments: Vec<Comment>,
    pub errors: Vec<SyntaxError>,
    /// Offsets where brackets first nest deeper than [`MAX_NESTING`].
    pub too_deep: Vec<usize>,
}

/// How deeply `(`, `[` and `{` may nest. The parser is recursive; this keeps its stack bounded
/// (a debug build needs tens of kilobytes per level) whatever the input.
pub const MAX_NESTING: usize = 64;

/// Scans a whole file once.
pub(crate) fn scan(file: FileId, text: &str) -> Trivia {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut errors = Vec::new();
    let mut too_deep = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth == MAX_NESTING + 1 {
                    too_deep.push(i);
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            // Prefix operators nest too: `not not not ...` and `- - - ...` recurse in the parser.
            b'-' | b'n' if prefix_run(text, i) > MAX_NESTING => {
                too_deep.push(i);
                i = skip_prefix_run(text, i);
            }
            b'"' => {
                let start = i;
                i += 1;
                let mut closed = false;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        b'\n' => break,
                        _ => i += 1,
                    }
                }
                if !closed {
                    let end = i.min(bytes.len());
                    errors.push(SyntaxError {
                        kind: SyntaxErrorKind::UnterminatedString,
                        span: Span::new(file, start, end),
                    });
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                let end = trim_cr(bytes, start, i);
                comments.push(Comment {
                    text: text[start..end].to_string(),
                    span: Span::new(file, start, end),
                });
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                match text[i + 2..].find("*/") {
                    Some(rel) => {
                        i = i + 2 + rel + 2;
                        comments.push(Comment {
                            text: text[start..i].to_string(),
                            span: Span::new(file, start, i),
                        });
                    }
                    None => {
                        errors.push(SyntaxError {
                            kind: SyntaxErrorKind::UnterminatedComment,
                            span: Span::new(file, start, start + 2),
                        });
                        i = bytes.len();
                    }
                }
            }
            _ => i += 1,
        }
    }
    Trivia {
        comments,
        errors,
        too_deep,
    }
}

fn trim_cr(bytes: &[u8], start: usize, end: usize) -> usize {
    if end > start && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// The offset of the first character at or after `pos` that is not whitespace or a comment.
pub(crate) fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if text[pos..].starts_with("//") {
            while pos < bytes.len() && bytes[pos] != b'\n' {
                pos += 1;
            }
        } else if text[pos..].starts_with("/*") {
            pos = match text[pos + 2..].find("*/") {
                Some(rel) => pos + 2 + rel + 2,
                None => bytes.len(),
            };
        } else {
            return pos;
        }
    }
}

/// The start of the next line after `after` that begins, in its first column, a declaration.
pub(crate) fn next_decl_start(text: &str, after: usize) -> Option<usize> {
    let mut line_start = text[after..].find('\n').map(|rel| after + rel + 1)?;
    loop {
        let rest = &text[line_start..];
        let starts_decl = rest.starts_with("///")
            || crate::DECLARATION_KEYWORDS.iter().any(|keyword| {
                rest.starts_with(keyword)
                    && rest[keyword.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
            });
        if starts_decl {
            return Some(line_start);
        }
        line_start += rest.find('\n')? + 1;
    }
}

/// The length of `text` without trailing whitespace and comments.
pub(crate) fn content_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                last = i;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |rel| i + 2 + rel + 2);
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ => {
                i += 1;
                last = i;
            }
        }
    }
    last
}

/// Whether the prefix operator `not` starts at `i` (as a whole word).
fn is_not_at(text: &str, i: usize) -> bool {
    let bytes = text.as_bytes();
    text[i..].starts_with("not")
        && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
        && bytes
            .get(i + 3)
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
}

/// The offset after a run of prefix operators (`not`, `-`) and the whitespace between them.
fn skip_prefix_run(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        } else if i < bytes.len() && is_not_at(text, i) {
            i += 3;
        } else {
            return i;
        }
    }
}

/// How many prefix operators follow each other from `i`.
fn prefix_run(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    if !(bytes.get(i) == Some(&b'-') || is_not_at(text, i)) {
        return 0;
    }
    let mut count = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        } else if i < bytes.len() && is_not_at(text, i) {
            i += 3;
        } else {
            return count;
        }
        count += 1;
        if count > MAX_NESTING {
            return count;
        }
    }
}
