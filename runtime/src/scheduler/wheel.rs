//! A hierarchical timing wheel over whole seconds: O(1) insertion, and the entries due at one
//! second taken out together, in the order they were inserted.
//!
//! Six levels of 64 slots; a slot of level `L` spans `64^L` seconds, so the wheel covers 2^36
//! seconds past its current time, more than the 2^32 of the offsets it is given. An entry goes to
//! the level of the highest bit in which its due time differs from the wheel's current time, so
//! every entry of level `L > 0` lies in a later slot of the current level-`L+1` span. When time
//! reaches the start of such a slot, the slot is *cascaded*: its entries move down, in order, to
//! the levels their due times now call for. Level 0 holds one second a slot, so a level-0 slot
//! is one bucket of equal due times.
//!
//! **Order:** entries with equal due times always share one slot, in insertion order: an entry
//! reaches level 0 by a cascade that happens before time enters its 64-second span, and an entry
//! inserted directly at level 0 is inserted after time entered that span.

/// Bits of a slot index.
const SLOT_BITS: u32 = 6;
/// Slots per level.
const SLOTS: usize = 1 << SLOT_BITS;
/// Levels: `LEVELS * SLOT_BITS` bits of offset.
const LEVELS: usize = 6;
/// The largest due time the wheel holds.
pub const MAX_DUE: u64 = (1 << (LEVELS as u32 * SLOT_BITS)) - 1;

/// An entry of the wheel knows when it is due.
pub trait Due {
    /// The due time, as an offset from the wheel's origin.
    fn due(&self) -> u64;
}

/// One level: 64 slots and a bit per non-empty slot.
#[derive(Clone, Debug)]
struct Level<T> {
    occupied: u64,
    slots: [Vec<T>; SLOTS],
}

impl<T> Default for Level<T> {
    fn default() -> Self {
        Level {
            occupied: 0,
            slots: std::array::from_fn(|_| Vec::new()),
        }
    }
}

/// The wheel. Times are offsets in seconds from an origin the owner chooses, below 2^36.
#[derive(Clone, Debug)]
pub struct Wheel<T> {
    /// The wheel's current time: no entry is due before it.
    elapsed: u64,
    levels: Box<[Level<T>; LEVELS]>,
}

impl<T> Default for Wheel<T> {
    fn default() -> Self {
        Wheel {
            elapsed: 0,
            levels: Box::new(std::array::from_fn(|_| Level::default())),
        }
    }
}

/// Where the earliest non-empty slot is.
#[derive(Clone, Copy, Debug)]
struct Expiration {
    level: usize,
    slot: usize,
    /// The time the slot starts.
    deadline: u64,
}

impl<T: Due> Wheel<T> {
    /// The wheel's current time.
    pub fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Inserts an entry; a due time before the wheel's current time counts as now.
    pub fn insert(&mut self, entry: T) {
        let due = entry.due().clamp(self.elapsed, MAX_DUE);
        let (level, slot) = self.place(due);
        let level = &mut self.levels[level];
        level.slots[slot].push(entry);
        level.occupied |= 1 << slot;
    }

    fn place(&self, due: u64) -> (usize, usize) {
        let differing = (self.elapsed ^ due) | (SLOTS as u64 - 1);
        let significant = 63 - differing.leading_zeros();
        let level = ((significant / SLOT_BITS) as usize).min(LEVELS - 1);
        let slot = ((due >> (level as u32 * SLOT_BITS)) as usize) & (SLOTS - 1);
        (level, slot)
    }

    /// The earliest due time at or before `limit`, if any entry is due by then. Slots that
    /// start by `limit` are cascaded on the way, so the wheel's time moves up to at most
    /// `limit`: the caller must not insert entries due before it afterwards.
    pub fn next_due(&mut self, limit: u64) -> Option<u64> {
        loop {
            let next = self.next_expiration()?;
            if next.deadline > limit {
                return None;
            }
            if next.level == 0 {
                return Some(next.deadline);
            }
            self.cascade(next);
        }
    }

    /// Appends the entries due at `due` (an answer of [`Wheel::next_due`]) to `out` in
    /// insertion order, and moves the wheel's time to `due`.
    pub fn take(&mut self, due: u64, out: &mut Vec<T>) {
        let slot = (due as usize) & (SLOTS - 1);
        self.elapsed = self.elapsed.max(due);
        let level = &mut self.levels[0];
        if level.occupied & (1 << slot) == 0 {
            return;
        }
        level.occupied &= !(1 << slot);
        out.append(&mut level.slots[slot]);
        release_if_large(&mut level.slots[slot]);
    }

    /// Moves the wheel's time to `now`; every entry due by then must have been taken.
    pub fn advance(&mut self, now: u64) {
        // Entries still due by `now` are the caller's to take first: never pass them.
        if self.next_due(now).is_none() {
            self.elapsed = self.elapsed.max(now.min(MAX_DUE));
        }
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.levels
            .iter()
            .flat_map(|level| level.slots.iter().flat_map(|slot| slot.iter()))
    }

    fn next_expiration(&self) -> Option<Expiration> {
        // Ties go to the higher level, so that a slot is cascaded before the level-0 bucket of
        // the same second is taken (it cannot happen while the invariants hold).
        (0..LEVELS)
            .rev()
            .filter_map(|level| self.level_expiration(level))
            .min_by_key(|e| e.deadline)
    }

    fn level_expiration(&self, level: usize) -> Option<Expiration> {
        let occupied = self.levels[level].occupied;
        if occupied == 0 {
            return None;
        }
        let shift = level as u32 * SLOT_BITS;
        let slot_span = 1u64 << shift;
        let level_span = slot_span << SLOT_BITS;
        let now_slot = ((self.elapsed >> shift) as usize) & (SLOTS - 1);
        // The first occupied slot at or after the current one; one found before it lies in the
        // next turn of the level.
        let rotated = occupied.rotate_right(now_slot as u32);
        let slot = (rotated.trailing_zeros() as usize + now_slot) & (SLOTS - 1);
        let level_start = self.elapsed & !(level_span - 1);
        let mut deadline = level_start + slot as u64 * slot_span;
        if slot < now_slot {
            deadline += level_span;
        }
        Some(Expiration {
            level,
            slot,
            deadline,
        })
    }

    /// Moves a slot's entries down to the levels their due times call for, in order.
    fn cascade(&mut self, at: Expiration) {
        let level = &mut self.levels[at.level];
        level.occupied &= !(1 << at.slot);
        let entries = std::mem::take(&mut level.slots[at.slot]);
        self.elapsed = self.elapsed.max(at.deadline);
        let mut entries = entries;
        for entry in entries.drain(..) {
            self.insert(entry);
        }
        // Give the emptied vector's storage back to the slot, so that a busy slot keeps it.
        let level = &mut self.levels[at.level];
        if level.slots[at.slot].is_empty() {
            level.slots[at.slot] = entries;
            release_if_large(&mut level.slots[at.slot]);
        }
    }
}

/// The most entries an emptied slot keeps room for: a slot reuses its storage from one turn of
/// the wheel to the next, but the storage of a rare crowded second (a newsletter due for a whole
/// zone) is given back instead of being held for the rest of the run.
const RETAINED: usize = 1024;

/// Frees an empty slot's storage when it has room for more than [`RETAINED`] entries.
fn release_if_large<T>(slot: &mut Vec<T>) {
    if slot.capacity() > RETAINED {
        *slot = Vec::new();
    }
}
