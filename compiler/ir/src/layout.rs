//! The layout of one contact's fixed state, chosen per program: a row of bytes holding the time
//! of the latest input, the time-zone number, each profile field's presence and scalar value,
//! each score's standing, each journey's standing and each history aggregate that fits a few
//! bytes (`since`, `last` of a scalar field, a running `count`), at offsets fixed here.
//!
//! Fields are placed widest first (8-byte, then 4-byte, then 1-byte ones), so that every field is
//! aligned to its width within the row and the row's size is a multiple of 8. A part only some
//! journeys need is only in their rows: the schedule generation of a `yearly` entry, the armed
//! time of `enter when inactive`. The aggregates that need more than a fixed number of bytes
//! (windows, sums and extremes, keyed aggregates, lists) are kept outside the row, in the
//! contact's side storage, numbered here. Profile strings and lists are kept in the contact's
//! own text storage, numbered here too: names and e-mail addresses do not repeat across
//! contacts, so a shared table would only add an entry per contact. `journey ir` prints the
//! layout (`tests/ir/*.snap`).

use crate::ir::{Calendar, Entry, HistoryFunction, HistoryWindow, Program};
use crate::types::Type;

/// The width of an *instant* field: a time that may be absent, stored as a 4-byte offset from
/// [`INSTANT_BASE`] (`i32::MIN`: none; [`INSTANT_ASIDE`]: the instant does not fit and is kept
/// outside the row). Offsets reach from 1970-01-01T00:00:02Z to 2106-02-07T06:28:15Z.
pub const INSTANT: u32 = 4;

/// The instant an offset of 0 stands for: 2038-01-19T03:14:08Z (2^31 seconds after the epoch).
pub const INSTANT_BASE: i64 = 1 << 31;

/// The offset that marks an instant kept outside the row.
pub const INSTANT_ASIDE: i32 = i32::MIN + 1;

/// Where a contact's fixed state lives in its row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactLayout {
    /// Bytes in a row (a multiple of 8).
    pub size: u32,
    /// Instant: the time of the contact's latest input.
    pub last_input: u32,
    /// `u32`: the contact's time-zone number.
    pub zone: u32,
    /// Per profile field, in slot order.
    pub profile: Vec<ProfileRow>,
    /// How many profile fields are kept in the contact's text storage.
    pub texts: u32,
    /// Per score.
    pub scores: Vec<ScoreRow>,
    /// Per journey.
    pub journeys: Vec<JourneyRow>,
    /// Per history aggregate.
    pub histories: Vec<HistoryRow>,
    /// Every field with its name, by offset (for printing).
    pub fields: Vec<RowField>,
}

/// A named field of the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowField {
    /// Its offset.
    pub offset: u32,
    /// Its width in bytes (8, 4 or 1).
    pub width: u32,
    /// What it holds, for example `journey welcome: step`.
    pub name: String,
}

/// Where a profile field is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileRow {
    /// `u8`: 1 when the field has a value, 0 when it is missing.
    pub present: u32,
    /// Where its value is.
    pub value: ProfileValue,
}

/// Where a profile field's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileValue {
    /// In the row at `at`, stored as `codec` says (a scalar other than a string).
    Row {
        /// Offset of the value.
        at: u32,
        /// How it is stored.
        codec: Codec,
    },
    /// In the contact's text storage, as its `index`-th entry (strings and lists).
    Text {
        /// Its number among the text fields.
        index: u32,
    },
}

/// A score's standing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScoreRow {
    /// `i64`: event points after decay.
    pub points: u32,
    /// Instant: when points were first earned (none: never); decay counts from here.
    pub anchor: u32,
    /// `i64`: decay periods already applied.
    pub periods: u32,
}

/// A journey's standing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JourneyRow {
    /// Instant: the time of the latest entry (none: never).
    pub last_entry: u32,
    /// `u32`: entries so far.
    pub entries: u32,
    /// `u32`: bumped when the instance's pending timer changes.
    pub timer_generation: u32,
    /// The current step of the instance: a `u16`, or a `u32` in a journey of more than 65,535
    /// steps ([`JourneyRow::step_width`]).
    pub step: u32,
    /// The step's width in bytes (2 or 4).
    pub step_width: u32,
    /// `u8`: what the current step waits for.
    pub phase: u32,
    /// `u8`: [`JourneyRow::INSIDE`] and [`JourneyRow::CONDITION_HELD`].
    pub flags: u32,
    /// `u32`, yearly scheduled entries only: bumped when the next entry is planned again.
    pub schedule_generation: Option<u32>,
    /// Instant, `enter when inactive` only: the input a timer is set for.
    pub inactivity_armed: Option<u32>,
}

impl JourneyRow {
    /// Flag: the contact is inside the journey.
    pub const INSIDE: u8 = 1;
    /// Flag: the `enter when` condition held at its last evaluation.
    pub const CONDITION_HELD: u8 = 2;
}

/// Where a history aggregate's state lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryRow {
    /// `since(E)`: an instant, the latest matching event's time.
    Since {
        /// Offset of the time.
        at: u32,
    },
    /// `last(E).f` of a scalar field: the latest event's time, whether it had the field, and
    /// the field's value.
    Last {
        /// Instant: the event's time (none: no event yet).
        at: u32,
        /// `u8`: 1 when the event had the field.
        present: u32,
        /// The value, stored as `codec` says.
        value: u32,
        /// How the value is stored.
        codec: Codec,
    },
    /// `count(E)` over all events or since an entry: `i64`, the running count.
    Count {
        /// Offset of the count.
        count: u32,
    },
    /// Kept in the contact's side storage, as the `index`-th of its side aggregates.
    Side {
        /// Its number among the side aggregates.
        index: u32,
    },
}

/// How a scalar value is stored in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// `int` in 8 bytes.
    Int,
    /// `float` as the 8 bytes of its bits.
    Float,
    /// `duration` in 8 bytes (seconds).
    Duration,
    /// `time` in 8 bytes (seconds since the epoch).
    Time,
    /// `date` in 4 bytes (days since 1970-01-01).
    Date,
    /// An enum's variant index in 4 bytes.
    Enum,
    /// `bool` in 1 byte.
    Bool,
    /// `string` as a 4-byte number in the run's table of strings.
    Str,
}

impl Codec {
    /// The codec of a field type, if it is a scalar.
    pub fn of(ty: &Type) -> Option<Codec> {
        Some(match ty.unwrap_optional() {
            Type::Int => Codec::Int,
            Type::Float => Codec::Float,
            Type::Duration => Codec::Duration,
            Type::Time => Codec::Time,
            Type::Date => Codec::Date,
            Type::Enum(_) => Codec::Enum,
            Type::Bool => Codec::Bool,
            Type::String => Codec::Str,
            _ => return None,
        })
    }

    /// Bytes it takes.
    pub fn width(self) -> u32 {
        match self {
            Codec::Int | Codec::Float | Codec::Duration | Codec::Time => 8,
            Codec::Date | Codec::Enum | Codec::Str => 4,
            Codec::Bool => 1,
        }
    }
}

/// Fields asked for, placed by [`Fields::place`].
#[derive(Default)]
struct Fields {
    asked: Vec<(u32, String)>,
}

impl Fields {
    /// Asks for a field; its number, for [`Placed::offset`].
    fn ask(&mut self, width: u32, name: String) -> usize {
        self.asked.push((width, name));
        self.asked.len() - 1
    }

    fn place(self) -> Placed {
        let mut order: Vec<usize> = (0..self.asked.len()).collect();
        // Widest first, in the order asked among equals.
        order.sort_by_key(|&i| std::cmp::Reverse(self.asked[i].0));
        let mut offsets = vec![0; self.asked.len()];
        let mut next = 0u32;
        for &i in &order {
            offsets[i] = next;
            next += self.asked[i].0;
        }
        let size = next.div_ceil(8) * 8;
        let fields = order
            .iter()
            .map(|&i| RowField {
                offset: offsets[i],
                width: self.asked[i].0,
                name: self.asked[i].1.clone(),
            })
            .collect();
        Placed {
            offsets,
            size,
            fields,
        }
    }
}

struct Placed {
    offsets: Vec<u32>,
    size: u32,
    fields: Vec<RowField>,
}

impl Placed {
    fn offset(&self, asked: usize) -> u32 {
        self.offsets[asked]
    }
}

/// Where a profile field's value goes, before placing: a row field and its codec, or the
/// number of a text field.
type AskedProfile = Result<(usize, Codec), u32>;

/// The width of a journey's step number: 2 bytes unless it has more steps than that counts.
fn step_width(journey: &crate::ir::Journey) -> u32 {
    if journey.steps.len() <= usize::from(u16::MAX) {
        2
    } else {
        4
    }
}

/// Where one history aggregate goes, before placing.
enum Asked {
    Since(usize),
    Last(usize, usize, usize, Codec),
    Count(usize),
    Side(u32),
}

impl ContactLayout {
    /// The layout of `program`'s contacts.
    pub fn of(program: &Program) -> ContactLayout {
        let mut fields = Fields::default();
        let last_input = fields.ask(INSTANT, "last input".to_owned());
        let zone = fields.ask(4, "zone".to_owned());
        let mut texts = 0u32;
        let profile: Vec<(usize, AskedProfile)> = program
            .profile
            .iter()
            .map(|field| {
                let name = &field.name;
                let present = fields.ask(1, format!("profile {name}: present"));
                let value = match Codec::of(&field.ty) {
                    Some(codec) if codec != Codec::Str => {
                        Ok((fields.ask(codec.width(), format!("profile {name}")), codec))
                    }
                    _ => {
                        texts += 1;
                        Err(texts - 1)
                    }
                };
                (present, value)
            })
            .collect();
        let scores: Vec<[usize; 3]> = program
            .scores
            .iter()
            .map(|score| {
                let name = &score.name;
                [
                    fields.ask(8, format!("score {name}: points")),
                    fields.ask(INSTANT, format!("score {name}: anchor")),
                    fields.ask(8, format!("score {name}: periods")),
                ]
            })
            .collect();
        let journeys: Vec<[Option<usize>; 8]> = program
            .journeys
            .iter()
            .map(|journey| {
                let name = &journey.name;
                let yearly = matches!(
                    journey.entry,
                    Entry::Schedule {
                        calendar: Calendar::Yearly(_),
                        ..
                    }
                );
                let inactive = matches!(journey.entry, Entry::Inactive(_));
                [
                    Some(fields.ask(INSTANT, format!("journey {name}: last entry"))),
                    Some(fields.ask(4, format!("journey {name}: entries"))),
                    Some(fields.ask(4, format!("journey {name}: timer generation"))),
                    Some(fields.ask(step_width(journey), format!("journey {name}: step"))),
                    Some(fields.ask(1, format!("journey {name}: phase"))),
                    Some(fields.ask(1, format!("journey {name}: flags"))),
                    yearly.then(|| fields.ask(4, format!("journey {name}: schedule generation"))),
                    inactive
                        .then(|| fields.ask(INSTANT, format!("journey {name}: inactivity armed"))),
                ]
            })
            .collect();
        let mut sides = 0u32;
        let histories: Vec<Asked> = program
            .histories
            .iter()
            .enumerate()
            .map(|(h, history)| {
                let field_ty = history.field.and_then(|slot| {
                    program.events[history.event.index()]
                        .fields
                        .get(slot as usize)
                        .map(|f| &f.ty)
                });
                let keyed = history.key.is_some();
                let running = !matches!(history.window, HistoryWindow::Within(_));
                match (history.function, field_ty.and_then(Codec::of)) {
                    (HistoryFunction::Since, _) if !keyed => {
                        Asked::Since(fields.ask(INSTANT, format!("h{h}: since")))
                    }
                    (HistoryFunction::Last, Some(codec)) if !keyed => Asked::Last(
                        fields.ask(INSTANT, format!("h{h}: last at")),
                        fields.ask(1, format!("h{h}: last present")),
                        fields.ask(codec.width(), format!("h{h}: last value")),
                        codec,
                    ),
                    (HistoryFunction::Count, _) if !keyed && running => {
                        Asked::Count(fields.ask(8, format!("h{h}: count")))
                    }
                    _ => {
                        sides += 1;
                        Asked::Side(sides - 1)
                    }
                }
            })
            .collect();
        let placed = fields.place();
        let at = |asked: usize| placed.offset(asked);
        let opt = |asked: Option<usize>| asked.map(|a| placed.offset(a));
        ContactLayout {
            size: placed.size,
            last_input: at(last_input),
            zone: at(zone),
            profile: profile
                .iter()
                .map(|&(present, value)| ProfileRow {
                    present: at(present),
                    value: match value {
                        Ok((value, codec)) => ProfileValue::Row {
                            at: at(value),
                            codec,
                        },
                        Err(index) => ProfileValue::Text { index },
                    },
                })
                .collect(),
            texts,
            scores: scores
                .iter()
                .map(|&[points, anchor, periods]| ScoreRow {
                    points: at(points),
                    anchor: at(anchor),
                    periods: at(periods),
                })
                .collect(),
            journeys: journeys
                .iter()
                .zip(&program.journeys)
                .map(|(j, journey)| JourneyRow {
                    last_entry: opt(j[0]).unwrap_or_default(),
                    entries: opt(j[1]).unwrap_or_default(),
                    timer_generation: opt(j[2]).unwrap_or_default(),
                    step: opt(j[3]).unwrap_or_default(),
                    step_width: step_width(journey),
                    phase: opt(j[4]).unwrap_or_default(),
                    flags: opt(j[5]).unwrap_or_default(),
                    schedule_generation: opt(j[6]),
                    inactivity_armed: opt(j[7]),
                })
                .collect(),
            histories: histories
                .iter()
                .map(|asked| match *asked {
                    Asked::Since(a) => HistoryRow::Since { at: at(a) },
                    Asked::Last(a, p, v, codec) => HistoryRow::Last {
                        at: at(a),
                        present: at(p),
                        value: at(v),
                        codec,
                    },
                    Asked::Count(c) => HistoryRow::Count { count: at(c) },
                    Asked::Side(index) => HistoryRow::Side { index },
                })
                .collect(),
            fields: placed.fields,
        }
    }

    /// How many history aggregates live in side storage.
    pub fn side_histories(&self) -> usize {
        self.histories
            .iter()
            .filter(|h| matches!(h, HistoryRow::Side { .. }))
            .count()
    }
}
