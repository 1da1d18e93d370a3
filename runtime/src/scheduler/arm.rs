//! Planning the entry of a journey that a restarted service did not run before (a new journey,
//! or one whose entry changed; see `crate::migrate`) for the contacts it already knows, as if
//! the journey had been declared when they were first seen.

use journey_ir::{Calendar, Entry, JourneyId};

use crate::engine::Handler;
use crate::scheduler::timers::{TimerKind, NO_CONTACT};

impl<'p> Handler<'_, 'p> {
    /// Plans journey `j`'s entry at `now` (the run's clock; `None` before any input): the next
    /// occurrence of a schedule in every zone or for every contact, an inactivity timer from
    /// each contact's latest input, the time of `enter once` unless it has passed.
    pub(crate) fn arm_entry(&mut self, j: JourneyId, now: Option<i64>) {
        let entry = &self.t.program.journeys[j.index()].entry;
        if let Entry::Once { at, .. } = *entry {
            if now.is_none_or(|now| at >= now) {
                self.state.timers.push(at, j, NO_CONTACT, TimerKind::Once);
            }
            return;
        }
        let Some(now) = now else {
            return;
        };
        let known =
            (0..self.state.contacts.len()).filter(|&c| !self.state.contacts.is_forgotten(c));
        match entry {
            Entry::Schedule {
                calendar: Calendar::Yearly(_),
                ..
            } => {
                for c in known.collect::<Vec<_>>() {
                    self.plan_schedule(c, j, now);
                }
            }
            Entry::Schedule { .. } => {
                self.state.zoned.rejoin_all(&self.state.contacts);
                for zone in self.state.zoned.zones_in_use() {
                    self.plan_zone(j, zone, now);
                }
            }
            Entry::Inactive(_) => {
                for c in known.collect::<Vec<_>>() {
                    let last = self.state.contacts.last_input(c);
                    self.arm_inactivity(c, last);
                }
            }
            Entry::On { .. } | Entry::When(_) | Entry::Once { .. } => {}
        }
    }
}
