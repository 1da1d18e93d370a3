//! W0001 `unreachable-step`.
//!
//! **What it does.** Flags the first step that follows an `exit` in the same block.
//!
//! **Why it matters.** `exit` leaves the journey at once; the steps after it never run, so a
//! send the author expects will silently never happen.
//!
//! **Example.**
//! ```text
//! exit
//! send email "bye"   // warning[W0001]: this step is never reached
//! ```

use journey_syntax::ast::{Module, StepKind};

use crate::diagnostic::Diagnostic;
use crate::messages;

/// Runs the lint.
pub fn check(modules: &[Module], diagnostics: &mut Vec<Diagnostic>) {
    super::for_each_step_list(modules, |_, steps| {
        if let Some(exit) = steps.iter().position(|s| matches!(s.kind, StepKind::Exit)) {
            if let Some(next) = steps.get(exit + 1) {
                diagnostics.push(messages::unreachable_step(next.span, steps[exit].span));
            }
        }
    });
}
