//! The timer queue: every pending deadline of a run, fired in the order the reference asks:
//! due time, then journey declaration order, then contact id, then order of creation.
//!
//! A timer is stored in 16 bytes ([`Slim`]: due time as seconds from the queue's origin, contact
//! number, generation, journey, kind) in a hierarchical timing wheel ([`Wheel`]), so that setting
//! one costs O(1) and the timers of one second come out together, in creation order. The engine
//! then sorts that bucket by journey and contact id (stably, which keeps creation order last):
//! sorting a bucket once is far cheaper than comparing contact ids on every insertion, and most
//! timers share their second with many others (every night's 08:00 end of quiet hours).
//!
//! The origin is set by the first timer or clock reading, 2^31 seconds before it, so every time
//! within 68 years of the run fits the wheel. A timer due beyond that (a `wait` of centuries) is
//! kept whole in a side map, merged in by due time; one due within it that does not fit 16 bytes
//! otherwise (a journey number past 65,535) is kept whole aside and stands in the wheel as a
//! placeholder, so that it keeps its place in creation order.
//!
//! Timers are never removed. A timer carries the generation of what it was set for, and one whose
//! generation no longer matches is skipped when it comes up (lazy deletion).

use std::collections::BTreeMap;

use journey_ir::JourneyId;
use serde::{Deserialize, Serialize};

use super::wheel::{Due, Wheel};

/// The contact of a timer that belongs to the whole run (`enter once`).
pub const NO_CONTACT: u32 = u32::MAX;

/// A pending deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// The journey it belongs to.
    pub journey: JourneyId,
    /// The contact's index in the run ([`NO_CONTACT`] for a timer of the whole run).
    pub contact: u32,
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
    /// A scheduled entry planned for a whole time zone (contact [`NO_CONTACT`]), or, once
    /// expanded when due, for one contact of it (see `scheduler::zoned`).
    Zone(u32),
}

/// A timer as the wheel stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
struct Slim {
    /// Seconds after the queue's origin.
    due: u32,
    contact: u32,
    /// The generation (`Resume`, `Scheduled`) or the armed time after the origin (`Inactive`).
    payload: u32,
    journey: u16,
    kind: u8,
}

const _: () = assert!(std::mem::size_of::<Slim>() == 16);

const RESUME: u8 = 0;
const INACTIVE: u8 = 1;
const SCHEDULED: u8 = 2;
const ONCE: u8 = 3;
const ZONE: u8 = 5;
/// A placeholder for a timer kept whole aside; `contact` is its index there.
const SPILLED: u8 = 4;

impl Due for Slim {
    fn due(&self) -> u64 {
        u64::from(self.due)
    }
}

/// How far before the first time it sees the queue puts its origin (half the offsets' range).
const ORIGIN_LEAD: i64 = 1 << 31;

/// All pending timers of a run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(into = "SavedTimers", from = "SavedTimers")]
pub struct Timers {
    /// The instant that offset 0 stands for; set by the first timer or clock reading.
    origin: Option<i64>,
    wheel: Wheel<Slim>,
    /// Timers due beyond the wheel's range, by due time, each list in creation order.
    wide: BTreeMap<i64, Vec<Timer>>,
    /// Timers within the wheel's range that do not fit a [`Slim`], by placeholder index.
    spilled: Vec<Option<Timer>>,
    /// Free indexes of `spilled`.
    spilled_free: Vec<u32>,
    /// A reused buffer for a bucket's slim timers.
    bucket: Vec<Slim>,
    len: usize,
}

impl Timers {
    /// Adds a timer.
    pub fn push(&mut self, due: i64, journey: JourneyId, contact: u32, kind: TimerKind) {
        self.len += 1;
        let origin = *self.origin.get_or_insert(due.saturating_sub(ORIGIN_LEAD));
        let timer = Timer {
            journey,
            contact,
            kind,
        };
        if let Some(slim) = slim(origin, due, &timer) {
            self.wheel.insert(slim);
        } else if let Some(at) = small_offset(origin, due) {
            let index = match self.spilled_free.pop() {
                Some(index) => {
                    self.spilled[index as usize] = Some(timer);
                    index
                }
                None => {
                    self.spilled.push(Some(timer));
                    (self.spilled.len() - 1) as u32
                }
            };
            self.wheel.insert(Slim {
                due: at,
                contact: index,
                payload: 0,
                journey: 0,
                kind: SPILLED,
            });
        } else {
            self.wide.entry(due).or_default().push(timer);
        }
    }

    /// Takes the timers of the earliest due time if it is at or before `now`, in the order they
    /// were set, into `out` (cleared first), and returns that due time. The caller sorts them
    /// with [`Timers::order`]. With nothing due, the queue's time moves to `now`: no timer may
    /// be set before it afterwards.
    pub fn take_due(&mut self, now: i64, out: &mut Vec<Timer>) -> Option<i64> {
        out.clear();
        let origin = *self.origin.get_or_insert(now.saturating_sub(ORIGIN_LEAD));
        let wide_first = self.wide.first_key_value().map(|(due, _)| *due);
        // The wheel may not move past a wide timer about to fire, whose handling sets timers.
        let limit = wide_first.map_or(now, |wide| wide.min(now));
        let wheel_due = reach(origin, limit)
            .and_then(|limit| self.wheel.next_due(limit))
            .map(|due| origin + due as i64);
        let due = match (wheel_due, wide_first) {
            (Some(wheel), wide) if wide.is_none_or(|wide| wheel <= wide) => wheel,
            (_, Some(wide)) if wide <= now => wide,
            _ => {
                if let Some(now) = reach(origin, now) {
                    self.wheel.advance(now);
                }
                return None;
            }
        };
        if wide_first == Some(due) {
            out.extend(self.wide.remove(&due).unwrap_or_default());
        }
        if wheel_due == Some(due) {
            if let Some(at) = offset(origin, due) {
                self.wheel.take(at, &mut self.bucket);
                for slim in self.bucket.drain(..) {
                    if slim.kind == SPILLED {
                        let index = slim.contact as usize;
                        if let Some(timer) = self.spilled.get_mut(index).and_then(Option::take) {
                            self.spilled_free.push(slim.contact);
                            out.push(timer);
                        }
                    } else {
                        out.push(whole(origin, slim));
                    }
                }
            }
        }
        self.len -= out.len();
        Some(due)
    }

    /// Sorts timers that are due together: journey declaration order, then contact id (as
    /// `contact_id` names it); the sort is stable, so creation order decides the rest.
    pub fn order<'a>(timers: &mut [Timer], contact_id: impl Fn(u32) -> &'a str) {
        timers.sort_by(|a, b| {
            a.journey
                .cmp(&b.journey)
                .then_with(|| contact_id(a.contact).cmp(contact_id(b.contact)))
        });
    }

    /// Every pending timer with its due time, stale ones included, by due time and, for equal
    /// due times, in the order they fire before sorting (creation order).
    pub fn iter(&self) -> Vec<(i64, Timer)> {
        let Some(origin) = self.origin else {
            return Vec::new();
        };
        let mut all: Vec<(i64, Timer)> = self
            .wide
            .iter()
            .flat_map(|(due, timers)| timers.iter().map(|timer| (*due, timer.clone())))
            .collect();
        // The wheel's own order is by slot; creation order within a due time is kept by
        // gathering each due time's timers from the one slot that holds them.
        let mut slim: Vec<(i64, usize, Slim)> = self
            .wheel
            .iter()
            .enumerate()
            .map(|(i, timer)| (origin + i64::from(timer.due), i, *timer))
            .collect();
        slim.sort_by_key(|(due, i, _)| (*due, *i));
        all.extend(slim.into_iter().filter_map(|(due, _, timer)| {
            let timer = if timer.kind == SPILLED {
                self.spilled.get(timer.contact as usize)?.clone()?
            } else {
                whole(origin, timer)
            };
            Some((due, timer))
        }));
        all.sort_by_key(|(due, _)| *due);
        all
    }

    /// The same queue with each timer's journey renumbered by `journey`, which drops the timers
    /// it answers `None` for (a program changed at restart; see `crate::migrate`).
    pub fn remapped(&self, mut journey: impl FnMut(&Timer) -> Option<JourneyId>) -> Timers {
        let mut saved = SavedTimers::from(self.clone());
        saved.timers.retain_mut(|(_, timer)| match journey(timer) {
            Some(j) => {
                timer.journey = j;
                true
            }
            None => false,
        });
        Timers::from(saved)
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

/// `time` as an offset from `origin`, if a [`Slim`] can hold it.
fn offset(origin: i64, time: i64) -> Option<u64> {
    small_offset(origin, time).map(u64::from)
}

/// How far into the wheel's range `time` reaches: its offset, capped at the largest offset;
/// `None` before the origin.
fn reach(origin: i64, time: i64) -> Option<u64> {
    let offset = Some(time.saturating_sub(origin)).filter(|offset| *offset >= 0)?;
    Some(u64::try_from(offset).map_or(u64::from(u32::MAX), |o| o.min(u64::from(u32::MAX))))
}

fn small_offset(origin: i64, time: i64) -> Option<u32> {
    u32::try_from(time.checked_sub(origin)?).ok()
}

fn slim(origin: i64, due: i64, timer: &Timer) -> Option<Slim> {
    let (kind, payload) = match timer.kind {
        TimerKind::Resume(generation) => (RESUME, generation),
        TimerKind::Inactive(armed) => (INACTIVE, small_offset(origin, armed)?),
        TimerKind::Scheduled(generation) => (SCHEDULED, generation),
        TimerKind::Once => (ONCE, 0),
        TimerKind::Zone(zone) => (ZONE, zone),
    };
    Some(Slim {
        due: small_offset(origin, due)?,
        contact: timer.contact,
        payload,
        journey: u16::try_from(timer.journey.0).ok()?,
        kind,
    })
}

fn whole(origin: i64, timer: Slim) -> Timer {
    let kind = match timer.kind {
        RESUME => TimerKind::Resume(timer.payload),
        INACTIVE => TimerKind::Inactive(origin + i64::from(timer.payload)),
        SCHEDULED => TimerKind::Scheduled(timer.payload),
        ZONE => TimerKind::Zone(timer.payload),
        _ => TimerKind::Once,
    };
    Timer {
        journey: JourneyId(u32::from(timer.journey)),
        contact: timer.contact,
        kind,
    }
}

/// [`Timers`] as stored: the origin, the wheel's time and every timer by due time.
#[derive(Serialize, Deserialize)]
struct SavedTimers {
    origin: Option<i64>,
    elapsed: u64,
    timers: Vec<(i64, Timer)>,
}

impl From<Timers> for SavedTimers {
    fn from(timers: Timers) -> SavedTimers {
        SavedTimers {
            origin: timers.origin,
            elapsed: timers.wheel.elapsed(),
            timers: timers.iter(),
        }
    }
}

impl From<SavedTimers> for Timers {
    fn from(saved: SavedTimers) -> Timers {
        let mut timers = Timers {
            origin: saved.origin,
            ..Timers::default()
        };
        timers.wheel.advance(saved.elapsed);
        for (due, timer) in saved.timers {
            timers.push(due, timer.journey, timer.contact, timer.kind);
        }
        timers
    }
}

#[cfg(test)]
mod tests;
