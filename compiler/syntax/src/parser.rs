//! The parser: pest turns one declaration at a time into a parse tree, and the builder below
//! turns that tree into the AST. Parsing never fails: a declaration that does not parse becomes
//! a [`SyntaxError`] and a [`DeclKind::Broken`] node, and parsing resumes at the next line that
//! begins a declaration.

use pest::iterators::Pair;
use pest::Parser as _;

use crate::ast::*;
use crate::error::{Expected, LiteralKind, SyntaxError, SyntaxErrorKind, TokenClass};
use crate::span::{FileId, Span};
use crate::trivia;

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

    fn decl(&mut self, pair: P) -> Decl {
        let span = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return self.empty_broken(span);
        };
        let kind = match inner.as_rule() {
            Rule::event_decl => DeclKind::Event(self.event_decl(inner)),
            Rule::profile_decl => DeclKind::Profile(ProfileDecl {
                fields: inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::profile_field)
                    .map(|p| self.profile_field(p))
                    .collect(),
            }),
            Rule::policy_decl => DeclKind::Policy(PolicyDecl {
                rules: inner
                    .into_inner()
                    .filter(|p| p.as_rule() != Rule::kw_policy)
                    .map(|p| self.policy_rule(p))
                    .collect(),
            }),
            Rule::segment_decl => {
                let mut parts = inner.into_inner().skip(1);
                let (Some(name), Some(condition)) = (parts.next(), parts.next()) else {
                    return self.empty_broken(span);
                };
                DeclKind::Segment(SegmentDecl {
                    name: self.ident(name),
                    condition: self.expr(condition),
                })
            }
            Rule::score_decl => {
                let mut parts = inner.into_inner().skip(1);
                let Some(name) = parts.next() else {
                    return self.empty_broken(span);
                };
                let name = self.ident(name);
                let rules = parts.map(|p| self.score_rule(p)).collect();
                DeclKind::Score(ScoreDecl { name, rules })
            }
            Rule::journey_decl => {
                let mut parts = inner.into_inner().skip(1);
                let Some(name) = parts.next() else {
                    return self.empty_broken(span);
                };
                let name = self.ident(name);
                let items = parts.map(|p| self.journey_item(p)).collect();
                DeclKind::Journey(JourneyDecl { name, items })
            }
            Rule::conversion_decl => DeclKind::Conversion(self.conversion_decl(inner)),
            Rule::test_decl => {
                let mut parts = inner.into_inner().skip(1);
                let Some(name) = parts.next() else {
                    return self.empty_broken(span);
                };
                let name = self.string(name);
                let items = parts.map(|p| self.test_item(p)).collect();
                DeclKind::Test(TestDecl { name, items })
            }
            _ => return self.empty_broken(span),
        };
        Decl {
            doc: None,
            kind,
            span,
        }
    }

    fn conversion_decl(&mut self, pair: P) -> ConversionDecl {
        let mut parts = pair.into_inner().skip(1).peekable();
        let name = parts
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let event = parts
            .nth(1)
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let filter = self.optional_where(&mut parts);
        let mut value = None;
        let mut within = None;
        for part in parts {
            match part.as_rule() {
                Rule::conversion_value => {
                    value = part.into_inner().nth(1).map(|p| self.ident(p));
                }
                Rule::conversion_within => {
                    within = part.into_inner().nth(1).map(|p| self.duration_lit(p));
                }
                _ => {}
            }
        }
        ConversionDecl {
            name,
            event,
            filter,
            value,
            within,
        }
    }

    fn empty_broken(&self, span: Span) -> Decl {
        Decl {
            doc: None,
            kind: DeclKind::Broken(BrokenDecl {
                keyword: String::new(),
                name: None,
            }),
            span,
        }
    }

    fn event_decl(&mut self, pair: P) -> EventDecl {
        let mut parts = pair.into_inner().skip(1);
        let name = parts
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let fields = parts
            .filter(|p| p.as_rule() == Rule::field_decl)
            .map(|p| {
                let span = self.span(&p);
                let mut inner = p.into_inner();
                let name = inner
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let ty = inner
                    .next()
                    .map(|p| self.type_expr(p))
                    .unwrap_or_else(|| TypeExpr {
                        kind: TypeExprKind::Named(self.missing_ident()),
                        optional: false,
                        span,
                    });
                FieldDecl { name, ty, span }
            })
            .collect();
        EventDecl { name, fields }
    }

    fn missing_ident(&self) -> Ident {
        Ident {
            name: String::new(),
            span: Span::new(self.file, self.base, self.base),
        }
    }

    fn type_expr(&mut self, pair: P) -> TypeExpr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let base = inner.next().and_then(|b| b.into_inner().next());
        let optional = inner.next().is_some();
        let kind = match base {
            Some(p) if p.as_rule() == Rule::enum_type => TypeExprKind::Enum(
                p.into_inner()
                    .filter(|v| v.as_rule() == Rule::word)
                    .map(|v| self.ident(v))
                    .collect(),
            ),
            Some(p) if p.as_rule() == Rule::list_type => {
                let element = p.into_inner().find(|e| e.as_rule() == Rule::type_expr);
                match element {
                    Some(e) => TypeExprKind::List(Box::new(self.type_expr(e))),
                    None => TypeExprKind::Named(self.missing_ident()),
                }
            }
            Some(p) => match p.into_inner().next() {
                Some(name) => TypeExprKind::Named(self.ident(name)),
                None => TypeExprKind::Named(self.missing_ident()),
            },
            None => TypeExprKind::Named(self.missing_ident()),
        };
        TypeExpr {
            kind,
            optional,
            span,
        }
    }

    fn profile_field(&mut self, pair: P) -> ProfileField {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = inner
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let ty = match inner.next() {
            Some(p) => self.type_expr(p),
            None => TypeExpr {
                kind: TypeExprKind::Named(self.missing_ident()),
                optional: false,
                span,
            },
        };
        let default = inner.next().map(|p| self.expr(p));
        ProfileField {
            name,
            ty,
            default,
            span,
        }
    }

    fn policy_rule(&mut self, pair: P) -> PolicyRule {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<P> = pair.into_inner().collect();
        let kind = match rule {
            Rule::quiet_rule => PolicyRuleKind::QuietHours {
                from: self.time_of_day(parts[2].clone()),
                to: self.time_of_day(parts[4].clone()),
                zone: zone_of(&parts[5]),
            },
            Rule::cap_rule => PolicyRuleKind::Cap {
                channel: self.channel(parts[1].clone()),
                limit: self.int_lit(parts[2].clone()),
                per: self.duration_lit(parts[4].clone()),
            },
            _ => PolicyRuleKind::Consent {
                channel: self.channel(parts[1].clone()),
                condition: self.expr(parts[3].clone()),
            },
        };
        PolicyRule { kind, span }
    }

    fn channel(&self, pair: P) -> Ident {
        match pair.into_inner().next() {
            Some(p) => self.ident(p),
            None => self.missing_ident(),
        }
    }

    fn score_rule(&mut self, pair: P) -> ScoreRule {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().skip(1).peekable();
        let kind = match rule {
            Rule::score_on => {
                let event = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let filter = self.optional_where(&mut parts);
                let points = parts
                    .next()
                    .map(|p| self.points(p))
                    .unwrap_or(Points { value: 0, span });
                let cap = parts.next().map(|p| {
                    let cap_parts: Vec<P> = p.into_inner().collect();
                    ScoreCap {
                        limit: self.int_lit(cap_parts[1].clone()),
                        per: self.duration_lit(cap_parts[3].clone()),
                    }
                });
                ScoreRuleKind::On {
                    event,
                    filter,
                    points,
                    cap,
                }
            }
            Rule::score_while => {
                let condition = parts.next().map(|p| self.expr(p));
                let points = parts
                    .next()
                    .map(|p| self.points(p))
                    .unwrap_or(Points { value: 0, span });
                ScoreRuleKind::While {
                    condition: condition.unwrap_or_else(|| self.bool_expr(span)),
                    points,
                }
            }
            _ => {
                let percent = parts.next().map(|p| self.percent(p));
                let every = parts.nth(1).map(|p| self.duration_lit(p));
                ScoreRuleKind::Decay {
                    percent: percent.unwrap_or(PercentLit {
                        value: 0.0,
                        text: "0".into(),
                        span,
                    }),
                    every: every.unwrap_or(DurationLit {
                        value: Duration {
                            amount: 0,
                            unit: DurationUnit::Days,
                        },
                        span,
                    }),
                }
            }
        };
        ScoreRule { kind, span }
    }

    fn bool_expr(&self, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Literal(Literal::Bool(true)),
            span,
        }
    }

    fn optional_where<'i, I: Iterator<Item = P<'i>>>(
        &mut self,
        parts: &mut std::iter::Peekable<I>,
    ) -> Option<Expr> {
        if parts.peek().map(|p| p.as_rule()) == Some(Rule::where_clause) {
            parts
                .next()
                .and_then(|w| w.into_inner().nth(1))
                .map(|e| self.expr(e))
        } else {
            None
        }
    }

    fn optional_binding<'i, I: Iterator<Item = P<'i>>>(
        &mut self,
        parts: &mut std::iter::Peekable<I>,
    ) -> Option<Ident> {
        if parts.peek().map(|p| p.as_rule()) == Some(Rule::binding) {
            parts
                .next()
                .and_then(|b| b.into_inner().nth(1))
                .map(|i| self.ident(i))
        } else {
            None
        }
    }

    fn points(&mut self, pair: P) -> Points {
        let span = self.span(&pair);
        let value = self.parse_int(pair.as_str(), span);
        Points { value, span }
    }

    /// Parses a signed or unsigned integer, reporting one that does not fit in 64 bits.
    fn parse_int(&mut self, text: &str, span: Span) -> i64 {
        text.parse::<i64>().unwrap_or_else(|_| {
            self.error(
                SyntaxErrorKind::InvalidLiteral {
                    what: LiteralKind::Int,
                    text: text.to_string(),
                },
                span,
            );
            0
        })
    }

    fn journey_item(&mut self, pair: P) -> JourneyItem {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::enter_clause => {
                let entry = pair.into_inner().nth(1).map(|e| self.entry(e));
                let entry = entry.unwrap_or(Entry::When(self.bool_expr(span)));
                JourneyItem::Clause(Clause {
                    kind: ClauseKind::Enter(entry),
                    span,
                })
            }
            Rule::reenter_clause => {
                let parts: Vec<P> = pair.into_inner().skip(1).collect();
                let reenter = match parts.first().map(|p| p.as_rule()) {
                    Some(Rule::cw_always) => Reenter::Always,
                    Some(Rule::cw_after) => match parts.get(1) {
                        Some(d) => Reenter::After(self.duration_lit(d.clone())),
                        None => Reenter::Never,
                    },
                    _ => Reenter::Never,
                };
                JourneyItem::Clause(Clause {
                    kind: ClauseKind::Reenter(reenter),
                    span,
                })
            }
            Rule::goal_clause => {
                let mut parts = pair.into_inner().skip(1).peekable();
                let name = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let event = parts
                    .nth(1)
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let binding = self.optional_binding(&mut parts);
                let filter = self.optional_where(&mut parts);
                JourneyItem::Clause(Clause {
                    kind: ClauseKind::Goal {
                        name,
                        event,
                        binding,
                        filter,
                    },
                    span,
                })
            }
            Rule::exit_clause => {
                let mut parts = pair.into_inner().skip(2).peekable();
                let event = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let filter = self.optional_where(&mut parts);
                JourneyItem::Clause(Clause {
                    kind: ClauseKind::Exit { event, filter },
                    span,
                })
            }
            _ => JourneyItem::Step(self.step(pair)),
        }
    }

    fn entry(&mut self, pair: P) -> Entry {
        let rule = pair.as_rule();
        let span = self.span(&pair);
        let mut parts = pair.into_inner().skip(1).peekable();
        match rule {
            Rule::entry_on => {
                let event = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let binding = self.optional_binding(&mut parts);
                let filter = self.optional_where(&mut parts);
                Entry::On {
                    event,
                    binding,
                    filter,
                }
            }
            Rule::entry_inactive => match parts.nth(1) {
                Some(d) => Entry::Inactive(self.duration_lit(d)),
                None => Entry::When(self.bool_expr(span)),
            },
            Rule::entry_when => match parts.next() {
                Some(e) => Entry::When(self.expr(e)),
                None => Entry::When(self.bool_expr(span)),
            },
            Rule::entry_daily => {
                parts.next();
                let at = self.local_time_from(parts.next(), span);
                let filter = self.optional_where(&mut parts);
                Entry::Daily { at, filter }
            }
            Rule::entry_weekly => {
                parts.next();
                let day = match parts.next().and_then(|w| w.into_inner().next()) {
                    Some(d) => self.ident(d),
                    None => self.missing_ident(),
                };
                parts.next();
                let at = self.local_time_from(parts.next(), span);
                let filter = self.optional_where(&mut parts);
                Entry::Weekly { day, at, filter }
            }
            Rule::entry_monthly => {
                parts.next();
                parts.next();
                let day = match parts.next() {
                    Some(d) => self.int_lit(d),
                    None => IntLit { value: 1, span },
                };
                parts.next();
                let at = self.local_time_from(parts.next(), span);
                let filter = self.optional_where(&mut parts);
                Entry::Monthly { day, at, filter }
            }
            Rule::entry_yearly => {
                parts.next();
                let field = match parts.next() {
                    Some(r) => self.profile_ref(r),
                    None => self.missing_ident(),
                };
                parts.next();
                let at = self.local_time_from(parts.next(), span);
                let filter = self.optional_where(&mut parts);
                Entry::Yearly { field, at, filter }
            }
            _ => {
                parts.next();
                let at = match parts.next() {
                    Some(i) => self.instant_lit(i),
                    None => InstantLit {
                        value: Instant {
                            text: String::new(),
                            epoch_seconds: 0,
                            nanos: 0,
                        },
                        span,
                    },
                };
                let filter = self.optional_where(&mut parts);
                Entry::Once { at, filter }
            }
        }
    }

    fn profile_ref(&self, pair: P) -> Ident {
        match pair.into_inner().nth(1) {
            Some(word) => self.ident(word),
            None => self.missing_ident(),
        }
    }

    fn local_time_from(&mut self, pair: Option<P>, fallback: Span) -> LocalTime {
        match pair {
            Some(p) => self.local_time(p),
            None => LocalTime {
                time: TimeOfDay {
                    hour: 0,
                    minute: 0,
                    span: fallback,
                },
                zone: Zone::Local,
                span: fallback,
            },
        }
    }

    fn local_time(&mut self, pair: P) -> LocalTime {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let time = match parts.next() {
            Some(t) => self.time_of_day(t),
            None => TimeOfDay {
                hour: 0,
                minute: 0,
                span,
            },
        };
        let zone = parts.next().map_or(Zone::Local, |z| zone_of(&z));
        LocalTime { time, zone, span }
    }

    fn block(&mut self, pair: P) -> Block {
        let span = self.span(&pair);
        Block {
            steps: pair.into_inner().map(|s| self.step(s)).collect(),
            span,
        }
    }

    fn step(&mut self, pair: P) -> Step {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().skip(1).peekable();
        let kind = match rule {
            Rule::send_step => {
                let channel = match parts.next() {
                    Some(p) if p.as_rule() == Rule::best_channel => {
                        let call_span = self.span(&p);
                        ChannelSpec::Best {
                            channels: p
                                .into_inner()
                                .filter(|c| c.as_rule() == Rule::channel)
                                .map(|c| self.channel(c))
                                .collect(),
                            span: call_span,
                        }
                    }
                    Some(p) => ChannelSpec::Named(self.channel(p)),
                    None => ChannelSpec::Named(self.missing_ident()),
                };
                let template = match parts.next() {
                    Some(s) => self.string(s),
                    None => StrLit {
                        value: String::new(),
                        span,
                    },
                };
                let payload = if parts.peek().map(|p| p.as_rule()) == Some(Rule::payload) {
                    parts.next().map(|p| self.payload(p))
                } else {
                    None
                };
                let at = parts
                    .next()
                    .and_then(|a| a.into_inner().nth(1))
                    .map(|t| self.timespec(t));
                StepKind::Send {
                    channel,
                    template,
                    payload,
                    at,
                }
            }
            Rule::notify_step => {
                let team = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let template = match parts.next() {
                    Some(s) => self.string(s),
                    None => StrLit {
                        value: String::new(),
                        span,
                    },
                };
                let payload = parts.next().map(|p| self.payload(p));
                StepKind::Notify {
                    team,
                    template,
                    payload,
                }
            }
            Rule::wait_for_step => {
                parts.next();
                let event = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let binding = self.optional_binding(&mut parts);
                let filter = self.optional_where(&mut parts);
                parts.next();
                let within = match parts.next() {
                    Some(d) => self.duration_lit(d),
                    None => DurationLit {
                        value: Duration {
                            amount: 0,
                            unit: DurationUnit::Days,
                        },
                        span,
                    },
                };
                let then = match parts.next() {
                    Some(b) => self.block(b),
                    None => Block {
                        steps: Vec::new(),
                        span,
                    },
                };
                let otherwise = parts
                    .next()
                    .and_then(|e| e.into_inner().nth(1))
                    .map(|b| self.block(b));
                StepKind::WaitFor {
                    event,
                    binding,
                    filter,
                    within,
                    then,
                    otherwise,
                }
            }
            Rule::wait_until_step => {
                parts.next();
                match parts.next() {
                    Some(t) => StepKind::WaitUntil(self.timespec(t)),
                    None => StepKind::WaitUntil(TimeSpec::BestTime(span)),
                }
            }
            Rule::wait_step => match parts.next() {
                Some(e) => StepKind::Wait(self.expr(e)),
                None => StepKind::Exit,
            },
            Rule::if_step => {
                let mut branches = Vec::new();
                if let (Some(c), Some(b)) = (parts.next(), parts.next()) {
                    let condition = self.expr(c);
                    branches.push((condition, self.block(b)));
                }
                let mut otherwise = None;
                for part in parts {
                    match part.as_rule() {
                        Rule::else_if => {
                            let mut inner = part.into_inner().skip(2);
                            if let (Some(c), Some(b)) = (inner.next(), inner.next()) {
                                let condition = self.expr(c);
                                branches.push((condition, self.block(b)));
                            }
                        }
                        _ => otherwise = part.into_inner().nth(1).map(|b| self.block(b)),
                    }
                }
                StepKind::If {
                    branches,
                    otherwise,
                }
            }
            Rule::split_step => StepKind::Split(
                parts
                    .map(|arm| {
                        let arm_span = self.span(&arm);
                        let mut inner = arm.into_inner();
                        let percent = match inner.next() {
                            Some(p) => self.percent(p),
                            None => PercentLit {
                                value: 0.0,
                                text: "0".into(),
                                span: arm_span,
                            },
                        };
                        let name = inner
                            .next()
                            .map(|p| self.ident(p))
                            .unwrap_or_else(|| self.missing_ident());
                        let block = match inner.next() {
                            Some(b) => self.block(b),
                            None => Block {
                                steps: Vec::new(),
                                span: arm_span,
                            },
                        };
                        SplitArm {
                            percent,
                            name,
                            block,
                            span: arm_span,
                        }
                    })
                    .collect(),
            ),
            Rule::set_step => {
                let field = match parts.next() {
                    Some(r) => self.profile_ref(r),
                    None => self.missing_ident(),
                };
                let value = match parts.next() {
                    Some(e) => self.expr(e),
                    None => self.bool_expr(span),
                };
                StepKind::Set { field, value }
            }
            Rule::score_step => {
                let score = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let op = parts.next();
                let amount = parts.next();
                let negative = op.as_ref().is_some_and(|o| o.as_str() == "-=");
                let delta_span = match (&op, &amount) {
                    (Some(o), Some(a)) => self.span(o).to(self.span(a)),
                    _ => span,
                };
                let value = amount.map_or(0, |a| self.int_lit(a).value);
                StepKind::AdjustScore {
                    score,
                    delta: if negative { -value } else { value },
                    delta_span,
                }
            }
            Rule::tag_step => match parts.next() {
                Some(s) => StepKind::Tag(self.string(s)),
                None => StepKind::Exit,
            },
            Rule::untag_step => match parts.next() {
                Some(s) => StepKind::Untag(self.string(s)),
                None => StepKind::Exit,
            },
            Rule::goal_step => match parts.next() {
                Some(n) => StepKind::Goal(self.ident(n)),
                None => StepKind::Exit,
            },
            _ => StepKind::Exit,
        };
        Step { kind, span }
    }

    fn payload(&mut self, pair: P) -> Payload {
        let span = self.span(&pair);
        let fields = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::field_init)
            .map(|p| self.field_init(p))
            .collect();
        Payload { fields, span }
    }

    fn field_init(&mut self, pair: P) -> FieldInit {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = inner
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let value = match inner.next() {
            Some(e) => self.expr(e),
            None => self.bool_expr(span),
        };
        FieldInit { name, value, span }
    }

    fn timespec(&mut self, pair: P) -> TimeSpec {
        match pair.as_rule() {
            Rule::local_time => TimeSpec::Clock(self.local_time(pair)),
            Rule::best_time => TimeSpec::BestTime(self.span(&pair)),
            _ => TimeSpec::Instant(self.expr(pair)),
        }
    }

    fn test_item(&mut self, pair: P) -> TestItem {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().skip(1).peekable();
        let kind = match rule {
            Rule::given_item => {
                let contact = self.contact(parts.next(), span);
                let fields = parts.next().map(|r| self.record(r)).unwrap_or_default();
                TestItemKind::Given { contact, fields }
            }
            Rule::at_item => {
                let at = self.instant_or_default(parts.next(), span);
                let contact = self.contact(parts.next(), span);
                let target = parts.next();
                let fields = parts.next().map(|r| self.record(r)).unwrap_or_default();
                match target {
                    Some(t) if t.as_rule() == Rule::cw_identify => TestItemKind::Identify {
                        at,
                        contact,
                        fields,
                    },
                    Some(t) => TestItemKind::Event {
                        at,
                        contact,
                        event: self.ident(t),
                        fields,
                    },
                    None => TestItemKind::Identify {
                        at,
                        contact,
                        fields,
                    },
                }
            }
            _ => {
                let at = self.instant_or_default(parts.next(), span);
                let contact = self.contact(parts.next(), span);
                let expectation = match parts.next() {
                    Some(e) => self.expectation(e),
                    None => Expectation::Goal(self.missing_ident()),
                };
                TestItemKind::Expect {
                    at,
                    contact,
                    expectation,
                }
            }
        };
        TestItem { kind, span }
    }

    fn expectation(&mut self, pair: P) -> Expectation {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<P> = pair.into_inner().skip(1).collect();
        let template = |this: &mut Self, i: usize| match parts.get(i) {
            Some(s) => this.string(s.clone()),
            None => StrLit {
                value: String::new(),
                span,
            },
        };
        match rule {
            Rule::expect_send => Expectation::Send {
                channel: parts
                    .first()
                    .map(|c| self.channel(c.clone()))
                    .unwrap_or_else(|| self.missing_ident()),
                template: template(self, 1),
            },
            Rule::expect_notify => Expectation::Notify {
                team: parts
                    .first()
                    .map(|c| self.ident(c.clone()))
                    .unwrap_or_else(|| self.missing_ident()),
                template: template(self, 1),
            },
            Rule::expect_goal => Expectation::Goal(
                parts
                    .first()
                    .map(|c| self.ident(c.clone()))
                    .unwrap_or_else(|| self.missing_ident()),
            ),
            _ => Expectation::Suppressed {
                channel: parts
                    .first()
                    .map(|c| self.channel(c.clone()))
                    .unwrap_or_else(|| self.missing_ident()),
                template: template(self, 1),
                reason: parts
                    .get(2)
                    .and_then(|r| r.clone().into_inner().next())
                    .map(|w| self.ident(w))
                    .unwrap_or_else(|| self.missing_ident()),
            },
        }
    }

    fn record(&mut self, pair: P) -> Vec<FieldInit> {
        pair.into_inner().map(|f| self.field_init(f)).collect()
    }

    fn contact(&mut self, pair: Option<P>, span: Span) -> Ident {
        let Some(pair) = pair.and_then(|c| c.into_inner().next()) else {
            return Ident {
                name: String::new(),
                span,
            };
        };
        if pair.as_rule() == Rule::string_lit {
            let lit = self.string(pair);
            Ident {
                name: lit.value,
                span: lit.span,
            }
        } else {
            self.ident(pair)
        }
    }

    fn instant_or_default(&mut self, pair: Option<P>, span: Span) -> InstantLit {
        match pair {
            Some(p) => self.instant_lit(p),
            None => InstantLit {
                value: Instant {
                    text: String::new(),
                    epoch_seconds: 0,
                    nanos: 0,
                },
                span,
            },
        }
    }

    // ---- expressions ------------------------------------------------------------------------

    fn expr(&mut self, pair: P) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => match pair.into_inner().next() {
                Some(inner) => self.expr(inner),
                None => self.bool_expr(span),
            },
            Rule::or_expr | Rule::and_expr => {
                let op = if pair.as_rule() == Rule::or_expr {
                    BinaryOp::Or
                } else {
                    BinaryOp::And
                };
                let mut parts = pair.into_inner();
                let Some(first) = parts.next() else {
                    return self.bool_expr(span);
                };
                let mut left = self.expr(first);
                while let (Some(_), Some(right)) = (parts.next(), parts.next()) {
                    let right = self.expr(right);
                    left = binary(op, left, right);
                }
                left
            }
            Rule::not_expr => {
                let mut parts = pair.into_inner();
                match parts.next() {
                    Some(first) if first.as_rule() == Rule::kw_not => match parts.next() {
                        Some(operand) => Expr {
                            kind: ExprKind::Unary(UnaryOp::Not, Box::new(self.expr(operand))),
                            span,
                        },
                        None => self.bool_expr(span),
                    },
                    Some(first) => self.expr(first),
                    None => self.bool_expr(span),
                }
            }
            Rule::cmp_expr => self.comparison(pair),
            Rule::coalesce_expr => {
                // `??` groups to the right: `a ?? b ?? c` is `a ?? (b ?? c)`.
                let operands: Vec<Expr> = pair.into_inner().map(|p| self.expr(p)).collect();
                let mut iter = operands.into_iter().rev();
                let Some(mut right) = iter.next() else {
                    return self.bool_expr(span);
                };
                for left in iter {
                    right = binary(BinaryOp::Coalesce, left, right);
                }
                right
            }
            Rule::add_expr | Rule::mul_expr => {
                let mut parts = pair.into_inner();
                let Some(first) = parts.next() else {
                    return self.bool_expr(span);
                };
                let mut left = self.expr(first);
                while let (Some(op), Some(right)) = (parts.next(), parts.next()) {
                    let op = match op.as_str() {
                        "+" => BinaryOp::Add,
                        "-" => BinaryOp::Sub,
                        "*" => BinaryOp::Mul,
                        _ => BinaryOp::Div,
                    };
                    let right = self.expr(right);
                    left = binary(op, left, right);
                }
                left
            }
            Rule::unary_expr => {
                let mut parts = pair.into_inner();
                match parts.next() {
                    Some(first) if first.as_rule() == Rule::neg => match parts.next() {
                        Some(operand) => {
                            let operand = self.expr(operand);
                            Expr {
                                kind: ExprKind::Unary(UnaryOp::Neg, Box::new(operand)),
                                span,
                            }
                        }
                        None => self.bool_expr(span),
                    },
                    Some(first) => self.expr(first),
                    None => self.bool_expr(span),
                }
            }
            Rule::postfix_expr => {
                let mut parts = pair.into_inner();
                let Some(first) = parts.next() else {
                    return self.bool_expr(span);
                };
                let mut base = self.expr(first);
                for member in parts {
                    let member_span = self.span(&member);
                    let Some(word) = member.into_inner().next() else {
                        continue;
                    };
                    let field = self.ident(word);
                    let whole = base.span.to(member_span);
                    base = Expr {
                        kind: ExprKind::Member(Box::new(base), field),
                        span: whole,
                    };
                }
                base
            }
            Rule::paren => match pair.into_inner().next() {
                Some(inner) => Expr {
                    kind: ExprKind::Paren(Box::new(self.expr(inner))),
                    span,
                },
                None => self.bool_expr(span),
            },
            Rule::kw_now => Expr {
                kind: ExprKind::Now,
                span,
            },
            Rule::kw_profile => Expr {
                kind: ExprKind::Profile,
                span,
            },
            Rule::ident => Expr {
                kind: ExprKind::Name(self.ident(pair)),
                span,
            },
            Rule::kw_true => Expr {
                kind: ExprKind::Literal(Literal::Bool(true)),
                span,
            },
            Rule::kw_false => Expr {
                kind: ExprKind::Literal(Literal::Bool(false)),
                span,
            },
            Rule::int_lit => {
                let value = self.int_lit(pair).value;
                Expr {
                    kind: ExprKind::Literal(Literal::Int(value)),
                    span,
                }
            }
            Rule::float_lit => {
                let value = pair.as_str().parse::<f64>().unwrap_or(0.0);
                Expr {
                    kind: ExprKind::Literal(Literal::Float(value)),
                    span,
                }
            }
            Rule::string_lit => {
                let value = self.string(pair).value;
                Expr {
                    kind: ExprKind::Literal(Literal::String(value)),
                    span,
                }
            }
            Rule::duration_lit => {
                let value = self.duration_lit(pair).value;
                Expr {
                    kind: ExprKind::Literal(Literal::Duration(value)),
                    span,
                }
            }
            Rule::compound_duration => {
                let parts = pair
                    .into_inner()
                    .map(|d| self.duration_lit(d).value)
                    .collect();
                Expr {
                    kind: ExprKind::Literal(Literal::CompoundDuration(parts)),
                    span,
                }
            }
            Rule::time_lit => {
                let value = self.time_of_day(pair);
                Expr {
                    kind: ExprKind::Literal(Literal::TimeOfDay(value)),
                    span,
                }
            }
            Rule::date_lit => {
                let value = self.date(pair);
                Expr {
                    kind: ExprKind::Literal(Literal::Date(value)),
                    span,
                }
            }
            Rule::instant_lit => {
                let value = self.instant_lit(pair).value;
                Expr {
                    kind: ExprKind::Literal(Literal::Instant(value)),
                    span,
                }
            }
            Rule::list_lit => {
                let items = pair.into_inner().map(|p| self.expr(p)).collect();
                Expr {
                    kind: ExprKind::List(items),
                    span,
                }
            }
            Rule::count_call | Rule::agg_call | Rule::last_call | Rule::since_call => Expr {
                kind: ExprKind::History(Box::new(self.history(pair))),
                span,
            },
            _ => self.bool_expr(span),
        }
    }

    fn comparison(&mut self, pair: P) -> Expr {
        let span = self.span(&pair);
        let mut parts = pair.into_inner().peekable();
        let Some(first) = parts.next() else {
            return self.bool_expr(span);
        };
        let mut left = self.expr(first);
        let mut chained = 0;
        while let Some(part) = parts.next() {
            chained += 1;
            if chained == 2 {
                // Report once and keep only the first comparison, so that the checker does not
                // go on to type `(a < b) < c` and report a second, derived error.
                self.error(SyntaxErrorKind::ChainedComparison, self.span(&part));
                break;
            }
            if part.as_rule() == Rule::is_set {
                let negated = part.into_inner().any(|p| p.as_rule() == Rule::kw_not);
                let whole = left.span.to(span);
                left = Expr {
                    kind: ExprKind::IsSet {
                        operand: Box::new(left),
                        negated,
                    },
                    span: whole,
                };
                continue;
            }
            let op = match part.into_inner().next().map(|o| o.as_rule()) {
                Some(Rule::op_eq) => BinaryOp::Eq,
                Some(Rule::op_ne) => BinaryOp::Ne,
                Some(Rule::op_le) => BinaryOp::Le,
                Some(Rule::op_ge) => BinaryOp::Ge,
                Some(Rule::op_lt) => BinaryOp::Lt,
                Some(Rule::op_gt) => BinaryOp::Gt,
                Some(Rule::op_in) => BinaryOp::In,
                Some(Rule::op_contains) => BinaryOp::Contains,
                Some(Rule::op_starts_with) => BinaryOp::StartsWith,
                _ => BinaryOp::EndsWith,
            };
            let Some(right) = parts.next() else {
                break;
            };
            let right = self.expr(right);
            left = binary(op, left, right);
        }
        left
    }

    fn history(&mut self, pair: P) -> History {
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().peekable();
        let function = match parts.next() {
            Some(f) if rule == Rule::agg_call => match f.into_inner().next().map(|k| k.as_rule()) {
                Some(Rule::kw_sum) => HistoryFn::Sum,
                Some(Rule::kw_min) => HistoryFn::Min,
                Some(Rule::kw_max) => HistoryFn::Max,
                _ => HistoryFn::Avg,
            },
            _ => match rule {
                Rule::count_call => HistoryFn::Count,
                Rule::last_call => HistoryFn::Last,
                _ => HistoryFn::Since,
            },
        };
        let target = parts
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let filter = self.optional_where(&mut parts);
        let window = parts.next().map(|w| {
            let span = self.span(&w);
            let mut inner = w.into_inner();
            match inner.next().map(|k| k.as_rule()) {
                Some(Rule::kw_within) => match inner.next() {
                    Some(d) => Window::Within(self.duration_lit(d)),
                    None => Window::SinceEnter(span),
                },
                _ => Window::SinceEnter(span),
            }
        });
        History {
            function,
            target,
            filter,
            window,
        }
    }

    // ---- literals ---------------------------------------------------------------------------

    fn int_lit(&mut self, pair: P) -> IntLit {
        let span = self.span(&pair);
        let value = self.parse_int(pair.as_str(), span);
        IntLit { value, span }
    }

    fn duration_lit(&mut self, pair: P) -> DurationLit {
        let span = self.span(&pair);
        let text = pair.as_str();
        let (number, unit) = text.split_at(text.len().saturating_sub(1));
        let unit = match unit {
            "s" => DurationUnit::Seconds,
            "m" => DurationUnit::Minutes,
            "h" => DurationUnit::Hours,
            "d" => DurationUnit::Days,
            _ => DurationUnit::Weeks,
        };
        let amount = match number.parse::<u64>() {
            Ok(v)
                if v.checked_mul(unit.seconds())
                    .is_some_and(|s| i64::try_from(s).is_ok()) =>
            {
                v
            }
            _ => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::Duration,
                        text: text.to_string(),
                    },
                    span,
                );
                // Not zero, which would draw a second "must be longer than zero" error.
                1
            }
        };
        DurationLit {
            value: Duration { amount, unit },
            span,
        }
    }

    fn percent(&mut self, pair: P) -> PercentLit {
        let span = self.span(&pair);
        let text = pair.as_str().trim_end_matches('%').to_string();
        let value = match text.parse::<f64>() {
            Ok(v) => v,
            Err(_) => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::Percent,
                        text: text.clone(),
                    },
                    span,
                );
                0.0
            }
        };
        PercentLit { value, text, span }
    }

    fn time_of_day(&mut self, pair: P) -> TimeOfDay {
        let span = self.span(&pair);
        let text = pair.as_str();
        let parsed = text.split_once(':').and_then(|(h, m)| {
            let hour = h.parse::<u8>().ok()?;
            let minute = m.parse::<u8>().ok()?;
            (hour < 24 && minute < 60).then_some((hour, minute))
        });
        match parsed {
            Some((hour, minute)) => TimeOfDay { hour, minute, span },
            None => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::TimeOfDay,
                        text: text.to_string(),
                    },
                    span,
                );
                TimeOfDay {
                    hour: 0,
                    minute: 0,
                    span,
                }
            }
        }
    }

    fn date(&mut self, pair: P) -> Date {
        let span = self.span(&pair);
        let text = pair.as_str();
        match parse_date(text) {
            Some(date) => date,
            None => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::Date,
                        text: text.to_string(),
                    },
                    span,
                );
                Date {
                    year: 1970,
                    month: 1,
                    day: 1,
                }
            }
        }
    }

    fn instant_lit(&mut self, pair: P) -> InstantLit {
        let span = self.span(&pair);
        let text = pair.as_str();
        match parse_instant(text) {
            Some((epoch_seconds, nanos)) => InstantLit {
                value: Instant {
                    text: text.to_string(),
                    epoch_seconds,
                    nanos,
                },
                span,
            },
            None => {
                self.error(
                    SyntaxErrorKind::InvalidLiteral {
                        what: LiteralKind::Instant,
                        text: text.to_string(),
                    },
                    span,
                );
                InstantLit {
                    value: Instant {
                        text: text.to_string(),
                        epoch_seconds: 0,
                        nanos: 0,
                    },
                    span,
                }
            }
        }
    }

    fn string(&mut self, pair: P) -> StrLit {
        let span = self.span(&pair);
        let raw = pair.as_str();
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        let mut value = String::with_capacity(inner.len());
        let mut chars = inner.char_indices().peekable();
        while let Some((index, ch)) = chars.next() {
            if ch != '\\' {
                value.push(ch);
                continue;
            }
            let escape_start = span.start as usize + 1 + index;
            match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'u')) => {
                    let rest = &inner[index + 2..];
                    let decoded = rest.strip_prefix('{').and_then(|r| {
                        let close = r.find('}')?;
                        let code = u32::from_str_radix(&r[..close], 16).ok()?;
                        Some((char::from_u32(code)?, close + 2))
                    });
                    match decoded {
                        Some((c, consumed)) => {
                            value.push(c);
                            for _ in 0..consumed {
                                chars.next();
                            }
                        }
                        None => {
                            let end = escape_start + 2;
                            self.error(
                                SyntaxErrorKind::InvalidEscape("\\u".to_string()),
                                Span::new(self.file, escape_start, end),
                            );
                        }
                    }
                }
                Some((_, other)) => {
                    self.error(
                        SyntaxErrorKind::InvalidEscape(format!("\\{other}")),
                        Span::new(self.file, escape_start, escape_start + 1 + other.len_utf8()),
                    );
                }
                None => {}
            }
        }
        StrLit { value, span }
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
