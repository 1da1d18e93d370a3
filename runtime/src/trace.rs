//! The engine's decision trace: every decision it makes for a contact, as data.
//!
//! With [`Options::trace`](crate::Options::trace) set, the engine hands a [`Trace`] to
//! [`Sink::trace`](crate::engine::Sink::trace) at each decision point: an input and what it
//! changed (history, scores, profile), the timers that fired, the journeys entered (and, for a
//! trigger that did not enter, why not, with the values its filter read), every step run, wait
//! started, split arm taken, suppression, action and departure. Every trace names its contact by index and id, so a
//! consumer can follow one contact (`journey explain`) or count over all of them (a campaign
//! report). There is no wording here: `journey-insight` turns traces into sentences.
//!
//! Without the option the engine pays one predictable branch per decision point and builds
//! nothing.

use journey_ir::eval::Value;
use journey_ir::{
    same_tree, Channel, EventId, ExprId, ExprKind, HistoryId, JourneyId, ProfileSlot, Program,
    Reenter, ScoreId, StepId,
};

mod hooks;

use crate::output::Action;
use crate::scheduler::timers::TimerKind;
use crate::store::{Contacts, Phase};

/// The contact a decision is about: its index in the run (order of first input) and its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Who<'a> {
    /// Index into the run's contacts.
    pub index: u32,
    /// The contact id.
    pub id: &'a str,
}

/// One decision of the engine. `at` is the run's clock when it was made.
#[derive(Clone, Debug, PartialEq)]
pub enum Trace<'a> {
    /// An input is handled: a track or page event (`event`) or an identify (`None`).
    Input {
        /// The contact.
        who: Who<'a>,
        /// The time it is handled at (the clock, for a late event).
        at: i64,
        /// Its own timestamp.
        sent_at: i64,
        /// Its line number in the input, when it came from a line.
        line: Option<u64>,
        /// The event, or `None` for an identify.
        event: Option<EventId>,
        /// The event's record in slot order (`at`, `contact`, `account` included), for a
        /// track or page event.
        record: Option<&'a [Value]>,
    },
    /// The event joined a history aggregate (its filter held, or it is read at read time).
    Joined {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The aggregate.
        history: HistoryId,
    },
    /// An `on` rule of a score matched and awarded points.
    Scored {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The score.
        score: ScoreId,
        /// The rule's index among the score's `on` rules.
        rule: usize,
        /// The points awarded (the rule's, or less when its cap cut them).
        awarded: i64,
        /// The score's event points afterwards.
        total: i64,
    },
    /// Decay periods ended and were applied to a score's event points.
    Decayed {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The score.
        score: ScoreId,
        /// Periods applied now.
        periods: i64,
        /// Event points before.
        before: i64,
        /// Event points after.
        after: i64,
    },
    /// An identify gave a profile field a value.
    Profile {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The field.
        slot: ProfileSlot,
        /// The value given.
        value: &'a Value,
        /// Whether it differs from the value before.
        changed: bool,
    },
    /// A timer of the contact fired.
    Fired {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey it belongs to.
        journey: JourneyId,
        /// What it was for.
        timer: Fired,
    },
    /// The contact entered a journey.
    Entered {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey.
        journey: JourneyId,
        /// The entry number, from 1 (as in action ids).
        entry: u32,
        /// What made it enter.
        cause: Cause,
    },
    /// A journey's trigger fired for the contact but it did not enter.
    NotEntered {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey.
        journey: JourneyId,
        /// The trigger.
        cause: Cause,
        /// Why not.
        why: Refusal<'a>,
    },
    /// A step starts to run.
    Step {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey.
        journey: JourneyId,
        /// The step, numbered as `journey ir` prints it.
        step: StepId,
    },
    /// The contact's instance waits at a step until `due` (or an event, for `wait for`).
    Waiting {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey.
        journey: JourneyId,
        /// The step that waits.
        step: StepId,
        /// When its timer fires.
        due: i64,
        /// What it waits for: `Sleeping` a wait, `Awaiting` an event (`due` is the deadline),
        /// `SendScheduled` a send's `at`, `SendQuiet` the end of quiet hours.
        phase: Phase,
    },
    /// The event a `wait for` step waited for came and its filter held.
    Matched {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey.
        journey: JourneyId,
        /// The `wait for` step.
        step: StepId,
    },
    /// An `if` step chose its branch.
    Branched {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey.
        journey: JourneyId,
        /// The step.
        step: StepId,
        /// Whether the condition held (the first block).
        held: bool,
        /// The leaves of the condition and their values.
        reads: &'a [(ExprId, Value)],
    },
    /// A split step chose an arm.
    Split {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey.
        journey: JourneyId,
        /// The step.
        step: StepId,
        /// The arm's index.
        arm: usize,
    },
    /// A send is suppressed because a consent condition of its channel is false.
    NoConsent {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey.
        journey: JourneyId,
        /// The send step.
        step: StepId,
        /// The channel.
        channel: Channel,
        /// The leaves of the channel's consent conditions and their values.
        reads: &'a [(ExprId, Value)],
    },
    /// An action record was written (the same record the sink's `action` received).
    Action {
        /// The contact.
        who: Who<'a>,
        /// The journey.
        journey: JourneyId,
        /// The record.
        action: &'a Action<'a>,
    },
    /// The contact left a journey.
    Left {
        /// The contact.
        who: Who<'a>,
        /// When.
        at: i64,
        /// The journey.
        journey: JourneyId,
        /// Why.
        why: Leave,
    },
}

impl Trace<'_> {
    /// The contact the decision is about.
    pub fn who(&self) -> Who<'_> {
        match self {
            Trace::Input { who, .. }
            | Trace::Joined { who, .. }
            | Trace::Scored { who, .. }
            | Trace::Decayed { who, .. }
            | Trace::Profile { who, .. }
            | Trace::Fired { who, .. }
            | Trace::Entered { who, .. }
            | Trace::NotEntered { who, .. }
            | Trace::Step { who, .. }
            | Trace::Waiting { who, .. }
            | Trace::Matched { who, .. }
            | Trace::Branched { who, .. }
            | Trace::Split { who, .. }
            | Trace::NoConsent { who, .. }
            | Trace::Action { who, .. }
            | Trace::Left { who, .. } => *who,
        }
    }
}

/// What a fired timer was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fired {
    /// A step's timer: the wait ended, the `wait for` deadline passed, the send's `at` came, or
    /// quiet hours ended (by the phase the step was in).
    Resume {
        /// The step.
        step: StepId,
        /// The phase it was in.
        phase: Phase,
    },
    /// A scheduled entry's occurrence.
    Scheduled,
    /// An `enter when inactive` deadline.
    Inactive,
    /// An `enter once` instant.
    Once,
}

/// What makes a contact enter a journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// `enter on EVENT`.
    On(EventId),
    /// `enter when C` turned true.
    When,
    /// `enter when inactive D`.
    Inactive,
    /// A scheduled entry (`daily` … `yearly`).
    Schedule,
    /// `enter once at T`.
    Once,
}

/// Why a trigger did not enter the contact.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal<'a> {
    /// The entry's filter was false.
    Filter {
        /// The filter.
        filter: ExprId,
        /// Its leaves (fields, profile, scores, segments, aggregates, `now`) and their values.
        reads: &'a [(ExprId, Value)],
    },
    /// The `reenter` policy refused.
    Reenter {
        /// The policy.
        policy: Reenter,
        /// The last entry.
        last: i64,
    },
    /// The contact is inside the journey already.
    Inside,
}

/// Why a contact left a journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leave {
    /// A `goal ... on` rule matched (its index among the goal rules).
    Goal(usize),
    /// An `exit on` rule matched (its index among the exit rules).
    Exit(usize),
    /// An `exit` step, or the end of the steps.
    Step(StepId),
    /// A split whose arms are empty.
    NoArm(StepId),
}

/// A live timer of a contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    /// When it fires.
    pub due: i64,
    /// Its journey.
    pub journey: JourneyId,
    /// What it is for (as in [`Trace::Fired`]).
    pub timer: Fired,
}

/// Whether a timer of the contact in journey `j` still stands: its generation matches (lazy
/// deletion), or, for a zone's scheduled entry, the contact is still in that zone.
pub(crate) fn is_live(contacts: &Contacts, c: usize, j: JourneyId, kind: TimerKind) -> bool {
    if contacts.is_forgotten(c) {
        return false;
    }
    let state = contacts.journey(c, j);
    match kind {
        TimerKind::Zone(zone) => contacts.zone(c) == zone,
        TimerKind::Resume(generation) => state.inside && state.timer_generation == generation,
        TimerKind::Scheduled(generation) => state.schedule_generation == generation,
        TimerKind::Inactive(armed) => state.inactivity_armed.get() == Some(armed),
        TimerKind::Once => false,
    }
}

/// The leaves of an expression that read something (event and binding fields, profile,
/// scores, segments, history aggregates, `now`), each once, in reading order.
pub fn leaves(program: &Program, expr: ExprId) -> Vec<ExprId> {
    let mut found = Vec::new();
    let mut stack = vec![expr];
    while let Some(id) = stack.pop() {
        let Some(node) = program.exprs.get(id.index()) else {
            continue;
        };
        match &node.kind {
            ExprKind::EventField(..)
            | ExprKind::BindingField(..)
            | ExprKind::Profile(_)
            | ExprKind::Score(_)
            | ExprKind::Segment(_)
            | ExprKind::History(_)
            | ExprKind::Now => {
                let same = |other: &ExprId| *other == id || same_tree(&program.exprs, *other, id);
                if !found.iter().any(same) {
                    found.push(id);
                }
            }
            kind => {
                let children: Vec<ExprId> = kind.children().collect();
                stack.extend(children.into_iter().rev());
            }
        }
    }
    found
}
