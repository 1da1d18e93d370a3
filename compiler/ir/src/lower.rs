//! Lowering: from a checked program (AST plus the checker's tables) to the IR.
//!
//! Lowering trusts the checker: it runs only on programs without errors, and reads what every
//! name means and every expression's type from the checker's side tables instead of resolving
//! anything again.
//!
//! This file lowers the program's tables and declarations; `lower/journeys.rs` lowers journeys
//! (entries, bindings, steps renumbered in reading order) and `lower/exprs.rs` expressions.

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

mod exprs;
mod journeys;

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
