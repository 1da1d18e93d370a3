//! What happened and why: views of a program and of a run for the people who own the journeys.
//!
//! Depends on the IR and the runtime, never on the AST; does no I/O (the CLI writes files).
//! - [`graph`]: each journey as a flow diagram (DOT, Mermaid, SVG).
//! - [`explain`]: every decision the engine made for one contact, from the engine's trace.
//! - [`report`]: a campaign report of a run (counts, splits, attribution), from the trace.
//! - [`syntax`]: IR expressions printed back as the language writes them, for both.

pub mod explain;
pub mod graph;
pub mod report;
pub mod syntax;
