//! The limit's compact building blocks, none of them specific to its journeys: strings
//! interned once, a timing wheel of small timer entries, and a writer of action JSON into one
//! reused buffer.

use std::hash::BuildHasher;
use std::hint::black_box;
use std::io::Write as _;

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use journey_benches::workload;

const DAY: i64 = 86_400;

/// Action JSON is handed on (to nothing) in blocks of this many bytes.
const FLUSH_AT: usize = 1 << 16;

/// Strings kept once each, numbered from 1 (0 is none).
pub(super) struct Interner {
    strings: Vec<Box<str>>,
    index: HashTable<u32>,
    hasher: RandomState,
}

impl Interner {
    pub(super) fn new() -> Interner {
        Interner {
            strings: vec![Box::from("")],
            index: HashTable::new(),
            hasher: RandomState::default(),
        }
    }

    pub(super) fn intern(&mut self, text: &str) -> u32 {
        let hash = self.hasher.hash_one(text);
        let Interner {
            strings,
            index,
            hasher,
        } = self;
        let entry = index.entry(
            hash,
            |&n| &*strings[n as usize] == text,
            |&n| hasher.hash_one(&*strings[n as usize]),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(found) => *found.get(),
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                let n = u32::try_from(strings.len()).expect("fewer than 2^32 strings");
                strings.push(Box::from(text));
                vacant.insert(n);
                n
            }
        }
    }

    /// The string `n`, `None` for 0.
    pub(super) fn get(&self, n: u32) -> Option<&str> {
        (n != 0).then(|| &*self.strings[n as usize])
    }
}

/// A pending timer: which journey of which contact, and the generation it was set in; linked
/// to the next timer of the same second.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    pub(super) contact: u32,
    next: u32,
    pub(super) generation: u16,
    pub(super) journey: u8,
}

const _: () = assert!(std::mem::size_of::<Entry>() == 12);

/// Seconds a [`Wheel`] reaches ahead: 2^19 s, about six days. (The limit's two journeys wait
/// at most three days, plus at most 11 hours of quiet hours.)
const SLOTS: i64 = 1 << 19;
const NIL: u32 = u32::MAX;

/// A timing wheel of one-second slots: each slot the list of the timers due in that second
/// (entries in one slab, linked), and a bitmap of the slots that have any, so that finding the
/// next due second skips 64 empty seconds a word.
pub(super) struct Wheel {
    /// The first entry of each slot's list (the last one set), or [`NIL`].
    heads: Vec<u32>,
    occupied: Vec<u64>,
    entries: Vec<Entry>,
    /// The first free entry, linked through `next`.
    free: u32,
    /// Every second before it has been fired; every pending timer is due in
    /// `cursor..cursor + SLOTS`.
    cursor: i64,
    /// Timers set and not yet taken (stale ones included).
    pub(super) pending: usize,
}

impl Wheel {
    pub(super) fn new() -> Wheel {
        Wheel {
            heads: vec![NIL; SLOTS as usize],
            occupied: vec![0; SLOTS as usize / 64],
            entries: Vec::new(),
            free: NIL,
            cursor: i64::MIN,
            pending: 0,
        }
    }

    pub(super) fn push(&mut self, due: i64, contact: u32, generation: u16, journey: u8) {
        if self.cursor == i64::MIN {
            self.cursor = due;
        }
        assert!(
            (0..SLOTS).contains(&(due - self.cursor)),
            "a timer due within the wheel's reach"
        );
        let slot = (due & (SLOTS - 1)) as usize;
        let entry = Entry {
            contact,
            next: self.heads[slot],
            generation,
            journey,
        };
        let index = if self.free == NIL {
            self.entries.push(entry);
            u32::try_from(self.entries.len() - 1).expect("fewer than 2^32 timers")
        } else {
            let index = self.free;
            self.free = self.entries[index as usize].next;
            self.entries[index as usize] = entry;
            index
        };
        self.heads[slot] = index;
        self.occupied[slot / 64] |= 1 << (slot % 64);
        self.pending += 1;
    }

    /// The earliest second at or before `now` with timers, if any; else moves past `now`.
    pub(super) fn next_due(&mut self, now: i64) -> Option<i64> {
        while self.cursor <= now && self.pending > 0 {
            let slot = (self.cursor & (SLOTS - 1)) as usize;
            let bits = self.occupied[slot / 64] >> (slot % 64);
            if bits != 0 {
                let second = self.cursor + i64::from(bits.trailing_zeros());
                if second > now {
                    break;
                }
                self.cursor = second;
                return Some(second);
            }
            self.cursor += 64 - (slot % 64) as i64;
        }
        self.cursor = now + 1;
        None
    }

    /// Takes the timers of `second` out, into `into`, in the order they were set.
    pub(super) fn take(&mut self, second: i64, into: &mut Vec<Entry>) {
        let slot = (second & (SLOTS - 1)) as usize;
        let mut at = std::mem::replace(&mut self.heads[slot], NIL);
        self.occupied[slot / 64] &= !(1 << (slot % 64));
        into.clear();
        while at != NIL {
            let entry = self.entries[at as usize];
            into.push(entry);
            self.entries[at as usize].next = self.free;
            self.free = at;
            at = entry.next;
        }
        into.reverse();
        self.pending -= into.len();
    }

    pub(super) fn bytes(&self) -> usize {
        self.heads.capacity() * 4
            + self.occupied.capacity() * 8
            + self.entries.capacity() * std::mem::size_of::<Entry>()
    }
}

/// Action JSON, written into one reused buffer.
pub(super) struct Out {
    pub(super) buf: Vec<u8>,
    /// Bytes handed on so far.
    pub(super) bytes: u64,
    /// The day last written and its `YYYY-MM-DDT`.
    day: (i64, [u8; 11]),
}

impl Out {
    pub(super) fn new() -> Out {
        Out {
            buf: Vec::with_capacity(FLUSH_AT + 1024),
            bytes: 0,
            day: (i64::MIN, [0; 11]),
        }
    }

    fn flush_if_full(&mut self) {
        if self.buf.len() >= FLUSH_AT {
            self.flush();
        }
    }

    pub(super) fn flush(&mut self) {
        self.bytes += self.buf.len() as u64;
        black_box(&self.buf);
        self.buf.clear();
    }

    /// `seconds` since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
    pub(super) fn instant(&mut self, seconds: i64) {
        let day = seconds.div_euclid(DAY);
        if day != self.day.0 {
            let (year, month, day_of_month) = workload::civil_from_days(day);
            let mut text = [0u8; 11];
            let _ = write!(
                &mut text[..],
                "{:04}-{month:02}-{day_of_month:02}T",
                year.clamp(0, 9999)
            );
            self.day = (day, text);
        }
        self.buf.extend_from_slice(&self.day.1);
        let time = seconds.rem_euclid(DAY);
        let two = |n: i64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        let (h, m, s) = (two(time / 3_600), two(time / 60 % 60), two(time % 60));
        self.buf
            .extend_from_slice(&[h[0], h[1], b':', m[0], m[1], b':', s[0], s[1], b'Z']);
    }

    /// `text` as the inside of a JSON string.
    pub(super) fn escaped(&mut self, text: &[u8]) {
        if !text.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20) {
            self.buf.extend_from_slice(text);
            return;
        }
        for &b in text {
            match b {
                b'"' => self.buf.extend_from_slice(b"\\\""),
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                0..0x20 => {
                    let _ = write!(self.buf, "\\u{b:04x}");
                }
                _ => self.buf.push(b),
            }
        }
    }

    /// `{"at":…,"contact":…,"journey":…,"action":"…"`, the start of every action.
    pub(super) fn head(&mut self, at: i64, id: &[u8], journey: &str, action: &str) {
        self.buf.extend_from_slice(b"{\"at\":\"");
        self.instant(at);
        self.buf.extend_from_slice(b"\",\"contact\":\"");
        self.escaped(id);
        self.buf.extend_from_slice(b"\",\"journey\":\"");
        self.buf.extend_from_slice(journey.as_bytes());
        self.buf.extend_from_slice(b"\",\"action\":\"");
        self.buf.extend_from_slice(action.as_bytes());
        self.buf.push(b'"');
    }

    /// A send's head up to its data: `…,"channel":…,"template":…,"data":`.
    pub(super) fn send(
        &mut self,
        at: i64,
        id: &[u8],
        journey: &str,
        consent: bool,
        channel: &str,
        template: &str,
    ) {
        self.head(at, id, journey, if consent { "send" } else { "suppressed" });
        self.buf.extend_from_slice(b",\"channel\":\"");
        self.buf.extend_from_slice(channel.as_bytes());
        self.buf.extend_from_slice(b"\",\"template\":\"");
        self.buf.extend_from_slice(template.as_bytes());
        self.buf.extend_from_slice(b"\",\"data\":");
    }

    /// The end of a send, after its data.
    pub(super) fn send_end(&mut self, consent: bool) {
        if !consent {
            self.buf.extend_from_slice(b",\"reason\":\"consent\"");
        }
        self.end();
    }

    pub(super) fn end(&mut self) {
        self.buf.extend_from_slice(b"}\n");
        self.flush_if_full();
    }
}
