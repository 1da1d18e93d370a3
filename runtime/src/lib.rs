//! The journey runtime: decodes Segment NDJSON, runs a lowered program over it in event time,
//! and writes actions and rejects.
//!
//! Data flows one way: [`decode`] turns a line into an [`Input`]; the [`engine`] applies it to
//! the [`state`] of its contact and the [`timers`], and writes [`output`] records to a
//! [`engine::Sink`] (and, when asked, its decisions as [`trace`]s). [`clock`] does every calendar
//! computation; [`testing`] runs `test` blocks.

pub mod clock;
pub mod decode;
pub mod engine;
mod history;
pub mod output;
mod scores;
pub mod state;
pub mod testing;
pub mod timers;
pub mod trace;
mod trace_hooks;

pub use decode::{Decoder, Input, Reject, RejectReason};
pub use engine::{Engine, Options, Sink, Stats};
