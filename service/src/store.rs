//! The service's durable state under `--state DIR`: one redb database (`DIR/state.redb`) whose
//! every checkpoint is one write transaction, committed with fsync.
//!
//! A checkpoint writes the contacts changed since the one before (their bytes, keyed by contact
//! number), the run's shared state (timers, zones, strings, clock, counters) in one value, and
//! the positions of the source and sinks the run had reached. A crash before the commit leaves
//! the previous checkpoint whole; redb's own lock refuses a second service on the same
//! directory.

use std::fmt;
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

/// Contact number → the contact's bytes (`RunState::contact_bytes`).
const CONTACTS: TableDefinition<u32, &[u8]> = TableDefinition::new("contacts");
/// Name → value: the keys below.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

const POSITIONS: &str = "positions";
const SHARED: &str = "shared";
const PROGRAM: &str = "program";

/// The version of what this module writes around the engine's bytes.
const FORMAT: u32 = 1;

/// How far a run had got at a checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Positions {
    /// This file's format.
    pub format: u32,
    /// The program's fingerprint: a state is only resumed by the program that wrote it.
    pub fingerprint: u64,
    /// Input lines handled (the next line's number is one more).
    pub lines: u64,
    /// The source's byte offset after the last line handled, if it can seek.
    pub source: Option<u64>,
    /// The actions sink's length, if it can be cut back.
    pub actions: Option<u64>,
    /// The rejects sink's length, if it can be cut back.
    pub rejects: Option<u64>,
}

/// A checkpoint read back.
pub struct Restored {
    /// Where the run was.
    pub positions: Positions,
    /// The engine's shared state.
    pub shared: Vec<u8>,
}

/// Something the state directory could not do.
#[derive(Debug)]
pub struct StoreError {
    path: PathBuf,
    message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state {}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// The commit thread is gone (it panicked or was never started).
    pub(crate) fn stopped() -> StoreError {
        StoreError {
            path: PathBuf::new(),
            message: "the checkpoint thread stopped".to_owned(),
        }
    }
}

/// The state directory's database.
pub struct StateStore {
    db: Database,
    path: PathBuf,
}

impl StateStore {
    /// Opens (creating if needed) the state under `dir`.
    pub fn open(dir: &Path) -> Result<StateStore, StoreError> {
        let path = dir.join("state.redb");
        let fail = |message: String| StoreError {
            path: path.clone(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create it: {e}")))?;
        let db = Database::create(&path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => {
                fail("another `journey serve` is using it".to_owned())
            }
            other => fail(format!("cannot open it: {other}")),
        })?;
        Ok(StateStore { db, path })
    }

    fn error(&self, message: impl fmt::Display) -> StoreError {
        StoreError {
            path: self.path.clone(),
            message: message.to_string(),
        }
    }

    /// The last checkpoint, if there is one.
    pub fn restore(&self) -> Result<Option<Restored>, StoreError> {
        let read = self.db.begin_read().map_err(|e| self.error(e))?;
        let meta = match read.open_table(META) {
            Ok(meta) => meta,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.error(e)),
        };
        let get = |key: &str| -> Result<Option<Vec<u8>>, StoreError> {
            Ok(meta
                .get(key)
                .map_err(|e| self.error(e))?
                .map(|value| value.value().to_vec()))
        };
        let (Some(positions), Some(shared)) = (get(POSITIONS)?, get(SHARED)?) else {
            return Ok(None);
        };
        let positions: Positions = postcard::from_bytes(&positions)
            .map_err(|e| self.error(format!("unreadable checkpoint: {e}")))?;
        if positions.format != FORMAT {
            return Err(self.error(format!(
                "written in format {}, this `journey` reads format {FORMAT}",
                positions.format
            )));
        }
        Ok(Some(Restored { positions, shared }))
    }

    /// The source files of the program that wrote the state: `(name, text)` each.
    pub fn program(&self) -> Result<Option<Vec<(String, String)>>, StoreError> {
        let read = self.db.begin_read().map_err(|e| self.error(e))?;
        let meta = match read.open_table(META) {
            Ok(meta) => meta,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.error(e)),
        };
        let Some(bytes) = meta.get(PROGRAM).map_err(|e| self.error(e))? else {
            return Ok(None);
        };
        postcard::from_bytes(bytes.value())
            .map(Some)
            .map_err(|e| self.error(format!("unreadable program: {e}")))
    }

    /// Rewrites the database without the pages older checkpoints left, so that bytes no
    /// checkpoint names any more (an erased contact's) are gone from the file too.
    pub fn compact(&mut self) -> Result<(), StoreError> {
        self.db.compact().map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Hands every stored contact to `each`, by contact number.
    pub fn contacts(
        &self,
        mut each: impl FnMut(u32, &[u8]) -> Result<(), String>,
    ) -> Result<(), StoreError> {
        let read = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = match read.open_table(CONTACTS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(self.error(e)),
        };
        for entry in table.iter().map_err(|e| self.error(e))? {
            let (number, bytes) = entry.map_err(|e| self.error(e))?;
            each(number.value(), bytes.value()).map_err(|e| self.error(e))?;
        }
        Ok(())
    }

    /// Commits one checkpoint: the changed contacts, the shared state and the positions, all
    /// or nothing, and the program's source files when given. Returns the bytes written.
    pub fn commit(
        &self,
        positions: &Positions,
        shared: &[u8],
        changed: &[(u32, Vec<u8>)],
        program: Option<&[(String, String)]>,
    ) -> Result<u64, StoreError> {
        let program = program
            .map(postcard::to_stdvec)
            .transpose()
            .map_err(|e| self.error(e))?;
        let positions = Positions {
            format: FORMAT,
            ..positions.clone()
        };
        let positions = postcard::to_stdvec(&positions).map_err(|e| self.error(e))?;
        let write = self.db.begin_write().map_err(|e| self.error(e))?;
        let mut written = (positions.len() + shared.len()) as u64;
        {
            let mut contacts = write.open_table(CONTACTS).map_err(|e| self.error(e))?;
            for (number, bytes) in changed {
                contacts
                    .insert(number, bytes.as_slice())
                    .map_err(|e| self.error(e))?;
                written += bytes.len() as u64;
            }
            let mut meta = write.open_table(META).map_err(|e| self.error(e))?;
            meta.insert(SHARED, shared).map_err(|e| self.error(e))?;
            if let Some(program) = &program {
                meta.insert(PROGRAM, program.as_slice())
                    .map_err(|e| self.error(e))?;
                written += program.len() as u64;
            }
            meta.insert(POSITIONS, positions.as_slice())
                .map_err(|e| self.error(e))?;
        }
        write.commit().map_err(|e| self.error(e))?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_checkpoint_reads_back_whole_and_later_ones_replace_changed_contacts() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        assert!(store.restore().unwrap().is_none());
        let first = Positions {
            fingerprint: 7,
            lines: 3,
            source: Some(120),
            actions: Some(40),
            rejects: None,
            ..Positions::default()
        };
        store
            .commit(
                &first,
                b"shared-1",
                &[(0, b"a".to_vec()), (1, b"b".to_vec())],
                Some(&[("a.journey".to_owned(), "event x {}".to_owned())]),
            )
            .unwrap();
        let second = Positions {
            lines: 5,
            ..first.clone()
        };
        store
            .commit(&second, b"shared-2", &[(1, b"B".to_vec())], None)
            .unwrap();
        drop(store);

        let store = StateStore::open(dir.path()).unwrap();
        let restored = store.restore().unwrap().unwrap();
        assert_eq!(restored.positions.lines, 5);
        assert_eq!(restored.positions.format, FORMAT);
        assert_eq!(restored.shared, b"shared-2");
        let program = store.program().unwrap().unwrap();
        assert_eq!(program, [("a.journey".to_owned(), "event x {}".to_owned())]);
        let mut contacts = Vec::new();
        store
            .contacts(|number, bytes| {
                contacts.push((number, bytes.to_vec()));
                Ok(())
            })
            .unwrap();
        assert_eq!(contacts, vec![(0, b"a".to_vec()), (1, b"B".to_vec())]);
    }

    #[test]
    fn a_second_service_on_the_same_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _first = StateStore::open(dir.path()).unwrap();
        let second = StateStore::open(dir.path());
        assert!(second.is_err_and(|e| e.to_string().contains("another `journey serve`")));
    }
}
