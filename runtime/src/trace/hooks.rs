//! The engine's side of the decision trace: the hooks that build a [`Trace`] at each decision
//! point, called only when [`Options::trace`](crate::Options::trace) is set, and the query of a
//! contact's pending timers.

use journey_ir::eval::Value;
use journey_ir::{Channel, EventId, ExprId, JourneyId, ProfileSlot, ScoreId, StepId};

use crate::engine::{Engine, Handler, Sink};
use crate::scheduler::timers::{TimerKind, NO_CONTACT};
use crate::scope::Scope;
use crate::store::Phase;
use crate::trace::*;

impl<'p> Handler<'_, 'p> {
    /// Whether the run traces its decisions.
    #[inline]
    pub(crate) fn traced(&self) -> bool {
        self.t.options.trace
    }

    /// Hands the sink the trace `make` builds for contact `c`.
    pub(crate) fn trace<'t>(
        &'t self,
        c: usize,
        sink: &mut dyn Sink,
        make: impl FnOnce(Who<'t>) -> Trace<'t>,
    ) {
        if c >= self.state.contacts.len() {
            return;
        }
        let who = Who {
            index: c as u32,
            id: self.state.contacts.id(c),
        };
        sink.trace(self.t.program, &make(who));
    }

    /// The values of the leaves of `exprs` over `scope`.
    pub(crate) fn reads(&self, exprs: &[ExprId], scope: &Scope<'_>) -> Vec<(ExprId, Value)> {
        let mut reads: Vec<(ExprId, Value)> = Vec::new();
        for &expr in exprs {
            for leaf in leaves(self.t.program, expr) {
                if reads.iter().any(|(seen, _)| *seen == leaf) {
                    continue;
                }
                reads.push((leaf, self.t.evaluator.eval(leaf, scope)));
            }
        }
        reads
    }

    /// Traces an input of contact `id` before it is handled (the contact may be new), and the
    /// decay periods that ended for it.
    pub(crate) fn trace_input(
        &mut self,
        id: &str,
        sent_at: i64,
        now: i64,
        event: Option<EventId>,
        record: Option<&[Value]>,
        sink: &mut dyn Sink,
    ) {
        let line = self.line.take();
        let known = self.state.contacts.find(id);
        let index = known.unwrap_or(self.state.contacts.len()) as u32;
        let input = Trace::Input {
            who: Who { index, id },
            at: now,
            sent_at,
            line,
            event,
            record,
        };
        sink.trace(self.t.program, &input);
        if let Some(c) = known {
            self.settle_traced(c, now, sink);
        }
    }

    /// Traces a profile field an identify sets (before it is set).
    pub(crate) fn trace_profile(
        &self,
        c: usize,
        slot: ProfileSlot,
        value: &Value,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let changed = self.state.contacts.profile_value(c, slot) != *value;
        self.trace(c, sink, |who| Trace::Profile {
            who,
            at: now,
            slot,
            value,
            changed,
        });
    }

    /// Traces the points an `on` rule awarded (`before`: the score's event points before).
    pub(crate) fn trace_award(
        &self,
        c: usize,
        score: ScoreId,
        rule: usize,
        before: i64,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let total = self.state.contacts.score(c, score).points;
        self.trace(c, sink, |who| Trace::Scored {
            who,
            at: now,
            score,
            rule,
            awarded: total.saturating_sub(before),
            total,
        });
    }

    /// Traces a departure.
    pub(crate) fn trace_left(
        &self,
        c: usize,
        journey: JourneyId,
        why: Leave,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        self.trace(c, sink, |who| Trace::Left {
            who,
            at: now,
            journey,
            why,
        });
    }

    /// Traces a trigger that did not enter.
    pub(crate) fn trace_not_entered(
        &self,
        c: usize,
        journey: JourneyId,
        cause: Cause,
        why: Refusal<'_>,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        self.trace(c, sink, |who| Trace::NotEntered {
            who,
            at: now,
            journey,
            cause,
            why,
        });
    }

    /// Traces an entry that a false filter refused, with the values the filter read.
    #[expect(
        clippy::too_many_arguments,
        reason = "the hook takes the decision's data apart"
    )]
    pub(crate) fn trace_refused(
        &self,
        c: usize,
        journey: JourneyId,
        cause: Cause,
        filter: ExprId,
        scope: &Scope<'_>,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let reads = self.reads(&[filter], scope);
        let why = Refusal::Filter {
            filter,
            reads: &reads,
        };
        self.trace_not_entered(c, journey, cause, why, now, sink);
    }

    /// [`Engine::trace_refused`] for a filter over the contact alone (schedules, `once`).
    pub(crate) fn trace_held_refused(
        &self,
        c: usize,
        journey: JourneyId,
        cause: Cause,
        filter: Option<ExprId>,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        if let Some(filter) = filter {
            let scope = self.scope(c, now);
            self.trace_refused(c, journey, cause, filter, &scope, now, sink);
        }
    }

    /// Traces an entry just made.
    pub(crate) fn trace_entered(
        &self,
        c: usize,
        journey: JourneyId,
        cause: Cause,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let entry = self.state.contacts.entries(c, journey);
        self.trace(c, sink, |who| Trace::Entered {
            who,
            at: now,
            journey,
            entry,
            cause,
        });
    }

    /// Traces a live timer about to fire.
    pub(crate) fn trace_fired(
        &self,
        c: usize,
        journey: JourneyId,
        kind: TimerKind,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let timer = match kind {
            TimerKind::Resume(_) => {
                let instance = self.state.contacts.journey(c, journey);
                if !instance.inside {
                    return;
                }
                Fired::Resume {
                    step: instance.step,
                    phase: instance.phase,
                }
            }
            TimerKind::Scheduled(_) | TimerKind::Zone(_) => Fired::Scheduled,
            TimerKind::Inactive(_) => Fired::Inactive,
            TimerKind::Once => Fired::Once,
        };
        self.trace(c, sink, |who| Trace::Fired {
            who,
            at: now,
            journey,
            timer,
        });
    }

    /// Traces a step that starts to wait until `due`.
    pub(crate) fn trace_waiting(
        &self,
        c: usize,
        journey: JourneyId,
        due: i64,
        phase: Phase,
        sink: &mut dyn Sink,
    ) {
        let instance = self.state.contacts.journey(c, journey);
        if !instance.inside {
            return;
        }
        let (step, at) = (instance.step, self.state.clock.unwrap_or(due));
        self.trace(c, sink, |who| Trace::Waiting {
            who,
            at,
            journey,
            step,
            due,
            phase,
        });
    }

    /// Traces the branch an `if` step took, with the values its condition read.
    #[expect(
        clippy::too_many_arguments,
        reason = "the hook takes the decision's data apart"
    )]
    pub(crate) fn trace_branch(
        &self,
        c: usize,
        journey: JourneyId,
        step: StepId,
        condition: ExprId,
        held: bool,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let scope = self.scope(c, now).with_journey(journey);
        let reads = self.reads(&[condition], &scope);
        self.trace(c, sink, |who| Trace::Branched {
            who,
            at: now,
            journey,
            step,
            held,
            reads: &reads,
        });
    }

    /// Traces a send whose channel's consent is false, with the values the consent read.
    pub(crate) fn trace_no_consent(
        &self,
        c: usize,
        journey: JourneyId,
        step: StepId,
        channel: Channel,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let conditions: Vec<ExprId> = self
            .t
            .program
            .policy
            .consent
            .iter()
            .filter(|(ch, _)| *ch == channel)
            .map(|(_, condition)| *condition)
            .collect();
        let reads = self.reads(&conditions, &self.scope(c, now));
        self.trace(c, sink, |who| Trace::NoConsent {
            who,
            at: now,
            journey,
            step,
            channel,
            reads: &reads,
        });
    }

    /// Applies the decay periods that ended by `now` to an existing contact, tracing them.
    pub(crate) fn settle_traced(&mut self, c: usize, now: i64, sink: &mut dyn Sink) {
        if c >= self.state.contacts.len() {
            return;
        }
        let scores = self.t.program.scores.len();
        let score = |contacts: &crate::store::Contacts, s: usize| {
            let state = contacts.score(c, ScoreId(s as u32));
            (state.points, state.periods)
        };
        // Scores before, on the stack for the usual few (this runs for every traced input).
        const INLINE: usize = 8;
        let mut inline = [(0i64, 0i64); INLINE];
        let mut spilled = Vec::new();
        let before: &[(i64, i64)] = if scores <= INLINE {
            for (s, slot) in inline.iter_mut().enumerate().take(scores) {
                *slot = score(&self.state.contacts, s);
            }
            &inline[..scores]
        } else {
            spilled.extend((0..scores).map(|s| score(&self.state.contacts, s)));
            &spilled
        };
        self.settle(c, now);
        for (s, &(points, periods)) in before.iter().enumerate() {
            let (points_after, periods_after) = score(&self.state.contacts, s);
            if points != points_after {
                self.trace(c, sink, |who| Trace::Decayed {
                    who,
                    at: now,
                    score: ScoreId(s as u32),
                    periods: periods_after - periods,
                    before: points,
                    after: points_after,
                });
            }
        }
    }
}

impl Engine<'_> {
    /// The contact's live timers, by due time (stale ones, whose generation no longer matches,
    /// left out). A pending `enter once` counts for every contact known.
    pub fn pending_for(&self, id: &str) -> Vec<Pending> {
        let Some(c) = self.state.contacts.find(id) else {
            return Vec::new();
        };
        let contacts = &self.state.contacts;
        let mut pending: Vec<(Pending, u64)> = self
            .state
            .timers
            .iter()
            .into_iter()
            .enumerate()
            .filter(|(_, (_, timer))| timer.contact as usize == c || timer.contact == NO_CONTACT)
            .filter_map(|(created, (due, timer))| {
                if timer.journey.index() >= self.tables.program.journeys.len() {
                    return None;
                }
                let state = contacts.journey(c, timer.journey);
                let fired = match timer.kind {
                    TimerKind::Once => Fired::Once,
                    kind if !is_live(contacts, c, timer.journey, kind) => return None,
                    TimerKind::Resume(_) => Fired::Resume {
                        step: state.step,
                        phase: state.phase,
                    },
                    TimerKind::Scheduled(_) | TimerKind::Zone(_) => Fired::Scheduled,
                    TimerKind::Inactive(_) => Fired::Inactive,
                };
                let item = Pending {
                    due,
                    journey: timer.journey,
                    timer: fired,
                };
                Some((item, created as u64))
            })
            .collect();
        pending.sort_by_key(|(p, sequence)| (p.due, p.journey, *sequence));
        pending.into_iter().map(|(p, _)| p).collect()
    }
}
