//! The changelog's records: a partition's checkpoint as keyed records in the same partition of
//! the group's changelog topic (compacted), and the fold that rebuilds the last *whole*
//! checkpoint from them.
//!
//! A checkpoint writes each changed contact (`c` + number), the shared state in chunks (`s` +
//! index, under the brokers' record size limit), the source files of the program that wrote the
//! state in chunks too (`p` + index; in the first checkpoint a program writes of the
//! partition and in every checkpoint that writes every contact, so that a changelog cut short
//! by size still holds them after its last such checkpoint) and, last, the [`Meta`] record
//! (`m`), which says how far the input and outputs had got. Reading a partition in order, records count only
//! once a meta record follows them: the tail of a checkpoint cut short (a worker killed in the
//! middle, a transaction aborted on a broker that still shows it) is never restored half. Its
//! records would count once the next owner's meta record follows them, so that owner writes
//! every contact in its first checkpoint ([`PartitionState::torn`]), and a contact numbered past
//! the state's count is passed over.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// This changelog format.
const FORMAT: u32 = 1;

/// The largest chunk of the shared state in one record, well under Kafka's default 1 MB.
pub const CHUNK_BYTES: usize = 512 * 1024;

/// How far a partition had got at a checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// This changelog format.
    pub format: u32,
    /// The fingerprint of the program that wrote it.
    pub fingerprint: u64,
    /// The input offset to read next (`None`: the partition's beginning).
    pub input_next: Option<i64>,
    /// Input records handled.
    pub lines: u64,
    /// The actions partition's end when the checkpoint was taken: what a worker wrote after it
    /// starts there.
    pub actions_end: i64,
    /// The same for the rejects partition.
    pub rejects_end: i64,
    /// How many chunks the shared state has.
    pub chunks: u32,
    /// How many chunks the program's source files have (0: none written yet).
    pub program_chunks: u32,
    /// When (Unix seconds) the worker that first wrote this program's state of the partition
    /// started: a worker started before then runs a program this one replaced, and must not
    /// carry the state back to it.
    pub program_since: i64,
}

impl Meta {
    /// A meta record for a checkpoint of the program with `fingerprint`.
    pub fn new(fingerprint: u64) -> Meta {
        Meta {
            format: FORMAT,
            fingerprint,
            ..Meta::default()
        }
    }
}

/// A record's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A contact's bytes, by number.
    Contact(u32),
    /// A chunk of the shared state, by index.
    Chunk(u32),
    /// A chunk of the program's source files, by index.
    ProgramChunk(u32),
    /// The checkpoint's meta record.
    Meta,
}

impl Key {
    /// The key's bytes.
    pub fn bytes(self) -> Vec<u8> {
        match self {
            Key::Contact(number) => tagged(b'c', number),
            Key::Chunk(index) => tagged(b's', index),
            Key::ProgramChunk(index) => tagged(b'p', index),
            Key::Meta => vec![b'm'],
        }
    }

    /// Reads a key; `None` for bytes no worker writes.
    pub fn parse(bytes: &[u8]) -> Option<Key> {
        match bytes {
            [b'm'] => Some(Key::Meta),
            [tag, number @ ..] => {
                let number = u32::from_be_bytes(number.try_into().ok()?);
                match tag {
                    b'c' => Some(Key::Contact(number)),
                    b's' => Some(Key::Chunk(number)),
                    b'p' => Some(Key::ProgramChunk(number)),
                    _ => None,
                }
            }
            [] => None,
        }
    }
}

fn tagged(tag: u8, number: u32) -> Vec<u8> {
    let mut key = vec![tag];
    key.extend_from_slice(&number.to_be_bytes());
    key
}

/// The meta record's bytes.
pub fn encode_meta(meta: &Meta) -> Result<Vec<u8>, String> {
    postcard::to_stdvec(meta).map_err(|e| format!("the checkpoint's meta cannot be written: {e}"))
}

/// The program's source files, `(name, text)` each, as the changelog keeps them.
pub fn encode_program(files: &[(String, String)]) -> Result<Vec<u8>, String> {
    postcard::to_stdvec(files).map_err(|e| format!("the program cannot be written: {e}"))
}

/// The program's source files from their changelog bytes.
pub fn decode_program(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    postcard::from_bytes(bytes)
        .map_err(|e| format!("the program kept with the state is unreadable: {e}"))
}

/// A partition's last whole checkpoint.
#[derive(Debug, Default)]
pub struct PartitionState {
    /// How far it had got.
    pub meta: Meta,
    /// The shared state, its chunks joined.
    pub shared: Vec<u8>,
    /// The program's source files as [`encode_program`] wrote them, chunks joined (empty when
    /// none were written).
    pub program: Vec<u8>,
    /// Every contact's bytes, by number (numbers past the shared state's count are a dead
    /// writer's and are passed over).
    pub contacts: BTreeMap<u32, Vec<u8>>,
    /// Whether records follow the last meta record: a checkpoint cut short, whose records a
    /// later checkpoint must write over (on a broker that shows them).
    pub torn: bool,
    /// The changelog bytes (keys and values) read to rebuild it.
    pub read_bytes: u64,
}

impl PartitionState {
    /// The bytes of the state itself: contacts, shared state and program.
    pub fn state_bytes(&self) -> u64 {
        let contacts: usize = self.contacts.values().map(Vec::len).sum();
        (contacts + self.shared.len() + self.program.len()) as u64
    }
}

/// Rebuilds a partition's last whole checkpoint from its changelog records, read in order.
#[derive(Default)]
pub struct Fold {
    meta: Option<Meta>,
    contacts: BTreeMap<u32, Vec<u8>>,
    chunks: BTreeMap<u32, Vec<u8>>,
    program_chunks: BTreeMap<u32, Vec<u8>>,
    pending_contacts: Vec<(u32, Vec<u8>)>,
    pending_chunks: Vec<(u32, Vec<u8>)>,
    pending_program_chunks: Vec<(u32, Vec<u8>)>,
    read_bytes: u64,
}

impl Fold {
    /// Takes the next record; a meta record makes the records before it count.
    pub fn record(&mut self, key: &[u8], value: &[u8]) -> Result<(), String> {
        self.read_bytes += (key.len() + value.len()) as u64;
        match Key::parse(key) {
            Some(Key::Contact(number)) => self.pending_contacts.push((number, value.to_vec())),
            Some(Key::Chunk(index)) => self.pending_chunks.push((index, value.to_vec())),
            Some(Key::ProgramChunk(index)) => {
                self.pending_program_chunks.push((index, value.to_vec()));
            }
            Some(Key::Meta) => {
                let meta: Meta = postcard::from_bytes(value)
                    .map_err(|e| format!("a checkpoint's meta record is unreadable: {e}"))?;
                if meta.format != FORMAT {
                    return Err(format!(
                        "the changelog has format {}, this `journey` reads format {FORMAT}",
                        meta.format
                    ));
                }
                self.contacts.extend(self.pending_contacts.drain(..));
                self.chunks.extend(self.pending_chunks.drain(..));
                self.program_chunks
                    .extend(self.pending_program_chunks.drain(..));
                self.meta = Some(meta);
            }
            None => return Err(format!("a changelog record has the unknown key {key:?}")),
        }
        Ok(())
    }

    /// The last whole checkpoint, or `None` when the partition has none.
    pub fn finish(self) -> Result<Option<PartitionState>, String> {
        let Some(meta) = self.meta else {
            return Ok(None);
        };
        let shared = joined(&self.chunks, meta.chunks, "the checkpoint's shared state")?;
        let program = joined(
            &self.program_chunks,
            meta.program_chunks,
            "the program kept with the state",
        )?;
        Ok(Some(PartitionState {
            torn: !self.pending_contacts.is_empty()
                || !self.pending_chunks.is_empty()
                || !self.pending_program_chunks.is_empty(),
            meta,
            shared,
            program,
            contacts: self.contacts,
            read_bytes: self.read_bytes,
        }))
    }
}

/// Chunks `0..count` joined.
fn joined(chunks: &BTreeMap<u32, Vec<u8>>, count: u32, what: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    for index in 0..count {
        let chunk = chunks
            .get(&index)
            .ok_or_else(|| format!("the changelog lacks chunk {index} of {what}"))?;
        bytes.extend_from_slice(chunk);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(chunks: u32, input_next: i64) -> Vec<u8> {
        let meta = Meta {
            chunks,
            program_chunks: 1,
            input_next: Some(input_next),
            ..Meta::new(7)
        };
        encode_meta(&meta).unwrap_or_default()
    }

    #[test]
    fn only_records_followed_by_a_meta_record_are_restored() {
        let mut fold = Fold::default();
        let records: Vec<(Key, Vec<u8>)> = vec![
            (Key::Contact(0), b"a0".to_vec()),
            (Key::Chunk(0), b"s0".to_vec()),
            (Key::ProgramChunk(0), b"P".to_vec()),
            (Key::Meta, meta(1, 10)),
            (Key::Contact(1), b"b1".to_vec()),
            (Key::Contact(0), b"a1".to_vec()),
            (Key::Chunk(0), b"S".to_vec()),
            (Key::Chunk(1), b"S".to_vec()),
            (Key::Meta, meta(2, 20)),
            // A checkpoint cut short: no meta record follows.
            (Key::Contact(0), b"torn".to_vec()),
            (Key::Chunk(0), b"torn".to_vec()),
            (Key::ProgramChunk(0), b"torn".to_vec()),
        ];
        for (key, value) in &records {
            assert_eq!(fold.record(&key.bytes(), value), Ok(()));
        }
        let state = fold.finish().ok().flatten();
        let state = state.as_ref();
        assert_eq!(state.map(|s| s.meta.input_next), Some(Some(20)));
        assert_eq!(state.map(|s| s.shared.as_slice()), Some(&b"SS"[..]));
        // The program's chunks, written once, count for every later checkpoint.
        assert_eq!(state.map(|s| s.program.as_slice()), Some(&b"P"[..]));
        let contacts: Vec<(u32, &[u8])> = state
            .map(|s| s.contacts.iter().map(|(n, b)| (*n, b.as_slice())).collect())
            .unwrap_or_default();
        assert_eq!(contacts, vec![(0, &b"a1"[..]), (1, &b"b1"[..])]);
        assert_eq!(state.map(|s| s.torn), Some(true));
    }

    #[test]
    fn a_partition_without_a_whole_checkpoint_restores_nothing() {
        let mut fold = Fold::default();
        assert_eq!(fold.record(&Key::Contact(3).bytes(), b"x"), Ok(()));
        assert!(fold.finish().is_ok_and(|state| state.is_none()));
        assert_eq!(
            Key::parse(&Key::Contact(258).bytes()),
            Some(Key::Contact(258))
        );
        assert_eq!(
            Key::parse(&Key::ProgramChunk(2).bytes()),
            Some(Key::ProgramChunk(2))
        );
        assert_eq!(Key::parse(b"zzzzz"), None);
        let files = vec![("a.journey".to_owned(), "event e {}".to_owned())];
        let bytes = encode_program(&files).unwrap_or_default();
        assert_eq!(decode_program(&bytes), Ok(files));
        let mut fold = Fold::default();
        assert!(fold.record(b"?", b"").is_err());
    }
}
