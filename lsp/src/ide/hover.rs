//! Hover: what a name is (type and doc comment of events, fields, profile fields, segments,
//! scores, journeys and bindings) and what a keyword does.

use journey_check::program::{DeclId, Resolution};
use journey_check::types::Type;
use journey_check::{Symbol, CHANNELS, WEEKDAYS};
use journey_syntax::ast::DeclKind;
use journey_syntax::{FileId, Span};

use super::context::{Cursor, TextBinding};
use super::keywords::{self, TYPES};
use super::lexer::{token_at, TokenKind};
use super::{field_signature, Db};

/// What hovering shows, and over which text.
#[derive(Clone, Debug, PartialEq)]
pub struct HoverResult {
    /// The name hovered.
    pub span: Span,
    /// Markdown.
    pub markdown: String,
}

/// What the text at a position names, beyond the symbols the checker resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A declared symbol.
    Symbol(Symbol),
    /// An `as` binding.
    Binding(TextBinding),
    /// A keyword or contextual word.
    Keyword(String),
    /// A delivery channel.
    Channel(String),
    /// A weekday.
    Weekday(String),
    /// A type name.
    Type(String),
    /// A value of an enum type.
    EnumValue(String, Type),
}

/// The hover at `offset` of `file`.
pub fn hover(db: &Db, file: FileId, offset: u32) -> Option<HoverResult> {
    let (span, target) = target_at(db, file, offset)?;
    let markdown = describe(db, &target)?;
    Some(HoverResult { span, markdown })
}

/// What is named at `offset`: a symbol the checker resolved there, else what the text says
/// (which keeps hover working in a declaration with a syntax error).
pub fn target_at(db: &Db, file: FileId, offset: u32) -> Option<(Span, Target)> {
    let text = db.text(file);
    let cursor = Cursor::new(text, offset);
    if cursor.in_trivia_or_string() {
        return None;
    }
    if let Some((span, symbol)) = db.symbol_at(file, offset) {
        return Some((span, Target::Symbol(symbol)));
    }
    let index = token_at(&cursor.tokens, cursor.offset)?;
    // A cursor between two tokens (`a.|b`) means the word, not the dot.
    let index = if cursor.kind(index) != Some(TokenKind::Word)
        && cursor.kind(index + 1) == Some(TokenKind::Word)
        && cursor.tokens.get(index + 1).map(|t| t.start) == Some(cursor.offset)
    {
        index + 1
    } else {
        index
    };
    if cursor.kind(index) != Some(TokenKind::Word) {
        return None;
    }
    let (parts, position) = chain_around(&cursor, index);
    let token = cursor.tokens[index];
    let word_span = Span::new(file, token.start as usize, token.end as usize);
    let word = cursor.tok(index).to_string();
    let program = db.program();
    let whole: String = parts.join(".");
    let first = cursor
        .tokens
        .get(index - 2 * position)
        .map_or(0, |t| t.start);
    if parts.len() > 1 && program.events.contains_key(&whole) {
        let span = Span::new(file, first as usize, first as usize + whole.len());
        return Some((span, Target::Symbol(Symbol::Event(whole))));
    }
    // What the checker resolved an expression starting here to: exact where the text scan
    // below can only guess (bindings of the same name in sibling blocks, shared enum values).
    match resolution_at(db, file, token.start) {
        Some(Resolution::BindingField {
            binding,
            defined_at,
            event,
            ..
        }) if position == 0 && *binding == word => {
            let binding = TextBinding {
                name: binding.clone(),
                event: event.clone(),
                start: defined_at.start,
                end: defined_at.end,
            };
            return Some((word_span, Target::Binding(binding)));
        }
        Some(Resolution::EnumValue(id, _)) if parts.len() == 1 => {
            return Some((word_span, Target::EnumValue(word, Type::Enum(*id))));
        }
        _ => {}
    }
    if parts.len() > 1 {
        let base = parts.first().map(String::as_str).unwrap_or("");
        if base == "profile" && position == 1 && program.profile_field(&word).is_some() {
            return Some((word_span, Target::Symbol(Symbol::ProfileField(word))));
        }
        let binding = cursor.bindings().into_iter().find(|b| b.name == base);
        if let Some(binding) = binding {
            if position == 0 {
                return Some((word_span, Target::Binding(binding)));
            }
            if position == 1 && db.event(&binding.event)?.field(&word).is_some() {
                let symbol = Symbol::EventField(binding.event, word);
                return Some((word_span, Target::Symbol(symbol)));
            }
        }
        // `sum(EVENT.field ...)`: the event and the field in one dotted name.
        let event: String = parts[..position].join(".");
        if position + 1 == parts.len() && db.event(&event).and_then(|e| e.field(&word)).is_some() {
            return Some((word_span, Target::Symbol(Symbol::EventField(event, word))));
        }
        if position < parts.len() {
            let prefix = parts[..=position].join(".");
            let is_event_prefix = program
                .events
                .keys()
                .any(|e| e.starts_with(&format!("{prefix}.")) || *e == prefix);
            if is_event_prefix {
                return None;
            }
        }
    }
    if parts.len() == 1 {
        let symbol = if program.segments.contains_key(&word) {
            Some(Symbol::Segment(word.clone()))
        } else if program.scores.contains_key(&word) {
            Some(Symbol::Score(word.clone()))
        } else if program.journeys.contains_key(&word) {
            Some(Symbol::Journey(word.clone()))
        } else {
            let before = cursor.before(token.start);
            cursor
                .where_event(&before)
                .filter(|e| db.event(e).and_then(|e| e.field(&word)).is_some())
                .map(|e| Symbol::EventField(e, word.clone()))
        };
        if let Some(symbol) = symbol {
            return Some((word_span, Target::Symbol(symbol)));
        }
        if let Some(binding) = cursor.bindings().into_iter().find(|b| b.name == word) {
            return Some((word_span, Target::Binding(binding)));
        }
    }
    let target = if keywords::help(&word).is_some() && position == 0 {
        Target::Keyword(word)
    } else if CHANNELS.contains(&word.as_str()) {
        Target::Channel(word)
    } else if WEEKDAYS.contains(&word.as_str()) {
        Target::Weekday(word)
    } else if TYPES.contains(&word.as_str()) {
        Target::Type(word)
    } else {
        let ty = program
            .enums
            .iter()
            .enumerate()
            .find_map(|(id, variants)| {
                variants.contains(&word).then(|| {
                    Type::Enum(journey_check::types::EnumId(
                        u32::try_from(id).unwrap_or(u32::MAX),
                    ))
                })
            })?;
        Target::EnumValue(word, ty)
    };
    Some((word_span, target))
}

/// The checker's resolution of the narrowest expression that starts at `start`.
fn resolution_at(db: &Db, file: FileId, start: u32) -> Option<&Resolution> {
    db.program()
        .resolutions
        .iter()
        .filter(|((f, s, e), _)| *f == file && *s == start && *e > start)
        .min_by_key(|((_, _, e), _)| *e)
        .map(|(_, resolution)| resolution)
}

/// The words of the dotted name around token `index`, and which of them `index` is.
fn chain_around(cursor: &Cursor, index: usize) -> (Vec<String>, usize) {
    let is_dot_link = |dot: usize| {
        cursor.tok(dot) == "."
            && dot > 0
            && cursor.kind(dot - 1) == Some(TokenKind::Word)
            && cursor.kind(dot + 1) == Some(TokenKind::Word)
            && cursor.adjacent(dot - 1, dot)
            && cursor.adjacent(dot, dot + 1)
    };
    let mut start = index;
    while start >= 2 && is_dot_link(start - 1) {
        start -= 2;
    }
    let mut end = index;
    while is_dot_link(end + 1) {
        end += 2;
    }
    let parts = (start..=end)
        .step_by(2)
        .map(|i| cursor.tok(i).to_string())
        .collect();
    (parts, (index - start) / 2)
}

/// The markdown for a target.
pub fn describe(db: &Db, target: &Target) -> Option<String> {
    let program = db.program();
    let text = match target {
        Target::Symbol(Symbol::Event(name)) => {
            let event = db.event(name)?;
            let fields: Vec<String> = event
                .fields
                .iter()
                .map(|f| field_signature(db, f))
                .collect();
            format!(
                "event `{name}`{}\n\nfields: {}",
                doc_suffix(event.doc.as_deref()),
                fields.join(", ")
            )
        }
        Target::Symbol(Symbol::EventField(event, field)) => {
            let info = db.event(event)?.field(field)?;
            let implicit = if info.implicit {
                "\n\nImplicit: every event has `at`, `contact` and `account`."
            } else {
                ""
            };
            format!(
                "field `{}` of event `{event}`{implicit}",
                field_signature(db, info)
            )
        }
        Target::Symbol(Symbol::ProfileField(name)) => {
            let info = program.profile_field(name)?;
            let default = profile_default(db, name)
                .map(|d| format!(" = {d}"))
                .unwrap_or_else(|| {
                    if info.ty.is_optional() {
                        " (no default: starts missing)".to_string()
                    } else {
                        String::new()
                    }
                });
            format!("profile field `{}`{default}", field_signature(db, info))
        }
        Target::Symbol(Symbol::Segment(name)) => {
            let named = program.segments.get(name)?;
            format!(
                "segment `{name}`: bool{}{}",
                doc_suffix(named.doc.as_deref()),
                source_block(db, named.decl)
            )
        }
        Target::Symbol(Symbol::Score(name)) => {
            let named = program.scores.get(name)?;
            format!(
                "score `{name}`: int{}{}",
                doc_suffix(named.doc.as_deref()),
                source_block(db, named.decl)
            )
        }
        Target::Symbol(Symbol::Journey(name)) => {
            let named = program.journeys.get(name)?;
            format!(
                "journey `{name}`{}{}",
                doc_suffix(named.doc.as_deref()),
                entry_block(db, named.decl)
            )
        }
        Target::Binding(binding) => {
            let fields = db
                .event(&binding.event)
                .map(|e| {
                    e.fields
                        .iter()
                        .map(|f| field_signature(db, f))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            format!(
                "binding `{}`: event `{}`\n\nfields: {fields}",
                binding.name, binding.event
            )
        }
        Target::Keyword(word) => {
            format!("keyword `{word}` — {}", keywords::help(word)?)
        }
        Target::Channel(name) => {
            format!("channel `{name}`: one of `{}`", CHANNELS.join(" "))
        }
        Target::Weekday(name) => format!("weekday `{name}`"),
        Target::Type(name) => format!("type `{name}`"),
        Target::EnumValue(name, ty) => {
            format!("enum value `{name}` of `{}`", db.show(ty))
        }
    };
    Some(text)
}

fn doc_suffix(doc: Option<&str>) -> String {
    match doc.map(str::trim).filter(|d| !d.is_empty()) {
        Some(doc) if !doc.contains('\n') => format!(" — {doc}"),
        Some(doc) => format!("\n\n{doc}"),
        None => String::new(),
    }
}

/// The declaration's source, shown for segments and scores (long ones cut).
fn source_block(db: &Db, decl: DeclId) -> String {
    let Some(decl) = db.program().decl(&db.analysis.modules, decl) else {
        return String::new();
    };
    let text = db.sources.slice(decl.span);
    let lines: Vec<&str> = text.lines().collect();
    let shown = if lines.len() > 12 {
        format!("{}\n  ...\n}}", lines[..10].join("\n"))
    } else {
        text.to_string()
    };
    format!("\n\n```journey\n{shown}\n```")
}

/// A journey's entry clause.
fn entry_block(db: &Db, decl: DeclId) -> String {
    let Some(decl) = db.program().decl(&db.analysis.modules, decl) else {
        return String::new();
    };
    let DeclKind::Journey(journey) = &decl.kind else {
        return String::new();
    };
    journey
        .items
        .iter()
        .find_map(|item| match item {
            journey_syntax::ast::JourneyItem::Clause(clause)
                if matches!(clause.kind, journey_syntax::ast::ClauseKind::Enter(_)) =>
            {
                Some(format!(
                    "\n\n```journey\n{}\n```",
                    db.sources.slice(clause.span)
                ))
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// The default of a profile field as written.
fn profile_default(db: &Db, name: &str) -> Option<String> {
    let decl = db
        .program()
        .decl(&db.analysis.modules, db.program().profile_decl?)?;
    let DeclKind::Profile(profile) = &decl.kind else {
        return None;
    };
    let field = profile.fields.iter().find(|f| f.name.name == name)?;
    let default = field.default.as_ref()?;
    Some(format!("`{}`", db.sources.slice(default.span)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use journey_syntax::SourceMap;

    const SCHEMA: &str = r#"/// A contact opened a marketing email.
event email.opened { campaign: string }
event cart.updated { cart: string  value: float  items: int }
profile {
  email: string?
  timezone: string = "UTC"
  lifecycle: enum { subscriber, lead, mql, customer } = subscriber
}
/// Readers who open.
segment engaged = count(email.opened within 30d) >= 3
score lead {
  on email.opened => +1
}
"#;

    fn hover_at(source: &str) -> Option<String> {
        let offset = source.find("$0").expect("a $0 marker") as u32;
        let mut sources = SourceMap::new();
        sources.add("schema.journey", SCHEMA);
        let file = sources.add("main.journey", source.replace("$0", ""));
        let db = Db::new(sources);
        hover(&db, file, offset).map(|h| h.markdown)
    }

    #[track_caller]
    fn check(source: &str, expected: &str) {
        let got = hover_at(source).unwrap_or_default();
        assert!(got.contains(expected), "expected {expected:?} in {got:?}");
    }

    #[test]
    fn events_show_doc_and_fields() {
        check(
            "journey j {\n  enter on email.op$0ened\n}",
            "event `email.opened` — A contact opened a marketing email.\n\nfields: campaign: string, at: time, contact: string, account: string?",
        );
    }

    #[test]
    fn fields_profile_fields_segments_scores() {
        check(
            "journey j {\n  enter on cart.updated where val$0ue > 1\n}",
            "field `value: float` of event `cart.updated`",
        );
        check(
            "segment s = profile.time$0zone == \"UTC\"",
            "profile field `timezone: string` = `\"UTC\"`",
        );
        check(
            "segment s = profile.email$0 is set",
            "(no default: starts missing)",
        );
        check(
            "segment s = engag$0ed",
            "segment `engaged`: bool — Readers who open.",
        );
        check("segment s = le$0ad > 3", "score `lead`: int");
        check(
            "journey wel$0come {\n  enter on email.opened\n}",
            "```journey\nenter on email.opened\n```",
        );
    }

    #[test]
    fn keywords_have_help() {
        check(
            "journey j {\n  enter on email.opened\n  wa$0it 1d\n}",
            "keyword `wait`",
        );
        check("journey j {\n  ent$0er on email.opened\n}", "entry trigger");
    }

    #[test]
    fn hover_works_in_a_broken_declaration() {
        // The journey does not parse (`send` lacks a template), but names still resolve.
        let source =
            "journey j {\n  enter on cart.updated as c\n  send email with { v: c.val$0ue }\n  if engaged";
        check(source, "field `value: float` of event `cart.updated`");
        let source = "journey j {\n  enter on cart.updated as c\n  send email\n  if enga$0ged";
        check(source, "segment `engaged`");
        let source = "journey j {\n  enter on cart.upd$0ated as c\n  send email\n  if engaged";
        check(source, "event `cart.updated`");
        let source = "journey j {\n  enter on cart.updated as a$0bc\n  send";
        check(source, "binding `abc`: event `cart.updated`");
    }

    #[test]
    fn enum_values_and_channels() {
        check("segment s = profile.lifecycle == m$0ql", "enum value `mql`");
        check(
            "journey j {\n  enter on email.opened\n  send em$0ail \"x\"\n}",
            "channel `email`",
        );
    }

    #[test]
    fn sibling_bindings_resolve_to_their_own_definition() {
        let source = "journey j {\n  enter on email.opened\n  wait for cart.updated as x within 1d {\n    send email \"a\" with { v: x.value }\n  }\n  wait for email.opened as x within 1d {\n    send email \"b\" with { c: x$0.campaign }\n  }\n}";
        check(source, "binding `x`: event `email.opened`");
    }

    #[test]
    fn nothing_in_comments() {
        assert_eq!(hover_at("// wait$0 for it"), None);
    }
}
