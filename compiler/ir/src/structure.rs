//! Structural descriptions of the declarations whose state outlives a run (journeys, history
//! aggregates, score rules, profile fields), for comparing two versions of a program: a
//! restarted service carries a declaration's stored state over only when its description is
//! the same in both (`docs/reference.md`, "A changed program at restart").
//!
//! A description holds everything that gives the stored state its meaning and nothing that
//! depends on the rest of the program: names instead of numbers, aggregates written out
//! instead of `h3`, filters without their bit, bound and keyed events with their fields (their
//! records are stored in slot order). Two descriptions are equal exactly when the state means
//! the same to both programs.

use crate::ir::{HistoryId, JourneyId, ProfileSlot, Program, ScoreId};
use crate::print::Printer;

/// A journey: bindings, entry, `reenter`, goal and exit rules and every step.
pub fn journey(program: &Program, j: JourneyId) -> String {
    let mut out = String::new();
    if let Some(journey) = program.journeys.get(j.index()) {
        Printer::structural(program).journey(&mut out, j.index(), journey);
    }
    out
}

/// A history aggregate: function, event, field and its type, filter, window.
pub fn history(program: &Program, h: HistoryId) -> String {
    program
        .histories
        .get(h.index())
        .map_or_else(String::new, |history| {
            Printer::structural(program).history(history)
        })
}

/// The `i`-th `on` rule of score `s`: event, filter, points and cap.
pub fn score_rule(program: &Program, s: ScoreId, i: usize) -> String {
    program
        .scores
        .get(s.index())
        .and_then(|score| score.on_rules.get(i))
        .map_or_else(String::new, |rule| {
            Printer::structural(program).score_rule(rule)
        })
}

/// A profile field: its name and type.
pub fn profile_field(program: &Program, slot: ProfileSlot) -> String {
    program
        .profile
        .get(slot.index())
        .map_or_else(String::new, |field| {
            format!(
                "{}: {}",
                field.name,
                Printer::structural(program).ty(&field.ty)
            )
        })
}

/// A journey's entry (what follows `enter`), in structural form.
pub fn journey_entry(program: &Program, j: JourneyId) -> String {
    program
        .journeys
        .get(j.index())
        .map_or_else(String::new, |journey| {
            Printer::structural(program).entry(journey)
        })
}

/// A journey's bindings, each its name and its event with the event's fields.
pub fn journey_bindings(program: &Program, j: JourneyId) -> Vec<String> {
    let p = Printer::structural(program);
    program
        .journeys
        .get(j.index())
        .map_or_else(Vec::new, |journey| {
            journey.bindings.iter().map(|b| p.binding(b)).collect()
        })
}
