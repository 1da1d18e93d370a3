//! `journey report`: a campaign report of a run, counted from the engine's decision trace.
//!
//! [`Counters`] is the run's [`Sink`](journey_runtime::Sink): it keeps plain counters (per
//! journey, step, sender, goal, conversion and split, and per contact a few numbers in flat
//! vectors indexed by the contact's index) while the traced run goes. [`build`] turns them and
//! the engine's final state into a [`Report`] (the JSON form, `report.json`), and [`html`]
//! writes one self-contained page with a table for every chart.
//!
//! - [`index`]: what the report counts, numbered once from the program;
//! - [`counters`]: the sink; [`counts`]: what it counts;
//! - [`attribution`]: first-touch, last-touch and linear credit over a window;
//! - [`stats`]: the split tests (z, chi-square), intervals and sample sizes;
//! - [`model`]: the report as data; [`build`]: counters to model;
//! - [`html`] (and its `sections`) and [`charts`]: the page and its SVG charts.

pub mod attribution;
pub mod build;
pub mod charts;
pub mod counters;
pub mod counts;
pub mod html;
pub mod index;
pub mod model;
mod record_env;
mod sections;
pub mod stats;

pub use build::build;
pub use counters::Counters;
pub use counts::Counts;
pub use html::html;
pub use model::Report;

impl Report {
    /// The JSON form (`report.json`), pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }
}
