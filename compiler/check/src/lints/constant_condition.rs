//! W0004 `constant-condition`.
//!
//! **What it does.** Flags a condition (`if`, `where`, `enter when`, a segment, a score's
//! `while`, a consent rule) built from literals alone.
//!
//! **Why it matters.** Such a condition is always true or always false: either a branch never
//! runs or the test is pointless. It is usually a leftover from debugging or a name that was
//! meant to be there.
//!
//! **Example.**
//! ```text
//! if 1 > 2 { send email "never" }   // warning[W0004]: this condition is always false
//! ```

use journey_syntax::ast::{BinaryOp, Expr, ExprKind, Literal, UnaryOp};

/// Whether an expression is made of literals only, so its value never changes.
pub fn is_constant(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Literal(_) => true,
        ExprKind::Paren(inner) | ExprKind::Unary(_, inner) => is_constant(inner),
        ExprKind::Binary(_, l, r) => is_constant(l) && is_constant(r),
        ExprKind::List(items) => items.iter().all(is_constant),
        ExprKind::IsSet { operand, .. } => is_constant(operand),
        ExprKind::Name(_)
        | ExprKind::Profile
        | ExprKind::Now
        | ExprKind::Member(..)
        | ExprKind::History(_) => false,
    }
}

/// The value of a constant condition, when it is simple enough to work out.
pub fn constant_value(expr: &Expr) -> Option<bool> {
    match &expr.kind {
        ExprKind::Literal(Literal::Bool(b)) => Some(*b),
        ExprKind::Paren(inner) => constant_value(inner),
        ExprKind::Unary(UnaryOp::Not, inner) => constant_value(inner).map(|b| !b),
        ExprKind::Binary(op, l, r) => {
            let number = |e: &Expr| match &e.kind {
                ExprKind::Literal(Literal::Int(v)) => Some(*v as f64),
                ExprKind::Literal(Literal::Float(v)) => Some(*v),
                _ => None,
            };
            match (op, number(l), number(r)) {
                (BinaryOp::Lt, Some(a), Some(b)) => Some(a < b),
                (BinaryOp::Le, Some(a), Some(b)) => Some(a <= b),
                (BinaryOp::Gt, Some(a), Some(b)) => Some(a > b),
                (BinaryOp::Ge, Some(a), Some(b)) => Some(a >= b),
                (BinaryOp::Eq, Some(a), Some(b)) => Some(a == b),
                (BinaryOp::Ne, Some(a), Some(b)) => Some(a != b),
                (BinaryOp::And, _, _) => Some(constant_value(l)? && constant_value(r)?),
                (BinaryOp::Or, _, _) => Some(constant_value(l)? || constant_value(r)?),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use journey_syntax::ast::DeclKind;

    fn segment_condition(source: &str) -> Expr {
        let parsed = journey_syntax::parse(journey_syntax::FileId(0), source);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        match &parsed.module.decls[0].kind {
            DeclKind::Segment(s) => s.condition.clone(),
            other => panic!("not a segment: {other:?}"),
        }
    }

    #[test]
    fn literals_are_constant_and_names_are_not() {
        assert!(is_constant(&segment_condition("segment s = 1 > 2")));
        assert_eq!(
            constant_value(&segment_condition("segment s = 1 > 2")),
            Some(false)
        );
        assert_eq!(
            constant_value(&segment_condition("segment s = not (1 > 2)")),
            Some(true)
        );
        assert!(!is_constant(&segment_condition("segment s = lead > 2")));
        assert!(!is_constant(&segment_condition(
            "segment s = now > 2026-01-01T00:00:00Z"
        )));
    }
}
