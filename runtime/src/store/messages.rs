//! Segment `messageId`s a contact's recent lines carried, for refusing a producer's retry of a
//! line already handled (reason `duplicate`). Each contact keeps the hashes of the ids of the
//! lines handled within the dedupe window, oldest first, in its side storage; an entry leaves
//! once the window has passed it.

use serde::{Deserialize, Serialize};

use super::Contacts;
use crate::engine::Handler;
use crate::input::{Input, RejectReason};

/// A handled line's `messageId`, as its contact keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// When the line was handled (the clock's time).
    pub at: i64,
    /// [`crate::input::message_hash`] of its `messageId`.
    pub hash: u64,
}

impl Contacts {
    /// Whether contact `c` handled a line with the message hash `hash` after `now - window`.
    pub fn seen_message(&self, c: usize, hash: u64, now: i64, window: i64) -> bool {
        let horizon = now.saturating_sub(window);
        self.side(c).is_some_and(|side| {
            side.messages
                .iter()
                .any(|seen| seen.hash == hash && seen.at > horizon)
        })
    }

    /// Remembers that contact `c` handled a line with message hash `hash` at `now`, forgetting
    /// those that left the window.
    pub fn remember_message(&mut self, c: usize, hash: u64, now: i64, window: i64) {
        let horizon = now.saturating_sub(window);
        let messages = &mut self.side_mut(c).messages;
        let expired = messages
            .iter()
            .take_while(|seen| seen.at <= horizon)
            .count();
        messages.drain(..expired);
        messages.push(Seen { at: now, hash });
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
        let kept: Vec<u64> = contacts
            .side(c)
            .map(|side| side.messages.iter().map(|seen| seen.hash).collect())
            .unwrap_or_default();
        assert_eq!(kept, [9], "the entry that left the window is dropped");
    }
}
