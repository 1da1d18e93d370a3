//! Segment `messageId`s a contact's recent lines carried, for refusing a producer's retry of a
//! line already handled (reason `duplicate`). Each contact keeps, oldest first, one 16-byte
//! entry per line handled within the dedupe window — when (8 bytes) and the hash of the id (8
//! bytes) — as its span of one arena shared by all contacts (like the profile's text), so that
//! remembering ids costs no heap block and no side storage per contact. An entry leaves once
//! the window has passed it.

use super::Contacts;
use crate::engine::Handler;
use crate::input::{Input, RejectReason};

/// Bytes of one remembered line.
const ENTRY: usize = 16;

/// The `(when, hash)` of each entry of a contact's bytes.
fn entries(bytes: &[u8]) -> impl Iterator<Item = (i64, u64)> + '_ {
    bytes.chunks_exact(ENTRY).map(|entry| {
        let (at, hash) = entry.split_at(8);
        (
            i64::from_le_bytes(at.try_into().unwrap_or_default()),
            u64::from_le_bytes(hash.try_into().unwrap_or_default()),
        )
    })
}

impl Contacts {
    /// Whether contact `c` handled a line with the message hash `hash` after `now - window`.
    pub fn seen_message(&self, c: usize, hash: u64, now: i64, window: i64) -> bool {
        let horizon = now.saturating_sub(window);
        entries(self.messages.get(c)).any(|(at, seen)| seen == hash && at > horizon)
    }

    /// Remembers that contact `c` handled a line with message hash `hash` at `now`, forgetting
    /// those that left the window.
    pub fn remember_message(&mut self, c: usize, hash: u64, now: i64, window: i64) {
        let horizon = now.saturating_sub(window);
        let bytes = self.messages.get(c);
        let expired = entries(bytes).take_while(|&(at, _)| at <= horizon).count();
        let mut kept = std::mem::take(&mut self.message_scratch);
        kept.clear();
        kept.extend_from_slice(bytes.get(expired * ENTRY..).unwrap_or(&[]));
        kept.extend_from_slice(&now.to_le_bytes());
        kept.extend_from_slice(&hash.to_le_bytes());
        self.messages.set(c, &kept);
        self.message_scratch = kept;
        self.changed.mark(c);
    }

    /// How many lines contact `c` remembers.
    #[cfg(test)]
    fn remembered(&self, c: usize) -> Vec<u64> {
        entries(self.messages.get(c))
            .map(|(_, hash)| hash)
            .collect()
    }
}

impl Handler<'_, '_> {
    /// Refuses an input whose `messageId` its contact already handled within the dedupe
    /// window; the message hash to remember once it is handled, if any.
    pub(crate) fn duplicate_check(
        &self,
        input: &Input,
        now: i64,
    ) -> Result<Option<u64>, RejectReason> {
        let window = self.t.options.dedupe_window;
        let (contact, message) = match input {
            Input::Track {
                contact, message, ..
            }
            | Input::Identify {
                contact, message, ..
            } => (contact, *message),
        };
        let Some(hash) = message.filter(|_| window > 0) else {
            return Ok(None);
        };
        match self.state.contacts.find(contact) {
            Some(c) if self.state.contacts.seen_message(c, hash, now, window) => {
                Err(RejectReason::Duplicate { window })
            }
            _ => Ok(Some(hash)),
        }
    }

    /// Remembers the `messageId` of an input contact `c` handled at `now`.
    pub(crate) fn remember_message(&mut self, c: usize, message: Option<u64>, now: i64) {
        if let Some(hash) = message {
            let window = self.t.options.dedupe_window;
            self.state.contacts.remember_message(c, hash, now, window);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_duplicate_only_within_the_window() {
        let mut contacts = Contacts::default();
        let c = contacts.add("u1", &[], 0);
        assert!(!contacts.seen_message(c, 7, 100, 50));
        contacts.remember_message(c, 7, 100, 50);
        assert!(contacts.seen_message(c, 7, 149, 50));
        assert!(!contacts.seen_message(c, 8, 149, 50));
        assert!(!contacts.seen_message(c, 7, 150, 50));
        contacts.remember_message(c, 9, 160, 50);
        assert_eq!(
            contacts.remembered(c),
            [9],
            "the entry that left the window is dropped"
        );
        assert!(
            contacts.side(c).is_none(),
            "remembering makes no side storage"
        );
    }
}
