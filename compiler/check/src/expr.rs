//! Name resolution and type checking of expressions.

use journey_syntax::ast::{
    BinaryOp, Expr, ExprKind, History, HistoryFn, Ident, Literal, UnaryOp, Window,
};
use journey_syntax::Span;

use crate::checker::{Checker, DepNode, Scope};
use crate::lints::constant_condition::{constant_value, is_constant};
use crate::messages;
use crate::program::{span_key, Resolution, Symbol};
use crate::suggest::did_you_mean;
use crate::types::Type;

impl Checker<'_> {
    /// Checks a condition: it must be a `bool` that is not optional.
    pub fn condition(&mut self, expr: &Expr, scope: &Scope) {
        self.boolean(expr, scope, true);
        if is_constant(expr) {
            self.diagnostics.push(messages::constant_condition(
                expr.span,
                constant_value(expr),
            ));
        }
    }

    /// Checks a value against an expected type, reporting a mismatch.
    pub fn expect_type(&mut self, expr: &Expr, scope: &Scope, expected: &Type) -> Type {
        let ty = self.expr(expr, scope, Some(expected));
        if expected.accepts(&ty) {
            return ty;
        }
        if ty.is_optional() && expected.accepts(ty.unwrap_optional()) {
            self.diagnostics.push(messages::optional_misuse(
                expr.span,
                &self.show(&ty),
                &self.show(expected),
            ));
        } else {
            self.diagnostics.push(messages::type_mismatch(
                expr.span,
                &self.show(expected),
                &self.show(&ty),
            ));
        }
        Type::Error
    }

    /// The type of an expression; `expected` lets bare enum values resolve.
    pub fn expr(&mut self, expr: &Expr, scope: &Scope, expected: Option<&Type>) -> Type {
        let ty = self.expr_kind(expr, scope, expected);
        self.program.types.insert(span_key(expr.span), ty.clone());
        ty
    }

    fn expr_kind(&mut self, expr: &Expr, scope: &Scope, expected: Option<&Type>) -> Type {
        match &expr.kind {
            ExprKind::Literal(literal) => self.literal(literal, expr.span),
            ExprKind::Name(ident) => self.name(ident, expr.span, scope, expected),
            ExprKind::Profile => {
                self.diagnostics
                    .push(messages::profile_without_field(expr.span));
                Type::Error
            }
            ExprKind::Now => Type::Time,
            ExprKind::Member(base, field) => self.member(base, field, expr.span, scope),
            ExprKind::Paren(inner) => self.expr(inner, scope, expected),
            ExprKind::Unary(UnaryOp::Not, operand) => {
                self.condition_operand(operand, scope);
                Type::Bool
            }
            ExprKind::Unary(UnaryOp::Neg, operand) => {
                let ty = self.expr(operand, scope, None);
                match ty {
                    Type::Int | Type::Float | Type::Duration | Type::Error => ty,
                    Type::Optional(ref inner) => {
                        self.diagnostics.push(messages::optional_misuse(
                            operand.span,
                            &self.show(&ty),
                            &self.show(inner),
                        ));
                        Type::Error
                    }
                    other => {
                        self.diagnostics.push(messages::invalid_unary(
                            expr.span,
                            "-",
                            &self.show(&other),
                        ));
                        Type::Error
                    }
                }
            }
            ExprKind::IsSet { operand, .. } => {
                let ty = self.expr(operand, scope, None);
                if !ty.is_optional() && !ty.is_unknown() {
                    self.diagnostics
                        .push(messages::needless_is_set(expr.span, &self.show(&ty)));
                }
                Type::Bool
            }
            ExprKind::List(items) => {
                let mut element = Type::Unknown;
                let expected_element = match expected {
                    Some(Type::List(inner)) => Some(inner.as_ref().clone()),
                    _ => None,
                };
                for item in items {
                    let ty = self.expr(item, scope, expected_element.as_ref());
                    if element.is_unknown() {
                        element = ty;
                    } else if !element.accepts(&ty) {
                        if ty.accepts(&element) {
                            element = ty;
                        } else {
                            self.diagnostics.push(messages::type_mismatch(
                                item.span,
                                &self.show(&element),
                                &self.show(&ty),
                            ));
                        }
                    }
                }
                Type::List(Box::new(element))
            }
            ExprKind::History(history) => self.history(history, expr.span, scope),
            ExprKind::Binary(op, left, right) => self.binary(*op, left, right, expr.span, scope),
        }
    }

    fn condition_operand(&mut self, expr: &Expr, scope: &Scope) {
        self.boolean(expr, scope, false);
    }

    /// Checks that an expression is a present `bool`; a whole condition gets a mismatch
    /// message that says so, an operand of `and`/`or`/`not` a plain one.
    fn boolean(&mut self, expr: &Expr, scope: &Scope, is_condition: bool) {
        let ty = self.expr(expr, scope, Some(&Type::Bool));
        match ty {
            Type::Bool | Type::Error | Type::Unknown => {}
            Type::Optional(ref inner) if **inner == Type::Bool => {
                let found = self.show(&ty);
                self.diagnostics
                    .push(messages::optional_misuse(expr.span, &found, "bool"));
            }
            other => {
                let found = self.show(&other);
                self.diagnostics.push(if is_condition {
                    messages::condition_not_bool(expr.span, &found)
                } else {
                    messages::type_mismatch(expr.span, "bool", &found)
                });
            }
        }
    }

    fn literal(&mut self, literal: &Literal, span: Span) -> Type {
        match literal {
            Literal::Int(_) => Type::Int,
            Literal::Float(_) => Type::Float,
            Literal::String(_) => Type::String,
            Literal::Bool(_) => Type::Bool,
            Literal::Duration(_) => Type::Duration,
            Literal::CompoundDuration(parts) => {
                self.diagnostics
                    .push(messages::compound_duration(span, parts));
                Type::Duration
            }
            Literal::TimeOfDay(_) => Type::TimeOfDay,
            Literal::Date(_) => Type::Date,
            Literal::Instant(_) => Type::Time,
        }
    }

    /// A bare name.
    fn name(&mut self, ident: &Ident, span: Span, scope: &Scope, expected: Option<&Type>) -> Type {
        let name = ident.name.as_str();
        if let Some(event_name) = scope.event {
            if let Some(field) = self
                .program
                .events
                .get(event_name)
                .and_then(|e| e.field(name))
            {
                let ty = field.ty.clone();
                if let Some(binding) = scope.binding(name) {
                    self.diagnostics.push(messages::ambiguous_name(
                        ident,
                        event_name,
                        binding.span,
                    ));
                    return Type::Error;
                }
                self.reference(
                    Symbol::EventField(event_name.to_string(), name.to_string()),
                    ident.span,
                    scope,
                );
                self.resolve(
                    span,
                    Resolution::EventField {
                        event: event_name.to_string(),
                        field: name.to_string(),
                    },
                );
                return ty;
            }
        }
        if scope.binding(name).is_some() {
            self.diagnostics.push(messages::binding_as_value(ident));
            return Type::Error;
        }
        if let Some(Type::Enum(id)) = expected.map(Type::unwrap_optional) {
            if let Some(index) = self.program.variants(*id).iter().position(|v| v == name) {
                self.resolve(
                    span,
                    Resolution::EnumValue(*id, u32::try_from(index).unwrap_or(0)),
                );
                return Type::Enum(*id);
            }
        }
        if self.program.segments.contains_key(name) {
            self.reference(Symbol::Segment(name.to_string()), ident.span, scope);
            self.depend(DepNode::Segment(name.to_string()), ident.span);
            self.resolve(span, Resolution::Segment(name.to_string()));
            return Type::Bool;
        }
        if self.program.scores.contains_key(name) {
            self.reference(Symbol::Score(name.to_string()), ident.span, scope);
            self.depend(DepNode::Score(name.to_string()), ident.span);
            self.resolve(span, Resolution::Score(name.to_string()));
            return Type::Int;
        }
        if self.program.is_broken(name) {
            return Type::Error;
        }
        if scope.event.is_none() && self.program.any_event_has_field(name) {
            self.diagnostics.push(messages::field_without_event(ident));
            return Type::Error;
        }
        if let Some(Type::Enum(id)) = expected.map(Type::unwrap_optional) {
            let variants = self.program.variants(*id).to_vec();
            let suggestion =
                did_you_mean(name, variants.iter().map(String::as_str)).map(str::to_string);
            self.diagnostics.push(messages::unknown_enum_value(
                ident,
                &variants,
                suggestion.as_deref(),
            ));
            return Type::Error;
        }
        let mut candidates: Vec<String> = Vec::new();
        if let Some(event) = scope.event.and_then(|e| self.program.events.get(e)) {
            candidates.extend(event.fields.iter().map(|f| f.name.clone()));
        }
        candidates.extend(self.program.segments.keys().cloned());
        candidates.extend(self.program.scores.keys().cloned());
        candidates.sort();
        let suggestion =
            did_you_mean(name, candidates.iter().map(String::as_str)).map(str::to_string);
        if let Some(name) = &suggestion {
            self.program.suggested.insert(name.clone());
        }
        let keyword = did_you_mean(name, journey_syntax::KEYWORDS).filter(|_| suggestion.is_none());
        match scope.event {
            Some(event) => self.diagnostics.push(messages::unknown_bare_field(
                ident,
                event,
                suggestion.as_deref(),
            )),
            None => self.diagnostics.push(messages::unknown_name(
                ident,
                suggestion.as_deref().or(keyword),
            )),
        }
        Type::Error
    }

    fn member(&mut self, base: &Expr, field: &Ident, span: Span, scope: &Scope) -> Type {
        match &base.kind {
            ExprKind::Profile => self.profile_field(field, scope),
            ExprKind::Name(name) if scope.binding(&name.name).is_some() => {
                let Some(binding) = scope.binding(&name.name).cloned() else {
                    return Type::Error;
                };
                let ty = self.event_field(&binding.event, field, scope);
                if !ty.is_unknown() {
                    self.resolve(
                        span,
                        Resolution::BindingField {
                            binding: binding.name,
                            defined_at: binding.span,
                            event: binding.event,
                            field: field.name.clone(),
                        },
                    );
                }
                ty
            }
            ExprKind::History(history) if history.function == HistoryFn::Last => {
                let Some(event) = self.history_event(&history.target, scope) else {
                    return Type::Error;
                };
                self.history_filter(history, &event, scope);
                self.event_field(&event, field, scope).optional()
            }
            ExprKind::Name(name)
                if self
                    .program
                    .events
                    .contains_key(&format!("{}.{}", name.name, field.name)) =>
            {
                self.diagnostics.push(messages::event_as_value(
                    &format!("{}.{}", name.name, field.name),
                    base.span.to(field.span),
                ));
                Type::Error
            }
            _ => {
                let ty = self.expr(base, scope, None);
                if !ty.is_unknown() {
                    self.diagnostics
                        .push(messages::no_fields(field, &self.show(&ty)));
                }
                Type::Error
            }
        }
    }

    /// Records what the expression at `span` means.
    fn resolve(&mut self, span: Span, resolution: Resolution) {
        self.program.resolutions.insert(span_key(span), resolution);
    }

    /// `profile.NAME`.
    pub fn profile_field(&mut self, field: &Ident, scope: &Scope) -> Type {
        if let Some(info) = self.program.profile_field(&field.name) {
            let ty = info.ty.clone();
            self.reference(Symbol::ProfileField(field.name.clone()), field.span, scope);
            return ty;
        }
        let names: Vec<&str> = self
            .program
            .profile
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        let suggestion = did_you_mean(&field.name, names.iter().copied()).map(str::to_string);
        self.diagnostics.push(messages::unknown_profile_field(
            field,
            suggestion.as_deref(),
        ));
        Type::Error
    }

    /// `EVENT.field` of a known event.
    pub fn event_field(&mut self, event_name: &str, field: &Ident, scope: &Scope) -> Type {
        let Some(event) = self.program.events.get(event_name) else {
            return Type::Error;
        };
        if let Some(info) = event.field(&field.name) {
            let ty = info.ty.clone();
            self.reference(
                Symbol::EventField(event_name.to_string(), field.name.clone()),
                field.span,
                scope,
            );
            return ty;
        }
        let suggestion = did_you_mean(&field.name, event.fields.iter().map(|f| f.name.as_str()))
            .map(str::to_string);
        self.diagnostics.push(messages::unknown_field(
            field,
            event_name,
            suggestion.as_deref(),
        ));
        Type::Error
    }

    /// Resolves an event name used in an expression or clause, recording the use.
    pub fn resolve_event(&mut self, ident: &Ident, scope: &Scope) -> Option<String> {
        if self.program.events.contains_key(&ident.name) {
            self.reference(Symbol::Event(ident.name.clone()), ident.span, scope);
            return Some(ident.name.clone());
        }
        if !self.program.is_broken(&ident.name) {
            let names = self.program.event_names();
            let suggestion = did_you_mean(&ident.name, names.iter().copied()).map(str::to_string);
            let other_kind = self.program.global(&ident.name).map(|(kind, _)| kind);
            if let Some(name) = &suggestion {
                self.program.suggested.insert(name.clone());
            }
            self.diagnostics.push(messages::unknown_event(
                ident,
                suggestion.as_deref(),
                other_kind,
            ));
        }
        None
    }

    fn history_event(&mut self, target: &Ident, scope: &Scope) -> Option<String> {
        self.resolve_event(target, scope)
    }

    fn history_filter(&mut self, history: &History, event: &str, scope: &Scope) {
        if let Some(filter) = &history.filter {
            let inner = scope.with_event(event);
            self.condition(filter, &inner);
            self.check_history_filter_reads(filter);
        }
    }

    fn history(&mut self, history: &History, span: Span, scope: &Scope) -> Type {
        if let Some(Window::SinceEnter(window_span)) = &history.window {
            if !scope.in_journey {
                self.diagnostics
                    .push(messages::since_enter_outside_journey(*window_span));
            }
        }
        if let Some(Window::Within(duration)) = &history.window {
            if duration.value.amount == 0 {
                self.diagnostics.push(messages::zero_window(duration.span));
            }
        }
        match history.function {
            HistoryFn::Count => {
                if let Some(event) = self.history_event(&history.target, scope) {
                    self.history_filter(history, &event, scope);
                }
                Type::Int
            }
            HistoryFn::Since => {
                if let Some(event) = self.history_event(&history.target, scope) {
                    self.history_filter(history, &event, scope);
                }
                Type::Duration.optional()
            }
            HistoryFn::Last => {
                if let Some(event) = self.history_event(&history.target, scope) {
                    self.history_filter(history, &event, scope);
                }
                self.diagnostics
                    .push(messages::last_without_field(span, &history.target.name));
                Type::Error
            }
            HistoryFn::Sum | HistoryFn::Min | HistoryFn::Max | HistoryFn::Avg => {
                self.aggregate(history, span, scope)
            }
        }
    }

    /// `sum(EVENT.field ...)` and friends: the target ends in the field.
    fn aggregate(&mut self, history: &History, span: Span, scope: &Scope) -> Type {
        let target = &history.target;
        let function = history.function.as_str();
        let Some((event_text, field_text)) = target.name.rsplit_once('.') else {
            self.diagnostics.push(messages::aggregate_needs_field(
                span,
                function,
                &target.name,
            ));
            return Type::Error;
        };
        let event_ident = Ident {
            name: event_text.to_string(),
            span: Span {
                end: target.span.start + u32::try_from(event_text.len()).unwrap_or(0),
                ..target.span
            },
        };
        if self.program.events.contains_key(&target.name) {
            self.reference(Symbol::Event(target.name.clone()), target.span, scope);
            self.diagnostics.push(messages::aggregate_needs_field(
                span,
                function,
                &target.name,
            ));
            return Type::Error;
        }
        let Some(event) = self.resolve_event(&event_ident, scope) else {
            return Type::Error;
        };
        let field_ident = Ident {
            name: field_text.to_string(),
            span: Span {
                start: target.span.end - u32::try_from(field_text.len()).unwrap_or(0),
                ..target.span
            },
        };
        self.history_filter(history, &event, scope);
        let field_type = self.event_field(&event, &field_ident, scope);
        let numeric = field_type.unwrap_optional().clone();
        if field_type.is_unknown() {
            return Type::Error;
        }
        if !numeric.is_numeric() {
            self.diagnostics.push(messages::aggregate_not_numeric(
                span,
                function,
                &field_ident.name,
                &self.show(&field_type),
            ));
            return Type::Error;
        }
        match history.function {
            HistoryFn::Sum => numeric,
            HistoryFn::Avg => Type::Float.optional(),
            _ => numeric.optional(),
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        left: &Expr,
        right: &Expr,
        span: Span,
        scope: &Scope,
    ) -> Type {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                self.condition_operand(left, scope);
                self.condition_operand(right, scope);
                Type::Bool
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let (l, r) = self.operands(left, right, scope);
                if !l.comparable_with(&r) {
                    self.diagnostics.push(messages::type_mismatch(
                        right.span,
                        &self.show(l.unwrap_optional()),
                        &self.show(&r),
                    ));
                }
                self.check_zone_comparison(left, right);
                self.record_score_comparison(op, left, right, span);
                Type::Bool
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let (l, r) = self.operands(left, right, scope);
                let l = self.present(l, left);
                let r = self.present(r, right);
                if !l.is_unknown() && !r.is_unknown() {
                    if !l.is_ordered() {
                        self.diagnostics.push(messages::invalid_operands(
                            span,
                            op.as_str(),
                            &self.show(&l),
                            &self.show(&r),
                        ));
                    } else if !l.comparable_with(&r) {
                        self.diagnostics.push(messages::type_mismatch(
                            right.span,
                            &self.show(&l),
                            &self.show(&r),
                        ));
                    }
                }
                self.record_score_comparison(op, left, right, span);
                Type::Bool
            }
            BinaryOp::In => {
                let l = self.expr(left, scope, None);
                let l = self.present(l, left);
                let r = self.expr(right, scope, Some(&Type::List(Box::new(l.clone()))));
                let r = self.present(r, right);
                match &r {
                    Type::List(element) => {
                        if !element.comparable_with(&l) {
                            self.diagnostics.push(messages::type_mismatch(
                                left.span,
                                &self.show(element),
                                &self.show(&l),
                            ));
                        }
                    }
                    t if t.is_unknown() => {}
                    other => self.diagnostics.push(messages::invalid_operands(
                        span,
                        "in",
                        &self.show(&l),
                        &self.show(other),
                    )),
                }
                Type::Bool
            }
            BinaryOp::Contains => {
                let l = self.expr(left, scope, None);
                let l = self.present(l, left);
                let expected_right = match &l {
                    Type::List(element) => element.as_ref().clone(),
                    _ => Type::String,
                };
                let r = self.expr(right, scope, Some(&expected_right));
                let r = self.present(r, right);
                let ok = match &l {
                    Type::String => r == Type::String || r.is_unknown(),
                    Type::List(element) => element.comparable_with(&r),
                    t => t.is_unknown(),
                };
                if !ok {
                    self.diagnostics.push(messages::invalid_operands(
                        span,
                        "contains",
                        &self.show(&l),
                        &self.show(&r),
                    ));
                }
                Type::Bool
            }
            BinaryOp::StartsWith | BinaryOp::EndsWith => {
                let l = self.expr(left, scope, Some(&Type::String));
                let l = self.present(l, left);
                let r = self.expr(right, scope, Some(&Type::String));
                let r = self.present(r, right);
                let ok = |t: &Type| *t == Type::String || t.is_unknown();
                if !ok(&l) || !ok(&r) {
                    self.diagnostics.push(messages::invalid_operands(
                        span,
                        op.as_str(),
                        &self.show(&l),
                        &self.show(&r),
                    ));
                }
                Type::Bool
            }
            BinaryOp::Coalesce => {
                let l = self.expr(left, scope, None);
                let inner = l.unwrap_optional().clone();
                if !l.is_optional() && !l.is_unknown() {
                    self.diagnostics.push(messages::needless_default(
                        span,
                        left.span,
                        &self.show(&l),
                    ));
                }
                let r = self.expr(right, scope, Some(&inner));
                if inner.is_unknown() {
                    return r;
                }
                if inner.accepts(r.unwrap_optional()) {
                    if r.is_optional() {
                        inner.optional()
                    } else {
                        inner
                    }
                } else if r.unwrap_optional().accepts(&inner) {
                    r
                } else {
                    self.diagnostics.push(messages::type_mismatch(
                        right.span,
                        &self.show(&inner),
                        &self.show(&r),
                    ));
                    Type::Error
                }
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                let l = self.expr(left, scope, None);
                let l = self.present(l, left);
                let r = self.expr(right, scope, None);
                let r = self.present(r, right);
                if l.is_unknown() || r.is_unknown() {
                    return Type::Error;
                }
                match arithmetic(op, &l, &r) {
                    Some(ty) => ty,
                    None => {
                        self.diagnostics.push(messages::invalid_operands(
                            span,
                            op.as_str(),
                            &self.show(&l),
                            &self.show(&r),
                        ));
                        Type::Error
                    }
                }
            }
        }
    }

    /// Types both operands of a comparison, letting a bare enum value on either side take its
    /// type from the other.
    fn operands(&mut self, left: &Expr, right: &Expr, scope: &Scope) -> (Type, Type) {
        if self.is_bare_unresolved(left, scope) {
            let r = self.expr(right, scope, None);
            let l = self.expr(left, scope, Some(&r));
            (l, r)
        } else {
            let l = self.expr(left, scope, None);
            let r = self.expr(right, scope, Some(&l));
            (l, r)
        }
    }

    fn is_bare_unresolved(&self, expr: &Expr, scope: &Scope) -> bool {
        let ExprKind::Name(ident) = &expr.kind else {
            return false;
        };
        let name = ident.name.as_str();
        let is_field = scope
            .event
            .and_then(|e| self.program.events.get(e))
            .is_some_and(|e| e.field(name).is_some());
        !is_field
            && scope.binding(name).is_none()
            && !self.program.segments.contains_key(name)
            && !self.program.scores.contains_key(name)
    }

    /// An operand that must be present: an optional is reported and treated as unknown.
    fn present(&mut self, ty: Type, expr: &Expr) -> Type {
        if ty.is_optional() {
            let inner = ty.unwrap_optional().clone();
            self.diagnostics.push(messages::optional_misuse(
                expr.span,
                &self.show(&ty),
                &self.show(&inner),
            ));
            return Type::Error;
        }
        ty
    }

    fn check_zone_comparison(&mut self, left: &Expr, right: &Expr) {
        for (a, b) in [(left, right), (right, left)] {
            if is_profile_field(a, "timezone") {
                if let ExprKind::Literal(Literal::String(zone)) = &b.kind {
                    self.check_zone(zone, b.span);
                }
            }
        }
    }

    /// Reports a string that is not a time-zone name of the tz database.
    pub fn check_zone(&mut self, zone: &str, span: Span) {
        if jiff::tz::db().get(zone).is_ok() {
            return;
        }
        let names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
        let suggestion = did_you_mean(zone, names.iter().map(String::as_str)).map(str::to_string);
        self.diagnostics.push(messages::unknown_time_zone(
            zone,
            span,
            suggestion.as_deref(),
        ));
    }

    fn record_score_comparison(&mut self, op: BinaryOp, left: &Expr, right: &Expr, span: Span) {
        let as_score = |e: &Expr| match &e.kind {
            ExprKind::Name(ident) if self.program.scores.contains_key(&ident.name) => {
                Some(ident.name.clone())
            }
            _ => None,
        };
        let as_int = |e: &Expr| match &e.kind {
            ExprKind::Literal(Literal::Int(v)) => Some(*v),
            ExprKind::Unary(UnaryOp::Neg, inner) => match &inner.kind {
                ExprKind::Literal(Literal::Int(v)) => Some(-*v),
                _ => None,
            },
            _ => None,
        };
        if let (Some(score), Some(value)) = (as_score(left), as_int(right)) {
            self.score_comparisons.push((score, op, value, span));
        } else if let (Some(value), Some(score)) = (as_int(left), as_score(right)) {
            let flipped = match op {
                BinaryOp::Lt => BinaryOp::Gt,
                BinaryOp::Le => BinaryOp::Ge,
                BinaryOp::Gt => BinaryOp::Lt,
                BinaryOp::Ge => BinaryOp::Le,
                other => other,
            };
            self.score_comparisons.push((score, flipped, value, span));
        }
    }
}

/// Whether an expression is `profile.NAME`.
pub fn is_profile_field(expr: &Expr, name: &str) -> bool {
    matches!(&expr.kind, ExprKind::Member(base, field) if matches!(base.kind, ExprKind::Profile) && field.name == name)
}

/// The result type of arithmetic, or `None` when the operands do not support the operator.
fn arithmetic(op: BinaryOp, l: &Type, r: &Type) -> Option<Type> {
    use Type::*;
    Some(match (op, l, r) {
        (_, Int, Int) => Int,
        (_, Int | Float, Int | Float) => Float,
        (BinaryOp::Add | BinaryOp::Sub, Duration, Duration) => Duration,
        (BinaryOp::Add | BinaryOp::Sub, Time, Duration) => Time,
        (BinaryOp::Add, Duration, Time) => Time,
        (BinaryOp::Sub, Time, Time) => Duration,
        (BinaryOp::Mul, Duration, Int) | (BinaryOp::Mul, Int, Duration) => Duration,
        (BinaryOp::Div, Duration, Int) => Duration,
        (BinaryOp::Add, String, String) => String,
        _ => return None,
    })
}
