//! The journey runtime: decodes Segment NDJSON, runs a lowered program over it in event time,
//! and writes actions and rejects.
//!
//! Data flows one way: [`input`] turns a line into an [`Input`]; the [`engine`] orders the
//! phases of each input over the [`store`] of contacts, the [`scheduler`]'s timers, the
//! `journeys`' step machine and the `policy` of sends, which hand [`output`] records to a
//! [`engine::Sink`] (and, when asked, their decisions as [`trace`]s). [`clock`] does every
//! calendar computation; [`testing`] runs `test` blocks.

pub mod clock;
pub mod engine;
pub mod input;
mod journeys;
pub mod migrate;
pub mod output;
mod plan;
mod policy;
pub mod scheduler;
mod scope;
pub mod store;
pub mod testing;
pub mod trace;

pub use engine::{Engine, Options, Sink, Stats};
pub use input::{Decoder, Input, Reject, RejectReason};
pub use store::RunState;
