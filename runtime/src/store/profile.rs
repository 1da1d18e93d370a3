//! A contact's profile, read and written where the layout keeps each field: a presence byte in
//! the row for every field, the value of a scalar field in the row, the value of a string or list
//! field in the contact's text storage.

use journey_ir::eval::Value;
use journey_ir::layout::ProfileValue;
use journey_ir::ProfileSlot;

use super::{row, text, Contacts};

impl Contacts {
    /// Profile field `slot` of contact `c` (missing for a slot the layout does not have).
    pub fn profile_value(&self, c: usize, slot: ProfileSlot) -> Value {
        let Some(field) = self.layout.profile.get(slot.index()) else {
            return Value::Missing;
        };
        let row = self.row(c);
        if row::u8_at(row, field.present) == 0 {
            return Value::Missing;
        }
        match field.value {
            ProfileValue::Row { at, codec } => row::read_scalar(row, at, codec, &self.strings),
            ProfileValue::Text { index } => text::read(self.text(c), index, &self.empty_list),
        }
    }

    /// Whether profile field `slot` of contact `c` has a value (one byte of the row read).
    pub fn profile_is_set(&self, c: usize, slot: ProfileSlot) -> bool {
        self.layout
            .profile
            .get(slot.index())
            .is_some_and(|field| row::u8_at(self.row(c), field.present) != 0)
    }

    /// The string profile field `slot` of contact `c` holds, read in place.
    pub fn profile_str(&self, c: usize, slot: ProfileSlot) -> Option<&str> {
        match self.layout.profile.get(slot.index())?.value {
            ProfileValue::Text { index } => text::str_at(self.text(c), index),
            ProfileValue::Row { .. } => None,
        }
    }

    /// The whole profile of contact `c`, in slot order.
    pub fn profile(&self, c: usize) -> Vec<Value> {
        (0..self.layout.profile.len())
            .map(|slot| self.profile_value(c, ProfileSlot(slot as u32)))
            .collect()
    }

    /// Sets profile field `slot` of contact `c` to `value`; whether it changed. A value of
    /// another type than the field's (which the decoder and checker rule out) is stored as
    /// missing.
    pub fn set_profile(&mut self, c: usize, slot: ProfileSlot, value: &Value) -> bool {
        let Some(&field) = self.layout.profile.get(slot.index()) else {
            return false;
        };
        match field.value {
            ProfileValue::Row { at, codec } => {
                if self.profile_value(c, slot) == *value {
                    return false;
                }
                self.changed.mark(c);
                let size = self.layout.size as usize;
                let Some(row) = self.rows.get_mut(c * size..(c + 1) * size) else {
                    return false;
                };
                let stored = row::write_scalar(row, at, codec, value, &mut self.strings);
                row::set_u8(row, field.present, u8::from(stored.is_some()));
            }
            ProfileValue::Text { index } => {
                // The bytes are compared, not the values: no string is made to compare.
                let Some(new) = text::write(self.texts.get(c), index, value) else {
                    return false;
                };
                self.texts.set(c, &new);
                let present = u8::from(!value.is_missing());
                row::set_u8(self.row_mut(c), field.present, present);
            }
        }
        true
    }

    /// Contact `c`'s text storage.
    fn text(&self, c: usize) -> &[u8] {
        self.texts.get(c)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use journey_ir::eval::Value;
    use journey_ir::ProfileSlot;

    use crate::store::Contacts;

    #[test]
    fn every_profile_field_reads_back_as_set_and_survives_a_round_trip() {
        let source = r#"
event e { x: int }
profile {
  email: string?
  tags: list<string> = []
  score: int?
  ratio: float = 0.5
  wait: duration?
  seen: time?
  birthday: date?
  tier: enum { a, b, c } = a
  opted: bool = false
  flag: bool?
}
"#;
        let mut sources = journey_syntax::SourceMap::new();
        sources.add("profile.journey", source.to_owned());
        let analysis = journey_check::check(&sources);
        assert!(!analysis.has_errors(), "the test program checks");
        let program = journey_ir::lower(&analysis);
        assert!(program.is_ok(), "the test program lowers");
        let Ok(program) = program else { return };
        let mut contacts = Contacts::new(&program);
        let values = [
            Value::Str(Arc::from("ada@example.com")),
            Value::List(Arc::from(vec![Value::Str(Arc::from("vip"))])),
            Value::Int(-7),
            Value::Float(2.25),
            Value::Duration(3600),
            Value::Time(1_780_000_000),
            Value::Date(-12),
            Value::Enum(2),
            Value::Bool(true),
            Value::Bool(false),
        ];
        let c = contacts.add("u1", &[], 0);
        let other = contacts.add("u2", &values, 0);
        for (slot, value) in values.iter().enumerate() {
            let slot = ProfileSlot(slot as u32);
            assert_eq!(contacts.profile_value(c, slot), Value::Missing);
            assert!(!contacts.profile_is_set(c, slot));
            assert!(contacts.set_profile(c, slot, value));
            assert!(
                !contacts.set_profile(c, slot, value),
                "an equal value is no change"
            );
        }
        let check = |contacts: &Contacts| {
            for c in [c, other] {
                assert_eq!(contacts.profile(c), values.to_vec());
                for slot in 0..values.len() {
                    assert!(contacts.profile_is_set(c, ProfileSlot(slot as u32)));
                }
                assert_eq!(
                    contacts.profile_str(c, ProfileSlot(0)),
                    Some("ada@example.com")
                );
            }
        };
        check(&contacts);
        let saved = serde_json::to_string(&contacts).unwrap_or_default();
        let mut back: Contacts = serde_json::from_str(&saved).unwrap_or_default();
        assert_eq!(back.adopt(&program), Ok(()));
        check(&back);
        for slot in 0..values.len() {
            let slot = ProfileSlot(slot as u32);
            assert!(back.set_profile(c, slot, &Value::Missing));
            assert!(!back.profile_is_set(c, slot));
            assert_eq!(back.profile_value(c, slot), Value::Missing);
            assert_eq!(back.profile_value(other, slot), values[slot.index()]);
        }
    }
}
