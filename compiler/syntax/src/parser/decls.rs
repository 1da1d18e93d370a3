//! Building declarations: events, profile fields, policy, scores, conversions, and the parts
//! they share (optional `where` and `as`, points, integers).

use super::*;

impl Builder<'_> {
    pub(super) fn decl(&mut self, pair: P) -> Decl {
        let span = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return self.empty_broken(span);
        };
        let kind = match inner.as_rule() {
            Rule::event_decl => DeclKind::Event(self.event_decl(inner)),
            Rule::profile_decl => DeclKind::Profile(ProfileDecl {
                fields: inner
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::profile_field)
                    .map(|p| self.profile_field(p))
                    .collect(),
            }),
            Rule::policy_decl => DeclKind::Policy(PolicyDecl {
                rules: inner
                    .into_inner()
                    .filter(|p| p.as_rule() != Rule::kw_policy)
                    .map(|p| self.policy_rule(p))
                    .collect(),
            }),
            Rule::segment_decl => {
                let mut parts = inner.into_inner().skip(1);
                let (Some(name), Some(condition)) = (parts.next(), parts.next()) else {
                    return self.empty_broken(span);
                };
                DeclKind::Segment(SegmentDecl {
                    name: self.ident(name),
                    condition: self.expr(condition),
                })
            }
            Rule::score_decl => {
                let mut parts = inner.into_inner().skip(1);
                let Some(name) = parts.next() else {
                    return self.empty_broken(span);
                };
                let name = self.ident(name);
                let rules = parts.map(|p| self.score_rule(p)).collect();
                DeclKind::Score(ScoreDecl { name, rules })
            }
            Rule::journey_decl => {
                let mut parts = inner.into_inner().skip(1);
                let Some(name) = parts.next() else {
                    return self.empty_broken(span);
                };
                let name = self.ident(name);
                let items = parts.map(|p| self.journey_item(p)).collect();
                DeclKind::Journey(JourneyDecl { name, items })
            }
            Rule::conversion_decl => DeclKind::Conversion(self.conversion_decl(inner)),
            Rule::test_decl => {
                let mut parts = inner.into_inner().skip(1);
                let Some(name) = parts.next() else {
                    return self.empty_broken(span);
                };
                let name = self.string(name);
                let items = parts.map(|p| self.test_item(p)).collect();
                DeclKind::Test(TestDecl { name, items })
            }
            _ => return self.empty_broken(span),
        };
        Decl {
            doc: None,
            kind,
            span,
        }
    }

    pub(super) fn conversion_decl(&mut self, pair: P) -> ConversionDecl {
        let mut parts = pair.into_inner().skip(1).peekable();
        let name = parts
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let event = parts
            .nth(1)
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let filter = self.optional_where(&mut parts);
        let mut value = None;
        let mut within = None;
        for part in parts {
            match part.as_rule() {
                Rule::conversion_value => {
                    value = part.into_inner().nth(1).map(|p| self.ident(p));
                }
                Rule::conversion_within => {
                    within = part.into_inner().nth(1).map(|p| self.duration_lit(p));
                }
                _ => {}
            }
        }
        ConversionDecl {
            name,
            event,
            filter,
            value,
            within,
        }
    }

    pub(super) fn empty_broken(&self, span: Span) -> Decl {
        Decl {
            doc: None,
            kind: DeclKind::Broken(BrokenDecl {
                keyword: String::new(),
                name: None,
            }),
            span,
        }
    }

    pub(super) fn event_decl(&mut self, pair: P) -> EventDecl {
        let mut parts = pair.into_inner().skip(1);
        let name = parts
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let fields = parts
            .filter(|p| p.as_rule() == Rule::field_decl)
            .map(|p| {
                let span = self.span(&p);
                let mut inner = p.into_inner();
                let name = inner
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let ty = inner
                    .next()
                    .map(|p| self.type_expr(p))
                    .unwrap_or_else(|| TypeExpr {
                        kind: TypeExprKind::Named(self.missing_ident()),
                        optional: false,
                        span,
                    });
                FieldDecl { name, ty, span }
            })
            .collect();
        EventDecl { name, fields }
    }

    pub(super) fn missing_ident(&self) -> Ident {
        Ident {
            name: String::new(),
            span: Span::new(self.file, self.base, self.base),
        }
    }

    pub(super) fn type_expr(&mut self, pair: P) -> TypeExpr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let base = inner.next().and_then(|b| b.into_inner().next());
        let optional = inner.next().is_some();
        let kind = match base {
            Some(p) if p.as_rule() == Rule::enum_type => TypeExprKind::Enum(
                p.into_inner()
                    .filter(|v| v.as_rule() == Rule::word)
                    .map(|v| self.ident(v))
                    .collect(),
            ),
            Some(p) if p.as_rule() == Rule::list_type => {
                let element = p.into_inner().find(|e| e.as_rule() == Rule::type_expr);
                match element {
                    Some(e) => TypeExprKind::List(Box::new(self.type_expr(e))),
                    None => TypeExprKind::Named(self.missing_ident()),
                }
            }
            Some(p) => match p.into_inner().next() {
                Some(name) => TypeExprKind::Named(self.ident(name)),
                None => TypeExprKind::Named(self.missing_ident()),
            },
            None => TypeExprKind::Named(self.missing_ident()),
        };
        TypeExpr {
            kind,
            optional,
            span,
        }
    }

    pub(super) fn profile_field(&mut self, pair: P) -> ProfileField {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = inner
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let ty = match inner.next() {
            Some(p) => self.type_expr(p),
            None => TypeExpr {
                kind: TypeExprKind::Named(self.missing_ident()),
                optional: false,
                span,
            },
        };
        let default = inner.next().map(|p| self.expr(p));
        ProfileField {
            name,
            ty,
            default,
            span,
        }
    }

    pub(super) fn policy_rule(&mut self, pair: P) -> PolicyRule {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<P> = pair.into_inner().collect();
        let kind = match rule {
            Rule::quiet_rule => PolicyRuleKind::QuietHours {
                from: self.time_of_day(parts[2].clone()),
                to: self.time_of_day(parts[4].clone()),
                zone: zone_of(&parts[5]),
            },
            Rule::cap_rule => PolicyRuleKind::Cap {
                channel: self.channel(parts[1].clone()),
                limit: self.int_lit(parts[2].clone()),
                per: self.duration_lit(parts[4].clone()),
            },
            _ => PolicyRuleKind::Consent {
                channel: self.channel(parts[1].clone()),
                condition: self.expr(parts[3].clone()),
            },
        };
        PolicyRule { kind, span }
    }

    pub(super) fn channel(&self, pair: P) -> Ident {
        match pair.into_inner().next() {
            Some(p) => self.ident(p),
            None => self.missing_ident(),
        }
    }

    pub(super) fn score_rule(&mut self, pair: P) -> ScoreRule {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().skip(1).peekable();
        let kind = match rule {
            Rule::score_on => {
                let event = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let filter = self.optional_where(&mut parts);
                let points = parts
                    .next()
                    .map(|p| self.points(p))
                    .unwrap_or(Points { value: 0, span });
                let cap = parts.next().map(|p| {
                    let cap_parts: Vec<P> = p.into_inner().collect();
                    ScoreCap {
                        limit: self.int_lit(cap_parts[1].clone()),
                        per: self.duration_lit(cap_parts[3].clone()),
                    }
                });
                ScoreRuleKind::On {
                    event,
                    filter,
                    points,
                    cap,
                }
            }
            Rule::score_while => {
                let condition = parts.next().map(|p| self.expr(p));
                let points = parts
                    .next()
                    .map(|p| self.points(p))
                    .unwrap_or(Points { value: 0, span });
                ScoreRuleKind::While {
                    condition: condition.unwrap_or_else(|| self.bool_expr(span)),
                    points,
                }
            }
            _ => {
                let percent = parts.next().map(|p| self.percent(p));
                let every = parts.nth(1).map(|p| self.duration_lit(p));
                ScoreRuleKind::Decay {
                    percent: percent.unwrap_or(PercentLit {
                        value: 0.0,
                        text: "0".into(),
                        span,
                    }),
                    every: every.unwrap_or(DurationLit {
                        value: Duration {
                            amount: 0,
                            unit: DurationUnit::Days,
                        },
                        span,
                    }),
                }
            }
        };
        ScoreRule { kind, span }
    }

    pub(super) fn bool_expr(&self, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Literal(Literal::Bool(true)),
            span,
        }
    }

    pub(super) fn optional_where<'i, I: Iterator<Item = P<'i>>>(
        &mut self,
        parts: &mut std::iter::Peekable<I>,
    ) -> Option<Expr> {
        if parts.peek().map(|p| p.as_rule()) == Some(Rule::where_clause) {
            parts
                .next()
                .and_then(|w| w.into_inner().nth(1))
                .map(|e| self.expr(e))
        } else {
            None
        }
    }

    pub(super) fn optional_binding<'i, I: Iterator<Item = P<'i>>>(
        &mut self,
        parts: &mut std::iter::Peekable<I>,
    ) -> Option<Ident> {
        if parts.peek().map(|p| p.as_rule()) == Some(Rule::binding) {
            parts
                .next()
                .and_then(|b| b.into_inner().nth(1))
                .map(|i| self.ident(i))
        } else {
            None
        }
    }

    pub(super) fn points(&mut self, pair: P) -> Points {
        let span = self.span(&pair);
        let value = self.parse_int(pair.as_str(), span);
        Points { value, span }
    }

    /// Parses a signed or unsigned integer, reporting one that does not fit in 64 bits.
    pub(super) fn parse_int(&mut self, text: &str, span: Span) -> i64 {
        text.parse::<i64>().unwrap_or_else(|_| {
            self.error(
                SyntaxErrorKind::InvalidLiteral {
                    what: LiteralKind::Int,
                    text: text.to_string(),
                },
                span,
            );
            0
        })
    }
}
