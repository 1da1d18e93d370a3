//! Reading and writing the fields of a contact's row at the offsets of its
//! [`ContactLayout`](journey_ir::layout::ContactLayout): little-endian integers of 8, 4 and 1
//! bytes, instants as 4-byte offsets (those that do not fit kept [`Aside`]), and the journey and
//! score standings built from them.

use std::collections::HashMap;

use std::sync::Arc;

use journey_ir::eval::Value;
use journey_ir::layout::{Codec, ContactLayout, JourneyRow, ScoreRow, INSTANT_ASIDE, INSTANT_BASE};
use journey_ir::StepId;

use super::{JourneyState, OptionalTime, Phase, ScoreState, Strings};

/// The 8 bytes at `at` as an `i64`.
pub fn i64_at(row: &[u8], at: u32) -> i64 {
    let at = at as usize;
    let mut bytes = [0; 8];
    if let Some(field) = row.get(at..at + 8) {
        bytes.copy_from_slice(field);
    }
    i64::from_le_bytes(bytes)
}

/// Writes an `i64` at `at`.
pub fn set_i64(row: &mut [u8], at: u32, value: i64) {
    let at = at as usize;
    if let Some(field) = row.get_mut(at..at + 8) {
        field.copy_from_slice(&value.to_le_bytes());
    }
}

/// The 4 bytes at `at` as a `u32`.
pub fn u32_at(row: &[u8], at: u32) -> u32 {
    let at = at as usize;
    let mut bytes = [0; 4];
    if let Some(field) = row.get(at..at + 4) {
        bytes.copy_from_slice(field);
    }
    u32::from_le_bytes(bytes)
}

/// Writes a `u32` at `at`.
pub fn set_u32(row: &mut [u8], at: u32, value: u32) {
    let at = at as usize;
    if let Some(field) = row.get_mut(at..at + 4) {
        field.copy_from_slice(&value.to_le_bytes());
    }
}

/// The 2 bytes at `at` as a `u16`.
pub fn u16_at(row: &[u8], at: u32) -> u16 {
    let at = at as usize;
    let mut bytes = [0; 2];
    if let Some(field) = row.get(at..at + 2) {
        bytes.copy_from_slice(field);
    }
    u16::from_le_bytes(bytes)
}

/// Writes a `u16` at `at`.
pub fn set_u16(row: &mut [u8], at: u32, value: u16) {
    let at = at as usize;
    if let Some(field) = row.get_mut(at..at + 2) {
        field.copy_from_slice(&value.to_le_bytes());
    }
}

/// The step of a journey standing, as wide as the layout made it.
pub fn step_at(row: &[u8], at: &JourneyRow) -> StepId {
    StepId(match at.step_width {
        2 => u32::from(u16_at(row, at.step)),
        _ => u32_at(row, at.step),
    })
}

/// The byte at `at`.
pub fn u8_at(row: &[u8], at: u32) -> u8 {
    row.get(at as usize).copied().unwrap_or(0)
}

/// Writes the byte at `at`.
pub fn set_u8(row: &mut [u8], at: u32, value: u8) {
    if let Some(field) = row.get_mut(at as usize) {
        *field = value;
    }
}

/// The instants of rows that do not fit their 4 bytes (before 1970-01-01T00:00:02Z or after
/// 2106-02-07T06:28:15Z), by contact and field offset: rare, so a map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aside(HashMap<(u32, u32), i64, foldhash::fast::RandomState>);

impl Aside {
    /// Every instant kept aside: `(contact, field offset, instant)`, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (u32, u32, i64)> + '_ {
        self.0.iter().map(|(&(c, at), &t)| (c, at, t))
    }

    /// Keeps an instant aside.
    pub fn insert(&mut self, c: u32, at: u32, time: i64) {
        self.0.insert((c, at), time);
    }

    /// Drops every instant contact `c` keeps aside.
    pub fn remove_contact(&mut self, c: u32) {
        self.0.retain(|&(owner, _), _| owner != c);
    }
}

/// The instant field at `at` of contact `c`'s row.
pub fn instant_at(row: &[u8], at: u32, aside: &Aside, c: usize) -> OptionalTime {
    match u32_at(row, at) as i32 {
        i32::MIN => OptionalTime::NONE,
        INSTANT_ASIDE => aside.0.get(&(c as u32, at)).copied().into(),
        offset => OptionalTime::from_raw(INSTANT_BASE + i64::from(offset)),
    }
}

/// Writes the instant field at `at` of contact `c`'s row, keeping it aside when it does not fit.
pub fn set_instant(row: &mut [u8], at: u32, time: OptionalTime, aside: &mut Aside, c: usize) {
    if u32_at(row, at) as i32 == INSTANT_ASIDE {
        aside.0.remove(&(c as u32, at));
    }
    let raw = match time.get() {
        None => i32::MIN,
        Some(t) => {
            let offset = t
                .checked_sub(INSTANT_BASE)
                .and_then(|o| i32::try_from(o).ok())
                .filter(|&o| o > INSTANT_ASIDE);
            offset.unwrap_or_else(|| {
                aside.0.insert((c as u32, at), t);
                INSTANT_ASIDE
            })
        }
    };
    set_u32(row, at, raw as u32);
}

/// The row of a contact not seen before: instants are absent, all else zero.
pub fn blank(layout: &ContactLayout) -> Vec<u8> {
    let mut row = vec![0; layout.size as usize];
    let none = i32::MIN as u32;
    set_u32(&mut row, layout.last_input, none);
    for journey in &layout.journeys {
        set_u32(&mut row, journey.last_entry, none);
        if let Some(armed) = journey.inactivity_armed {
            set_u32(&mut row, armed, none);
        }
    }
    for score in &layout.scores {
        set_u32(&mut row, score.anchor, none);
    }
    for history in &layout.histories {
        match *history {
            journey_ir::layout::HistoryRow::Since { at }
            | journey_ir::layout::HistoryRow::Last { at, .. } => set_u32(&mut row, at, none),
            _ => {}
        }
    }
    row
}

/// A journey standing read from contact `c`'s row.
pub fn journey(row: &[u8], at: &JourneyRow, aside: &Aside, c: usize) -> JourneyState {
    let flags = u8_at(row, at.flags);
    JourneyState {
        entries: u32_at(row, at.entries),
        last_entry: instant_at(row, at.last_entry, aside, c),
        condition_held: flags & JourneyRow::CONDITION_HELD != 0,
        inside: flags & JourneyRow::INSIDE != 0,
        step: step_at(row, at),
        phase: Phase::from_byte(u8_at(row, at.phase)),
        timer_generation: u32_at(row, at.timer_generation),
        schedule_generation: at.schedule_generation.map_or(0, |g| u32_at(row, g)),
        inactivity_armed: at
            .inactivity_armed
            .map_or(OptionalTime::NONE, |a| instant_at(row, a, aside, c)),
    }
}

/// Writes a journey standing into contact `c`'s row.
pub fn set_journey(
    row: &mut [u8],
    at: &JourneyRow,
    state: &JourneyState,
    aside: &mut Aside,
    c: usize,
) {
    let mut flags = 0;
    if state.condition_held {
        flags |= JourneyRow::CONDITION_HELD;
    }
    if state.inside {
        flags |= JourneyRow::INSIDE;
    }
    set_u32(row, at.entries, state.entries);
    set_instant(row, at.last_entry, state.last_entry, aside, c);
    set_u8(row, at.flags, flags);
    if at.step_width == 2 {
        set_u16(row, at.step, state.step.0 as u16);
    } else {
        set_u32(row, at.step, state.step.0);
    }
    set_u8(row, at.phase, state.phase as u8);
    set_u32(row, at.timer_generation, state.timer_generation);
    if let Some(generation) = at.schedule_generation {
        set_u32(row, generation, state.schedule_generation);
    }
    if let Some(armed) = at.inactivity_armed {
        set_instant(row, armed, state.inactivity_armed, aside, c);
    }
}

/// A score standing read from contact `c`'s row.
pub fn score(row: &[u8], at: &ScoreRow, aside: &Aside, c: usize) -> ScoreState {
    ScoreState {
        points: i64_at(row, at.points),
        anchor: instant_at(row, at.anchor, aside, c),
        periods: i64_at(row, at.periods),
    }
}

/// Writes a score standing into contact `c`'s row.
pub fn set_score(row: &mut [u8], at: &ScoreRow, state: &ScoreState, aside: &mut Aside, c: usize) {
    set_i64(row, at.points, state.points);
    set_instant(row, at.anchor, state.anchor, aside, c);
    set_i64(row, at.periods, state.periods);
}

/// Writes a scalar value as `codec` stores it; `None` when it is missing (or of another type).
pub fn write_scalar(
    row: &mut [u8],
    at: u32,
    codec: Codec,
    value: &Value,
    strings: &mut Strings,
) -> Option<()> {
    match (codec, value) {
        (Codec::Int, Value::Int(v))
        | (Codec::Duration, Value::Duration(v))
        | (Codec::Time, Value::Time(v)) => set_i64(row, at, *v),
        (Codec::Float, Value::Float(v)) => set_i64(row, at, v.to_bits() as i64),
        (Codec::Date, Value::Date(days)) => set_u32(row, at, *days as u32),
        (Codec::Enum, Value::Enum(variant)) => set_u32(row, at, *variant),
        (Codec::Bool, Value::Bool(b)) => set_u8(row, at, u8::from(*b)),
        (Codec::Str, Value::Str(text)) => set_u32(row, at, strings.hold(text)),
        _ => return None,
    }
    Some(())
}

/// Reads a scalar value stored as `codec`.
pub fn read_scalar(row: &[u8], at: u32, codec: Codec, strings: &Strings) -> Value {
    match codec {
        Codec::Int => Value::Int(i64_at(row, at)),
        Codec::Duration => Value::Duration(i64_at(row, at)),
        Codec::Time => Value::Time(i64_at(row, at)),
        Codec::Float => Value::Float(f64::from_bits(i64_at(row, at) as u64)),
        Codec::Date => Value::Date(u32_at(row, at) as i32),
        Codec::Enum => Value::Enum(u32_at(row, at)),
        Codec::Bool => Value::Bool(u8_at(row, at) != 0),
        Codec::Str => strings
            .get(u32_at(row, at))
            .map_or(Value::Missing, |text| Value::Str(Arc::clone(text))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_journey_standing_reads_back_with_either_step_width() {
        for (width, step) in [(2, 65_535), (4, 65_536), (4, u32::MAX)] {
            let at = JourneyRow {
                last_entry: 0,
                entries: 4,
                timer_generation: 8,
                step: 12,
                step_width: width,
                phase: 16,
                flags: 17,
                schedule_generation: None,
                inactivity_armed: None,
            };
            let mut row = vec![0u8; 24];
            let mut aside = Aside::default();
            let state = JourneyState {
                entries: 3,
                last_entry: Some(1_780_000_000).into(),
                condition_held: true,
                inside: true,
                step: StepId(step),
                phase: Phase::Awaiting,
                timer_generation: 9,
                schedule_generation: 0,
                inactivity_armed: OptionalTime::NONE,
            };
            set_journey(&mut row, &at, &state, &mut aside, 0);
            assert_eq!(journey(&row, &at, &aside, 0), state, "step width {width}");
        }
    }

    proptest! {
        /// Any instant, or none, reads back as written; those that do not fit 4 bytes are kept
        /// aside, and leave it when overwritten.
        #[test]
        fn instants_read_back_as_written(
            writes in prop::collection::vec(
                (0usize..3, 0u32..2, prop_oneof![
                    Just(None),
                    (INSTANT_BASE - (1 << 31) - 3..INSTANT_BASE + (1 << 31) + 3).prop_map(Some),
                    any::<i64>().prop_map(Some),
                ]),
                1..40,
            )
        ) {
            let mut rows = vec![vec![0u8; 8]; 3];
            let mut aside = Aside::default();
            let mut model = [[None; 2]; 3];
            for row in &mut rows {
                set_u32(row, 0, i32::MIN as u32);
                set_u32(row, 4, i32::MIN as u32);
            }
            for (c, field, time) in writes {
                set_instant(&mut rows[c], field * 4, time.into(), &mut aside, c);
                model[c][field as usize] = time;
                for (c, fields) in model.iter().enumerate() {
                    for (f, expected) in fields.iter().enumerate() {
                        prop_assert_eq!(instant_at(&rows[c], f as u32 * 4, &aside, c).get(), *expected);
                    }
                }
                let wide = model
                    .iter()
                    .flatten()
                    .flatten()
                    .filter(|&&t| !(INSTANT_BASE + i64::from(INSTANT_ASIDE) + 1..=INSTANT_BASE + i64::from(i32::MAX)).contains(&t))
                    .count();
                prop_assert_eq!(aside.entries().count(), wide);
            }
        }
    }
}
