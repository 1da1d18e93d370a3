//! [`RunState`] in the pieces a checkpoint writes: each changed contact's bytes, keyed by its
//! number, and the state the contacts share (timers, zones, zoned schedules, the strings rows
//! hold, clock, counters) as one value, both under [`STATE_VERSION`]. A state is rebuilt from
//! the shared value and every contact's bytes in number order.

use serde::{Deserialize, Serialize};

use super::{Contacts, RunState, Strings, Zones, STATE_VERSION};
use crate::engine::Stats;
use crate::scheduler::timers::Timers;
use crate::scheduler::ZonedSchedules;

/// What the contacts share, as a checkpoint stores it.
#[derive(Serialize, Deserialize)]
struct Shared {
    version: u32,
    /// How many contacts the checkpoint holds (numbers `0..contacts`).
    contacts: u32,
    /// The size of their rows.
    row_size: u32,
    strings: Strings,
    timers: Timers,
    zones: Zones,
    zoned: ZonedSchedules,
    clock: Option<i64>,
    stats: Stats,
}

/// A checkpoint's part of a run's state.
pub struct Checkpoint {
    /// The state the contacts share.
    pub shared: Vec<u8>,
    /// The contacts changed since the last checkpoint: number and bytes.
    pub changed: Vec<(u32, Vec<u8>)>,
}

impl RunState {
    /// The pieces of a checkpoint: the shared state and the contacts changed since the last one
    /// (all of them the first time, once [`Contacts::track_changes`] is on).
    pub fn checkpoint(&mut self) -> Result<Checkpoint, String> {
        let shared = Shared {
            version: STATE_VERSION,
            contacts: u32::try_from(self.contacts.len())
                .map_err(|_| "more than 2^32 contacts".to_owned())?,
            row_size: self.contacts.layout().size,
            strings: self.contacts.strings.clone(),
            timers: self.timers.clone(),
            zones: self.zones.clone(),
            zoned: self.zoned.clone(),
            clock: self.clock,
            stats: self.stats.clone(),
        };
        let shared =
            postcard::to_stdvec(&shared).map_err(|e| format!("the state cannot be stored: {e}"))?;
        let changed = self
            .contacts
            .take_changed()
            .into_iter()
            .map(|c| Ok((c, self.contacts.stored(c as usize)?)))
            .collect::<Result<_, String>>()?;
        Ok(Checkpoint { shared, changed })
    }

    /// Starts rebuilding a state from a checkpoint's shared value; its contacts follow.
    pub fn restoring(shared: &[u8]) -> Result<Restoring, String> {
        let shared: Shared = postcard::from_bytes(shared)
            .map_err(|e| format!("the checkpoint's shared state is unreadable: {e}"))?;
        if shared.version != STATE_VERSION {
            return Err(format!(
                "the checkpoint has state format version {}, this engine reads version \
                 {STATE_VERSION}",
                shared.version
            ));
        }
        let mut contacts = Contacts::with_row_size(shared.row_size);
        contacts.strings = shared.strings;
        Ok(Restoring {
            expected: shared.contacts,
            state: RunState {
                contacts,
                timers: shared.timers,
                zones: shared.zones,
                zoned: shared.zoned,
                clock: shared.clock,
                stats: shared.stats,
            },
        })
    }
}

/// A state being rebuilt from a checkpoint.
pub struct Restoring {
    expected: u32,
    state: RunState,
}

impl Restoring {
    /// How many contacts the checkpoint holds (numbers `0..expected`).
    pub fn expected(&self) -> u32 {
        self.expected
    }

    /// Adds the next contact (numbers in order from 0).
    pub fn contact(&mut self, number: u32, bytes: &[u8]) -> Result<(), String> {
        self.state.contacts.push_stored(number, bytes)
    }

    /// The state, once every contact is in.
    pub fn finish(self) -> Result<RunState, String> {
        let found = self.state.contacts.len();
        if found != self.expected as usize {
            return Err(format!(
                "the checkpoint names {} contacts but holds {found}",
                self.expected
            ));
        }
        Ok(self.state)
    }
}

impl RunState {
    /// Erases the contact with `id` (see [`Contacts::forget`]); whether there was one.
    pub fn forget(&mut self, id: &str) -> bool {
        match self.contacts.find(id) {
            Some(c) => self.contacts.forget(c),
            None => false,
        }
    }
}
