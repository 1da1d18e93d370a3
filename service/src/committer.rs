//! Checkpoint commits on a thread of their own: the loop hands over a checkpoint's bytes and
//! goes on reading input while the state store writes and fsyncs them, so the engine's thread
//! pays only for taking the checkpoint, not for storing it.
//!
//! One commit is in flight at most: a checkpoint waits for the one before it, so checkpoints
//! commit in order and a crash leaves the last whole one. The outputs a checkpoint names are
//! made durable before it is handed over.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::store::{Positions, StateStore, StoreError};

/// One checkpoint to commit.
pub struct Job {
    /// The positions reached.
    pub positions: Positions,
    /// What contacts share.
    pub shared: Vec<u8>,
    /// The changed contacts.
    pub changed: Vec<(u32, Vec<u8>)>,
    /// The program's source files, when they are to be stored.
    pub program: Option<Vec<(String, String)>>,
}

/// A commit done.
#[derive(Clone, Copy, Debug)]
pub struct Committed {
    /// Bytes written.
    pub bytes: u64,
    /// Contacts written.
    pub contacts: usize,
    /// The source position the checkpoint holds.
    pub source: Option<u64>,
    /// How long the store took.
    pub took: Duration,
}

/// The commit thread.
pub struct Committer {
    jobs: Option<SyncSender<Job>>,
    results: Receiver<Result<Committed, StoreError>>,
    in_flight: bool,
    worker: Option<JoinHandle<()>>,
}

impl Committer {
    /// Commits into `store` from now on.
    pub fn start(store: StateStore) -> Committer {
        let (jobs, inbox) = sync_channel::<Job>(1);
        let (outbox, results) = sync_channel(1);
        let worker = std::thread::spawn(move || {
            for job in inbox {
                let started = Instant::now();
                let result = store
                    .commit(
                        &job.positions,
                        &job.shared,
                        &job.changed,
                        job.program.as_deref(),
                    )
                    .map(|bytes| Committed {
                        bytes,
                        contacts: job.changed.len(),
                        source: job.positions.source,
                        took: started.elapsed(),
                    });
                if outbox.send(result).is_err() {
                    return;
                }
            }
        });
        Committer {
            jobs: Some(jobs),
            results,
            in_flight: false,
            worker: Some(worker),
        }
    }

    /// Waits for the commit in flight, if any; what it did.
    pub fn wait(&mut self) -> Result<Option<Committed>, StoreError> {
        if !self.in_flight {
            return Ok(None);
        }
        self.in_flight = false;
        match self.results.recv() {
            Ok(result) => result.map(Some),
            Err(_) => Err(StoreError::stopped()),
        }
    }

    /// Whether no commit is in flight, collecting the one that just finished (what it did).
    pub fn idle(&mut self) -> Result<(bool, Option<Committed>), StoreError> {
        if !self.in_flight {
            return Ok((true, None));
        }
        match self.results.try_recv() {
            Ok(result) => {
                self.in_flight = false;
                result.map(|committed| (true, Some(committed)))
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => Ok((false, None)),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => Err(StoreError::stopped()),
        }
    }

    /// Hands `job` over once the commit before it is done; what that one did.
    pub fn submit(&mut self, job: Job) -> Result<Option<Committed>, StoreError> {
        let previous = self.wait()?;
        let jobs = self.jobs.as_ref().ok_or_else(StoreError::stopped)?;
        jobs.send(job).map_err(|_| StoreError::stopped())?;
        self.in_flight = true;
        Ok(previous)
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        // Closing the channel ends the thread once its commit in hand is done.
        self.jobs = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}
