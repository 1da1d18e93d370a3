//! The contacts of a run, numbered densely in order of first input: their ids (each stored once,
//! in one string, found through one hash table of numbers), their rows in one slab (scalar
//! profile fields included), the text storage of their string and list profile fields, and their
//! side storage, made only for contacts that need one.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
use journey_ir::eval::Value;
use journey_ir::layout::{ContactLayout, HistoryRow, JourneyRow};
use journey_ir::{JourneyId, ProfileSlot, Program, ScoreId, StepId};

pub(crate) mod carry;
pub(super) mod changes;
mod forget;
mod saved;

use super::arena::TextArena;
use super::{row, text};
use super::{HistoryState, JourneyState, Phase, ScoreState, Side, Strings, ZoneId};

/// All contacts of a run.
#[derive(Clone, Debug, Default)]
pub struct Contacts {
    /// Where each field is in a row (from the program; not stored).
    pub(super) layout: ContactLayout,
    /// Every id, one after the other.
    ids: String,
    /// Where each contact's id ends in `ids`.
    id_ends: Vec<u64>,
    /// Contact numbers, found by the hash of their id.
    index: HashTable<IndexEntry>,
    hasher: foldhash::fast::RandomState,
    /// The rows, `layout.size` bytes each.
    pub(super) rows: Vec<u8>,
    /// Per contact: the profile fields kept as text (see [`super::text`]).
    pub(super) texts: TextArena,
    /// Per contact: the `messageId`s of its recent lines (see [`super::messages`]).
    pub(super) messages: TextArena,
    /// The bytes a contact's messages are rebuilt in (not stored).
    pub(super) message_scratch: Vec<u8>,
    /// The empty list that reading an empty list field hands out (not stored).
    pub(super) empty_list: Arc<[Value]>,
    /// The row and text of the last new contact, and the profile they were made from (not
    /// stored): new contacts start from the same defaults, which are then copied, not encoded.
    fresh: Option<Box<Fresh>>,
    /// Per contact: its side storage, if it has any.
    sides: Vec<Option<Box<Side>>>,
    /// The strings the rows hold by number.
    pub strings: Strings,
    /// The instants that do not fit a row's 4 bytes.
    pub(super) aside: row::Aside,
    /// The empty states of the aggregates kept in side storage, in order (from the program;
    /// not stored): a contact's side aggregates start from these.
    side_histories: Vec<HistoryState>,
    /// Per journey, where its bindings start among all journeys' (from the program; not
    /// stored), and after the last journey, how many there are.
    binding_bases: Vec<usize>,
    /// One bit a contact: erased (see `forget`; stored as an empty id).
    forgotten: Vec<u64>,
    /// The contacts changed since the last checkpoint (not stored; see `changes`).
    pub(super) changed: changes::Changed,
}

impl Contacts {
    /// An empty table for the contacts of `program`.
    pub fn new(program: &Program) -> Contacts {
        Contacts {
            layout: ContactLayout::of(program),
            side_histories: side_histories(program),
            binding_bases: binding_bases(program),
            ..Contacts::default()
        }
    }

    /// The layout of the rows.
    pub fn layout(&self) -> &ContactLayout {
        &self.layout
    }

    /// An empty table whose rows have `size` bytes, to be filled from storage and then adopt
    /// the program's layout.
    pub(super) fn with_row_size(size: u32) -> Contacts {
        Contacts {
            layout: ContactLayout {
                size,
                ..ContactLayout::default()
            },
            ..Contacts::default()
        }
    }

    /// Uses `program`'s layout for rows read back from storage; refused when it does not fit.
    pub fn adopt(&mut self, program: &Program) -> Result<(), String> {
        let layout = ContactLayout::of(program);
        let rows = self.id_ends.len();
        if self.rows.len() != rows * layout.size as usize
            || self.texts.len() != rows
            || self.messages.len() != rows
        {
            return Err(format!(
                "the saved state's contact rows ({} bytes for {rows} contacts) do not fit the \
                 program's layout ({} bytes a row)",
                self.rows.len(),
                layout.size
            ));
        }
        self.layout = layout;
        self.fresh = None;
        self.side_histories = side_histories(program);
        self.binding_bases = binding_bases(program);
        Ok(())
    }

    /// Number of contacts.
    pub fn len(&self) -> usize {
        self.id_ends.len()
    }

    /// Whether there is no contact.
    pub fn is_empty(&self) -> bool {
        self.id_ends.is_empty()
    }

    /// The id of contact `c` (empty for a number never given out or an erased contact).
    pub fn id(&self, c: usize) -> &str {
        if self.is_forgotten(c) {
            return "";
        }
        let start = match c {
            0 => 0,
            _ => self.id_ends.get(c - 1).copied().unwrap_or(0),
        };
        let end = self.id_ends.get(c).copied().unwrap_or(start);
        self.ids.get(start as usize..end as usize).unwrap_or("")
    }

    /// The number of the contact with `id`.
    pub fn find(&self, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        let short = IndexEntry::new(0, id);
        self.index
            .find(hash, |entry| match short.len {
                LONG => entry.len == LONG && self.id(entry.number as usize) == id,
                _ => entry.len == short.len && entry.inline == short.inline,
            })
            .map(|entry| entry.number as usize)
    }

    /// Adds a contact with `id` (not yet known), its profile (in slot order) and zone; its
    /// number.
    pub fn add(&mut self, id: &str, profile: &[Value], zone: ZoneId) -> usize {
        let c = self.len();
        self.push_id(id);
        self.changed.mark(c);
        match &self.fresh {
            Some(fresh) if *fresh.profile == *profile => {
                self.rows.extend_from_slice(&fresh.row);
                self.texts.push(&fresh.text);
            }
            _ => {
                self.rows.extend_from_slice(&row::blank(&self.layout));
                self.texts.push(&[]);
                for (slot, value) in profile.iter().enumerate() {
                    self.set_profile(c, ProfileSlot(slot as u32), value);
                }
                self.fresh = Some(Box::new(Fresh {
                    profile: profile.into(),
                    row: self.row(c).into(),
                    text: self.texts.get(c).into(),
                }));
            }
        }
        self.sides.push(None);
        self.messages.push(&[]);
        self.set_zone(c, zone);
        c
    }

    /// Takes the next number for an erased contact: an empty id, in no index entry.
    fn ids_push_erased(&mut self) {
        self.id_ends.push(self.ids.len() as u64);
    }

    /// Gives `id` the next number in the id index.
    fn push_id(&mut self, id: &str) {
        let c = self.len();
        self.ids.push_str(id);
        self.id_ends.push(self.ids.len() as u64);
        let hasher = &self.hasher;
        let (ids, ends) = (&self.ids, &self.id_ends);
        let id_of = |c: u32| {
            let c = c as usize;
            let start = if c == 0 { 0 } else { ends[c - 1] as usize };
            &ids[start..ends[c] as usize]
        };
        self.index.insert_unique(
            hasher.hash_one(id),
            IndexEntry::new(c as u32, id),
            |entry| hasher.hash_one(id_of(entry.number)),
        );
    }

    /// The row of contact `c`.
    pub fn row(&self, c: usize) -> &[u8] {
        let size = self.layout.size as usize;
        self.rows.get(c * size..(c + 1) * size).unwrap_or(&[])
    }

    /// The row of contact `c`, to write.
    pub fn row_mut(&mut self, c: usize) -> &mut [u8] {
        self.changed.mark(c);
        let size = self.layout.size as usize;
        self.rows
            .get_mut(c * size..(c + 1) * size)
            .unwrap_or(&mut [])
    }

    /// The side storage of contact `c`, if it has any.
    pub fn side(&self, c: usize) -> Option<&Side> {
        self.sides.get(c).and_then(|side| side.as_deref())
    }

    /// The side storage of contact `c`, made empty if it has none.
    pub fn side_mut(&mut self, c: usize) -> &mut Side {
        self.changed.mark(c);
        if self.sides.len() <= c {
            self.sides.resize_with(c + 1, || None);
        }
        self.sides[c].get_or_insert_with(Box::default)
    }

    /// Field `slot` of the record bound to binding `b` of contact `c`'s instance in journey `j`
    /// (missing when nothing is bound): only that field is decoded.
    pub fn binding_field(&self, c: usize, j: JourneyId, b: usize, slot: u32) -> Value {
        let record = self.binding_bases.get(j.index()).and_then(|base| {
            let bindings = &self.side(c)?.bindings;
            bindings.get(base + b)?.as_deref()
        });
        record.map_or(Value::Missing, |bytes| {
            text::record_field(bytes, slot, &self.empty_list)
        })
    }

    /// Binds `record` to binding `b` of contact `c`'s instance in journey `j`.
    pub fn bind(&mut self, c: usize, j: JourneyId, b: usize, record: &[Value]) {
        self.bind_encoded(c, j, b, text::encode_record(record, |_| true));
    }

    /// Binds a record already encoded ([`text::encode_record`]) to binding `b` of contact
    /// `c`'s instance in journey `j`.
    pub(crate) fn bind_encoded(&mut self, c: usize, j: JourneyId, b: usize, record: Box<[u8]>) {
        let (Some(&base), Some(&all)) =
            (self.binding_bases.get(j.index()), self.binding_bases.last())
        else {
            return;
        };
        let side = self.side_mut(c);
        if side.bindings.is_empty() {
            side.bindings = vec![None; all].into_boxed_slice();
        }
        if let Some(slot) = side.bindings.get_mut(base + b) {
            *slot = Some(record);
        }
    }

    /// Where journey `j`'s bindings are among all journeys' in side storage.
    fn binding_range(&self, j: JourneyId) -> Option<std::ops::Range<usize>> {
        let start = *self.binding_bases.get(j.index())?;
        let end = *self.binding_bases.get(j.index() + 1)?;
        Some(start..end)
    }

    /// Drops the records bound in contact `c`'s instance in journey `j` (it left or entered
    /// again), and the side storage with them when nothing else is in it.
    pub fn forget_bindings(&mut self, c: usize, j: JourneyId) {
        self.changed.mark(c);
        let Some(range) = self.binding_range(j) else {
            return;
        };
        let Some(Some(side)) = self.sides.get_mut(c) else {
            return;
        };
        if let Some(records) = side.bindings.get_mut(range) {
            records.fill(None);
        }
        if side.bindings.iter().all(Option::is_none) {
            side.bindings = Box::default();
        }
        if side.is_empty() {
            self.sides[c] = None;
        }
    }

    /// The row and side storage of contact `c` together, with the table of strings.
    pub(crate) fn parts_mut(&mut self, c: usize) -> ContactParts<'_> {
        self.changed.mark(c);
        let size = self.layout.size as usize;
        if self.sides.len() <= c {
            self.sides.resize_with(c + 1, || None);
        }
        let row = self
            .rows
            .get_mut(c * size..(c + 1) * size)
            .unwrap_or(&mut []);
        ContactParts {
            row,
            side: &mut self.sides[c],
            strings: &mut self.strings,
            templates: &self.side_histories,
            aside: &mut self.aside,
            empty_list: &self.empty_list,
        }
    }

    /// Contact `c`'s standing in journey `j`.
    pub fn journey(&self, c: usize, j: JourneyId) -> JourneyState {
        match self.layout.journeys.get(j.index()) {
            Some(at) => row::journey(self.row(c), at, &self.aside, c),
            None => row::journey(&[], &Default::default(), &self.aside, c),
        }
    }

    /// Whether contact `c` is inside journey `j` (one byte of the row read).
    pub fn inside(&self, c: usize, j: JourneyId) -> bool {
        self.layout
            .journeys
            .get(j.index())
            .is_some_and(|at| row::u8_at(self.row(c), at.flags) & JourneyRow::INSIDE != 0)
    }

    /// Records whether journey `j`'s `enter when` condition holds for contact `c` now; whether
    /// it held before (one byte of the row read and written).
    pub fn swap_condition_held(&mut self, c: usize, j: JourneyId, held: bool) -> bool {
        let Some(at) = self.layout.journeys.get(j.index()).map(|at| at.flags) else {
            return false;
        };
        let row = self.row_mut(c);
        let flags = row::u8_at(row, at);
        let was = flags & JourneyRow::CONDITION_HELD != 0;
        if was != held {
            row::set_u8(row, at, flags ^ JourneyRow::CONDITION_HELD);
        }
        was
    }

    /// The step contact `c`'s instance in journey `j` is at, when it is inside and waiting for
    /// an event (`wait for`).
    pub fn awaiting(&self, c: usize, j: JourneyId) -> Option<StepId> {
        let at = self.layout.journeys.get(j.index())?;
        let row = self.row(c);
        let inside = row::u8_at(row, at.flags) & JourneyRow::INSIDE != 0;
        let awaiting = Phase::from_byte(row::u8_at(row, at.phase)) == Phase::Awaiting;
        (inside && awaiting).then(|| row::step_at(row, at))
    }

    /// How many times contact `c` entered journey `j`.
    pub fn entries(&self, c: usize, j: JourneyId) -> u32 {
        self.layout
            .journeys
            .get(j.index())
            .map_or(0, |at| row::u32_at(self.row(c), at.entries))
    }

    /// Writes contact `c`'s standing in journey `j`.
    pub fn set_journey(&mut self, c: usize, j: JourneyId, state: &JourneyState) {
        self.changed.mark(c);
        let size = self.layout.size as usize;
        let (Some(at), Some(row)) = (
            self.layout.journeys.get(j.index()),
            self.rows.get_mut(c * size..(c + 1) * size),
        ) else {
            return;
        };
        row::set_journey(row, at, state, &mut self.aside, c);
    }

    /// Changes contact `c`'s standing in journey `j` with `change`, and returns what it returns.
    pub fn update_journey<T>(
        &mut self,
        c: usize,
        j: JourneyId,
        change: impl FnOnce(&mut JourneyState) -> T,
    ) -> T {
        let mut state = self.journey(c, j);
        let result = change(&mut state);
        self.set_journey(c, j, &state);
        result
    }

    /// Where every instance is: the journey and step of each contact inside a journey.
    pub fn instances(&self) -> impl Iterator<Item = (JourneyId, StepId)> + '_ {
        (0..self.len()).flat_map(move |c| {
            (0..self.layout.journeys.len()).filter_map(move |j| {
                let j = JourneyId(j as u32);
                let state = self.journey(c, j);
                state.inside.then_some((j, state.step))
            })
        })
    }

    /// Contact `c`'s standing in score `s`.
    pub fn score(&self, c: usize, s: ScoreId) -> ScoreState {
        self.layout
            .scores
            .get(s.index())
            .map_or_else(ScoreState::default, |at| {
                row::score(self.row(c), at, &self.aside, c)
            })
    }

    /// Writes contact `c`'s standing in score `s`.
    pub fn set_score(&mut self, c: usize, s: ScoreId, state: &ScoreState) {
        self.changed.mark(c);
        let size = self.layout.size as usize;
        let (Some(at), Some(row)) = (
            self.layout.scores.get(s.index()),
            self.rows.get_mut(c * size..(c + 1) * size),
        ) else {
            return;
        };
        row::set_score(row, at, state, &mut self.aside, c);
    }

    /// The time of contact `c`'s latest input (0 before its first).
    pub fn last_input(&self, c: usize) -> i64 {
        row::instant_at(self.row(c), self.layout.last_input, &self.aside, c)
            .get()
            .unwrap_or(0)
    }

    /// Sets the time of contact `c`'s latest input.
    pub fn set_last_input(&mut self, c: usize, at: i64) {
        self.changed.mark(c);
        let (field, size) = (self.layout.last_input, self.layout.size as usize);
        if let Some(row) = self.rows.get_mut(c * size..(c + 1) * size) {
            row::set_instant(row, field, Some(at).into(), &mut self.aside, c);
        }
    }

    /// Contact `c`'s zone number.
    pub fn zone(&self, c: usize) -> ZoneId {
        row::u32_at(self.row(c), self.layout.zone)
    }

    /// Sets contact `c`'s zone number.
    pub fn set_zone(&mut self, c: usize, zone: ZoneId) {
        let field = self.layout.zone;
        row::set_u32(self.row_mut(c), field, zone);
    }
}

/// A new contact's row and text, made from `profile`.
#[derive(Clone, Debug)]
struct Fresh {
    profile: Box<[Value]>,
    row: Box<[u8]>,
    text: Box<[u8]>,
}

/// An entry of the id index: the contact's number and, for an id of up to [`INLINE`] bytes,
/// the id itself, so that finding a known contact reads nothing outside the table.
#[derive(Clone, Copy, Debug)]
struct IndexEntry {
    number: u32,
    /// The id's length, or [`LONG`] for an id kept only in `Contacts::ids`.
    len: u8,
    inline: [u8; INLINE],
}

/// The longest id kept in its index entry (16 bytes in all).
const INLINE: usize = 11;
/// The length of an id longer than [`INLINE`].
const LONG: u8 = u8::MAX;

impl IndexEntry {
    fn new(number: u32, id: &str) -> IndexEntry {
        let mut inline = [0; INLINE];
        let len = match inline.get_mut(..id.len()) {
            Some(prefix) => {
                prefix.copy_from_slice(id.as_bytes());
                id.len() as u8
            }
            None => LONG,
        };
        IndexEntry {
            number,
            len,
            inline,
        }
    }
}

/// A contact's row and side storage, with the tables they refer to.
pub(crate) struct ContactParts<'a> {
    /// The row.
    pub row: &'a mut [u8],
    /// The side storage, if any.
    pub side: &'a mut Option<Box<Side>>,
    /// The strings rows hold by number.
    pub strings: &'a mut Strings,
    /// The empty side aggregates a new side storage starts from.
    pub templates: &'a [HistoryState],
    /// The instants that do not fit a row.
    pub aside: &'a mut row::Aside,
    /// The empty list values read back share.
    pub empty_list: &'a Arc<[Value]>,
}

/// Where each journey's bindings start among all journeys', and after the last, how many.
fn binding_bases(program: &Program) -> Vec<usize> {
    let mut bases = Vec::with_capacity(program.journeys.len() + 1);
    let mut next = 0;
    for journey in &program.journeys {
        bases.push(next);
        next += journey.bindings.len();
    }
    bases.push(next);
    bases
}

/// The empty states of the aggregates `program`'s layout keeps in side storage, in order.
fn side_histories(program: &Program) -> Vec<HistoryState> {
    let layout = ContactLayout::of(program);
    program
        .histories
        .iter()
        .zip(&layout.histories)
        .filter(|(_, place)| matches!(place, HistoryRow::Side { .. }))
        .map(|(history, _)| HistoryState::new(history))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_every_length_are_found_before_and_after_a_round_trip() {
        // No empty id: the decoder takes none, and a stored empty id is an erased contact's.
        let ids = [
            "u1",
            "exactly11by",
            "twelve-bytes",
            "😀 a multi-byte id",
            "0d9c2a8e-5f5c-4a61-9a0e-bb2b6c9d4e7f",
        ];
        let mut contacts = Contacts::default();
        for id in ids {
            contacts.add(id, &[], 0);
        }
        let check = |contacts: &Contacts| {
            for (c, id) in ids.iter().enumerate() {
                assert_eq!(contacts.find(id), Some(c), "{id:?}");
                assert_eq!(contacts.id(c), *id);
            }
            assert_eq!(contacts.find("exactly11bz"), None);
            assert_eq!(contacts.find("twelve-bytez"), None);
            assert_eq!(contacts.find("u"), None);
        };
        check(&contacts);
        let text = serde_json::to_string(&contacts).unwrap_or_default();
        let back: Contacts = serde_json::from_str(&text).unwrap_or_default();
        check(&back);
        assert_eq!(back.len(), ids.len());
    }
}
