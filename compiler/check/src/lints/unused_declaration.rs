//! W0002 `unused-declaration`.
//!
//! **What it does.** Flags an event, segment or score that no journey, score, segment or policy
//! refers to. Uses inside `test` blocks do not count, and a name offered as "did you mean"
//! for a misspelt use is not reported as well. The engagement events `CHANNEL.opened` and
//! `CHANNEL.clicked` count as used by a `best_channel(...)` listing that channel and by any
//! `best_time`, which read them.
//!
//! **Why it matters.** An unused segment or score is work the runtime does for nothing, and an
//! unused event usually means a journey listens to a misspelt or renamed one.
//!
//! **Example.**
//! ```text
//! segment vip = (profile.company_size ?? 0) > 1000   // warning[W0002]: segment `vip` is never used
//! ```

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::messages;
use crate::program::{Program, Symbol};

/// Runs the lint.
pub fn check(program: &Program, diagnostics: &mut Vec<Diagnostic>) {
    let used: HashSet<&Symbol> = program
        .references
        .iter()
        .filter(|r| !r.in_test)
        .map(|r| &r.symbol)
        .collect();
    let unused =
        |symbol: Symbol, name: &str| !used.contains(&symbol) && !program.suggested.contains(name);
    for event in program.events.values() {
        if unused(Symbol::Event(event.name.clone()), &event.name)
            && !program.implicitly_used.contains(&event.name)
        {
            diagnostics.push(messages::unused_declaration(
                "event",
                &event.name,
                event.span,
            ));
        }
    }
    for segment in program.segments.values() {
        if unused(Symbol::Segment(segment.name.clone()), &segment.name) {
            diagnostics.push(messages::unused_declaration(
                "segment",
                &segment.name,
                segment.span,
            ));
        }
    }
    for score in program.scores.values() {
        if unused(Symbol::Score(score.name.clone()), &score.name) {
            diagnostics.push(messages::unused_declaration(
                "score",
                &score.name,
                score.span,
            ));
        }
    }
}
