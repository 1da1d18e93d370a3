//! The engine: runs a lowered program over decoded inputs in event time.
//!
//! One input is handled in the order of the reference's §6: due timers fire; the event joins the
//! history; score rules apply; an `identify` updates the profile; `goal` and `exit` rules of the
//! journeys the contact is in; waiting `wait for` steps; `enter on` triggers; then `enter when`
//! conditions. Steps run until their journey waits or ends before anything else happens. Every
//! decision the reference leaves open is written in `docs/reference.md` §8 ("Running").
//!
//! The engine owns no I/O: actions and rejects go to a [`Sink`], and all state lives in
//! [`RunState`], which serialises with serde.

use std::collections::HashMap;
use std::sync::Arc;

use compact_str::CompactString;
use jiff::tz::TimeZone;
use journey_ir::eval::{Env, Evaluator, Value};
use journey_ir::filters::{EventFilters, FilterBits};
use journey_ir::{
    BindingId, Calendar, Channel, Entry, EventId, ExprId, HistoryId, HistoryWindow, JourneyId,
    ProfileSlot, Program, Reenter, ScoreId, Send, Step, StepId, TimeSpec,
};
use serde::{Deserialize, Serialize};

use crate::clock::{self, Schedule};
use crate::decode::{Decoder, Input, Limits, Reject, RejectReason};
use crate::output::{action_id, split_point, Action, ActionKind, Payload, SuppressReason};
use crate::state::{Contact, Engagement, Instance, Phase};
use crate::timers::{Timer, TimerKind, Timers, NO_CONTACT};
use crate::trace::{Cause, Leave, Refusal, Trace};

/// Where a run's results go.
pub trait Sink {
    /// One action, in time order.
    fn action(&mut self, program: &Program, action: &Action<'_>);
    /// One rejected line.
    fn reject(&mut self, reject: &Reject);
    /// One decision, in the order made; called only when [`Options::trace`] is set.
    fn trace(&mut self, _program: &Program, _trace: &Trace<'_>) {}
}

/// How a run treats its input.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// How far (seconds) an event may be older than the run's clock and still be handled.
    pub lateness: i64,
    /// The decoder's bounds against hostile input.
    pub limits: Limits,
    /// Hand every decision to [`Sink::trace`] (`journey explain`); off for `journey run`.
    pub trace: bool,
}

/// Counters of a run, for its summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Input lines read.
    pub lines: u64,
    /// `track` and `page` events handled.
    pub events: u64,
    /// `identify` calls handled.
    pub identifies: u64,
    /// Lines rejected.
    pub rejected: u64,
    /// Timers that fired (stale ones excluded).
    pub timers: u64,
    /// Actions by kind, in the order of [`ACTION_KINDS`].
    pub actions: [u64; 7],
}

/// The action kinds in the order of [`Stats::actions`].
pub use crate::output::ACTION_KINDS;

/// Everything a run remembers: contacts, timers and the clock.
///
/// The contact index is not serialised (a hash map's order is not stable); it is rebuilt from
/// `contacts` when the state is read back.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "SavedRunState")]
pub struct RunState {
    /// Contacts in order of first input.
    pub contacts: Vec<Contact>,
    /// Contact id → index into `contacts`.
    #[serde(skip)]
    pub index: ContactIndex,
    /// Pending timers.
    pub timers: Timers,
    /// The run's clock: the latest time handled, if any.
    pub clock: Option<i64>,
    /// Counters.
    pub stats: Stats,
}

/// Contact id → index into [`RunState::contacts`], with a fast hasher (foldhash, randomly
/// seeded, so that crafted ids cannot force collisions). Keys hold ids of up to 24 bytes inline
/// (`CompactString`), so that finding a contact does not miss the cache on a second allocation
/// to compare the id (measured: the comparison was the engine's costliest line).
pub type ContactIndex = HashMap<CompactString, u32, foldhash::fast::RandomState>;

/// [`RunState`] as stored: everything but the index.
#[derive(Deserialize)]
struct SavedRunState {
    contacts: Vec<Contact>,
    timers: Timers,
    clock: Option<i64>,
    stats: Stats,
}

impl From<SavedRunState> for RunState {
    fn from(saved: SavedRunState) -> RunState {
        let index = saved
            .contacts
            .iter()
            .enumerate()
            .map(|(i, contact)| (CompactString::from(&*contact.id), i as u32))
            .collect();
        RunState {
            contacts: saved.contacts,
            index,
            timers: saved.timers,
            clock: saved.clock,
            stats: saved.stats,
        }
    }
}

/// Tables derived once from the program: which rules look at which event, and so on.
struct Plan {
    histories_of: Vec<Vec<HistoryId>>,
    score_rules_of: Vec<Vec<(ScoreId, usize)>>,
    rules_of: Vec<Vec<JourneyId>>,
    waits_of: Vec<Vec<JourneyId>>,
    entries_of: Vec<Vec<JourneyId>>,
    when_journeys: Vec<JourneyId>,
    inactive_journeys: Vec<(JourneyId, i64)>,
    scheduled_journeys: Vec<JourneyId>,
    since_enter: Vec<Vec<HistoryId>>,
    engagement_channel: Vec<Option<Channel>>,
    uses_engagement: bool,
    defaults: Box<[Value]>,
    timezone: Option<ProfileSlot>,
    tags: Option<ProfileSlot>,
    /// The filters evaluated together, once per event, before its phases.
    filters: EventFilters,
}

impl Plan {
    fn new(program: &Program, evaluator: &dyn Evaluator) -> Plan {
        let events = program.events.len();
        let journeys = program.journeys.len();
        let mut plan = Plan {
            histories_of: vec![Vec::new(); events],
            score_rules_of: vec![Vec::new(); events],
            rules_of: vec![Vec::new(); events],
            waits_of: vec![Vec::new(); events],
            entries_of: vec![Vec::new(); events],
            when_journeys: Vec::new(),
            inactive_journeys: Vec::new(),
            scheduled_journeys: Vec::new(),
            since_enter: vec![Vec::new(); journeys],
            engagement_channel: program
                .events
                .iter()
                .map(|e| {
                    let (channel, what) = e.name.split_once('.')?;
                    matches!(what, "opened" | "clicked")
                        .then(|| Channel::from_name(channel))
                        .flatten()
                })
                .collect(),
            uses_engagement: false,
            defaults: Box::default(),
            timezone: find_slot(program, "timezone"),
            tags: find_slot(program, "tags"),
            filters: EventFilters::new(program),
        };
        for (i, history) in program.histories.iter().enumerate() {
            plan.histories_of[history.event.index()].push(HistoryId(i as u32));
            if let HistoryWindow::SinceEnter(journey) = history.window {
                plan.since_enter[journey.index()].push(HistoryId(i as u32));
            }
        }
        for (s, score) in program.scores.iter().enumerate() {
            for (r, rule) in score.on_rules.iter().enumerate() {
                plan.score_rules_of[rule.event.index()].push((ScoreId(s as u32), r));
            }
        }
        for (j, journey) in program.journeys.iter().enumerate() {
            let id = JourneyId(j as u32);
            let mut rule_events: Vec<EventId> = journey
                .goal_rules
                .iter()
                .chain(&journey.exit_rules)
                .map(|r| r.event)
                .collect();
            rule_events.sort();
            rule_events.dedup();
            for event in rule_events {
                plan.rules_of[event.index()].push(id);
            }
            let mut wait_events: Vec<EventId> = journey
                .steps
                .iter()
                .filter_map(|s| match s {
                    Step::WaitFor { event, .. } => Some(*event),
                    _ => None,
                })
                .collect();
            wait_events.sort();
            wait_events.dedup();
            for event in wait_events {
                plan.waits_of[event.index()].push(id);
            }
            match &journey.entry {
                Entry::On { event, .. } => plan.entries_of[event.index()].push(id),
                Entry::When(_) => plan.when_journeys.push(id),
                Entry::Inactive(duration) => plan.inactive_journeys.push((id, *duration)),
                Entry::Schedule { .. } => plan.scheduled_journeys.push(id),
                Entry::Once { .. } => {}
            }
            plan.uses_engagement |= journey.steps.iter().any(|s| match s {
                Step::Send(send) => {
                    send.best_channel || matches!(send.at, Some(TimeSpec::BestTime))
                }
                Step::WaitUntil { until, .. } => matches!(until, TimeSpec::BestTime),
                _ => false,
            });
        }
        // Defaults are constants: evaluate them once, outside any contact.
        let empty = EmptyEnv;
        plan.defaults = program
            .profile
            .iter()
            .map(|field| {
                field
                    .default
                    .map_or(Value::Missing, |d| evaluator.eval(d, &empty))
            })
            .collect();
        plan
    }
}

fn find_slot(program: &Program, name: &str) -> Option<ProfileSlot> {
    program
        .profile
        .iter()
        .position(|f| f.name == name)
        .map(|i| ProfileSlot(i as u32))
}

/// Runs one program over a stream of inputs.
pub struct Engine<'p> {
    pub(crate) program: &'p Program,
    pub(crate) evaluator: &'p dyn Evaluator,
    decoder: Decoder,
    plan: Arc<Plan>,
    pub(crate) options: Options,
    pub(crate) state: RunState,
    /// The number of the line being handled, kept only when tracing.
    pub(crate) line: Option<u64>,
    /// Which event filters held for the event being handled (kept to reuse its buffer).
    matched: FilterBits,
    /// The score rules an event matched (kept to reuse its buffer).
    awards: Vec<(ScoreId, usize)>,
}

impl<'p> Engine<'p> {
    /// A fresh run of `program`, evaluating expressions with `evaluator`.
    pub fn new(program: &'p Program, evaluator: &'p dyn Evaluator, options: Options) -> Self {
        let mut engine = Engine {
            program,
            evaluator,
            decoder: Decoder::with_limits(program, options.limits),
            plan: Arc::new(Plan::new(program, evaluator)),
            options,
            state: RunState::default(),
            line: None,
            matched: FilterBits::default(),
            awards: Vec::new(),
        };
        for (j, journey) in program.journeys.iter().enumerate() {
            if let Entry::Once { at, .. } = journey.entry {
                engine
                    .state
                    .timers
                    .push(at, JourneyId(j as u32), NO_CONTACT, TimerKind::Once);
            }
        }
        engine
    }

    /// A run that goes on from a state saved earlier (with the same program and options).
    pub fn from_state(
        program: &'p Program,
        evaluator: &'p dyn Evaluator,
        options: Options,
        state: RunState,
    ) -> Self {
        Engine {
            program,
            evaluator,
            decoder: Decoder::with_limits(program, options.limits),
            plan: Arc::new(Plan::new(program, evaluator)),
            options,
            state,
            line: None,
            matched: FilterBits::default(),
            awards: Vec::new(),
        }
    }

    /// The run's state.
    pub fn state(&self) -> &RunState {
        &self.state
    }

    /// The run's counters.
    pub fn stats(&self) -> &Stats {
        &self.state.stats
    }

    /// Decodes and handles one input line (`line_number` from 1, for rejects).
    pub fn handle_line(&mut self, line_number: u64, line: &[u8], sink: &mut dyn Sink) {
        self.state.stats.lines += 1;
        if self.traced() {
            self.line = Some(line_number);
        }
        match self.decoder.decode(line_number, line) {
            Ok(input) => {
                if let Err(reason) = self.handle(input, sink) {
                    self.reject(
                        Reject {
                            line: line_number,
                            reason,
                            raw: String::from_utf8_lossy(line).into_owned(),
                        },
                        sink,
                    );
                }
            }
            Err(reject) => self.reject(reject, sink),
        }
    }

    fn reject(&mut self, reject: Reject, sink: &mut dyn Sink) {
        self.state.stats.rejected += 1;
        sink.reject(&reject);
    }

    /// Handles one decoded input; an event too far behind the clock is refused.
    pub fn handle(&mut self, input: Input, sink: &mut dyn Sink) -> Result<(), RejectReason> {
        let at = match &input {
            Input::Track { at, .. } | Input::Identify { at, .. } => *at,
        };
        let now = match self.state.clock {
            Some(clock) if at < clock => {
                if clock - at > self.options.lateness {
                    return Err(RejectReason::Late {
                        by: clock - at,
                        allowed: self.options.lateness,
                    });
                }
                clock
            }
            _ => at,
        };
        self.fire_due(now, sink);
        self.state.clock = Some(now);
        match input {
            Input::Track {
                event,
                contact,
                record,
                ..
            } => {
                self.state.stats.events += 1;
                if self.traced() {
                    self.trace_input(&contact, at, now, Some(event), Some(&record), sink);
                }
                let c = self.touch(contact, now);
                self.track(c, event, &record, now, sink);
                self.decoder.recycle(record);
                self.reevaluate_when(c, now, sink);
            }
            Input::Identify {
                contact, traits, ..
            } => {
                self.state.stats.identifies += 1;
                if self.traced() {
                    self.trace_input(&contact, at, now, None, None, sink);
                }
                let c = self.touch(contact, now);
                for (slot, value) in traits {
                    if self.traced() {
                        self.trace_profile(c, slot, &value, now, sink);
                    }
                    self.assign(c, slot, value, now);
                }
                self.reevaluate_when(c, now, sink);
            }
        }
        Ok(())
    }

    /// Ends the input: time advances to `until` (if later than the clock) and due timers fire.
    pub fn finish(&mut self, until: Option<i64>, sink: &mut dyn Sink) {
        let end = match (self.state.clock, until) {
            (Some(clock), Some(until)) => clock.max(until),
            (clock, until) => clock.or(until).unwrap_or(i64::MIN),
        };
        self.fire_due(end, sink);
        if end != i64::MIN {
            self.state.clock = Some(end);
        }
    }

    // ---- contacts -------------------------------------------------------------------------------

    /// The contact's index after an input at `now`: created if new, scores settled, inactivity
    /// timers set.
    fn touch(&mut self, id: Arc<str>, now: i64) -> usize {
        let c = match self.state.index.get(&*id) {
            Some(&c) => c as usize,
            None => {
                let c = self.state.contacts.len();
                self.state.index.insert(CompactString::from(&*id), c as u32);
                self.state.contacts.push(Contact::new(
                    id,
                    now,
                    self.program,
                    self.plan.defaults.clone(),
                ));
                let plan = Arc::clone(&self.plan);
                for &j in &plan.scheduled_journeys {
                    self.plan_schedule(c, j, now);
                }
                c
            }
        };
        self.settle(c, now);
        let contact = &mut self.state.contacts[c];
        contact.last_input = now;
        for &(j, duration) in &self.plan.inactive_journeys {
            let state = &mut contact.journeys[j.index()];
            if state.inactivity_armed.is_none() {
                state.inactivity_armed = Some(now).into();
                self.state.timers.push(
                    now.saturating_add(duration),
                    j,
                    c as u32,
                    TimerKind::Inactive(now),
                );
            }
        }
        c
    }

    /// Applies the decay periods that ended by `now`.
    pub(crate) fn settle(&mut self, c: usize, now: i64) {
        let contact = &mut self.state.contacts[c];
        for (state, score) in contact.scores.iter_mut().zip(&self.program.scores) {
            state.settle(score.decay, now);
        }
    }

    fn zone(&self, c: usize) -> TimeZone {
        let name = self.plan.timezone.and_then(|slot| {
            match &self.state.contacts[c].profile[slot.index()] {
                Value::Str(name) => Some(name.clone()),
                _ => None,
            }
        });
        clock::zone_of(name.as_deref())
    }

    /// Sets a profile field (identify or `set`), planning schedules again when their inputs
    /// change.
    fn assign(&mut self, c: usize, slot: ProfileSlot, value: Value, now: i64) {
        let old = std::mem::replace(&mut self.state.contacts[c].profile[slot.index()], value);
        if old == self.state.contacts[c].profile[slot.index()] {
            return;
        }
        let program = self.program;
        let plan = Arc::clone(&self.plan);
        for &j in &plan.scheduled_journeys {
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

    /// Sets the timer of the contact's next scheduled entry into `j` after `now`.
    fn plan_schedule(&mut self, c: usize, j: JourneyId, now: i64) {
        let Entry::Schedule { calendar, at, .. } = &self.program.journeys[j.index()].entry else {
            return;
        };
        let date = match calendar {
            Calendar::Yearly(slot) => match self.state.contacts[c].profile[slot.index()] {
                Value::Date(days) => jiff::civil::date(1970, 1, 1)
                    .checked_add(jiff::Span::new().days(i64::from(days)))
                    .ok(),
                _ => None,
            },
            _ => None,
        };
        let next = clock::next_scheduled(now, Schedule::from(calendar), *at, &self.zone(c), date);
        let contact = &mut self.state.contacts[c];
        let state = &mut contact.journeys[j.index()];
        state.schedule_generation = state.schedule_generation.wrapping_add(1);
        if let Some(due) = next {
            self.state.timers.push(
                due,
                j,
                c as u32,
                TimerKind::Scheduled(state.schedule_generation),
            );
        }
    }

    // ---- events ---------------------------------------------------------------------------------

    /// The phases of §6 for a track event, after the timers.
    fn track(&mut self, c: usize, event: EventId, record: &[Value], now: i64, sink: &mut dyn Sink) {
        let program = self.program;
        let plan = Arc::clone(&self.plan);
        // The filters that read only the event, all at once (see `journey_ir::filters`); the
        // buffer is the engine's, so that asking allocates nothing.
        let mut matched = std::mem::take(&mut self.matched);
        if !plan.filters.of(event).is_empty() {
            let scope = self.scope(c, now).with_event(event, record);
            self.evaluator
                .eval_event_filters(event, &scope, &mut matched);
        }
        // The event joins the history.
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
                self.state.contacts[c].histories[h.index()].add_keyed(history, now, record, value);
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
            if !self.passes(history.filter, &matched, &scope) {
                continue;
            }
            let value = value();
            self.state.contacts[c].histories[h.index()].add(history, now, value);
            if self.traced() {
                self.trace(c, sink, |who| Trace::Joined {
                    who,
                    at: now,
                    history: h,
                });
            }
        }
        if let (Some(channel), true) =
            (plan.engagement_channel[event.index()], plan.uses_engagement)
        {
            let hour = clock::local_hour(now, &self.zone(c));
            let engagement = self.state.contacts[c]
                .engagement
                .get_or_insert_with(Box::default);
            engagement.engaged[channel_index(channel)] += 1;
            engagement.hours[usize::from(hour) % 24] += 1;
        }
        // Score rules: every filter first, so that all of them read the scores before the event.
        let mut awards = std::mem::take(&mut self.awards);
        awards.clear();
        let scope = self.scope(c, now).with_event(event, record);
        awards.extend(
            plan.score_rules_of[event.index()]
                .iter()
                .copied()
                .filter(|&(s, r)| {
                    let filter = program.scores[s.index()].on_rules[r].filter;
                    self.passes(filter, &matched, &scope)
                }),
        );
        for &(s, r) in &awards {
            let before = self.state.contacts[c].scores[s.index()].points;
            self.state.contacts[c].scores[s.index()].award(&program.scores[s.index()], r, now);
            if self.traced() {
                self.trace_award(c, s, r, before, now, sink);
            }
        }
        self.awards = awards;
        // Goal and exit rules of the journeys the contact is in.
        for &j in &plan.rules_of[event.index()] {
            if self.state.contacts[c].journeys[j.index()]
                .instance
                .is_none()
            {
                continue;
            }
            let journey = &program.journeys[j.index()];
            let matches = |rule: &&journey_ir::EventRule| {
                rule.event == event && {
                    let scope = self
                        .scope(c, now)
                        .with_event(event, record)
                        .with_journey(j)
                        .with_binding(rule.binding, record);
                    self.passes(rule.filter, &matched, &scope)
                }
            };
            if let Some(g) = journey.goal_rules.iter().position(|r| matches(&r)) {
                let goal = &journey.goal_rules[g];
                let key = format!("goal:{}", goal.name);
                self.emit(c, j, &key, now, ActionKind::Goal { goal: &goal.name }, sink);
                self.leave(c, j);
                if self.traced() {
                    self.trace_left(c, j, Leave::Goal(g), now, sink);
                }
            } else if let Some(x) = journey.exit_rules.iter().position(|r| matches(&r)) {
                self.leave(c, j);
                if self.traced() {
                    self.trace_left(c, j, Leave::Exit(x), now, sink);
                }
            }
        }
        // Waiting `wait for` steps.
        for &j in &plan.waits_of[event.index()] {
            let Some(instance) = &self.state.contacts[c].journeys[j.index()].instance else {
                continue;
            };
            if instance.phase != Phase::Awaiting {
                continue;
            }
            let waiting = instance.step;
            let Step::WaitFor {
                event: awaited,
                binding,
                filter,
                then,
                ..
            } = &program.journeys[j.index()].steps[instance.step.index()]
            else {
                continue;
            };
            if *awaited != event {
                continue;
            }
            let scope = self
                .scope(c, now)
                .with_event(event, record)
                .with_journey(j)
                .with_binding(*binding, record);
            if !self.passes(*filter, &matched, &scope) {
                continue;
            }
            let state = &mut self.state.contacts[c].journeys[j.index()];
            state.timer_generation = state.timer_generation.wrapping_add(1);
            if let Some(instance) = state.instance.as_mut() {
                if let Some(b) = binding {
                    instance.bindings[b.index()] = Some(record.to_vec());
                }
                instance.step = *then;
                instance.phase = Phase::Ready;
            }
            if self.traced() {
                let step = waiting;
                self.trace(c, sink, |who| Trace::Matched {
                    who,
                    at: now,
                    journey: j,
                    step,
                });
            }
            self.run(c, j, now, sink);
        }
        // `enter on` triggers.
        for &j in &plan.entries_of[event.index()] {
            let Entry::On {
                binding, filter, ..
            } = &program.journeys[j.index()].entry
            else {
                continue;
            };
            let scope = self
                .scope(c, now)
                .with_event(event, record)
                .with_binding(*binding, record);
            if !self.passes(*filter, &matched, &scope) {
                if let (true, Some(filter)) = (self.traced(), *filter) {
                    let cause = Cause::On(event);
                    self.trace_refused(c, j, cause, filter, &scope, now, sink);
                }
                continue;
            }
            let binding = binding.map(|b| (b, record.to_vec()));
            self.enter(c, j, now, Cause::On(event), binding, sink);
        }
        self.matched = matched;
    }

    /// Whether a filter of the event being handled holds: its bit when it is an event filter
    /// (evaluated up front), else evaluated over `scope`.
    fn passes(&self, filter: Option<ExprId>, matched: &FilterBits, scope: &Scope<'_>) -> bool {
        filter.is_none_or(|f| match self.plan.filters.bit(f) {
            Some(bit) => matched.get(bit),
            None => self.evaluator.eval_bool(f, scope),
        })
    }

    /// Re-evaluates the contact's `enter when` conditions once, in declaration order.
    fn reevaluate_when(&mut self, c: usize, now: i64, sink: &mut dyn Sink) {
        let plan = Arc::clone(&self.plan);
        for &j in &plan.when_journeys {
            let Entry::When(condition) = self.program.journeys[j.index()].entry else {
                continue;
            };
            let held = self.evaluator.eval_bool(condition, &self.scope(c, now));
            let state = &mut self.state.contacts[c].journeys[j.index()];
            let was = std::mem::replace(&mut state.condition_held, held);
            if held && !was {
                self.enter(c, j, now, Cause::When, None, sink);
            }
        }
    }

    /// Enters the contact into `j` if it is not inside and its `reenter` rule allows, and runs
    /// the first steps.
    fn enter(
        &mut self,
        c: usize,
        j: JourneyId,
        now: i64,
        cause: Cause,
        binding: Option<(BindingId, Vec<Value>)>,
        sink: &mut dyn Sink,
    ) {
        let journey = &self.program.journeys[j.index()];
        let contact = &mut self.state.contacts[c];
        let state = &mut contact.journeys[j.index()];
        if state.instance.is_some() {
            if self.traced() {
                self.trace_not_entered(c, j, cause, Refusal::Inside, now, sink);
            }
            return;
        }
        let last_entry = state.last_entry.get();
        let allowed = match (journey.reenter, last_entry) {
            (_, None) => true,
            (Reenter::Never, Some(_)) => false,
            (Reenter::Always, Some(_)) => true,
            (Reenter::After(window), Some(last)) => now.saturating_sub(last) >= window,
        };
        if !allowed {
            if self.traced() {
                let why = Refusal::Reenter {
                    policy: journey.reenter,
                    last: last_entry.unwrap_or(now),
                };
                self.trace_not_entered(c, j, cause, why, now, sink);
            }
            return;
        }
        state.entries += 1;
        state.last_entry = Some(now).into();
        state.timer_generation = state.timer_generation.wrapping_add(1);
        let mut bindings = vec![None; journey.bindings.len()];
        if let Some((b, record)) = binding {
            bindings[b.index()] = Some(record);
        }
        state.instance = Some(Box::new(Instance {
            step: journey.start,
            phase: Phase::Ready,
            bindings,
        }));
        for &h in &self.plan.since_enter[j.index()] {
            contact.histories[h.index()].reset();
        }
        if self.traced() {
            self.trace_entered(c, j, cause, now, sink);
        }
        self.run(c, j, now, sink);
    }

    /// Takes the contact out of `j`, cancelling its pending timer.
    fn leave(&mut self, c: usize, j: JourneyId) {
        let state = &mut self.state.contacts[c].journeys[j.index()];
        state.instance = None;
        state.timer_generation = state.timer_generation.wrapping_add(1);
    }

    // ---- timers ---------------------------------------------------------------------------------

    /// Fires, in order, every timer due at or before `now`.
    fn fire_due(&mut self, now: i64, sink: &mut dyn Sink) {
        while let Some((due, mut timers)) = self.state.timers.take_due(now) {
            let contacts = &self.state.contacts;
            Timers::order(&mut timers, |c| {
                contacts.get(c as usize).map_or("", |contact| &contact.id)
            });
            if self.state.clock.is_none_or(|clock| clock < due) {
                self.state.clock = Some(due);
            }
            let due = self.state.clock.unwrap_or(due);
            for timer in timers {
                self.fire(timer, due, sink);
            }
        }
    }

    /// Fires one timer at `due`, unless it is stale.
    fn fire(&mut self, timer: Timer, due: i64, sink: &mut dyn Sink) {
        let j = timer.journey;
        if timer.kind == TimerKind::Once {
            self.fire_once(j, due, sink);
            return;
        }
        let c = timer.contact as usize;
        let Some(contact) = self.state.contacts.get(c) else {
            return;
        };
        if !crate::trace::is_live(&contact.journeys[j.index()], timer.kind) {
            return;
        }
        self.state.stats.timers += 1;
        if self.traced() {
            self.trace_fired(c, j, timer.kind, due, sink);
            self.settle_traced(c, due, sink);
        }
        self.settle(c, due);
        match timer.kind {
            TimerKind::Resume(_) => self.resume_instance(c, j, due, sink),
            TimerKind::Scheduled(_) => {
                let filter = match &self.program.journeys[j.index()].entry {
                    Entry::Schedule { filter, .. } => *filter,
                    _ => None,
                };
                if self.holds(c, filter, due) {
                    self.enter(c, j, due, Cause::Schedule, None, sink);
                } else if self.traced() {
                    self.trace_held_refused(c, j, Cause::Schedule, filter, due, sink);
                }
                self.plan_schedule(c, j, due);
            }
            TimerKind::Inactive(_) => {
                let contact = &mut self.state.contacts[c];
                let last = contact.last_input;
                let duration = match self.program.journeys[j.index()].entry {
                    Entry::Inactive(duration) => duration,
                    _ => 0,
                };
                let state = &mut contact.journeys[j.index()];
                if last.saturating_add(duration) <= due {
                    state.inactivity_armed = None.into();
                    self.enter(c, j, due, Cause::Inactive, None, sink);
                } else {
                    // Input came since: wait for the quiet stretch after the latest one.
                    state.inactivity_armed = Some(last).into();
                    self.state.timers.push(
                        last.saturating_add(duration),
                        j,
                        c as u32,
                        TimerKind::Inactive(last),
                    );
                }
            }
            TimerKind::Once => {}
        }
        self.reevaluate_when(c, due, sink);
    }

    /// `enter once`: every known contact, in contact id order.
    fn fire_once(&mut self, j: JourneyId, now: i64, sink: &mut dyn Sink) {
        let Entry::Once { filter, .. } = self.program.journeys[j.index()].entry else {
            return;
        };
        let contacts = &self.state.contacts;
        let mut known: Vec<usize> = (0..contacts.len()).collect();
        known.sort_by(|&a, &b| contacts[a].id.cmp(&contacts[b].id));
        for c in known {
            self.state.stats.timers += 1;
            if self.traced() {
                self.trace_fired(c, j, TimerKind::Once, now, sink);
                self.settle_traced(c, now, sink);
            }
            self.settle(c, now);
            if self.holds(c, filter, now) {
                self.enter(c, j, now, Cause::Once, None, sink);
            } else if self.traced() {
                self.trace_held_refused(c, j, Cause::Once, filter, now, sink);
            }
            self.reevaluate_when(c, now, sink);
        }
    }

    /// Moves an instance on when its timer fires.
    fn resume_instance(&mut self, c: usize, j: JourneyId, now: i64, sink: &mut dyn Sink) {
        let journey = &self.program.journeys[j.index()];
        let Some(instance) = self.state.contacts[c].journeys[j.index()].instance.as_mut() else {
            return;
        };
        let step = instance.step;
        match (instance.phase, &journey.steps[step.index()]) {
            (Phase::Sleeping, Step::Wait { next, .. } | Step::WaitUntil { next, .. }) => {
                instance.step = *next;
                instance.phase = Phase::Ready;
            }
            (Phase::Awaiting, Step::WaitFor { otherwise, .. }) => {
                instance.step = *otherwise;
                instance.phase = Phase::Ready;
            }
            (Phase::SendScheduled, Step::Send(send)) => {
                if !self.send_unless_quiet(c, j, step, send, now, sink) {
                    return;
                }
            }
            (Phase::SendQuiet, Step::Send(send)) => {
                self.deliver(c, j, step, send, now, sink);
                self.advance(c, j, send.next);
            }
            _ => return,
        }
        self.run(c, j, now, sink);
    }

    // ---- steps ----------------------------------------------------------------------------------

    /// Runs the contact's steps in `j` until the journey waits or ends.
    fn run(&mut self, c: usize, j: JourneyId, now: i64, sink: &mut dyn Sink) {
        let program = self.program;
        let journey = &program.journeys[j.index()];
        loop {
            let Some(instance) = &self.state.contacts[c].journeys[j.index()].instance else {
                return;
            };
            if instance.phase != Phase::Ready {
                return;
            }
            let step_id = instance.step;
            if self.traced() {
                let step = step_id;
                self.trace(c, sink, |who| Trace::Step {
                    who,
                    at: now,
                    journey: j,
                    step,
                });
            }
            let Some(step) = journey.steps.get(step_id.index()) else {
                self.leave(c, j);
                if self.traced() {
                    self.trace_left(c, j, Leave::Step(step_id), now, sink);
                }
                return;
            };
            match step {
                Step::Send(send) => {
                    if let Some(spec) = send.at {
                        let due = self.resolve(c, j, spec, now);
                        if due > now {
                            self.sleep(c, j, due, Phase::SendScheduled, sink);
                            return;
                        }
                    }
                    if !self.send_unless_quiet(c, j, step_id, send, now, sink) {
                        return;
                    }
                }
                Step::Notify {
                    team,
                    template,
                    payload,
                    next,
                } => {
                    let data = self.payload(c, j, payload, now);
                    let kind = ActionKind::Notify {
                        team,
                        template,
                        data,
                    };
                    self.emit(c, j, &step_id.0.to_string(), now, kind, sink);
                    self.advance(c, j, *next);
                }
                Step::Wait { duration, next } => {
                    let wait = match self.eval(c, j, *duration, now) {
                        Value::Duration(seconds) => seconds,
                        _ => 0,
                    };
                    if wait > 0 {
                        self.sleep(c, j, now.saturating_add(wait), Phase::Sleeping, sink);
                        return;
                    }
                    self.advance(c, j, *next);
                }
                Step::WaitUntil { until, next } => {
                    let due = self.resolve(c, j, *until, now);
                    if due > now {
                        self.sleep(c, j, due, Phase::Sleeping, sink);
                        return;
                    }
                    self.advance(c, j, *next);
                }
                Step::WaitFor { within, .. } => {
                    self.sleep(c, j, now.saturating_add(*within), Phase::Awaiting, sink);
                    return;
                }
                Step::Branch {
                    condition,
                    then,
                    otherwise,
                } => {
                    let holds = self.eval(c, j, *condition, now).truthy();
                    if self.traced() {
                        self.trace_branch(c, j, step_id, *condition, holds, now, sink);
                    }
                    self.advance(c, j, if holds { *then } else { *otherwise });
                }
                Step::Split { arms } => {
                    let contact = &self.state.contacts[c].id;
                    let point = split_point(&journey.name, step_id.0, contact);
                    let mut total = 0.0;
                    let mut chosen = arms.len().checked_sub(1);
                    for (arm, (percent, _, _)) in arms.iter().enumerate() {
                        total += percent;
                        if point < total {
                            chosen = Some(arm);
                            break;
                        }
                    }
                    match chosen.and_then(|arm| Some((arm, arms.get(arm)?.2))) {
                        Some((arm, first)) => {
                            if self.traced() {
                                let (at, step) = (now, step_id);
                                self.trace(c, sink, |who| Trace::Split {
                                    who,
                                    at,
                                    journey: j,
                                    step,
                                    arm,
                                });
                            }
                            self.advance(c, j, first);
                        }
                        None => {
                            self.leave(c, j);
                            if self.traced() {
                                self.trace_left(c, j, Leave::NoArm(step_id), now, sink);
                            }
                        }
                    }
                }
                Step::Set { slot, value, next } => {
                    let value = self.eval(c, j, *value, now);
                    self.assign(c, *slot, value.clone(), now);
                    let field = &program.profile[slot.index()];
                    let kind = ActionKind::Set {
                        field: &field.name,
                        value,
                        ty: &field.ty,
                    };
                    self.emit(c, j, &step_id.0.to_string(), now, kind, sink);
                    self.advance(c, j, *next);
                }
                Step::AdjustScore { score, delta, next } => {
                    self.state.contacts[c].scores[score.index()].adjust(*delta, now);
                    self.advance(c, j, *next);
                }
                Step::Tag { tag, add, next } => {
                    self.edit_tags(c, tag, *add);
                    let kind = ActionKind::Tag { tag, add: *add };
                    self.emit(c, j, &step_id.0.to_string(), now, kind, sink);
                    self.advance(c, j, *next);
                }
                Step::Goal { name, next } => {
                    let kind = ActionKind::Goal { goal: name };
                    self.emit(c, j, &step_id.0.to_string(), now, kind, sink);
                    self.advance(c, j, *next);
                }
                Step::Exit => {
                    self.leave(c, j);
                    if self.traced() {
                        self.trace_left(c, j, Leave::Step(step_id), now, sink);
                    }
                    return;
                }
            }
        }
    }

    /// Goes on to `next` at once.
    fn advance(&mut self, c: usize, j: JourneyId, next: StepId) {
        if let Some(instance) = self.state.contacts[c].journeys[j.index()].instance.as_mut() {
            instance.step = next;
            instance.phase = Phase::Ready;
        }
    }

    /// Parks the current step in `phase` until `due`.
    fn sleep(&mut self, c: usize, j: JourneyId, due: i64, phase: Phase, sink: &mut dyn Sink) {
        let contact = &mut self.state.contacts[c];
        let state = &mut contact.journeys[j.index()];
        let Some(instance) = state.instance.as_mut() else {
            return;
        };
        instance.phase = phase;
        state.timer_generation = state.timer_generation.wrapping_add(1);
        self.state
            .timers
            .push(due, j, c as u32, TimerKind::Resume(state.timer_generation));
        if self.traced() {
            self.trace_waiting(c, j, due, phase, sink);
        }
    }

    /// Delivers a send now, or parks it until quiet hours end; `true` when it was delivered.
    fn send_unless_quiet(
        &mut self,
        c: usize,
        j: JourneyId,
        step: StepId,
        send: &Send,
        now: i64,
        sink: &mut dyn Sink,
    ) -> bool {
        if let Some(quiet) = self.program.policy.quiet_hours {
            if let Some(end) = clock::quiet_until(now, quiet, &self.zone(c)) {
                self.sleep(c, j, end, Phase::SendQuiet, sink);
                return false;
            }
        }
        self.deliver(c, j, step, send, now, sink);
        self.advance(c, j, send.next);
        true
    }

    /// The send itself: channel, consent, caps, record.
    fn deliver(
        &mut self,
        c: usize,
        j: JourneyId,
        step: StepId,
        send: &Send,
        now: i64,
        sink: &mut dyn Sink,
    ) {
        let policy = &self.program.policy;
        let channel = if send.best_channel {
            self.best_channel(c, &send.channels, now)
        } else {
            send.channels.first().copied().unwrap_or(Channel::Email)
        };
        let data = self.payload(c, j, &send.payload, now);
        let reason = if !self.consents(c, channel, now) {
            if self.traced() {
                self.trace_no_consent(c, j, step, channel, now, sink);
            }
            Some(SuppressReason::Consent)
        } else {
            let sends = &mut self.state.contacts[c].sends;
            let capped = policy
                .caps
                .iter()
                .zip(sends.iter_mut())
                .filter(|((capped, _, _), _)| *capped == channel)
                .any(|((_, limit, window), times)| {
                    while times.front().is_some_and(|t| *t <= now - window) {
                        times.pop_front();
                    }
                    times.len() as i64 >= *limit
                });
            capped.then_some(SuppressReason::Cap)
        };
        let template = send.template.as_str();
        let kind = match reason {
            Some(reason) => ActionKind::Suppressed {
                channel,
                template,
                data,
                reason,
            },
            None => {
                let contact = &mut self.state.contacts[c];
                for ((capped, _, _), times) in policy.caps.iter().zip(contact.sends.iter_mut()) {
                    if *capped == channel {
                        times.push_back(now);
                    }
                }
                if self.plan.uses_engagement {
                    contact.engagement.get_or_insert_with(Box::default).sent
                        [channel_index(channel)] += 1;
                }
                ActionKind::Send {
                    channel,
                    template,
                    data,
                }
            }
        };
        self.emit(c, j, &step.0.to_string(), now, kind, sink);
    }

    /// Whether every consent rule of `channel` holds.
    fn consents(&self, c: usize, channel: Channel, now: i64) -> bool {
        self.program
            .policy
            .consent
            .iter()
            .filter(|(ch, _)| *ch == channel)
            .all(|(_, condition)| self.evaluator.eval_bool(*condition, &self.scope(c, now)))
    }

    /// `best_channel(...)`: the consented channel with the most engagement per send.
    fn best_channel(&self, c: usize, channels: &[Channel], now: i64) -> Channel {
        let first = channels.first().copied().unwrap_or(Channel::Email);
        let empty = Engagement::default();
        let engagement = self.state.contacts[c]
            .engagement
            .as_deref()
            .unwrap_or(&empty);
        // Ratios compared as cross products: engaged_a / sent_a > engaged_b / sent_b.
        let ratio = |ch: Channel| {
            let i = channel_index(ch);
            (
                u64::from(engagement.engaged[i]),
                u64::from(engagement.sent[i].max(1)),
            )
        };
        let mut best: Option<(Channel, (u64, u64))> = None;
        for &channel in channels {
            if !self.consents(c, channel, now) {
                continue;
            }
            let (engaged, sent) = ratio(channel);
            match best {
                Some((_, (best_engaged, best_sent)))
                    if engaged * best_sent <= best_engaged * sent => {}
                _ => best = Some((channel, (engaged, sent))),
            }
        }
        best.map_or(first, |(channel, _)| channel)
    }

    /// The instant a TIMESPEC names, never before `now`.
    fn resolve(&self, c: usize, j: JourneyId, spec: TimeSpec, now: i64) -> i64 {
        let due = match spec {
            TimeSpec::Clock(at) => clock::next_at_or_after(now, at, &self.zone(c)),
            TimeSpec::BestTime => {
                let hour = self.state.contacts[c]
                    .engagement
                    .as_deref()
                    .map_or(DEFAULT_BEST_HOUR, best_hour);
                clock::next_hour_start(now, hour, &self.zone(c))
            }
            TimeSpec::Instant(expr) => match self.eval(c, j, expr, now) {
                Value::Time(t) => t,
                _ => now,
            },
        };
        due.max(now)
    }

    fn edit_tags(&mut self, c: usize, tag: &str, add: bool) {
        let Some(slot) = self.plan.tags else {
            return;
        };
        let value = &mut self.state.contacts[c].profile[slot.index()];
        let mut tags: Vec<Value> = match value {
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
        *value = Value::List(tags.into());
    }

    /// Writes an action of the contact's current entry into `j`.
    fn emit(
        &mut self,
        c: usize,
        j: JourneyId,
        step: &str,
        now: i64,
        kind: ActionKind<'_>,
        sink: &mut dyn Sink,
    ) {
        let contact = &self.state.contacts[c];
        let journey = &self.program.journeys[j.index()].name;
        let entry = contact.journeys[j.index()].entries;
        let action = Action {
            at: now,
            contact: &contact.id,
            journey,
            id: action_id(journey, entry, step, &contact.id),
            kind,
        };
        self.state.stats.actions[action.kind.index()] += 1;
        sink.action(self.program, &action);
        if self.traced() {
            self.trace(c, sink, |who| Trace::Action {
                who,
                journey: j,
                action: &action,
            });
        }
    }

    // ---- expressions ----------------------------------------------------------------------------

    pub(crate) fn scope(&self, c: usize, now: i64) -> Scope<'_> {
        Scope {
            program: self.program,
            evaluator: self.evaluator,
            contact: &self.state.contacts[c],
            journey: None,
            event: None,
            binding: None,
            now,
        }
    }

    fn eval(&self, c: usize, j: JourneyId, expr: ExprId, now: i64) -> Value {
        self.evaluator
            .eval(expr, &self.scope(c, now).with_journey(j))
    }

    fn holds(&self, c: usize, filter: Option<ExprId>, now: i64) -> bool {
        filter.is_none_or(|f| self.evaluator.eval_bool(f, &self.scope(c, now)))
    }

    fn payload(
        &self,
        c: usize,
        j: JourneyId,
        payload: &'p [(String, ExprId)],
        now: i64,
    ) -> Payload<'p> {
        let program = self.program;
        payload
            .iter()
            .map(|(key, expr)| {
                (
                    key.as_str(),
                    self.eval(c, j, *expr, now),
                    &program.expr(*expr).ty,
                )
            })
            .collect()
    }
}

/// The best hour without a clear favourite (reference §5).
const DEFAULT_BEST_HOUR: u8 = 10;

/// The single most frequent hour of opens and clicks, or the default on a tie or no history.
fn best_hour(engagement: &Engagement) -> u8 {
    let most = engagement.hours.iter().copied().max().unwrap_or(0);
    let mut at_most = engagement
        .hours
        .iter()
        .enumerate()
        .filter(|(_, n)| **n == most);
    match (most, at_most.next(), at_most.next()) {
        (1.., Some((hour, _)), None) => hour as u8,
        _ => DEFAULT_BEST_HOUR,
    }
}

fn channel_index(channel: Channel) -> usize {
    match channel {
        Channel::Email => 0,
        Channel::Sms => 1,
        Channel::Push => 2,
        Channel::InApp => 3,
        Channel::Webhook => 4,
        Channel::Mail => 5,
    }
}

/// What an expression reads while the engine handles one contact.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    program: &'a Program,
    evaluator: &'a dyn Evaluator,
    contact: &'a Contact,
    journey: Option<JourneyId>,
    event: Option<(EventId, &'a [Value])>,
    /// A binding whose record is the event being handled (not yet stored in the instance).
    binding: Option<(BindingId, &'a [Value])>,
    now: i64,
}

impl<'a> Scope<'a> {
    fn with_event(mut self, event: EventId, record: &'a [Value]) -> Self {
        self.event = Some((event, record));
        self
    }

    pub(crate) fn with_journey(mut self, journey: JourneyId) -> Self {
        self.journey = Some(journey);
        self
    }

    fn with_binding(mut self, binding: Option<BindingId>, record: &'a [Value]) -> Self {
        self.binding = binding.map(|b| (b, record));
        self
    }
}

impl Env for Scope<'_> {
    fn event_field(&self, event: EventId, slot: u32) -> Value {
        match self.event {
            Some((current, record)) if current == event => {
                record.get(slot as usize).cloned().unwrap_or(Value::Missing)
            }
            _ => Value::Missing,
        }
    }

    fn binding_field(&self, binding: BindingId, _event: EventId, slot: u32) -> Value {
        self.binding_record(binding)
            .and_then(|record| record.get(slot as usize).cloned())
            .unwrap_or(Value::Missing)
    }

    fn binding_record(&self, binding: BindingId) -> Option<&[Value]> {
        match self.binding {
            Some((current, record)) if current == binding => Some(record),
            _ => self
                .journey
                .and_then(|j| self.contact.journeys[j.index()].instance.as_ref())
                .and_then(|instance| instance.bindings.get(binding.index()))
                .and_then(|record| record.as_deref()),
        }
    }

    fn profile(&self, slot: ProfileSlot) -> Value {
        self.contact
            .profile
            .get(slot.index())
            .cloned()
            .unwrap_or(Value::Missing)
    }

    fn score_points(&self, score: ScoreId) -> i64 {
        self.contact
            .scores
            .get(score.index())
            .map_or(0, |state| state.points)
    }

    fn history(&self, history: HistoryId) -> Value {
        let Some(definition) = self.program.histories.get(history.index()) else {
            return Value::Missing;
        };
        let field_ty = definition.field.and_then(|slot| {
            self.program.events[definition.event.index()]
                .fields
                .get(slot as usize)
                .map(|f| &f.ty)
        });
        // A keyed aggregate's filter is asked per group of kept events, as if each group's
        // key were the event being matched, with this scope's bindings.
        let mut holds = |key: &[Value]| {
            definition.filter.is_none_or(|filter| {
                let scope = Scope {
                    event: Some((definition.event, key)),
                    ..*self
                };
                self.evaluator.eval_bool(filter, &scope)
            })
        };
        self.contact.histories[history.index()].read(definition, self.now, field_ty, &mut holds)
    }

    fn now(&self) -> i64 {
        self.now
    }

    fn event_record(&self) -> Option<(EventId, &[Value])> {
        self.event
    }

    fn profile_record(&self) -> Option<&[Value]> {
        Some(&self.contact.profile)
    }
}

/// The environment of constants (profile defaults, test values): reads nothing.
pub struct EmptyEnv;

impl Env for EmptyEnv {
    fn event_field(&self, _: EventId, _: u32) -> Value {
        Value::Missing
    }
    fn binding_field(&self, _: BindingId, _: EventId, _: u32) -> Value {
        Value::Missing
    }
    fn profile(&self, _: ProfileSlot) -> Value {
        Value::Missing
    }
    fn score_points(&self, _: ScoreId) -> i64 {
        0
    }
    fn history(&self, _: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        0
    }
}
