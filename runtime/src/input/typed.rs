//! Typing one JSON value against a declared type, straight from the token stream.
//!
//! Every visitor here accepts every JSON shape and reports a mismatch as data ([`Typed::Wrong`])
//! instead of a serde error: a serde error would abort the whole line, and a wrong property must
//! become a precise reject, not "not JSON". Arrays and objects of the wrong shape are drained with
//! [`IgnoredAny`] so the parser stays in step.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use journey_ir::eval::Value;
use journey_ir::Type;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The outcome of typing one value.
pub(super) enum Typed {
    /// A value of the declared type.
    Value(Value),
    /// JSON `null`; the caller decides (fine for `T?`, not for `T`).
    Null,
    /// A number or instant of the right kind but beyond what the type holds.
    OutOfRange,
    /// Anything else.
    Wrong,
}

/// Types one JSON value against `ty` (never optional: the caller handles `?` and `null`).
#[derive(Clone, Copy)]
pub(super) struct TypedSeed<'s> {
    /// The expected type, its `?` removed.
    pub ty: &'s Type,
    /// Variant names of every enum, to resolve enum strings.
    pub enums: &'s [Vec<String>],
    /// Strings handed out shared rather than allocated.
    pub literals: &'s Literals,
}

/// The program's string literals (see `Decoder`).
pub(super) type Literals = HashSet<Arc<str>, foldhash::fast::RandomState>;

impl<'de> DeserializeSeed<'de> for TypedSeed<'_> {
    type Value = Typed;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Typed, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TypedSeed<'_> {
    type Value = Typed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Typed, E> {
        Ok(match self.ty {
            Type::Bool => Typed::Value(Value::Bool(v)),
            _ => Typed::Wrong,
        })
    }

    fn visit_i64<E>(self, v: i64) -> Result<Typed, E> {
        Ok(match self.ty {
            Type::Int => Typed::Value(Value::Int(v)),
            Type::Float => Typed::Value(Value::Float(v as f64)),
            Type::Duration => Typed::Value(Value::Duration(v)),
            _ => Typed::Wrong,
        })
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Typed, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            // Beyond `int`: still a fine `float`.
            Err(_) if *self.ty == Type::Float => Ok(Typed::Value(Value::Float(v as f64))),
            Err(_) if matches!(self.ty, Type::Int | Type::Duration) => Ok(Typed::OutOfRange),
            Err(_) => Ok(Typed::Wrong),
        }
    }

    fn visit_f64<E>(self, v: f64) -> Result<Typed, E> {
        Ok(match self.ty {
            Type::Float => Typed::Value(Value::Float(v)),
            // Producers such as Python write integral numbers as `3.0`; nothing is lost by
            // accepting them, while `3.5` for an `int` is refused rather than rounded.
            Type::Int => whole(v).map_or_else(|kind| kind, |i| Typed::Value(Value::Int(i))),
            Type::Duration => {
                whole(v).map_or_else(|kind| kind, |i| Typed::Value(Value::Duration(i)))
            }
            _ => Typed::Wrong,
        })
    }

    fn visit_str<E>(self, v: &str) -> Result<Typed, E> {
        let value = match self.ty {
            Type::String => Some(Value::Str(
                self.literals
                    .get(v)
                    .map_or_else(|| Arc::from(v), Arc::clone),
            )),
            Type::Time if instant_out_of_range(v) => return Ok(Typed::OutOfRange),
            Type::Time => parse_instant(v).map(Value::Time),
            Type::Date => parse_date(v).map(Value::Date),
            Type::Duration => parse_duration(v).map(Value::Duration),
            Type::Enum(id) => self
                .enums
                .get(id.0 as usize)
                .and_then(|variants| variants.iter().position(|name| name == v))
                .map(|i| Value::Enum(i as u32)),
            _ => None,
        };
        Ok(value.map_or(Typed::Wrong, Typed::Value))
    }

    fn visit_unit<E>(self) -> Result<Typed, E> {
        Ok(Typed::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Typed, A::Error> {
        let Type::List(element) = self.ty else {
            drain_seq(seq)?;
            return Ok(Typed::Wrong);
        };
        let element = TypedSeed {
            ty: element,
            ..self
        };
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(element)? {
            match item {
                Typed::Value(value) => items.push(value),
                // A list has no missing elements: `[null]` is not a `list<string>`.
                Typed::Null | Typed::Wrong => {
                    drain_seq(seq)?;
                    return Ok(Typed::Wrong);
                }
                Typed::OutOfRange => {
                    drain_seq(seq)?;
                    return Ok(Typed::OutOfRange);
                }
            }
        }
        Ok(Typed::Value(Value::List(items.into())))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Typed, A::Error> {
        drain_map(map)?;
        Ok(Typed::Wrong)
    }
}

/// Skips the rest of an array.
pub(super) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Skips the rest of an object.
pub(super) fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// `v` as an `i64` when it is a whole number in range (`1e2` is 100); a whole number beyond
/// the range is out of range, a fraction is the wrong type.
fn whole(v: f64) -> Result<i64, Typed> {
    // 2^63 is exactly representable; every finite float below it and at or above -2^63 fits.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if v.fract() != 0.0 {
        return Err(Typed::Wrong);
    }
    if !(-LIMIT..LIMIT).contains(&v) {
        return Err(Typed::OutOfRange);
    }
    Ok(v as i64)
}

/// What each numeric or time type holds, for out-of-range rejects.
pub(super) fn range_of(ty: &Type) -> &'static str {
    match ty {
        Type::Int => "an `int` is a 64-bit integer",
        Type::Duration => "a `duration` is a 64-bit number of seconds",
        Type::Float => "a `float` is a 64-bit IEEE 754 number",
        Type::Time | Type::List(_) => INSTANT_RANGE,
        _ => "beyond its type",
    }
}

/// The instants the engine represents (those of the time library, jiff).
pub(super) const INSTANT_RANGE: &str =
    "instants run from -9999-01-02T01:59:59Z to 9999-12-30T22:00:00Z";

/// Whether `text` is a well-formed RFC 3339 instant (a date, a time and an offset) that lies
/// outside the instants the time library represents: `9999-12-31T23:59:59Z` is, a typo is not.
pub fn instant_out_of_range(text: &str) -> bool {
    if text.parse::<jiff::Timestamp>().is_ok() {
        return false;
    }
    jiff::fmt::temporal::Pieces::parse(text)
        .is_ok_and(|pieces| pieces.time().is_some() && pieces.offset().is_some())
}

/// Seconds since the epoch of an RFC 3339 instant with any offset, rounded down to the second.
///
/// Rounding down (rather than to nearest) keeps an event at or before the instant it claims, so
/// `10:00:00.9` is still handled with the timers due at `10:00:00`.
pub fn parse_instant(text: &str) -> Option<i64> {
    let ts = text.parse::<jiff::Timestamp>().ok()?;
    Some(ts.as_second() - i64::from(ts.subsec_nanosecond() < 0))
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (exactly that form: no time, no offset).
fn parse_date(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let date = text.parse::<jiff::civil::Date>().ok()?;
    let days = date.since(jiff::civil::date(1970, 1, 1)).ok()?.get_days();
    Some(days)
}

/// Seconds of a duration written as in the language: digits and one unit of `s m h d w`.
pub fn parse_duration(text: &str) -> Option<i64> {
    let unit = match text.as_bytes().last()? {
        b's' => 1,
        b'm' => 60,
        b'h' => 3_600,
        b'd' => 86_400,
        b'w' => 604_800,
        _ => return None,
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok()?.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn helpers() {
        assert!(matches!(whole(3.0), Ok(3)));
        assert!(matches!(whole(1e2), Ok(100)));
        assert!(matches!(whole(3.5), Err(Typed::Wrong)));
        assert!(matches!(whole(f64::NAN), Err(Typed::Wrong)));
        assert!(matches!(whole(9.3e18), Err(Typed::OutOfRange)));
        assert!(instant_out_of_range("9999-12-31T23:59:59Z"));
        assert!(!instant_out_of_range("9998-12-31T23:59:59Z"));
        assert!(!instant_out_of_range("9999-12-31T25:59:59Z"));
        assert!(!instant_out_of_range("yesterday"));
        assert_eq!(parse_instant("1969-12-31T23:59:59.5Z"), Some(-1));
        assert_eq!(parse_instant("1970-01-01T00:00:00.5Z"), Some(0));
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("1970-1-02"), None);
        assert_eq!(parse_duration("2h"), Some(7_200));
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("-2h"), None);
        assert_eq!(parse_duration("99999999999999999w"), None);
    }
}
