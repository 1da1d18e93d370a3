//! One input partition's work: its engine (state, timers, clock), how far it has read and
//! written, and the sink that sends its actions and rejects to the same partition of the output
//! topics — skipping those a previous owner already wrote after the checkpoint it was restored
//! from, so that a replay writes nothing twice.

use std::collections::HashSet;
use std::io::Write as _;

use journey_ir::Program;
use journey_runtime::output::Action;
use journey_runtime::{Engine, Reject, Sink};

use super::changelog::Meta;
use super::produce::{Producing, ID_HEADER, LINE_HEADER};
use super::takeover::TakenOver;
use crate::metrics::OutputCounts;

/// Below this many changelog bytes, a partition's state is not written whole again.
const SNAPSHOT_FLOOR: u64 = 256 * 1024;

/// Outputs a previous owner wrote after the checkpoint: a replay does not write them again.
#[derive(Debug, Default)]
pub struct Written {
    /// Action ids.
    pub actions: HashSet<u128>,
    /// Reject lines (input offset plus one).
    pub rejects: HashSet<u64>,
}

/// One input partition owned by this worker.
pub struct Task<'p> {
    /// The partition.
    pub partition: i32,
    /// Its engine.
    pub engine: Engine<'p>,
    /// How far it has got, as its next checkpoint's meta record will say (the input offset
    /// to read next, records handled over every owner, the outputs' ends, the program's).
    pub meta: Meta,
    /// What the previous owner wrote after the checkpoint.
    pub written: Written,
    /// Whether the input was at its end when last polled.
    pub at_end: bool,
    /// Changelog bytes written since the last checkpoint that wrote every contact.
    pub since_snapshot: u64,
    /// The bytes that checkpoint wrote (0: none yet).
    pub snapshot_bytes: u64,
    /// Whether the next checkpoint writes the program's source files: the partition's first
    /// by this program, which a carried-over or torn state makes a whole one. (Every snapshot
    /// writes them too.)
    pub program_due: bool,
    /// The input offset of the last checkpoint.
    committed: Option<i64>,
    /// Whether outputs were written since the last checkpoint. A task whose input did not move
    /// and that wrote nothing is not written again: what its clock did since (the wall clock
    /// passing, timers that fired without output) a restore does again the same way.
    wrote: bool,
}

impl<'p> Task<'p> {
    /// A task over a taken-over partition, with the previous owner's later outputs.
    pub fn new(partition: i32, taken: TakenOver<'p>, written: Written) -> Task<'p> {
        let TakenOver {
            engine,
            meta,
            program_due,
            superseded_bytes,
            state_bytes,
        } = taken;
        Task {
            partition,
            engine,
            committed: meta.input_next,
            meta,
            written,
            at_end: false,
            // What the restore read beyond the state counts as written since the last
            // snapshot: a changelog grown past twice its state is written whole again by the
            // first checkpoint, however many owners wrote it.
            since_snapshot: superseded_bytes,
            snapshot_bytes: state_bytes,
            program_due,
            wrote: false,
        }
    }

    /// Whether anything moved since the last checkpoint (or the partition's first by this
    /// program is still to be written).
    pub fn moved(&self) -> bool {
        self.wrote || self.committed != self.meta.input_next || self.program_due
    }

    /// Whether the next checkpoint should write every contact: once the changelog has grown by
    /// as much as a whole state since the last such checkpoint, so that restoring a partition
    /// reads at most about twice its state, whatever the broker's compaction or retention
    /// left of what came before.
    pub fn snapshot_due(&self) -> bool {
        self.since_snapshot > self.snapshot_bytes.max(SNAPSHOT_FLOOR)
    }

    /// Records that a checkpoint took the task as it is now.
    pub fn checkpointed(&mut self) {
        self.committed = self.meta.input_next;
        self.wrote = false;
        self.program_due = false;
    }

    /// Handles the input record at `offset`.
    pub fn handle(
        &mut self,
        offset: i64,
        value: &[u8],
        out: &Producing,
        counts: &mut OutputCounts,
    ) -> Result<(), String> {
        self.meta.lines += 1;
        self.meta.input_next = Some(offset + 1);
        self.at_end = false;
        let mut sink = PartitionSink::new(out, self.partition, &mut self.written, counts);
        let line = journey_runtime::input::strip_terminator(value);
        self.engine
            .handle_line(u64::try_from(offset + 1).unwrap_or(0), line, &mut sink);
        self.wrote |= sink.wrote;
        sink.finish()
    }

    /// Moves the clock to `now` (wall clock), firing the timers due.
    pub fn advance(
        &mut self,
        now: i64,
        max_future: i64,
        out: &Producing,
        counts: &mut OutputCounts,
    ) -> Result<(), String> {
        self.engine.set_horizon(Some((now, max_future)));
        let mut sink = PartitionSink::new(out, self.partition, &mut self.written, counts);
        self.engine.advance(now, &mut sink);
        self.wrote |= sink.wrote;
        sink.finish()
    }

    /// Ends the input (`--stop-at-end`): the timers due by the clock fire.
    pub fn finish(&mut self, out: &Producing, counts: &mut OutputCounts) -> Result<(), String> {
        let mut sink = PartitionSink::new(out, self.partition, &mut self.written, counts);
        self.engine.finish(None, &mut sink);
        self.wrote |= sink.wrote;
        sink.finish()
    }
}

/// The engine's sink for one partition: records to the same partition of the output topics.
struct PartitionSink<'a> {
    out: &'a Producing,
    partition: i32,
    written: &'a mut Written,
    counts: &'a mut OutputCounts,
    line: String,
    error: Option<String>,
    /// Whether anything went out (or was found written already).
    wrote: bool,
}

impl<'a> PartitionSink<'a> {
    fn new(
        out: &'a Producing,
        partition: i32,
        written: &'a mut Written,
        counts: &'a mut OutputCounts,
    ) -> Self {
        PartitionSink {
            out,
            partition,
            written,
            counts,
            line: String::new(),
            error: None,
            wrote: false,
        }
    }

    fn finish(self) -> Result<(), String> {
        self.error.map_or(Ok(()), Err)
    }
}

impl Sink for PartitionSink<'_> {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.wrote = true;
        if !self.written.actions.is_empty() && self.written.actions.remove(&action.id) {
            return;
        }
        self.counts.action(action.journey, action.kind.index());
        self.line.clear();
        action.write_json(program, &mut self.line);
        let id = format!("{:032x}", action.id);
        let sent = self.out.send(
            &self.out.actions,
            self.partition,
            action.contact.as_bytes(),
            self.line.as_bytes(),
            Some((ID_HEADER, id.as_bytes())),
        );
        if let Err(error) = sent {
            self.error.get_or_insert(error);
        }
    }

    fn reject(&mut self, reject: &Reject) {
        self.wrote = true;
        if !self.written.rejects.is_empty() && self.written.rejects.remove(&reject.line) {
            return;
        }
        self.counts.reject(reject.reason.code());
        let sent = match &self.out.rejects {
            Some(topic) => {
                let line = reject.line.to_string();
                self.out.send(
                    topic,
                    self.partition,
                    b"",
                    reject.to_json().as_bytes(),
                    Some((LINE_HEADER, line.as_bytes())),
                )
            }
            None => writeln!(
                std::io::stderr(),
                "rejected record {} of partition {} ({}): {}",
                reject.line - 1,
                self.partition,
                reject.reason.code(),
                reject.reason
            )
            .map_err(|e| e.to_string()),
        };
        if let Err(error) = sent {
            self.error.get_or_insert(error);
        }
    }
}
