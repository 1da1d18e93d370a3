//! Erasing a contact (the right to erasure): its id, row, profile text and side storage are
//! wiped, its number stays taken (numbers are dense) but is no longer found by any id, and
//! everything that walks contacts or fires their timers passes it by. A checkpoint then stores
//! it with an empty id, which is how a restored table knows it is forgotten.

use journey_ir::layout::{Codec, HistoryRow};

use super::super::row;
use super::Contacts;
use crate::store::NO_ZONE;

impl Contacts {
    /// Erases contact `c`; whether there was such a contact still to erase.
    pub fn forget(&mut self, c: usize) -> bool {
        if c >= self.len() || self.is_forgotten(c) {
            return false;
        }
        self.changed.mark(c);
        let hash = std::hash::BuildHasher::hash_one(&self.hasher, self.id(c));
        if let Ok(entry) = self
            .index
            .find_entry(hash, |entry| entry.number as usize == c)
        {
            entry.remove();
        }
        let start = match c {
            0 => 0,
            _ => self.id_ends[c - 1] as usize,
        };
        let end = self.id_ends[c] as usize;
        // NULs of the same length keep every other id where it is.
        if self.ids.is_char_boundary(start) && self.ids.is_char_boundary(end) {
            self.ids
                .replace_range(start..end, &"\0".repeat(end - start));
        }
        self.mark_forgotten(c);
        let layout = self.layout.clone();
        for place in &layout.histories {
            if let HistoryRow::Last {
                present,
                value,
                codec: Codec::Str,
                ..
            } = *place
            {
                let row = self.row(c);
                if row::u8_at(row, present) == 1 {
                    let held = row::u32_at(row, value);
                    self.strings.release(held);
                }
            }
        }
        let blank = row::blank(&layout);
        self.row_mut(c).copy_from_slice(&blank);
        self.set_zone(c, NO_ZONE);
        self.texts.set(c, &[]);
        self.messages.set(c, &[]);
        if let Some(side) = self.sides.get_mut(c) {
            *side = None;
        }
        self.aside.remove_contact(c as u32);
        true
    }

    /// Whether contact `c` was erased.
    #[inline]
    pub fn is_forgotten(&self, c: usize) -> bool {
        !self.forgotten.is_empty()
            && self
                .forgotten
                .get(c / 64)
                .is_some_and(|bits| bits & (1 << (c % 64)) != 0)
    }

    /// Records that contact `c` is erased.
    pub(super) fn mark_forgotten(&mut self, c: usize) {
        if self.forgotten.len() <= c / 64 {
            self.forgotten.resize(c / 64 + 1, 0);
        }
        self.forgotten[c / 64] |= 1 << (c % 64);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_forgotten_contact_is_found_by_no_id_and_stored_without_one() {
        let mut contacts = Contacts::default();
        contacts.add("ada@example.com", &[], 0);
        contacts.add("bob", &[], 0);
        contacts.add("a-much-longer-contact-id-than-inline", &[], 0);
        contacts.track_changes();
        assert!(contacts.forget(0));
        assert!(!contacts.forget(0), "erasing twice does nothing");
        assert!(contacts.forget(2));
        assert!(!contacts.forget(9));
        assert_eq!(contacts.find("ada@example.com"), None);
        assert_eq!(contacts.find("a-much-longer-contact-id-than-inline"), None);
        assert_eq!(contacts.find("bob"), Some(1));
        assert!(contacts.is_forgotten(0) && !contacts.is_forgotten(1));
        assert_eq!(contacts.id(0), "");
        assert!(!contacts.ids.contains("ada"), "the id's bytes are wiped");
        assert_eq!(contacts.take_changed(), vec![0, 2]);

        let mut back = Contacts::default();
        for c in 0..contacts.len() {
            back.push_stored(c as u32, &contacts.stored(c).unwrap())
                .unwrap();
        }
        assert!(back.is_forgotten(0) && back.is_forgotten(2) && !back.is_forgotten(1));
        assert_eq!(back.find("bob"), Some(1));
        assert_eq!(back.find(""), None);
        // A new contact with the erased id is a new contact.
        assert_eq!(back.add("ada@example.com", &[], 0), 3);
    }
}
