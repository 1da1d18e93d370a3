//! Lowering: from a checked program (AST plus the checker's tables) to the IR.
//!
//! Lowering trusts the checker: it runs only on programs without errors, and reads what every
//! name means and every expression's type from the checker's side tables instead of resolving
//! anything again.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use journey_check::program::{span_key, Resolution, SpanKey};
use journey_check::types::Type as CheckedType;
use journey_check::Analysis;
use journey_syntax::ast::{self, BinaryOp, DeclKind, ExprKind as AstExpr, Literal, UnaryOp};
use journey_syntax::Span;

use crate::filters::read_time_key;
use crate::ir::*;
use crate::types::{EnumId, Type};

/// Why a program could not be lowered.
#[derive(Debug, PartialEq, Eq)]
pub enum LowerError {
    /// The checker reported errors; lowering needs a valid program.
    HasErrors(usize),
    /// Something the checker accepted that lowering does not know (a bug to report).
    Unsupported(String),
}

impl std::fmt::Display for LowerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LowerError::HasErrors(n) => write!(f, "the program has {n} error(s); fix them first"),
            LowerError::Unsupported(what) => write!(f, "cannot lower {what}"),
        }
    }
}

/// Lowers a checked program.
pub fn lower(analysis: &Analysis) -> Result<Program, LowerError> {
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == journey_check::Severity::Error)
        .count();
    if errors > 0 {
        return Err(LowerError::HasErrors(errors));
    }
    let mut lowering = Lowering {
        analysis,
        program: Program::default(),
        names: Names::default(),
    };
    lowering.tables()?;
    lowering.bodies()?;
    lowering.share_string_literals();
    let mut program = lowering.program;
    program.filters = crate::filters::EventFilters::new(&program);
    Ok(program)
}

/// Name → index of every global table, built before any body is lowered.
#[derive(Default)]
struct Names {
    events: HashMap<String, EventId>,
    profile: HashMap<String, ProfileSlot>,
    segments: HashMap<String, SegmentId>,
    scores: HashMap<String, ScoreId>,
    journeys: HashMap<String, JourneyId>,
}

/// What names mean where an expression is lowered.
#[derive(Clone, Default)]
struct Context {
    /// The event whose fields are in scope bare.
    event: Option<EventId>,
    /// Bindings by the position of their definition.
    bindings: HashMap<SpanKey, BindingId>,
    /// The journey being lowered.
    journey: Option<JourneyId>,
}

struct Lowering<'a> {
    analysis: &'a Analysis,
    program: Program,
    names: Names,
}

fn unsupported<T>(what: impl Into<String>) -> Result<T, LowerError> {
    Err(LowerError::Unsupported(what.into()))
}

fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Lowering<'_> {
    /// Makes equal string literals share one allocation.
    fn share_string_literals(&mut self) {
        let mut seen: HashSet<Arc<str>> = HashSet::new();
        for expr in &mut self.program.exprs {
            if let ExprKind::Const(Const::String(s)) = &mut expr.kind {
                match seen.get(s) {
                    Some(shared) => *s = Arc::clone(shared),
                    None => {
                        seen.insert(Arc::clone(s));
                    }
                }
            }
        }
    }

    /// Numbers every global name, in declaration order.
    fn tables(&mut self) -> Result<(), LowerError> {
        let analysis = self.analysis;
        let checked = &analysis.program;
        self.program.enums = checked.enums.clone();
        let decls: Vec<&ast::Decl> = analysis.modules.iter().flat_map(|m| &m.decls).collect();
        for decl in &decls {
            match &decl.kind {
                DeclKind::Event(event) => {
                    let Some(info) = checked.events.get(&event.name.name) else {
                        return unsupported(format!("event `{}`", event.name.name));
                    };
                    let id = EventId(index(self.program.events.len()));
                    self.names.events.insert(info.name.clone(), id);
                    self.program.events.push(EventType {
                        name: info.name.clone(),
                        fields: info
                            .fields
                            .iter()
                            .map(|f| Field {
                                name: f.name.clone(),
                                ty: ir_type(&f.ty),
                            })
                            .collect(),
                    });
                }
                DeclKind::Segment(segment) => {
                    let id = SegmentId(index(self.names.segments.len()));
                    self.names.segments.insert(segment.name.name.clone(), id);
                }
                DeclKind::Score(score) => {
                    let id = ScoreId(index(self.names.scores.len()));
                    self.names.scores.insert(score.name.name.clone(), id);
                }
                DeclKind::Journey(journey) => {
                    let id = JourneyId(index(self.names.journeys.len()));
                    self.names.journeys.insert(journey.name.name.clone(), id);
                }
                _ => {}
            }
        }
        for (i, field) in checked.profile.iter().enumerate() {
            self.names
                .profile
                .insert(field.name.clone(), ProfileSlot(index(i)));
        }
        Ok(())
    }

    /// Lowers every declaration's body.
    fn bodies(&mut self) -> Result<(), LowerError> {
        let analysis = self.analysis;
        let global = Context::default();
        for field in &analysis.program.profile {
            self.program.profile.push(ProfileField {
                name: field.name.clone(),
                ty: ir_type(&field.ty),
                default: None,
            });
        }
        for decl in analysis.modules.iter().flat_map(|m| &m.decls) {
            match &decl.kind {
                DeclKind::Profile(profile) => {
                    for field in &profile.fields {
                        if let Some(default) = &field.default {
                            let id = self.expr(default, &global)?;
                            let slot = self.profile_slot(&field.name.name)?;
                            let ty = self.program.profile[slot.index()].ty.clone();
                            let id = self.widen(id, &ty);
                            self.program.profile[slot.index()].default = Some(id);
                        }
                    }
                }
                DeclKind::Segment(segment) => {
                    let condition = self.expr(&segment.condition, &global)?;
                    self.program.segments.push(Segment {
                        name: segment.name.name.clone(),
                        condition,
                    });
                }
                DeclKind::Score(score) => {
                    let lowered = self.score(score)?;
                    self.program.scores.push(lowered);
                }
                DeclKind::Policy(policy) => self.policy(policy)?,
                DeclKind::Conversion(conversion) => {
                    let lowered = self.conversion(conversion)?;
                    self.program.conversions.push(lowered);
                }
                _ => {}
            }
        }
        for decl in analysis.modules.iter().flat_map(|m| &m.decls) {
            if let DeclKind::Journey(journey) = &decl.kind {
                let lowered = self.journey(journey)?;
                self.program.journeys.push(lowered);
            }
        }
        for decl in analysis.modules.iter().flat_map(|m| &m.decls) {
            if let DeclKind::Test(test) = &decl.kind {
                let lowered = self.test(test, decl.span)?;
                self.program.tests.push(lowered);
            }
        }
        Ok(())
    }

    /// A `test` block: givens become identifies at the first instant, ahead of every other line.
    fn test(&mut self, test: &ast::TestDecl, span: Span) -> Result<TestCase, LowerError> {
        use ast::TestItemKind;
        let instants = test.items.iter().filter_map(|item| match &item.kind {
            TestItemKind::Given { .. } => None,
            TestItemKind::Event { at, .. }
            | TestItemKind::Identify { at, .. }
            | TestItemKind::Expect { at, .. } => Some(at.value.epoch_seconds),
        });
        let first = instants.clone().min().unwrap_or(0);
        let until = instants.max().unwrap_or(0);
        let mut givens = Vec::new();
        let mut inputs = Vec::new();
        let mut expected = Vec::new();
        for item in &test.items {
            match &item.kind {
                TestItemKind::Given { contact, fields } => givens.push(TestInput {
                    at: first,
                    contact: contact.name.clone(),
                    kind: TestInputKind::Identify(self.traits(fields)?),
                }),
                TestItemKind::Identify {
                    at,
                    contact,
                    fields,
                } => inputs.push(TestInput {
                    at: at.value.epoch_seconds,
                    contact: contact.name.clone(),
                    kind: TestInputKind::Identify(self.traits(fields)?),
                }),
                TestItemKind::Event {
                    at,
                    contact,
                    event,
                    fields,
                } => {
                    let id = self.event(&event.name)?;
                    let mut properties = Vec::new();
                    for field in fields {
                        let Some(slot) = self.program.events[id.index()].slot(&field.name.name)
                        else {
                            return unsupported(format!("property `{}`", field.name.name));
                        };
                        let value = self.expr(&field.value, &Context::default())?;
                        let ty = self.program.events[id.index()].fields[slot as usize]
                            .ty
                            .clone();
                        properties.push((slot, self.widen(value, &ty)));
                    }
                    inputs.push(TestInput {
                        at: at.value.epoch_seconds,
                        contact: contact.name.clone(),
                        kind: TestInputKind::Track {
                            event: id,
                            fields: properties,
                        },
                    });
                }
                TestItemKind::Expect {
                    at,
                    contact,
                    expectation,
                } => expected.push(Expected {
                    at: at.value.epoch_seconds,
                    contact: contact.name.clone(),
                    record: expected_record(expectation)?,
                }),
            }
        }
        givens.extend(inputs);
        Ok(TestCase {
            name: test.name.value.clone(),
            span,
            inputs: givens,
            expected,
            until,
        })
    }

    fn traits(
        &mut self,
        fields: &[ast::FieldInit],
    ) -> Result<Vec<(ProfileSlot, ExprId)>, LowerError> {
        fields
            .iter()
            .map(|field| {
                let slot = self.profile_slot(&field.name.name)?;
                let value = self.expr(&field.value, &Context::default())?;
                let ty = self.program.profile[slot.index()].ty.clone();
                Ok((slot, self.widen(value, &ty)))
            })
            .collect()
    }

    fn event(&self, name: &str) -> Result<EventId, LowerError> {
        self.names
            .events
            .get(name)
            .copied()
            .map_or_else(|| unsupported(format!("event `{name}`")), Ok)
    }

    fn profile_slot(&self, name: &str) -> Result<ProfileSlot, LowerError> {
        self.names
            .profile
            .get(name)
            .copied()
            .map_or_else(|| unsupported(format!("profile field `{name}`")), Ok)
    }

    fn score(&mut self, score: &ast::ScoreDecl) -> Result<Score, LowerError> {
        let mut lowered = Score {
            name: score.name.name.clone(),
            on_rules: Vec::new(),
            while_rules: Vec::new(),
            decay: None,
        };
        for rule in &score.rules {
            match &rule.kind {
                ast::ScoreRuleKind::On {
                    event,
                    filter,
                    points,
                    cap,
                } => {
                    let event = self.event(&event.name)?;
                    let filter = self.filter(
                        filter.as_ref(),
                        &Context {
                            event: Some(event),
                            ..Context::default()
                        },
                    )?;
                    lowered.on_rules.push(ScoreOn {
                        event,
                        filter,
                        points: points.value,
                        cap: cap.as_ref().map(|c| (c.limit.value, c.per.value.seconds())),
                    });
                }
                ast::ScoreRuleKind::While { condition, points } => {
                    let condition = self.expr(condition, &Context::default())?;
                    lowered.while_rules.push(ScoreWhile {
                        condition,
                        points: points.value,
                    });
                }
                ast::ScoreRuleKind::Decay { percent, every } => {
                    lowered.decay = Some(Decay {
                        percent: percent.value,
                        every: every.value.seconds(),
                    });
                }
            }
        }
        Ok(lowered)
    }

    fn policy(&mut self, policy: &ast::PolicyDecl) -> Result<(), LowerError> {
        for rule in &policy.rules {
            match &rule.kind {
                ast::PolicyRuleKind::QuietHours { from, to, zone } => {
                    self.program.policy.quiet_hours = Some(QuietHours {
                        from: u32::from(from.hour) * 60 + u32::from(from.minute),
                        to: u32::from(to.hour) * 60 + u32::from(to.minute),
                        zone: clock_zone(*zone),
                    });
                }
                ast::PolicyRuleKind::Cap {
                    channel,
                    limit,
                    per,
                } => {
                    let channel = channel_of(&channel.name)?;
                    self.program
                        .policy
                        .caps
                        .push((channel, limit.value, per.value.seconds()));
                }
                ast::PolicyRuleKind::Consent { channel, condition } => {
                    let channel = channel_of(&channel.name)?;
                    let condition = self.expr(condition, &Context::default())?;
                    self.program.policy.consent.push((channel, condition));
                }
            }
        }
        Ok(())
    }

    /// A `conversion`: its event, filter, value slot and window (7 days unless given).
    fn conversion(&mut self, conversion: &ast::ConversionDecl) -> Result<Conversion, LowerError> {
        let event = self.event(&conversion.event.name)?;
        let filter = self.filter(
            conversion.filter.as_ref(),
            &Context {
                event: Some(event),
                ..Context::default()
            },
        )?;
        let value = match &conversion.value {
            Some(field) => match self.program.events[event.index()].slot(&field.name) {
                Some(slot) => Some(slot),
                None => return unsupported(format!("value field `{}`", field.name)),
            },
            None => None,
        };
        Ok(Conversion {
            name: conversion.name.name.clone(),
            event,
            filter,
            value,
            within: conversion
                .within
                .as_ref()
                .map_or(7 * 86_400, |w| w.value.seconds()),
        })
    }

    fn filter(
        &mut self,
        filter: Option<&ast::Expr>,
        context: &Context,
    ) -> Result<Option<ExprId>, LowerError> {
        filter.map(|f| self.expr(f, context)).transpose()
    }

    // ---- journeys -----------------------------------------------------------------------------

    fn journey(&mut self, journey: &ast::JourneyDecl) -> Result<Journey, LowerError> {
        let id = self
            .names
            .journeys
            .get(&journey.name.name)
            .copied()
            .unwrap_or(JourneyId(0));
        let mut builder = JourneyBuilder {
            bindings: Vec::new(),
            steps: Vec::new(),
        };
        let mut context = Context {
            journey: Some(id),
            ..Context::default()
        };
        // The entry's binding is visible everywhere in the journey.
        for item in &journey.items {
            if let ast::JourneyItem::Clause(ast::Clause {
                kind:
                    ast::ClauseKind::Enter(ast::Entry::On {
                        event,
                        binding: Some(binding),
                        ..
                    }),
                ..
            }) = item
            {
                let event = self.event(&event.name)?;
                let binding_id = builder.bind(&binding.name, event);
                context.bindings.insert(span_key(binding.span), binding_id);
            }
        }
        let mut entry = None;
        let mut reenter = Reenter::Never;
        let mut goal_rules = Vec::new();
        let mut exit_rules = Vec::new();
        let mut steps: Vec<&ast::Step> = Vec::new();
        for item in &journey.items {
            match item {
                ast::JourneyItem::Step(step) => steps.push(step),
                ast::JourneyItem::Clause(clause) => match &clause.kind {
                    ast::ClauseKind::Enter(e) => entry = Some(self.entry(e, &context)?),
                    ast::ClauseKind::Reenter(r) => {
                        reenter = match r {
                            ast::Reenter::Never => Reenter::Never,
                            ast::Reenter::Always => Reenter::Always,
                            ast::Reenter::After(d) => Reenter::After(d.value.seconds()),
                        }
                    }
                    ast::ClauseKind::Goal {
                        name,
                        event,
                        binding,
                        filter,
                    } => {
                        let event = self.event(&event.name)?;
                        let mut inner = Context {
                            event: Some(event),
                            ..context.clone()
                        };
                        let binding = binding.as_ref().map(|b| {
                            let id = builder.bind(&b.name, event);
                            inner.bindings.insert(span_key(b.span), id);
                            id
                        });
                        let filter = self.filter(filter.as_ref(), &inner)?;
                        goal_rules.push(EventRule {
                            name: name.name.clone(),
                            event,
                            binding,
                            filter,
                        });
                    }
                    ast::ClauseKind::Exit { event, filter } => {
                        let event = self.event(&event.name)?;
                        let inner = Context {
                            event: Some(event),
                            ..context.clone()
                        };
                        let filter = self.filter(filter.as_ref(), &inner)?;
                        exit_rules.push(EventRule {
                            name: String::new(),
                            event,
                            binding: None,
                            filter,
                        });
                    }
                },
            }
        }
        let Some(entry) = entry else {
            return unsupported(format!("journey `{}` without entry", journey.name.name));
        };
        let end = builder.push(Step::Exit);
        let steps: Vec<ast::Step> = steps.into_iter().cloned().collect();
        let start = self.block(&steps, end, &mut builder, &context)?;
        let (steps, start) = renumber(builder.steps, start);
        Ok(Journey {
            name: journey.name.name.clone(),
            entry,
            reenter,
            goal_rules,
            exit_rules,
            bindings: builder.bindings,
            steps,
            start,
        })
    }

    fn entry(&mut self, entry: &ast::Entry, context: &Context) -> Result<Entry, LowerError> {
        let outside = Context {
            journey: None,
            ..context.clone()
        };
        let schedule = |this: &mut Self,
                        calendar: Calendar,
                        at: &ast::LocalTime,
                        filter: &Option<ast::Expr>| {
            let filter = this.filter(filter.as_ref(), &Context::default())?;
            Ok(Entry::Schedule {
                calendar,
                at: clock(at),
                filter,
            })
        };
        match entry {
            ast::Entry::On {
                event,
                binding,
                filter,
            } => {
                let event = self.event(&event.name)?;
                let binding = binding
                    .as_ref()
                    .and_then(|b| context.bindings.get(&span_key(b.span)).copied());
                let filter = self.filter(
                    filter.as_ref(),
                    &Context {
                        event: Some(event),
                        ..outside
                    },
                )?;
                Ok(Entry::On {
                    event,
                    binding,
                    filter,
                })
            }
            ast::Entry::When(condition) => {
                Ok(Entry::When(self.expr(condition, &Context::default())?))
            }
            ast::Entry::Inactive(d) => Ok(Entry::Inactive(d.value.seconds())),
            ast::Entry::Daily { at, filter } => schedule(self, Calendar::Daily, at, filter),
            ast::Entry::Weekly { day, at, filter } => {
                let weekday = journey_check::WEEKDAYS
                    .iter()
                    .position(|d| *d == day.name)
                    .unwrap_or(0);
                schedule(
                    self,
                    Calendar::Weekly(u8::try_from(weekday).unwrap_or(0)),
                    at,
                    filter,
                )
            }
            ast::Entry::Monthly { day, at, filter } => schedule(
                self,
                Calendar::Monthly(u8::try_from(day.value).unwrap_or(1)),
                at,
                filter,
            ),
            ast::Entry::Yearly { field, at, filter } => {
                let slot = self.profile_slot(&field.name)?;
                schedule(self, Calendar::Yearly(slot), at, filter)
            }
            ast::Entry::Once { at, filter } => {
                let filter = self.filter(filter.as_ref(), &Context::default())?;
                Ok(Entry::Once {
                    at: at.value.epoch_seconds,
                    filter,
                })
            }
        }
    }

    /// Lowers a block so that it continues at `next`; returns its first step.
    fn block(
        &mut self,
        steps: &[ast::Step],
        next: StepId,
        builder: &mut JourneyBuilder,
        context: &Context,
    ) -> Result<StepId, LowerError> {
        let mut continuation = next;
        for step in steps.iter().rev() {
            continuation = self.step(step, continuation, builder, context)?;
        }
        Ok(continuation)
    }

    fn step(
        &mut self,
        step: &ast::Step,
        next: StepId,
        builder: &mut JourneyBuilder,
        context: &Context,
    ) -> Result<StepId, LowerError> {
        let lowered = match &step.kind {
            ast::StepKind::Send {
                channel,
                template,
                payload,
                at,
            } => {
                let (channels, best_channel) = match channel {
                    ast::ChannelSpec::Named(name) => (vec![channel_of(&name.name)?], false),
                    ast::ChannelSpec::Best { channels, .. } => (
                        channels
                            .iter()
                            .map(|c| channel_of(&c.name))
                            .collect::<Result<Vec<_>, _>>()?,
                        true,
                    ),
                };
                let payload = self.payload(payload.as_ref(), context)?;
                let at = at.as_ref().map(|t| self.timespec(t, context)).transpose()?;
                Step::Send(Send {
                    channels,
                    best_channel,
                    template: template.value.clone(),
                    payload,
                    at,
                    next,
                })
            }
            ast::StepKind::Notify {
                team,
                template,
                payload,
            } => Step::Notify {
                team: team.name.clone(),
                template: template.value.clone(),
                payload: self.payload(payload.as_ref(), context)?,
                next,
            },
            ast::StepKind::Wait(duration) => Step::Wait {
                duration: self.expr(duration, context)?,
                next,
            },
            ast::StepKind::WaitUntil(until) => Step::WaitUntil {
                until: self.timespec(until, context)?,
                next,
            },
            ast::StepKind::WaitFor {
                event,
                binding,
                filter,
                within,
                then,
                otherwise,
            } => {
                let event_id = self.event(&event.name)?;
                let mut inner = context.clone();
                let binding = binding.as_ref().map(|b| {
                    let id = builder.bind(&b.name, event_id);
                    inner.bindings.insert(span_key(b.span), id);
                    id
                });
                let filter = self.filter(
                    filter.as_ref(),
                    &Context {
                        event: Some(event_id),
                        ..inner.clone()
                    },
                )?;
                let then = self.block(&then.steps, next, builder, &inner)?;
                let otherwise = match otherwise {
                    Some(block) => self.block(&block.steps, next, builder, context)?,
                    None => next,
                };
                Step::WaitFor {
                    event: event_id,
                    binding,
                    filter,
                    within: within.value.seconds(),
                    then,
                    otherwise,
                }
            }
            ast::StepKind::If {
                branches,
                otherwise,
            } => {
                let mut alternative = match otherwise {
                    Some(block) => self.block(&block.steps, next, builder, context)?,
                    None => next,
                };
                for (index, (condition, block)) in branches.iter().enumerate().rev() {
                    let condition = self.expr(condition, context)?;
                    let then = self.block(&block.steps, next, builder, context)?;
                    let branch = Step::Branch {
                        condition,
                        then,
                        otherwise: alternative,
                    };
                    if index == 0 {
                        return Ok(builder.push(branch));
                    }
                    alternative = builder.push(branch);
                }
                return Ok(alternative);
            }
            ast::StepKind::Split(arms) => {
                let mut lowered = Vec::new();
                for arm in arms {
                    let first = self.block(&arm.block.steps, next, builder, context)?;
                    lowered.push((arm.percent.value, arm.name.name.clone(), first));
                }
                Step::Split { arms: lowered }
            }
            ast::StepKind::Set { field, value } => {
                let slot = self.profile_slot(&field.name)?;
                let value = self.expr(value, context)?;
                let ty = self.program.profile[slot.index()].ty.clone();
                Step::Set {
                    slot,
                    value: self.widen(value, &ty),
                    next,
                }
            }
            ast::StepKind::AdjustScore { score, delta, .. } => {
                let Some(id) = self.names.scores.get(&score.name).copied() else {
                    return unsupported(format!("score `{}`", score.name));
                };
                Step::AdjustScore {
                    score: id,
                    delta: *delta,
                    next,
                }
            }
            ast::StepKind::Tag(tag) => Step::Tag {
                tag: tag.value.clone(),
                add: true,
                next,
            },
            ast::StepKind::Untag(tag) => Step::Tag {
                tag: tag.value.clone(),
                add: false,
                next,
            },
            ast::StepKind::Goal(name) => Step::Goal {
                name: name.name.clone(),
                next,
            },
            ast::StepKind::Exit => Step::Exit,
        };
        Ok(builder.push(lowered))
    }

    fn payload(
        &mut self,
        payload: Option<&ast::Payload>,
        context: &Context,
    ) -> Result<Vec<(String, ExprId)>, LowerError> {
        let Some(payload) = payload else {
            return Ok(Vec::new());
        };
        payload
            .fields
            .iter()
            .map(|f| Ok((f.name.name.clone(), self.expr(&f.value, context)?)))
            .collect()
    }

    fn timespec(
        &mut self,
        spec: &ast::TimeSpec,
        context: &Context,
    ) -> Result<TimeSpec, LowerError> {
        Ok(match spec {
            ast::TimeSpec::Clock(at) => TimeSpec::Clock(clock(at)),
            ast::TimeSpec::BestTime(_) => TimeSpec::BestTime,
            ast::TimeSpec::Instant(expr) => TimeSpec::Instant(self.expr(expr, context)?),
        })
    }

    // ---- expressions ----------------------------------------------------------------------------

    fn push(&mut self, ty: Type, kind: ExprKind) -> ExprId {
        self.program.exprs.push(Expr { ty, kind });
        ExprId(index(self.program.exprs.len() - 1))
    }

    /// `expr` as a `float` where `target` is one and `expr` is an `int`: a constant becomes a
    /// float constant, anything else `expr + 0.0` (exact for every `int`, missing stays missing),
    /// so that a `float` slot or `??` never holds an `int` and later arithmetic is never integer
    /// arithmetic by accident. Anything else is returned as it is.
    fn widen(&mut self, expr: ExprId, target: &Type) -> ExprId {
        let from = self.program.expr(expr).ty.clone();
        if target.unwrap_optional() != &Type::Float || from.unwrap_optional() != &Type::Int {
            return expr;
        }
        if let ExprKind::Const(Const::Int(v)) = self.program.expr(expr).kind {
            return self.push(Type::Float, ExprKind::Const(Const::Float(v as f64)));
        }
        let zero = self.push(Type::Float, ExprKind::Const(Const::Float(0.0)));
        let ty = match from {
            Type::Optional(_) => Type::Optional(Box::new(Type::Float)),
            _ => Type::Float,
        };
        self.push(ty, ExprKind::Arith(ArithOp::Add, expr, zero))
    }

    fn type_of(&self, span: Span) -> Type {
        self.analysis
            .program
            .types
            .get(&span_key(span))
            .map_or(Type::Unknown, ir_type)
    }

    fn expr(&mut self, expr: &ast::Expr, context: &Context) -> Result<ExprId, LowerError> {
        let ty = self.type_of(expr.span);
        let kind = match &expr.kind {
            AstExpr::Paren(inner) => return self.expr(inner, context),
            AstExpr::Literal(literal) => ExprKind::Const(constant(literal)?),
            AstExpr::Now => ExprKind::Now,
            AstExpr::Profile => return unsupported("`profile` without a field"),
            AstExpr::Name(ident) => self.name(ident, expr.span, context)?,
            AstExpr::Member(base, field) => self.member(base, field, expr.span, context)?,
            AstExpr::Unary(UnaryOp::Not, operand) => ExprKind::Not(self.expr(operand, context)?),
            AstExpr::Unary(UnaryOp::Neg, operand) => ExprKind::Neg(self.expr(operand, context)?),
            AstExpr::IsSet { operand, negated } => {
                ExprKind::IsSet(self.expr(operand, context)?, *negated)
            }
            AstExpr::List(items) => ExprKind::List(
                items
                    .iter()
                    .map(|i| self.expr(i, context))
                    .collect::<Result<_, _>>()?,
            ),
            AstExpr::History(history) => ExprKind::History(self.history(history, None, context)?),
            AstExpr::Binary(op, left, right) => {
                let l = self.expr(left, context)?;
                let r = self.expr(right, context)?;
                match op {
                    BinaryOp::Or => ExprKind::Or(l, r),
                    BinaryOp::And => ExprKind::And(l, r),
                    BinaryOp::Eq => ExprKind::Compare(CompareOp::Eq, l, r),
                    BinaryOp::Ne => ExprKind::Compare(CompareOp::Ne, l, r),
                    BinaryOp::Lt => ExprKind::Compare(CompareOp::Lt, l, r),
                    BinaryOp::Le => ExprKind::Compare(CompareOp::Le, l, r),
                    BinaryOp::Gt => ExprKind::Compare(CompareOp::Gt, l, r),
                    BinaryOp::Ge => ExprKind::Compare(CompareOp::Ge, l, r),
                    BinaryOp::In => ExprKind::In(l, r),
                    BinaryOp::Contains => ExprKind::Contains(l, r),
                    BinaryOp::StartsWith => ExprKind::StartsWith(l, r),
                    BinaryOp::EndsWith => ExprKind::EndsWith(l, r),
                    BinaryOp::Coalesce => {
                        ExprKind::Coalesce(self.widen(l, &ty), self.widen(r, &ty))
                    }
                    BinaryOp::Add => ExprKind::Arith(ArithOp::Add, l, r),
                    BinaryOp::Sub => ExprKind::Arith(ArithOp::Sub, l, r),
                    BinaryOp::Mul => ExprKind::Arith(ArithOp::Mul, l, r),
                    BinaryOp::Div => ExprKind::Arith(ArithOp::Div, l, r),
                }
            }
        };
        Ok(self.push(ty, kind))
    }

    fn name(
        &mut self,
        ident: &ast::Ident,
        span: Span,
        context: &Context,
    ) -> Result<ExprKind, LowerError> {
        match self.analysis.program.resolutions.get(&span_key(span)) {
            Some(Resolution::EventField { field, .. }) => {
                let Some(event) = context.event else {
                    return unsupported(format!("field `{field}` outside `where`"));
                };
                let slot = self.program.events[event.index()].slot(field);
                slot.map(|s| ExprKind::EventField(event, s))
                    .map_or_else(|| unsupported(format!("field `{field}`")), Ok)
            }
            Some(Resolution::Segment(name)) => self
                .names
                .segments
                .get(name)
                .map(|id| ExprKind::Segment(*id))
                .map_or_else(|| unsupported(format!("segment `{name}`")), Ok),
            Some(Resolution::Score(name)) => self
                .names
                .scores
                .get(name)
                .map(|id| ExprKind::Score(*id))
                .map_or_else(|| unsupported(format!("score `{name}`")), Ok),
            Some(Resolution::EnumValue(_, variant)) => Ok(ExprKind::Const(Const::Enum(*variant))),
            _ => unsupported(format!("the name `{}`", ident.name)),
        }
    }

    fn member(
        &mut self,
        base: &ast::Expr,
        field: &ast::Ident,
        span: Span,
        context: &Context,
    ) -> Result<ExprKind, LowerError> {
        match &base.kind {
            AstExpr::Profile => Ok(ExprKind::Profile(self.profile_slot(&field.name)?)),
            AstExpr::History(history) if history.function == ast::HistoryFn::Last => Ok(
                ExprKind::History(self.history(history, Some(&field.name), context)?),
            ),
            _ => match self.analysis.program.resolutions.get(&span_key(span)) {
                Some(Resolution::BindingField {
                    defined_at,
                    event,
                    field,
                    ..
                }) => {
                    let Some(binding) = context.bindings.get(&span_key(*defined_at)).copied()
                    else {
                        return unsupported(format!("binding of `{event}`"));
                    };
                    let event = self.event(event)?;
                    let slot = self.program.events[event.index()].slot(field);
                    slot.map(|s| ExprKind::BindingField(binding, event, s))
                        .map_or_else(|| unsupported(format!("field `{field}`")), Ok)
                }
                _ => unsupported(format!("`.{}`", field.name)),
            },
        }
    }

    fn history(
        &mut self,
        history: &ast::History,
        last_field: Option<&str>,
        context: &Context,
    ) -> Result<HistoryId, LowerError> {
        let function = match history.function {
            ast::HistoryFn::Count => HistoryFunction::Count,
            ast::HistoryFn::Sum => HistoryFunction::Sum,
            ast::HistoryFn::Min => HistoryFunction::Min,
            ast::HistoryFn::Max => HistoryFunction::Max,
            ast::HistoryFn::Avg => HistoryFunction::Avg,
            ast::HistoryFn::Last => HistoryFunction::Last,
            ast::HistoryFn::Since => HistoryFunction::Since,
        };
        let target = &history.target.name;
        let (event_name, field_name) = match function {
            HistoryFunction::Sum
            | HistoryFunction::Min
            | HistoryFunction::Max
            | HistoryFunction::Avg => match target.rsplit_once('.') {
                Some((event, field)) => (event, Some(field)),
                None => return unsupported(format!("`{target}` without a field")),
            },
            HistoryFunction::Last => (target.as_str(), last_field),
            _ => (target.as_str(), None),
        };
        let event = self.event(event_name)?;
        let field = match field_name {
            Some(name) => match self.program.events[event.index()].slot(name) {
                Some(slot) => Some(slot),
                None => return unsupported(format!("field `{name}`")),
            },
            None => None,
        };
        let filter_context = Context {
            event: Some(event),
            ..context.clone()
        };
        let (exprs_before, histories_before) =
            (self.program.exprs.len(), self.program.histories.len());
        let filter = self.filter(history.filter.as_ref(), &filter_context)?;
        let window = match &history.window {
            Some(ast::Window::Within(d)) => HistoryWindow::Within(d.value.seconds()),
            Some(ast::Window::SinceEnter(_)) => match context.journey {
                Some(journey) => HistoryWindow::SinceEnter(journey),
                None => return unsupported("`since enter` outside a journey"),
            },
            None => HistoryWindow::All,
        };
        let key = filter.and_then(|f| read_time_key(&self.program, f, event));
        let history = History {
            function,
            event,
            filter,
            field,
            window,
            key,
        };
        // The same aggregate written twice (say `sum(order.completed.value within 365d)` in a
        // segment and in a journey) is kept once: the runtime stores each aggregate's events
        // per contact.
        let exprs = &self.program.exprs;
        if let Some(same) = self.program.histories.iter().position(|h| {
            (h.function, h.event, h.field, h.window)
                == (
                    history.function,
                    history.event,
                    history.field,
                    history.window,
                )
                && match (h.filter, history.filter) {
                    (None, None) => true,
                    (Some(a), Some(b)) => same_tree(exprs, a, b),
                    _ => false,
                }
        }) {
            // The filter just lowered is not needed: drop its nodes (the last ones pushed),
            // unless a history inside it refers to them.
            if self.program.histories.len() == histories_before {
                self.program.exprs.truncate(exprs_before);
            }
            return Ok(HistoryId(index(same)));
        }
        self.program.histories.push(history);
        Ok(HistoryId(index(self.program.histories.len() - 1)))
    }
}

/// Steps and bindings of the journey being lowered.
struct JourneyBuilder {
    bindings: Vec<Binding>,
    steps: Vec<Step>,
}

impl JourneyBuilder {
    fn push(&mut self, step: Step) -> StepId {
        self.steps.push(step);
        StepId(index(self.steps.len() - 1))
    }

    fn bind(&mut self, name: &str, event: EventId) -> BindingId {
        self.bindings.push(Binding {
            name: name.to_string(),
            event,
        });
        BindingId(index(self.bindings.len() - 1))
    }
}

/// Numbers steps in the order they are first reached from the start (depth first, the main
/// path before branches), so that the printed IR reads top to bottom like the source.
fn renumber(steps: Vec<Step>, start: StepId) -> (Vec<Step>, StepId) {
    let mut order: Vec<usize> = Vec::with_capacity(steps.len());
    let mut seen = vec![false; steps.len()];
    let mut stack = vec![start.index()];
    while let Some(i) = stack.pop() {
        if i >= steps.len() || seen[i] {
            continue;
        }
        seen[i] = true;
        order.push(i);
        for next in steps[i].successors().into_iter().rev() {
            stack.push(next.index());
        }
    }
    order.extend((0..steps.len()).filter(|i| !seen[*i]));
    let mut new_id = vec![0u32; steps.len()];
    for (new, old) in order.iter().enumerate() {
        new_id[*old] = index(new);
    }
    let map = |id: StepId| StepId(new_id.get(id.index()).copied().unwrap_or(id.0));
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    let renumbered = order
        .iter()
        .filter_map(|old| slots[*old].take())
        .map(|step| match step {
            Step::Send(mut send) => {
                send.next = map(send.next);
                Step::Send(send)
            }
            Step::Notify {
                team,
                template,
                payload,
                next,
            } => Step::Notify {
                team,
                template,
                payload,
                next: map(next),
            },
            Step::Wait { duration, next } => Step::Wait {
                duration,
                next: map(next),
            },
            Step::WaitUntil { until, next } => Step::WaitUntil {
                until,
                next: map(next),
            },
            Step::WaitFor {
                event,
                binding,
                filter,
                within,
                then,
                otherwise,
            } => Step::WaitFor {
                event,
                binding,
                filter,
                within,
                then: map(then),
                otherwise: map(otherwise),
            },
            Step::Branch {
                condition,
                then,
                otherwise,
            } => Step::Branch {
                condition,
                then: map(then),
                otherwise: map(otherwise),
            },
            Step::Split { arms } => Step::Split {
                arms: arms.into_iter().map(|(p, n, s)| (p, n, map(s))).collect(),
            },
            Step::Set { slot, value, next } => Step::Set {
                slot,
                value,
                next: map(next),
            },
            Step::AdjustScore { score, delta, next } => Step::AdjustScore {
                score,
                delta,
                next: map(next),
            },
            Step::Tag { tag, add, next } => Step::Tag {
                tag,
                add,
                next: map(next),
            },
            Step::Goal { name, next } => Step::Goal {
                name,
                next: map(next),
            },
            Step::Exit => Step::Exit,
        })
        .collect();
    (renumbered, map(start))
}

fn clock(at: &ast::LocalTime) -> ClockTime {
    ClockTime {
        hour: at.time.hour,
        minute: at.time.minute,
        zone: clock_zone(at.zone),
    }
}

fn clock_zone(zone: ast::Zone) -> ClockZone {
    match zone {
        ast::Zone::Local => ClockZone::Local,
        ast::Zone::Utc => ClockZone::Utc,
    }
}

fn expected_record(expectation: &ast::Expectation) -> Result<ExpectedRecord, LowerError> {
    Ok(match expectation {
        ast::Expectation::Send { channel, template } => ExpectedRecord::Send {
            channel: channel_of(&channel.name)?,
            template: template.value.clone(),
        },
        ast::Expectation::Notify { team, template } => ExpectedRecord::Notify {
            team: team.name.clone(),
            template: template.value.clone(),
        },
        ast::Expectation::Goal(name) => ExpectedRecord::Goal(name.name.clone()),
        ast::Expectation::Suppressed {
            channel,
            template,
            reason,
        } => ExpectedRecord::Suppressed {
            channel: channel_of(&channel.name)?,
            template: template.value.clone(),
            reason: reason.name.clone(),
        },
    })
}

fn channel_of(name: &str) -> Result<Channel, LowerError> {
    Channel::from_name(name).map_or_else(|| unsupported(format!("channel `{name}`")), Ok)
}

/// The IR's type of a checked type: the checker's `Unknown` (the element type of `[]`) and
/// `Error` both fit any value and print `_`, and both become `Unknown`.
fn ir_type(ty: &CheckedType) -> Type {
    match ty {
        CheckedType::Bool => Type::Bool,
        CheckedType::Int => Type::Int,
        CheckedType::Float => Type::Float,
        CheckedType::String => Type::String,
        CheckedType::Duration => Type::Duration,
        CheckedType::Time => Type::Time,
        CheckedType::Date => Type::Date,
        CheckedType::TimeOfDay => Type::TimeOfDay,
        CheckedType::Enum(id) => Type::Enum(EnumId(id.0)),
        CheckedType::List(element) => Type::List(Box::new(ir_type(element))),
        CheckedType::Optional(inner) => Type::Optional(Box::new(ir_type(inner))),
        CheckedType::Unknown | CheckedType::Error => Type::Unknown,
    }
}

fn constant(literal: &Literal) -> Result<Const, LowerError> {
    Ok(match literal {
        Literal::Int(v) => Const::Int(*v),
        Literal::Float(v) => Const::Float(*v),
        Literal::String(s) => Const::String(Arc::from(s.as_str())),
        Literal::Bool(b) => Const::Bool(*b),
        Literal::Duration(d) => Const::Duration(d.seconds()),
        Literal::CompoundDuration(_) => return unsupported("a duration with two units"),
        Literal::TimeOfDay(t) => Const::Int(i64::from(t.hour) * 60 + i64::from(t.minute)),
        Literal::Date(d) => {
            let date = jiff::civil::Date::new(d.year, d.month as i8, d.day as i8)
                .map_err(|e| LowerError::Unsupported(format!("the date {e}")))?;
            let days = date
                .since(jiff::civil::date(1970, 1, 1))
                .map_err(|e| LowerError::Unsupported(e.to_string()))?;
            Const::Date(days.get_days())
        }
        Literal::Instant(i) => Const::Time(i.epoch_seconds),
    })
}
