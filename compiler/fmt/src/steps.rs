//! Journey bodies: header clauses, steps and their blocks.

use journey_syntax::ast::*;

use crate::walk::{Fmt, MAX_WIDTH};

impl Fmt<'_> {
    /// A header clause or a step of a journey body.
    pub(crate) fn journey_item(&mut self, item: &JourneyItem) {
        match item {
            JourneyItem::Clause(clause) => self.clause(clause),
            JourneyItem::Step(step) => self.step(step),
        }
    }

    fn clause(&mut self, clause: &Clause) {
        match &clause.kind {
            ClauseKind::Enter(entry) => {
                self.p.text("enter");
                self.p.space();
                self.entry(entry);
            }
            ClauseKind::Reenter(reenter) => {
                self.p.text("reenter");
                self.p.space();
                match reenter {
                    Reenter::Never => self.p.text("never"),
                    Reenter::Always => self.p.text("always"),
                    Reenter::After(duration) => {
                        self.p.text("after");
                        self.p.space();
                        self.duration_lit(duration);
                    }
                }
            }
            ClauseKind::Goal {
                name,
                event,
                binding,
                filter,
            } => {
                self.p.text("goal");
                self.p.space();
                self.ident(name);
                self.p.space();
                self.p.text("on");
                self.p.space();
                self.ident(event);
                self.binding(binding.as_ref());
                self.filter(filter.as_ref());
            }
            ClauseKind::Exit { event, filter } => {
                self.p.text("exit on");
                self.p.space();
                self.ident(event);
                self.filter(filter.as_ref());
            }
        }
    }

    fn entry(&mut self, entry: &Entry) {
        match entry {
            Entry::On {
                event,
                binding,
                filter,
            } => {
                self.p.text("on");
                self.p.space();
                self.ident(event);
                self.binding(binding.as_ref());
                self.filter(filter.as_ref());
            }
            Entry::When(condition) => {
                self.p.text("when");
                self.p.space();
                self.expr(condition);
            }
            Entry::Inactive(duration) => {
                self.p.text("when inactive");
                self.p.space();
                self.duration_lit(duration);
            }
            Entry::Daily { at, filter } => {
                self.p.text("daily at");
                self.p.space();
                self.local_time(at);
                self.filter(filter.as_ref());
            }
            Entry::Weekly { day, at, filter } => {
                self.p.text("weekly on");
                self.p.space();
                self.ident(day);
                self.p.space();
                self.p.text("at");
                self.p.space();
                self.local_time(at);
                self.filter(filter.as_ref());
            }
            Entry::Monthly { day, at, filter } => {
                self.p.text("monthly on day");
                self.p.space();
                self.int_lit(day);
                self.p.space();
                self.p.text("at");
                self.p.space();
                self.local_time(at);
                self.filter(filter.as_ref());
            }
            Entry::Yearly { field, at, filter } => {
                self.p.text("yearly on");
                self.p.space();
                self.profile_field(field);
                self.p.space();
                self.p.text("at");
                self.p.space();
                self.local_time(at);
                self.filter(filter.as_ref());
            }
            Entry::Once { at, filter } => {
                self.p.text("once at");
                self.p.space();
                self.instant(at);
                self.filter(filter.as_ref());
            }
        }
    }

    /// `profile.FIELD`; a comment inside it goes before it.
    fn profile_field(&mut self, field: &Ident) {
        self.p.flush_until(field.span.start);
        self.p.text("profile.");
        self.p.text(&field.name);
    }

    /// One step; compound steps print their blocks one step per line.
    pub(crate) fn step(&mut self, step: &Step) {
        match &step.kind {
            StepKind::Send {
                channel,
                template,
                payload,
                at,
            } => {
                self.p.text("send");
                self.p.space();
                self.channel(channel);
                self.p.space();
                self.str_lit(template);
                self.payload(payload.as_ref());
                if let Some(at) = at {
                    self.p.space();
                    self.p.text("at");
                    self.p.space();
                    self.time_spec(at);
                }
            }
            StepKind::Notify {
                team,
                template,
                payload,
            } => {
                self.p.text("notify");
                self.p.space();
                self.ident(team);
                self.p.space();
                self.str_lit(template);
                self.payload(payload.as_ref());
            }
            StepKind::Wait(duration) => {
                self.p.text("wait");
                self.p.space();
                self.expr(duration);
            }
            StepKind::WaitUntil(at) => {
                self.p.text("wait until");
                self.p.space();
                self.time_spec(at);
            }
            StepKind::WaitFor {
                event,
                binding,
                filter,
                within,
                then,
                otherwise,
            } => {
                self.p.text("wait for");
                self.p.space();
                self.ident(event);
                self.binding(binding.as_ref());
                self.filter(filter.as_ref());
                self.p.space();
                self.p.text("within");
                self.p.space();
                self.duration_lit(within);
                self.p.space();
                self.block(then);
                if let Some(otherwise) = otherwise {
                    self.p.space();
                    self.p.text("else");
                    self.p.space();
                    self.block(otherwise);
                }
            }
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (index, (condition, block)) in branches.iter().enumerate() {
                    if index > 0 {
                        self.p.space();
                        self.p.text("else");
                        self.p.space();
                    }
                    self.p.text("if");
                    self.p.space();
                    self.expr(condition);
                    self.p.space();
                    self.block(block);
                }
                if let Some(otherwise) = otherwise {
                    self.p.space();
                    self.p.text("else");
                    self.p.space();
                    self.block(otherwise);
                }
            }
            StepKind::Split(arms) => {
                self.p.text("split");
                self.p.space();
                let close = self.code_end(step.span.end).saturating_sub(1);
                self.items_block(
                    step.span.start,
                    close,
                    arms,
                    |a| a.span.start,
                    Self::split_arm,
                );
            }
            StepKind::Set { field, value } => {
                self.p.text("set");
                self.p.space();
                self.profile_field(field);
                self.p.space();
                self.p.text("=");
                self.p.space();
                self.expr(value);
            }
            StepKind::AdjustScore {
                score,
                delta,
                delta_span,
            } => {
                self.p.text("score");
                self.p.space();
                self.ident(score);
                self.p.space();
                self.p.flush_until(delta_span.start);
                let (op, amount) = if *delta < 0 {
                    ("-=", -delta)
                } else {
                    ("+=", *delta)
                };
                self.p.text(op);
                self.p.space();
                self.p.text(&amount.to_string());
            }
            StepKind::Tag(tag) => {
                self.p.text("tag");
                self.p.space();
                self.str_lit(tag);
            }
            StepKind::Untag(tag) => {
                self.p.text("untag");
                self.p.space();
                self.str_lit(tag);
            }
            StepKind::Goal(name) => {
                self.p.text("goal");
                self.p.space();
                self.ident(name);
            }
            StepKind::Exit => self.p.text("exit"),
        }
    }

    fn channel(&mut self, channel: &ChannelSpec) {
        match channel {
            ChannelSpec::Named(name) => self.ident(name),
            ChannelSpec::Best { channels, span } => {
                self.p.flush_until(span.start);
                self.p.text("best_channel(");
                for (index, name) in channels.iter().enumerate() {
                    if index > 0 {
                        self.p.text(",");
                        self.p.space();
                    }
                    self.ident(name);
                }
                self.p.text(")");
            }
        }
    }

    fn payload(&mut self, payload: Option<&Payload>) {
        let Some(payload) = payload else {
            return;
        };
        self.p.flush_until(payload.span.start);
        self.p.space();
        self.p.text("with");
        self.p.space();
        let brace = self
            .source
            .next_token(payload.span.start + "with".len() as u32);
        let close = self.code_end(payload.span.end).saturating_sub(1);
        self.field_inits(brace, close, &payload.fields);
    }

    fn time_spec(&mut self, at: &TimeSpec) {
        match at {
            TimeSpec::Clock(time) => self.local_time(time),
            TimeSpec::BestTime(span) => {
                self.p.flush_until(span.start);
                self.p.text("best_time");
            }
            TimeSpec::Instant(expr) => self.expr(expr),
        }
    }

    /// A block of steps, one per line.
    fn block(&mut self, block: &Block) {
        let close = self.code_end(block.span.end).saturating_sub(1);
        self.items_block(
            block.span.start,
            close,
            &block.steps,
            |s| s.span.start,
            Self::step,
        );
    }

    fn split_arm(&mut self, arm: &SplitArm) {
        self.percent(&arm.percent);
        self.p.space();
        self.ident(&arm.name);
        self.p.space();
        if self.arm_inline(arm) {
            self.arm_block_inline(&arm.block);
        } else {
            self.block(&arm.block);
        }
    }

    /// Whether an arm stays on one line, `50% a { send email "a" }`: it was written so, holds a
    /// single step without a block of its own and no comment, and fits in [`MAX_WIDTH`].
    fn arm_inline(&self, arm: &SplitArm) -> bool {
        let [step] = arm.block.steps.as_slice() else {
            return false;
        };
        let nested = matches!(
            step.kind,
            StepKind::WaitFor { .. } | StepKind::If { .. } | StepKind::Split(_)
        );
        if nested
            || self
                .p
                .has_comment_between(arm.span.start, self.code_end(arm.span.end))
            || !self.source.same_line(arm.block.span.start, step.span.start)
        {
            return false;
        }
        let width = self.measure(|fmt| {
            fmt.percent(&arm.percent);
            fmt.p.space();
            fmt.ident(&arm.name);
            fmt.p.space();
            fmt.arm_block_inline(&arm.block);
        });
        self.p.indent_width() + width <= MAX_WIDTH
    }

    fn arm_block_inline(&mut self, block: &Block) {
        self.p.text("{");
        for step in &block.steps {
            self.p.space();
            self.step(step);
        }
        self.p.space();
        self.p.text("}");
    }
}
