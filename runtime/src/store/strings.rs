//! The run's table of strings kept in rows: a row holds a 4-byte number, the table the string.
//!
//! Each string is kept once however many rows hold it, and counted: when no row holds it any
//! more its number is freed for the next new string, so the table holds no more strings than the
//! rows do. Reading hands out the table's shared copy, so that reading a string from a row does
//! not allocate.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A string's number in [`Strings`].
pub type StringId = u32;

/// The strings held by rows, numbered and counted.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "SavedStrings", into = "SavedStrings")]
pub struct Strings {
    /// By number: the string and how many rows hold it (`None`: a free number).
    entries: Vec<Option<(Arc<str>, u32)>>,
    /// String → number.
    numbers: HashMap<Arc<str>, StringId, foldhash::fast::RandomState>,
    /// Free numbers.
    free: Vec<StringId>,
}

impl Strings {
    /// Counts one more holder of `text`; its number.
    pub fn hold(&mut self, text: &Arc<str>) -> StringId {
        if let Some(&id) = self.numbers.get(&**text) {
            if let Some(Some((_, holders))) = self.entries.get_mut(id as usize) {
                *holders += 1;
            }
            return id;
        }
        let entry = Some((Arc::clone(text), 1));
        let id = match self.free.pop() {
            Some(id) => {
                self.entries[id as usize] = entry;
                id
            }
            None => {
                self.entries.push(entry);
                (self.entries.len() - 1) as StringId
            }
        };
        self.numbers.insert(Arc::clone(text), id);
        id
    }

    /// Counts one holder of `id` less, freeing it with the last.
    pub fn release(&mut self, id: StringId) {
        let Some(slot) = self.entries.get_mut(id as usize) else {
            return;
        };
        let Some((text, holders)) = slot else {
            return;
        };
        *holders -= 1;
        if *holders == 0 {
            self.numbers.remove(&**text);
            *slot = None;
            self.free.push(id);
        }
    }

    /// The string numbered `id`.
    pub fn get(&self, id: StringId) -> Option<&Arc<str>> {
        self.entries
            .get(id as usize)
            .and_then(|entry| entry.as_ref())
            .map(|(text, _)| text)
    }

    /// How many strings are held.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// Whether no string is held.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }
}

/// [`Strings`] as stored: by number, each with its count (`None`: free).
#[derive(Serialize, Deserialize)]
struct SavedStrings(Vec<Option<(Box<str>, u32)>>);

impl From<Strings> for SavedStrings {
    fn from(strings: Strings) -> SavedStrings {
        SavedStrings(
            strings
                .entries
                .into_iter()
                .map(|entry| entry.map(|(text, holders)| (Box::from(&*text), holders)))
                .collect(),
        )
    }
}

impl From<SavedStrings> for Strings {
    fn from(saved: SavedStrings) -> Strings {
        let mut strings = Strings::default();
        for (id, entry) in saved.0.into_iter().enumerate() {
            match entry {
                Some((text, holders)) => {
                    let text: Arc<str> = Arc::from(text);
                    strings.numbers.insert(Arc::clone(&text), id as StringId);
                    strings.entries.push(Some((text, holders)));
                }
                None => {
                    strings.entries.push(None);
                    strings.free.push(id as StringId);
                }
            }
        }
        strings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_kept_while_held_and_its_number_reused_after() {
        let mut strings = Strings::default();
        let a: Arc<str> = Arc::from("/pricing");
        let b: Arc<str> = Arc::from("/docs");
        let first = strings.hold(&a);
        assert_eq!(strings.hold(&Arc::from("/pricing")), first);
        strings.release(first);
        assert_eq!(strings.get(first).map(|s| &**s), Some("/pricing"));
        strings.release(first);
        assert_eq!(strings.get(first), None);
        assert!(strings.is_empty());
        let second = strings.hold(&b);
        assert_eq!(second, first, "the freed number is reused");
        let text = serde_json::to_string(&strings).unwrap_or_default();
        let back: Strings = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back.get(second).map(|s| &**s), Some("/docs"));
        assert_eq!(back.len(), 1);
    }
}
