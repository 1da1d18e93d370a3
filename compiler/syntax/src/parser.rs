//! The parser: pest turns one declaration at a time into a parse tree, and the builder below
//! turns that tree into the AST. Parsing never fails: a declaration that does not parse becomes
//! a [`SyntaxError`] and a [`DeclKind::Broken`] node, and parsing resumes at the next line that
//! begins a declaration.
//!
//! This file drives pest and words its errors; the builder's methods are in `parser/`, one file
//! per kind of node: `decls.rs`, `journeys.rs` (journeys and tests), `exprs.rs`, `literals.rs`.

use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::*;
use crate::error::{Expected, LiteralKind, SyntaxError, SyntaxErrorKind, TokenClass};
use crate::span::{FileId, Span};
use crate::trivia;

mod decls;
mod exprs;
mod journeys;
mod literals;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/journey.pest"]
struct JourneyParser;

/// The result of parsing one file: always a module, plus any syntax errors.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The declarations that could be read, and every comment.
    pub module: Module,
    /// Syntax errors in source order.
    pub errors: Vec<SyntaxError>,
}

/// Parses one file. Never fails.
pub fn parse(file: FileId, text: &str) -> Parsed {
    let scanned = trivia::scan(file, text);
    let mut errors = scanned.errors;
    let lexical_errors = errors.clone();
    let mut decls = Vec::new();
    let mut pos = 0;
    loop {
        pos = trivia::skip_trivia(text, pos);
        if pos >= text.len() {
            break;
        }
        let rest = &text[pos..];
        let region_end = trivia::next_decl_start(text, pos).unwrap_or(text.len());
        if let Some(&deep) = scanned
            .too_deep
            .iter()
            .find(|&&d| d >= pos && d < region_end)
        {
            errors.push(SyntaxError {
                kind: SyntaxErrorKind::TooDeep(trivia::MAX_NESTING),
                span: Span::new(file, deep, deep + 1),
            });
            decls.push(broken_decl(file, text, pos, region_end));
            pos = region_end;
            continue;
        }
        match JourneyParser::parse(Rule::decl_entry, rest) {
            Ok(mut pairs) => {
                let Some(decl_pair) = pairs.next().and_then(|entry| entry.into_inner().next())
                else {
                    break;
                };
                let end = decl_pair.as_span().end();
                let mut builder = Builder {
                    file,
                    base: pos,
                    errors: &mut errors,
                };
                decls.push(builder.decl(decl_pair));
                pos += end;
            }
            Err(error) => {
                // Parse the failed declaration again with pest's detailed tracking, which also
                // records the punctuation it expected; it is too slow to leave on.
                pest::set_error_detail(true);
                let detailed = JourneyParser::parse(Rule::decl_entry, rest).err();
                pest::set_error_detail(false);
                let error = detailed.unwrap_or(error);
                let error_pos = pos + error_offset(&error);
                let inside_lexical_error = lexical_errors
                    .iter()
                    .any(|e| (e.span.start as usize) <= error_pos && e.span.file == file);
                if !inside_lexical_error || !lexical_errors_cover(&lexical_errors, pos, error_pos) {
                    errors.push(unexpected(file, text, error_pos, &error));
                }
                // The declaration itself may be whole, followed by something that is not a
                // declaration: keep it, and resume after the junk.
                let salvaged = JourneyParser::parse(Rule::decl_only, rest)
                    .ok()
                    .and_then(|mut pairs| pairs.next())
                    .and_then(|entry| entry.into_inner().next());
                // Only a declaration followed directly by the offending token is whole; one
                // that stops earlier was cut short by the error and is treated as broken.
                let salvaged = salvaged.filter(|decl_pair| {
                    trivia::skip_trivia(text, pos + decl_pair.as_span().end()) == error_pos
                });
                match salvaged {
                    Some(decl_pair) => {
                        let end = pos + decl_pair.as_span().end();
                        let mut builder = Builder {
                            file,
                            base: pos,
                            errors: &mut errors,
                        };
                        decls.push(builder.decl(decl_pair));
                        pos = trivia::next_decl_start(text, end).unwrap_or(text.len());
                    }
                    None => {
                        let resume = trivia::next_decl_start(text, pos).unwrap_or(text.len());
                        decls.push(broken_decl(file, text, pos, resume));
                        pos = resume;
                    }
                }
            }
        }
    }
    attach_docs(&mut decls, &scanned.comments);
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    Parsed {
        module: Module {
            file,
            decls,
            comments: scanned.comments,
        },
        errors,
    }
}

/// Whether a lexical error lies between the start of a declaration and a parse error inside it,
/// in which case the parse error is a consequence and is not reported again.
fn lexical_errors_cover(lexical: &[SyntaxError], decl_start: usize, error_pos: usize) -> bool {
    lexical.iter().any(|e| {
        let start = e.span.start as usize;
        start >= decl_start && start <= error_pos
    })
}

fn error_offset(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((start, _)) => start,
    }
}

fn unexpected(
    file: FileId,
    text: &str,
    error_pos: usize,
    error: &pest::error::Error<Rule>,
) -> SyntaxError {
    let positives = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let mut error_pos = error_pos;
    let mut expected: Vec<Expected> = positives.iter().filter_map(|r| describe_rule(*r)).collect();
    if let Some(attempts) = error.parse_attempts() {
        // The detailed attempts may reach further than the rule-level error (a literal `:` is
        // not a rule); what was expected there is the better message.
        let base = error_pos - error_offset(error);
        let furthest = base + attempts.max_position;
        if furthest > error_pos {
            error_pos = furthest;
            expected.clear();
        }
        expected.extend(attempts.expected_tokens().iter().filter_map(|token| {
            let text = token.to_string();
            if let Some(p) = PUNCTUATION.iter().find(|p| **p == text) {
                return Some(Expected::Token(p));
            }
            if text == "\"" {
                return Some(Expected::Class(TokenClass::String));
            }
            static_token(&text).map(Expected::Token)
        }));
        if expected.is_empty() {
            expected.push(Expected::Class(TokenClass::Name));
        }
    }
    if expected
        .iter()
        .any(|e| matches!(e, Expected::Class(TokenClass::Step)))
    {
        expected.retain(|e| !matches!(e, Expected::Token(t) if STEP_KEYWORDS.contains(t)));
    }
    expected.sort();
    expected.dedup();
    let mut found = found_token(text, error_pos);
    // A keyword where a name belongs (`journey once {`) fails past the keyword, where the
    // parser's lookahead gave up: point at the keyword itself, so that the message names it.
    if expected.contains(&Expected::Class(TokenClass::Name)) {
        if let Some(start) = keyword_before(text, error_pos) {
            found = text.get(start..error_pos).map(str::to_string);
            error_pos = start;
        }
    }
    // At the end of the file, point just past the last token rather than at an empty line.
    let error_pos = if found.is_none() {
        error_pos.min(text.trim_end().len())
    } else {
        error_pos
    };
    let end = error_pos + found.as_ref().map_or(0, String::len);
    SyntaxError {
        kind: SyntaxErrorKind::Unexpected { expected, found },
        span: Span::new(file, error_pos, end),
    }
}

const PUNCTUATION: [&str; 21] = [
    "{", "}", "(", ")", "[", "]", ":", "=", "=>", ",", "<", ">", "?", "+=", "-=", "==", "!=", "<=",
    ">=", "??", "%",
];

const STEP_KEYWORDS: [&str; 9] = [
    "send", "notify", "wait", "if", "split", "set", "tag", "untag", "exit",
];

/// Where a reserved word ends exactly at `pos` (a whole word, not the tail of a longer one), its
/// start.
fn keyword_before(text: &str, pos: usize) -> Option<usize> {
    let before = text.get(..pos)?;
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map(|(i, _)| i)?;
    let word = &before[start..];
    let whole = !before[..start].ends_with(|c: char| is_word(c) || c == '.');
    (whole && crate::KEYWORDS.contains(&word)).then_some(start)
}

/// The token at an error position, for "found ...".
fn found_token(text: &str, pos: usize) -> Option<String> {
    let rest = text.get(pos..)?;
    let first = rest.chars().next()?;
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len())
    } else if first == '"' {
        rest[1..]
            .find(['"', '\n'])
            .map_or(rest.len(), |i| i + 2)
            .min(rest.len())
    } else {
        first.len_utf8()
    };
    let token = rest[..len].trim_end_matches('.');
    Some(if token.is_empty() {
        first.to_string()
    } else {
        token.to_string()
    })
}

fn describe_rule(rule: Rule) -> Option<Expected> {
    use Expected::{Class, Token};
    use TokenClass as C;
    Some(match rule {
        Rule::decl | Rule::decl_entry => Class(C::Declaration),
        Rule::ident | Rule::word | Rule::weekday | Rule::reason => Class(C::Name),
        Rule::event_name => Class(C::EventName),
        Rule::channel => Class(C::Name),
        Rule::type_expr | Rule::base_type | Rule::type_name => Class(C::Type),
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::cmp_expr
        | Rule::coalesce_expr
        | Rule::add_expr
        | Rule::mul_expr
        | Rule::unary_expr
        | Rule::postfix_expr => Class(C::Expression),
        Rule::send_step
        | Rule::notify_step
        | Rule::wait_for_step
        | Rule::wait_until_step
        | Rule::wait_step
        | Rule::if_step
        | Rule::split_step
        | Rule::set_step
        | Rule::score_step
        | Rule::tag_step
        | Rule::untag_step
        | Rule::goal_step
        | Rule::exit_step => Class(C::Step),
        Rule::enter_clause | Rule::reenter_clause | Rule::goal_clause | Rule::exit_clause => {
            Class(C::JourneyItem)
        }
        Rule::int_lit => Class(C::Integer),
        Rule::float_lit => Class(C::Number),
        Rule::string_lit => Class(C::String),
        Rule::duration_lit | Rule::compound_duration => Class(C::Duration),
        Rule::percent_lit | Rule::split_arm => Class(C::Percent),
        Rule::time_lit | Rule::local_time => Class(C::TimeOfDay),
        Rule::instant_lit => Class(C::Instant),
        Rule::points => Class(C::Points),
        Rule::cmp_op => Class(C::Operator),
        Rule::score_on | Rule::score_while | Rule::score_decay => Class(C::ScoreRule),
        Rule::quiet_rule | Rule::cap_rule | Rule::consent_rule => Class(C::PolicyRule),
        Rule::given_item | Rule::at_item | Rule::expect_item => Class(C::TestItem),
        Rule::field_decl | Rule::profile_field | Rule::field_init => Class(C::Name),
        Rule::event_decl => Token("event"),
        Rule::profile_decl => Token("profile"),
        Rule::policy_decl => Token("policy"),
        Rule::segment_decl => Token("segment"),
        Rule::score_decl => Token("score"),
        Rule::journey_decl => Token("journey"),
        Rule::conversion_decl => Token("conversion"),
        Rule::conversion_value => Token("value"),
        Rule::conversion_within => Token("within"),
        Rule::test_decl => Token("test"),
        Rule::block => Token("{"),
        Rule::where_clause => Token("where"),
        Rule::binding => Token("as"),
        Rule::payload => Token("with"),
        Rule::send_at => Token("at"),
        Rule::score_cap => Token("cap"),
        Rule::else_block | Rule::else_if => Token("else"),
        Rule::best_channel => Token("best_channel"),
        Rule::best_time => Token("best_time"),
        Rule::optional_mark => Token("?"),
        Rule::window => Token("within"),
        Rule::zone => Token("local"),
        Rule::score_op => Token("+="),
        Rule::is_set => Token("is"),
        Rule::record => Token("{"),
        Rule::profile_ref => Token("profile"),
        Rule::enum_type => Token("enum"),
        Rule::list_type => Token("list"),
        Rule::list_lit => Token("["),
        Rule::paren => Token("("),
        Rule::add_op => Token("+"),
        Rule::mul_op => Token("*"),
        Rule::neg => Token("-"),
        Rule::member => Token("."),
        _ => {
            let name = format!("{rule:?}");
            let token = name
                .strip_prefix("kw_")
                .or_else(|| name.strip_prefix("cw_"))?;
            Token(static_token(token)?)
        }
    })
}

/// Maps a keyword's rule name back to its text as a `'static` string.
fn static_token(token: &str) -> Option<&'static str> {
    crate::KEYWORDS
        .iter()
        .chain(crate::CONTEXTUAL_WORDS.iter())
        .chain(["in", "contains", "starts_with", "ends_with"].iter())
        .copied()
        .find(|t| *t == token)
}

fn broken_decl(file: FileId, text: &str, start: usize, end: usize) -> Decl {
    let chunk = &text[start..end];
    let keyword: String = chunk
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let after_keyword = &chunk[keyword.len()..];
    let trimmed = after_keyword.trim_start();
    let name_start = start + keyword.len() + (after_keyword.len() - trimmed.len());
    let name_text: String = trimmed
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let name = (matches!(
        keyword.as_str(),
        "event" | "segment" | "score" | "journey" | "conversion"
    ) && !name_text.is_empty())
    .then(|| Ident {
        span: Span::new(file, name_start, name_start + name_text.len()),
        name: name_text,
    });
    let content_end = start + chunk.trim_end().len();
    Decl {
        doc: None,
        kind: DeclKind::Broken(BrokenDecl { keyword, name }),
        span: Span::new(file, start, content_end.max(start)),
    }
}

fn attach_docs(decls: &mut [Decl], comments: &[Comment]) {
    let mut next_comment = 0;
    for decl in decls.iter_mut() {
        let mut doc_lines: Vec<&Comment> = Vec::new();
        while next_comment < comments.len() && comments[next_comment].span.end <= decl.span.start {
            let comment = &comments[next_comment];
            if comment.is_doc() {
                doc_lines.push(comment);
            } else {
                doc_lines.clear();
            }
            next_comment += 1;
        }
        if !doc_lines.is_empty() {
            let text: Vec<&str> = doc_lines
                .iter()
                .map(|c| {
                    c.text
                        .trim_start_matches("///")
                        .strip_prefix(' ')
                        .unwrap_or(&c.text[3..])
                })
                .collect();
            decl.doc = Some(text.join("\n"));
        }
    }
}

/// Turns pest pairs into AST nodes, offsetting spans by where the declaration began.
struct Builder<'a> {
    file: FileId,
    base: usize,
    errors: &'a mut Vec<SyntaxError>,
}

type P<'i> = Pair<'i, Rule>;

impl Builder<'_> {
    fn span(&self, pair: &P) -> Span {
        let s = pair.as_span();
        // A rule whose last part is an optional that did not match ends after the whitespace
        // and comments skipped before trying it; the node's span should not.
        let end = if s.as_str().ends_with(|c: char| c.is_ascii_whitespace()) {
            s.start() + trivia::content_end(s.as_str())
        } else {
            s.end()
        };
        Span::new(self.file, self.base + s.start(), self.base + end)
    }

    fn ident(&self, pair: P) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn error(&mut self, kind: SyntaxErrorKind, span: Span) {
        self.errors.push(SyntaxError { kind, span });
    }
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    let span = left.span.to(right.span);
    Expr {
        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
        span,
    }
}

fn zone_of(pair: &P) -> Zone {
    if pair.as_str() == "utc" {
        Zone::Utc
    } else {
        Zone::Local
    }
}

/// Parses `YYYY-MM-DD`, checking that the day exists.
pub fn parse_date(text: &str) -> Option<Date> {
    let date: jiff::civil::Date = text.parse().ok()?;
    Some(Date {
        year: date.year(),
        month: u8::try_from(date.month()).ok()?,
        day: u8::try_from(date.day()).ok()?,
    })
}

/// Parses an RFC 3339 instant as the grammar accepts it into epoch seconds and nanoseconds.
pub fn parse_instant(text: &str) -> Option<(i64, u32)> {
    let timestamp: jiff::Timestamp = text.parse().ok()?;
    Some((
        timestamp.as_second(),
        u32::try_from(timestamp.subsec_nanosecond()).ok()?,
    ))
}
