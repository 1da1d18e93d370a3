//! Planning scheduled entries (`enter every day at 10:00`, `enter yearly on birthday`) and
//! `enter when inactive` timers.

use jiff::tz::TimeZone;
use journey_ir::eval::Value;
use journey_ir::{Calendar, Entry, JourneyId};

use crate::clock::{self, Schedule};
use crate::engine::Handler;
use crate::scheduler::timers::TimerKind;

impl<'p> Handler<'_, 'p> {
    /// The contact's time zone (its `timezone` field, else UTC).
    pub(crate) fn zone(&self, c: usize) -> TimeZone {
        self.state.zones.zone(self.state.contacts.zone(c)).clone()
    }

    /// Sets the timer of the contact's next yearly scheduled entry into `j` after `now`.
    pub(crate) fn plan_schedule(&mut self, c: usize, j: JourneyId, now: i64) {
        let Entry::Schedule { calendar, at, .. } = &self.t.program.journeys[j.index()].entry else {
            return;
        };
        let date = match calendar {
            Calendar::Yearly(slot) => match self.state.contacts.profile_value(c, *slot) {
                Value::Date(days) => jiff::civil::date(1970, 1, 1)
                    .checked_add(jiff::Span::new().days(i64::from(days)))
                    .ok(),
                _ => None,
            },
            _ => None,
        };
        let next = clock::next_scheduled(now, Schedule::from(calendar), *at, &self.zone(c), date);
        let generation = self.state.contacts.update_journey(c, j, |state| {
            state.schedule_generation = state.schedule_generation.wrapping_add(1);
            state.schedule_generation
        });
        if let Some(due) = next {
            self.state
                .timers
                .push(due, j, c as u32, TimerKind::Scheduled(generation));
        }
    }

    /// Sets the `enter when inactive` timers of a contact whose latest input is at `now`, for
    /// the journeys that have none armed (a timer that finds newer input sets the next one).
    pub(crate) fn arm_inactivity(&mut self, c: usize, now: i64) {
        for &(j, duration) in &self.t.plan.inactive_journeys {
            let mut state = self.state.contacts.journey(c, j);
            if state.inactivity_armed.is_none() {
                state.inactivity_armed = Some(now).into();
                self.state.contacts.set_journey(c, j, &state);
                self.state.timers.push(
                    now.saturating_add(duration),
                    j,
                    c as u32,
                    TimerKind::Inactive(now),
                );
            }
        }
    }
}
