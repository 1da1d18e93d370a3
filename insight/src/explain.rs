//! `journey explain`: every decision the engine made for one contact, from its trace.
//!
//! A [`Recorder`] is the run's [`Sink`]: it turns each [`Trace`] of the contacts it follows into
//! a [`Decision`] (owned data with names resolved, no wording), and [`Recorder::explain`] adds
//! what the contact still waits for at the end. [`text`] writes an [`Explanation`] for a person
//! (one decision a line, grouped by input), [`Explanation::to_json`] for tools (one object, keys
//! in a fixed order).

pub mod model;
pub mod text;

use std::collections::HashMap;

use journey_ir::eval::Value;
use journey_ir::{ExprId, JourneyId, Program, Reenter, Step, StepId};
use journey_runtime::engine::Engine;
use journey_runtime::output::{format_instant, value_json, Action};
use journey_runtime::store::Phase;
use journey_runtime::trace::{Cause, Fired, Leave, Pending, Refusal, Trace};
use journey_runtime::{Reject, Sink};

use crate::syntax;

pub use model::{Decision, Explanation, Read, Waiting, What};

/// Records the decisions of one contact (or of all) while a traced run goes.
#[derive(Debug, Default)]
pub struct Recorder {
    only: Option<String>,
    /// Contact ids in order of first input, each with its decisions (empty when not followed).
    contacts: Vec<(String, Vec<Decision>)>,
    index: HashMap<String, usize>,
}

impl Recorder {
    /// A recorder of the contact `only`, or of every contact.
    pub fn new(only: Option<&str>) -> Recorder {
        Recorder {
            only: only.map(str::to_string),
            ..Recorder::default()
        }
    }

    /// The ids of every contact seen, in order of first input.
    pub fn seen(&self) -> impl Iterator<Item = &str> {
        self.contacts.iter().map(|(id, _)| id.as_str())
    }

    /// The explanation of `contact` after `engine` finished; `None` when it never appeared.
    pub fn explain(
        &self,
        engine: &Engine<'_>,
        program: &Program,
        contact: &str,
    ) -> Option<Explanation> {
        let &i = self.index.get(contact)?;
        let pending = engine
            .pending_for(contact)
            .iter()
            .map(|p| waiting(program, p))
            .collect();
        Some(Explanation {
            contact: contact.to_string(),
            end: engine.state().clock.map(format_instant),
            decisions: self.contacts[i].1.clone(),
            pending,
        })
    }
}

impl Sink for Recorder {
    fn action(&mut self, _: &Program, _: &Action<'_>) {}

    fn reject(&mut self, _: &Reject) {}

    fn trace(&mut self, program: &Program, trace: &Trace<'_>) {
        let id = trace.who().id;
        let i = match self.index.get(id) {
            Some(&i) => i,
            None => {
                self.index.insert(id.to_string(), self.contacts.len());
                self.contacts.push((id.to_string(), Vec::new()));
                self.contacts.len() - 1
            }
        };
        if self.only.as_deref().is_some_and(|only| only != id) {
            return;
        }
        self.contacts[i].1.push(decision(program, trace));
    }
}

fn journey_name(program: &Program, j: JourneyId) -> String {
    program
        .journeys
        .get(j.index())
        .map_or("?".into(), |j| j.name.clone())
}

fn event_name(program: &Program, e: journey_ir::EventId) -> String {
    program
        .events
        .get(e.index())
        .map_or("?".into(), |e| e.name.clone())
}

/// What a step is, in the language's words.
pub fn step_kind(program: &Program, j: JourneyId, step: StepId) -> &'static str {
    let step = program
        .journeys
        .get(j.index())
        .and_then(|j| j.steps.get(step.index()));
    match step {
        Some(Step::Send(_)) => "send",
        Some(Step::Notify { .. }) => "notify",
        Some(Step::Wait { .. }) => "wait",
        Some(Step::WaitUntil { .. }) => "wait until",
        Some(Step::WaitFor { .. }) => "wait for",
        Some(Step::Branch { .. }) => "if",
        Some(Step::Split { .. }) => "split",
        Some(Step::Set { .. }) => "set",
        Some(Step::AdjustScore { .. }) => "score",
        Some(Step::Tag { add: true, .. }) => "tag",
        Some(Step::Tag { add: false, .. }) => "untag",
        Some(Step::Goal { .. }) => "goal",
        Some(Step::Exit) | None => "exit",
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

fn reads(program: &Program, j: Option<JourneyId>, reads: &[(ExprId, Value)]) -> Vec<Read> {
    reads
        .iter()
        .map(|(expr, value)| Read {
            expr: syntax::expr(program, j, *expr),
            value: json(&value_json(value, &program.expr(*expr).ty, program)),
        })
        .collect()
}

fn cause(program: &Program, cause: Cause) -> (&'static str, Option<String>) {
    match cause {
        Cause::On(event) => ("on", Some(event_name(program, event))),
        Cause::When => ("when", None),
        Cause::Inactive => ("inactive", None),
        Cause::Schedule => ("schedule", None),
        Cause::Once => ("once", None),
    }
}

fn timer(fired: Fired) -> (&'static str, Option<u32>) {
    match fired {
        Fired::Resume { step, phase } => {
            let what = match phase {
                Phase::Sleeping => "wait",
                Phase::Awaiting => "deadline",
                Phase::SendScheduled => "send_at",
                Phase::SendQuiet => "quiet_hours",
                Phase::Ready => "resume",
            };
            (what, Some(step.0))
        }
        Fired::Scheduled => ("schedule", None),
        Fired::Inactive => ("inactive", None),
        Fired::Once => ("once", None),
    }
}

/// What a waiting step waits for, and the event of a `wait for`.
fn waits_for(
    program: &Program,
    j: JourneyId,
    step: StepId,
    phase: Phase,
) -> (&'static str, Option<String>) {
    match phase {
        Phase::Awaiting => {
            let event = program.journeys.get(j.index()).and_then(|journey| {
                match journey.steps.get(step.index()) {
                    Some(Step::WaitFor { event, .. }) => Some(event_name(program, *event)),
                    _ => None,
                }
            });
            ("event", event)
        }
        Phase::SendScheduled => ("send_at", None),
        Phase::SendQuiet => ("quiet_hours", None),
        Phase::Sleeping | Phase::Ready => ("time", None),
    }
}

fn waiting(program: &Program, pending: &Pending) -> Waiting {
    let j = pending.journey;
    let (waits_for, step, event) = match pending.timer {
        Fired::Resume { step, phase } => {
            let (what, event) = waits_for(program, j, step, phase);
            (what, Some(step.0), event)
        }
        Fired::Scheduled => ("schedule", None, None),
        Fired::Inactive => ("inactive", None, None),
        Fired::Once => ("once", None, None),
    };
    Waiting {
        journey: journey_name(program, j),
        due: format_instant(pending.due),
        waits_for,
        step,
        event,
    }
}

/// The owned form of one trace.
fn decision(program: &Program, trace: &Trace<'_>) -> Decision {
    let at = |t: i64| format_instant(t);
    let name = |j: JourneyId| journey_name(program, j);
    let (time, what) = match trace {
        Trace::Input {
            at: now,
            sent_at,
            line,
            event,
            ..
        } => (
            *now,
            What::Input {
                line: *line,
                input: if event.is_some() { "track" } else { "identify" },
                event: event.map(|e| event_name(program, e)),
                sent_at: at(*sent_at),
            },
        ),
        Trace::Joined {
            at: now, history, ..
        } => (
            *now,
            What::History {
                history: syntax::history(program, None, *history),
            },
        ),
        Trace::Scored {
            at: now,
            score,
            rule,
            awarded,
            total,
            ..
        } => {
            let definition = program.scores.get(score.index());
            let on = definition.and_then(|s| s.on_rules.get(*rule));
            let points = on.map_or(0, |r| r.points);
            (
                *now,
                What::Score {
                    score: definition.map_or("?".into(), |s| s.name.clone()),
                    rule: *rule,
                    event: on.map_or("?".into(), |r| event_name(program, r.event)),
                    points,
                    awarded: *awarded,
                    capped: *awarded != points,
                    total: *total,
                },
            )
        }
        Trace::Decayed {
            at: now,
            score,
            periods,
            before,
            after,
            ..
        } => (
            *now,
            What::Decay {
                score: program
                    .scores
                    .get(score.index())
                    .map_or("?".into(), |s| s.name.clone()),
                periods: *periods,
                before: *before,
                after: *after,
            },
        ),
        Trace::Profile {
            at: now,
            slot,
            value,
            changed,
            ..
        } => {
            let field = program.profile.get(slot.index());
            let value = field.map_or(serde_json::Value::Null, |f| {
                json(&value_json(value, &f.ty, program))
            });
            (
                *now,
                What::Profile {
                    field: field.map_or("?".into(), |f| f.name.clone()),
                    value,
                    changed: *changed,
                },
            )
        }
        Trace::Fired {
            at: now,
            journey,
            timer: fired,
            ..
        } => {
            let (timer, step) = timer(*fired);
            (
                *now,
                What::Timer {
                    journey: name(*journey),
                    timer,
                    step,
                },
            )
        }
        Trace::Entered {
            at: now,
            journey,
            entry,
            cause: c,
            ..
        } => {
            let (cause, event) = cause(program, *c);
            (
                *now,
                What::Entered {
                    journey: name(*journey),
                    entry: *entry,
                    cause,
                    event,
                },
            )
        }
        Trace::NotEntered {
            at: now,
            journey,
            cause: c,
            why,
            ..
        } => {
            let (cause, event) = cause(program, *c);
            let (reason, filter, read, reenter, last_entry) = match why {
                Refusal::Filter { filter, reads: r } => (
                    "filter",
                    Some(syntax::expr(program, Some(*journey), *filter)),
                    reads(program, Some(*journey), r),
                    None,
                    None,
                ),
                Refusal::Reenter { policy, last } => {
                    let policy = match policy {
                        Reenter::Never => "never".to_string(),
                        Reenter::Always => "always".to_string(),
                        Reenter::After(d) => format!("after {}", syntax::duration(*d)),
                    };
                    ("reenter", None, Vec::new(), Some(policy), Some(at(*last)))
                }
                Refusal::Inside => ("inside", None, Vec::new(), None, None),
            };
            (
                *now,
                What::NotEntered {
                    journey: name(*journey),
                    cause,
                    event,
                    reason,
                    filter,
                    reads: read,
                    reenter,
                    last_entry,
                },
            )
        }
        Trace::Step {
            at: now,
            journey,
            step,
            ..
        } => (
            *now,
            What::Step {
                journey: name(*journey),
                step: step.0,
                step_kind: step_kind(program, *journey, *step),
            },
        ),
        Trace::Waiting {
            at: now,
            journey,
            step,
            due,
            phase,
            ..
        } => {
            let (waits_for, event) = waits_for(program, *journey, *step, *phase);
            (
                *now,
                What::Wait {
                    journey: name(*journey),
                    step: step.0,
                    waits_for,
                    event,
                    until: at(*due),
                },
            )
        }
        Trace::Matched {
            at: now,
            journey,
            step,
            ..
        } => {
            let (_, event) = waits_for(program, *journey, *step, Phase::Awaiting);
            (
                *now,
                What::Matched {
                    journey: name(*journey),
                    step: step.0,
                    event: event.unwrap_or_default(),
                },
            )
        }
        Trace::Branched {
            at: now,
            journey,
            step,
            held,
            reads: r,
            ..
        } => {
            let condition = match program
                .journeys
                .get(journey.index())
                .and_then(|j| j.steps.get(step.index()))
            {
                Some(Step::Branch { condition, .. }) => {
                    syntax::expr(program, Some(*journey), *condition)
                }
                _ => String::new(),
            };
            (
                *now,
                What::Branch {
                    journey: name(*journey),
                    step: step.0,
                    held: *held,
                    condition,
                    reads: reads(program, Some(*journey), r),
                },
            )
        }
        Trace::Split {
            at: now,
            journey,
            step,
            arm,
            ..
        } => {
            let (percent, arm_name) = match program
                .journeys
                .get(journey.index())
                .and_then(|j| j.steps.get(step.index()))
            {
                Some(Step::Split { arms }) => arms
                    .get(*arm)
                    .map_or((0.0, String::new()), |(p, n, _)| (*p, n.clone())),
                _ => (0.0, String::new()),
            };
            (
                *now,
                What::Split {
                    journey: name(*journey),
                    step: step.0,
                    arm: *arm,
                    arm_name,
                    percent,
                },
            )
        }
        Trace::NoConsent {
            at: now,
            journey,
            step,
            channel,
            reads: r,
            ..
        } => (
            *now,
            What::NoConsent {
                journey: name(*journey),
                step: step.0,
                channel: channel.as_str().to_string(),
                reads: reads(program, None, r),
            },
        ),
        Trace::Action {
            journey, action, ..
        } => (
            action.at,
            What::Action {
                journey: name(*journey),
                action: action.kind.name(),
                id: format!("{:032x}", action.id),
                record: json(&action.to_json(program)),
            },
        ),
        Trace::Left {
            at: now,
            journey,
            why,
            ..
        } => {
            let rules = program.journeys.get(journey.index());
            let (reason, rule, step) = match why {
                Leave::Goal(g) => (
                    "goal",
                    rules
                        .and_then(|j| j.goal_rules.get(*g))
                        .map(|r| r.name.clone()),
                    None,
                ),
                Leave::Exit(x) => (
                    "exit_rule",
                    rules
                        .and_then(|j| j.exit_rules.get(*x))
                        .map(|r| format!("exit on {}", event_name(program, r.event))),
                    None,
                ),
                Leave::Step(s) => ("exit_step", None, Some(s.0)),
                Leave::NoArm(s) => ("no_arm", None, Some(s.0)),
            };
            (
                *now,
                What::Left {
                    journey: name(*journey),
                    reason,
                    rule,
                    step,
                },
            )
        }
    };
    Decision { at: at(time), what }
}
