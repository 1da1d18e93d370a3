//! Emitting actions: the record of a step, its payload evaluated, its id, to the sink.

use journey_ir::{ExprId, JourneyId};

use crate::engine::{Handler, Sink};
use crate::output::{action_id, Action, ActionKind, ActionSource, Payload};
use crate::trace::Trace;

impl<'p> Handler<'_, 'p> {
    /// Writes an action of the contact's current entry into `j`.
    pub(crate) fn emit(
        &mut self,
        c: usize,
        j: JourneyId,
        source: ActionSource<'_>,
        now: i64,
        kind: ActionKind<'_>,
        sink: &mut dyn Sink,
    ) {
        let journey = &self.t.program.journeys[j.index()].name;
        let entry = self.state.contacts.entries(c, j);
        let contact = self.state.contacts.id(c);
        let action = Action {
            at: now,
            contact,
            journey,
            id: action_id(journey, entry, source, contact),
            kind,
        };
        self.state.stats.actions[action.kind.index()] += 1;
        sink.action(self.t.program, &action);
        if self.traced() {
            self.trace(c, sink, |who| Trace::Action {
                who,
                journey: j,
                action: &action,
            });
        }
    }

    /// Evaluates a send's or notification's payload, in order.
    pub(crate) fn payload(
        &self,
        c: usize,
        j: JourneyId,
        payload: &'p [(String, ExprId)],
        now: i64,
    ) -> Payload<'p> {
        let program = self.t.program;
        payload
            .iter()
            .map(|(key, expr)| {
                (
                    key.as_str(),
                    self.eval(c, j, *expr, now),
                    &program.expr(*expr).ty,
                )
            })
            .collect()
    }
}
