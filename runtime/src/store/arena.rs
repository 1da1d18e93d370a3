//! The contacts' text storage in one arena: each contact's bytes (see [`super::text`]) are a
//! span of one vector, found by contact number, instead of a heap block each. A text that grows
//! moves to the end; the room it leaves is counted and the arena is compacted once that room
//! is more than half of it, so it holds at most about twice the live bytes.

/// Every contact's text bytes, by contact number.
#[derive(Clone, Debug)]
pub struct TextArena {
    bytes: Vec<u8>,
    /// Per contact: where its bytes start in `bytes`.
    starts: Vec<u64>,
    /// Per contact: how many bytes it has.
    lens: Vec<u32>,
    /// Bytes of `bytes` no contact refers to any more.
    unused: u64,
    /// The size past which the arena may be compacted.
    compact_from: usize,
}

impl Default for TextArena {
    fn default() -> Self {
        TextArena {
            bytes: Vec::new(),
            starts: Vec::new(),
            lens: Vec::new(),
            unused: 0,
            compact_from: COMPACT_FROM,
        }
    }
}

/// The arena is compacted only past this size, so that a small run never spends time on it.
const COMPACT_FROM: usize = 1 << 20;

impl TextArena {
    /// The number of contacts.
    #[allow(clippy::len_without_is_empty)] // only ever compared with the number of rows
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Contact `c`'s bytes (empty for a number never given out).
    pub fn get(&self, c: usize) -> &[u8] {
        let (Some(&start), Some(&len)) = (self.starts.get(c), self.lens.get(c)) else {
            return &[];
        };
        let start = start as usize;
        self.bytes.get(start..start + len as usize).unwrap_or(&[])
    }

    /// Adds the next contact, with `text`.
    pub fn push(&mut self, text: &[u8]) {
        self.starts.push(self.bytes.len() as u64);
        self.lens.push(len_of(text));
        self.bytes.extend_from_slice(text);
    }

    /// Replaces contact `c`'s bytes with `text`.
    pub fn set(&mut self, c: usize, text: &[u8]) {
        let (Some(start), Some(len)) = (self.starts.get_mut(c), self.lens.get_mut(c)) else {
            return;
        };
        let old = *len as usize;
        if text.len() <= old {
            let at = *start as usize;
            if let Some(span) = self.bytes.get_mut(at..at + text.len()) {
                span.copy_from_slice(text);
            }
        } else {
            *start = self.bytes.len() as u64;
            self.bytes.extend_from_slice(text);
        }
        self.unused += (old as u64).saturating_sub(text.len() as u64);
        if text.len() > old {
            self.unused += old as u64;
        }
        *len = len_of(text);
        if self.bytes.len() > self.compact_from && self.unused > self.bytes.len() as u64 / 2 {
            self.compact();
        }
    }

    /// Moves every contact's bytes together, in contact order.
    fn compact(&mut self) {
        let live = self.bytes.len() - self.unused as usize;
        let mut bytes = Vec::with_capacity(live + live / 4);
        for (start, &len) in self.starts.iter_mut().zip(&self.lens) {
            let at = *start as usize;
            *start = bytes.len() as u64;
            bytes.extend_from_slice(self.bytes.get(at..at + len as usize).unwrap_or(&[]));
        }
        self.bytes = bytes;
        self.unused = 0;
    }
}

/// A text's length as stored (texts are bounded by the input limits, far below 4 GiB).
fn len_of(text: &[u8]) -> u32 {
    u32::try_from(text.len()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any sequence of pushes and sets reads back as a model of one vector per contact does,
        /// across compactions (from 256 bytes here), and the arena stays within about twice the
        /// live bytes.
        #[test]
        fn texts_read_back_as_set(
            ops in prop::collection::vec(
                (any::<bool>(), 0usize..8, prop::collection::vec(any::<u8>(), 0..200)),
                1..30,
            )
        ) {
            let mut arena = TextArena {
                compact_from: 256,
                ..TextArena::default()
            };
            let mut model: Vec<Vec<u8>> = Vec::new();
            for (push, c, text) in ops {
                if push || model.is_empty() {
                    arena.push(&text);
                    model.push(text);
                } else {
                    let c = c % model.len();
                    arena.set(c, &text);
                    model[c] = text;
                }
                prop_assert_eq!(arena.len(), model.len());
                for (c, expected) in model.iter().enumerate() {
                    prop_assert_eq!(arena.get(c), expected.as_slice());
                }
                let live: usize = model.iter().map(Vec::len).sum();
                prop_assert!(arena.bytes.len() <= (2 * live).max(256) + 200);
            }
        }
    }
}
