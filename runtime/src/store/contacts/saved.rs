//! [`Contacts`] to and from their stored form: ids, rows, texts and side storage as they are;
//! the layout comes from the program when the state is adopted, and the id index is rebuilt.

use std::hash::BuildHasher;

use journey_ir::layout::ContactLayout;
use serde::{Deserialize, Serialize};

use super::super::arena::TextArena;
use super::super::{row, Side, Strings};
use super::{Contacts, IndexEntry};

impl Serialize for Contacts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SavedContacts::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Contacts {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SavedContacts::deserialize(deserializer).map(Contacts::from)
    }
}

/// [`Contacts`] as stored: the layout is the program's and the index is rebuilt.
#[derive(Serialize, Deserialize)]
struct SavedContacts {
    row_size: u32,
    ids: Vec<Box<str>>,
    rows: Vec<u8>,
    texts: Vec<Box<[u8]>>,
    messages: Vec<Box<[u8]>>,
    /// `(contact, field offset, instant)` of the instants kept aside.
    aside: Vec<(u32, u32, i64)>,
    sides: Vec<Option<Box<Side>>>,
    strings: Strings,
}

impl From<&Contacts> for SavedContacts {
    fn from(contacts: &Contacts) -> SavedContacts {
        SavedContacts {
            row_size: contacts.layout.size,
            ids: (0..contacts.len())
                .map(|c| Box::from(contacts.id(c)))
                .collect(),
            rows: contacts.rows.clone(),
            texts: (0..contacts.len())
                .map(|c| Box::from(contacts.texts.get(c)))
                .collect(),
            messages: (0..contacts.len())
                .map(|c| Box::from(contacts.messages.get(c)))
                .collect(),
            aside: {
                let mut aside: Vec<_> = contacts.aside.entries().collect();
                aside.sort_unstable();
                aside
            },
            sides: contacts.sides.clone(),
            strings: contacts.strings.clone(),
        }
    }
}

impl From<SavedContacts> for Contacts {
    fn from(saved: SavedContacts) -> Contacts {
        let mut contacts = Contacts {
            layout: ContactLayout {
                size: saved.row_size,
                ..ContactLayout::default()
            },
            rows: saved.rows,
            texts: {
                let mut arena = TextArena::default();
                for text in &saved.texts {
                    arena.push(text);
                }
                arena
            },
            messages: {
                let mut arena = TextArena::default();
                for messages in &saved.messages {
                    arena.push(messages);
                }
                arena
            },
            aside: {
                let mut aside = row::Aside::default();
                for (c, at, time) in saved.aside {
                    aside.insert(c, at, time);
                }
                aside
            },
            sides: saved.sides,
            strings: saved.strings,
            ..Contacts::default()
        };
        for (c, id) in saved.ids.iter().enumerate() {
            // An empty id is an erased contact's (the decoder takes no empty id).
            if id.is_empty() {
                contacts.mark_forgotten(c);
            }
            contacts.ids.push_str(id);
            contacts.id_ends.push(contacts.ids.len() as u64);
        }
        let hasher = &contacts.hasher;
        let live: Vec<usize> = (0..contacts.id_ends.len())
            .filter(|&c| !contacts.is_forgotten(c))
            .collect();
        for c in live {
            let start = if c == 0 {
                0
            } else {
                contacts.id_ends[c - 1] as usize
            };
            let id = &contacts.ids[start..contacts.id_ends[c] as usize];
            let (ids, ends) = (&contacts.ids, &contacts.id_ends);
            contacts.index.insert_unique(
                hasher.hash_one(id),
                IndexEntry::new(c as u32, id),
                |entry| {
                    let other = entry.number as usize;
                    let start = if other == 0 {
                        0
                    } else {
                        ends[other - 1] as usize
                    };
                    hasher.hash_one(&ids[start..ends[other] as usize])
                },
            );
        }
        contacts
    }
}
