//! Semantic tokens: the names the checker resolved (events, fields, profile fields, segments,
//! scores, journeys), bindings, keywords, literals and comments, classified for highlighting.

use std::collections::HashSet;

use journey_check::{Symbol, CHANNELS, WEEKDAYS};
use journey_syntax::{FileId, CONTEXTUAL_WORDS, KEYWORDS};

use super::keywords::TYPES;
use super::lexer::{lex, TokenKind};
use super::{symbol_name, Db};

/// The kinds of token, in the order of the legend sent to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenType {
    /// A keyword.
    Keyword = 0,
    /// An event name.
    Event,
    /// A field of an event (or a payload key).
    Property,
    /// A field of the profile.
    Variable,
    /// A segment.
    Class,
    /// A score.
    Function,
    /// A journey.
    Namespace,
    /// An `as` binding.
    Parameter,
    /// An enum value, a channel or a weekday.
    EnumMember,
    /// A type name.
    Type,
    /// A string literal.
    String,
    /// A number, duration, percentage, time or date.
    Number,
    /// A comment.
    Comment,
}

/// The token type names of the legend, indexed by [`TokenType`].
pub const TOKEN_TYPES: [&str; 13] = [
    "keyword",
    "event",
    "property",
    "variable",
    "class",
    "function",
    "namespace",
    "parameter",
    "enumMember",
    "type",
    "string",
    "number",
    "comment",
];

/// The modifier names of the legend; bit `i` of [`SemanticToken::modifiers`] is `MODIFIERS[i]`.
pub const MODIFIERS: [&str; 2] = ["declaration", "documentation"];

/// Bit of the `declaration` modifier.
pub const DECLARATION: u32 = 1;
/// Bit of the `documentation` modifier.
pub const DOCUMENTATION: u32 = 2;

/// One classified range of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemanticToken {
    /// Byte offset of its start.
    pub start: u32,
    /// Byte offset of its end (on the same line).
    pub end: u32,
    /// Its kind.
    pub ty: TokenType,
    /// Modifier bits.
    pub modifiers: u32,
}

fn symbol_type(symbol: &Symbol) -> TokenType {
    match symbol {
        Symbol::Event(_) => TokenType::Event,
        Symbol::EventField(..) => TokenType::Property,
        Symbol::ProfileField(_) => TokenType::Variable,
        Symbol::Segment(_) => TokenType::Class,
        Symbol::Score(_) => TokenType::Function,
        Symbol::Journey(_) => TokenType::Namespace,
    }
}

/// The tokens of `file`, sorted, not overlapping, each within one line.
pub fn semantic_tokens(db: &Db, file: FileId) -> Vec<SemanticToken> {
    let text = db.text(file);
    let mut symbols: Vec<SemanticToken> = Vec::new();
    for reference in &db.program().references {
        let span = reference.span;
        if span.file == file && db.sources.slice(span) == symbol_name(&reference.symbol) {
            symbols.push(SemanticToken {
                start: span.start,
                end: span.end,
                ty: symbol_type(&reference.symbol),
                modifiers: 0,
            });
        }
    }
    for (span, symbol) in db.declarations() {
        if span.file == file {
            symbols.push(SemanticToken {
                start: span.start,
                end: span.end,
                ty: symbol_type(&symbol),
                modifiers: DECLARATION,
            });
        }
    }
    symbols.sort_by_key(|t| (t.start, std::cmp::Reverse(t.end)));

    let tokens = lex(text);
    let bindings: HashSet<&str> = tokens
        .windows(2)
        .filter(|w| w[0].text(text) == "as" && w[1].kind == TokenKind::Word)
        .map(|w| w[1].text(text))
        .collect();
    let variants: HashSet<&str> = db
        .program()
        .enums
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();

    let mut out: Vec<SemanticToken> = Vec::with_capacity(tokens.len());
    // Everything before this offset is emitted; later tokens must start at or after it.
    let mut emitted_end = 0u32;
    let mut next_symbol = 0usize;
    for (index, token) in tokens.iter().enumerate() {
        // Emit the resolved names that start before this token.
        while let Some(symbol) = symbols.get(next_symbol) {
            if symbol.start > token.start {
                break;
            }
            if symbol.start >= emitted_end {
                out.push(*symbol);
                emitted_end = symbol.end;
            }
            next_symbol += 1;
        }
        if token.start < emitted_end {
            continue;
        }
        let word = token.text(text);
        let next = tokens.get(index + 1).map_or("", |t| t.text(text));
        let previous = index
            .checked_sub(1)
            .and_then(|i| tokens.get(i))
            .map_or("", |t| t.text(text));
        let (ty, modifiers) = match token.kind {
            TokenKind::Comment => (TokenType::Comment, 0),
            TokenKind::DocComment => (TokenType::Comment, DOCUMENTATION),
            TokenKind::String => (TokenType::String, 0),
            TokenKind::Number => (TokenType::Number, 0),
            TokenKind::Punct => continue,
            TokenKind::Word => {
                let after_dot = previous == "." && index > 0;
                let key = next == ":";
                if key && !after_dot {
                    (TokenType::Property, 0)
                } else if after_dot {
                    continue;
                } else if KEYWORDS.contains(&word) {
                    (TokenType::Keyword, 0)
                } else if bindings.contains(word) && (next == "." || previous == "as") {
                    let declaration = if previous == "as" { DECLARATION } else { 0 };
                    (TokenType::Parameter, declaration)
                } else if TYPES.contains(&word) && matches!(previous, ":" | "<") {
                    (TokenType::Type, 0)
                } else if CONTEXTUAL_WORDS.contains(&word) {
                    (TokenType::Keyword, 0)
                } else if CHANNELS.contains(&word)
                    || WEEKDAYS.contains(&word)
                    || variants.contains(word)
                {
                    (TokenType::EnumMember, 0)
                } else {
                    continue;
                }
            }
        };
        push_split(text, token.start, token.end, ty, modifiers, &mut out);
        emitted_end = token.end;
    }
    for symbol in symbols.iter().skip(next_symbol) {
        if symbol.start >= emitted_end {
            out.push(*symbol);
            emitted_end = symbol.end;
        }
    }
    out
}

/// Pushes a token, cut at line ends (clients need not support tokens over several lines).
fn push_split(
    text: &str,
    start: u32,
    end: u32,
    ty: TokenType,
    modifiers: u32,
    out: &mut Vec<SemanticToken>,
) {
    let mut from = start;
    let body = text.get(start as usize..end as usize).unwrap_or("");
    for (i, _) in body.match_indices('\n') {
        let newline = start + u32::try_from(i).unwrap_or(0);
        if newline > from {
            out.push(SemanticToken {
                start: from,
                end: newline,
                ty,
                modifiers,
            });
        }
        from = newline + 1;
    }
    if end > from {
        out.push(SemanticToken {
            start: from,
            end,
            ty,
            modifiers,
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use journey_syntax::SourceMap;

    #[test]
    fn classifies_names_keywords_and_literals() {
        let text = "/// Doc.\nevent cart.updated { value: float }\nprofile {\n  plan: string?\n}\nsegment big = profile.plan == \"x\"\njourney j {\n  enter on cart.updated as c where value > 1.0 // why\n  wait 1d\n  send email \"t\" with { v: c.value }\n}\n";
        let mut sources = SourceMap::new();
        let file = sources.add("a.journey", text);
        let db = Db::new(sources);
        let tokens = semantic_tokens(&db, file);
        let shown: Vec<(&str, TokenType, u32)> = tokens
            .iter()
            .map(|t| (&text[t.start as usize..t.end as usize], t.ty, t.modifiers))
            .collect();
        let expect = [
            ("/// Doc.", TokenType::Comment, DOCUMENTATION),
            ("event", TokenType::Keyword, 0),
            ("cart.updated", TokenType::Event, DECLARATION),
            ("value", TokenType::Property, DECLARATION),
            ("float", TokenType::Type, 0),
            ("plan", TokenType::Variable, DECLARATION),
            ("big", TokenType::Class, DECLARATION),
            ("plan", TokenType::Variable, 0),
            ("\"x\"", TokenType::String, 0),
            ("j", TokenType::Namespace, DECLARATION),
            ("cart.updated", TokenType::Event, 0),
            ("c", TokenType::Parameter, DECLARATION),
            ("value", TokenType::Property, 0),
            ("1.0", TokenType::Number, 0),
            ("// why", TokenType::Comment, 0),
            ("1d", TokenType::Number, 0),
            ("email", TokenType::EnumMember, 0),
            ("c", TokenType::Parameter, 0),
        ];
        for expected in expect {
            assert!(shown.contains(&expected), "{expected:?} not in {shown:?}");
        }
        for pair in tokens.windows(2) {
            assert!(pair[0].end <= pair[1].start, "overlap: {pair:?}");
        }
    }
}
