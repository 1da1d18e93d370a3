//! Scheduled entries that do not depend on the contact beyond its time zone (`enter every day at
//! 10:00`, weekly, monthly), planned once per zone instead of once per contact.
//!
//! For each such journey and each zone in use, one timer (a *zone timer*: contact
//! [`NO_CONTACT`], kind [`TimerKind::Zone`]) stands for the next occurrence. When it comes up,
//! it is expanded in place into one timer per contact of the zone, which then fire in the usual
//! order (journey, contact id); after the bucket, the zone's next occurrence is planned. A
//! newsletter to a million contacts thus costs one timer and four bytes a contact (its entry in
//! its zone's list), not a million timers.
//!
//! A contact joins its zone's list when it is first seen and when its `timezone` changes; lists
//! keep contacts that have left (dropped when the zone fires), and a timer of a zone fires only
//! for contacts still in it. The next occurrence counts as set when the previous one has fired
//! for the whole zone (reference §8, "Running").

use journey_ir::{Entry, JourneyId};
use serde::{Deserialize, Serialize};

use crate::clock::{self, Schedule};
use crate::engine::Handler;
use crate::scheduler::timers::{Timer, TimerKind, NO_CONTACT};
use crate::store::{Contacts, ZoneId};

/// The per-zone plans of a run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ZonedSchedules {
    /// Per zone: the contacts that joined it, in order, with leavers not yet dropped.
    members: Vec<Vec<u32>>,
    /// Per journey (program order), per zone: whether its next occurrence is planned.
    planned: Vec<Vec<Planned>>,
}

/// Whether a zone's next occurrence of a journey's schedule is planned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
enum Planned {
    /// Not yet: no contact of the zone was seen.
    #[default]
    No,
    /// A zone timer is set.
    Yes,
    /// The schedule has no next occurrence (a date out of range).
    Never,
}

impl ZonedSchedules {
    /// The plans for a changed program: per new journey, the old journey whose zone timers it
    /// keeps, if any (a journey without one is planned again by `Handler::arm_entry`).
    pub fn remapped(&self, old_of: &[Option<JourneyId>]) -> ZonedSchedules {
        ZonedSchedules {
            members: self.members.clone(),
            planned: old_of
                .iter()
                .map(|old| {
                    old.and_then(|o| self.planned.get(o.index()))
                        .cloned()
                        .unwrap_or_default()
                })
                .collect(),
        }
    }

    /// Puts every contact of `contacts` on its zone's list, afresh: a program without journeys
    /// planned per zone keeps no lists, so a restart that adds one makes them.
    pub(crate) fn rejoin_all(&mut self, contacts: &Contacts) {
        self.members.clear();
        for c in 0..contacts.len() {
            if !contacts.is_forgotten(c) {
                grown(&mut self.members, contacts.zone(c) as usize).push(c as u32);
            }
        }
    }

    /// The zones with contacts.
    pub(crate) fn zones_in_use(&self) -> Vec<ZoneId> {
        (0..self.members.len())
            .filter(|&zone| !self.members[zone].is_empty())
            .map(|zone| zone as ZoneId)
            .collect()
    }

    fn planned(&mut self, j: JourneyId, zone: ZoneId) -> &mut Planned {
        let journey = grown(&mut self.planned, j.index());
        grown(journey, zone as usize)
    }
}

fn grown<T: Default>(items: &mut Vec<T>, index: usize) -> &mut T {
    if items.len() <= index {
        items.resize_with(index + 1, T::default);
    }
    &mut items[index]
}

impl<'p> Handler<'_, 'p> {
    /// Puts contact `c` on its zone's list and makes sure each zone-planned journey has a zone
    /// timer for that zone (planned from `now` when the zone is new).
    pub(crate) fn join_zone(&mut self, c: usize, now: i64) {
        if self.t.plan.zoned_journeys.is_empty() {
            return;
        }
        let zone = self.state.contacts.zone(c);
        grown(&mut self.state.zoned.members, zone as usize).push(c as u32);
        for &j in &self.t.plan.zoned_journeys {
            if *self.state.zoned.planned(j, zone) == Planned::No {
                self.plan_zone(j, zone, now);
            }
        }
    }

    /// Sets the zone timer of `j`'s next occurrence after `now` in `zone`.
    pub(crate) fn plan_zone(&mut self, j: JourneyId, zone: ZoneId, now: i64) {
        let Entry::Schedule { calendar, at, .. } = &self.t.program.journeys[j.index()].entry else {
            return;
        };
        let tz = self.state.zones.zone(zone);
        let next = clock::next_scheduled(now, Schedule::from(calendar), *at, tz, None);
        *self.state.zoned.planned(j, zone) = match next {
            Some(due) => {
                self.state
                    .timers
                    .push(due, j, NO_CONTACT, TimerKind::Zone(zone));
                Planned::Yes
            }
            None => Planned::Never,
        };
    }

    /// Replaces every zone timer in a due bucket, in place, by one timer per contact still in
    /// its zone (in contact number order; the bucket is sorted by contact id next), and notes
    /// the zone timers in `fired` so that [`Handler::replan_zones`] sets the next ones.
    pub(crate) fn expand_zones(
        &mut self,
        timers: &mut Vec<Timer>,
        fired: &mut Vec<(JourneyId, ZoneId)>,
    ) {
        fired.clear();
        if !timers.iter().any(is_zone_timer) {
            return;
        }
        let mut expanded = Vec::with_capacity(timers.len());
        for timer in timers.drain(..) {
            let TimerKind::Zone(zone) = timer.kind else {
                expanded.push(timer);
                continue;
            };
            if timer.contact != NO_CONTACT {
                expanded.push(timer);
                continue;
            }
            fired.push((timer.journey, zone));
            let contacts = &self.state.contacts;
            let members = grown(&mut self.state.zoned.members, zone as usize);
            members.retain(|&c| (c as usize) < contacts.len() && contacts.zone(c as usize) == zone);
            members.sort_unstable();
            members.dedup();
            expanded.extend(members.iter().map(|&contact| Timer {
                journey: timer.journey,
                contact,
                kind: TimerKind::Zone(zone),
            }));
        }
        *timers = expanded;
    }

    /// Sets the next zone timers of the zones that fired at `now`.
    pub(crate) fn replan_zones(&mut self, fired: &[(JourneyId, ZoneId)], now: i64) {
        for &(j, zone) in fired {
            self.plan_zone(j, zone, now);
        }
    }
}

fn is_zone_timer(timer: &Timer) -> bool {
    timer.contact == NO_CONTACT && matches!(timer.kind, TimerKind::Zone(_))
}
