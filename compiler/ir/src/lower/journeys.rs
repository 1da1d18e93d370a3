//! Lowering journeys: entries, bindings, and steps as a state machine of `Step`s, renumbered in
//! reading order.

use super::*;

impl Lowering<'_> {
    // ---- journeys -----------------------------------------------------------------------------

    pub(super) fn journey(&mut self, journey: &ast::JourneyDecl) -> Result<Journey, LowerError> {
        let id = self
            .names
            .journeys
            .get(&journey.name.name)
            .copied()
            .unwrap_or(JourneyId(0));
        let mut builder = JourneyBuilder {
            bindings: Vec::new(),
            steps: Vec::new(),
        };
        let mut context = Context {
            journey: Some(id),
            ..Context::default()
        };
        // The entry's binding is visible everywhere in the journey.
        for item in &journey.items {
            if let ast::JourneyItem::Clause(ast::Clause {
                kind:
                    ast::ClauseKind::Enter(ast::Entry::On {
                        event,
                        binding: Some(binding),
                        ..
                    }),
                ..
            }) = item
            {
                let event = self.event(&event.name)?;
                let binding_id = builder.bind(&binding.name, event);
                context.bindings.insert(span_key(binding.span), binding_id);
            }
        }
        let mut entry = None;
        let mut reenter = Reenter::Never;
        let mut goal_rules = Vec::new();
        let mut exit_rules = Vec::new();
        let mut steps: Vec<&ast::Step> = Vec::new();
        for item in &journey.items {
            match item {
                ast::JourneyItem::Step(step) => steps.push(step),
                ast::JourneyItem::Clause(clause) => match &clause.kind {
                    ast::ClauseKind::Enter(e) => entry = Some(self.entry(e, &context)?),
                    ast::ClauseKind::Reenter(r) => {
                        reenter = match r {
                            ast::Reenter::Never => Reenter::Never,
                            ast::Reenter::Always => Reenter::Always,
                            ast::Reenter::After(d) => Reenter::After(d.value.seconds()),
                        }
                    }
                    ast::ClauseKind::Goal {
                        name,
                        event,
                        binding,
                        filter,
                    } => {
                        let event = self.event(&event.name)?;
                        let mut inner = Context {
                            event: Some(event),
                            ..context.clone()
                        };
                        let binding = binding.as_ref().map(|b| {
                            let id = builder.bind(&b.name, event);
                            inner.bindings.insert(span_key(b.span), id);
                            id
                        });
                        let filter = self.filter(filter.as_ref(), &inner)?;
                        goal_rules.push(EventRule {
                            name: name.name.clone(),
                            event,
                            binding,
                            filter,
                        });
                    }
                    ast::ClauseKind::Exit { event, filter } => {
                        let event = self.event(&event.name)?;
                        let inner = Context {
                            event: Some(event),
                            ..context.clone()
                        };
                        let filter = self.filter(filter.as_ref(), &inner)?;
                        exit_rules.push(EventRule {
                            name: String::new(),
                            event,
                            binding: None,
                            filter,
                        });
                    }
                },
            }
        }
        let Some(entry) = entry else {
            return unsupported(format!("journey `{}` without entry", journey.name.name));
        };
        let end = builder.push(Step::Exit);
        let steps: Vec<ast::Step> = steps.into_iter().cloned().collect();
        let start = self.block(&steps, end, &mut builder, &context)?;
        let (steps, start) = renumber(builder.steps, start);
        Ok(Journey {
            name: journey.name.name.clone(),
            entry,
            reenter,
            goal_rules,
            exit_rules,
            bindings: builder.bindings,
            steps,
            start,
        })
    }

    pub(super) fn entry(
        &mut self,
        entry: &ast::Entry,
        context: &Context,
    ) -> Result<Entry, LowerError> {
        let outside = Context {
            journey: None,
            ..context.clone()
        };
        let schedule = |this: &mut Self,
                        calendar: Calendar,
                        at: &ast::LocalTime,
                        filter: &Option<ast::Expr>| {
            let filter = this.filter(filter.as_ref(), &Context::default())?;
            Ok(Entry::Schedule {
                calendar,
                at: clock(at),
                filter,
            })
        };
        match entry {
            ast::Entry::On {
                event,
                binding,
                filter,
            } => {
                let event = self.event(&event.name)?;
                let binding = binding
                    .as_ref()
                    .and_then(|b| context.bindings.get(&span_key(b.span)).copied());
                let filter = self.filter(
                    filter.as_ref(),
                    &Context {
                        event: Some(event),
                        ..outside
                    },
                )?;
                Ok(Entry::On {
                    event,
                    binding,
                    filter,
                })
            }
            ast::Entry::When(condition) => {
                Ok(Entry::When(self.expr(condition, &Context::default())?))
            }
            ast::Entry::Inactive(d) => Ok(Entry::Inactive(d.value.seconds())),
            ast::Entry::Daily { at, filter } => schedule(self, Calendar::Daily, at, filter),
            ast::Entry::Weekly { day, at, filter } => {
                let weekday = journey_check::WEEKDAYS
                    .iter()
                    .position(|d| *d == day.name)
                    .unwrap_or(0);
                schedule(
                    self,
                    Calendar::Weekly(u8::try_from(weekday).unwrap_or(0)),
                    at,
                    filter,
                )
            }
            ast::Entry::Monthly { day, at, filter } => schedule(
                self,
                Calendar::Monthly(u8::try_from(day.value).unwrap_or(1)),
                at,
                filter,
            ),
            ast::Entry::Yearly { field, at, filter } => {
                let slot = self.profile_slot(&field.name)?;
                schedule(self, Calendar::Yearly(slot), at, filter)
            }
            ast::Entry::Once { at, filter } => {
                let filter = self.filter(filter.as_ref(), &Context::default())?;
                Ok(Entry::Once {
                    at: at.value.epoch_seconds,
                    filter,
                })
            }
        }
    }

    /// Lowers a block so that it continues at `next`; returns its first step.
    pub(super) fn block(
        &mut self,
        steps: &[ast::Step],
        next: StepId,
        builder: &mut JourneyBuilder,
        context: &Context,
    ) -> Result<StepId, LowerError> {
        let mut continuation = next;
        for step in steps.iter().rev() {
            continuation = self.step(step, continuation, builder, context)?;
        }
        Ok(continuation)
    }

    pub(super) fn step(
        &mut self,
        step: &ast::Step,
        next: StepId,
        builder: &mut JourneyBuilder,
        context: &Context,
    ) -> Result<StepId, LowerError> {
        let lowered = match &step.kind {
            ast::StepKind::Send {
                channel,
                template,
                payload,
                at,
            } => {
                let (channels, best_channel) = match channel {
                    ast::ChannelSpec::Named(name) => (vec![channel_of(&name.name)?], false),
                    ast::ChannelSpec::Best { channels, .. } => (
                        channels
                            .iter()
                            .map(|c| channel_of(&c.name))
                            .collect::<Result<Vec<_>, _>>()?,
                        true,
                    ),
                };
                let payload = self.payload(payload.as_ref(), context)?;
                let at = at.as_ref().map(|t| self.timespec(t, context)).transpose()?;
                Step::Send(Send {
                    channels,
                    best_channel,
                    template: template.value.clone(),
                    payload,
                    at,
                    next,
                })
            }
            ast::StepKind::Notify {
                team,
                template,
                payload,
            } => Step::Notify {
                team: team.name.clone(),
                template: template.value.clone(),
                payload: self.payload(payload.as_ref(), context)?,
                next,
            },
            ast::StepKind::Wait(duration) => Step::Wait {
                duration: self.expr(duration, context)?,
                next,
            },
            ast::StepKind::WaitUntil(until) => Step::WaitUntil {
                until: self.timespec(until, context)?,
                next,
            },
            ast::StepKind::WaitFor {
                event,
                binding,
                filter,
                within,
                then,
                otherwise,
            } => {
                let event_id = self.event(&event.name)?;
                let mut inner = context.clone();
                let binding = binding.as_ref().map(|b| {
                    let id = builder.bind(&b.name, event_id);
                    inner.bindings.insert(span_key(b.span), id);
                    id
                });
                let filter = self.filter(
                    filter.as_ref(),
                    &Context {
                        event: Some(event_id),
                        ..inner.clone()
                    },
                )?;
                let then = self.block(&then.steps, next, builder, &inner)?;
                let otherwise = match otherwise {
                    Some(block) => self.block(&block.steps, next, builder, context)?,
                    None => next,
                };
                Step::WaitFor {
                    event: event_id,
                    binding,
                    filter,
                    within: within.value.seconds(),
                    then,
                    otherwise,
                }
            }
            ast::StepKind::If {
                branches,
                otherwise,
            } => {
                let mut alternative = match otherwise {
                    Some(block) => self.block(&block.steps, next, builder, context)?,
                    None => next,
                };
                for (index, (condition, block)) in branches.iter().enumerate().rev() {
                    let condition = self.expr(condition, context)?;
                    let then = self.block(&block.steps, next, builder, context)?;
                    let branch = Step::Branch {
                        condition,
                        then,
                        otherwise: alternative,
                    };
                    if index == 0 {
                        return Ok(builder.push(branch));
                    }
                    alternative = builder.push(branch);
                }
                return Ok(alternative);
            }
            ast::StepKind::Split(arms) => {
                let mut lowered = Vec::new();
                for arm in arms {
                    let first = self.block(&arm.block.steps, next, builder, context)?;
                    lowered.push((arm.percent.value, arm.name.name.clone(), first));
                }
                Step::Split { arms: lowered }
            }
            ast::StepKind::Set { field, value } => {
                let slot = self.profile_slot(&field.name)?;
                let value = self.expr(value, context)?;
                let ty = self.program.profile[slot.index()].ty.clone();
                Step::Set {
                    slot,
                    value: self.widen(value, &ty),
                    next,
                }
            }
            ast::StepKind::AdjustScore { score, delta, .. } => {
                let Some(id) = self.names.scores.get(&score.name).copied() else {
                    return unsupported(format!("score `{}`", score.name));
                };
                Step::AdjustScore {
                    score: id,
                    delta: *delta,
                    next,
                }
            }
            ast::StepKind::Tag(tag) => Step::Tag {
                tag: tag.value.clone(),
                add: true,
                next,
            },
            ast::StepKind::Untag(tag) => Step::Tag {
                tag: tag.value.clone(),
                add: false,
                next,
            },
            ast::StepKind::Goal(name) => Step::Goal {
                name: name.name.clone(),
                next,
            },
            ast::StepKind::Exit => Step::Exit,
        };
        Ok(builder.push(lowered))
    }

    pub(super) fn payload(
        &mut self,
        payload: Option<&ast::Payload>,
        context: &Context,
    ) -> Result<Vec<(String, ExprId)>, LowerError> {
        let Some(payload) = payload else {
            return Ok(Vec::new());
        };
        payload
            .fields
            .iter()
            .map(|f| Ok((f.name.name.clone(), self.expr(&f.value, context)?)))
            .collect()
    }

    pub(super) fn timespec(
        &mut self,
        spec: &ast::TimeSpec,
        context: &Context,
    ) -> Result<TimeSpec, LowerError> {
        Ok(match spec {
            ast::TimeSpec::Clock(at) => TimeSpec::Clock(clock(at)),
            ast::TimeSpec::BestTime(_) => TimeSpec::BestTime,
            ast::TimeSpec::Instant(expr) => TimeSpec::Instant(self.expr(expr, context)?),
        })
    }
}

/// Steps and bindings of the journey being lowered.
pub(super) struct JourneyBuilder {
    pub(super) bindings: Vec<Binding>,
    pub(super) steps: Vec<Step>,
}

impl JourneyBuilder {
    pub(super) fn push(&mut self, step: Step) -> StepId {
        self.steps.push(step);
        StepId(index(self.steps.len() - 1))
    }

    pub(super) fn bind(&mut self, name: &str, event: EventId) -> BindingId {
        self.bindings.push(Binding {
            name: name.to_string(),
            event,
        });
        BindingId(index(self.bindings.len() - 1))
    }
}

/// Numbers steps in the order they are first reached from the start (depth first, the main
/// path before branches), so that the printed IR reads top to bottom like the source.
pub(super) fn renumber(steps: Vec<Step>, start: StepId) -> (Vec<Step>, StepId) {
    let mut order: Vec<usize> = Vec::with_capacity(steps.len());
    let mut seen = vec![false; steps.len()];
    let mut stack = vec![start.index()];
    while let Some(i) = stack.pop() {
        if i >= steps.len() || seen[i] {
            continue;
        }
        seen[i] = true;
        order.push(i);
        for next in steps[i].successors().into_iter().rev() {
            stack.push(next.index());
        }
    }
    order.extend((0..steps.len()).filter(|i| !seen[*i]));
    let mut new_id = vec![0u32; steps.len()];
    for (new, old) in order.iter().enumerate() {
        new_id[*old] = index(new);
    }
    let map = |id: StepId| StepId(new_id.get(id.index()).copied().unwrap_or(id.0));
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    let renumbered = order
        .iter()
        .filter_map(|old| slots[*old].take())
        .map(|step| match step {
            Step::Send(mut send) => {
                send.next = map(send.next);
                Step::Send(send)
            }
            Step::Notify {
                team,
                template,
                payload,
                next,
            } => Step::Notify {
                team,
                template,
                payload,
                next: map(next),
            },
            Step::Wait { duration, next } => Step::Wait {
                duration,
                next: map(next),
            },
            Step::WaitUntil { until, next } => Step::WaitUntil {
                until,
                next: map(next),
            },
            Step::WaitFor {
                event,
                binding,
                filter,
                within,
                then,
                otherwise,
            } => Step::WaitFor {
                event,
                binding,
                filter,
                within,
                then: map(then),
                otherwise: map(otherwise),
            },
            Step::Branch {
                condition,
                then,
                otherwise,
            } => Step::Branch {
                condition,
                then: map(then),
                otherwise: map(otherwise),
            },
            Step::Split { arms } => Step::Split {
                arms: arms.into_iter().map(|(p, n, s)| (p, n, map(s))).collect(),
            },
            Step::Set { slot, value, next } => Step::Set {
                slot,
                value,
                next: map(next),
            },
            Step::AdjustScore { score, delta, next } => Step::AdjustScore {
                score,
                delta,
                next: map(next),
            },
            Step::Tag { tag, add, next } => Step::Tag {
                tag,
                add,
                next: map(next),
            },
            Step::Goal { name, next } => Step::Goal {
                name,
                next: map(next),
            },
            Step::Exit => Step::Exit,
        })
        .collect();
    (renumbered, map(start))
}
