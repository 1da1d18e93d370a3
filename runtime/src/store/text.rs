//! A contact's text storage: the profile fields the row does not hold (strings and lists), as
//! bytes. Each entry is one field's value in the order `ContactLayout::profile` numbers them:
//! a tag byte, then the payload (scalars little-endian, strings and lists after their length as
//! an LEB128 number). Entries past the end of the bytes are missing, so a contact whose text
//! fields are all missing keeps no bytes at all.

use std::sync::Arc;

use journey_ir::eval::Value;

const MISSING: u8 = 0;
const BOOL: u8 = 1;
const INT: u8 = 2;
const FLOAT: u8 = 3;
const STR: u8 = 4;
const DURATION: u8 = 5;
const TIME: u8 = 6;
const DATE: u8 = 7;
const ENUM: u8 = 8;
const LIST: u8 = 9;

/// The value of entry `index` of `text`.
pub fn read(text: &[u8], index: u32, empty_list: &Arc<[Value]>) -> Value {
    let bytes = entry(text, index);
    decode(bytes, empty_list).map_or(Value::Missing, |(value, _)| value)
}

/// Whether entry `index` of `text` has a value (the row's presence byte says the same).
#[cfg(test)]
pub fn is_set(text: &[u8], index: u32) -> bool {
    entry(text, index)
        .first()
        .is_some_and(|&tag| tag != MISSING)
}

/// The string of entry `index`, if it holds one (read without making a [`Value`]).
pub fn str_at(text: &[u8], index: u32) -> Option<&str> {
    let bytes = entry(text, index);
    match bytes.split_first() {
        Some((&STR, rest)) => {
            let (len, used) = leb128(rest)?;
            std::str::from_utf8(rest.get(used..used + len)?).ok()
        }
        _ => None,
    }
}

/// `text` with entry `index` holding `value` instead; `None` when it held an equal value.
pub fn write(text: &[u8], index: u32, value: &Value) -> Option<Box<[u8]>> {
    let start = offset(text, index);
    let before = text.get(..start).unwrap_or(text);
    let after = text.get(start..).unwrap_or(&[]);
    let old_len = skip(after);
    if old_len == 0 && value.is_missing() {
        // Past the end (missing) and still missing.
        return None;
    }
    let mut out = Vec::with_capacity(text.len() + 16);
    out.extend_from_slice(before);
    // Entries before `index` that the bytes did not reach yet are missing.
    let reached = entries(before);
    out.extend(std::iter::repeat_n(
        MISSING,
        index.saturating_sub(reached) as usize,
    ));
    encode(value, &mut out);
    out.extend_from_slice(after.get(old_len..).unwrap_or(&[]));
    // Trailing missing entries take no bytes (only a missing value can leave one at the end:
    // the bytes never end with one).
    while value.is_missing() && out.last() == Some(&MISSING) && ends_with_missing_entry(&out) {
        out.pop();
    }
    (out.as_slice() != text).then(|| out.into_boxed_slice())
}

/// Whether the last entry of `text` is a lone missing tag.
fn ends_with_missing_entry(text: &[u8]) -> bool {
    let mut at = 0;
    let mut last = None;
    while at < text.len() {
        last = Some(at);
        at += skip(&text[at..]).max(1);
    }
    last.is_some_and(|last| text.get(last) == Some(&MISSING) && last + 1 == text.len())
}

/// The bytes of entry `index` onwards.
fn entry(text: &[u8], index: u32) -> &[u8] {
    text.get(offset(text, index)..).unwrap_or(&[])
}

/// Where entry `index` starts (the end of the bytes when they stop before it).
fn offset(text: &[u8], index: u32) -> usize {
    let mut at = 0;
    for _ in 0..index {
        if at >= text.len() {
            return text.len();
        }
        at += skip(&text[at..]).max(1);
    }
    at.min(text.len())
}

/// How many whole entries `text` holds.
fn entries(text: &[u8]) -> u32 {
    let mut at = 0;
    let mut count = 0;
    while at < text.len() {
        at += skip(&text[at..]).max(1);
        count += 1;
    }
    count
}

/// One value on its own as bytes (what [`decode_value`] reads back).
pub fn encode_value(value: &Value, out: &mut Vec<u8>) {
    encode(value, out);
}

/// The value [`encode_value`] wrote at the start of `bytes` (missing when malformed).
pub fn decode_value(bytes: &[u8], empty_list: &Arc<[Value]>) -> Value {
    decode(bytes, empty_list).map_or(Value::Missing, |(value, _)| value)
}

/// A record (an event's fields in slot order) as bytes: its length, then one entry per field,
/// those `keep` leaves out written as missing; trailing missing entries take no bytes, so a key
/// record that names one field of many is a few bytes.
pub fn encode_record(record: &[Value], keep: impl Fn(usize) -> bool) -> Box<[u8]> {
    let mut out = Vec::with_capacity(16);
    push_leb128(&mut out, record.len());
    let mut end = out.len();
    for (i, value) in record.iter().enumerate() {
        if keep(i) && !value.is_missing() {
            encode(value, &mut out);
            end = out.len();
        } else {
            out.push(MISSING);
        }
    }
    out.truncate(end);
    out.into_boxed_slice()
}

/// The record [`encode_record`] wrote, into `out` (cleared first) with its full length.
pub fn decode_record(bytes: &[u8], empty_list: &Arc<[Value]>, out: &mut Vec<Value>) {
    out.clear();
    let Some((len, used)) = leb128(bytes) else {
        return;
    };
    let mut at = used;
    // A length no stored record reaches (malformed bytes) is not allocated for.
    out.reserve(len.min(1024));
    for _ in 0..len {
        match bytes.get(at..).and_then(|rest| decode(rest, empty_list)) {
            Some((value, took)) => {
                out.push(value);
                at += took;
            }
            None => {
                at = bytes.len();
                out.push(Value::Missing);
            }
        }
    }
}

/// Field `index` of a record [`encode_record`] wrote (missing past its end).
pub fn record_field(bytes: &[u8], index: u32, empty_list: &Arc<[Value]>) -> Value {
    match leb128(bytes) {
        Some((len, used)) if (index as usize) < len => {
            read(bytes.get(used..).unwrap_or(&[]), index, empty_list)
        }
        _ => Value::Missing,
    }
}

/// Whether field `index` of a record [`encode_record`] wrote equals `value` as `Value`'s `==`
/// says (a float `0.0` equals `-0.0`, a NaN nothing), making no [`Value`] but for a list.
pub fn record_field_equals(
    bytes: &[u8],
    index: u32,
    value: &Value,
    empty_list: &Arc<[Value]>,
) -> bool {
    let fields = leb128(bytes).map_or(&[][..], |(_, used)| bytes.get(used..).unwrap_or(&[]));
    let entry = entry(fields, index);
    let tag = entry.first().copied().unwrap_or(MISSING);
    match value {
        Value::Missing => tag == MISSING,
        Value::Str(text) => str_at(fields, index) == Some(&**text),
        // Other kinds decode without allocating; a list is rare in a key.
        _ if tag == STR || tag == MISSING => false,
        _ => decode(entry, empty_list).is_some_and(|(stored, _)| stored == *value),
    }
}

/// Appends `value`'s bytes.
pub fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Missing => out.push(MISSING),
        Value::Bool(b) => out.extend_from_slice(&[BOOL, u8::from(*b)]),
        Value::Int(v) => push(out, INT, &v.to_le_bytes()),
        Value::Float(v) => push(out, FLOAT, &v.to_bits().to_le_bytes()),
        Value::Str(text) => {
            out.push(STR);
            push_leb128(out, text.len());
            out.extend_from_slice(text.as_bytes());
        }
        Value::Duration(v) => push(out, DURATION, &v.to_le_bytes()),
        Value::Time(v) => push(out, TIME, &v.to_le_bytes()),
        Value::Date(days) => push(out, DATE, &days.to_le_bytes()),
        Value::Enum(variant) => push(out, ENUM, &variant.to_le_bytes()),
        Value::List(items) => {
            out.push(LIST);
            push_leb128(out, items.len());
            for item in items.iter() {
                encode(item, out);
            }
        }
    }
}

fn push(out: &mut Vec<u8>, tag: u8, payload: &[u8]) {
    out.push(tag);
    out.extend_from_slice(payload);
}

/// The value at the start of `bytes` and how many bytes it took (`None`: malformed).
fn decode(bytes: &[u8], empty_list: &Arc<[Value]>) -> Option<(Value, usize)> {
    let (&tag, rest) = bytes.split_first()?;
    let fixed = |n: usize| rest.get(..n);
    let i64_of = |b: &[u8]| {
        let mut raw = [0; 8];
        raw.copy_from_slice(b);
        i64::from_le_bytes(raw)
    };
    let u32_of = |b: &[u8]| {
        let mut raw = [0; 4];
        raw.copy_from_slice(b);
        u32::from_le_bytes(raw)
    };
    Some(match tag {
        MISSING => (Value::Missing, 1),
        BOOL => (Value::Bool(*rest.first()? != 0), 2),
        INT => (Value::Int(i64_of(fixed(8)?)), 9),
        FLOAT => (Value::Float(f64::from_bits(i64_of(fixed(8)?) as u64)), 9),
        DURATION => (Value::Duration(i64_of(fixed(8)?)), 9),
        TIME => (Value::Time(i64_of(fixed(8)?)), 9),
        DATE => (Value::Date(u32_of(fixed(4)?) as i32), 5),
        ENUM => (Value::Enum(u32_of(fixed(4)?)), 5),
        STR => {
            let (len, used) = leb128(rest)?;
            let text = std::str::from_utf8(rest.get(used..used + len)?).ok()?;
            (Value::Str(Arc::from(text)), 1 + used + len)
        }
        LIST => {
            let (len, used) = leb128(rest)?;
            if len == 0 {
                return Some((Value::List(Arc::clone(empty_list)), 1 + used));
            }
            let mut at = 1 + used;
            let mut items = Vec::with_capacity(len.min(1024));
            for _ in 0..len {
                let (item, took) = decode(bytes.get(at..)?, empty_list)?;
                items.push(item);
                at += took;
            }
            (Value::List(items.into()), at)
        }
        _ => return None,
    })
}

/// How many bytes the value at the start of `bytes` takes (0 when malformed).
fn skip(bytes: &[u8]) -> usize {
    let Some((&tag, rest)) = bytes.split_first() else {
        return 0;
    };
    match tag {
        MISSING => 1,
        BOOL => 2,
        INT | FLOAT | DURATION | TIME => 9,
        DATE | ENUM => 5,
        STR => leb128(rest).map_or(0, |(len, used)| 1 + used + len),
        LIST => {
            let Some((len, used)) = leb128(rest) else {
                return 0;
            };
            let mut at = 1 + used;
            for _ in 0..len {
                let took = skip(bytes.get(at..).unwrap_or(&[]));
                if took == 0 {
                    return 0;
                }
                at += took;
            }
            at
        }
        _ => 0,
    }
}

fn push_leb128(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// An LEB128 number and how many bytes it took.
fn leb128(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut n = 0usize;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        n |= usize::from(byte & 0x7f).checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            return Some((n, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Missing),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<f64>()
                .prop_filter("NaN is not equal to itself", |f| !f.is_nan())
                .prop_map(Value::Float),
            ".{0,200}".prop_map(|s| Value::Str(Arc::from(s.as_str()))),
            any::<i64>().prop_map(Value::Duration),
            any::<i64>().prop_map(Value::Time),
            any::<i32>().prop_map(Value::Date),
            any::<u32>().prop_map(Value::Enum),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            3 => scalar(),
            1 => prop::collection::vec(scalar(), 0..5).prop_map(|items| Value::List(items.into())),
        ]
    }

    proptest! {
        /// Any sequence of writes leaves every entry reading back as last written, and the
        /// bytes hold no trailing missing entries.
        #[test]
        fn entries_read_back_as_written(writes in prop::collection::vec((0u32..6, value()), 0..30)) {
            let empty: Arc<[Value]> = Arc::from(Vec::new());
            let mut text: Box<[u8]> = Box::default();
            let mut model = vec![Value::Missing; 6];
            for (index, value) in writes {
                let changed = model[index as usize] != value;
                match write(&text, index, &value) {
                    Some(new) => text = new,
                    None => prop_assert!(!changed, "a change was not written"),
                }
                model[index as usize] = value;
                for (i, expected) in model.iter().enumerate() {
                    prop_assert_eq!(&read(&text, i as u32, &empty), expected);
                    prop_assert_eq!(is_set(&text, i as u32), !expected.is_missing());
                    let text_of = match expected {
                        Value::Str(s) => Some(&**s),
                        _ => None,
                    };
                    prop_assert_eq!(str_at(&text, i as u32), text_of);
                }
                let all_missing = model.iter().all(Value::is_missing);
                prop_assert_eq!(text.is_empty(), all_missing);
            }
        }

        /// A record reads back whole (with its length) and field by field, the fields `keep`
        /// leaves out as missing, and trailing missing fields take no bytes.
        #[test]
        fn records_read_back_as_encoded(
            record in prop::collection::vec(value(), 0..8),
            kept in prop::collection::vec(any::<bool>(), 8),
        ) {
            let empty: Arc<[Value]> = Arc::from(Vec::new());
            let keep = |i: usize| kept[i];
            let bytes = encode_record(&record, keep);
            let expected: Vec<Value> = record
                .iter()
                .enumerate()
                .map(|(i, v)| if keep(i) { v.clone() } else { Value::Missing })
                .collect();
            let mut back = vec![Value::Int(7)];
            decode_record(&bytes, &empty, &mut back);
            prop_assert_eq!(&back, &expected);
            for (i, field) in expected.iter().enumerate() {
                prop_assert_eq!(&record_field(&bytes, i as u32, &empty), field);
                prop_assert!(record_field_equals(&bytes, i as u32, field, &empty));
            }
            prop_assert_eq!(record_field(&bytes, 8, &empty), Value::Missing);
            let all_missing = expected.iter().all(Value::is_missing);
            // Only the length is left when every field is missing.
            prop_assert_eq!(bytes.len() == 1, all_missing);
        }

        /// Comparing a stored field with a value agrees with `Value`'s `==`.
        #[test]
        fn record_fields_compare_as_values(stored in value(), other in value()) {
            let empty: Arc<[Value]> = Arc::from(Vec::new());
            let bytes = encode_record(std::slice::from_ref(&stored), |_| true);
            prop_assert_eq!(record_field_equals(&bytes, 0, &other, &empty), stored == other);
        }

        /// A value on its own reads back as written.
        #[test]
        fn values_read_back_as_encoded(value in value()) {
            let empty: Arc<[Value]> = Arc::from(Vec::new());
            let mut bytes = Vec::new();
            encode_value(&value, &mut bytes);
            prop_assert_eq!(decode_value(&bytes, &empty), value);
        }
    }

    #[test]
    fn floats_in_records_compare_as_floats_do() {
        let empty: Arc<[Value]> = Arc::from(Vec::new());
        let zero = encode_record(&[Value::Float(0.0)], |_| true);
        assert!(record_field_equals(&zero, 0, &Value::Float(-0.0), &empty));
        let nan = encode_record(&[Value::Float(f64::NAN)], |_| true);
        assert!(!record_field_equals(
            &nan,
            0,
            &Value::Float(f64::NAN),
            &empty
        ));
        assert!(!record_field_equals(&zero, 0, &Value::Missing, &empty));
        assert!(!record_field_equals(
            &zero,
            0,
            &Value::Str(Arc::from("0")),
            &empty
        ));
    }
}
