//! Per-contact state: everything the engine remembers between inputs, all of it serialisable.
//!
//! A contact's state is sized by the program: one [`ScoreState`] per score, one [`HistoryState`]
//! per history aggregate that some expression reads, one [`JourneyState`] per journey, send logs
//! only for capped channels, and engagement counters only when `best_time` or `best_channel` is
//! used.

use std::collections::VecDeque;
use std::sync::Arc;

use journey_ir::eval::Value;
use journey_ir::{History, HistoryFunction, HistoryWindow, Program, StepId};
use serde::{Deserialize, Serialize};

/// One contact.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Contact {
    /// The contact id (`userId`, else `anonymousId`).
    pub id: Arc<str>,
    /// Profile values in slot order.
    pub profile: Box<[Value]>,
    /// The time of the latest input (track, page or identify).
    pub last_input: i64,
    /// The number of its time zone in the run's [`Zones`](crate::store::Zones).
    pub zone: crate::store::ZoneId,
    /// Per score.
    pub scores: Box<[ScoreState]>,
    /// Per history aggregate.
    pub histories: Box<[HistoryState]>,
    /// Per journey.
    pub journeys: Box<[JourneyState]>,
    /// Per cap of the policy: the times of delivered sends still inside its window.
    pub sends: Box<[VecDeque<i64>]>,
    /// Engagement counters, kept only when the program uses `best_time` or `best_channel`,
    /// and made at the contact's first send or engagement (none reads as all zeros).
    pub engagement: Option<Box<Engagement>>,
}

/// A contact's standing in one score.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ScoreState {
    /// Event points (`on` rules and `score +=` steps), after decay.
    pub points: i64,
    /// When the contact first earned event points: decay periods count from here.
    pub anchor: OptionalTime,
    /// Decay periods already applied.
    pub periods: i64,
    /// Per `on` rule with a cap: `(time, points)` awarded inside its window.
    pub awards: Box<[VecDeque<(i64, i64)>]>,
}

/// A contact's part of one history aggregate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum HistoryState {
    /// `count(... within D)`: the times of the matching events still inside the window.
    Times(VecDeque<i64>),
    /// `sum/min/max/avg(... within D)`: the matching events still inside the window,
    /// `(time, field value)`.
    Window(VecDeque<(i64, Value)>),
    /// `since enter` (reset at each entry) and all-time aggregates (boxed: rare and large).
    Running(Box<Aggregate>),
    /// `last(E)` and `since(E)`: the latest matching event.
    Latest(Option<(i64, Value)>),
    /// An aggregate whose filter reads a binding: every event of its type, grouped by the values
    /// of the fields the filter reads, each group holding the plain state above. The filter is
    /// evaluated per group when the aggregate is read. Groups are in the order of their latest
    /// event, and a windowed group is dropped once its events have left the window.
    Keyed(Vec<KeyedGroup>),
}

/// The events of a keyed aggregate that agree on the fields its filter reads.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyedGroup {
    /// The event record with only the filter's fields filled in (the others missing).
    pub key: Box<[Value]>,
    /// The aggregate of the group's events.
    pub state: HistoryState,
}

/// A running aggregate of a field.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Aggregate {
    /// Matching events.
    pub count: i64,
    /// Values seen (events whose field was missing are skipped).
    pub values: i64,
    /// Their sum as an integer (int fields).
    pub sum_int: i64,
    /// Their sum as a float.
    pub sum_float: f64,
    /// The least value.
    pub min: Option<Value>,
    /// The greatest value.
    pub max: Option<Value>,
}

impl HistoryState {
    /// The empty state of an aggregate.
    pub fn new(history: &History) -> HistoryState {
        if history.key.is_some() {
            return HistoryState::Keyed(Vec::new());
        }
        HistoryState::plain(history.function, history.window)
    }

    /// The empty state of an aggregate whose filter is evaluated when each event arrives.
    pub fn plain(function: HistoryFunction, window: HistoryWindow) -> HistoryState {
        match (function, window) {
            (HistoryFunction::Last | HistoryFunction::Since, _) => HistoryState::Latest(None),
            (HistoryFunction::Count, HistoryWindow::Within(_)) => {
                HistoryState::Times(VecDeque::new())
            }
            (_, HistoryWindow::Within(_)) => HistoryState::Window(VecDeque::new()),
            _ => HistoryState::Running(Box::default()),
        }
    }
}

/// A contact's standing in one journey.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JourneyState {
    /// How many times the contact entered.
    pub entries: u32,
    /// When it last entered.
    pub last_entry: OptionalTime,
    /// The last value of an `enter when` condition (edge trigger).
    pub condition_held: bool,
    /// The contact's run through the journey, while it is inside (boxed: most contacts are
    /// outside most journeys).
    pub instance: Option<Box<Instance>>,
    /// Bumped whenever the instance's pending timer changes; a timer with an older value is
    /// stale.
    pub timer_generation: u32,
    /// Bumped whenever the next scheduled entry is planned again.
    pub schedule_generation: u32,
    /// For `enter when inactive`: the time of the last input a timer is already set for.
    pub inactivity_armed: OptionalTime,
}

/// An optional instant in 8 bytes instead of an `Option<i64>`'s 16 (`i64::MIN`, far outside
/// any instant the decoder accepts, stands for none); it serialises as an `Option<i64>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Option<i64>", into = "Option<i64>")]
pub struct OptionalTime(i64);

impl OptionalTime {
    /// No instant.
    pub const NONE: OptionalTime = OptionalTime(i64::MIN);

    /// The instant, if any.
    pub fn get(self) -> Option<i64> {
        (self != OptionalTime::NONE).then_some(self.0)
    }

    /// Whether there is no instant.
    pub fn is_none(self) -> bool {
        self == OptionalTime::NONE
    }
}

impl Default for OptionalTime {
    fn default() -> Self {
        OptionalTime::NONE
    }
}

impl From<Option<i64>> for OptionalTime {
    fn from(time: Option<i64>) -> Self {
        time.map_or(OptionalTime::NONE, OptionalTime)
    }
}

impl From<OptionalTime> for Option<i64> {
    fn from(time: OptionalTime) -> Self {
        time.get()
    }
}

/// A contact inside a journey.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Instance {
    /// The current step.
    pub step: StepId,
    /// What the current step is waiting for.
    pub phase: Phase,
    /// The event record held by each binding of the journey.
    pub bindings: Vec<Option<Vec<Value>>>,
}

/// What the current step of an instance is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// About to run the step.
    Ready,
    /// `wait` / `wait until`: the timer moves on to the next step.
    Sleeping,
    /// `wait for`: the event takes the first block, the timer (the deadline) the other.
    Awaiting,
    /// A send waiting for its `at` time; quiet hours are checked when it comes.
    SendScheduled,
    /// A send waiting for quiet hours to end; it is delivered when the timer fires.
    SendQuiet,
}

/// What a contact did with its channels, for `best_time` and `best_channel`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Engagement {
    /// Opens and clicks by local hour of day.
    pub hours: [u32; 24],
    /// Per channel (in `Channel` order): opens and clicks.
    pub engaged: [u32; 6],
    /// Per channel: delivered sends.
    pub sent: [u32; 6],
}

impl Contact {
    /// A contact seen for the first time at `now`, with the profile's defaults.
    pub fn new(id: Arc<str>, now: i64, program: &Program, profile: Box<[Value]>) -> Contact {
        Contact {
            id,
            profile,
            last_input: now,
            zone: crate::store::NO_ZONE,
            scores: program
                .scores
                .iter()
                .map(|score| ScoreState {
                    awards: score
                        .on_rules
                        .iter()
                        .filter(|r| r.cap.is_some())
                        .map(|_| VecDeque::new())
                        .collect(),
                    ..ScoreState::default()
                })
                .collect(),
            histories: program.histories.iter().map(HistoryState::new).collect(),
            journeys: vec![JourneyState::default(); program.journeys.len()].into_boxed_slice(),
            sends: vec![VecDeque::new(); program.policy.caps.len()].into_boxed_slice(),
            engagement: None,
        }
    }
}
