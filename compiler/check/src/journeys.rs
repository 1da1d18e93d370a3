//! Checking journeys: header clauses, entry kinds, bindings and every step.

use std::collections::HashSet;

use journey_syntax::ast::{
    Block, ChannelSpec, ClauseKind, Entry, Expr, ExprKind, Ident, JourneyDecl, JourneyItem,
    Literal, Payload, Step, StepKind, TimeSpec,
};
use journey_syntax::Span;

use crate::checker::{Binding, Checker, Scope};
use crate::messages;
use crate::suggest::did_you_mean;
use crate::types::Type;

/// The weekday names of `enter weekly on DAY`.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// What a journey can produce, for checking the expectations of tests.
#[derive(Debug, Default)]
pub struct Outputs {
    /// (channel, template) of every send; `best_channel` sends list each channel.
    pub sends: HashSet<(String, String)>,
    /// (team, template) of every notify.
    pub notifies: HashSet<(String, String)>,
    /// Every goal name.
    pub goals: HashSet<String>,
    /// Channels sent on, with the first span of each, for the consent lint.
    pub sent_channels: Vec<(String, Span)>,
    /// Scores adjusted by steps, with the sign of the adjustment.
    pub adjusted_scores: Vec<(String, i64)>,
}

impl Checker<'_> {
    /// Checks one journey.
    pub fn journey(&mut self, journey: &JourneyDecl, outputs: &mut Outputs) {
        let mut enter_seen: Option<Span> = None;
        let mut reenter_seen: Option<Span> = None;
        let mut first_step: Option<Span> = None;
        let mut scope = Scope {
            in_journey: true,
            ..Scope::default()
        };

        // The entry binding is visible in every clause and step, so collect it first.
        for item in &journey.items {
            if let JourneyItem::Clause(clause) = item {
                if let ClauseKind::Enter(Entry::On {
                    event,
                    binding: Some(binding),
                    ..
                }) = &clause.kind
                {
                    if self.program.events.contains_key(&event.name) && enter_seen.is_none() {
                        scope.bindings.push(Binding {
                            name: binding.name.clone(),
                            event: event.name.clone(),
                            span: binding.span,
                        });
                    }
                }
            }
        }

        for item in &journey.items {
            match item {
                JourneyItem::Clause(clause) => {
                    if let Some(step) = first_step {
                        self.diagnostics
                            .push(messages::clause_after_step(clause.span, step));
                    }
                    match &clause.kind {
                        ClauseKind::Enter(entry) => {
                            if let Some(first) = enter_seen {
                                self.diagnostics
                                    .push(messages::duplicate_enter(clause.span, first));
                            } else {
                                enter_seen = Some(clause.span);
                            }
                            self.entry(entry, &scope);
                        }
                        ClauseKind::Reenter(reenter) => {
                            if let Some(first) = reenter_seen {
                                self.diagnostics
                                    .push(messages::duplicate_reenter(clause.span, first));
                            } else {
                                reenter_seen = Some(clause.span);
                            }
                            if let journey_syntax::ast::Reenter::After(d) = reenter {
                                if d.value.amount == 0 {
                                    self.diagnostics.push(messages::zero_window(d.span));
                                }
                            }
                        }
                        ClauseKind::Goal {
                            name,
                            event,
                            binding,
                            filter,
                        } => {
                            outputs.goals.insert(name.name.clone());
                            self.event_rule(event, binding.as_ref(), filter.as_ref(), &scope);
                        }
                        ClauseKind::Exit { event, filter } => {
                            self.event_rule(event, None, filter.as_ref(), &scope);
                        }
                    }
                }
                JourneyItem::Step(step) => {
                    first_step.get_or_insert(keyword_span(step));
                    self.step(step, &mut scope, outputs);
                }
            }
        }
        if enter_seen.is_none() {
            self.diagnostics
                .push(messages::missing_enter(&journey.name));
        }
    }

    /// `goal ... on EVENT [as B] [where C]`, `exit on EVENT [where C]`, `enter on ...`.
    fn event_rule(
        &mut self,
        event: &Ident,
        binding: Option<&Ident>,
        filter: Option<&Expr>,
        scope: &Scope,
    ) {
        let Some(event_name) = self.resolve_event(event, scope) else {
            return;
        };
        let mut inner = scope.with_event(&event_name);
        if let Some(binding) = binding {
            if inner.binding(&binding.name).is_some() && !is_entry_binding(scope, binding) {
                self.diagnostics.push(messages::duplicate_binding(binding));
            }
            if !is_entry_binding(scope, binding) {
                inner.bindings.push(Binding {
                    name: binding.name.clone(),
                    event: event_name.clone(),
                    span: binding.span,
                });
            }
        }
        if let Some(filter) = filter {
            self.condition(filter, &inner);
        }
    }

    fn entry(&mut self, entry: &Entry, scope: &Scope) {
        let outside = Scope {
            in_journey: false,
            ..scope.clone()
        };
        match entry {
            Entry::On {
                event,
                binding,
                filter,
            } => self.event_rule(event, binding.as_ref(), filter.as_ref(), scope),
            Entry::When(condition) => self.condition(
                condition,
                &Scope {
                    bindings: Vec::new(),
                    ..outside
                },
            ),
            Entry::Inactive(duration) => {
                if duration.value.amount == 0 {
                    self.diagnostics.push(messages::zero_window(duration.span));
                }
            }
            Entry::Daily { filter, .. } => self.schedule_filter(filter.as_ref(), &outside),
            Entry::Weekly { day, filter, .. } => {
                if !WEEKDAYS.contains(&day.name.as_str()) {
                    let suggestion = did_you_mean(&day.name, WEEKDAYS);
                    self.diagnostics
                        .push(messages::unknown_weekday(day, suggestion));
                }
                self.schedule_filter(filter.as_ref(), &outside);
            }
            Entry::Monthly { day, filter, .. } => {
                if !(1..=31).contains(&day.value) {
                    self.diagnostics
                        .push(messages::day_of_month_out_of_range(day.span, day.value));
                }
                self.schedule_filter(filter.as_ref(), &outside);
            }
            Entry::Yearly { field, filter, .. } => {
                let ty = self.profile_field(field, &outside);
                if !ty.is_unknown() && *ty.unwrap_optional() != Type::Date {
                    self.diagnostics
                        .push(messages::yearly_needs_date(field, &self.show(&ty)));
                }
                self.schedule_filter(filter.as_ref(), &outside);
            }
            Entry::Once { filter, .. } => self.schedule_filter(filter.as_ref(), &outside),
        }
    }

    fn schedule_filter(&mut self, filter: Option<&Expr>, scope: &Scope) {
        if let Some(filter) = filter {
            self.condition(
                filter,
                &Scope {
                    bindings: Vec::new(),
                    ..scope.clone()
                },
            );
        }
    }

    fn block(&mut self, block: &Block, scope: &mut Scope, outputs: &mut Outputs) {
        for step in &block.steps {
            self.step(step, scope, outputs);
        }
    }

    fn step(&mut self, step: &Step, scope: &mut Scope, outputs: &mut Outputs) {
        match &step.kind {
            StepKind::Send {
                channel,
                template,
                payload,
                at,
            } => {
                match channel {
                    ChannelSpec::Named(name) => {
                        if self.channel(name) {
                            outputs
                                .sends
                                .insert((name.name.clone(), template.value.clone()));
                            outputs.sent_channels.push((name.name.clone(), name.span));
                        }
                    }
                    ChannelSpec::Best { channels, .. } => {
                        let mut seen: HashSet<&str> = HashSet::new();
                        for name in channels {
                            if !seen.insert(&name.name) {
                                self.diagnostics
                                    .push(messages::duplicate_field(&name.name, name.span));
                                continue;
                            }
                            if self.channel(name) {
                                outputs
                                    .sends
                                    .insert((name.name.clone(), template.value.clone()));
                                outputs.sent_channels.push((name.name.clone(), name.span));
                                self.engagement_used(Some(&name.name));
                            }
                        }
                    }
                }
                if let Some(payload) = payload {
                    self.payload(payload, scope);
                }
                if let Some(at) = at {
                    self.timespec(at, scope);
                }
            }
            StepKind::Notify {
                team,
                template,
                payload,
            } => {
                outputs
                    .notifies
                    .insert((team.name.clone(), template.value.clone()));
                if let Some(payload) = payload {
                    self.payload(payload, scope);
                }
            }
            StepKind::Wait(duration) => {
                self.expect_type(duration, scope, &Type::Duration);
            }
            StepKind::WaitUntil(timespec) => self.timespec(timespec, scope),
            StepKind::WaitFor {
                event,
                binding,
                filter,
                within,
                then,
                otherwise,
            } => {
                if within.value.amount == 0 {
                    self.diagnostics.push(messages::zero_window(within.span));
                }
                let event_name = self.resolve_event(event, scope);
                let mut then_scope = scope.clone();
                if let (Some(binding), Some(event_name)) = (binding, &event_name) {
                    if scope.binding(&binding.name).is_some() {
                        self.diagnostics.push(messages::duplicate_binding(binding));
                    }
                    then_scope.bindings.push(Binding {
                        name: binding.name.clone(),
                        event: event_name.clone(),
                        span: binding.span,
                    });
                }
                if let (Some(filter), Some(event_name)) = (filter, &event_name) {
                    let filter_scope = then_scope.with_event(event_name);
                    self.condition(filter, &filter_scope);
                }
                self.block(then, &mut then_scope, outputs);
                if let Some(otherwise) = otherwise {
                    self.block(otherwise, &mut scope.clone(), outputs);
                }
            }
            StepKind::If {
                branches,
                otherwise,
            } => {
                for (condition, block) in branches {
                    self.condition(condition, scope);
                    self.block(block, &mut scope.clone(), outputs);
                }
                if let Some(otherwise) = otherwise {
                    self.block(otherwise, &mut scope.clone(), outputs);
                }
            }
            StepKind::Split(arms) => {
                let mut total = 0.0;
                let mut names: HashSet<&str> = HashSet::new();
                for arm in arms {
                    total += arm.percent.value;
                    if arm.percent.value <= 0.0 {
                        self.diagnostics.push(messages::percent_out_of_range(
                            arm.percent.span,
                            &arm.percent.text,
                        ));
                    }
                    if !names.insert(&arm.name.name) {
                        self.diagnostics
                            .push(messages::duplicate_field(&arm.name.name, arm.name.span));
                    }
                    self.block(&arm.block, &mut scope.clone(), outputs);
                }
                if (total - 100.0).abs() > 1e-9 {
                    let keyword = Span {
                        end: step.span.start + 5,
                        ..step.span
                    };
                    let arms: Vec<(Span, String)> = arms
                        .iter()
                        .map(|a| (a.percent.span, a.percent.text.clone()))
                        .collect();
                    self.diagnostics
                        .push(messages::split_total(keyword, total, &arms));
                }
            }
            StepKind::Set { field, value } => {
                let ty = self.profile_field(field, scope);
                if !ty.is_unknown() {
                    self.expect_type(value, scope, &ty);
                }
                if field.name == "timezone" {
                    if let ExprKind::Literal(Literal::String(zone)) = &value.kind {
                        self.check_zone(zone, value.span);
                    }
                }
            }
            StepKind::AdjustScore { score, delta, .. } => {
                if self.program.scores.contains_key(&score.name) {
                    self.reference(
                        crate::program::Symbol::Score(score.name.clone()),
                        score.span,
                        scope,
                    );
                    outputs.adjusted_scores.push((score.name.clone(), *delta));
                } else if !self.program.is_broken(&score.name) {
                    let mut names: Vec<&str> =
                        self.program.scores.keys().map(String::as_str).collect();
                    names.sort_unstable();
                    let suggestion = did_you_mean(&score.name, names).map(str::to_string);
                    self.diagnostics
                        .push(messages::unknown_score(score, suggestion.as_deref()));
                }
            }
            StepKind::Tag(_) | StepKind::Untag(_) => {
                let tags = self.program.profile_field("tags").map(|f| f.ty.clone());
                let ok = matches!(&tags, Some(Type::List(inner)) if **inner == Type::String || inner.is_unknown());
                if ok {
                    self.reference(
                        crate::program::Symbol::ProfileField("tags".into()),
                        step.span,
                        scope,
                    );
                } else {
                    self.diagnostics
                        .push(messages::tags_field_missing(step.span, tags.is_some()));
                }
            }
            StepKind::Goal(name) => {
                outputs.goals.insert(name.name.clone());
            }
            StepKind::Exit => {}
        }
    }

    fn payload(&mut self, payload: &Payload, scope: &Scope) {
        let mut keys: HashSet<&str> = HashSet::new();
        for field in &payload.fields {
            if !keys.insert(&field.name.name) {
                self.diagnostics
                    .push(messages::duplicate_field(&field.name.name, field.name.span));
            }
            self.expr(&field.value, scope, None);
        }
    }

    fn timespec(&mut self, timespec: &TimeSpec, scope: &Scope) {
        match timespec {
            TimeSpec::Instant(expr) => {
                self.expect_type(expr, scope, &Type::Time);
            }
            TimeSpec::BestTime(_) => self.engagement_used(None),
            TimeSpec::Clock(_) => {}
        }
    }

    /// `best_channel` and `best_time` read the engagement events `CHANNEL.opened` and
    /// `CHANNEL.clicked` (reference §5): of one channel, or of every channel (`None`). They count
    /// as uses, so that such events are not reported as unused.
    fn engagement_used(&mut self, channel: Option<&str>) {
        let engaged: Vec<String> = self
            .program
            .events
            .keys()
            .filter(|name| {
                name.split_once('.').is_some_and(|(ch, what)| {
                    matches!(what, "opened" | "clicked")
                        && crate::checker::CHANNELS.contains(&ch)
                        && channel.is_none_or(|c| c == ch)
                })
            })
            .cloned()
            .collect();
        self.program.implicitly_used.extend(engaged);
    }
}

fn is_entry_binding(scope: &Scope, binding: &Ident) -> bool {
    scope
        .binding(&binding.name)
        .is_some_and(|b| b.span.range() == binding.span.range())
}

/// The span of a step's leading keyword.
fn keyword_span(step: &Step) -> Span {
    let length = match &step.kind {
        StepKind::Send { .. }
        | StepKind::Wait(_)
        | StepKind::WaitUntil(_)
        | StepKind::WaitFor { .. } => 4,
        StepKind::Goal(_) | StepKind::Exit => 4,
        StepKind::Notify { .. } => 6,
        StepKind::If { .. } => 2,
        StepKind::Split(_) | StepKind::AdjustScore { .. } | StepKind::Untag(_) => 5,
        StepKind::Set { .. } | StepKind::Tag(_) => 3,
    };
    Span {
        end: (step.span.start + length).min(step.span.end),
        ..step.span
    }
}
