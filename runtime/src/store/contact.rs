//! A contact's state as the engine works with it: the fixed part, read from and written back to
//! the contact's row ([`JourneyState`], [`ScoreState`]), and the side storage of the parts that
//! vary in size ([`Side`]: windows, keyed aggregates, capped awards, send logs, the bindings of
//! journey instances, engagement counters), made only for contacts that need one.

use journey_ir::{History, HistoryFunction, HistoryWindow, StepId};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// A contact's standing in one journey, as stored in its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JourneyState {
    /// How many times the contact entered.
    pub entries: u32,
    /// When it last entered.
    pub last_entry: OptionalTime,
    /// The last value of an `enter when` condition (edge trigger).
    pub condition_held: bool,
    /// Whether the contact is inside (its instance is at `step`, doing `phase`).
    pub inside: bool,
    /// The instance's current step.
    pub step: StepId,
    /// What the current step is waiting for.
    pub phase: Phase,
    /// Bumped whenever the instance's pending timer changes; a timer with an older value is
    /// stale.
    pub timer_generation: u32,
    /// Bumped whenever the next yearly scheduled entry is planned again.
    pub schedule_generation: u32,
    /// For `enter when inactive`: the time of the last input a timer is already set for.
    pub inactivity_armed: OptionalTime,
}

/// A contact's standing in one score, as stored in its row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScoreState {
    /// Event points (`on` rules and `score +=` steps), after decay.
    pub points: i64,
    /// When the contact first earned event points: decay periods count from here.
    pub anchor: OptionalTime,
    /// Decay periods already applied.
    pub periods: i64,
}

/// The parts of a contact's state that vary in size, each empty until first needed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// The aggregates kept aside (`ContactLayout::histories`' `Side` entries, in order).
    pub histories: Box<[HistoryState]>,
    /// The points capped `on` rules awarded, oldest first, each with its rule's window number
    /// (over all scores' capped rules in order); an award leaves once its window has passed.
    pub awards: SmallVec<[Award; 2]>,
    /// The delivered sends counted by the policy's caps, oldest first, each with its cap's
    /// number; a send leaves a cap once the cap's window has passed.
    pub sends: SmallVec<[Sent; 2]>,
    /// The event record held by each binding of the contact's instances, over all journeys'
    /// bindings in order (journey `j`'s from `Contacts::binding_base(j)`), as bytes
    /// ([`super::text::encode_record`]); empty until a contact enters a journey with bindings.
    #[serde(with = "records")]
    pub bindings: Bindings,
    /// Engagement counters, kept only when the program uses `best_time` or `best_channel`.
    pub engagement: Option<Box<Engagement>>,
}

/// Points a capped `on` rule awarded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    /// When.
    pub at: i64,
    /// How many (the absolute value; a cap limits the size of awards either way).
    pub points: i64,
    /// The rule's window number.
    pub window: u32,
}

/// A delivered send, as one cap counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// When.
    pub at: i64,
    /// The cap's number in the policy.
    pub cap: u32,
}

/// Drops the oldest entries of `list` that `mine` picks out while `expired` holds for them,
/// stopping at the first that has not expired (entries arrive in time order, so the rest are
/// younger; a late event's entry stays until those before it have left, as a queue's would).
pub fn drop_expired<A: smallvec::Array>(
    list: &mut SmallVec<A>,
    mine: impl Fn(&A::Item) -> bool,
    expired: impl Fn(&A::Item) -> bool,
) {
    let mut dropping = true;
    list.retain(|entry| {
        if !dropping || !mine(entry) {
            return true;
        }
        if expired(entry) {
            return false;
        }
        dropping = false;
        true
    });
}

/// The times of a window's events, oldest first, in seconds since the epoch: 4 bytes each, which
/// reach 2106 (a window with a time outside switches to [`HistoryState::WideTimes`]); the first
/// four are kept without a heap block of their own.
pub type Stamps = SmallVec<[u32; 4]>;

/// A numeric field's value in 8 bytes: an `int`'s or a `float`'s bits, little-endian (the field's
/// type says which, as only `int` and `float` fields are aggregated).
pub type Number = [u8; 8];

/// The records held by bindings, in binding order, as bytes ([`super::text::encode_record`]).
pub type Bindings = Box<[Option<Box<[u8]>>]>;

impl Side {
    /// Whether the side storage holds nothing.
    pub fn is_empty(&self) -> bool {
        self.histories.is_empty()
            && self.awards.is_empty()
            && self.sends.is_empty()
            && self.bindings.iter().all(Option::is_none)
            && self.engagement.is_none()
    }
}

/// A contact's part of one history aggregate. It holds no `Value` (nor any shared pointer): times
/// and numbers as plain bytes, other values in the text codec ([`super::text`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum HistoryState {
    /// `count(... within D)`: the times of the matching events still inside the window.
    Times(Stamps),
    /// [`HistoryState::Times`] once a time does not fit 4 bytes (before 1970 or after 2106).
    WideTimes(Vec<i64>),
    /// `sum/min/max/avg(... within D)`: the matching events still inside the window that have a
    /// value, `(time, value)`, 12 bytes each (the events whose field is missing are not kept:
    /// these functions skip them).
    Window(Vec<(u32, Number)>),
    /// [`HistoryState::Window`] once a time does not fit 4 bytes.
    WideWindow(Vec<(i64, Number)>),
    /// `since enter` (reset at each entry) and all-time aggregates (boxed: rare and large).
    Running(Box<Aggregate>),
    /// `last(E)` and `since(E)`: the latest matching event, its time (8 bytes, little-endian)
    /// then its field's value in the text codec ([`super::text::encode_value`]).
    Latest(#[serde(with = "serde_bytes")] Option<Box<[u8]>>),
    /// An aggregate whose filter reads a binding: every event of its type, grouped by the values
    /// of the fields the filter reads, each group holding the plain state above. The filter is
    /// evaluated per group when the aggregate is read. Groups are in the order of their latest
    /// event, and a windowed group is dropped once its events have left the window.
    Keyed(Vec<KeyedGroup>),
}

// Every contact with a side aggregate holds one state per side aggregate of the program.
const _: () = assert!(std::mem::size_of::<HistoryState>() == 32);

/// The events of a keyed aggregate that agree on the fields its filter reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyedGroup {
    /// The event record with only the filter's fields filled in (the others missing), as bytes
    /// ([`super::text::encode_record`]).
    #[serde(with = "serde_bytes")]
    pub key: Box<[u8]>,
    /// The aggregate of the group's events.
    pub state: HistoryState,
}

/// A running aggregate of a field.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Aggregate {
    /// Matching events.
    pub count: i64,
    /// Values seen (events whose field was missing are skipped).
    pub values: i64,
    /// Their sum as an integer (int fields).
    pub sum_int: i64,
    /// Their sum as a float.
    pub sum_float: f64,
    /// The least value (meaningless while `values` is 0).
    pub min: Number,
    /// The greatest value (meaningless while `values` is 0).
    pub max: Number,
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
                HistoryState::Times(Stamps::new())
            }
            (_, HistoryWindow::Within(_)) => HistoryState::Window(Vec::new()),
            _ => HistoryState::Running(Box::default()),
        }
    }
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

    /// The 8 bytes a row stores (`i64::MIN` for none).
    pub fn raw(self) -> i64 {
        self.0
    }

    /// The instant a row's 8 bytes stand for.
    pub fn from_raw(raw: i64) -> OptionalTime {
        OptionalTime(raw)
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

/// What the current step of an instance is doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum Phase {
    /// About to run the step.
    #[default]
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

impl Phase {
    /// The phase a row's byte stands for (`Ready` for an unknown byte).
    pub fn from_byte(byte: u8) -> Phase {
        match byte {
            1 => Phase::Sleeping,
            2 => Phase::Awaiting,
            3 => Phase::SendScheduled,
            4 => Phase::SendQuiet,
            _ => Phase::Ready,
        }
    }
}

/// What a contact did with its channels, for `best_time` and `best_channel`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Engagement {
    /// Opens and clicks by local hour of day.
    pub hours: [u32; 24],
    /// Per channel (in `Channel` order): opens and clicks.
    pub engaged: [u32; 6],
    /// Per channel: delivered sends.
    pub sent: [u32; 6],
}

/// [`Bindings`] stored as byte strings (one copy each), not as sequences of numbers; the same
/// bytes either way.
mod records {
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_bytes::{ByteBuf, Bytes};

    use super::Bindings;

    pub(super) fn serialize<S: Serializer>(records: &Bindings, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(records.iter().map(|r| r.as_deref().map(Bytes::new)))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Bindings, D::Error> {
        let records: Vec<Option<ByteBuf>> = Vec::deserialize(d)?;
        Ok(records
            .into_iter()
            .map(|r| r.map(|bytes| bytes.into_vec().into_boxed_slice()))
            .collect())
    }
}
