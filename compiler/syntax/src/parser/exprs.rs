//! Building expressions: operators by precedence, comparisons, names and members, history
//! aggregates.

use super::*;

impl Builder<'_> {
    // ---- expressions ------------------------------------------------------------------------

    pub(super) fn expr(&mut self, pair: P) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => match pair.into_inner().next() {
                Some(inner) => self.expr(inner),
                None => self.bool_expr(span),
            },
            Rule::or_expr | Rule::and_expr => {
                let op = if pair.as_rule() == Rule::or_expr {
                    BinaryOp::Or
                } else {
                    BinaryOp::And
                };
                let mut parts = pair.into_inner();
                let Some(first) = parts.next() else {
                    return self.bool_expr(span);
                };
                let mut left = self.expr(first);
                while let (Some(_), Some(right)) = (parts.next(), parts.next()) {
                    let right = self.expr(right);
                    left = binary(op, left, right);
                }
                left
            }
            Rule::not_expr => {
                let mut parts = pair.into_inner();
                match parts.next() {
                    Some(first) if first.as_rule() == Rule::kw_not => match parts.next() {
                        Some(operand) => Expr {
                            kind: ExprKind::Unary(UnaryOp::Not, Box::new(self.expr(operand))),
                            span,
                        },
                        None => self.bool_expr(span),
                    },
                    Some(first) => self.expr(first),
                    None => self.bool_expr(span),
                }
            }
            Rule::cmp_expr => self.comparison(pair),
            Rule::coalesce_expr => {
                // `??` groups to the right: `a ?? b ?? c` is `a ?? (b ?? c)`.
                let operands: Vec<Expr> = pair.into_inner().map(|p| self.expr(p)).collect();
                let mut iter = operands.into_iter().rev();
                let Some(mut right) = iter.next() else {
                    return self.bool_expr(span);
                };
                for left in iter {
                    right = binary(BinaryOp::Coalesce, left, right);
                }
                right
            }
            Rule::add_expr | Rule::mul_expr => {
                let mut parts = pair.into_inner();
                let Some(first) = parts.next() else {
                    return self.bool_expr(span);
                };
                let mut left = self.expr(first);
                while let (Some(op), Some(right)) = (parts.next(), parts.next()) {
                    let op = match op.as_str() {
                        "+" => BinaryOp::Add,
                        "-" => BinaryOp::Sub,
                        "*" => BinaryOp::Mul,
                        _ => BinaryOp::Div,
                    };
                    let right = self.expr(right);
                    left = binary(op, left, right);
                }
                left
            }
            Rule::unary_expr => {
                let mut parts = pair.into_inner();
                match parts.next() {
                    Some(first) if first.as_rule() == Rule::neg => match parts.next() {
                        Some(operand) => {
                            let operand = self.expr(operand);
                            Expr {
                                kind: ExprKind::Unary(UnaryOp::Neg, Box::new(operand)),
                                span,
                            }
                        }
                        None => self.bool_expr(span),
                    },
                    Some(first) => self.expr(first),
                    None => self.bool_expr(span),
                }
            }
            Rule::postfix_expr => {
                let mut parts = pair.into_inner();
                let Some(first) = parts.next() else {
                    return self.bool_expr(span);
                };
                let mut base = self.expr(first);
                for member in parts {
                    let member_span = self.span(&member);
                    let Some(word) = member.into_inner().next() else {
                        continue;
                    };
                    let field = self.ident(word);
                    let whole = base.span.to(member_span);
                    base = Expr {
                        kind: ExprKind::Member(Box::new(base), field),
                        span: whole,
                    };
                }
                base
            }
            Rule::paren => match pair.into_inner().next() {
                Some(inner) => Expr {
                    kind: ExprKind::Paren(Box::new(self.expr(inner))),
                    span,
                },
                None => self.bool_expr(span),
            },
            Rule::kw_now => Expr {
                kind: ExprKind::Now,
                span,
            },
            Rule::kw_profile => Expr {
                kind: ExprKind::Profile,
                span,
            },
            Rule::ident => Expr {
                kind: ExprKind::Name(self.ident(pair)),
                span,
            },
            Rule::kw_true => Expr {
                kind: ExprKind::Literal(Literal::Bool(true)),
                span,
            },
            Rule::kw_false => Expr {
                kind: ExprKind::Literal(Literal::Bool(false)),
                span,
            },
            Rule::int_lit => {
                let value = self.int_lit(pair).value;
                Expr {
                    kind: ExprKind::Literal(Literal::Int(value)),
                    span,
                }
            }
            Rule::float_lit => {
                let value = pair.as_str().parse::<f64>().unwrap_or(0.0);
                Expr {
                    kind: ExprKind::Literal(Literal::Float(value)),
                    span,
                }
            }
            Rule::string_lit => {
                let value = self.string(pair).value;
                Expr {
                    kind: ExprKind::Literal(Literal::String(value)),
                    span,
                }
            }
            Rule::duration_lit => {
                let value = self.duration_lit(pair).value;
                Expr {
                    kind: ExprKind::Literal(Literal::Duration(value)),
                    span,
                }
            }
            Rule::compound_duration => {
                let parts = pair
                    .into_inner()
                    .map(|d| self.duration_lit(d).value)
                    .collect();
                Expr {
                    kind: ExprKind::Literal(Literal::CompoundDuration(parts)),
                    span,
                }
            }
            Rule::time_lit => {
                let value = self.time_of_day(pair);
                Expr {
                    kind: ExprKind::Literal(Literal::TimeOfDay(value)),
                    span,
                }
            }
            Rule::date_lit => {
                let value = self.date(pair);
                Expr {
                    kind: ExprKind::Literal(Literal::Date(value)),
                    span,
                }
            }
            Rule::instant_lit => {
                let value = self.instant_lit(pair).value;
                Expr {
                    kind: ExprKind::Literal(Literal::Instant(value)),
                    span,
                }
            }
            Rule::list_lit => {
                let items = pair.into_inner().map(|p| self.expr(p)).collect();
                Expr {
                    kind: ExprKind::List(items),
                    span,
                }
            }
            Rule::count_call | Rule::agg_call | Rule::last_call | Rule::since_call => Expr {
                kind: ExprKind::History(Box::new(self.history(pair))),
                span,
            },
            _ => self.bool_expr(span),
        }
    }

    pub(super) fn comparison(&mut self, pair: P) -> Expr {
        let span = self.span(&pair);
        let mut parts = pair.into_inner().peekable();
        let Some(first) = parts.next() else {
            return self.bool_expr(span);
        };
        let mut left = self.expr(first);
        let mut chained = 0;
        while let Some(part) = parts.next() {
            chained += 1;
            if chained == 2 {
                // Report once and keep only the first comparison, so that the checker does not
                // go on to type `(a < b) < c` and report a second, derived error.
                self.error(SyntaxErrorKind::ChainedComparison, self.span(&part));
                break;
            }
            if part.as_rule() == Rule::is_set {
                let negated = part.into_inner().any(|p| p.as_rule() == Rule::kw_not);
                let whole = left.span.to(span);
                left = Expr {
                    kind: ExprKind::IsSet {
                        operand: Box::new(left),
                        negated,
                    },
                    span: whole,
                };
                continue;
            }
            let op = match part.into_inner().next().map(|o| o.as_rule()) {
                Some(Rule::op_eq) => BinaryOp::Eq,
                Some(Rule::op_ne) => BinaryOp::Ne,
                Some(Rule::op_le) => BinaryOp::Le,
                Some(Rule::op_ge) => BinaryOp::Ge,
                Some(Rule::op_lt) => BinaryOp::Lt,
                Some(Rule::op_gt) => BinaryOp::Gt,
                Some(Rule::op_in) => BinaryOp::In,
                Some(Rule::op_contains) => BinaryOp::Contains,
                Some(Rule::op_starts_with) => BinaryOp::StartsWith,
                _ => BinaryOp::EndsWith,
            };
            let Some(right) = parts.next() else {
                break;
            };
            let right = self.expr(right);
            left = binary(op, left, right);
        }
        left
    }

    pub(super) fn history(&mut self, pair: P) -> History {
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().peekable();
        let function = match parts.next() {
            Some(f) if rule == Rule::agg_call => match f.into_inner().next().map(|k| k.as_rule()) {
                Some(Rule::kw_sum) => HistoryFn::Sum,
                Some(Rule::kw_min) => HistoryFn::Min,
                Some(Rule::kw_max) => HistoryFn::Max,
                _ => HistoryFn::Avg,
            },
            _ => match rule {
                Rule::count_call => HistoryFn::Count,
                Rule::last_call => HistoryFn::Last,
                _ => HistoryFn::Since,
            },
        };
        let target = parts
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let filter = self.optional_where(&mut parts);
        let window = parts.next().map(|w| {
            let span = self.span(&w);
            let mut inner = w.into_inner();
            match inner.next().map(|k| k.as_rule()) {
                Some(Rule::kw_within) => match inner.next() {
                    Some(d) => Window::Within(self.duration_lit(d)),
                    None => Window::SinceEnter(span),
                },
                _ => Window::SinceEnter(span),
            }
        });
        History {
            function,
            target,
            filter,
            window,
        }
    }
}
