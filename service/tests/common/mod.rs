//! What the service's integration tests share: a configuration with the command line's
//! defaults, for each test to change what it is about.

use std::path::PathBuf;
use std::time::Duration;

use journey_runtime::input::Limits;
use journey_runtime::migrate::OnChange;
use journey_service::{ClockMode, Config, SinkSpec, SourceSpec};

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
