//! The engine thread of a Kafka worker: one [`Task`] per input partition it owns, fed by the
//! consumer thread's [`Work`], checkpointed every `--checkpoint-every` in one transaction that
//! commits the outputs written since the last one, each moved partition's changelog records and
//! the input offsets reached.

use std::collections::BTreeMap;
use std::time::Instant;

use journey_ir::eval::Evaluator;
use journey_ir::Program;
use journey_runtime::migrate::OnChange;
use journey_runtime::Options;
use rdkafka::consumer::ConsumerGroupMetadata;
use rdkafka::producer::Producer;
use rdkafka::{Offset, TopicPartitionList};

use super::changelog::{encode_meta, Key, Meta, CHUNK_BYTES};
use super::group::{Batch, Offsets};
use super::produce::{Producing, Stream, TRANSACTION_TIMEOUT};
use super::restore::Restorer;
use super::takeover;
use super::task::Task;
use crate::metrics::OutputCounts;

/// The read-only tables every task is made from.
pub struct Tables<'p> {
    /// The program.
    pub program: &'p Program,
    /// Its evaluator.
    pub evaluator: &'p dyn Evaluator,
    /// The engine's options.
    pub options: Options,
    /// The program's fingerprint, kept in every checkpoint.
    pub fingerprint: u64,
    /// The program's source files as the changelog keeps them, for a later program to carry
    /// its state over from.
    pub program_record: Vec<u8>,
    /// What carrying a state over to this program does with a journey whose steps changed.
    pub on_change: OnChange,
    /// When this worker started (Unix seconds): a state carried over by a worker started
    /// later is not carried back.
    pub started_at: i64,
    /// The input topic.
    pub input: String,
}

/// The partitions this worker owns, and the clients that read and write for them.
pub struct Worker<'p> {
    /// The owned partitions' tasks.
    pub tasks: BTreeMap<i32, Task<'p>>,
    /// The transactional producer.
    pub producing: Producing,
    restorer: Restorer,
    /// The group's generation as last seen, for the transactions' offsets.
    group: Option<ConsumerGroupMetadata>,
    /// Transactions committed.
    pub checkpoints: u64,
    /// What went out, by kind, for the metrics.
    pub counts: OutputCounts,
    /// How long the last checkpoint took, and the changelog bytes it wrote.
    pub last_checkpoint: (f64, u64),
    /// Whether a partition it was assigned had been carried over to another program by a
    /// worker started after this one: this worker runs a program that has been replaced.
    pub replaced: bool,
}

impl<'p> Worker<'p> {
    /// A worker with no partitions yet.
    pub fn new(producing: Producing, restorer: Restorer) -> Worker<'p> {
        Worker {
            tasks: BTreeMap::new(),
            producing,
            restorer,
            group: None,
            checkpoints: 0,
            counts: OutputCounts::default(),
            last_checkpoint: (0.0, 0),
            replaced: false,
        }
    }

    /// Hands input records to their partitions' tasks.
    pub fn records(&mut self, batch: &Batch) -> Result<(), String> {
        for (partition, offset, value) in batch.iter() {
            // A partition revoked meanwhile, or a record before the checkpoint's offset.
            let Some(task) = self.tasks.get_mut(&partition) else {
                continue;
            };
            if task.meta.input_next.is_some_and(|next| offset < next) {
                continue;
            }
            task.handle(offset, value, &self.producing, &mut self.counts)?;
        }
        Ok(())
    }

    /// Restores newly assigned partitions; where each is to be read from.
    pub fn assign(
        &mut self,
        tables: &Tables<'p>,
        partitions: &[i32],
        group: Option<ConsumerGroupMetadata>,
    ) -> Offsets {
        if group.is_some() {
            self.group = group;
        }
        let tasks = self.restore(tables, partitions)?;
        let offsets = tasks
            .iter()
            .map(|t| (t.partition, t.meta.input_next))
            .collect();
        for task in tasks {
            self.tasks.insert(task.partition, task);
        }
        Ok(offsets)
    }

    /// Checkpoints, then lets revoked partitions go. Lost ones cannot be committed any more:
    /// the worker ends, and its restart restores them from the changelog.
    pub fn revoke(
        &mut self,
        tables: &Tables<'p>,
        partitions: &[i32],
        lost: bool,
        group: Option<ConsumerGroupMetadata>,
    ) -> Result<(), String> {
        if lost {
            return Err(format!(
                "this worker lost partitions {partitions:?} of `{}` (the group went on without \
                 it: it was stalled past `max.poll.interval.ms` or `session.timeout.ms`); \
                 what it wrote since its last checkpoint is aborted, and a restart restores \
                 them from the changelog",
                tables.input
            ));
        }
        if group.is_some() {
            self.group = group;
        }
        self.commit(tables)?;
        for partition in partitions {
            self.tasks.remove(partition);
        }
        if !partitions.is_empty() {
            tracing::info!(?partitions, "partitions handed over");
        }
        Ok(())
    }

    /// The partitions' tasks, each from its last whole checkpoint in the changelog (or empty),
    /// with what a previous owner wrote after it.
    fn restore(
        &mut self,
        tables: &Tables<'p>,
        partitions: &[i32],
    ) -> Result<Vec<Task<'p>>, String> {
        let started = Instant::now();
        let checkpoints = self.restorer.checkpoints(partitions)?;
        let newer = checkpoints.iter().find(|(_, checkpoint)| {
            checkpoint
                .as_ref()
                .is_some_and(|state| takeover::replaced(tables, &state.meta))
        });
        if let Some((partition, _)) = newer {
            self.replaced = true;
            return Err(takeover::replaced_message(*partition));
        }
        let mut restored = Vec::new();
        for (partition, checkpoint) in checkpoints {
            restored.push((partition, takeover::engine(tables, partition, checkpoint)?));
        }
        let metas: Vec<(i32, &Meta)> = restored.iter().map(|(p, t)| (*p, &t.meta)).collect();
        let mut written = self.restorer.written(&metas)?;
        let tasks: Vec<Task<'p>> = restored
            .into_iter()
            .map(|(partition, taken)| {
                let written = written.remove(&partition).unwrap_or_default();
                tracing::info!(
                    partition,
                    contacts = taken.engine.state().contacts.len(),
                    offset = taken.meta.input_next,
                    written_after = written.actions.len() + written.rejects.len(),
                    "partition restored"
                );
                Task::new(partition, taken, written)
            })
            .collect();
        tracing::info!(
            partitions = tasks.len(),
            millis = started.elapsed().as_millis() as u64,
            "restored"
        );
        Ok(tasks)
    }

    /// Commits one transaction: the outputs sent since the last, every moved partition's
    /// changelog records (changed contacts, shared state, meta last), and the input offsets.
    pub fn commit(&mut self, tables: &Tables<'p>) -> Result<(), String> {
        if !self.tasks.values().any(Task::moved) {
            return Ok(());
        }
        tracing::debug!("checkpoint begins");
        let started = Instant::now();
        let mut total_bytes = 0;
        // Every output delivered first: their partitions' ends go into the meta records.
        self.producing.flush()?;
        let mut offsets = TopicPartitionList::new();
        for task in self.tasks.values_mut() {
            if let Some(next) = task.meta.input_next {
                offsets
                    .add_partition_offset(&tables.input, task.partition, Offset::Offset(next))
                    .map_err(|e| e.to_string())?;
            }
            if !task.moved() {
                continue;
            }
            let p = task.partition;
            let out = &self.producing;
            task.meta.actions_end = out
                .end(Stream::Actions, p)
                .unwrap_or(0)
                .max(task.meta.actions_end);
            task.meta.rejects_end = out
                .end(Stream::Rejects, p)
                .unwrap_or(0)
                .max(task.meta.rejects_end);
            let snapshot = task.snapshot_due();
            if snapshot {
                task.engine.mark_all_changed();
            }
            let checkpoint = task.engine.checkpoint()?;
            let mut bytes_written = checkpoint.shared.len() as u64;
            for (number, bytes) in &checkpoint.changed {
                let key = Key::Contact(*number).bytes();
                out.send(&out.changelog, p, &key, bytes, None)?;
                bytes_written += bytes.len() as u64;
            }
            let mut chunks = 0;
            for (index, chunk) in checkpoint.shared.chunks(CHUNK_BYTES).enumerate() {
                let key = Key::Chunk(index as u32).bytes();
                out.send(&out.changelog, p, &key, chunk, None)?;
                chunks += 1;
            }
            // A snapshot carries the program too: a restore needs nothing written before the
            // latest snapshot, which is all a size-bounded changelog is sure to keep.
            if task.program_due || snapshot {
                let mut program_chunks = 0;
                for (index, chunk) in tables.program_record.chunks(CHUNK_BYTES).enumerate() {
                    let key = Key::ProgramChunk(index as u32).bytes();
                    out.send(&out.changelog, p, &key, chunk, None)?;
                    program_chunks += 1;
                }
                task.meta.program_chunks = program_chunks;
                bytes_written += tables.program_record.len() as u64;
            }
            total_bytes += bytes_written;
            if snapshot {
                task.snapshot_bytes = bytes_written;
                task.since_snapshot = 0;
            } else {
                task.since_snapshot += bytes_written;
            }
            task.meta.chunks = chunks;
            out.send(
                &out.changelog,
                p,
                &Key::Meta.bytes(),
                &encode_meta(&task.meta)?,
                None,
            )?;
            task.checkpointed();
        }
        let producer = self.producing.producer();
        if let Some(group) = &self.group {
            if offsets.count() > 0 {
                producer
                    .send_offsets_to_transaction(&offsets, group, TRANSACTION_TIMEOUT)
                    .map_err(|e| format!("cannot add the input offsets to the transaction: {e}"))?;
            }
        }
        producer
            .commit_transaction(TRANSACTION_TIMEOUT)
            .map_err(|e| format!("the Kafka transaction could not be committed: {e}"))?;
        producer
            .begin_transaction()
            .map_err(|e| format!("cannot begin a Kafka transaction: {e}"))?;
        self.checkpoints += 1;
        self.last_checkpoint = (started.elapsed().as_secs_f64(), total_bytes);
        tracing::debug!(
            bytes = total_bytes,
            millis = started.elapsed().as_millis() as u64,
            "checkpoint committed"
        );
        Ok(())
    }
}
