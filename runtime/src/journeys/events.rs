//! The journey phases of a track event: `goal ... on` and `exit on` rules, waiting `wait for`
//! steps, and `enter on` triggers.

use journey_ir::eval::Value;
use journey_ir::{Entry, Step};

use crate::engine::{Arrival, Handler, Sink};
use crate::output::{ActionKind, ActionSource};
use crate::store::Phase;
use crate::trace::{Cause, Leave, Trace};

impl<'p> Handler<'_, 'p> {
    /// Goal and exit rules of the journeys the contact is in (phase 5).
    pub(crate) fn apply_rules(
        &mut self,
        c: usize,
        arrival: &Arrival<'_>,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let Arrival {
            event,
            record,
            matched,
        } = *arrival;
        let program = self.t.program;
        let plan = &self.t.plan;
        for &j in &plan.rules_of[event.index()] {
            if !self.state.contacts.inside(c, j) {
                continue;
            }
            let journey = &program.journeys[j.index()];
            let matches = |rule: &&journey_ir::EventRule| {
                rule.event == event && {
                    let scope = self
                        .scope(c, now)
                        .with_event(event, record)
                        .with_journey(j)
                        .with_binding(rule.binding, record);
                    self.passes(rule.filter, matched, &scope)
                }
            };
            if let Some(g) = journey.goal_rules.iter().position(|r| matches(&r)) {
                let goal = &journey.goal_rules[g];
                let source = ActionSource::Goal(&goal.name);
                self.emit(
                    c,
                    j,
                    source,
                    now,
                    ActionKind::Goal { goal: &goal.name },
                    sink,
                );
                self.leave(c, j);
                if self.traced() {
                    self.trace_left(c, j, Leave::Goal(g), now, sink);
                }
            } else if let Some(x) = journey.exit_rules.iter().position(|r| matches(&r)) {
                self.leave(c, j);
                if self.traced() {
                    self.trace_left(c, j, Leave::Exit(x), now, sink);
                }
            }
        }
    }

    /// Waiting `wait for` steps (phase 6).
    pub(crate) fn resume_waits(
        &mut self,
        c: usize,
        arrival: &Arrival<'_>,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let Arrival {
            event,
            record,
            matched,
        } = *arrival;
        let program = self.t.program;
        let plan = &self.t.plan;
        for &j in &plan.waits_of[event.index()] {
            let Some(waiting) = self.state.contacts.awaiting(c, j) else {
                continue;
            };
            let Step::WaitFor {
                event: awaited,
                binding,
                filter,
                then,
                ..
            } = &program.journeys[j.index()].steps[waiting.index()]
            else {
                continue;
            };
            if *awaited != event {
                continue;
            }
            let scope = self
                .scope(c, now)
                .with_event(event, record)
                .with_journey(j)
                .with_binding(*binding, record);
            if !self.passes(*filter, matched, &scope) {
                continue;
            }
            self.state.contacts.update_journey(c, j, |state| {
                state.timer_generation = state.timer_generation.wrapping_add(1);
                state.step = *then;
                state.phase = Phase::Ready;
            });
            if let Some(b) = binding {
                self.state.contacts.bind(c, j, b.index(), record);
            }
            if self.traced() {
                let step = waiting;
                self.trace(c, sink, |who| Trace::Matched {
                    who,
                    at: now,
                    journey: j,
                    step,
                });
            }
            self.run(c, j, now, sink);
        }
    }

    /// `enter on` triggers (phase 7).
    pub(crate) fn enter_on(
        &mut self,
        c: usize,
        arrival: &Arrival<'_>,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let Arrival {
            event,
            record,
            matched,
        } = *arrival;
        let program = self.t.program;
        let plan = &self.t.plan;
        for &j in &plan.entries_of[event.index()] {
            let Entry::On {
                binding, filter, ..
            } = &program.journeys[j.index()].entry
            else {
                continue;
            };
            let scope = self
                .scope(c, now)
                .with_event(event, record)
                .with_binding(*binding, record);
            if !self.passes(*filter, matched, &scope) {
                if let (true, Some(filter)) = (self.traced(), *filter) {
                    let cause = Cause::On(event);
                    self.trace_refused(c, j, cause, filter, &scope, now, sink);
                }
                continue;
            }
            let binding = binding.map(|b| (b, Box::<[Value]>::from(record)));
            self.enter(c, j, now, Cause::On(event), binding, sink);
        }
    }
}
