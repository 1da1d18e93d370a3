//! The walk over the AST: declarations, their bodies and test blocks. Journey steps are in
//! [`crate::steps`], expressions in [`crate::exprs`].

use journey_syntax::ast::*;

use crate::printer::Printer;
use crate::source::Source;
use crate::text::{contact, duration, quote, time_of_day};

/// Lines longer than this are split where the layout allows it (event fields, split arms).
pub(crate) const MAX_WIDTH: usize = 100;

/// The formatter of one file.
pub(crate) struct Fmt<'a> {
    pub(crate) p: Printer<'a>,
    pub(crate) source: Source<'a>,
    comments: &'a [Comment],
}

/// Formats a module parsed from `text`.
pub(crate) fn format_module(text: &str, module: &Module) -> String {
    let source = Source::new(text);
    let mut fmt = Fmt {
        p: Printer::new(source, &module.comments),
        source,
        comments: &module.comments,
    };
    fmt.module(module);
    fmt.p.finish()
}

impl<'a> Fmt<'a> {
    /// The width of what `print` prints, on a scratch printer without comments.
    pub(crate) fn measure(&self, print: impl FnOnce(&mut Fmt<'a>)) -> usize {
        let mut scratch = Fmt {
            p: Printer::new(self.source, &[]),
            source: self.source,
            comments: &[],
        };
        print(&mut scratch);
        scratch.p.widest_line()
    }

    /// Where the code of a node whose span ends at `end` really ends. Layout decisions must not
    /// see a comment after a node as inside it, and a span may run past the node's last token
    /// (pest skips whitespace and comments before trying an optional part that then does not
    /// match; the parser trims the common cases, not a span that ends in a comment).
    pub(crate) fn code_end(&self, end: u32) -> u32 {
        let text = self.source.text();
        let mut end = (end as usize).min(text.len());
        loop {
            end = text[..end].trim_end().len();
            let pos = u32::try_from(end).unwrap_or(u32::MAX);
            let index = self.comments.partition_point(|c| c.span.end < pos);
            match self.comments.get(index) {
                Some(comment) if comment.span.start < pos => end = comment.span.start as usize,
                _ => return pos,
            }
        }
    }

    fn module(&mut self, module: &Module) {
        let mut previous: Option<&Decl> = None;
        for decl in &module.decls {
            self.p.newline();
            if previous.is_some_and(|prev| !self.grouped(prev, decl)) {
                self.p.force_blank();
            }
            // Like the parser, look for the doc comment back to the previous declaration's
            // start: a comment left inside it can still be part of it.
            let from = previous.map_or(0, |prev| prev.span.start);
            match doc_comments_start(&module.comments, from, decl.span.start) {
                Some(first) => {
                    // The doc comment and its declaration are printed without a gap.
                    self.p.flush_until(first + 1);
                    self.p.set_no_blank(true);
                    self.p.begin_item(decl.span.start);
                    self.p.set_no_blank(false);
                }
                None => self.p.begin_item(decl.span.start),
            }
            self.decl(decl);
            previous = Some(decl);
        }
        self.p.newline();
        if previous.is_some() {
            self.p.force_blank();
        }
        self.p.flush_all();
    }

    /// Whether two declarations stay on consecutive lines: one-line events (or segments, or
    /// conversions) that were written without a blank line between them.
    fn grouped(&self, previous: &Decl, decl: &Decl) -> bool {
        let same_kind = matches!(
            (&previous.kind, &decl.kind),
            (DeclKind::Event(_), DeclKind::Event(_))
                | (DeclKind::Segment(_), DeclKind::Segment(_))
                | (DeclKind::Conversion(_), DeclKind::Conversion(_))
        );
        same_kind
            && !self
                .source
                .blank_line_between(self.code_end(previous.span.end), decl.span.start)
            && self.one_line(previous)
            && self.one_line(decl)
    }

    fn one_line(&self, decl: &Decl) -> bool {
        match &decl.kind {
            DeclKind::Event(event) => self.event_inline(event, decl.span),
            DeclKind::Segment(_) | DeclKind::Conversion(_) => !self
                .p
                .has_comment_between(decl.span.start, self.code_end(decl.span.end)),
            _ => false,
        }
    }

    fn decl(&mut self, decl: &Decl) {
        let close = self.code_end(decl.span.end).saturating_sub(1);
        match &decl.kind {
            DeclKind::Event(event) => self.event(event, decl.span),
            DeclKind::Profile(profile) => {
                self.p.text("profile");
                self.p.space();
                self.items_block(
                    decl.span.start,
                    close,
                    &profile.fields,
                    |f| f.span.start,
                    |fmt, field| {
                        fmt.ident(&field.name);
                        fmt.p.text(":");
                        fmt.p.space();
                        fmt.type_expr(&field.ty);
                        if let Some(default) = &field.default {
                            fmt.p.space();
                            fmt.p.text("=");
                            fmt.p.space();
                            fmt.expr(default);
                        }
                    },
                );
            }
            DeclKind::Policy(policy) => {
                self.p.text("policy");
                self.p.space();
                self.items_block(
                    decl.span.start,
                    close,
                    &policy.rules,
                    |r| r.span.start,
                    Self::policy_rule,
                );
            }
            DeclKind::Segment(segment) => {
                self.p.text("segment");
                self.p.space();
                self.ident(&segment.name);
                self.p.space();
                self.p.text("=");
                self.p.space();
                self.expr(&segment.condition);
            }
            DeclKind::Score(score) => {
                self.p.text("score");
                self.p.space();
                self.ident(&score.name);
                self.p.space();
                self.items_block(
                    decl.span.start,
                    close,
                    &score.rules,
                    |r| r.span.start,
                    Self::score_rule,
                );
            }
            DeclKind::Journey(journey) => {
                self.p.text("journey");
                self.p.space();
                self.ident(&journey.name);
                self.p.space();
                self.items_block(
                    decl.span.start,
                    close,
                    &journey.items,
                    item_start,
                    Self::journey_item,
                );
            }
            DeclKind::Conversion(conversion) => {
                self.p.text("conversion");
                self.p.space();
                self.ident(&conversion.name);
                self.p.space();
                self.p.text("on");
                self.p.space();
                self.ident(&conversion.event);
                self.filter(conversion.filter.as_ref());
                if let Some(value) = &conversion.value {
                    self.p.space();
                    self.p.text("value");
                    self.p.space();
                    self.ident(value);
                }
                if let Some(within) = &conversion.within {
                    self.p.space();
                    self.p.text("within");
                    self.p.space();
                    self.duration_lit(within);
                }
            }
            DeclKind::Test(test) => {
                self.p.text("test");
                self.p.space();
                self.str_lit(&test.name);
                self.p.space();
                self.items_block(
                    decl.span.start,
                    close,
                    &test.items,
                    |i| i.span.start,
                    Self::test_item,
                );
            }
            DeclKind::Broken(_) => {
                // Only files without syntax errors are formatted; print a stray one unchanged.
                let text = self.source.text();
                let range = decl.span.start as usize..decl.span.end as usize;
                self.p.text(text.get(range).unwrap_or(""));
            }
        }
    }

    /// Prints `{ items }`, one item per line, or `{}` when there is nothing inside. The block
    /// ends at `close`; `from` is where the construct owning it begins.
    pub(crate) fn items_block<T>(
        &mut self,
        from: u32,
        close: u32,
        items: &[T],
        start: impl Fn(&T) -> u32,
        mut print: impl FnMut(&mut Self, &T),
    ) {
        if items.is_empty() {
            if !self.p.has_comment_between(from, close) {
                self.p.text("{}");
                return;
            }
            if self.source.same_line(from, close) && self.only_block_comments(from, close) {
                // `{ /* nothing yet */ }` stays as written.
                self.p.text("{");
                self.p.flush_until(close);
                self.p.space();
                self.p.text("}");
                return;
            }
        }
        self.p.open_block();
        for item in items {
            self.p.begin_item(start(item));
            print(self, item);
        }
        self.p.close_block(close);
    }

    fn only_block_comments(&self, from: u32, to: u32) -> bool {
        let first = self.comments.partition_point(|c| c.span.start <= from);
        self.comments[first..]
            .iter()
            .take_while(|c| c.span.start < to)
            .all(|c| c.text.starts_with("/*"))
    }

    // ---- events --------------------------------------------------------------------------

    fn event(&mut self, event: &EventDecl, span: journey_syntax::Span) {
        self.p.text("event");
        self.p.space();
        self.ident(&event.name);
        self.p.space();
        if self.event_inline(event, span) {
            self.event_fields_inline(event);
        } else {
            let brace = self.source.next_token(event.name.span.end);
            self.p.flush_until(brace);
            let close = self.code_end(span.end).saturating_sub(1);
            self.items_block(
                brace,
                close,
                &event.fields,
                |f| f.span.start,
                |fmt, field| {
                    fmt.field_decl(field);
                },
            );
        }
    }

    /// Whether an event's fields go on its line: no comment inside, the first field written on
    /// the line of the `{`, and the whole declaration within [`MAX_WIDTH`].
    fn event_inline(&self, event: &EventDecl, span: journey_syntax::Span) -> bool {
        if self
            .p
            .has_comment_between(span.start, self.code_end(span.end))
        {
            return false;
        }
        if let Some(first) = event.fields.first() {
            let brace = self.source.next_token(event.name.span.end);
            if !self.source.same_line(brace, first.span.start) {
                return false;
            }
        }
        let width = self.measure(|fmt| {
            fmt.p.text("event");
            fmt.p.space();
            fmt.ident(&event.name);
            fmt.p.space();
            fmt.event_fields_inline(event);
        });
        width <= MAX_WIDTH
    }

    fn event_fields_inline(&mut self, event: &EventDecl) {
        if event.fields.is_empty() {
            self.p.text("{}");
            return;
        }
        self.p.text("{");
        for (index, field) in event.fields.iter().enumerate() {
            // Two spaces between fields, which have no separator.
            self.p.text(if index == 0 { " " } else { "  " });
            self.field_decl(field);
        }
        self.p.text(" }");
    }

    fn field_decl(&mut self, field: &FieldDecl) {
        self.ident(&field.name);
        self.p.text(":");
        self.p.space();
        self.type_expr(&field.ty);
    }

    fn type_expr(&mut self, ty: &TypeExpr) {
        self.p.flush_until(ty.span.start);
        match &ty.kind {
            TypeExprKind::Named(name) => self.ident(name),
            TypeExprKind::Enum(values) => {
                self.p.text("enum");
                self.p.space();
                if values.is_empty() {
                    self.p.text("{}");
                } else {
                    self.p.text("{");
                    for (index, value) in values.iter().enumerate() {
                        if index > 0 {
                            self.p.text(",");
                        }
                        self.p.space();
                        self.ident(value);
                    }
                    self.p.space();
                    self.p.text("}");
                }
            }
            TypeExprKind::List(element) => {
                self.p.text("list<");
                self.type_expr(element);
                self.p.text(">");
            }
        }
        if ty.optional {
            self.p.text("?");
        }
    }

    // ---- policy and scores ---------------------------------------------------------------

    fn policy_rule(&mut self, rule: &PolicyRule) {
        match &rule.kind {
            PolicyRuleKind::QuietHours { from, to, zone } => {
                self.p.text("quiet hours");
                self.p.space();
                self.time_of_day(from);
                self.p.space();
                self.p.text("to");
                self.p.space();
                self.time_of_day(to);
                self.p.space();
                self.zone(*zone);
            }
            PolicyRuleKind::Cap {
                channel,
                limit,
                per,
            } => {
                self.p.text("cap");
                self.p.space();
                self.ident(channel);
                self.p.space();
                self.limit_per(limit, per);
            }
            PolicyRuleKind::Consent { channel, condition } => {
                self.p.text("consent");
                self.p.space();
                self.ident(channel);
                self.p.space();
                self.p.text("when");
                self.p.space();
                self.expr(condition);
            }
        }
    }

    /// `N per D`, shared by policy caps and score caps.
    fn limit_per(&mut self, limit: &IntLit, per: &DurationLit) {
        self.int_lit(limit);
        self.p.space();
        self.p.text("per");
        self.p.space();
        self.duration_lit(per);
    }

    fn score_rule(&mut self, rule: &ScoreRule) {
        match &rule.kind {
            ScoreRuleKind::On {
                event,
                filter,
                points,
                cap,
            } => {
                self.p.text("on");
                self.p.space();
                self.ident(event);
                self.filter(filter.as_ref());
                self.p.space();
                self.p.text("=>");
                self.p.space();
                self.points(points);
                if let Some(cap) = cap {
                    self.p.space();
                    self.p.text("cap");
                    self.p.space();
                    self.limit_per(&cap.limit, &cap.per);
                }
            }
            ScoreRuleKind::While { condition, points } => {
                self.p.text("while");
                self.p.space();
                self.expr(condition);
                self.p.space();
                self.p.text("=>");
                self.p.space();
                self.points(points);
            }
            ScoreRuleKind::Decay { percent, every } => {
                self.p.text("decay");
                self.p.space();
                self.percent(percent);
                self.p.space();
                self.p.text("every");
                self.p.space();
                self.duration_lit(every);
            }
        }
    }

    // ---- tests ---------------------------------------------------------------------------

    fn test_item(&mut self, item: &TestItem) {
        let end = self.code_end(item.span.end);
        match &item.kind {
            TestItemKind::Given { contact, fields } => {
                self.p.text("given");
                self.p.space();
                self.contact(contact);
                self.p.space();
                self.record(contact.span.end, end, fields);
            }
            TestItemKind::Event {
                at,
                contact,
                event,
                fields,
            } => {
                self.p.text("at");
                self.p.space();
                self.instant(at);
                self.p.space();
                self.contact(contact);
                self.p.space();
                self.ident(event);
                self.optional_record(event.span.end, end, fields);
            }
            TestItemKind::Identify {
                at,
                contact,
                fields,
            } => {
                self.p.text("at");
                self.p.space();
                self.instant(at);
                self.p.space();
                self.contact(contact);
                self.p.space();
                self.p.text("identify");
                let after_keyword =
                    self.source.next_token(contact.span.end) + "identify".len() as u32;
                self.optional_record(after_keyword, end, fields);
            }
            TestItemKind::Expect {
                at,
                contact,
                expectation,
            } => {
                self.p.text("expect");
                self.p.space();
                self.instant(at);
                self.p.space();
                self.contact(contact);
                self.p.space();
                self.expectation(expectation);
            }
        }
    }

    /// A record that may be left out (`at ... EVENT`): printed when it has fields or comments.
    fn optional_record(&mut self, after: u32, end: u32, fields: &[FieldInit]) {
        let brace = self.source.next_token(after);
        let written = brace < end && self.source.byte_at(brace) == Some(b'{');
        if !fields.is_empty() || (written && self.p.has_comment_between(brace, end)) {
            self.p.space();
            self.record(after, end, fields);
        }
    }

    /// `{ k: v, ... }` of a test line, whose `{` is the first token after `after`.
    fn record(&mut self, after: u32, end: u32, fields: &[FieldInit]) {
        let brace = self.source.next_token(after);
        self.field_inits(brace, end.saturating_sub(1), fields);
    }

    fn expectation(&mut self, expectation: &Expectation) {
        match expectation {
            Expectation::Send { channel, template } => {
                self.p.text("send");
                self.p.space();
                self.ident(channel);
                self.p.space();
                self.str_lit(template);
            }
            Expectation::Notify { team, template } => {
                self.p.text("notify");
                self.p.space();
                self.ident(team);
                self.p.space();
                self.str_lit(template);
            }
            Expectation::Goal(name) => {
                self.p.text("goal");
                self.p.space();
                self.ident(name);
            }
            Expectation::Suppressed {
                channel,
                template,
                reason,
            } => {
                self.p.text("suppressed");
                self.p.space();
                self.ident(channel);
                self.p.space();
                self.str_lit(template);
                self.p.space();
                self.ident(reason);
            }
        }
    }

    // ---- shared pieces -------------------------------------------------------------------

    /// `{ k: v, k2: v2 }` on one line, or one field per line (each with a comma) when the
    /// source put the first field on a line of its own or a comment is inside. The `{` is at
    /// `brace`, the `}` at `close`.
    pub(crate) fn field_inits(&mut self, brace: u32, close: u32, fields: &[FieldInit]) {
        self.p.flush_until(brace);
        let inline = !self.p.has_comment_between(brace, close)
            && fields
                .first()
                .is_none_or(|first| self.source.same_line(brace, first.span.start));
        if !inline {
            self.items_block(
                brace,
                close,
                fields,
                |f| f.span.start,
                |fmt, field| {
                    fmt.field_init(field);
                    fmt.p.text(",");
                },
            );
            return;
        }
        if fields.is_empty() {
            self.p.text("{}");
            return;
        }
        self.p.text("{");
        for (index, field) in fields.iter().enumerate() {
            if index > 0 {
                self.p.text(",");
            }
            self.p.space();
            self.field_init(field);
        }
        self.p.space();
        self.p.text("}");
    }

    fn field_init(&mut self, field: &FieldInit) {
        self.ident(&field.name);
        self.p.text(":");
        self.p.space();
        self.expr(&field.value);
    }

    /// ` where COND`, if there is one.
    pub(crate) fn filter(&mut self, filter: Option<&Expr>) {
        if let Some(condition) = filter {
            self.p.space();
            self.p.text("where");
            self.p.space();
            self.expr(condition);
        }
    }

    /// ` as NAME`, if there is one.
    pub(crate) fn binding(&mut self, binding: Option<&Ident>) {
        if let Some(name) = binding {
            self.p.space();
            self.p.text("as");
            self.p.space();
            self.ident(name);
        }
    }

    /// A name, after the comments before it.
    pub(crate) fn ident(&mut self, ident: &Ident) {
        self.p.flush_until(ident.span.start);
        self.p.text(&ident.name);
    }

    fn contact(&mut self, ident: &Ident) {
        self.p.flush_until(ident.span.start);
        self.p.text(&contact(&ident.name));
    }

    /// A string literal, escaped canonically.
    pub(crate) fn str_lit(&mut self, lit: &StrLit) {
        self.p.flush_until(lit.span.start);
        self.p.text(&quote(&lit.value));
    }

    /// An integer literal.
    pub(crate) fn int_lit(&mut self, lit: &IntLit) {
        self.p.flush_until(lit.span.start);
        self.p.text(&lit.value.to_string());
    }

    /// A duration literal with its unit.
    pub(crate) fn duration_lit(&mut self, lit: &DurationLit) {
        self.p.flush_until(lit.span.start);
        self.p.text(&duration(lit.value));
    }

    /// A percentage as written.
    pub(crate) fn percent(&mut self, lit: &PercentLit) {
        self.p.flush_until(lit.span.start);
        self.p.text(&format!("{}%", lit.text));
    }

    /// An instant as written.
    pub(crate) fn instant(&mut self, lit: &InstantLit) {
        self.p.flush_until(lit.span.start);
        self.p.text(&lit.value.text);
    }

    fn points(&mut self, points: &Points) {
        self.p.flush_until(points.span.start);
        let text = if points.value < 0 {
            points.value.to_string()
        } else {
            format!("+{}", points.value)
        };
        self.p.text(&text);
    }

    fn time_of_day(&mut self, time: &TimeOfDay) {
        self.p.flush_until(time.span.start);
        self.p.text(&time_of_day(time));
    }

    /// `09:00 local` or `09:00 utc`.
    pub(crate) fn local_time(&mut self, time: &LocalTime) {
        self.p.flush_until(time.span.start);
        self.time_of_day(&time.time);
        self.p.space();
        self.zone(time.zone);
    }

    fn zone(&mut self, zone: Zone) {
        self.p.text(match zone {
            Zone::Local => "local",
            Zone::Utc => "utc",
        });
    }
}

fn item_start(item: &JourneyItem) -> u32 {
    match item {
        JourneyItem::Clause(clause) => clause.span.start,
        JourneyItem::Step(step) => step.span.start,
    }
}

/// Where the `///` comments right above a declaration begin (those after `from`, the start of
/// the previous declaration, with no other comment between them and `to`, the declaration).
fn doc_comments_start(comments: &[Comment], from: u32, to: u32) -> Option<u32> {
    let mut first = None;
    for comment in comments.iter().rev() {
        if comment.span.start >= to {
            continue;
        }
        if comment.span.start < from || !comment.is_doc() {
            break;
        }
        first = Some(comment.span.start);
    }
    first
}
