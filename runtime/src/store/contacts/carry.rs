//! Carrying a contact over to a changed program: its parts read where the old program's layout
//! put them and written where the new one's puts them, declaration by declaration as a
//! [`Carry`] maps them (made by `crate::migrate`, which decides what may be carried).

use journey_ir::eval::Value;
use journey_ir::layout::HistoryRow;
use journey_ir::{HistoryId, JourneyId, ProfileSlot, ScoreId};

use super::super::contact::{Award, Sent, Side};
use super::super::{row, Phase};
use super::Contacts;

/// How the declarations of an old program's state map onto a new program's, each list indexed
/// by the new program's numbers unless it says otherwise.
#[derive(Clone, Debug, Default)]
pub struct Carry {
    /// Per profile field: where its value comes from.
    pub profile: Vec<ProfileCarry>,
    /// Per score: the old score whose standing it takes.
    pub scores: Vec<Option<ScoreId>>,
    /// Per history aggregate: the old aggregate whose state it takes.
    pub histories: Vec<Option<HistoryId>>,
    /// Per journey: what happens to the old journey's standings.
    pub journeys: Vec<JourneyCarry>,
    /// Per capped score rule of the old program (window number): the new rule's window.
    pub award_windows: Vec<Option<u32>>,
    /// Per cap of the old policy: the new cap's number.
    pub caps: Vec<Option<u32>>,
}

/// Where a profile field's value comes from.
#[derive(Clone, Debug)]
pub struct ProfileCarry {
    /// The old field of the same name whose values it can hold, if any.
    pub old: Option<ProfileSlot>,
    /// For an enum field: per old variant index, the new index of the variant of that name.
    pub variants: Option<Vec<Option<u32>>>,
    /// Whether the field may be missing.
    pub optional: bool,
    /// Its default: the value of a contact with no old value the field can hold.
    pub default: Value,
}

/// What happens to a contact's standing in one journey of the new program.
#[derive(Clone, Debug, Default)]
pub struct JourneyCarry {
    /// The old journey of the same name, if there was one.
    pub old: Option<JourneyId>,
    /// Per step of the old journey: whether an instance there stays; one elsewhere leaves.
    pub stays: Vec<bool>,
    /// Whether the journey's entry is planned again (its old entry timers are dropped).
    pub rearm: bool,
}

/// How many contacts inside one journey stayed and how many left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moves {
    /// Instances carried over at their step.
    pub stayed: u64,
    /// Instances that left.
    pub left: u64,
}

impl Contacts {
    /// Appends contact `c` of `old` (laid out by the old program) to this table (laid out by the
    /// new one) under the same number, as `carry` maps its parts; instances staying and leaving
    /// are counted into `moves` (per new journey). Contacts come in number order: `c` must be
    /// this table's next number.
    pub(crate) fn carry_from(
        &mut self,
        old: &Contacts,
        c: usize,
        carry: &Carry,
        moves: &mut [Moves],
    ) -> Result<(), String> {
        if c != self.len() {
            return Err(format!(
                "contact {c} carried over where contact {} should be",
                self.len()
            ));
        }
        self.changed.mark(c);
        self.rows.extend_from_slice(&row::blank(&self.layout));
        self.texts.push(&[]);
        self.sides.push(None);
        if old.is_forgotten(c) {
            self.ids_push_erased();
            self.mark_forgotten(c);
            self.messages.push(&[]);
            return Ok(());
        }
        self.push_id(old.id(c));
        self.messages.push(old.messages.get(c));
        self.carry_row_parts(old, c);
        self.carry_profile(old, c, carry);
        for (s, source) in carry.scores.iter().enumerate() {
            if let Some(source) = source {
                self.set_score(c, ScoreId(s as u32), &old.score(c, *source));
            }
        }
        for (h, source) in carry.histories.iter().enumerate() {
            if let Some(source) = source {
                self.carry_history(old, c, *source, HistoryId(h as u32));
            }
        }
        for (j, journey) in carry.journeys.iter().enumerate() {
            if let Some(source) = journey.old {
                let j = JourneyId(j as u32);
                self.carry_journey(old, c, (source, j), journey, &mut moves[j.index()]);
            }
        }
        self.carry_side(old.side(c), c, carry);
        Ok(())
    }

    /// The time of the latest input and the zone.
    fn carry_row_parts(&mut self, old: &Contacts, c: usize) {
        let last = row::instant_at(old.row(c), old.layout.last_input, &old.aside, c);
        let (field, size) = (self.layout.last_input, self.layout.size as usize);
        if let Some(row) = self.rows.get_mut(c * size..(c + 1) * size) {
            row::set_instant(row, field, last, &mut self.aside, c);
        }
        self.set_zone(c, old.zone(c));
    }

    fn carry_profile(&mut self, old: &Contacts, c: usize, carry: &Carry) {
        for (slot, field) in carry.profile.iter().enumerate() {
            let value = match field.old {
                None => field.default.clone(),
                Some(from) => match (old.profile_value(c, from), &field.variants) {
                    (Value::Enum(v), Some(variants)) => variants
                        .get(v as usize)
                        .copied()
                        .flatten()
                        .map_or_else(|| field.default.clone(), Value::Enum),
                    (Value::Missing, _) if !field.optional => field.default.clone(),
                    (value, _) => value,
                },
            };
            self.set_profile(c, ProfileSlot(slot as u32), &value);
        }
    }

    fn carry_history(&mut self, old: &Contacts, c: usize, from: HistoryId, h: HistoryId) {
        let (Some(&source), Some(&target)) = (
            old.layout.histories.get(from.index()),
            self.layout.histories.get(h.index()),
        ) else {
            return;
        };
        let old_row = old.row(c);
        let parts = self.parts_mut(c);
        match (source, target) {
            (HistoryRow::Since { at: from }, HistoryRow::Since { at }) => {
                let time = row::instant_at(old_row, from, &old.aside, c);
                row::set_instant(parts.row, at, time, parts.aside, c);
            }
            (
                HistoryRow::Last {
                    at: from_at,
                    present: from_present,
                    value: from_value,
                    codec: from_codec,
                },
                HistoryRow::Last {
                    at,
                    present,
                    value,
                    codec,
                },
            ) => {
                let time = row::instant_at(old_row, from_at, &old.aside, c);
                row::set_instant(parts.row, at, time, parts.aside, c);
                if row::u8_at(old_row, from_present) == 1 {
                    let held = row::read_scalar(old_row, from_value, from_codec, &old.strings);
                    if row::write_scalar(parts.row, value, codec, &held, parts.strings).is_some() {
                        row::set_u8(parts.row, present, 1);
                    }
                }
            }
            (HistoryRow::Count { count: from }, HistoryRow::Count { count }) => {
                row::set_i64(parts.row, count, row::i64_at(old_row, from));
            }
            (HistoryRow::Side { index: from }, HistoryRow::Side { index }) => {
                let Some(state) = old
                    .side(c)
                    .and_then(|side| side.histories.get(from as usize))
                else {
                    return;
                };
                let side = parts.side.get_or_insert_with(Box::default);
                if side.histories.is_empty() {
                    side.histories = parts.templates.into();
                }
                if let Some(slot) = side.histories.get_mut(index as usize) {
                    *slot = state.clone();
                }
            }
            // Equal descriptions give equal places; anything else starts empty.
            _ => {}
        }
    }

    /// Contact `c`'s standing in old journey `from`, as new journey `j`'s.
    fn carry_journey(
        &mut self,
        old: &Contacts,
        c: usize,
        (from, j): (JourneyId, JourneyId),
        carry: &JourneyCarry,
        moves: &mut Moves,
    ) {
        let mut state = old.journey(c, from);
        if carry.rearm {
            state.schedule_generation = state.schedule_generation.wrapping_add(1);
            state.inactivity_armed = None.into();
        }
        if state.inside {
            if carry
                .stays
                .get(state.step.index())
                .copied()
                .unwrap_or(false)
            {
                moves.stayed += 1;
                let bindings = old.journey_bindings(c, from);
                for (b, record) in bindings.iter().enumerate() {
                    if let Some(record) = record {
                        self.bind_encoded(c, j, b, record.clone());
                    }
                }
            } else {
                moves.left += 1;
                state.inside = false;
                state.phase = Phase::Ready;
                state.timer_generation = state.timer_generation.wrapping_add(1);
            }
        }
        self.set_journey(c, j, &state);
    }

    /// The records bound in contact `c`'s instance in journey `j`, in binding order.
    fn journey_bindings(&self, c: usize, j: JourneyId) -> &[Option<Box<[u8]>>] {
        self.binding_range(j)
            .and_then(|range| self.side(c)?.bindings.get(range))
            .unwrap_or(&[])
    }

    /// Capped awards and counted sends under their new numbers, and engagement as it is.
    fn carry_side(&mut self, old: Option<&Side>, c: usize, carry: &Carry) {
        let Some(old) = old else {
            return;
        };
        let awards = old.awards.iter().filter_map(|award| {
            let window = carry.award_windows.get(award.window as usize).copied()??;
            Some(Award { window, ..*award })
        });
        let sends = old.sends.iter().filter_map(|sent| {
            let cap = carry.caps.get(sent.cap as usize).copied()??;
            Some(Sent { cap, ..*sent })
        });
        let (awards, sends): (Vec<_>, Vec<_>) = (awards.collect(), sends.collect());
        if awards.is_empty() && sends.is_empty() && old.engagement.is_none() {
            return;
        }
        let side = self.side_mut(c);
        side.awards.extend(awards);
        side.sends.extend(sends);
        side.engagement.clone_from(&old.engagement);
    }
}
