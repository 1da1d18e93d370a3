//! The timer queue: every pending deadline of a run, fired in the order the reference asks:
//! due time, then journey declaration order, then contact id, then order of creation.
//!
//! Timers are kept in buckets by due time. A bucket is sorted only when it fires, because the
//! tie-breakers compare contact ids (strings) and most timers share their due time with many
//! others (every contact's 10:00 newsletter, every night's 08:00 end of quiet hours): sorting a
//! bucket once is far cheaper than comparing strings on every heap operation.
//!
//! Timers are never removed. A timer carries the generation of what it was set for, and one whose
//! generation no longer matches is skipped when it comes up (lazy deletion).

use std::collections::BTreeMap;

use journey_ir::JourneyId;
use serde::{Deserialize, Serialize};

/// The contact of a timer that belongs to the whole run (`enter once`).
pub const NO_CONTACT: u32 = u32::MAX;

/// A pending deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// The journey it belongs to.
    pub journey: JourneyId,
    /// The contact's index in the run ([`NO_CONTACT`] for a timer of the whole run).
    pub contact: u32,
    /// Order of creation, the last tie-breaker.
    pub sequence: u64,
    /// What happens when it fires.
    pub kind: TimerKind,
}

/// What a timer does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimerKind {
    /// Resume the contact's instance (a wait, a deadline, a delayed send), if the instance's
    /// timer generation still matches.
    Resume(u32),
    /// `enter when inactive`: enter if no input came since the one at this time.
    Inactive(i64),
    /// A scheduled entry, if the journey's schedule generation still matches.
    Scheduled(u32),
    /// `enter once`: enter every contact known now (a timer of the whole run).
    Once,
}

/// All pending timers of a run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Timers {
    buckets: BTreeMap<i64, Vec<Timer>>,
    next_sequence: u64,
    len: usize,
}

impl Timers {
    /// Adds a timer.
    pub fn push(&mut self, due: i64, journey: JourneyId, contact: u32, kind: TimerKind) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.len += 1;
        // Most due times are unique to one timer: a bucket starts with room for one, not the
        // four a first `push` would reserve (measured with DHAT: 275 → 173 bytes a contact).
        let bucket = self
            .buckets
            .entry(due)
            .or_insert_with(|| Vec::with_capacity(1));
        bucket.push(Timer {
            journey,
            contact,
            sequence,
            kind,
        });
    }

    /// Takes the earliest bucket if it is due at or before `now`: its due time and its timers in
    /// the order they were set. The caller sorts them with [`Timers::order`].
    pub fn take_due(&mut self, now: i64) -> Option<(i64, Vec<Timer>)> {
        let entry = self.buckets.first_entry()?;
        if *entry.key() > now {
            return None;
        }
        let (due, timers) = entry.remove_entry();
        self.len -= timers.len();
        Some((due, timers))
    }

    /// Sorts timers that are due together: journey declaration order, then contact id (as
    /// `contact_id` names it), then order of creation.
    pub fn order<'a>(timers: &mut [Timer], contact_id: impl Fn(u32) -> &'a str) {
        timers.sort_by(|a, b| {
            a.journey
                .cmp(&b.journey)
                .then_with(|| contact_id(a.contact).cmp(contact_id(b.contact)))
                .then(a.sequence.cmp(&b.sequence))
        });
    }

    /// Every pending timer with its due time, stale ones included, by due time.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &Timer)> + '_ {
        self.buckets
            .iter()
            .flat_map(|(due, timers)| timers.iter().map(move |timer| (*due, timer)))
    }

    /// Number of timers, stale ones included.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
