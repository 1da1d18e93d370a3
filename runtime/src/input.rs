//! The input decoder: one line of Segment-spec NDJSON to an [`Input`] or a [`Reject`].
//!
//! Lines are decoded straight into the slots of the event's record: property names are matched
//! against the event's declared fields as the parser meets them, values are typed from the token
//! stream, and properties no field declares are skipped with [`IgnoredAny`]; no generic JSON tree
//! is built. When `properties` (or `traits`) comes before the `type`/`event` that says how to read
//! it, its text is kept as a borrowed [`RawValue`] slice and decoded once the envelope is read.
//!
//! # Decisions
//!
//! - **Kinds.** `"type"` is `track` (needs `event`), `page` (the event `page.viewed`, its
//!   `properties` read like a track's) or `identify` (its `traits` update the profile). Any other
//!   type (`group`, `alias`, `screen`, ...) is rejected as an unknown type.
//! - **Contact** is `userId`, else `anonymousId`; a value that is not a non-empty string counts as
//!   absent.
//! - **Time** is `timestamp` only (not `sentAt`/`receivedAt`/`originalTimestamp`): an RFC 3339
//!   instant with any offset (`Z`, `+02:00`; as jiff reads it, so a space may replace the `T`; an
//!   offset is required), stored as UTC epoch seconds with the fraction rounded down.
//! - **Account** is `context.groupId`, else `properties.account`; each must be a string or `null`.
//! - **Ranges.** A number or instant of the right kind beyond its type is `out_of_range`, with
//!   the property's path: `1e400` anywhere the decoder reads (JSON allows it; no type holds it),
//!   an `int` or `duration` beyond 64 bits (`1e30`, `2^63`), and an instant, `timestamp`
//!   included, outside jiff's range (`9999-12-31T23:59:59Z`; `9999-12-30T22:00:00Z` is the
//!   last). `1e2` is the `int` 100: JSON has one kind of number, and a whole one is an integer.
//! - **Limits.** A line over [`Limits::max_line_bytes`] (`line_too_long`, its reject keeping the
//!   first KiB), arrays and objects nested deeper than [`MAX_DEPTH`] (`too_deep`), and
//!   `properties` or `traits` with more than [`Limits::max_properties`] keys
//!   (`too_many_properties`) are rejected; [`read_line_bounded`] reads such a line without
//!   holding it whole.
//! - **Types.** `int`: a JSON integer, or a whole float such as `3.0` (not `3.5`); `float`: any
//!   number; `duration`: a whole number of seconds (a negative one too), or a string in the language's literal form
//!   (`"30s"`, `"15m"`, `"2h"`, `"3d"`, `"1w"`); `time`: an RFC 3339 string; `date`: a
//!   `"YYYY-MM-DD"` string; enum: a string naming a variant; `list<string>`: an array of strings.
//! - **Absence.** An optional field may be `null` or absent (both are missing). A required
//!   property that is absent or `null` is rejected. A trait set to `null` unsets an optional
//!   profile field; for a field with a default it is a wrong type. A `timezone` trait must name an
//!   IANA zone.
//! - **Precedence.** One reason per line, independent of key order: the line's length and depth,
//!   not JSON, unknown type, no
//!   contact, missing/malformed timestamp, undeclared event, then the first wrongly typed property
//!   or trait in the line's order, then the first missing required property in declaration order.
//! - **Duplicates.** A repeated top-level key (`type`, `event`, `properties`, ...) makes the line
//!   not JSON, as serde's derived readers do. Inside `properties` a repeated key takes its last
//!   value; repeated traits are all listed, in order, so applying them in order gives the same.
//! - `properties`/`traits` that are `null` count as empty; any other non-object is a wrong type.
//!   Unknown top-level keys and `context` entries other than `groupId` are ignored. An empty line
//!   is not JSON: callers strip the line terminator and skip nothing.

mod envelope;
use envelope::{Body, Envelope, EnvelopeSeed, Kind, Loose, Props, PropsSeed, Traits, TraitsSeed};
mod late;
mod limits;
mod reject;
mod typed;

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use journey_ir::eval::Value;
use journey_ir::{EventId, ProfileSlot, Program, Type};
use serde::de::DeserializeSeed;
use serde_json::value::RawValue;

pub use late::{admit, within_horizon};
pub use limits::{read_line_bounded, strip_terminator, Limits, MAX_DEPTH};
pub use reject::{Reject, RejectReason};
pub use typed::{parse_duration, parse_instant};
use typed::{Literals, Typed, TypedSeed};

/// How much of a line over the length limit its reject keeps in `raw`, bytes.
const RAW_PREFIX: usize = 1024;

/// One decoded input line.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// A `track` or `page` call: one event record.
    Track {
        /// The event type.
        event: EventId,
        /// The contact (`userId`, else `anonymousId`).
        contact: Arc<str>,
        /// Event time, UTC epoch seconds.
        at: i64,
        /// The record in slot order, `at`, `contact` and `account` included.
        record: Vec<Value>,
        /// The hash of its Segment `messageId`, if it has one (see [`message_hash`]).
        message: Option<u64>,
    },
    /// An `identify` call: profile updates.
    Identify {
        /// The contact.
        contact: Arc<str>,
        /// Event time, UTC epoch seconds.
        at: i64,
        /// Declared traits in the order they appear.
        traits: Vec<(ProfileSlot, Value)>,
        /// The hash of its Segment `messageId`, if it has one.
        message: Option<u64>,
    },
}

/// The hash a `messageId` is remembered by (64-bit XXH3): duplicates are looked for among one
/// contact's recent lines, where two different ids sharing a hash are beyond likely.
pub fn message_hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// A field as the decoder types it.
struct Slot {
    /// Its name (the JSON key).
    name: Box<str>,
    /// Its path in a line, for rejects: `properties.NAME` or `traits.NAME`.
    path: Box<str>,
    /// Its type without `?`.
    ty: Type,
    /// Whether it is `T?`.
    optional: bool,
    /// The type as written, for rejects.
    expected: Box<str>,
}

impl Slot {
    fn new(prefix: &str, name: &str, ty: &Type, enums: &[Vec<String>]) -> Slot {
        Slot {
            name: name.into(),
            path: format!("{prefix}.{name}").into(),
            ty: ty.unwrap_optional().clone(),
            optional: matches!(ty, Type::Optional(_)),
            expected: ty.display(enums).to_string().into(),
        }
    }
}

/// An event type's record layout.
struct EventSchema {
    /// Declared fields as `(slot index, field)`.
    declared: Vec<(usize, Slot)>,
    /// Number of slots in a record.
    len: usize,
    /// The implicit slots.
    at: Option<usize>,
    contact: Option<usize>,
    account: Option<usize>,
}

/// Decodes input lines against one program's declarations.
pub struct Decoder {
    events: Vec<EventSchema>,
    by_name: HashMap<Box<str>, EventId>,
    page: Option<EventId>,
    profile: Vec<Slot>,
    timezone: Option<usize>,
    enums: Vec<Vec<String>>,
    /// The program's string literals: an input string equal to one is handed out as the
    /// literal's own allocation, so comparing the two is a pointer comparison.
    literals: Literals,
    /// `properties.account` and `context.groupId`, typed as `account: string?`.
    account: Slot,
    group_id: Slot,
    /// A record's buffer given back by [`Decoder::recycle`], which the next record reuses: a
    /// caller that gives each record back makes decoding allocate none.
    spare: Cell<Vec<Value>>,
    /// Bounds against hostile input.
    limits: Limits,
    /// The path of the property whose number the parser found out of range, set as the error
    /// passes by (the parser's error does not say which property it was reading).
    out_of_range_at: Cell<Option<Box<str>>>,
}

impl Decoder {
    /// A decoder for the events and profile of `program`, with the default [`Limits`].
    pub fn new(program: &Program) -> Decoder {
        Decoder::with_limits(program, Limits::default())
    }

    /// A decoder for the events and profile of `program` that refuses input beyond `limits`.
    pub fn with_limits(program: &Program, limits: Limits) -> Decoder {
        let enums = &program.enums;
        let events = program
            .events
            .iter()
            .map(|event| {
                let find = |name: &str| event.slot(name).map(|s| s as usize);
                let (at, contact, account) = (find("at"), find("contact"), find("account"));
                let implicit = [at, contact, account];
                let declared = event
                    .fields
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !implicit.contains(&Some(*i)))
                    .map(|(i, f)| (i, Slot::new("properties", &f.name, &f.ty, enums)))
                    .collect();
                EventSchema {
                    declared,
                    len: event.fields.len(),
                    at,
                    contact,
                    account,
                }
            })
            .collect();
        let by_name = program
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.as_str().into(), EventId(i as u32)))
            .collect();
        let profile: Vec<Slot> = program
            .profile
            .iter()
            .map(|f| Slot::new("traits", &f.name, &f.ty, enums))
            .collect();
        let timezone = profile.iter().position(|s| &*s.name == "timezone");
        let optional_string = Type::Optional(Box::new(Type::String));
        Decoder {
            events,
            by_name,
            page: program.event_named("page.viewed"),
            profile,
            timezone,
            enums: enums.clone(),
            literals: program.string_literals().cloned().collect(),
            account: Slot::new("properties", "account", &optional_string, enums),
            group_id: Slot::new("context", "groupId", &optional_string, enums),
            spare: Cell::new(Vec::new()),
            limits,
            out_of_range_at: Cell::new(None),
        }
    }

    /// Decodes one line (without its terminator); `line_number` is only carried into a reject.
    pub fn decode(&self, line_number: u64, line: &[u8]) -> Result<Input, Reject> {
        self.decode_line(line).map_err(|reason| {
            // A line over the limit keeps only its start: the reject must stay small.
            let raw = match reason {
                RejectReason::LineTooLong { .. } => line.get(..RAW_PREFIX).unwrap_or(line),
                _ => line,
            };
            Reject {
                line: line_number,
                reason,
                raw: String::from_utf8_lossy(raw).into_owned(),
            }
        })
    }

    fn decode_line(&self, line: &[u8]) -> Result<Input, RejectReason> {
        if line.len() > self.limits.max_line_bytes {
            return Err(RejectReason::LineTooLong {
                limit: self.limits.max_line_bytes,
            });
        }
        if limits::too_deep(line) {
            return Err(RejectReason::TooDeep);
        }
        // Checked up front so that borrowed strings and raw slices can be `&str`.
        let text = std::str::from_utf8(line)
            .map_err(|e| RejectReason::NotJson(format!("invalid UTF-8: {e}")))?;
        let mut de = serde_json::Deserializer::from_str(text);
        self.out_of_range_at.set(None);
        let envelope = EnvelopeSeed { decoder: self }
            .deserialize(&mut de)
            .and_then(|envelope| de.end().map(|()| envelope))
            .map_err(|e| self.parse_failure(text, &e))?;
        self.finish(envelope)
    }

    /// Why the parser stopped: the limits and out-of-range numbers have reasons of their own,
    /// anything else is not JSON.
    fn parse_failure(&self, text: &str, error: &serde_json::Error) -> RejectReason {
        let at = self.out_of_range_at.take();
        limits::classify(text, error, at)
    }

    /// Notes the property being read when the parser failed inside its value.
    fn failed_in(&self, slot: &Slot, error: &impl fmt::Display) {
        if limits::is_number_out_of_range(error) {
            self.out_of_range_at.set(Some(slot.path.clone()));
        }
    }

    /// The kind a `type` string names.
    fn kind(&self, loose: &Option<Loose<'_>>) -> Option<Kind> {
        match loose {
            Some(Loose::Str(s)) => match &**s {
                "track" => Some(Kind::Track),
                "page" => Some(Kind::Page),
                "identify" => Some(Kind::Identify),
                _ => None,
            },
            _ => None,
        }
    }

    /// The event a `track`/`page` line is about, once known.
    fn event_of(&self, kind: Kind, event: &Option<Loose<'_>>) -> Option<EventId> {
        match (kind, event) {
            (Kind::Page, _) => self.page,
            (Kind::Track, Some(Loose::Str(name))) => self.by_name.get(&**name).copied(),
            _ => None,
        }
    }

    fn finish(&self, envelope: Envelope<'_>) -> Result<Input, RejectReason> {
        let kind = self.kind(&envelope.kind).ok_or_else(|| {
            RejectReason::UnknownType(match &envelope.kind {
                Some(Loose::Str(s)) => s.to_string(),
                Some(Loose::Other(text)) => text.to_string(),
                Some(Loose::Null) | None => String::new(),
            })
        })?;
        let contact: Arc<str> = [&envelope.user_id, &envelope.anonymous_id]
            .into_iter()
            .find_map(|id| match id {
                Some(Loose::Str(s)) if !s.is_empty() => Some(Arc::from(&**s)),
                _ => None,
            })
            .ok_or(RejectReason::NoContact)?;
        let at = match &envelope.timestamp {
            None | Some(Loose::Null) => return Err(RejectReason::MissingTimestamp),
            Some(Loose::Other(text)) => {
                return Err(RejectReason::MalformedTimestamp(text.to_string()))
            }
            Some(Loose::Str(s)) => parse_instant(s).ok_or_else(|| {
                if typed::instant_out_of_range(s) {
                    RejectReason::OutOfRange {
                        name: "timestamp".to_owned(),
                        value: format!("{s:?}"),
                        range: typed::INSTANT_RANGE,
                    }
                } else {
                    RejectReason::MalformedTimestamp(format!("{s:?}"))
                }
            })?,
        };
        let message = match &envelope.message_id {
            Some(Loose::Str(id)) if !id.is_empty() => Some(message_hash(id)),
            // Some producers send counters: a number is an id too, by its JSON text.
            Some(Loose::Other(text))
                if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) =>
            {
                Some(message_hash(text))
            }
            Some(Loose::Other(_)) => {
                return Err(RejectReason::WrongType {
                    name: "messageId".to_owned(),
                    expected: "string".to_owned(),
                })
            }
            _ => None,
        };
        if kind == Kind::Identify {
            let traits = match envelope.traits {
                Body::Done(traits) => traits,
                Body::Absent => Traits::default(),
                Body::Raw(raw) => {
                    let mut traits = Traits::default();
                    reread(
                        raw,
                        TraitsSeed {
                            decoder: self,
                            out: &mut traits,
                        },
                    )?;
                    traits
                }
            };
            if let Some(error) = traits.error {
                return Err(error);
            }
            return Ok(Input::Identify {
                contact,
                at,
                traits: traits.list,
                message,
            });
        }
        let event = self.event_of(kind, &envelope.event).ok_or_else(|| {
            RejectReason::UndeclaredEvent(match (kind, &envelope.event) {
                (Kind::Page, _) => "page.viewed".to_owned(),
                (_, Some(Loose::Str(s))) => s.to_string(),
                _ => String::new(),
            })
        })?;
        let schema = &self.events[event.index()];
        let mut props = match envelope.properties {
            Body::Done(props) => props,
            Body::Absent => Props::new(schema, self.buffer()),
            Body::Raw(raw) => {
                let mut props = Props::new(schema, self.buffer());
                reread(raw, self.props_seed(schema, &mut props))?;
                props
            }
        };
        if let Some(error) = props.error {
            return Err(error);
        }
        if let Some((_, slot)) = schema
            .declared
            .iter()
            .find(|(i, slot)| !slot.optional && props.record[*i].is_missing())
        {
            return Err(RejectReason::MissingProperty(slot.path.to_string()));
        }
        let account = match envelope.group_id {
            Some(Typed::Value(group)) => group,
            Some(Typed::Wrong | Typed::OutOfRange) => return Err(self.group_id.wrong()),
            Some(Typed::Null) | None => props.account,
        };
        let mut fill = |slot: Option<usize>, value: Value| {
            if let Some(slot) = slot {
                props.record[slot] = value;
            }
        };
        fill(schema.at, Value::Time(at));
        fill(schema.contact, Value::Str(contact.clone()));
        fill(schema.account, account);
        Ok(Input::Track {
            event,
            contact,
            at,
            record: props.record,
            message,
        })
    }

    /// Gives a decoded record's buffer back, for the next record to reuse.
    pub fn recycle(&self, mut record: Vec<Value>) {
        record.clear();
        self.spare.set(record);
    }

    /// The spare buffer (empty when there is none).
    fn buffer(&self) -> Vec<Value> {
        self.spare.take()
    }

    fn props_seed<'s>(&'s self, schema: &'s EventSchema, out: &'s mut Props) -> PropsSeed<'s> {
        PropsSeed {
            decoder: self,
            schema,
            out,
        }
    }
}

impl Slot {
    /// The reject for a value beyond what the type holds.
    fn out_of_range(&self) -> RejectReason {
        RejectReason::OutOfRange {
            name: self.path.to_string(),
            value: String::new(),
            range: typed::range_of(&self.ty),
        }
    }

    /// The reject for a value of the wrong type.
    fn wrong(&self) -> RejectReason {
        RejectReason::WrongType {
            name: self.path.to_string(),
            expected: self.expected.to_string(),
        }
    }

    fn seed<'s>(&'s self, decoder: &'s Decoder) -> TypedSeed<'s> {
        TypedSeed {
            ty: &self.ty,
            enums: &decoder.enums,
            literals: &decoder.literals,
        }
    }
}

/// Decodes a buffered `properties`/`traits` slice (valid JSON already, so errors are unexpected).
fn reread<'de, S: DeserializeSeed<'de, Value = ()>>(
    raw: &'de RawValue,
    seed: S,
) -> Result<(), RejectReason> {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    seed.deserialize(&mut de)
        .map_err(|e| RejectReason::NotJson(e.to_string()))
}
