//! Reading and writing the fields of a contact's row at the offsets of its
//! [`ContactLayout`](journey_ir::layout::ContactLayout): little-endian integers of 8, 4 and 1
//! bytes, and the journey and score standings built from them.

use std::sync::Arc;

use journey_ir::eval::Value;
use journey_ir::layout::{Codec, ContactLayout, JourneyRow, ScoreRow};
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

/// The row of a contact not seen before: times that may be absent are absent, all else zero.
pub fn blank(layout: &ContactLayout) -> Vec<u8> {
    let mut row = vec![0; layout.size as usize];
    let none = OptionalTime::NONE.raw();
    for journey in &layout.journeys {
        set_i64(&mut row, journey.last_entry, none);
        if let Some(armed) = journey.inactivity_armed {
            set_i64(&mut row, armed, none);
        }
    }
    for score in &layout.scores {
        set_i64(&mut row, score.anchor, none);
    }
    for history in &layout.histories {
        match *history {
            journey_ir::layout::HistoryRow::Since { at }
            | journey_ir::layout::HistoryRow::Last { at, .. } => set_i64(&mut row, at, none),
            _ => {}
        }
    }
    row
}

/// A journey standing read from a row.
pub fn journey(row: &[u8], at: &JourneyRow) -> JourneyState {
    let flags = u8_at(row, at.flags);
    JourneyState {
        entries: u32_at(row, at.entries),
        last_entry: OptionalTime::from_raw(i64_at(row, at.last_entry)),
        condition_held: flags & JourneyRow::CONDITION_HELD != 0,
        inside: flags & JourneyRow::INSIDE != 0,
        step: StepId(u32_at(row, at.step)),
        phase: Phase::from_byte(u8_at(row, at.phase)),
        timer_generation: u32_at(row, at.timer_generation),
        schedule_generation: at.schedule_generation.map_or(0, |g| u32_at(row, g)),
        inactivity_armed: at.inactivity_armed.map_or(OptionalTime::NONE, |a| {
            OptionalTime::from_raw(i64_at(row, a))
        }),
    }
}

/// Writes a journey standing into a row.
pub fn set_journey(row: &mut [u8], at: &JourneyRow, state: &JourneyState) {
    let mut flags = 0;
    if state.condition_held {
        flags |= JourneyRow::CONDITION_HELD;
    }
    if state.inside {
        flags |= JourneyRow::INSIDE;
    }
    set_u32(row, at.entries, state.entries);
    set_i64(row, at.last_entry, state.last_entry.raw());
    set_u8(row, at.flags, flags);
    set_u32(row, at.step, state.step.0);
    set_u8(row, at.phase, state.phase as u8);
    set_u32(row, at.timer_generation, state.timer_generation);
    if let Some(generation) = at.schedule_generation {
        set_u32(row, generation, state.schedule_generation);
    }
    if let Some(armed) = at.inactivity_armed {
        set_i64(row, armed, state.inactivity_armed.raw());
    }
}

/// A score standing read from a row.
pub fn score(row: &[u8], at: &ScoreRow) -> ScoreState {
    ScoreState {
        points: i64_at(row, at.points),
        anchor: OptionalTime::from_raw(i64_at(row, at.anchor)),
        periods: i64_at(row, at.periods),
    }
}

/// Writes a score standing into a row.
pub fn set_score(row: &mut [u8], at: &ScoreRow, state: &ScoreState) {
    set_i64(row, at.points, state.points);
    set_i64(row, at.anchor, state.anchor.raw());
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
