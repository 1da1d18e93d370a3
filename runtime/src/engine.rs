//! The engine: orders the phases of the reference's §6 for each input, and nothing else.
//!
//! One input is handled in this order: due timers fire ([`scheduler`](crate::scheduler)); the
//! contact is found or created and its decay settled ([`store`](crate::store)); for a track
//! event, its event filters are evaluated at once, then the event joins the histories, score
//! rules award points, `goal`/`exit` rules, waiting `wait for` steps and `enter on` triggers run
//! ([`journeys`](crate::journeys)); an `identify` writes the profile; then `enter when`
//! conditions are re-evaluated. Steps run until their journey waits or ends before anything else
//! happens. Every decision the reference leaves open is written in `docs/reference.md` §8.
//!
//! The engine owns no I/O: actions and rejects go to a [`Sink`]. Read-only tables (the program,
//! the evaluator, the [`Plan`]) are kept apart from the mutable [`RunState`]: each input is
//! handled by a [`Handler`] that borrows both.

use std::sync::Arc;

use journey_ir::eval::{Evaluator, Value};
use journey_ir::filters::FilterBits;
use journey_ir::{EventId, JourneyId, Program, ScoreId};
use serde::{Deserialize, Serialize};

use crate::input::{Decoder, Input, Limits, Reject, RejectReason};
use crate::output::Action;
use crate::plan::Plan;
use crate::scheduler::timers::{TimerKind, NO_CONTACT};
use crate::store::{Contacts, RunState};
use crate::trace::Trace;

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
    /// How long (seconds) a line's Segment `messageId` is remembered for its contact, so that
    /// a line repeating it is rejected as `duplicate`; 0 remembers none.
    pub dedupe_window: i64,
}

/// The dedupe window of `journey run` and `journey serve` unless told otherwise: a day, as
/// Segment's own.
pub const DEFAULT_DEDUPE_WINDOW: i64 = 86_400;

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

/// What a run reads and never changes: the program, its evaluator, the plan and the options.
pub(crate) struct Tables<'p> {
    pub(crate) program: &'p Program,
    pub(crate) evaluator: &'p dyn Evaluator,
    pub(crate) plan: Plan,
    pub(crate) options: Options,
}

/// Buffers reused from one input to the next, so that handling an event allocates nothing.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Which event filters held for the event being handled.
    pub(crate) matched: FilterBits,
    /// The score rules an event matched.
    pub(crate) awards: Vec<(ScoreId, usize)>,
    /// The timers of the bucket being fired.
    pub(crate) timers: Vec<crate::scheduler::timers::Timer>,
    /// The zone timers of that bucket, to plan again after it.
    pub(crate) zone_timers: Vec<(JourneyId, crate::store::ZoneId)>,
}

/// A track event being handled: its type, its record and which of its event filters held.
#[derive(Clone, Copy)]
pub(crate) struct Arrival<'r> {
    pub(crate) event: EventId,
    pub(crate) record: &'r [Value],
    pub(crate) matched: &'r FilterBits,
}

/// The handling of one input (or of the end of the input): the run's tables, borrowed apart
/// from its mutable state.
pub(crate) struct Handler<'a, 'p> {
    pub(crate) t: &'a Tables<'p>,
    pub(crate) state: &'a mut RunState,
    pub(crate) scratch: &'a mut Scratch,
    /// The number of the line being handled, kept only when tracing.
    pub(crate) line: Option<u64>,
    /// See [`Engine::set_horizon`].
    pub(crate) horizon: Option<(i64, i64)>,
}

/// Runs one program over a stream of inputs.
pub struct Engine<'p> {
    pub(crate) tables: Tables<'p>,
    pub(crate) state: RunState,
    decoder: Decoder,
    scratch: Scratch,
    /// `(wall clock, allowed lead)`: inputs further ahead are refused (`journey serve`).
    horizon: Option<(i64, i64)>,
}

impl<'p> Engine<'p> {
    /// A fresh run of `program`, evaluating expressions with `evaluator`.
    pub fn new(program: &'p Program, evaluator: &'p dyn Evaluator, options: Options) -> Self {
        let mut state = RunState {
            contacts: Contacts::new(program),
            ..RunState::default()
        };
        for (j, journey) in program.journeys.iter().enumerate() {
            if let journey_ir::Entry::Once { at, .. } = journey.entry {
                state
                    .timers
                    .push(at, JourneyId(j as u32), NO_CONTACT, TimerKind::Once);
            }
        }
        Engine::with_state(program, evaluator, options, state)
    }

    /// A run that goes on from a state saved earlier (with the same program and options);
    /// refused when the state's contact rows do not fit the program's layout.
    pub fn from_state(
        program: &'p Program,
        evaluator: &'p dyn Evaluator,
        options: Options,
        mut state: RunState,
    ) -> Result<Self, String> {
        state.contacts.adopt(program)?;
        Ok(Engine::with_state(program, evaluator, options, state))
    }

    fn with_state(
        program: &'p Program,
        evaluator: &'p dyn Evaluator,
        options: Options,
        state: RunState,
    ) -> Self {
        Engine {
            tables: Tables {
                program,
                evaluator,
                plan: Plan::new(program, evaluator),
                options,
            },
            state,
            decoder: Decoder::with_limits(program, options.limits),
            scratch: Scratch::default(),
            horizon: None,
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

    /// Refuses inputs more than `allowed` seconds ahead of `wall` (reason `future`) until set
    /// again; `None` accepts any time, as a batch run does.
    pub fn set_horizon(&mut self, horizon: Option<(i64, i64)>) {
        self.horizon = horizon;
    }

    /// Marks every contact changed, so that the next checkpoint takes them all (benchmarks).
    pub fn mark_all_changed(&mut self) {
        self.state.contacts.mark_all_changed();
    }

    /// Plans the entries of `journeys` for the contacts already known: the journeys a state
    /// carried over to this program did not run before ([`crate::migrate::Migrated::to_arm`]).
    pub fn arm_entries(&mut self, journeys: &[JourneyId]) {
        let now = self.state.clock;
        let mut handler = self.handler(None);
        for &j in journeys {
            handler.arm_entry(j, now);
        }
    }

    /// Makes the run's state record which contacts change, for [`RunState::take_changes`].
    pub fn track_changes(&mut self) {
        self.state.contacts.track_changes();
    }

    /// The handler of one input, borrowing the tables apart from the state.
    fn handler(&mut self, line: Option<u64>) -> Handler<'_, 'p> {
        Handler {
            t: &self.tables,
            state: &mut self.state,
            scratch: &mut self.scratch,
            line: line.filter(|_| self.tables.options.trace),
            horizon: self.horizon,
        }
    }

    /// Decodes and handles one input line (`line_number` from 1, for rejects).
    pub fn handle_line(&mut self, line_number: u64, line: &[u8], sink: &mut dyn Sink) {
        self.state.stats.lines += 1;
        let decoded = self.decoder.decode(line_number, line);
        let mut handler = self.handler(Some(line_number));
        let rejected = match decoded {
            Ok(input) => match handler.handle(input, sink) {
                Ok(recycled) => {
                    if let Some(record) = recycled {
                        self.decoder.recycle(record);
                    }
                    return;
                }
                Err(reason) => Reject {
                    line: line_number,
                    reason,
                    raw: String::from_utf8_lossy(line).into_owned(),
                },
            },
            Err(reject) => reject,
        };
        self.state.stats.rejected += 1;
        sink.reject(&rejected);
    }

    /// Handles one decoded input; an event too far behind the clock is refused.
    pub fn handle(&mut self, input: Input, sink: &mut dyn Sink) -> Result<(), RejectReason> {
        let record = self.handler(None).handle(input, sink)?;
        if let Some(record) = record {
            self.decoder.recycle(record);
        }
        Ok(())
    }

    /// Moves the clock to `now` if it is later (a service's wall clock), firing the timers due.
    pub fn advance(&mut self, now: i64, sink: &mut dyn Sink) {
        if self.state.clock.is_none_or(|clock| clock < now) {
            self.finish(Some(now), sink);
        }
    }

    /// Erases the contact with `id` (see [`RunState::forget`]); whether there was one.
    pub fn forget(&mut self, id: &str) -> bool {
        self.state.forget(id)
    }

    /// The pieces of a checkpoint (see [`RunState::checkpoint`]).
    pub fn checkpoint(&mut self) -> Result<crate::store::Checkpoint, String> {
        self.state.checkpoint()
    }

    /// Ends the input: time advances to `until` (if later than the clock) and due timers fire.
    pub fn finish(&mut self, until: Option<i64>, sink: &mut dyn Sink) {
        let end = match (self.state.clock, until) {
            (Some(clock), Some(until)) => clock.max(until),
            (clock, until) => clock.or(until).unwrap_or(i64::MIN),
        };
        self.handler(None).fire_due(end, sink);
        if end != i64::MIN {
            self.state.clock = Some(end);
        }
    }
}

impl<'p> Handler<'_, 'p> {
    /// The phases of §6 for one input; gives back a track event's record for reuse.
    fn handle(
        &mut self,
        input: Input,
        sink: &mut dyn Sink,
    ) -> Result<Option<Vec<Value>>, RejectReason> {
        let at = match &input {
            Input::Track { at, .. } | Input::Identify { at, .. } => *at,
        };
        crate::input::within_horizon(at, self.horizon)?;
        let now = crate::input::admit(at, self.state.clock, self.t.options.lateness)?;
        self.fire_due(now, sink);
        self.state.clock = Some(now);
        let message = self.duplicate_check(&input, now)?;
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
                self.remember_message(c, message, now);
                self.track(c, event, &record, now, sink);
                self.reevaluate_when(c, now, sink);
                Ok(Some(record))
            }
            Input::Identify {
                contact, traits, ..
            } => {
                self.state.stats.identifies += 1;
                if self.traced() {
                    self.trace_input(&contact, at, now, None, None, sink);
                }
                let c = self.touch(contact, now);
                self.remember_message(c, message, now);
                for (slot, value) in traits {
                    if self.traced() {
                        self.trace_profile(c, slot, &value, now, sink);
                    }
                    self.assign(c, slot, value, now);
                }
                self.reevaluate_when(c, now, sink);
                Ok(None)
            }
        }
    }

    /// The contact's index after an input at `now`: created if new (its scheduled entries
    /// planned), decay settled, inactivity timers set.
    fn touch(&mut self, id: Arc<str>, now: i64) -> usize {
        let c = match self.state.contacts.find(&id) {
            Some(c) => c,
            None => {
                let defaults = &self.t.plan.defaults;
                let zone = match self.t.plan.timezone {
                    Some(slot) => self.state.zones.number(&defaults[slot.index()]),
                    None => crate::store::NO_ZONE,
                };
                let c = self.state.contacts.add(&id, defaults, zone);
                self.join_zone(c, now);
                for &j in &self.t.plan.yearly_journeys {
                    self.plan_schedule(c, j, now);
                }
                c
            }
        };
        self.settle(c, now);
        self.state.contacts.set_last_input(c, now);
        self.arm_inactivity(c, now);
        c
    }

    /// The phases of §6 for a track event, after the timers and before `enter when`.
    fn track(&mut self, c: usize, event: EventId, record: &[Value], now: i64, sink: &mut dyn Sink) {
        // The filters that read only the event, all at once (see `journey_ir::filters`), into
        // a reused buffer, so that asking allocates nothing.
        let mut matched = std::mem::take(&mut self.scratch.matched);
        if !self.t.program.filters.of(event).is_empty() {
            let scope = self.scope(c, now).with_event(event, record);
            self.t
                .evaluator
                .eval_event_filters(event, &scope, &mut matched);
        }
        let arrival = Arrival {
            event,
            record,
            matched: &matched,
        };
        self.join_histories(c, &arrival, now, sink);
        self.count_engagement(c, event, now);
        self.award_scores(c, &arrival, now, sink);
        self.apply_rules(c, &arrival, now, sink);
        self.resume_waits(c, &arrival, now, sink);
        self.enter_on(c, &arrival, now, sink);
        self.scratch.matched = matched;
    }
}
