//! The timer queue: one heap for every pending deadline of a run, ordered as the reference
//! asks: due time, then journey declaration order, then contact id, then order of creation.
//!
//! Timers are never removed from the heap. A timer carries the generation of what it was set
//! for, and one whose generation no longer matches is skipped when it comes up (lazy deletion).

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use journey_ir::JourneyId;
use serde::{Deserialize, Serialize};

/// A pending deadline.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Timer {
    /// When it fires, seconds since the epoch.
    pub due: i64,
    /// The journey it belongs to.
    pub journey: JourneyId,
    /// The contact (empty for a timer of the whole run).
    pub contact: Arc<str>,
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

impl Timer {
    fn key(&self) -> (i64, JourneyId, &str, u64) {
        (self.due, self.journey, &self.contact, self.sequence)
    }
}

impl PartialEq for Timer {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Timer {}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// All pending timers of a run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Timers {
    heap: BinaryHeap<Reverse<Timer>>,
    next_sequence: u64,
}

impl Timers {
    /// Adds a timer.
    pub fn push(&mut self, due: i64, journey: JourneyId, contact: Arc<str>, kind: TimerKind) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.heap.push(Reverse(Timer {
            due,
            journey,
            contact,
            sequence,
            kind,
        }));
    }

    /// Takes the first timer if it is due at or before `now`.
    pub fn pop_due(&mut self, now: i64) -> Option<Timer> {
        if self.heap.peek().is_some_and(|Reverse(t)| t.due <= now) {
            self.heap.pop().map(|Reverse(t)| t)
        } else {
            None
        }
    }

    /// Number of timers, stale ones included.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}
