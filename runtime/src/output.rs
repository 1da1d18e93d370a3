//! Output records: what a run produces, their JSON lines and their stable ids.
//!
//! The format is the language reference's §6 with the decisions of `docs/reference.md` §8
//! ("Running"): keys in a fixed order, values typed by the program, and ids that are a hash of
//! (journey, entry number, step, contact) so that a replay produces the same ids.

mod emit;
mod json;

use journey_ir::eval::Value;
use journey_ir::{Channel, Type};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

pub use json::{format_date, format_instant, value_json};

/// The separator between the parts of a hashed key (U+001F, which no name contains).
const UNIT_SEPARATOR: char = '\u{1f}';

/// One action of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Action<'p> {
    /// When it happened, seconds since the epoch.
    pub at: i64,
    /// The contact.
    pub contact: &'p str,
    /// The journey's name.
    pub journey: &'p str,
    /// What happened.
    pub kind: ActionKind<'p>,
    /// The stable id.
    pub id: u128,
}

/// A payload: `(key, value, type)` in the order written.
pub type Payload<'p> = Vec<(&'p str, Value, &'p Type)>;

/// The kinds of action, with their own fields.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionKind<'p> {
    /// A delivered message.
    Send {
        /// The channel used.
        channel: Channel,
        /// The template.
        template: &'p str,
        /// The `with` values.
        data: Payload<'p>,
    },
    /// A send that policy stopped.
    Suppressed {
        /// The channel it would have used.
        channel: Channel,
        /// The template.
        template: &'p str,
        /// The `with` values.
        data: Payload<'p>,
        /// Why.
        reason: SuppressReason,
    },
    /// An internal notification.
    Notify {
        /// The team.
        team: &'p str,
        /// The template.
        template: &'p str,
        /// The `with` values.
        data: Payload<'p>,
    },
    /// A goal reached.
    Goal {
        /// The goal's name.
        goal: &'p str,
    },
    /// A profile field changed by `set`.
    Set {
        /// The field's name.
        field: &'p str,
        /// The new value.
        value: Value,
        /// The field's type.
        ty: &'p Type,
    },
    /// `tag` (`add`) or `untag`.
    Tag {
        /// The tag.
        tag: &'p str,
        /// `true` for `tag`.
        add: bool,
    },
}

/// Why a send was suppressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressReason {
    /// The channel's consent condition was false.
    Consent,
    /// A frequency cap was reached.
    Cap,
}

impl SuppressReason {
    /// The name used in records and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressReason::Consent => "consent",
            SuppressReason::Cap => "cap",
        }
    }
}

/// The names of the action kinds, in the order of [`ActionKind::index`].
pub const ACTION_KINDS: [&str; 7] = [
    "send",
    "suppressed",
    "notify",
    "goal",
    "set",
    "tag",
    "untag",
];

impl ActionKind<'_> {
    /// The kind's position in [`ACTION_KINDS`].
    pub fn index(&self) -> usize {
        match self {
            ActionKind::Send { .. } => 0,
            ActionKind::Suppressed { .. } => 1,
            ActionKind::Notify { .. } => 2,
            ActionKind::Goal { .. } => 3,
            ActionKind::Set { .. } => 4,
            ActionKind::Tag { add: true, .. } => 5,
            ActionKind::Tag { add: false, .. } => 6,
        }
    }

    /// The record's `"action"` value.
    pub fn name(&self) -> &'static str {
        ACTION_KINDS[self.index()]
    }
}

/// What in a journey an action comes from: a step (by number) or a `goal ... on` rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionSource<'a> {
    /// A step, as its number.
    Step(u32),
    /// A `goal NAME on EVENT` rule, as `goal:NAME`.
    Goal(&'a str),
}

/// The id of the action of `source` in a contact's `entry`-th entry into `journey`: the XXH3
/// of `journey ␟ entry ␟ step ␟ contact`, where a step is its number and a goal rule
/// `goal:NAME`. The key is hashed as it streams by, not built.
pub fn action_id(journey: &str, entry: u32, source: ActionSource<'_>, contact: &str) -> u128 {
    let mut digits = itoa::Buffer::new();
    let mut hasher = Xxh3::new();
    let separator = [UNIT_SEPARATOR as u8];
    hasher.update(journey.as_bytes());
    hasher.update(&separator);
    hasher.update(digits.format(entry).as_bytes());
    hasher.update(&separator);
    match source {
        ActionSource::Step(step) => hasher.update(digits.format(step).as_bytes()),
        ActionSource::Goal(name) => {
            hasher.update(b"goal:");
            hasher.update(name.as_bytes());
        }
    }
    hasher.update(&separator);
    hasher.update(contact.as_bytes());
    hasher.digest128()
}

/// Where a contact lands in a split: a fraction of 100 in `[0, 100)`, stable across runs.
pub fn split_point(journey: &str, step: u32, contact: &str) -> f64 {
    let key = format!("{journey}{UNIT_SEPARATOR}{step}{UNIT_SEPARATOR}{contact}");
    // 2^64 as a float; the division keeps the point below 100 for every hash.
    const SPACE: f64 = 18_446_744_073_709_551_616.0;
    xxh3_64(key.as_bytes()) as f64 / SPACE * 100.0
}
