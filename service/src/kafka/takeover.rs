//! A partition's engine from the checkpoint its new owner read back: empty, resumed as it is,
//! written over whole when its changelog holds a checkpoint cut short, or carried over to this
//! worker's program when another program wrote it (`docs/reference.md` §8, "A changed program on
//! Kafka"). [`replaced`] tells the worker when it runs a program the state's own replaced, so
//! that it steps aside instead.

use journey_runtime::migrate;
use journey_runtime::{Engine, RunState};

use super::changelog::{decode_program, Meta, PartitionState};
use super::worker::Tables;

/// A partition's engine and the checkpoint it starts from.
pub struct TakenOver<'p> {
    /// The engine, tracking changes.
    pub engine: Engine<'p>,
    /// How far the checkpoint had got; the program fields say this worker's program.
    pub meta: Meta,
    /// Whether the next checkpoint writes the program's source files (and every contact, when
    /// the state is carried over or written over).
    pub program_due: bool,
    /// The changelog bytes the restore read beyond the state itself: what checkpoints since
    /// the last one that wrote every contact have superseded.
    pub superseded_bytes: u64,
    /// The bytes of the state read back.
    pub state_bytes: u64,
}

/// The engine of `partition` from its last whole `checkpoint` (none: a fresh partition).
pub fn engine<'p>(
    tables: &Tables<'p>,
    partition: i32,
    checkpoint: Option<PartitionState>,
) -> Result<TakenOver<'p>, String> {
    let Some(state) = checkpoint else {
        let mut engine = Engine::new(tables.program, tables.evaluator, tables.options);
        engine.track_changes();
        return Ok(TakenOver {
            engine,
            meta: Meta {
                program_since: tables.started_at,
                ..Meta::new(tables.fingerprint)
            },
            program_due: true,
            superseded_bytes: 0,
            state_bytes: 0,
        });
    };
    if state.meta.fingerprint != tables.fingerprint {
        return carry_over(tables, partition, state);
    }
    let meta = state.meta.clone();
    let torn = state.torn;
    let (superseded_bytes, state_bytes) = sizes(&state);
    let run_state = run_state(&state).map_err(|e| not_whole(partition, &e))?;
    let mut engine =
        Engine::from_state(tables.program, tables.evaluator, tables.options, run_state)
            .map_err(|e| not_whole(partition, &e))?;
    engine.track_changes();
    if torn {
        engine.mark_all_changed();
        tracing::info!(partition, "a checkpoint cut short is written over");
    }
    Ok(TakenOver {
        engine,
        // A torn tail may hold another writer's program chunks: they are written again.
        program_due: torn || meta.program_chunks == 0,
        meta,
        superseded_bytes,
        state_bytes,
    })
}

/// Whether a checkpoint was carried over to another program by a worker started after this
/// one: this worker runs the program it replaced, and must not carry it back.
pub fn replaced(tables: &Tables<'_>, meta: &Meta) -> bool {
    meta.fingerprint != tables.fingerprint && tables.started_at < meta.program_since
}

/// What a worker whose program was replaced says.
pub fn replaced_message(partition: i32) -> String {
    format!(
        "partition {partition}'s state was carried over to another program by a worker started \
         after this one: this worker runs a program that has been replaced, so it hands its \
         partitions back and waits to be restarted with the program the group now runs"
    )
}

/// The checkpoint's state, as the engine reads it.
fn run_state(state: &PartitionState) -> Result<RunState, String> {
    let mut restoring = RunState::restoring(&state.shared)?;
    let expected = restoring.expected();
    for (number, bytes) in state.contacts.range(..expected) {
        restoring.contact(*number, bytes)?;
    }
    restoring.finish()
}

fn not_whole(partition: i32, error: &str) -> String {
    format!(
        "partition {partition}'s changelog does not hold a whole state ({error}): the changelog \
         topic must be compacted (`cleanup.policy=compact`), never cut by retention"
    )
}

/// Carries a checkpoint written by another program over to this worker's, as a restart of
/// `journey serve` with a changed program does.
fn carry_over<'p>(
    tables: &Tables<'p>,
    partition: i32,
    state: PartitionState,
) -> Result<TakenOver<'p>, String> {
    let files = decode_program(&state.program)?;
    if files.is_empty() {
        return Err(format!(
            "partition {partition}'s checkpoint was written by another program, which the \
             changelog does not keep: run the program that wrote it, or a new group"
        ));
    }
    let old = crate::program::compile(files)?;
    let (superseded_bytes, state_bytes) = sizes(&state);
    let run_state = run_state(&state).map_err(|e| not_whole(partition, &e))?;
    let migrated = migrate::migrate(&old, run_state, tables.program, tables.on_change)?;
    crate::resume::log_report(&migrated.report);
    if migrated.report.refused() {
        let names: Vec<String> = migrated
            .report
            .changed_journeys()
            .iter()
            .map(|name| format!("`{name}`"))
            .collect();
        return Err(format!(
            "the steps of {} changed since partition {partition}'s state was written; restart \
             the workers with `--on-change exit` (their contacts leave) or `--on-change keep` \
             (contacts stay at the same step where it is still the same kind of step)",
            names.join(", ")
        ));
    }
    let mut engine = Engine::from_state(
        tables.program,
        tables.evaluator,
        tables.options,
        migrated.state,
    )?;
    engine.arm_entries(&migrated.to_arm);
    engine.track_changes();
    engine.mark_all_changed();
    tracing::warn!(
        partition,
        contacts = engine.state().contacts.len(),
        "state carried over to a changed program"
    );
    Ok(TakenOver {
        engine,
        meta: Meta {
            fingerprint: tables.fingerprint,
            program_since: tables.started_at,
            program_chunks: 0,
            ..state.meta
        },
        program_due: true,
        superseded_bytes,
        state_bytes,
    })
}

/// The changelog bytes a restore read beyond the state, and the state's own.
fn sizes(state: &PartitionState) -> (u64, u64) {
    let state_bytes = state.state_bytes();
    (state.read_bytes.saturating_sub(state_bytes), state_bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use journey_ir::eval::Interpreter;
    use journey_runtime::migrate::OnChange;
    use journey_runtime::Options;

    use super::*;
    use crate::kafka::changelog::encode_program;

    const OLD: &str = "event e {}\njourney j {\n  enter on e\n  send email \"a\"\n}\n";
    const NEW: &str = "event e {}\njourney j {\n  enter on e\n  send email \"b\"\n}\n";

    fn files(text: &str) -> Vec<(String, String)> {
        vec![("j.journey".to_owned(), text.to_owned())]
    }

    /// A checkpoint of `OLD`'s empty state, first written by a worker started at `since`.
    fn checkpoint(since: i64) -> PartitionState {
        let old = crate::program::compile(files(OLD)).unwrap();
        let evaluator = Interpreter::new(&old);
        let mut engine = Engine::new(&old, &evaluator, Options::default());
        let checkpoint = engine.checkpoint().unwrap();
        PartitionState {
            meta: Meta {
                program_since: since,
                program_chunks: 1,
                ..Meta::new(crate::program::fingerprint(&old))
            },
            shared: checkpoint.shared,
            program: encode_program(&files(OLD)).unwrap_or_default(),
            ..PartitionState::default()
        }
    }

    #[test]
    fn a_state_is_carried_over_by_a_later_worker_and_never_back_by_an_earlier_one() {
        let new = crate::program::compile(files(NEW)).unwrap();
        let evaluator = Interpreter::new(&new);
        let tables = |started_at| Tables {
            program: &new,
            evaluator: &evaluator,
            options: Options::default(),
            fingerprint: crate::program::fingerprint(&new),
            program_record: encode_program(&files(NEW)).unwrap_or_default(),
            on_change: OnChange::Exit,
            started_at,
            input: "in".to_owned(),
        };
        assert!(!replaced(&tables(200), &checkpoint(100).meta));
        let carried = engine(&tables(200), 3, Some(checkpoint(100)));
        let carried = carried
            .as_ref()
            .map(|t| (t.meta.program_since, t.program_due));
        assert_eq!(carried, Ok((200, true)));
        // A worker started before the one that carried the state over: its program was
        // replaced (the worker steps aside before it would make an engine).
        assert!(replaced(&tables(50), &checkpoint(100).meta));
        // The same program is never "replaced", whenever its worker started.
        let same = Meta {
            fingerprint: crate::program::fingerprint(&new),
            ..checkpoint(100).meta
        };
        assert!(!replaced(&tables(50), &same));
        let fresh = engine(&tables(50), 3, None);
        assert!(fresh.is_ok_and(|t| t.program_due && t.meta.program_since == 50));
    }
}
