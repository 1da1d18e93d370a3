//! Starting on a state directory: resume the last checkpoint as it is (the program that wrote
//! it), carry it over to a changed program (`docs/reference.md` §8, "A changed program at
//! restart"), or start afresh.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use journey_ir::eval::Evaluator;
use journey_ir::Program;
use journey_runtime::migrate::{self, Report};
use journey_runtime::{Engine, Options};

use crate::driver::{read_state, Config};
use crate::store::{Positions, StateStore};
use crate::ServeError;

/// The file in the state directory that records every carry-over to a changed program, one
/// JSON line each.
pub const CHANGES_FILE: &str = "program-changes.ndjson";

/// How a service started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// With an empty state.
    Fresh,
    /// From the last checkpoint, written by the same program.
    Resumed,
    /// From the last checkpoint, carried over to a changed program: every contact is to be
    /// stored again at once.
    CarriedOver,
}

/// The engine and positions a service starts from.
pub struct Started<'p> {
    /// The engine, over the restored or carried-over state.
    pub engine: Engine<'p>,
    /// Where the checkpoint's source and outputs were (none when fresh).
    pub positions: Positions,
    /// How it started.
    pub start: Start,
}

/// Restores `store`'s last checkpoint for `program`, carrying it over when the program changed.
pub fn start<'p>(
    store: &StateStore,
    program: &'p Program,
    evaluator: &'p dyn Evaluator,
    options: Options,
    config: &Config,
) -> Result<Started<'p>, ServeError> {
    let fingerprint = crate::program::fingerprint(program);
    let Some(restored) = store.restore()? else {
        return Ok(Started {
            engine: Engine::new(program, evaluator, options),
            positions: Positions {
                fingerprint,
                ..Positions::default()
            },
            start: Start::Fresh,
        });
    };
    let started = Instant::now();
    let state = read_state(store, &restored)?;
    let contacts = state.contacts.len();
    let mut positions = restored.positions;
    let (engine, start) = if positions.fingerprint == fingerprint {
        let engine =
            Engine::from_state(program, evaluator, options, state).map_err(ServeError::State)?;
        (engine, Start::Resumed)
    } else {
        let old = crate::program::stored(store).map_err(ServeError::State)?;
        let migrated =
            migrate::migrate(&old, state, program, config.on_change).map_err(ServeError::State)?;
        log_report(&migrated.report);
        if migrated.report.refused() {
            return Err(ServeError::ProgramChanged {
                state: config.state.clone(),
                journeys: migrated
                    .report
                    .changed_journeys()
                    .iter()
                    .map(|name| (*name).to_owned())
                    .collect(),
            });
        }
        record(&config.state, &migrated.report).map_err(|e| {
            ServeError::Sink(config.state.join(CHANGES_FILE).display().to_string(), e)
        })?;
        let mut engine = Engine::from_state(program, evaluator, options, migrated.state)
            .map_err(ServeError::State)?;
        engine.arm_entries(&migrated.to_arm);
        positions.fingerprint = fingerprint;
        (engine, Start::CarriedOver)
    };
    tracing::info!(
        contacts,
        lines = positions.lines,
        source_offset = positions.source,
        millis = started.elapsed().as_millis() as u64,
        carried_over = start == Start::CarriedOver,
        "restored"
    );
    Ok(Started {
        engine,
        positions,
        start,
    })
}

/// Logs what a carry-over does, one line a declaration.
pub(crate) fn log_report(report: &Report) {
    let text = report.to_string();
    // The last line says what the restart does; the error or the next log line says it too.
    for line in text.lines().filter(|line| line.starts_with("  ")) {
        if report.refused() {
            tracing::error!("program changed: {}", line.trim());
        } else {
            tracing::warn!("program changed: {}", line.trim());
        }
    }
}

/// Appends the report to the state's change log, durably, before the carried-over state is
/// committed (so a crash in between records it twice rather than never).
fn record(state: &Path, report: &Report) -> std::io::Result<()> {
    let at = journey_runtime::output::format_instant(crate::wall_clock());
    let line = format!(
        "{{\"at\":{},\"report\":{}}}\n",
        serde_json::Value::from(at),
        report.json()
    );
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(state.join(CHANGES_FILE))?;
    file.write_all(line.as_bytes())?;
    file.sync_all()
}
