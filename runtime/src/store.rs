//! The run's stored state: contacts (numbered densely in order of first input, found by id
//! through one index), their profiles, histories, scores and journey standings, the timers and
//! the clock. Everything here serialises with serde (`RunState`).

mod apply;
mod contact;
mod history;
mod scores;
mod zones;

use std::collections::HashMap;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

pub use contact::{
    Aggregate, Contact, Engagement, HistoryState, Instance, JourneyState, KeyedGroup, OptionalTime,
    Phase, ScoreState,
};

use crate::engine::Stats;
pub use zones::{ZoneId, Zones, NO_ZONE};

use crate::scheduler::timers::Timers;
use crate::scheduler::ZonedSchedules;

/// Everything a run remembers: contacts, timers and the clock.
///
/// The contact index is not serialised (a hash map's order is not stable); it is rebuilt from
/// `contacts` when the state is read back.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "SavedRunState")]
pub struct RunState {
    /// Contacts in order of first input.
    pub contacts: Vec<Contact>,
    /// Contact id → index into `contacts`.
    #[serde(skip)]
    pub index: ContactIndex,
    /// Pending timers.
    pub timers: Timers,
    /// The contacts' time zones, numbered.
    pub zones: Zones,
    /// Scheduled entries planned per zone.
    pub zoned: ZonedSchedules,
    /// The run's clock: the latest time handled, if any.
    pub clock: Option<i64>,
    /// Counters.
    pub stats: Stats,
}

/// Contact id → index into [`RunState::contacts`], with a fast hasher (foldhash, randomly
/// seeded, so that crafted ids cannot force collisions). Keys hold ids of up to 24 bytes inline
/// (`CompactString`), so that finding a contact does not miss the cache on a second allocation
/// to compare the id (measured: the comparison was the engine's costliest line).
pub type ContactIndex = HashMap<CompactString, u32, foldhash::fast::RandomState>;

/// [`RunState`] as stored: everything but the index.
#[derive(Deserialize)]
struct SavedRunState {
    contacts: Vec<Contact>,
    timers: Timers,
    zones: Zones,
    zoned: ZonedSchedules,
    clock: Option<i64>,
    stats: Stats,
}

impl From<SavedRunState> for RunState {
    fn from(saved: SavedRunState) -> RunState {
        let index = saved
            .contacts
            .iter()
            .enumerate()
            .map(|(i, contact)| (CompactString::from(&*contact.id), i as u32))
            .collect();
        RunState {
            contacts: saved.contacts,
            index,
            timers: saved.timers,
            zones: saved.zones,
            zoned: saved.zoned,
            clock: saved.clock,
            stats: saved.stats,
        }
    }
}
