//! A forgiving tokenizer for the editor features that must work on text that does not parse:
//! completion contexts, binding scans, keyword hover and semantic tokens. It never fails and
//! knows only enough of the grammar to tell words, literals, strings, comments and punctuation
//! apart.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `[A-Za-z_][A-Za-z0-9_]*`: a name or a keyword (dots are separate tokens).
    Word,
    /// A literal that starts with a digit: numbers, durations, percentages, times, dates, instants.
    Number,
    /// A string literal, possibly unterminated (then it ends at the end of its line).
    String,
    /// A `//` or `/* */` comment.
    Comment,
    /// A `///` doc comment.
    DocComment,
    /// Anything else: one operator or punctuation mark.
    Punct,
}

/// A token and its byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Byte offset of its first character.
    pub start: u32,
    /// Byte offset one past its end.
    pub end: u32,
}

impl Token {
    /// The token's text in `source`.
    pub fn text<'t>(&self, source: &'t str) -> &'t str {
        source
            .get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }

    /// Whether this is trivia (a comment).
    pub fn is_comment(&self) -> bool {
        matches!(self.kind, TokenKind::Comment | TokenKind::DocComment)
    }
}

const TWO_CHAR_OPS: [&str; 8] = ["=>", "==", "!=", "<=", ">=", "??", "+=", "-="];

/// Splits `text` into tokens, skipping whitespace.
pub fn lex(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::with_capacity(text.len() / 4);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = if b.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
            let doc = bytes.get(i + 2) == Some(&b'/') && bytes.get(i + 3) != Some(&b'/');
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            if doc {
                TokenKind::DocComment
            } else {
                TokenKind::Comment
            }
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(bytes.len());
            TokenKind::Comment
        } else if b == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' && bytes.get(i + 1).is_some_and(|&c| c != b'\n') {
                    2
                } else {
                    1
                };
            }
            if bytes.get(i) == Some(&b'"') {
                i += 1;
            }
            TokenKind::String
        } else if is_word_start(b) {
            while i < bytes.len() && is_word_char(bytes[i]) {
                i += 1;
            }
            TokenKind::Word
        } else if b.is_ascii_digit() {
            i = number_end(bytes, i);
            TokenKind::Number
        } else {
            let rest = text.get(i..).unwrap_or("");
            i += TWO_CHAR_OPS
                .iter()
                .find(|op| rest.starts_with(**op))
                .map_or_else(
                    || rest.chars().next().map_or(1, char::len_utf8),
                    |op| op.len(),
                );
            TokenKind::Punct
        };
        tokens.push(Token {
            kind,
            start: to_u32(start),
            end: to_u32(i.min(bytes.len())),
        });
    }
    tokens
}

/// The end of a literal starting with a digit at `start`. Dates and instants contain `-`, `:`,
/// `T` and an offset; durations, percentages and times of day a suffix or a colon.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    let digit_at = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_digit);
    let mut dashes = 0;
    let mut instant = false;
    while i < bytes.len() {
        let b = bytes[i];
        if is_word_char(b) {
            if b == b'T' && dashes == 2 {
                instant = true;
            }
            i += 1;
        } else if (b == b':' || b == b'.') && digit_at(i + 1) {
            i += 1;
        } else if b == b'%' {
            i += 1;
            break;
        } else if b == b'-' && digit_at(i + 1) && !instant && dashes < 2 && i - start >= 4 {
            // `2026-12-24`: four digits, then a dash; `a-1` never gets here (it starts a word).
            let looks_like_date = bytes[start..i]
                .iter()
                .all(|c| c.is_ascii_digit() || *c == b'-');
            if !looks_like_date {
                break;
            }
            dashes += 1;
            i += 1;
        } else if (b == b'+' || b == b'-') && instant && digit_at(i + 1) {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Whether `b` may start a word.
pub fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

/// Whether `b` may continue a word.
pub fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The index of the token containing `offset` or ending right at it (a cursor after a word is
/// "on" it); tokens are sorted, so this is a binary search.
pub fn token_at(tokens: &[Token], offset: u32) -> Option<usize> {
    let index = tokens.partition_point(|t| t.end < offset);
    let token = tokens.get(index)?;
    (token.start <= offset && offset <= token.end).then_some(index)
}

/// The index of the last token that ends at or before `offset`.
pub fn last_before(tokens: &[Token], offset: u32) -> Option<usize> {
    tokens.partition_point(|t| t.end <= offset).checked_sub(1)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        lex(text).iter().map(|t| (t.kind, t.text(text))).collect()
    }

    #[test]
    fn literals_are_single_tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds("at 2026-12-24T09:00:00+01:00 wait 3d 20% 09:00 0.5 2026-12-24 x-1h"),
            vec![
                (Word, "at"),
                (Number, "2026-12-24T09:00:00+01:00"),
                (Word, "wait"),
                (Number, "3d"),
                (Number, "20%"),
                (Number, "09:00"),
                (Number, "0.5"),
                (Number, "2026-12-24"),
                (Word, "x"),
                (Punct, "-"),
                (Number, "1h"),
            ]
        );
    }

    #[test]
    fn strings_comments_and_operators() {
        use TokenKind::*;
        assert_eq!(
            kinds("/// doc\nx == \"a\\\"b\" // c\n/* d */ => \"open\ny"),
            vec![
                (DocComment, "/// doc"),
                (Word, "x"),
                (Punct, "=="),
                (String, "\"a\\\"b\""),
                (Comment, "// c"),
                (Comment, "/* d */"),
                (Punct, "=>"),
                (String, "\"open"),
                (Word, "y"),
            ]
        );
    }

    #[test]
    fn finds_tokens_by_offset() {
        let text = "send email";
        let tokens = lex(text);
        assert_eq!(token_at(&tokens, 0), Some(0));
        assert_eq!(token_at(&tokens, 4), Some(0));
        assert_eq!(token_at(&tokens, 5), Some(1));
        assert_eq!(last_before(&tokens, 5), Some(0));
        assert_eq!(last_before(&tokens, 0), None);
    }
}
