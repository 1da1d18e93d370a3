//! What the service's integration tests share: a configuration with the command line's
//! defaults, for each test to change what it is about, and the program of a wait on the wall
//! clock.

use std::path::PathBuf;
use std::time::Duration;

use journey_ir::Program;
use journey_runtime::input::Limits;
use journey_runtime::migrate::OnChange;
use journey_service::{ClockMode, Config, SinkSpec, SourceSpec};
use journey_syntax::SourceMap;

/// `journey serve`'s defaults from `source` to `sink`, checkpointing every 200 ms.
pub fn config(source: SourceSpec, sink: SinkSpec, state: PathBuf) -> Config {
    Config {
        source,
        sink,
        rejects: None,
        state,
        clock: ClockMode::Wall,
        stop_at_end: false,
        checkpoint_every: Duration::from_millis(200),
        lateness: 3600,
        max_future: 300,
        limits: Limits::default(),
        dedupe_window: 86_400,
        write_key: None,
        max_body_bytes: 1 << 19,
        webhook_retries: 8,
        webhook_timeout: Duration::from_secs(10),
        dead_letter: None,
        metrics: None,
        program_sources: Vec::new(),
        on_change: OnChange::Refuse,
        kafka_properties: None,
        kafka_config: Vec::new(),
    }
}

const NUDGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/programs/nudge.journey");

/// The text of `programs/nudge.journey`: a signup, a two-second wait, an email.
pub fn nudge_source() -> String {
    std::fs::read_to_string(NUDGE).unwrap_or_else(|e| panic!("{NUDGE}: {e}"))
}

/// The program of `programs/nudge.journey`.
pub fn nudge_program() -> Program {
    let mut sources = SourceMap::new();
    sources.add("nudge.journey", nudge_source());
    journey_ir::lower(&journey_check::check(&sources))
        .unwrap_or_else(|e| panic!("{NUDGE} does not lower: {e}"))
}
