//! Contacts one at a time, for checkpoints: which contacts changed since the last checkpoint,
//! each contact's bytes (id, row, text, the instants its row keeps aside, side storage), and a
//! table rebuilt from those bytes in contact order.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::super::Side;
use super::Contacts;

/// The contacts changed since the set was last taken; off (and empty) until tracking is asked
/// for, so that a batch run pays nothing for it.
#[derive(Clone, Debug, Default)]
pub(in crate::store) struct Changed {
    tracking: bool,
    /// One bit a contact number.
    bits: Vec<u64>,
    /// The numbers whose bit is set, in the order they first changed.
    numbers: Vec<u32>,
}

impl Changed {
    /// Records that contact `c` changed.
    #[inline]
    pub(in crate::store) fn mark(&mut self, c: usize) {
        if !self.tracking {
            return;
        }
        let (word, bit) = (c / 64, 1u64 << (c % 64));
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        if let Some(bits) = self.bits.get_mut(word) {
            if *bits & bit == 0 {
                *bits |= bit;
                self.numbers.push(c as u32);
            }
        }
    }
}

/// One contact as a checkpoint stores it.
#[derive(Serialize, Deserialize)]
struct StoredContact<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    // Byte strings as such (one copy each), not as sequences of numbers; the same bytes.
    #[serde(borrow, with = "serde_bytes")]
    row: Cow<'a, [u8]>,
    #[serde(borrow, with = "serde_bytes")]
    text: Cow<'a, [u8]>,
    /// `(field offset, instant)` of the row's instants kept aside.
    aside: Vec<(u32, i64)>,
    side: Option<Cow<'a, Side>>,
    /// The contact's remembered `messageId`s (see `store::messages`).
    #[serde(borrow, with = "serde_bytes")]
    messages: Cow<'a, [u8]>,
}

impl Contacts {
    /// Starts recording which contacts change (those there already are taken as stored).
    pub fn track_changes(&mut self) {
        self.changed.tracking = true;
    }

    /// Marks every contact changed (tracking must be on): the next checkpoint takes them all.
    pub fn mark_all_changed(&mut self) {
        for c in 0..self.len() {
            self.changed.mark(c);
        }
    }

    /// The contacts changed since the last call, in number order; the set starts empty again.
    pub fn take_changed(&mut self) -> Vec<u32> {
        let mut numbers = std::mem::take(&mut self.changed.numbers);
        self.changed.bits.iter_mut().for_each(|bits| *bits = 0);
        numbers.sort_unstable();
        numbers
    }

    /// Contact `c`'s bytes, for [`Contacts::push_stored`].
    pub fn stored(&self, c: usize) -> Result<Vec<u8>, String> {
        let mut aside: Vec<(u32, i64)> = self
            .aside
            .entries()
            .filter(|&(owner, _, _)| owner as usize == c)
            .map(|(_, at, time)| (at, time))
            .collect();
        aside.sort_unstable();
        let stored = StoredContact {
            id: Cow::Borrowed(self.id(c)),
            row: Cow::Borrowed(self.row(c)),
            text: Cow::Borrowed(self.texts.get(c)),
            aside,
            side: self.side(c).map(Cow::Borrowed),
            messages: Cow::Borrowed(self.messages.get(c)),
        };
        // Room for the fixed parts up front, so that the bytes are not moved as they grow.
        let room = stored.id.len()
            + stored.row.len()
            + stored.text.len()
            + stored.messages.len()
            + 16 * stored.aside.len()
            + if stored.side.is_some() { 256 } else { 0 }
            + 16;
        postcard::to_extend(&stored, Vec::with_capacity(room))
            .map_err(|e| format!("contact {c} cannot be stored: {e}"))
    }

    /// Adds the next contact from its bytes ([`Contacts::stored`]); contacts come back in number
    /// order, and the rows must have this table's size.
    pub fn push_stored(&mut self, number: u32, bytes: &[u8]) -> Result<(), String> {
        let c = self.len();
        if number as usize != c {
            return Err(format!(
                "contact {number} comes where contact {c} should (the checkpoint has a gap)"
            ));
        }
        let stored: StoredContact<'_> = postcard::from_bytes(bytes)
            .map_err(|e| format!("contact {number} is unreadable: {e}"))?;
        if stored.row.len() != self.layout.size as usize {
            return Err(format!(
                "contact {number}'s row has {} bytes, the program's rows {}",
                stored.row.len(),
                self.layout.size
            ));
        }
        if stored.id.is_empty() {
            // An erased contact: its number stays taken, no id finds it.
            self.ids_push_erased();
            self.mark_forgotten(c);
        } else {
            self.push_id(&stored.id);
        }
        self.rows.extend_from_slice(&stored.row);
        self.texts.push(&stored.text);
        for (at, time) in stored.aside {
            self.aside.insert(number, at, time);
        }
        self.sides
            .push(stored.side.map(|side| Box::new(side.into_owned())));
        self.messages.push(&stored.messages);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use journey_ir::eval::Value;

    use super::*;

    #[test]
    fn changed_contacts_are_taken_once_in_number_order_and_round_trip_as_bytes() {
        let mut contacts = Contacts::default();
        contacts.add("a", &[], 0);
        contacts.track_changes();
        contacts.add("b", &[], 0);
        contacts.add("c", &[Value::Missing; 0], 0);
        assert_eq!(contacts.take_changed(), vec![1, 2]);
        assert!(contacts.take_changed().is_empty());
        contacts.row_mut(1);
        contacts.side_mut(1);
        contacts.row_mut(0);
        assert_eq!(contacts.take_changed(), vec![0, 1]);

        let mut back = Contacts::default();
        for c in 0..contacts.len() {
            let bytes = contacts.stored(c).unwrap();
            back.push_stored(c as u32, &bytes).unwrap();
        }
        assert_eq!(back.len(), 3);
        assert_eq!(back.find("b"), Some(1));
        assert_eq!(back.id(2), "c");
        assert!(back.side(1).is_some() && back.side(0).is_none());
        let gap = back.push_stored(7, &contacts.stored(0).unwrap());
        assert!(gap.is_err_and(|e| e.contains("has a gap")));
    }
}
