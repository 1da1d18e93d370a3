//! Reading the text around the cursor. The declaration being edited usually does not parse, so
//! completion (and hover's fallback) look at its tokens instead of its syntax tree: which
//! declaration and brace the cursor is in, the tokens just before it, the event a `where`
//! filters, and the `as` bindings of the journey.

use super::keywords::DECLARATIONS;
use super::lexer::{self, Token, TokenKind};

/// What a `{` opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// The fields of an `event`.
    Event,
    /// The fields of the `profile`.
    Profile,
    /// The rules of the `policy`.
    Policy,
    /// The rules of a `score`.
    Score,
    /// A journey's body: clauses, then steps.
    Journey,
    /// A nested block of steps (`if`, `else`, `wait for`, split arms).
    Block,
    /// The arms of a `split`.
    Split,
    /// `with { ... }` or a test record.
    Record,
    /// The lines of a `test`.
    Test,
    /// `enum { ... }`.
    Enum,
    /// `(`.
    Paren,
    /// `[`.
    Bracket,
}

/// An `as NAME` binding found in the text of a journey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextBinding {
    /// The bound name.
    pub name: String,
    /// The event it stands for, as written.
    pub event: String,
    /// Byte range of the name where it is bound.
    pub start: u32,
    /// End of that range.
    pub end: u32,
}

/// The lexed text of one file and the declaration around an offset.
pub struct Cursor<'t> {
    /// The file's text.
    pub text: &'t str,
    /// Every token of the file.
    pub tokens: Vec<Token>,
    /// The offset asked about.
    pub offset: u32,
    /// Index of the first token of the enclosing top-level declaration.
    pub decl_start: usize,
    /// Index one past its last token.
    pub decl_end: usize,
}

impl<'t> Cursor<'t> {
    /// Lexes `text` and finds the declaration around `offset`.
    pub fn new(text: &'t str, offset: u32) -> Cursor<'t> {
        let tokens = lexer::lex(text);
        let offset = offset.min(u32::try_from(text.len()).unwrap_or(u32::MAX));
        let starts: Vec<usize> = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| is_decl_start(text, t))
            .map(|(i, _)| i)
            .collect();
        let after = starts.partition_point(|&i| tokens[i].start <= offset);
        let decl_start = after.checked_sub(1).map_or(0, |i| starts[i]);
        let decl_end = starts.get(after).copied().unwrap_or(tokens.len());
        Cursor {
            text,
            tokens,
            offset,
            decl_start,
            decl_end,
        }
    }

    /// The text of token `index`.
    pub fn tok(&self, index: usize) -> &'t str {
        self.tokens.get(index).map_or("", |t| t.text(self.text))
    }

    /// The kind of token `index`.
    pub fn kind(&self, index: usize) -> Option<TokenKind> {
        self.tokens.get(index).map(|t| t.kind)
    }

    /// The declaration keyword of the enclosing declaration, if it starts with one.
    pub fn decl_keyword(&self) -> Option<&'t str> {
        let token = self.tokens.get(self.decl_start)?;
        is_decl_start(self.text, token).then(|| token.text(self.text))
    }

    /// Whether `offset` is inside a comment or a string (where nothing is completed).
    pub fn in_trivia_or_string(&self) -> bool {
        let index = self.tokens.partition_point(|t| t.end < self.offset);
        self.tokens.get(index).is_some_and(|t| {
            let inside = t.start < self.offset && self.offset < t.end;
            let at_open_end = self.offset == t.end && is_open(t, self.text);
            (t.is_comment() || t.kind == TokenKind::String) && (inside || at_open_end)
        })
    }

    /// The significant tokens (no comments) of the enclosing declaration that end at or before
    /// `offset`, as indices.
    pub fn before(&self, offset: u32) -> Vec<usize> {
        (self.decl_start..self.decl_end.min(self.tokens.len()))
            .filter(|&i| self.tokens[i].end <= offset && !self.tokens[i].is_comment())
            .collect()
    }

    /// The braces, parentheses and brackets open at the end of `tokens` (indices from
    /// [`Cursor::before`]), outermost first.
    pub fn frames(&self, tokens: &[usize]) -> Vec<Frame> {
        let mut stack: Vec<Frame> = Vec::new();
        for (position, &i) in tokens.iter().enumerate() {
            match self.tok(i) {
                "{" => {
                    let previous = position.checked_sub(1).map_or("", |p| self.tok(tokens[p]));
                    let braces = stack
                        .iter()
                        .filter(|f| !matches!(f, Frame::Paren | Frame::Bracket))
                        .count();
                    let frame = if braces == 0 {
                        match self.decl_keyword() {
                            Some("event") => Frame::Event,
                            Some("profile") => Frame::Profile,
                            Some("policy") => Frame::Policy,
                            Some("score") => Frame::Score,
                            Some("journey") => Frame::Journey,
                            Some("test") => Frame::Test,
                            _ => Frame::Block,
                        }
                    } else if previous == "enum" {
                        Frame::Enum
                    } else if previous == "with" {
                        Frame::Record
                    } else if previous == "split" {
                        Frame::Split
                    } else {
                        match stack.last() {
                            Some(Frame::Test) => Frame::Record,
                            _ => Frame::Block,
                        }
                    };
                    stack.push(frame);
                }
                "(" => stack.push(Frame::Paren),
                "[" => stack.push(Frame::Bracket),
                "}" | ")" | "]" => {
                    stack.pop();
                }
                _ => {}
            }
        }
        stack
    }

    /// The event that the innermost `where` before `tokens`' end filters: the walk goes back
    /// over the current statement, skipping parenthesised groups, until it finds `where` (then
    /// the event is the name before it, past an `as NAME`) or the statement's start.
    pub fn where_event(&self, tokens: &[usize]) -> Option<String> {
        let mut depth = 0usize;
        let mut position = tokens.len();
        while position > 0 {
            position -= 1;
            let text = self.tok(tokens[position]);
            match text {
                ")" | "]" => depth += 1,
                "(" | "[" => depth = depth.saturating_sub(1),
                _ if depth > 0 => {}
                "where" => {
                    let mut end = position;
                    if end >= 2 && self.tok(tokens[end - 2]) == "as" {
                        end -= 2;
                    }
                    return self.chain_ending_at(tokens, end).map(|(_, name)| name);
                }
                "{" | "}" | "=>" | "within" | "since" => return None,
                word if is_statement_keyword(word) => return None,
                _ => {}
            }
        }
        None
    }

    /// The dotted name (`email.opened`) whose last token is `tokens[end - 1]`: its first
    /// position in `tokens` and its text.
    pub fn chain_ending_at(&self, tokens: &[usize], end: usize) -> Option<(usize, String)> {
        let mut start = end.checked_sub(1)?;
        if self.kind(tokens[start]) != Some(TokenKind::Word) {
            return None;
        }
        while start >= 2
            && self.tok(tokens[start - 1]) == "."
            && self.kind(tokens[start - 2]) == Some(TokenKind::Word)
            && self.adjacent(tokens[start - 2], tokens[start - 1])
            && self.adjacent(tokens[start - 1], tokens[start])
        {
            start -= 2;
        }
        let from = self.tokens.get(tokens[start])?.start as usize;
        let to = self.tokens.get(tokens[end - 1])?.end as usize;
        Some((start, self.text.get(from..to)?.to_string()))
    }

    /// Whether token `b` follows token `a` with nothing in between.
    pub fn adjacent(&self, a: usize, b: usize) -> bool {
        match (self.tokens.get(a), self.tokens.get(b)) {
            (Some(a), Some(b)) => a.end == b.start,
            _ => false,
        }
    }

    /// Every `as NAME` binding of the enclosing declaration, with the event before it.
    pub fn bindings(&self) -> Vec<TextBinding> {
        let all: Vec<usize> = (self.decl_start..self.decl_end.min(self.tokens.len()))
            .filter(|&i| !self.tokens[i].is_comment())
            .collect();
        let mut out = Vec::new();
        for (position, &i) in all.iter().enumerate() {
            if self.tok(i) != "as" {
                continue;
            }
            let Some(&name_index) = all.get(position + 1) else {
                continue;
            };
            if self.kind(name_index) != Some(TokenKind::Word) {
                continue;
            }
            let Some((_, event)) = self.chain_ending_at(&all, position) else {
                continue;
            };
            let token = self.tokens[name_index];
            out.push(TextBinding {
                name: token.text(self.text).to_string(),
                event,
                start: token.start,
                end: token.end,
            });
        }
        out
    }

    /// Whether `offset` is the first thing on its line, after indentation.
    pub fn at_line_start(&self, offset: u32) -> bool {
        let before = self.text.get(..offset as usize).unwrap_or("");
        let line = before.rsplit('\n').next().unwrap_or("");
        line.chars().all(char::is_whitespace)
    }
}

/// Whether a token starts a top-level declaration: a declaration keyword in the first column,
/// which is also where the parser resumes after a syntax error.
fn is_decl_start(text: &str, token: &Token) -> bool {
    let column0 = token.start == 0
        || text
            .as_bytes()
            .get(token.start as usize - 1)
            .is_some_and(|&b| b == b'\n');
    column0 && token.kind == TokenKind::Word && DECLARATIONS.contains(&token.text(text))
}

/// Whether a string or block comment token runs to the end without being closed.
fn is_open(token: &Token, text: &str) -> bool {
    let body = token.text(text);
    match token.kind {
        TokenKind::String => body.len() < 2 || !body.ends_with('"') || body.ends_with("\\\""),
        TokenKind::Comment | TokenKind::DocComment => {
            body.starts_with("//") || (body.starts_with("/*") && !body.ends_with("*/"))
        }
        _ => false,
    }
}

/// Words that start a clause or a step; a backwards walk stops at them.
pub fn is_statement_keyword(word: &str) -> bool {
    matches!(
        word,
        "enter"
            | "reenter"
            | "goal"
            | "exit"
            | "send"
            | "notify"
            | "wait"
            | "if"
            | "else"
            | "split"
            | "set"
            | "tag"
            | "untag"
            | "while"
            | "decay"
            | "segment"
            | "journey"
            | "consent"
            | "given"
            | "expect"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn at_marker(source: &str) -> (String, u32) {
        let offset = source.find("$0").unwrap();
        (source.replace("$0", ""), offset as u32)
    }

    #[test]
    fn frames_follow_braces() {
        let (text, offset) = at_marker(
            "event a { x: int }\njourney j {\n  enter on a\n  if true {\n    send email \"t\" with { k: $0",
        );
        let cursor = Cursor::new(&text, offset);
        let before = cursor.before(offset);
        assert_eq!(
            cursor.frames(&before),
            vec![Frame::Journey, Frame::Block, Frame::Record]
        );
    }

    #[test]
    fn where_event_skips_bindings_and_groups() {
        let (text, offset) = at_marker(
            "journey j {\n  enter on cart.updated as c where (value > 1 or count(x.y where a within 1d) > 0) and $0",
        );
        let cursor = Cursor::new(&text, offset);
        let before = cursor.before(offset);
        assert_eq!(cursor.where_event(&before).as_deref(), Some("cart.updated"));
        assert_eq!(
            cursor.bindings(),
            vec![TextBinding {
                name: "c".into(),
                event: "cart.updated".into(),
                start: 39,
                end: 40
            }]
        );
    }

    #[test]
    fn no_where_event_after_the_filter_ends() {
        let (text, offset) = at_marker(
            "journey j {\n  enter on a.b where x > 1\n  if count(a.b where y) > 0 and $0",
        );
        let cursor = Cursor::new(&text, offset);
        assert_eq!(cursor.where_event(&cursor.before(offset)), None);
    }

    #[test]
    fn declarations_start_in_the_first_column() {
        let text = "segment s = true\n\njourney j {\n  score x += 1\n}\n";
        let cursor = Cursor::new(text, 30);
        assert_eq!(cursor.decl_keyword(), Some("journey"));
        let cursor = Cursor::new(text, 3);
        assert_eq!(cursor.decl_keyword(), Some("segment"));
    }
}
