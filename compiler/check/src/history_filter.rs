//! What a history filter reads, and the one combination that has no sound meaning.
//!
//! A history filter that reads only its event (fields, constants) means the same whenever it is
//! evaluated. One that reads the contact's state (the profile, scores, segments, other histories,
//! `now`) is evaluated when each event arrives: the state *then* decides. One that reads a binding
//! (`a.cart`) can only be evaluated when the aggregate is read, because the binding is made later
//! than most of the events it is compared with. A filter that reads both would need the
//! contact's state as it was at each event's arrival *and* the binding of the moment the aggregate
//! is read; the runtime keeps neither copy, so the checker refuses it (E0310) instead of letting
//! it count wrong.

use journey_syntax::ast::{Expr, ExprKind};
use journey_syntax::Span;

use crate::checker::Checker;
use crate::messages;
use crate::program::{span_key, Resolution};

/// What a filter reads besides its own event.
#[derive(Default)]
struct Reads {
    /// The first use of a binding's field.
    binding: Option<Span>,
    /// The first use of contact state, and what kind of state it is.
    state: Option<(Span, &'static str)>,
}

impl Checker<'_> {
    /// Reports a history filter that reads a binding together with the contact's state.
    pub(crate) fn check_history_filter_reads(&mut self, filter: &Expr) {
        let mut reads = Reads::default();
        self.collect_reads(filter, &mut reads);
        if let (Some(binding), Some((state, what))) = (reads.binding, reads.state) {
            self.diagnostics
                .push(messages::history_filter_mixes_binding(binding, state, what));
        }
    }

    fn collect_reads(&self, expr: &Expr, reads: &mut Reads) {
        let mut state = |span: Span, what: &'static str| {
            reads.state.get_or_insert((span, what));
        };
        match &expr.kind {
            ExprKind::Literal(_) => {}
            ExprKind::Profile => state(expr.span, "the profile"),
            ExprKind::Now => state(expr.span, "`now`"),
            ExprKind::History(_) => state(expr.span, "another history aggregate"),
            ExprKind::Name(_) => match self.program.resolutions.get(&span_key(expr.span)) {
                Some(Resolution::Score(_)) => state(expr.span, "a score"),
                Some(Resolution::Segment(_)) => state(expr.span, "a segment"),
                _ => {}
            },
            ExprKind::Member(base, _) => match self.program.resolutions.get(&span_key(expr.span)) {
                Some(Resolution::BindingField { .. }) => {
                    reads.binding.get_or_insert(expr.span);
                }
                _ if matches!(base.kind, ExprKind::Profile) => state(expr.span, "the profile"),
                _ => self.collect_reads(base, reads),
            },
            ExprKind::Unary(_, operand)
            | ExprKind::Paren(operand)
            | ExprKind::IsSet { operand, .. } => self.collect_reads(operand, reads),
            ExprKind::Binary(_, left, right) => {
                self.collect_reads(left, reads);
                self.collect_reads(right, reads);
            }
            ExprKind::List(items) => {
                for item in items {
                    self.collect_reads(item, reads);
                }
            }
        }
    }
}
