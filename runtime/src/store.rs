//! The run's stored state: the contacts (ids, rows laid out by the program's
//! [`ContactLayout`](journey_ir::layout::ContactLayout), profile text, side storage), the strings
//! rows hold, the time zones, the timers and the clock. [`RunState`] serialises with serde,
//! under a format version.

mod apply;
mod arena;
mod checkpoint;
pub(crate) mod contact;
mod contacts;
mod history;
mod messages;
mod packed;
mod profile;
pub(crate) mod row;
mod scores;
mod strings;
mod text;
mod zones;

use serde::{Deserialize, Serialize};

pub use checkpoint::{Checkpoint, Restoring};
pub use contact::{
    Aggregate, Award, Engagement, HistoryState, JourneyState, KeyedGroup, Number, OptionalTime,
    Phase, ScoreState, Sent, Side, Stamps,
};
pub use contacts::carry::{Carry, JourneyCarry, Moves, ProfileCarry};
pub use contacts::Contacts;
pub use strings::{StringId, Strings};
pub use zones::{ZoneId, Zones, NO_ZONE};

use crate::engine::Stats;
use crate::scheduler::timers::Timers;
use crate::scheduler::ZonedSchedules;

/// The version of [`RunState`]'s stored form; a state of another version is refused.
pub const STATE_VERSION: u32 = 5;

/// Everything a run remembers: contacts, timers and the clock.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(try_from = "SavedRunState", into = "SavedRunState")]
pub struct RunState {
    /// The contacts, numbered in order of first input.
    pub contacts: Contacts,
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

/// [`RunState`] as stored, with its format version.
#[derive(Serialize, Deserialize)]
struct SavedRunState {
    version: u32,
    contacts: Contacts,
    timers: Timers,
    zones: Zones,
    zoned: ZonedSchedules,
    clock: Option<i64>,
    stats: Stats,
}

impl From<RunState> for SavedRunState {
    fn from(state: RunState) -> SavedRunState {
        SavedRunState {
            version: STATE_VERSION,
            contacts: state.contacts,
            timers: state.timers,
            zones: state.zones,
            zoned: state.zoned,
            clock: state.clock,
            stats: state.stats,
        }
    }
}

impl TryFrom<SavedRunState> for RunState {
    type Error = String;

    fn try_from(saved: SavedRunState) -> Result<RunState, String> {
        if saved.version != STATE_VERSION {
            return Err(format!(
                "the saved state has format version {}, this engine reads version {STATE_VERSION}",
                saved.version
            ));
        }
        Ok(RunState {
            contacts: saved.contacts,
            timers: saved.timers,
            zones: saved.zones,
            zoned: saved.zoned,
            clock: saved.clock,
            stats: saved.stats,
        })
    }
}
