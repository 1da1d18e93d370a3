//! Lints: warnings about programs that are valid but probably wrong. One file per lint, each
//! opening with what it does, why it matters and an example; those doc comments are the lint
//! reference (`docs/diagnostics.md`).

pub mod constant_condition;
pub mod conversion_without_sends;
pub mod missing_consent;
pub mod needless_optional_check;
pub mod unreachable_step;
pub mod unreachable_threshold;
pub mod unused_declaration;
pub mod wait_never_succeeds;

use journey_syntax::ast::{Block, JourneyItem, Module, Step, StepKind};

/// Calls `visit` on every block of steps of every journey, the journey's own steps included
/// (passed as a slice), with the journey they belong to.
pub(crate) fn for_each_step_list<'m>(
    modules: &'m [Module],
    mut visit: impl FnMut(&'m journey_syntax::ast::JourneyDecl, &[&'m Step]),
) {
    for module in modules {
        for decl in &module.decls {
            let journey_syntax::ast::DeclKind::Journey(journey) = &decl.kind else {
                continue;
            };
            let top: Vec<&Step> = journey
                .items
                .iter()
                .filter_map(|item| match item {
                    JourneyItem::Step(step) => Some(step),
                    JourneyItem::Clause(_) => None,
                })
                .collect();
            let mut stack: Vec<Vec<&Step>> = vec![top];
            while let Some(steps) = stack.pop() {
                visit(journey, &steps);
                for step in &steps {
                    for block in child_blocks(step) {
                        stack.push(block.steps.iter().collect());
                    }
                }
            }
        }
    }
}

/// The nested blocks of a step.
pub(crate) fn child_blocks(step: &Step) -> Vec<&Block> {
    match &step.kind {
        StepKind::WaitFor {
            then, otherwise, ..
        } => std::iter::once(then).chain(otherwise.as_ref()).collect(),
        StepKind::If {
            branches,
            otherwise,
        } => branches
            .iter()
            .map(|(_, b)| b)
            .chain(otherwise.as_ref())
            .collect(),
        StepKind::Split(arms) => arms.iter().map(|a| &a.block).collect(),
        _ => Vec::new(),
    }
}
