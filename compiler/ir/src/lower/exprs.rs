//! Lowering expressions: typed nodes in the program's arena, names read from the checker's
//! resolutions, history aggregates listed once per distinct aggregate.

use super::*;

impl Lowering<'_> {
    // ---- expressions ----------------------------------------------------------------------------

    pub(super) fn push(&mut self, ty: Type, kind: ExprKind) -> ExprId {
        self.program.exprs.push(Expr { ty, kind });
        ExprId(index(self.program.exprs.len() - 1))
    }

    /// `expr` as a `float` where `target` is one and `expr` is an `int`: a constant becomes a
    /// float constant, anything else `expr + 0.0` (exact for every `int`, missing stays missing),
    /// so that a `float` slot or `??` never holds an `int` and later arithmetic is never integer
    /// arithmetic by accident. Anything else is returned as it is.
    pub(super) fn widen(&mut self, expr: ExprId, target: &Type) -> ExprId {
        let from = self.program.expr(expr).ty.clone();
        if target.unwrap_optional() != &Type::Float || from.unwrap_optional() != &Type::Int {
            return expr;
        }
        if let ExprKind::Const(Const::Int(v)) = self.program.expr(expr).kind {
            return self.push(Type::Float, ExprKind::Const(Const::Float(v as f64)));
        }
        let zero = self.push(Type::Float, ExprKind::Const(Const::Float(0.0)));
        let ty = match from {
            Type::Optional(_) => Type::Optional(Box::new(Type::Float)),
            _ => Type::Float,
        };
        self.push(ty, ExprKind::Arith(ArithOp::Add, expr, zero))
    }

    pub(super) fn type_of(&self, span: Span) -> Type {
        self.analysis
            .program
            .types
            .get(&span_key(span))
            .map_or(Type::Unknown, ir_type)
    }

    pub(super) fn expr(
        &mut self,
        expr: &ast::Expr,
        context: &Context,
    ) -> Result<ExprId, LowerError> {
        let ty = self.type_of(expr.span);
        let kind = match &expr.kind {
            AstExpr::Paren(inner) => return self.expr(inner, context),
            AstExpr::Literal(literal) => ExprKind::Const(constant(literal)?),
            AstExpr::Now => ExprKind::Now,
            AstExpr::Profile => return unsupported("`profile` without a field"),
            AstExpr::Name(ident) => self.name(ident, expr.span, context)?,
            AstExpr::Member(base, field) => self.member(base, field, expr.span, context)?,
            AstExpr::Unary(UnaryOp::Not, operand) => ExprKind::Not(self.expr(operand, context)?),
            AstExpr::Unary(UnaryOp::Neg, operand) => ExprKind::Neg(self.expr(operand, context)?),
            AstExpr::IsSet { operand, negated } => {
                ExprKind::IsSet(self.expr(operand, context)?, *negated)
            }
            AstExpr::List(items) => ExprKind::List(
                items
                    .iter()
                    .map(|i| self.expr(i, context))
                    .collect::<Result<_, _>>()?,
            ),
            AstExpr::History(history) => ExprKind::History(self.history(history, None, context)?),
            AstExpr::Binary(op, left, right) => {
                let l = self.expr(left, context)?;
                let r = self.expr(right, context)?;
                match op {
                    BinaryOp::Or => ExprKind::Or(l, r),
                    BinaryOp::And => ExprKind::And(l, r),
                    BinaryOp::Eq => ExprKind::Compare(CompareOp::Eq, l, r),
                    BinaryOp::Ne => ExprKind::Compare(CompareOp::Ne, l, r),
                    BinaryOp::Lt => ExprKind::Compare(CompareOp::Lt, l, r),
                    BinaryOp::Le => ExprKind::Compare(CompareOp::Le, l, r),
                    BinaryOp::Gt => ExprKind::Compare(CompareOp::Gt, l, r),
                    BinaryOp::Ge => ExprKind::Compare(CompareOp::Ge, l, r),
                    BinaryOp::In => ExprKind::In(l, r),
                    BinaryOp::Contains => ExprKind::Contains(l, r),
                    BinaryOp::StartsWith => ExprKind::StartsWith(l, r),
                    BinaryOp::EndsWith => ExprKind::EndsWith(l, r),
                    BinaryOp::Coalesce => {
                        ExprKind::Coalesce(self.widen(l, &ty), self.widen(r, &ty))
                    }
                    BinaryOp::Add => ExprKind::Arith(ArithOp::Add, l, r),
                    BinaryOp::Sub => ExprKind::Arith(ArithOp::Sub, l, r),
                    BinaryOp::Mul => ExprKind::Arith(ArithOp::Mul, l, r),
                    BinaryOp::Div => ExprKind::Arith(ArithOp::Div, l, r),
                }
            }
        };
        Ok(self.push(ty, kind))
    }

    pub(super) fn name(
        &mut self,
        ident: &ast::Ident,
        span: Span,
        context: &Context,
    ) -> Result<ExprKind, LowerError> {
        match self.analysis.program.resolutions.get(&span_key(span)) {
            Some(Resolution::EventField { field, .. }) => {
                let Some(event) = context.event else {
                    return unsupported(format!("field `{field}` outside `where`"));
                };
                let slot = self.program.events[event.index()].slot(field);
                slot.map(|s| ExprKind::EventField(event, s))
                    .map_or_else(|| unsupported(format!("field `{field}`")), Ok)
            }
            Some(Resolution::Segment(name)) => self
                .names
                .segments
                .get(name)
                .map(|id| ExprKind::Segment(*id))
                .map_or_else(|| unsupported(format!("segment `{name}`")), Ok),
            Some(Resolution::Score(name)) => self
                .names
                .scores
                .get(name)
                .map(|id| ExprKind::Score(*id))
                .map_or_else(|| unsupported(format!("score `{name}`")), Ok),
            Some(Resolution::EnumValue(_, variant)) => Ok(ExprKind::Const(Const::Enum(*variant))),
            _ => unsupported(format!("the name `{}`", ident.name)),
        }
    }

    pub(super) fn member(
        &mut self,
        base: &ast::Expr,
        field: &ast::Ident,
        span: Span,
        context: &Context,
    ) -> Result<ExprKind, LowerError> {
        match &base.kind {
            AstExpr::Profile => Ok(ExprKind::Profile(self.profile_slot(&field.name)?)),
            AstExpr::History(history) if history.function == ast::HistoryFn::Last => Ok(
                ExprKind::History(self.history(history, Some(&field.name), context)?),
            ),
            _ => match self.analysis.program.resolutions.get(&span_key(span)) {
                Some(Resolution::BindingField {
                    defined_at,
                    event,
                    field,
                    ..
                }) => {
                    let Some(binding) = context.bindings.get(&span_key(*defined_at)).copied()
                    else {
                        return unsupported(format!("binding of `{event}`"));
                    };
                    let event = self.event(event)?;
                    let slot = self.program.events[event.index()].slot(field);
                    slot.map(|s| ExprKind::BindingField(binding, event, s))
                        .map_or_else(|| unsupported(format!("field `{field}`")), Ok)
                }
                _ => unsupported(format!("`.{}`", field.name)),
            },
        }
    }

    pub(super) fn history(
        &mut self,
        history: &ast::History,
        last_field: Option<&str>,
        context: &Context,
    ) -> Result<HistoryId, LowerError> {
        let function = match history.function {
            ast::HistoryFn::Count => HistoryFunction::Count,
            ast::HistoryFn::Sum => HistoryFunction::Sum,
            ast::HistoryFn::Min => HistoryFunction::Min,
            ast::HistoryFn::Max => HistoryFunction::Max,
            ast::HistoryFn::Avg => HistoryFunction::Avg,
            ast::HistoryFn::Last => HistoryFunction::Last,
            ast::HistoryFn::Since => HistoryFunction::Since,
        };
        let target = &history.target.name;
        let (event_name, field_name) = match function {
            HistoryFunction::Sum
            | HistoryFunction::Min
            | HistoryFunction::Max
            | HistoryFunction::Avg => match target.rsplit_once('.') {
                Some((event, field)) => (event, Some(field)),
                None => return unsupported(format!("`{target}` without a field")),
            },
            HistoryFunction::Last => (target.as_str(), last_field),
            _ => (target.as_str(), None),
        };
        let event = self.event(event_name)?;
        let field = match field_name {
            Some(name) => match self.program.events[event.index()].slot(name) {
                Some(slot) => Some(slot),
                None => return unsupported(format!("field `{name}`")),
            },
            None => None,
        };
        let filter_context = Context {
            event: Some(event),
            ..context.clone()
        };
        let (exprs_before, histories_before) =
            (self.program.exprs.len(), self.program.histories.len());
        let filter = self.filter(history.filter.as_ref(), &filter_context)?;
        let window = match &history.window {
            Some(ast::Window::Within(d)) => HistoryWindow::Within(d.value.seconds()),
            Some(ast::Window::SinceEnter(_)) => match context.journey {
                Some(journey) => HistoryWindow::SinceEnter(journey),
                None => return unsupported("`since enter` outside a journey"),
            },
            None => HistoryWindow::All,
        };
        let key = filter.and_then(|f| read_time_key(&self.program, f, event));
        let history = History {
            function,
            event,
            filter,
            field,
            window,
            key,
        };
        // The same aggregate written twice (say `sum(order.completed.value within 365d)` in a
        // segment and in a journey) is kept once: the runtime stores each aggregate's events
        // per contact.
        let exprs = &self.program.exprs;
        if let Some(same) = self.program.histories.iter().position(|h| {
            (h.function, h.event, h.field, h.window)
                == (
                    history.function,
                    history.event,
                    history.field,
                    history.window,
                )
                && match (h.filter, history.filter) {
                    (None, None) => true,
                    (Some(a), Some(b)) => same_tree(exprs, a, b),
                    _ => false,
                }
        }) {
            // The filter just lowered is not needed: drop its nodes (the last ones pushed),
            // unless a history inside it refers to them.
            if self.program.histories.len() == histories_before {
                self.program.exprs.truncate(exprs_before);
            }
            return Ok(HistoryId(index(same)));
        }
        self.program.histories.push(history);
        Ok(HistoryId(index(self.program.histories.len() - 1)))
    }
}
