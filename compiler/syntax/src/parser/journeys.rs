//! Building journeys and tests: journey items, entries, steps and their blocks, payloads, time
//! specifications, and `test` items with their expectations.

use super::*;

impl Builder<'_> {
    pub(super) fn journey_item(&mut self, pair: P) -> JourneyItem {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::enter_clause => {
                let entry = pair.into_inner().nth(1).map(|e| self.entry(e));
                let entry = entry.unwrap_or(Entry::When(self.bool_expr(span)));
                JourneyItem::Clause(Clause {
                    kind: ClauseKind::Enter(entry),
                    span,
                })
            }
            Rule::reenter_clause => {
                let parts: Vec<P> = pair.into_inner().skip(1).collect();
                let reenter = match parts.first().map(|p| p.as_rule()) {
                    Some(Rule::cw_always) => Reenter::Always,
                    Some(Rule::cw_after) => match parts.get(1) {
                        Some(d) => Reenter::After(self.duration_lit(d.clone())),
                        None => Reenter::Never,
                    },
                    _ => Reenter::Never,
                };
                JourneyItem::Clause(Clause {
                    kind: ClauseKind::Reenter(reenter),
                    span,
                })
            }
            Rule::goal_clause => {
                let mut parts = pair.into_inner().skip(1).peekable();
                let name = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let event = parts
                    .nth(1)
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let binding = self.optional_binding(&mut parts);
                let filter = self.optional_where(&mut parts);
                JourneyItem::Clause(Clause {
                    kind: ClauseKind::Goal {
                        name,
                        event,
                        binding,
                        filter,
                    },
                    span,
                })
            }
            Rule::exit_clause => {
                let mut parts = pair.into_inner().skip(2).peekable();
                let event = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let filter = self.optional_where(&mut parts);
                JourneyItem::Clause(Clause {
                    kind: ClauseKind::Exit { event, filter },
                    span,
                })
            }
            _ => JourneyItem::Step(self.step(pair)),
        }
    }

    pub(super) fn entry(&mut self, pair: P) -> Entry {
        let rule = pair.as_rule();
        let span = self.span(&pair);
        let mut parts = pair.into_inner().skip(1).peekable();
        match rule {
            Rule::entry_on => {
                let event = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let binding = self.optional_binding(&mut parts);
                let filter = self.optional_where(&mut parts);
                Entry::On {
                    event,
                    binding,
                    filter,
                }
            }
            Rule::entry_inactive => match parts.nth(1) {
                Some(d) => Entry::Inactive(self.duration_lit(d)),
                None => Entry::When(self.bool_expr(span)),
            },
            Rule::entry_when => match parts.next() {
                Some(e) => Entry::When(self.expr(e)),
                None => Entry::When(self.bool_expr(span)),
            },
            Rule::entry_daily => {
                parts.next();
                let at = self.local_time_from(parts.next(), span);
                let filter = self.optional_where(&mut parts);
                Entry::Daily { at, filter }
            }
            Rule::entry_weekly => {
                parts.next();
                let day = match parts.next().and_then(|w| w.into_inner().next()) {
                    Some(d) => self.ident(d),
                    None => self.missing_ident(),
                };
                parts.next();
                let at = self.local_time_from(parts.next(), span);
                let filter = self.optional_where(&mut parts);
                Entry::Weekly { day, at, filter }
            }
            Rule::entry_monthly => {
                parts.next();
                parts.next();
                let day = match parts.next() {
                    Some(d) => self.int_lit(d),
                    None => IntLit { value: 1, span },
                };
                parts.next();
                let at = self.local_time_from(parts.next(), span);
                let filter = self.optional_where(&mut parts);
                Entry::Monthly { day, at, filter }
            }
            Rule::entry_yearly => {
                parts.next();
                let field = match parts.next() {
                    Some(r) => self.profile_ref(r),
                    None => self.missing_ident(),
                };
                parts.next();
                let at = self.local_time_from(parts.next(), span);
                let filter = self.optional_where(&mut parts);
                Entry::Yearly { field, at, filter }
            }
            _ => {
                parts.next();
                let at = match parts.next() {
                    Some(i) => self.instant_lit(i),
                    None => InstantLit {
                        value: Instant {
                            text: String::new(),
                            epoch_seconds: 0,
                            nanos: 0,
                        },
                        span,
                    },
                };
                let filter = self.optional_where(&mut parts);
                Entry::Once { at, filter }
            }
        }
    }

    pub(super) fn profile_ref(&self, pair: P) -> Ident {
        match pair.into_inner().nth(1) {
            Some(word) => self.ident(word),
            None => self.missing_ident(),
        }
    }

    pub(super) fn local_time_from(&mut self, pair: Option<P>, fallback: Span) -> LocalTime {
        match pair {
            Some(p) => self.local_time(p),
            None => LocalTime {
                time: TimeOfDay {
                    hour: 0,
                    minute: 0,
                    span: fallback,
                },
                zone: Zone::Local,
                span: fallback,
            },
        }
    }

    pub(super) fn local_time(&mut self, pair: P) -> LocalTime {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let time = match parts.next() {
            Some(t) => self.time_of_day(t),
            None => TimeOfDay {
                hour: 0,
                minute: 0,
                span,
            },
        };
        let zone = parts.next().map_or(Zone::Local, |z| zone_of(&z));
        LocalTime { time, zone, span }
    }

    pub(super) fn block(&mut self, pair: P) -> Block {
        let span = self.span(&pair);
        Block {
            steps: pair.into_inner().map(|s| self.step(s)).collect(),
            span,
        }
    }

    pub(super) fn step(&mut self, pair: P) -> Step {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().skip(1).peekable();
        let kind = match rule {
            Rule::send_step => {
                let channel = match parts.next() {
                    Some(p) if p.as_rule() == Rule::best_channel => {
                        let call_span = self.span(&p);
                        ChannelSpec::Best {
                            channels: p
                                .into_inner()
                                .filter(|c| c.as_rule() == Rule::channel)
                                .map(|c| self.channel(c))
                                .collect(),
                            span: call_span,
                        }
                    }
                    Some(p) => ChannelSpec::Named(self.channel(p)),
                    None => ChannelSpec::Named(self.missing_ident()),
                };
                let template = match parts.next() {
                    Some(s) => self.string(s),
                    None => StrLit {
                        value: String::new(),
                        span,
                    },
                };
                let payload = if parts.peek().map(|p| p.as_rule()) == Some(Rule::payload) {
                    parts.next().map(|p| self.payload(p))
                } else {
                    None
                };
                let at = parts
                    .next()
                    .and_then(|a| a.into_inner().nth(1))
                    .map(|t| self.timespec(t));
                StepKind::Send {
                    channel,
                    template,
                    payload,
                    at,
                }
            }
            Rule::notify_step => {
                let team = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let template = match parts.next() {
                    Some(s) => self.string(s),
                    None => StrLit {
                        value: String::new(),
                        span,
                    },
                };
                let payload = parts.next().map(|p| self.payload(p));
                StepKind::Notify {
                    team,
                    template,
                    payload,
                }
            }
            Rule::wait_for_step => {
                parts.next();
                let event = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let binding = self.optional_binding(&mut parts);
                let filter = self.optional_where(&mut parts);
                parts.next();
                let within = match parts.next() {
                    Some(d) => self.duration_lit(d),
                    None => DurationLit {
                        value: Duration {
                            amount: 0,
                            unit: DurationUnit::Days,
                        },
                        span,
                    },
                };
                let then = match parts.next() {
                    Some(b) => self.block(b),
                    None => Block {
                        steps: Vec::new(),
                        span,
                    },
                };
                let otherwise = parts
                    .next()
                    .and_then(|e| e.into_inner().nth(1))
                    .map(|b| self.block(b));
                StepKind::WaitFor {
                    event,
                    binding,
                    filter,
                    within,
                    then,
                    otherwise,
                }
            }
            Rule::wait_until_step => {
                parts.next();
                match parts.next() {
                    Some(t) => StepKind::WaitUntil(self.timespec(t)),
                    None => StepKind::WaitUntil(TimeSpec::BestTime(span)),
                }
            }
            Rule::wait_step => match parts.next() {
                Some(e) => StepKind::Wait(self.expr(e)),
                None => StepKind::Exit,
            },
            Rule::if_step => {
                let mut branches = Vec::new();
                if let (Some(c), Some(b)) = (parts.next(), parts.next()) {
                    let condition = self.expr(c);
                    branches.push((condition, self.block(b)));
                }
                let mut otherwise = None;
                for part in parts {
                    match part.as_rule() {
                        Rule::else_if => {
                            let mut inner = part.into_inner().skip(2);
                            if let (Some(c), Some(b)) = (inner.next(), inner.next()) {
                                let condition = self.expr(c);
                                branches.push((condition, self.block(b)));
                            }
                        }
                        _ => otherwise = part.into_inner().nth(1).map(|b| self.block(b)),
                    }
                }
                StepKind::If {
                    branches,
                    otherwise,
                }
            }
            Rule::split_step => StepKind::Split(
                parts
                    .map(|arm| {
                        let arm_span = self.span(&arm);
                        let mut inner = arm.into_inner();
                        let percent = match inner.next() {
                            Some(p) => self.percent(p),
                            None => PercentLit {
                                value: 0.0,
                                text: "0".into(),
                                span: arm_span,
                            },
                        };
                        let name = inner
                            .next()
                            .map(|p| self.ident(p))
                            .unwrap_or_else(|| self.missing_ident());
                        let block = match inner.next() {
                            Some(b) => self.block(b),
                            None => Block {
                                steps: Vec::new(),
                                span: arm_span,
                            },
                        };
                        SplitArm {
                            percent,
                            name,
                            block,
                            span: arm_span,
                        }
                    })
                    .collect(),
            ),
            Rule::set_step => {
                let field = match parts.next() {
                    Some(r) => self.profile_ref(r),
                    None => self.missing_ident(),
                };
                let value = match parts.next() {
                    Some(e) => self.expr(e),
                    None => self.bool_expr(span),
                };
                StepKind::Set { field, value }
            }
            Rule::score_step => {
                let score = parts
                    .next()
                    .map(|p| self.ident(p))
                    .unwrap_or_else(|| self.missing_ident());
                let op = parts.next();
                let amount = parts.next();
                let negative = op.as_ref().is_some_and(|o| o.as_str() == "-=");
                let delta_span = match (&op, &amount) {
                    (Some(o), Some(a)) => self.span(o).to(self.span(a)),
                    _ => span,
                };
                let value = amount.map_or(0, |a| self.int_lit(a).value);
                StepKind::AdjustScore {
                    score,
                    delta: if negative { -value } else { value },
                    delta_span,
                }
            }
            Rule::tag_step => match parts.next() {
                Some(s) => StepKind::Tag(self.string(s)),
                None => StepKind::Exit,
            },
            Rule::untag_step => match parts.next() {
                Some(s) => StepKind::Untag(self.string(s)),
                None => StepKind::Exit,
            },
            Rule::goal_step => match parts.next() {
                Some(n) => StepKind::Goal(self.ident(n)),
                None => StepKind::Exit,
            },
            _ => StepKind::Exit,
        };
        Step { kind, span }
    }

    pub(super) fn payload(&mut self, pair: P) -> Payload {
        let span = self.span(&pair);
        let fields = pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::field_init)
            .map(|p| self.field_init(p))
            .collect();
        Payload { fields, span }
    }

    pub(super) fn field_init(&mut self, pair: P) -> FieldInit {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = inner
            .next()
            .map(|p| self.ident(p))
            .unwrap_or_else(|| self.missing_ident());
        let value = match inner.next() {
            Some(e) => self.expr(e),
            None => self.bool_expr(span),
        };
        FieldInit { name, value, span }
    }

    pub(super) fn timespec(&mut self, pair: P) -> TimeSpec {
        match pair.as_rule() {
            Rule::local_time => TimeSpec::Clock(self.local_time(pair)),
            Rule::best_time => TimeSpec::BestTime(self.span(&pair)),
            _ => TimeSpec::Instant(self.expr(pair)),
        }
    }

    pub(super) fn test_item(&mut self, pair: P) -> TestItem {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = pair.into_inner().skip(1).peekable();
        let kind = match rule {
            Rule::given_item => {
                let contact = self.contact(parts.next(), span);
                let fields = parts.next().map(|r| self.record(r)).unwrap_or_default();
                TestItemKind::Given { contact, fields }
            }
            Rule::at_item => {
                let at = self.instant_or_default(parts.next(), span);
                let contact = self.contact(parts.next(), span);
                let target = parts.next();
                let fields = parts.next().map(|r| self.record(r)).unwrap_or_default();
                match target {
                    Some(t) if t.as_rule() == Rule::cw_identify => TestItemKind::Identify {
                        at,
                        contact,
                        fields,
                    },
                    Some(t) => TestItemKind::Event {
                        at,
                        contact,
                        event: self.ident(t),
                        fields,
                    },
                    None => TestItemKind::Identify {
                        at,
                        contact,
                        fields,
                    },
                }
            }
            _ => {
                let at = self.instant_or_default(parts.next(), span);
                let contact = self.contact(parts.next(), span);
                let expectation = match parts.next() {
                    Some(e) => self.expectation(e),
                    None => Expectation::Goal(self.missing_ident()),
                };
                TestItemKind::Expect {
                    at,
                    contact,
                    expectation,
                }
            }
        };
        TestItem { kind, span }
    }

    pub(super) fn expectation(&mut self, pair: P) -> Expectation {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let parts: Vec<P> = pair.into_inner().skip(1).collect();
        let template = |this: &mut Self, i: usize| match parts.get(i) {
            Some(s) => this.string(s.clone()),
            None => StrLit {
                value: String::new(),
                span,
            },
        };
        match rule {
            Rule::expect_send => Expectation::Send {
                channel: parts
                    .first()
                    .map(|c| self.channel(c.clone()))
                    .unwrap_or_else(|| self.missing_ident()),
                template: template(self, 1),
            },
            Rule::expect_notify => Expectation::Notify {
                team: parts
                    .first()
                    .map(|c| self.ident(c.clone()))
                    .unwrap_or_else(|| self.missing_ident()),
                template: template(self, 1),
            },
            Rule::expect_goal => Expectation::Goal(
                parts
                    .first()
                    .map(|c| self.ident(c.clone()))
                    .unwrap_or_else(|| self.missing_ident()),
            ),
            _ => Expectation::Suppressed {
                channel: parts
                    .first()
                    .map(|c| self.channel(c.clone()))
                    .unwrap_or_else(|| self.missing_ident()),
                template: template(self, 1),
                reason: parts
                    .get(2)
                    .and_then(|r| r.clone().into_inner().next())
                    .map(|w| self.ident(w))
                    .unwrap_or_else(|| self.missing_ident()),
            },
        }
    }

    pub(super) fn record(&mut self, pair: P) -> Vec<FieldInit> {
        pair.into_inner().map(|f| self.field_init(f)).collect()
    }

    pub(super) fn contact(&mut self, pair: Option<P>, span: Span) -> Ident {
        let Some(pair) = pair.and_then(|c| c.into_inner().next()) else {
            return Ident {
                name: String::new(),
                span,
            };
        };
        if pair.as_rule() == Rule::string_lit {
            let lit = self.string(pair);
            Ident {
                name: lit.value,
                span: lit.span,
            }
        } else {
            self.ident(pair)
        }
    }

    pub(super) fn instant_or_default(&mut self, pair: Option<P>, span: Span) -> InstantLit {
        match pair {
            Some(p) => self.instant_lit(p),
            None => InstantLit {
                value: Instant {
                    text: String::new(),
                    epoch_seconds: 0,
                    nanos: 0,
                },
                span,
            },
        }
    }
}
