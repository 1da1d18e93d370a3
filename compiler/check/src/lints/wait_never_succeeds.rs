//! W0005 `wait-never-succeeds`.
//!
//! **What it does.** Flags `wait for EVENT` in a journey that also has `goal ... on EVENT` or
//! `exit on EVENT` without a `where` filter.
//!
//! **Why it matters.** Goal and exit rules are handled before waiting steps (reference §6), so
//! the event always ends the journey first: the first block of the wait can never run.
//!
//! **Example.**
//! ```text
//! goal purchased on order.completed
//! wait for order.completed within 3d { send email "thanks" }   // warning[W0005]
//! ```

use journey_syntax::ast::{ClauseKind, JourneyItem, Module, StepKind};

use crate::diagnostic::Diagnostic;
use crate::messages;

/// Runs the lint.
pub fn check(modules: &[Module], diagnostics: &mut Vec<Diagnostic>) {
    super::for_each_step_list(modules, |journey, steps| {
        for step in steps {
            let StepKind::WaitFor { event, .. } = &step.kind else {
                continue;
            };
            let ender = journey.items.iter().find_map(|item| match item {
                JourneyItem::Clause(clause) => match &clause.kind {
                    ClauseKind::Goal {
                        event: e,
                        filter: None,
                        name,
                        ..
                    } if e.name == event.name => {
                        Some((clause.span, format!("goal `{}`", name.name)))
                    }
                    ClauseKind::Exit {
                        event: e,
                        filter: None,
                    } if e.name == event.name => Some((clause.span, "exit".to_string())),
                    _ => None,
                },
                JourneyItem::Step(_) => None,
            });
            if let Some((span, what)) = ender {
                diagnostics.push(messages::wait_never_succeeds(event, span, &what));
            }
        }
    });
}
