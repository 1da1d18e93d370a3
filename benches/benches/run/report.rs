//! What the benchmark prints: the machine, the stream's mix and the per-contact types' sizes
//! before the passes, the result table after them, and the number formats of both.

use std::fmt::Write as _;

use journey_benches::workload::{Kind, Mix};
use journey_ir::eval::Value;
use journey_ir::Program;

/// One row of the result table.
pub(super) struct Row {
    measure: String,
    result: String,
    how: String,
    /// The seconds of a pass to compare with the floor's (shown after `how`).
    against_floor: Option<f64>,
}

impl Row {
    pub(super) fn new(measure: String, result: String, how: String) -> Row {
        Row {
            measure,
            result,
            how,
            against_floor: None,
        }
    }

    pub(super) fn against_floor(self, secs: f64) -> Row {
        Row {
            against_floor: Some(secs),
            ..self
        }
    }
}

/// The result table, its rows in order, each with its ratio to the floor when it has one
/// (nothing when no pass added a row).
pub(super) fn print_table(rows: &[Row], lines: u64, contacts: usize, floor_secs: Option<f64>) {
    if rows.is_empty() {
        return;
    }
    println!();
    println!(
        "{} lines, {} contacts, 1 thread:\n",
        group(lines),
        group(contacts as u64)
    );
    println!("| measure | result | how |");
    println!("| --- | --- | --- |");
    for row in rows {
        let ratio = match (row.against_floor, floor_secs) {
            (Some(secs), Some(floor)) => format!("; {:.2}× the floor", floor / secs),
            _ => String::new(),
        };
        println!("| {} | {} | {}{ratio} |", row.measure, row.result, row.how);
    }
}

pub(super) fn print_machine() {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    println!("machine: {cpus} cores (nproc), {model}");
}

/// The inline sizes of the runtime's per-contact types (heap parts come on top).
pub(super) fn print_sizes(program: &Program) {
    use journey_ir::layout::ContactLayout;
    use journey_runtime::store::{HistoryState, JourneyState, ScoreState, Side};
    use std::mem::size_of;
    let layout = ContactLayout::of(program);
    println!(
        "contact row: {} B ({} aggregates aside); inline sizes: Value {} B, HistoryState {} B, \
         Side {} B, JourneyState {} B, ScoreState {} B; a timer 16 B\n",
        layout.size,
        layout.side_histories(),
        size_of::<Value>(),
        size_of::<HistoryState>(),
        size_of::<Side>(),
        size_of::<JourneyState>(),
        size_of::<ScoreState>(),
    );
}

pub(super) fn print_mix(mix: &Mix) {
    let mut line = String::from("mix:");
    for kind in Kind::ALL {
        let _ = write!(
            line,
            " {} {:.1}%;",
            kind.label(),
            100.0 * mix.count(kind) as f64 / mix.lines.max(1) as f64
        );
    }
    println!("{}", line.trim_end_matches(';'));
}

/// `1234567.0` → `1.23 M`.
pub(super) fn si(value: f64) -> String {
    if value >= 1e6 {
        format!("{:.2} M", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.0} k", value / 1e3)
    } else {
        format!("{value:.0}")
    }
}

/// `1234567` → `1,234,567`.
pub(super) fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn micros(ns: u64) -> String {
    if ns >= 1_000_000_000 {
        format!("{:.2} s", ns as f64 / 1e9)
    } else if ns >= 1_000_000 {
        format!("{:.1} ms", ns as f64 / 1e6)
    } else {
        format!("{:.1} µs", ns as f64 / 1e3)
    }
}
