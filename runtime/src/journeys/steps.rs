//! The step machine: runs a contact's steps in a journey until it waits or ends, and moves an
//! instance on when its timer fires.

use journey_ir::eval::Value;
use journey_ir::{JourneyId, Step, StepId, TimeSpec};

use crate::clock;
use crate::engine::{Handler, Sink};
use crate::output::{split_point, ActionKind, ActionSource};
use crate::policy::{best_hour, DEFAULT_BEST_HOUR};
use crate::scheduler::timers::TimerKind;
use crate::store::Phase;
use crate::trace::{Leave, Trace};

impl<'p> Handler<'_, 'p> {
    /// Moves an instance on when its timer fires.
    pub(crate) fn resume_instance(
        &mut self,
        c: usize,
        j: JourneyId,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let journey = &self.t.program.journeys[j.index()];
        let instance = self.state.contacts.journey(c, j);
        if !instance.inside {
            return;
        }
        let step = instance.step;
        let Some(current) = journey.steps.get(step.index()) else {
            return;
        };
        match (instance.phase, current) {
            (Phase::Sleeping, Step::Wait { next, .. } | Step::WaitUntil { next, .. }) => {
                self.advance(c, j, *next);
            }
            (Phase::Awaiting, Step::WaitFor { otherwise, .. }) => {
                self.advance(c, j, *otherwise);
            }
            (Phase::SendScheduled, Step::Send(send)) => {
                if !self.send_unless_quiet(c, j, step, send, now, sink) {
                    return;
                }
            }
            (Phase::SendQuiet, Step::Send(send)) => {
                self.deliver(c, j, step, send, now, sink);
                self.advance(c, j, send.next);
            }
            _ => return,
        }
        self.run(c, j, now, sink);
    }

    // ---- steps ----------------------------------------------------------------------------------

    /// Runs the contact's steps in `j` until the journey waits or ends.
    pub(crate) fn run(&mut self, c: usize, j: JourneyId, now: i64, sink: &mut dyn Sink) {
        let program = self.t.program;
        let journey = &program.journeys[j.index()];
        loop {
            let instance = self.state.contacts.journey(c, j);
            if !instance.inside || instance.phase != Phase::Ready {
                return;
            }
            let step_id = instance.step;
            if self.traced() {
                let step = step_id;
                self.trace(c, sink, |who| Trace::Step {
                    who,
                    at: now,
                    journey: j,
                    step,
                });
            }
            let Some(step) = journey.steps.get(step_id.index()) else {
                self.leave(c, j);
                if self.traced() {
                    self.trace_left(c, j, Leave::Step(step_id), now, sink);
                }
                return;
            };
            match step {
                Step::Send(send) => {
                    if let Some(spec) = send.at {
                        let due = self.resolve(c, j, spec, now);
                        if due > now {
                            self.sleep(c, j, due, Phase::SendScheduled, sink);
                            return;
                        }
                    }
                    if !self.send_unless_quiet(c, j, step_id, send, now, sink) {
                        return;
                    }
                }
                Step::Notify {
                    team,
                    template,
                    payload,
                    next,
                } => {
                    let data = self.payload(c, j, payload, now);
                    let kind = ActionKind::Notify {
                        team,
                        template,
                        data,
                    };
                    self.emit(c, j, ActionSource::Step(step_id.0), now, kind, sink);
                    self.advance(c, j, *next);
                }
                Step::Wait { duration, next } => {
                    let wait = match self.eval(c, j, *duration, now) {
                        Value::Duration(seconds) => seconds,
                        _ => 0,
                    };
                    if wait > 0 {
                        self.sleep(c, j, now.saturating_add(wait), Phase::Sleeping, sink);
                        return;
                    }
                    self.advance(c, j, *next);
                }
                Step::WaitUntil { until, next } => {
                    let due = self.resolve(c, j, *until, now);
                    if due > now {
                        self.sleep(c, j, due, Phase::Sleeping, sink);
                        return;
                    }
                    self.advance(c, j, *next);
                }
                Step::WaitFor { within, .. } => {
                    self.sleep(c, j, now.saturating_add(*within), Phase::Awaiting, sink);
                    return;
                }
                Step::Branch {
                    condition,
                    then,
                    otherwise,
                } => {
                    let holds = self.eval(c, j, *condition, now).truthy();
                    if self.traced() {
                        self.trace_branch(c, j, step_id, *condition, holds, now, sink);
                    }
                    self.advance(c, j, if holds { *then } else { *otherwise });
                }
                Step::Split { arms } => {
                    let contact = self.state.contacts.id(c);
                    let point = split_point(&journey.name, step_id.0, contact);
                    let mut total = 0.0;
                    let mut chosen = arms.len().checked_sub(1);
                    for (arm, (percent, _, _)) in arms.iter().enumerate() {
                        total += percent;
                        if point < total {
                            chosen = Some(arm);
                            break;
                        }
                    }
                    match chosen.and_then(|arm| Some((arm, arms.get(arm)?.2))) {
                        Some((arm, first)) => {
                            if self.traced() {
                                let (at, step) = (now, step_id);
                                self.trace(c, sink, |who| Trace::Split {
                                    who,
                                    at,
                                    journey: j,
                                    step,
                                    arm,
                                });
                            }
                            self.advance(c, j, first);
                        }
                        None => {
                            self.leave(c, j);
                            if self.traced() {
                                self.trace_left(c, j, Leave::NoArm(step_id), now, sink);
                            }
                        }
                    }
                }
                Step::Set { slot, value, next } => {
                    let value = self.eval(c, j, *value, now);
                    self.assign(c, *slot, value.clone(), now);
                    let field = &program.profile[slot.index()];
                    let kind = ActionKind::Set {
                        field: &field.name,
                        value,
                        ty: &field.ty,
                    };
                    self.emit(c, j, ActionSource::Step(step_id.0), now, kind, sink);
                    self.advance(c, j, *next);
                }
                Step::AdjustScore { score, delta, next } => {
                    let mut state = self.state.contacts.score(c, *score);
                    state.adjust(*delta, now);
                    self.state.contacts.set_score(c, *score, &state);
                    self.advance(c, j, *next);
                }
                Step::Tag { tag, add, next } => {
                    self.edit_tags(c, tag, *add);
                    let kind = ActionKind::Tag { tag, add: *add };
                    self.emit(c, j, ActionSource::Step(step_id.0), now, kind, sink);
                    self.advance(c, j, *next);
                }
                Step::Goal { name, next } => {
                    let kind = ActionKind::Goal { goal: name };
                    self.emit(c, j, ActionSource::Step(step_id.0), now, kind, sink);
                    self.advance(c, j, *next);
                }
                Step::Exit => {
                    self.leave(c, j);
                    if self.traced() {
                        self.trace_left(c, j, Leave::Step(step_id), now, sink);
                    }
                    return;
                }
            }
        }
    }

    /// Goes on to `next` at once.
    pub(crate) fn advance(&mut self, c: usize, j: JourneyId, next: StepId) {
        self.state.contacts.update_journey(c, j, |state| {
            if state.inside {
                state.step = next;
                state.phase = Phase::Ready;
            }
        });
    }

    /// Parks the current step in `phase` until `due`.
    pub(crate) fn sleep(
        &mut self,
        c: usize,
        j: JourneyId,
        due: i64,
        phase: Phase,
        sink: &mut dyn Sink,
    ) {
        let mut state = self.state.contacts.journey(c, j);
        if !state.inside {
            return;
        }
        state.phase = phase;
        state.timer_generation = state.timer_generation.wrapping_add(1);
        self.state.contacts.set_journey(c, j, &state);
        self.state
            .timers
            .push(due, j, c as u32, TimerKind::Resume(state.timer_generation));
        if self.traced() {
            self.trace_waiting(c, j, due, phase, sink);
        }
    }

    /// The instant a TIMESPEC names, never before `now`.
    pub(crate) fn resolve(&self, c: usize, j: JourneyId, spec: TimeSpec, now: i64) -> i64 {
        let due = match spec {
            TimeSpec::Clock(at) => clock::next_at_or_after(now, at, &self.zone(c)),
            TimeSpec::BestTime => {
                let hour = self
                    .state
                    .contacts
                    .side(c)
                    .and_then(|side| side.engagement.as_deref())
                    .map_or(DEFAULT_BEST_HOUR, best_hour);
                clock::next_hour_start(now, hour, &self.zone(c))
            }
            TimeSpec::Instant(expr) => match self.eval(c, j, expr, now) {
                Value::Time(t) => t,
                _ => now,
            },
        };
        due.max(now)
    }
}
