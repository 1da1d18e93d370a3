//! Entering and leaving journeys: `enter when` re-evaluation, the `reenter` rule, and leaving
//! with the pending timer cancelled.

use journey_ir::eval::Value;
use journey_ir::{BindingId, Entry, JourneyId, Reenter};

use crate::engine::{Handler, Sink};
use crate::store::Phase;
use crate::trace::{Cause, Refusal};

impl<'p> Handler<'_, 'p> {
    /// Re-evaluates the contact's `enter when` conditions once, in declaration order.
    pub(crate) fn reevaluate_when(&mut self, c: usize, now: i64, sink: &mut dyn Sink) {
        let plan = &self.t.plan;
        for &j in &plan.when_journeys {
            let Entry::When(condition) = self.t.program.journeys[j.index()].entry else {
                continue;
            };
            let held = self.t.evaluator.eval_bool(condition, &self.scope(c, now));
            let was = self.state.contacts.swap_condition_held(c, j, held);
            if held && !was {
                self.enter(c, j, now, Cause::When, None, sink);
            }
        }
    }

    /// Enters the contact into `j` if it is not inside and its `reenter` rule allows, and runs
    /// the first steps.
    pub(crate) fn enter(
        &mut self,
        c: usize,
        j: JourneyId,
        now: i64,
        cause: Cause,
        binding: Option<(BindingId, Box<[Value]>)>,
        sink: &mut dyn Sink,
    ) {
        let journey = &self.t.program.journeys[j.index()];
        let mut state = self.state.contacts.journey(c, j);
        if state.inside {
            if self.traced() {
                self.trace_not_entered(c, j, cause, Refusal::Inside, now, sink);
            }
            return;
        }
        let last_entry = state.last_entry.get();
        let allowed = match (journey.reenter, last_entry) {
            (_, None) => true,
            (Reenter::Never, Some(_)) => false,
            (Reenter::Always, Some(_)) => true,
            (Reenter::After(window), Some(last)) => now.saturating_sub(last) >= window,
        };
        if !allowed {
            if self.traced() {
                let why = Refusal::Reenter {
                    policy: journey.reenter,
                    last: last_entry.unwrap_or(now),
                };
                self.trace_not_entered(c, j, cause, why, now, sink);
            }
            return;
        }
        state.entries += 1;
        state.last_entry = Some(now).into();
        state.timer_generation = state.timer_generation.wrapping_add(1);
        state.inside = true;
        state.step = journey.start;
        state.phase = Phase::Ready;
        self.state.contacts.set_journey(c, j, &state);
        if !journey.bindings.is_empty() {
            self.state.contacts.forget_bindings(c, j);
            if let Some((b, record)) = binding {
                self.state.contacts.bind(c, j, b.index(), &record);
            }
        }
        for &h in &self.t.plan.since_enter[j.index()] {
            self.state.contacts.reset_history(c, h);
        }
        if self.traced() {
            self.trace_entered(c, j, cause, now, sink);
        }
        self.run(c, j, now, sink);
    }

    /// Takes the contact out of `j`, cancelling its pending timer.
    pub(crate) fn leave(&mut self, c: usize, j: JourneyId) {
        self.state.contacts.update_journey(c, j, |state| {
            state.inside = false;
            state.timer_generation = state.timer_generation.wrapping_add(1);
        });
        if !self.t.program.journeys[j.index()].bindings.is_empty() {
            self.state.contacts.forget_bindings(c, j);
        }
    }
}
