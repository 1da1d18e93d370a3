//! Expressions, printed on one line with single spaces around operators.
//!
//! Parentheses are kept exactly as written (the AST keeps them as [`ExprKind::Paren`]); every
//! other node nests the way the grammar's precedence reads it back, so none are added.

use journey_syntax::ast::*;

use crate::text::literal;
use crate::walk::Fmt;

impl Fmt<'_> {
    /// An expression, on the current line unless a comment inside breaks it.
    pub(crate) fn expr(&mut self, expr: &Expr) {
        self.p.flush_until(expr.span.start);
        match &expr.kind {
            ExprKind::Literal(value) => self.p.text(&literal(value)),
            ExprKind::Name(name) => self.ident(name),
            ExprKind::Profile => self.p.text("profile"),
            ExprKind::Now => self.p.text("now"),
            ExprKind::Member(base, field) => {
                self.expr(base);
                self.p.flush_until(field.span.start);
                self.p.text(".");
                self.p.text(&field.name);
            }
            ExprKind::Unary(UnaryOp::Neg, operand) => {
                self.p.text("-");
                self.expr(operand);
            }
            ExprKind::Unary(UnaryOp::Not, operand) => {
                self.p.text("not");
                self.p.space();
                self.expr(operand);
            }
            ExprKind::Binary(op, left, right) => {
                self.expr(left);
                self.p.space();
                self.p.text(op.as_str());
                self.p.space();
                self.expr(right);
            }
            ExprKind::IsSet { operand, negated } => {
                self.expr(operand);
                self.p.space();
                self.p.text(if *negated { "is not set" } else { "is set" });
            }
            ExprKind::Paren(inner) => {
                self.p.text("(");
                self.expr(inner);
                self.p.text(")");
            }
            ExprKind::List(items) => {
                self.p.text("[");
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.p.text(",");
                        self.p.space();
                    }
                    self.expr(item);
                }
                self.p.text("]");
            }
            ExprKind::History(history) => self.history(history),
        }
    }

    fn history(&mut self, history: &History) {
        self.p.text(history.function.as_str());
        self.p.text("(");
        self.ident(&history.target);
        self.filter(history.filter.as_ref());
        match &history.window {
            Some(Window::Within(duration)) => {
                self.p.space();
                self.p.text("within");
                self.p.space();
                self.duration_lit(duration);
            }
            Some(Window::SinceEnter(span)) => {
                self.p.flush_until(span.start);
                self.p.space();
                self.p.text("since enter");
            }
            None => {}
        }
        self.p.text(")");
    }
}
