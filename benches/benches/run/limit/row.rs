//! The limit's table of contacts: each contact's state in one 64-byte [`Row`], the ids stored
//! once in an arena, and the index from an id to its contact's number.

use std::collections::HashMap;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use super::{Phase, A, NEVER, W};

/// Bytes of a cart id held in the row.
pub(super) const CART_INLINE: usize = 13;
/// `Row::cart_len` of a cart id held in `Limit::long_carts`.
pub(super) const CART_LONG: u8 = u8::MAX;

/// `Row::flags`.
pub(super) const CONSENT_EMAIL: u8 = 1;
pub(super) const CONSENT_SMS: u8 = 2;
pub(super) const PHONE: u8 = 4;
pub(super) const WELCOME_ENTERED: u8 = 8;

/// A contact's whole state for the two journeys: one cache line.
#[repr(C, align(64))]
#[derive(Clone, Copy, Debug)]
pub(super) struct Row {
    /// Where the contact's id is in `Contacts::ids`.
    id_at: u32,
    /// `profile.first_name`, interned (0: none).
    pub(super) first_name: u32,
    /// `last(page.viewed).referrer`, interned (0: none).
    pub(super) last_referrer: u32,
    /// When `abandoned_cart` was last entered, in seconds since [`EPOCH`](super::EPOCH)
    /// ([`NEVER`]: never).
    pub(super) cart_entered: u32,
    /// `last(cart.updated).items` (saturated to 32 bits). The journey reads `last(cart.updated)`
    /// only after entering on a `cart.updated`, so it is never absent when read.
    pub(super) last_items: i32,
    /// Timer generation of each journey: a timer fires only if it is still the current one.
    pub(super) generation: [u16; 2],
    /// `last(cart.updated).value`.
    pub(super) last_value: f64,
    /// `abandoned.value`.
    pub(super) cart_value: f64,
    /// `count(email.opened since enter)` and `count(email.clicked since enter)` of `welcome`.
    pub(super) opened: u16,
    pub(super) clicked: u16,
    /// [`CONSENT_EMAIL`], [`CONSENT_SMS`], [`PHONE`], [`WELCOME_ENTERED`].
    flags: u8,
    /// Offset of the contact's zone from UTC, in quarter hours.
    pub(super) offset: i8,
    pub(super) welcome: Option<W>,
    pub(super) welcome_phase: Phase,
    pub(super) cart: Option<A>,
    pub(super) cart_phase: Phase,
    /// Length of `abandoned.cart` in `cart_id`, or [`CART_LONG`].
    pub(super) cart_len: u8,
    pub(super) cart_id: [u8; CART_INLINE],
}

const _: () = assert!(std::mem::size_of::<Row>() == 64);

impl Row {
    fn new(id_at: u32) -> Row {
        Row {
            id_at,
            first_name: 0,
            last_referrer: 0,
            cart_entered: NEVER,
            last_items: 0,
            generation: [0; 2],
            last_value: 0.0,
            cart_value: 0.0,
            opened: 0,
            clicked: 0,
            flags: 0,
            offset: 0,
            welcome: None,
            welcome_phase: Phase::Ready,
            cart: None,
            cart_phase: Phase::Ready,
            cart_len: 0,
            cart_id: [0; CART_INLINE],
        }
    }

    pub(super) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    pub(super) fn set(&mut self, flag: u8, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }
}

/// The contacts: rows, their ids in one arena, and the index id → number.
pub(super) struct Contacts {
    pub(super) rows: Vec<Row>,
    /// Every contact's id, back to back, each after its length (2 bytes).
    ids: Vec<u8>,
    /// `(number, where its id is in ids)`, hashed by the id: finding a contact reads its id
    /// straight from the arena, while its row is loaded at the same time.
    index: HashTable<(u32, u32)>,
    hasher: RandomState,
}

/// The id at `at` in the arena.
fn id_at(ids: &[u8], at: u32) -> &[u8] {
    let at = at as usize;
    let len = usize::from(u16::from_le_bytes([ids[at], ids[at + 1]]));
    &ids[at + 2..at + 2 + len]
}

/// `a == b`, for short ids, without a call to `memcmp`.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut chunks = a.chunks_exact(8).zip(b.chunks_exact(8));
    if !chunks.all(|(x, y)| x == y) {
        return false;
    }
    let tail = a.len() / 8 * 8;
    a[tail..].iter().zip(&b[tail..]).all(|(x, y)| x == y)
}

impl Contacts {
    /// No contact yet.
    pub(super) fn new() -> Contacts {
        Contacts {
            rows: Vec::new(),
            ids: Vec::new(),
            index: HashTable::new(),
            hasher: RandomState::default(),
        }
    }

    /// The number of the contact `id`, a new one if it is new.
    pub(super) fn number(&mut self, id: &str) -> u32 {
        let id = id.as_bytes();
        let hash = self.hasher.hash_one(id);
        let Contacts {
            rows,
            ids,
            index,
            hasher,
        } = self;
        let entry = index.entry(
            hash,
            |&(_, at)| same(id_at(ids, at), id),
            |&(_, at)| hasher.hash_one(id_at(ids, at)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(found) => found.get().0,
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                let c = u32::try_from(rows.len()).expect("fewer than 2^32 contacts");
                let at = u32::try_from(ids.len()).expect("under 4 GiB of ids");
                let len = u16::try_from(id.len()).expect("ids under 64 KiB");
                rows.push(Row::new(at));
                ids.extend_from_slice(&len.to_le_bytes());
                ids.extend_from_slice(id);
                vacant.insert((c, at));
                c
            }
        }
    }

    pub(super) fn id(&self, c: u32) -> &[u8] {
        id_at(&self.ids, self.rows[c as usize].id_at)
    }

    /// Bytes held: rows, ids and index (its buckets and control bytes).
    pub(super) fn bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.ids.capacity()
            + self.index.allocation_size()
    }
}

/// `abandoned.cart` of contact `c`, whose row is `row`.
pub(super) fn cart_id_of<'a>(
    row: &'a Row,
    long_carts: &'a HashMap<u32, Box<str>>,
    c: u32,
) -> &'a str {
    if row.cart_len == CART_LONG {
        return long_carts.get(&c).map_or("", |id| id);
    }
    // Copied whole from a `&str`, so it is UTF-8.
    std::str::from_utf8(&row.cart_id[..usize::from(row.cart_len)]).unwrap_or("")
}
