//! Firing timers: every timer due by the clock, in the reference's order, each dispatched to
//! what it was set for.

use journey_ir::{Entry, JourneyId};

use crate::engine::{Handler, Sink};
use crate::scheduler::timers::{Timer, TimerKind, Timers};
use crate::trace::Cause;

impl<'p> Handler<'_, 'p> {
    /// Fires, in order, every timer due at or before `now`.
    pub(crate) fn fire_due(&mut self, now: i64, sink: &mut dyn Sink) {
        let mut timers = std::mem::take(&mut self.scratch.timers);
        let mut zone_timers = std::mem::take(&mut self.scratch.zone_timers);
        while let Some(due) = self.state.timers.take_due(now, &mut timers) {
            self.expand_zones(&mut timers, &mut zone_timers);
            let contacts = &self.state.contacts;
            Timers::order(&mut timers, |c| contacts.id(c as usize));
            if self.state.clock.is_none_or(|clock| clock < due) {
                self.state.clock = Some(due);
            }
            let due = self.state.clock.unwrap_or(due);
            for timer in timers.drain(..) {
                self.fire(timer, due, sink);
            }
            self.replan_zones(&zone_timers, due);
        }
        self.scratch.timers = timers;
        self.scratch.zone_timers = zone_timers;
    }

    /// Fires one timer at `due`, unless it is stale.
    pub(crate) fn fire(&mut self, timer: Timer, due: i64, sink: &mut dyn Sink) {
        let j = timer.journey;
        if timer.kind == TimerKind::Once {
            self.fire_once(j, due, sink);
            return;
        }
        let c = timer.contact as usize;
        if c >= self.state.contacts.len()
            || !crate::trace::is_live(&self.state.contacts, c, j, timer.kind)
        {
            return;
        }
        self.state.stats.timers += 1;
        if self.traced() {
            self.trace_fired(c, j, timer.kind, due, sink);
            self.settle_traced(c, due, sink);
        }
        self.settle(c, due);
        match timer.kind {
            TimerKind::Resume(_) => self.resume_instance(c, j, due, sink),
            TimerKind::Scheduled(_) | TimerKind::Zone(_) => {
                let filter = match &self.t.program.journeys[j.index()].entry {
                    Entry::Schedule { filter, .. } => *filter,
                    _ => None,
                };
                if self.holds(c, filter, due) {
                    self.enter(c, j, due, Cause::Schedule, None, sink);
                } else if self.traced() {
                    self.trace_held_refused(c, j, Cause::Schedule, filter, due, sink);
                }
                if matches!(timer.kind, TimerKind::Scheduled(_)) {
                    self.plan_schedule(c, j, due);
                }
            }
            TimerKind::Inactive(_) => {
                let last = self.state.contacts.last_input(c);
                let duration = match self.t.program.journeys[j.index()].entry {
                    Entry::Inactive(duration) => duration,
                    _ => 0,
                };
                if last.saturating_add(duration) <= due {
                    self.state.contacts.update_journey(c, j, |state| {
                        state.inactivity_armed = None.into();
                    });
                    self.enter(c, j, due, Cause::Inactive, None, sink);
                } else {
                    // Input came since: wait for the quiet stretch after the latest one.
                    self.state.contacts.update_journey(c, j, |state| {
                        state.inactivity_armed = Some(last).into();
                    });
                    self.state.timers.push(
                        last.saturating_add(duration),
                        j,
                        c as u32,
                        TimerKind::Inactive(last),
                    );
                }
            }
            TimerKind::Once => {}
        }
        self.reevaluate_when(c, due, sink);
    }

    /// `enter once`: every known contact, in contact id order.
    pub(crate) fn fire_once(&mut self, j: JourneyId, now: i64, sink: &mut dyn Sink) {
        let Entry::Once { filter, .. } = self.t.program.journeys[j.index()].entry else {
            return;
        };
        let contacts = &self.state.contacts;
        let mut known: Vec<usize> = (0..contacts.len())
            .filter(|&c| !contacts.is_forgotten(c))
            .collect();
        known.sort_by(|&a, &b| contacts.id(a).cmp(contacts.id(b)));
        for c in known {
            self.state.stats.timers += 1;
            if self.traced() {
                self.trace_fired(c, j, TimerKind::Once, now, sink);
                self.settle_traced(c, now, sink);
            }
            self.settle(c, now);
            if self.holds(c, filter, now) {
                self.enter(c, j, now, Cause::Once, None, sink);
            } else if self.traced() {
                self.trace_held_refused(c, j, Cause::Once, filter, now, sink);
            }
            self.reevaluate_when(c, now, sink);
        }
    }
}
