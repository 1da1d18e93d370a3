//! How inputs change a contact's stored state: decay settled, profile fields written (`identify`,
//! `set`, `tag`), events joining histories, score rules awarding points.

use std::sync::Arc;

use journey_ir::eval::Value;

use journey_ir::{Calendar, Entry, ProfileSlot, ScoreId};

use crate::engine::{Arrival, Handler, Sink};
use crate::trace::Trace;

impl<'p> Handler<'_, 'p> {
    /// Applies the decay periods that ended by `now`.
    pub(crate) fn settle(&mut self, c: usize, now: i64) {
        let contacts = &mut self.state.contacts;
        for (s, score) in self.t.program.scores.iter().enumerate() {
            if score.decay.is_none() {
                continue;
            }
            let s = ScoreId(s as u32);
            let mut state = contacts.score(c, s);
            let before = state;
            state.settle(score.decay, now);
            if state != before {
                contacts.set_score(c, s, &state);
            }
        }
    }

    /// Sets a profile field (identify or `set`), planning schedules again when their inputs
    /// change.
    pub(crate) fn assign(&mut self, c: usize, slot: ProfileSlot, value: Value, now: i64) {
        if !self.state.contacts.set_profile(c, slot, &value) {
            return;
        }
        let program = self.t.program;
        let plan = &self.t.plan;
        if Some(slot) == plan.timezone {
            let zone = self.state.zones.number(&value);
            if zone != self.state.contacts.zone(c) {
                self.state.contacts.set_zone(c, zone);
                self.join_zone(c, now);
            }
        }
        for &j in &plan.yearly_journeys {
            let depends = Some(slot) == plan.timezone
                || matches!(
                    program.journeys[j.index()].entry,
                    Entry::Schedule {
                        calendar: Calendar::Yearly(date),
                        ..
                    } if date == slot
                );
            if depends {
                self.plan_schedule(c, j, now);
            }
        }
    }

    /// Adds or removes a tag of the profile's `tags` list.
    pub(crate) fn edit_tags(&mut self, c: usize, tag: &str, add: bool) {
        let Some(slot) = self.t.plan.tags else {
            return;
        };
        let mut tags: Vec<Value> = match self.state.contacts.profile_value(c, slot) {
            Value::List(items) => items.to_vec(),
            _ => Vec::new(),
        };
        let present = tags
            .iter()
            .any(|t| matches!(t, Value::Str(s) if &**s == tag));
        if add && !present {
            tags.push(Value::Str(Arc::from(tag)));
        } else if !add {
            tags.retain(|t| !matches!(t, Value::Str(s) if &**s == tag));
        } else {
            return;
        }
        self.state
            .contacts
            .set_profile(c, slot, &Value::List(tags.into()));
    }

    /// The event joins the histories of its type (reference §6, phase 2).
    pub(crate) fn join_histories(
        &mut self,
        c: usize,
        arrival: &Arrival<'_>,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let Arrival {
            event,
            record,
            matched,
        } = *arrival;
        let program = self.t.program;
        let plan = &self.t.plan;
        for &h in &plan.histories_of[event.index()] {
            let history = &program.histories[h.index()];
            let value = || {
                history
                    .field
                    .and_then(|slot| record.get(slot as usize).cloned())
                    .unwrap_or(Value::Missing)
            };
            if history.key.is_some() {
                // Its filter reads a binding: asked when the aggregate is read.
                let value = value();
                self.state
                    .contacts
                    .add_history(c, (h, history), now, record, value);
                if self.traced() {
                    self.trace(c, sink, |who| Trace::Joined {
                        who,
                        at: now,
                        history: h,
                    });
                }
                continue;
            }
            let scope = self.scope(c, now).with_event(event, record);
            if !self.passes(history.filter, matched, &scope) {
                continue;
            }
            let value = value();
            self.state
                .contacts
                .add_history(c, (h, history), now, record, value);
            if self.traced() {
                self.trace(c, sink, |who| Trace::Joined {
                    who,
                    at: now,
                    history: h,
                });
            }
        }
    }

    /// Score rules, every filter before any award, so that all of them read the scores from
    /// before the event (phase 3).
    pub(crate) fn award_scores(
        &mut self,
        c: usize,
        arrival: &Arrival<'_>,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let Arrival {
            event,
            record,
            matched,
        } = *arrival;
        let program = self.t.program;
        let plan = &self.t.plan;
        let mut awards = std::mem::take(&mut self.scratch.awards);
        awards.clear();
        let scope = self.scope(c, now).with_event(event, record);
        awards.extend(
            plan.score_rules_of[event.index()]
                .iter()
                .copied()
                .filter(|&(s, r)| {
                    let filter = program.scores[s.index()].on_rules[r].filter;
                    self.passes(filter, matched, &scope)
                }),
        );
        for &(s, r) in &awards {
            let mut state = self.state.contacts.score(c, s);
            let before = state.points;
            let awards = plan.award_windows[s.index()]
                .get(r)
                .copied()
                .flatten()
                .map(|w| (&mut self.state.contacts.side_mut(c).awards, w));
            state.award(&program.scores[s.index()], r, now, awards);
            self.state.contacts.set_score(c, s, &state);
            if self.traced() {
                self.trace_award(c, s, r, before, now, sink);
            }
        }
        self.scratch.awards = awards;
    }
}
