//! `journey serve`: the engine as a service that runs all the time, survives crashes and sends
//! nothing twice (`docs/reference.md`, "Service mode").
//!
//! Input comes from a [`source::Source`] (a followed file, stdin, or the [`http`] source's
//! ingest log), actions and rejects go to
//! [`sink::Output`]s (files cut back on restart, stdout), and the run's state is checkpointed
//! into a [`store::StateStore`] (redb) together with how far the source and outputs had got.
//! [`driver::serve`] is the loop that ties them to the runtime's engine, which does all the
//! journey work and knows nothing of this crate.

pub mod committer;
pub mod driver;
pub mod erasure;
pub mod http;
pub mod ingest;
pub mod kafka;
pub mod metrics;
pub mod output;
pub mod program;
pub mod resume;
pub mod sink;
pub mod source;
pub mod spec;
pub mod store;
pub mod webhook;

use std::fmt;
use std::io;
use std::path::PathBuf;

pub use driver::{serve, ClockMode, Config, Summary};
pub use spec::{SinkSpec, SourceSpec, SpecError};

/// Why a service stopped with an error.
#[derive(Debug)]
pub enum ServeError {
    /// The state directory.
    Store(store::StoreError),
    /// The state cannot be rebuilt or stored.
    State(String),
    /// Journeys of the program that wrote the state changed, and `--on-change` was not given.
    ProgramChanged {
        /// The state directory.
        state: PathBuf,
        /// The journeys whose description changed.
        journeys: Vec<String>,
    },
    /// Reading the source failed.
    Source(String, io::Error),
    /// Writing an output failed.
    Sink(String, io::Error),
    /// An HTTP source without a write key.
    NoWriteKey,
    /// A Kafka worker cannot start or go on.
    Kafka(String),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Store(error) => write!(f, "{error}"),
            ServeError::State(message) => write!(f, "state: {message}"),
            ServeError::ProgramChanged { state, journeys } => {
                let names: Vec<String> = journeys.iter().map(|j| format!("`{j}`")).collect();
                write!(
                    f,
                    "the steps of {} changed since the state in {} was written; restart with \
                     `--on-change exit` (their contacts leave) or `--on-change keep` (contacts \
                     stay at the same step where it is still the same kind of step); \
                     `journey state diff` shows what each does",
                    names.join(", "),
                    state.display()
                )
            }
            ServeError::Source(source, error) => write!(f, "cannot read {source}: {error}"),
            ServeError::Sink(sink, error) => write!(f, "cannot write {sink}: {error}"),
            ServeError::Kafka(message) => f.write_str(message),
            ServeError::NoWriteKey => f.write_str(
                "an `http:` source needs a write key (`--write-key KEY` or the \
                 `JOURNEY_WRITE_KEY` environment variable): without one no data is taken",
            ),
        }
    }
}

impl std::error::Error for ServeError {}

impl From<store::StoreError> for ServeError {
    fn from(error: store::StoreError) -> Self {
        ServeError::Store(error)
    }
}

/// The wall clock, in whole seconds since the Unix epoch (0 before it).
pub(crate) fn wall_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() as i64)
}

/// Sets the returned flag on SIGTERM or SIGINT, so that the loop finishes the line in hand,
/// checkpoints and exits.
pub fn stop_on_signals() -> io::Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))?;
    }
    Ok(stop)
}
