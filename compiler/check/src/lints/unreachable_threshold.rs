//! W0006 `unreachable-threshold`.
//!
//! **What it does.** Flags a comparison of a score with a whole number that the score can never
//! reach. A score starts at 0. Its maximum is unbounded when any `on` rule or `score NAME += N`
//! step adds points (events repeat, and a `cap` only bounds a window); otherwise it is the sum of
//! its positive `while` points. The minimum is found the same way with negative points.
//!
//! **Why it matters.** A journey that enters `when lead >= 100` on a score that tops out at 40
//! never starts, and nothing else tells you.
//!
//! **Example.**
//! ```text
//! score fit { while profile.plan == "pro" => +20 }
//! journey j { enter when fit >= 50 ... }   // warning[W0006]: `fit` can never be >= 50
//! ```

use std::collections::HashMap;

use journey_syntax::ast::{BinaryOp, DeclKind, Module, ScoreRuleKind};
use journey_syntax::Span;

use crate::diagnostic::Diagnostic;
use crate::messages;

/// The range of values a score can take; `None` is unbounded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// Lowest reachable value.
    pub min: Option<i64>,
    /// Highest reachable value.
    pub max: Option<i64>,
}

/// Works out every score's bounds.
pub fn bounds(modules: &[Module], adjusted: &[(String, i64)]) -> HashMap<String, Bounds> {
    let mut out = HashMap::new();
    for decl in modules.iter().flat_map(|m| &m.decls) {
        let DeclKind::Score(score) = &decl.kind else {
            continue;
        };
        let (mut grows, mut shrinks) = (false, false);
        let (mut while_up, mut while_down) = (0i64, 0i64);
        for rule in &score.rules {
            match &rule.kind {
                ScoreRuleKind::On { points, .. } => {
                    grows |= points.value > 0;
                    shrinks |= points.value < 0;
                }
                ScoreRuleKind::While { points, .. } if points.value > 0 => {
                    while_up = while_up.saturating_add(points.value);
                }
                ScoreRuleKind::While { points, .. } => {
                    while_down = while_down.saturating_add(points.value)
                }
                ScoreRuleKind::Decay { .. } => {}
            }
        }
        for (name, delta) in adjusted {
            if *name == score.name.name {
                grows |= *delta > 0;
                shrinks |= *delta < 0;
            }
        }
        out.insert(
            score.name.name.clone(),
            Bounds {
                min: (!shrinks).then_some(while_down),
                max: (!grows).then_some(while_up),
            },
        );
    }
    out
}

/// Runs the lint over the comparisons recorded while checking.
pub fn check(
    bounds: &HashMap<String, Bounds>,
    comparisons: &[(String, BinaryOp, i64, Span)],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (score, op, value, span) in comparisons {
        let Some(b) = bounds.get(score) else { continue };
        let reachable = match op {
            BinaryOp::Ge => b.max.is_none_or(|max| max >= *value),
            BinaryOp::Gt => b.max.is_none_or(|max| max > *value),
            BinaryOp::Le => b.min.is_none_or(|min| min <= *value),
            BinaryOp::Lt => b.min.is_none_or(|min| min < *value),
            BinaryOp::Eq => {
                b.max.is_none_or(|max| max >= *value) && b.min.is_none_or(|min| min <= *value)
            }
            _ => true,
        };
        if !reachable {
            diagnostics.push(messages::unreachable_threshold(
                *span,
                score,
                op.as_str(),
                *value,
                b.min,
                b.max,
            ));
        }
    }
}
