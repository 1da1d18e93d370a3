//! Completion. The context comes from the text before the cursor (the declaration being typed
//! rarely parses); the candidates come from the analysis of the whole program.
//!
//! The contexts, in the order they are tried:
//! - after `NAME.`: profile fields after `profile.`, the event's fields after a binding or
//!   `last(EVENT).` or inside `sum(EVENT.`, otherwise event names that start with the prefix;
//! - after a keyword that expects something specific: channels after `send`, event names after
//!   `on`, `wait for`, `count(`, entry kinds after `enter`, weekdays after `weekly on`, ...;
//! - in an expression (after `where`, `when`, `if`, an operator, ...): the matched event's
//!   fields inside `where`, bindings, segments, scores, `profile`, history functions, and the
//!   values of an enum compared with `==`;
//! - at the start of a line: the clauses and steps of a journey, the rules of a score or the
//!   policy, the lines of a test, or declaration keywords at the top level.

use journey_check::types::Type;
use journey_check::{CHANNELS, WEEKDAYS};
use journey_syntax::{FileId, Span};

use super::context::{Cursor, Frame};
use super::keywords::{self, CLAUSES, DECLARATIONS, ENTRY_KINDS, HISTORY, STEPS, TYPES};
use super::lexer::{is_word_char, TokenKind};
use super::{field_signature, Db};

/// What a completion item is, for its icon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    /// A keyword or contextual word.
    Keyword,
    /// An event name.
    Event,
    /// A field of an event.
    Field,
    /// A field of the profile.
    ProfileField,
    /// A segment.
    Segment,
    /// A score.
    Score,
    /// A delivery channel.
    Channel,
    /// An `as` binding.
    Binding,
    /// A value of an enum type.
    EnumValue,
    /// A history function.
    Function,
    /// A type name.
    Type,
}

/// One candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct CompletionItem {
    /// What the menu shows.
    pub label: String,
    /// Its kind.
    pub kind: CompletionKind,
    /// A short description beside the label (a type, `event`, ...).
    pub detail: Option<String>,
    /// Markdown documentation (doc comments, keyword help).
    pub documentation: Option<String>,
    /// The text that replaces `replace`.
    pub insert: String,
    /// The text replaced: the word (or dotted name) being typed.
    pub replace: Span,
    /// Items sort by this group, then by label.
    pub group: u8,
}

/// The candidates at `offset` of `file`. `trigger` is the character whose typing asked for
/// completion, if any: a space asks only where a keyword before it calls for something.
pub fn completions(
    db: &Db,
    file: FileId,
    offset: u32,
    trigger: Option<char>,
) -> Vec<CompletionItem> {
    let text = db.text(file);
    let cursor = Cursor::new(text, offset);
    let offset = cursor.offset;
    if cursor.in_trivia_or_string() {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut word_start = offset as usize;
    while word_start > 0 && bytes.get(word_start - 1).copied().is_some_and(is_word_char) {
        word_start -= 1;
    }
    if bytes.get(word_start).is_some_and(u8::is_ascii_digit) {
        return Vec::new();
    }
    let word_start = u32::try_from(word_start).unwrap_or(offset);
    let mut out = Completions {
        db,
        items: Vec::new(),
        replace: Span::new(file, word_start as usize, offset as usize),
    };
    let before = cursor.before(word_start);
    if word_start > 0 && bytes.get(word_start as usize - 1) == Some(&b'.') {
        member(&cursor, &before, &mut out);
        return out.finish();
    }
    let space = trigger == Some(' ');
    after_keyword(&cursor, &before, word_start, space, &mut out);
    out.finish()
}

/// Collects items; every item replaces the same range unless it says otherwise.
struct Completions<'d> {
    db: &'d Db,
    items: Vec<CompletionItem>,
    replace: Span,
}

impl Completions<'_> {
    fn push(&mut self, label: &str, kind: CompletionKind, detail: Option<String>, group: u8) {
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind,
            detail,
            documentation: None,
            insert: label.to_string(),
            replace: self.replace,
            group,
        });
    }

    fn documented(&mut self, documentation: Option<String>) {
        if let Some(last) = self.items.last_mut() {
            last.documentation = documentation;
        }
    }

    fn keywords(&mut self, words: &[&str], group: u8) {
        for word in words {
            self.push(word, CompletionKind::Keyword, Some("keyword".into()), group);
            self.documented(keywords::help(word).map(str::to_string));
        }
    }

    fn events(&mut self, group: u8) {
        for name in self.db.program().event_names() {
            let Some(event) = self.db.event(name) else {
                continue;
            };
            let fields: Vec<String> = event
                .fields
                .iter()
                .filter(|f| !f.implicit)
                .map(|f| field_signature(self.db, f))
                .collect();
            let detail = format!("event {{ {} }}", fields.join("  "));
            let doc = event.doc.clone();
            self.push(name, CompletionKind::Event, Some(detail), group);
            self.documented(doc);
        }
    }

    fn fields(&mut self, event: &str, group: u8, numeric_only: bool) {
        let Some(info) = self.db.event(event) else {
            return;
        };
        for field in &info.fields {
            if numeric_only && !field.ty.unwrap_optional().is_numeric() {
                continue;
            }
            let detail = self.db.show(&field.ty);
            let doc = Some(format!("field of event `{event}`"));
            self.push(&field.name, CompletionKind::Field, Some(detail), group);
            self.documented(doc);
        }
    }

    fn profile_fields(&mut self, group: u8) {
        for field in &self.db.program().profile {
            let detail = self.db.show(&field.ty);
            self.push(
                &field.name,
                CompletionKind::ProfileField,
                Some(detail),
                group,
            );
            self.documented(Some("profile field".into()));
        }
    }

    fn channels(&mut self, group: u8) {
        for channel in CHANNELS {
            self.push(
                channel,
                CompletionKind::Channel,
                Some("channel".into()),
                group,
            );
        }
    }

    fn scores(&mut self, group: u8) {
        let mut scores: Vec<_> = self.db.program().scores.values().collect();
        scores.sort_by(|a, b| a.name.cmp(&b.name));
        for score in scores {
            self.push(
                &score.name,
                CompletionKind::Score,
                Some("score: int".into()),
                group,
            );
            self.documented(score.doc.clone());
        }
    }

    fn segments(&mut self, group: u8) {
        let mut segments: Vec<_> = self.db.program().segments.values().collect();
        segments.sort_by(|a, b| a.name.cmp(&b.name));
        for segment in segments {
            self.push(
                &segment.name,
                CompletionKind::Segment,
                Some("segment: bool".into()),
                group,
            );
            self.documented(segment.doc.clone());
        }
    }

    fn enum_values(&mut self, ty: &Type, group: u8) {
        if let Type::Enum(id) = ty.unwrap_optional() {
            let variants = self.db.program().variants(*id).to_vec();
            let shown = self.db.show(ty);
            for variant in variants {
                self.push(
                    &variant,
                    CompletionKind::EnumValue,
                    Some(shown.clone()),
                    group,
                );
            }
        }
    }

    fn finish(mut self) -> Vec<CompletionItem> {
        let mut seen = std::collections::HashSet::new();
        self.items.retain(|item| seen.insert(item.label.clone()));
        self.items
    }
}

/// After `NAME.`: what the name before the dot has.
fn member(cursor: &Cursor, before: &[usize], out: &mut Completions) {
    let n = before.len();
    if n < 2 || cursor.tok(before[n - 1]) != "." {
        return;
    }
    if cursor.tok(before[n - 2]) == ")" {
        if let Some(event) = last_call_event(cursor, &before[..n - 1]) {
            out.fields(&event, 0, false);
        }
        return;
    }
    let Some((chain_start, base)) = cursor.chain_ending_at(before, n - 1) else {
        return;
    };
    if base == "profile" {
        out.profile_fields(0);
        return;
    }
    if let Some(binding) = cursor.bindings().into_iter().find(|b| b.name == base) {
        out.fields(&binding.event, 0, false);
        return;
    }
    let opener = chain_start
        .checked_sub(2)
        .map(|i| (cursor.tok(before[i]), cursor.tok(before[i + 1])));
    if let Some((function, "(")) = opener {
        if matches!(function, "sum" | "min" | "max" | "avg") && out.db.event(&base).is_some() {
            out.fields(&base, 0, true);
            return;
        }
    }
    // A dotted event name being typed: offer the events under this prefix, replacing it whole.
    let Some(start) = cursor.tokens.get(before[chain_start]).map(|t| t.start) else {
        return;
    };
    let prefix = format!("{base}.");
    out.replace = Span::new(out.replace.file, start as usize, out.replace.end as usize);
    let names: Vec<String> = out
        .db
        .program()
        .event_names()
        .into_iter()
        .filter(|name| name.starts_with(&prefix))
        .map(str::to_string)
        .collect();
    for name in names {
        let Some(event) = out.db.event(&name) else {
            continue;
        };
        let doc = event.doc.clone();
        out.push(&name, CompletionKind::Event, Some("event".into()), 0);
        out.documented(doc);
    }
}

/// The event of `last(EVENT ...)` whose `)` ends `tokens`.
fn last_call_event(cursor: &Cursor, tokens: &[usize]) -> Option<String> {
    let mut depth = 0usize;
    let mut position = tokens.len();
    while position > 0 {
        position -= 1;
        match cursor.tok(tokens[position]) {
            ")" => depth += 1,
            "(" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let function = position.checked_sub(1).map(|p| cursor.tok(tokens[p]));
                    if function != Some("last") {
                        return None;
                    }
                    let mut end = position + 1;
                    while end < tokens.len()
                        && (cursor.tok(tokens[end]) == "."
                            || cursor.kind(tokens[end]) == Some(TokenKind::Word))
                        && cursor.adjacent(tokens[end - 1], tokens[end])
                    {
                        end += 1;
                    }
                    return cursor.chain_ending_at(tokens, end).map(|(_, name)| name);
                }
            }
            _ => {}
        }
    }
    None
}

/// Everything but member access: decided by the tokens right before the word being typed.
fn after_keyword(
    cursor: &Cursor,
    before: &[usize],
    word_start: u32,
    space: bool,
    out: &mut Completions,
) {
    let n = before.len();
    let prev = |k: usize| -> &str { n.checked_sub(k).map_or("", |i| cursor.tok(before[i])) };
    let prev_kind = |k: usize| n.checked_sub(k).and_then(|i| cursor.kind(before[i]));
    let frames = cursor.frames(before);
    let brace = frames
        .iter()
        .rev()
        .find(|f| !matches!(f, Frame::Paren | Frame::Bracket))
        .copied();
    let in_journey = cursor.decl_keyword() == Some("journey");
    let (p1, p2, p3) = (prev(1), prev(2), prev(3));

    match p1 {
        "send" => {
            out.channels(0);
            out.keywords(&["best_channel"], 1);
            return;
        }
        "(" if p2 == "best_channel" => return out.channels(0),
        "," if inside_call(cursor, before, "best_channel") => return out.channels(0),
        "cap" | "consent" if brace == Some(Frame::Policy) => return out.channels(0),
        "suppressed" => return out.channels(0),
        "quiet" => return out.keywords(&["hours"], 0),
        "on" => {
            match p2 {
                "weekly" => {
                    for day in WEEKDAYS {
                        out.push(day, CompletionKind::Keyword, Some("weekday".into()), 0);
                    }
                }
                "monthly" => out.keywords(&["day"], 0),
                "yearly" => {
                    out.keywords(&["profile"], 0);
                    if let Some(item) = out.items.last_mut() {
                        item.insert = "profile.".into();
                    }
                }
                _ => out.events(0),
            }
            return;
        }
        "for" if p2 == "wait" => return out.events(0),
        "(" if HISTORY.contains(&p2) => return out.events(0),
        "enter" => return out.keywords(&ENTRY_KINDS, 0),
        "reenter" => return out.keywords(&["never", "always", "after"], 0),
        "wait" => return out.keywords(&["for", "until"], 0),
        "exit" if brace == Some(Frame::Journey) && !cursor.at_line_start(word_start) => {
            return out.keywords(&["on"], 0)
        }
        "set" if in_journey => {
            out.keywords(&["profile"], 0);
            if let Some(item) = out.items.last_mut() {
                item.insert = "profile.".into();
            }
            return;
        }
        "score" if brace.is_some() => return out.scores(0),
        "until" => {
            out.keywords(&["best_time"], 0);
            expression(cursor, before, None, out);
            return;
        }
        "at" if prev_kind(2) == Some(TokenKind::String) || p2 == "}" => {
            return out.keywords(&["best_time"], 0)
        }
        "is" => return out.keywords(&["set", "not"], 0),
        "not" if p2 == "is" => return out.keywords(&["set"], 0),
        ":" if matches!(brace, Some(Frame::Event | Frame::Profile)) => {
            return out.keywords(&TYPES, 0)
        }
        "<" if p2 == "list" => return out.keywords(&TYPES, 0),
        "as" | "journey" | "segment" | "event" | "test" | "notify" | "tag" | "untag" | "goal" => {
            return
        }
        "when" if p2 == "enter" => {
            out.keywords(&["inactive"], 0);
            expression(cursor, before, None, out);
            return;
        }
        _ => {}
    }
    // `09:00 |` outside tests (where instants, not times of day, follow `at`).
    let time_of_day =
        prev_kind(1) == Some(TokenKind::Number) && p1.contains(':') && !p1.contains('-');
    if time_of_day && brace != Some(Frame::Test) {
        return out.keywords(&["local", "utc"], 0);
    }
    if brace == Some(Frame::Test) && !space {
        if prev_kind(2) == Some(TokenKind::Number) && p3 == "at" {
            out.events(0);
            out.keywords(&["identify"], 1);
            return;
        }
        if prev_kind(2) == Some(TokenKind::Number) && p3 == "expect" {
            return out.keywords(&["send", "notify", "goal", "suppressed"], 0);
        }
        if prev_kind(2) == Some(TokenKind::String) && prev(4) == "suppressed" {
            return out.keywords(&["consent", "cap"], 0);
        }
    }
    if brace == Some(Frame::Record) && matches!(p1, "{" | ",") {
        record_keys(cursor, before, out);
        return;
    }
    let instant = prev_kind(1) == Some(TokenKind::Number) && p1.contains('T');
    let after_schedule = matches!(p1, "local" | "utc") || instant;
    if after_schedule && statement_keyword(cursor, before) == Some("enter") {
        return out.keywords(&["where"], 0);
    }
    if is_expression_start(p1, brace) {
        let expected = expected_type(cursor, before, out.db);
        if let Some(ty) = &expected {
            out.enum_values(ty, 0);
        }
        if !(p1 == "=" && brace == Some(Frame::Profile)) {
            expression(cursor, before, expected, out);
        }
        return;
    }
    if space {
        return;
    }
    let statement_start = n == 0 || cursor.at_line_start(word_start) || p1 == "{" || p1 == "}";
    if statement_start {
        if p1 == "}" && matches!(brace, Some(Frame::Journey | Frame::Block)) {
            out.keywords(&["else"], 0);
        }
        match brace {
            None if frames.is_empty() => out.keywords(&DECLARATIONS, 0),
            Some(Frame::Journey) => {
                out.keywords(&CLAUSES, 1);
                out.keywords(&STEPS, 2);
            }
            Some(Frame::Block) => {
                out.keywords(&STEPS, 1);
            }
            Some(Frame::Score) => out.keywords(&["on", "while", "decay"], 0),
            Some(Frame::Policy) => out.keywords(&["quiet", "cap", "consent"], 0),
            Some(Frame::Test) => out.keywords(&["given", "at", "expect"], 0),
            _ => {}
        }
        if statement_start && !(n == 0 || cursor.at_line_start(word_start)) {
            return;
        }
        if !out.items.is_empty() {
            return;
        }
    }
    // After an event name, what may follow it.
    if let Some((chain_start, name)) = cursor.chain_ending_at(before, n) {
        let opener = chain_start
            .checked_sub(1)
            .map_or("", |i| cursor.tok(before[i]));
        if out.db.event(&name).is_some() {
            match opener {
                "on" => return out.keywords(&["as", "where"], 0),
                "for" => return out.keywords(&["as", "where", "within"], 0),
                "(" => return out.keywords(&["where", "within", "since"], 0),
                _ => {}
            }
        }
    }
    if prev_kind(1) == Some(TokenKind::String) {
        if p3 == "send" || p2 == ")" {
            return out.keywords(&["with", "at"], 0);
        }
        if p3 == "notify" {
            return out.keywords(&["with"], 0);
        }
    }
    // After an operand: the operators spelt as words, and `within`/`since` in a history call.
    let operand = matches!(
        prev_kind(1),
        Some(TokenKind::Word | TokenKind::Number | TokenKind::String)
    ) || p1 == ")";
    if operand && expression_statement(cursor, before) {
        let mut words = vec![
            "and",
            "or",
            "is",
            "in",
            "contains",
            "starts_with",
            "ends_with",
        ];
        if frames.last() == Some(&Frame::Paren) {
            words.extend(["within", "since"]);
        }
        out.keywords(&words, 0);
    }
}

/// The keys of a test record: an event's fields after `at INSTANT CONTACT EVENT {`, profile
/// fields after `given CONTACT {` and `identify {`. Payload keys (`with {`) are free.
fn record_keys(cursor: &Cursor, before: &[usize], out: &mut Completions) {
    let mut depth = 0usize;
    let Some(open) = before.iter().rposition(|&i| match cursor.tok(i) {
        "}" => {
            depth += 1;
            false
        }
        "{" if depth == 0 => true,
        "{" => {
            depth -= 1;
            false
        }
        _ => false,
    }) else {
        return;
    };
    let previous = open.checked_sub(1).map_or("", |p| cursor.tok(before[p]));
    let given = open
        .checked_sub(2)
        .is_some_and(|p| cursor.tok(before[p]) == "given");
    if previous == "identify" || given {
        out.profile_fields(0);
    } else if let Some((_, event)) = cursor.chain_ending_at(before, open) {
        if let Some(info) = out.db.event(&event) {
            let fields: Vec<_> = info
                .fields
                .iter()
                .filter(|f| !f.implicit)
                .cloned()
                .collect();
            for field in fields {
                let detail = out.db.show(&field.ty);
                out.push(&field.name, CompletionKind::Field, Some(detail), 0);
            }
        }
    }
}

/// The keyword that starts the statement the cursor is in.
fn statement_keyword<'t>(cursor: &Cursor<'t>, before: &[usize]) -> Option<&'t str> {
    for &i in before.iter().rev() {
        match cursor.tok(i) {
            "{" | "}" => return None,
            word if super::context::is_statement_keyword(word) => return Some(word),
            _ => {}
        }
    }
    None
}

/// Whether the token before the cursor leaves an expression to be written.
fn is_expression_start(p1: &str, brace: Option<Frame>) -> bool {
    match p1 {
        "where" | "when" | "if" | "and" | "or" | "not" | "==" | "!=" | "<" | "<=" | ">" | ">="
        | "??" | "+" | "-" | "*" | "/" | "in" | "contains" | "starts_with" | "ends_with"
        | "while" | "(" | "[" | "=" => true,
        "," => !matches!(brace, Some(Frame::Event | Frame::Profile | Frame::Enum)),
        ":" => matches!(brace, Some(Frame::Record)),
        _ => false,
    }
}

/// Whether the current statement is one that holds an expression (so that an operand before
/// the cursor can be followed by an operator).
fn expression_statement(cursor: &Cursor, before: &[usize]) -> bool {
    for &i in before.iter().rev() {
        match cursor.tok(i) {
            "where" | "when" | "if" | "while" | "=" | "until" => return true,
            "{" | "}" | "=>" => return false,
            word if super::context::is_statement_keyword(word) => return false,
            _ => {}
        }
    }
    false
}

/// Whether the innermost open parenthesis belongs to a call of `function`.
fn inside_call(cursor: &Cursor, before: &[usize], function: &str) -> bool {
    let mut depth = 0usize;
    for (position, &i) in before.iter().enumerate().rev() {
        match cursor.tok(i) {
            ")" => depth += 1,
            "(" if depth == 0 => {
                return position
                    .checked_sub(1)
                    .is_some_and(|p| cursor.tok(before[p]) == function);
            }
            "(" => depth -= 1,
            "{" | "}" => return false,
            _ => {}
        }
    }
    false
}

/// The type an expression at the cursor should have, when the code before says so: the other
/// side of `==`/`!=`, the field of `set profile.FIELD =`, or a profile field's default.
fn expected_type(cursor: &Cursor, before: &[usize], db: &Db) -> Option<Type> {
    let n = before.len();
    let p1 = cursor.tok(*before.last()?);
    match p1 {
        "==" | "!=" => operand_type(cursor, &before[..n - 1], db),
        "=" => {
            let (_, name) = cursor.chain_ending_at(before, n - 1)?;
            if let Some(field) = name.strip_prefix("profile.") {
                return db.program().profile_field(field).map(|f| f.ty.clone());
            }
            // `name: type = |` in the profile: the field is the word before the colon.
            let colon = before[..n - 1]
                .iter()
                .rposition(|&i| cursor.tok(i) == ":")?;
            let (_, field) = cursor.chain_ending_at(before, colon)?;
            db.program().profile_field(&field).map(|f| f.ty.clone())
        }
        _ => None,
    }
}

/// The type of the operand that ends `before`: `profile.f`, `binding.f` or a bare field of the
/// event a `where` filters.
fn operand_type(cursor: &Cursor, before: &[usize], db: &Db) -> Option<Type> {
    let (_, name) = cursor.chain_ending_at(before, before.len())?;
    let program = db.program();
    if let Some(field) = name.strip_prefix("profile.") {
        return program.profile_field(field).map(|f| f.ty.clone());
    }
    if let Some((base, field)) = name.split_once('.') {
        let binding = cursor.bindings().into_iter().find(|b| b.name == base)?;
        return db.event(&binding.event)?.field(field).map(|f| f.ty.clone());
    }
    let event = cursor.where_event(before)?;
    db.event(&event)?.field(&name).map(|f| f.ty.clone())
}

/// The names an expression can use here.
fn expression(cursor: &Cursor, before: &[usize], expected: Option<Type>, out: &mut Completions) {
    if let Some(event) = cursor.where_event(before) {
        out.fields(&event, 1, false);
    }
    if cursor.decl_keyword() == Some("journey") {
        for binding in cursor.bindings() {
            let detail = Some(format!("binding of `{}`", binding.event));
            out.push(&binding.name, CompletionKind::Binding, detail, 2);
        }
    }
    let boolean = expected.is_none_or(|t| matches!(t.unwrap_optional(), Type::Bool));
    if boolean {
        out.segments(3);
    }
    out.scores(3);
    out.keywords(&["profile"], 4);
    out.keywords(&["now", "not", "true", "false"], 5);
    for function in HISTORY {
        out.push(
            function,
            CompletionKind::Function,
            Some("history".into()),
            5,
        );
        out.documented(keywords::help(function).map(str::to_string));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use journey_syntax::SourceMap;

    const SCHEMA: &str = r#"
/// A contact opened a marketing email.
event email.opened { campaign: string }
event email.clicked { campaign: string  url: string }
event cart.updated { cart: string  value: float  items: int }
event page.viewed { path: string }
profile {
  first_name: string?
  consent_sms: bool = false
  lifecycle: enum { subscriber, lead, mql, customer } = subscriber
}
/// Engaged readers.
segment engaged = count(email.opened within 30d) >= 3
score lead {
  on email.opened => +1
}
"#;

    /// The labels offered at `$0` in a second file next to the schema.
    fn labels_with(source: &str, trigger: Option<char>) -> Vec<String> {
        let offset = source.find("$0").expect("a $0 marker") as u32;
        let mut sources = SourceMap::new();
        sources.add("schema.journey", SCHEMA);
        let file = sources.add("main.journey", source.replace("$0", ""));
        let db = Db::new(sources);
        completions(&db, file, offset, trigger)
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    fn labels(source: &str) -> Vec<String> {
        labels_with(source, None)
    }

    #[track_caller]
    fn check(source: &str, expected: &[&str]) {
        let got = labels(source);
        for label in expected {
            assert!(got.iter().any(|g| g == label), "`{label}` missing: {got:?}");
        }
    }

    #[track_caller]
    fn check_not(source: &str, unexpected: &[&str]) {
        let got = labels(source);
        for label in unexpected {
            assert!(
                !got.iter().any(|g| g == label),
                "`{label}` offered: {got:?}"
            );
        }
    }

    #[test]
    fn channels_after_send() {
        let source = "journey j {\n  enter on email.opened\n  send $0\n}\n";
        assert_eq!(
            labels_with(source, Some(' ')),
            vec![
                "email",
                "sms",
                "push",
                "in_app",
                "webhook",
                "mail",
                "best_channel"
            ]
        );
        check(
            "journey j {\n  enter on email.opened\n  send best_channel(email, $0",
            &["sms"],
        );
    }

    #[test]
    fn profile_fields_after_profile_dot() {
        let source = "journey j {\n  enter on email.opened\n  if profile.$0";
        assert_eq!(
            labels(source),
            vec!["first_name", "consent_sms", "lifecycle"]
        );
        check(
            "journey j {\n  enter on email.opened\n  if profile.con$0 {",
            &["consent_sms"],
        );
    }

    #[test]
    fn fields_of_a_binding_in_a_broken_journey() {
        let source = "journey j {\n  enter on cart.updated as abandoned\n  send email \"x\" with { c: abandoned.$0";
        let got = labels(source);
        assert_eq!(
            got,
            vec!["cart", "value", "items", "at", "contact", "account"]
        );
    }

    #[test]
    fn bare_fields_inside_where() {
        let source = "journey j {\n  enter on cart.updated where $0\n}";
        let got = labels_with(source, Some(' '));
        assert_eq!(&got[..3], &["cart", "value", "items"]);
        check(source, &["engaged", "lead", "profile", "count"]);
        check(
            "segment s = count(page.viewed where pa$0 within 1d) > 0",
            &["path"],
        );
        check_not("journey j {\n  enter when $0", &["cart", "path"]);
    }

    #[test]
    fn event_names_after_on_wait_for_and_count() {
        check(
            "journey j {\n  enter on $0",
            &["email.opened", "cart.updated"],
        );
        check(
            "journey j {\n  enter on email.opened\n  wait for $0",
            &["email.clicked"],
        );
        check("segment s = count($0", &["page.viewed"]);
        check("score s {\n  on $0", &["cart.updated"]);
    }

    #[test]
    fn dotted_event_prefix_replaces_the_whole_name() {
        let source = "journey j {\n  enter on email.$0";
        let offset = source.find("$0").unwrap() as u32;
        let mut sources = SourceMap::new();
        sources.add("schema.journey", SCHEMA);
        let file = sources.add("main.journey", source.replace("$0", ""));
        let db = Db::new(sources);
        let items = completions(&db, file, offset, Some('.'));
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, vec!["email.clicked", "email.opened"]);
        assert_eq!(items[0].replace.start, offset - "email.".len() as u32);
    }

    #[test]
    fn aggregate_and_last_fields() {
        check("segment s = sum(cart.updated.$0", &["value", "items"]);
        check_not("segment s = sum(cart.updated.$0", &["cart"]);
        check("segment s = last(email.clicked).$0", &["url", "campaign"]);
    }

    #[test]
    fn keywords_by_position() {
        check("$0", &["event", "journey", "segment"]);
        check("journey j {\n  $0\n}", &["enter", "goal", "send", "wait"]);
        check(
            "journey j {\n  enter on email.opened\n  if engaged {\n    $0\n  }\n}",
            &["send", "tag"],
        );
        check_not(
            "journey j {\n  enter on email.opened\n  if engaged {\n    $0\n  }\n}",
            &["enter", "journey"],
        );
        check("journey j {\n  enter $0", &["on", "when", "daily"]);
        check("journey j {\n  reenter $0", &["never", "always", "after"]);
        check("score s {\n  $0\n}", &["on", "while", "decay"]);
        check("policy {\n  $0\n}", &["quiet", "cap", "consent"]);
        check("journey j {\n  enter weekly on $0", &["monday", "sunday"]);
        check("journey j {\n  enter daily at 09:00 $0", &["local", "utc"]);
        check("event e { x: $0 }", &["int", "string", "enum"]);
        check("journey j {\n}\n\n$0", &["journey", "test"]);
    }

    #[test]
    fn enum_values_after_comparison() {
        let got = labels("segment s = profile.lifecycle == $0");
        assert_eq!(&got[..4], &["subscriber", "lead", "mql", "customer"]);
        check(
            "journey j {\n  enter on email.opened\n  set profile.lifecycle = $0",
            &["mql"],
        );
    }

    #[test]
    fn nothing_in_comments_strings_or_new_names() {
        assert!(labels("// send $0").is_empty());
        assert!(labels("journey j {\n  send email \"we$0").is_empty());
        assert!(labels("journey j {\n  enter on cart.updated as $0").is_empty());
        assert!(labels_with("journey j {\n  enter on email.opened\n  $0", Some(' ')).is_empty());
    }

    #[test]
    fn binding_and_scores_in_expressions() {
        check(
            "journey j {\n  enter on cart.updated as abandoned\n  if $0",
            &["abandoned", "lead", "engaged"],
        );
        check(
            "journey j {\n  enter on email.opened\n  score $0",
            &["lead"],
        );
    }

    #[test]
    fn record_keys_and_else() {
        check(
            "test \"t\" {\n  at 2026-01-05T10:00:00Z c1 cart.updated { $0",
            &["cart", "value", "items"],
        );
        check(
            "test \"t\" {\n  given c1 { first_name: \"A\", $0",
            &["consent_sms"],
        );
        let got = labels("journey j {\n  enter on email.opened\n  if engaged {\n    exit\n  } $0");
        assert_eq!(got[0], "else");
        check_not("journey j {\n  $0", &["else"]);
        check("journey j {\n  enter daily at 09:00 local $0", &["where"]);
        check("segment s = lead > 3 $0", &["and", "or"]);
        assert!(labels("score $0").is_empty());
    }

    #[test]
    fn tests_lines() {
        check("test \"t\" {\n  $0\n}", &["given", "at", "expect"]);
        check(
            "test \"t\" {\n  at 2026-01-05T10:00:00Z c1 $0",
            &["email.opened", "identify"],
        );
        check(
            "test \"t\" {\n  expect 2026-01-05T10:00:00Z c1 $0",
            &["send", "goal"],
        );
    }
}
