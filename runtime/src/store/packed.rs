//! How side aggregates keep times and values in few bytes: times in 4 bytes while they fit,
//! numbers as their 8 bytes (the field's type says whether an `int` or a `float`), the latest
//! event as its time and its value in the text codec. Nothing here holds a `Value`.

use std::sync::Arc;

use journey_ir::eval::Value;
use journey_ir::HistoryFunction;

use super::{text, Aggregate, Number};

/// A time as side storage keeps it: 4 bytes (seconds since the epoch, up to 2106) or 8.
pub(super) trait Stamp: Copy {
    /// The time, in seconds since the epoch.
    fn time(self) -> i64;
}

impl Stamp for u32 {
    fn time(self) -> i64 {
        i64::from(self)
    }
}

impl Stamp for i64 {
    fn time(self) -> i64 {
        self
    }
}

/// How many of the leading `items` are at or before `horizon` (items are kept oldest first).
pub(super) fn leading<T>(items: &[T], horizon: i64, time: impl Fn(&T) -> i64) -> usize {
    items
        .iter()
        .take_while(|item| time(item) <= horizon)
        .count()
}

/// A time in 4 bytes, if it fits.
pub(super) fn narrow(at: i64) -> Option<u32> {
    u32::try_from(at).ok()
}

/// A numeric value's 8 bytes and whether it is an `int` (`None` for anything else: a missing
/// value, which `sum`, `min`, `max` and `avg` skip).
pub(super) fn number_of(value: &Value) -> Option<(Number, bool)> {
    match value {
        Value::Int(v) => Some((v.to_le_bytes(), true)),
        Value::Float(v) => Some((v.to_bits().to_le_bytes(), false)),
        _ => None,
    }
}

/// The value a number's 8 bytes stand for.
fn value_of(number: Number, int: bool) -> Value {
    match int {
        true => Value::Int(i64::from_le_bytes(number)),
        false => Value::Float(f64::from_bits(u64::from_le_bytes(number))),
    }
}

/// A number as a float, to compare numbers as `min` and `max` always have (an `int` converted).
fn as_float(number: Number, int: bool) -> f64 {
    match int {
        true => i64::from_le_bytes(number) as f64,
        false => f64::from_bits(u64::from_le_bytes(number)),
    }
}

/// The bytes of the latest event: its time, then its field's value.
pub(super) fn pack_latest(at: i64, value: &Value) -> Box<[u8]> {
    let mut bytes = Vec::with_capacity(9 + 8);
    bytes.extend_from_slice(&at.to_le_bytes());
    text::encode_value(value, &mut bytes);
    bytes.into_boxed_slice()
}

/// The time of the latest event and the bytes of its value.
pub(super) fn unpack_latest(bytes: &[u8]) -> Option<(i64, &[u8])> {
    let (time, value) = bytes.split_first_chunk::<8>()?;
    Some((i64::from_le_bytes(*time), value))
}

/// `last` or `since` of the latest matching event (`time`, value bytes).
pub(super) fn latest_value(
    function: HistoryFunction,
    latest: Option<(i64, &[u8])>,
    now: i64,
    empty_list: &Arc<[Value]>,
) -> Value {
    match (function, latest) {
        (HistoryFunction::Since, Some((t, _))) => Value::Duration(now.saturating_sub(t)),
        (HistoryFunction::Last, Some((_, value))) => text::decode_value(value, empty_list),
        _ => Value::Missing,
    }
}

impl Aggregate {
    /// Adds an event whose aggregated field (if any) is `value`.
    pub(super) fn add(&mut self, value: &Value) {
        self.count += 1;
        if let Some((number, int)) = number_of(value) {
            self.add_number(number, int);
        }
    }

    /// Adds a value (an `int`'s bytes when `int`, else a `float`'s) without counting an event:
    /// what `sum`, `min`, `max` and `avg` read (`count` of a window keeps only times).
    pub(super) fn add_number(&mut self, number: Number, int: bool) {
        let value = as_float(number, int);
        if int {
            self.sum_int = self.sum_int.saturating_add(i64::from_le_bytes(number));
        }
        let first = self.values == 0;
        self.values += 1;
        self.sum_float += value;
        // The first value seen wins a tie, as when these were `Value`s compared as floats.
        if first || value < as_float(self.min, int) {
            self.min = number;
        }
        if first || as_float(self.max, int) < value {
            self.max = number;
        }
    }

    /// Adds another aggregate's events to this one (`int`: the field is an `int`).
    pub(super) fn merge(&mut self, other: &Aggregate, int: bool) {
        let had = self.values > 0;
        self.count = self.count.saturating_add(other.count);
        self.values = self.values.saturating_add(other.values);
        self.sum_int = self.sum_int.saturating_add(other.sum_int);
        self.sum_float += other.sum_float;
        if other.values > 0 {
            if !had || as_float(other.min, int) < as_float(self.min, int) {
                self.min = other.min;
            }
            if !had || as_float(self.max, int) < as_float(other.max, int) {
                self.max = other.max;
            }
        }
    }

    /// The aggregate's value (`int_field`: the field is an `int`).
    pub(super) fn value(&self, function: HistoryFunction, int_field: bool) -> Value {
        match function {
            HistoryFunction::Count => Value::Int(self.count),
            HistoryFunction::Sum if int_field => Value::Int(self.sum_int),
            HistoryFunction::Sum => Value::Float(self.sum_float),
            HistoryFunction::Min | HistoryFunction::Max if self.values == 0 => Value::Missing,
            HistoryFunction::Min => value_of(self.min, int_field),
            HistoryFunction::Max => value_of(self.max, int_field),
            HistoryFunction::Avg if self.values == 0 => Value::Missing,
            HistoryFunction::Avg => Value::Float(self.sum_float / self.values as f64),
            HistoryFunction::Last | HistoryFunction::Since => Value::Missing,
        }
    }
}

#[cfg(test)]
mod tests;
