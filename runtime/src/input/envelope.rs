//! The Segment envelope read in one pass with serde visitors: the top-level keys (`type`,
//! `event`, ids, `timestamp`, `context.groupId`), and `properties` or `traits` decoded straight
//! into the event's or the profile's typed slots.

use std::borrow::Cow;
use std::fmt;

use journey_ir::eval::Value;
use journey_ir::ProfileSlot;
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;

use super::typed::{drain_map, drain_seq, Typed};
use super::{Decoder, EventSchema, RejectReason};

/// The kind of call (`type`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Track,
    Page,
    Identify,
}

/// A top-level value we expect to be a string.
pub(super) enum Loose<'de> {
    Str(Cow<'de, str>),
    Null,
    /// Anything else, kept as JSON text for the reject's detail.
    Other(Box<str>),
}

/// `properties` or `traits` as far as the envelope got with it.
pub(super) enum Body<'de, T> {
    Absent,
    /// Seen before the envelope said how to read it.
    Raw(&'de RawValue),
    /// Decoded as it streamed by.
    Done(T),
}

/// What the top-level object says.
pub(super) struct Envelope<'de> {
    pub(super) kind: Option<Loose<'de>>,
    pub(super) event: Option<Loose<'de>>,
    pub(super) user_id: Option<Loose<'de>>,
    pub(super) anonymous_id: Option<Loose<'de>>,
    pub(super) timestamp: Option<Loose<'de>>,
    pub(super) message_id: Option<Loose<'de>>,
    pub(super) group_id: Option<Typed>,
    pub(super) properties: Body<'de, Props>,
    pub(super) traits: Body<'de, Traits>,
}

/// An event record being filled.
pub(super) struct Props {
    pub(super) record: Vec<Value>,
    /// `properties.account`, used when `context.groupId` is absent.
    pub(super) account: Value,
    /// The first problem met; later properties are skipped.
    pub(super) error: Option<RejectReason>,
}

impl Props {
    /// An empty record of the schema's length, in `buffer` (whatever it held is dropped).
    pub(super) fn new(schema: &EventSchema, mut buffer: Vec<Value>) -> Props {
        buffer.clear();
        buffer.resize(schema.len, Value::Missing);
        Props {
            record: buffer,
            account: Value::Missing,
            error: None,
        }
    }
}

/// Profile updates being collected.
#[derive(Default)]
pub(super) struct Traits {
    pub(super) list: Vec<(ProfileSlot, Value)>,
    pub(super) error: Option<RejectReason>,
}

/// A top-level key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TopKey {
    Type,
    Event,
    UserId,
    AnonymousId,
    Timestamp,
    Properties,
    Traits,
    Context,
    MessageId,
    Other,
}

/// Reads an object key and maps it with `F` without allocating (escaped keys arrive as `&str`).
pub(super) struct KeySeed<F>(F);

impl<'de, K, F: FnOnce(&str) -> K> DeserializeSeed<'de> for KeySeed<F> {
    type Value = K;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, K, F: FnOnce(&str) -> K> Visitor<'de> for KeySeed<F> {
    type Value = K;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, v: &str) -> Result<K, E> {
        Ok((self.0)(v))
    }
}

impl TopKey {
    fn name(self) -> &'static str {
        match self {
            TopKey::Type => "type",
            TopKey::Event => "event",
            TopKey::UserId => "userId",
            TopKey::AnonymousId => "anonymousId",
            TopKey::Timestamp => "timestamp",
            TopKey::Properties => "properties",
            TopKey::Traits => "traits",
            TopKey::Context => "context",
            TopKey::MessageId => "messageId",
            TopKey::Other => "",
        }
    }
}

/// Skips a value the line cannot use.
pub(super) fn skip<'de, A: MapAccess<'de>, T>(map: &mut A) -> Result<Body<'de, T>, A::Error> {
    map.next_value::<IgnoredAny>()?;
    Ok(Body::Absent)
}

pub(super) fn top_key(key: &str) -> TopKey {
    match key {
        "type" => TopKey::Type,
        "event" => TopKey::Event,
        "userId" => TopKey::UserId,
        "anonymousId" => TopKey::AnonymousId,
        "timestamp" => TopKey::Timestamp,
        "properties" => TopKey::Properties,
        "traits" => TopKey::Traits,
        "context" => TopKey::Context,
        "messageId" => TopKey::MessageId,
        _ => TopKey::Other,
    }
}

/// Reads a value expected to be a string, borrowing it when it has no escapes.
pub(super) struct LooseSeed;

impl<'de> DeserializeSeed<'de> for LooseSeed {
    type Value = Loose<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Loose<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LooseSeed {
    type Value = Loose<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Loose::Other(v.to_string().into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Loose::Other(v.to_string().into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Loose::Other(v.to_string().into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Loose::Other(v.to_string().into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Loose::Other("an array".into()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map)?;
        Ok(Loose::Other("an object".into()))
    }
}

/// The top-level object.
pub(super) struct EnvelopeSeed<'s> {
    pub(super) decoder: &'s Decoder,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Envelope<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'de>, A::Error> {
        let decoder = self.decoder;
        let mut envelope = Envelope {
            kind: None,
            event: None,
            user_id: None,
            anonymous_id: None,
            timestamp: None,
            message_id: None,
            group_id: None,
            properties: Body::Absent,
            traits: Body::Absent,
        };
        let mut seen = 0u16;
        while let Some(key) = map.next_key_seed(KeySeed(top_key))? {
            // A repeated envelope key is refused: `properties` may already have been read for
            // the first `event`, and no answer about which one counts would be obvious.
            let bit = 1u16 << (key as u16);
            if key != TopKey::Other && seen & bit != 0 {
                return Err(A::Error::custom(format_args!(
                    "duplicate key `{}`",
                    key.name()
                )));
            }
            seen |= bit;
            match key {
                TopKey::Type => envelope.kind = Some(map.next_value_seed(LooseSeed)?),
                TopKey::Event => envelope.event = Some(map.next_value_seed(LooseSeed)?),
                TopKey::UserId => envelope.user_id = Some(map.next_value_seed(LooseSeed)?),
                TopKey::AnonymousId => {
                    envelope.anonymous_id = Some(map.next_value_seed(LooseSeed)?)
                }
                TopKey::Timestamp => envelope.timestamp = Some(map.next_value_seed(LooseSeed)?),
                TopKey::MessageId => envelope.message_id = Some(map.next_value_seed(LooseSeed)?),
                TopKey::Context => {
                    envelope.group_id = map.next_value_seed(ContextSeed { decoder })?
                }
                TopKey::Properties => {
                    // Streamed into the record when the event is already known; kept raw while
                    // it is not; skipped when the line cannot use it.
                    envelope.properties = match decoder.kind(&envelope.kind) {
                        _ if envelope.kind.is_none() => Body::Raw(map.next_value()?),
                        Some(kind @ (Kind::Track | Kind::Page)) => {
                            match decoder.event_of(kind, &envelope.event) {
                                Some(event) => {
                                    let schema = &decoder.events[event.index()];
                                    let mut props = Props::new(schema, decoder.buffer());
                                    map.next_value_seed(decoder.props_seed(schema, &mut props))?;
                                    Body::Done(props)
                                }
                                None if envelope.event.is_none() => Body::Raw(map.next_value()?),
                                None => skip(&mut map)?,
                            }
                        }
                        _ => skip(&mut map)?,
                    };
                }
                TopKey::Traits => {
                    envelope.traits = match (&envelope.kind, decoder.kind(&envelope.kind)) {
                        (None, _) => Body::Raw(map.next_value()?),
                        (_, Some(Kind::Identify)) => {
                            let mut traits = Traits::default();
                            map.next_value_seed(TraitsSeed {
                                decoder,
                                out: &mut traits,
                            })?;
                            Body::Done(traits)
                        }
                        _ => skip(&mut map)?,
                    };
                }
                TopKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }
}

/// `context`: only `groupId` matters.
pub(super) struct ContextSeed<'s> {
    pub(super) decoder: &'s Decoder,
}

impl<'de> DeserializeSeed<'de> for ContextSeed<'_> {
    type Value = Option<Typed>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ContextSeed<'_> {
    type Value = Option<Typed>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let slot = &self.decoder.group_id;
        let mut group = None;
        while let Some(is_group) = map.next_key_seed(KeySeed(|k: &str| k == "groupId"))? {
            if is_group {
                group = Some(
                    map.next_value_seed(slot.seed(self.decoder))
                        .inspect_err(|e| self.decoder.failed_in(slot, e))?,
                );
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(group)
    }

    // A `context` that is not an object carries no `groupId`; it is not ours to judge.
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(None)
    }
}

/// The visitor methods of a seed that expects an object: `null` counts as empty, anything
/// else is recorded as a wrong type through the seed's `not_object`.
macro_rules! non_object_visits {
    () => {
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            self.not_object()
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            self.not_object()
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            self.not_object()
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            self.not_object()
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            self.not_object()
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
            drain_seq(seq)?;
            self.not_object()
        }
    };
}

/// What a properties key is.
pub(super) enum PropKey {
    /// A declared field: index into `EventSchema::declared`.
    Declared(usize),
    Account,
    Other,
}

/// `properties` of a known event, written into its record.
pub(super) struct PropsSeed<'s> {
    pub(super) decoder: &'s Decoder,
    pub(super) schema: &'s EventSchema,
    pub(super) out: &'s mut Props,
}

impl<'de> DeserializeSeed<'de> for PropsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let declared = &self.schema.declared;
        // Events declare a handful of fields: a linear scan beats hashing the key.
        let lookup = |key: &str| match declared.iter().position(|(_, s)| &*s.name == key) {
            Some(i) => PropKey::Declared(i),
            None if key == "account" => PropKey::Account,
            None => PropKey::Other,
        };
        let mut keys = 0usize;
        while let Some(key) = map.next_key_seed(KeySeed(lookup))? {
            keys += 1;
            if keys > self.decoder.limits.max_properties && self.out.error.is_none() {
                self.out.error = Some(RejectReason::TooManyProperties {
                    name: "properties",
                    limit: self.decoder.limits.max_properties,
                });
            }
            let (slot, target) = match key {
                _ if self.out.error.is_some() => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                PropKey::Declared(i) => (&declared[i].1, Some(declared[i].0)),
                PropKey::Account => (&self.decoder.account, None),
                PropKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let typed = map
                .next_value_seed(slot.seed(self.decoder))
                .inspect_err(|e| self.decoder.failed_in(slot, e))?;
            let value = match typed {
                Typed::Value(value) => value,
                // A required field set to null is reported as missing once all keys are read.
                Typed::Null => Value::Missing,
                Typed::Wrong => {
                    self.out.error = Some(slot.wrong());
                    continue;
                }
                Typed::OutOfRange => {
                    self.out.error = Some(slot.out_of_range());
                    continue;
                }
            };
            match target {
                Some(i) => self.out.record[i] = value,
                None => self.out.account = value,
            }
        }
        Ok(())
    }

    non_object_visits!();
}

impl PropsSeed<'_> {
    fn not_object<E>(self) -> Result<(), E> {
        self.out.error = Some(RejectReason::WrongType {
            name: "properties".to_owned(),
            expected: "an object".to_owned(),
        });
        Ok(())
    }
}

/// `traits` of an identify, typed against the profile.
pub(super) struct TraitsSeed<'s> {
    pub(super) decoder: &'s Decoder,
    pub(super) out: &'s mut Traits,
}

impl<'de> DeserializeSeed<'de> for TraitsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TraitsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let decoder = self.decoder;
        let profile = &decoder.profile;
        let lookup = |key: &str| profile.iter().position(|s| &*s.name == key);
        let mut keys = 0usize;
        while let Some(key) = map.next_key_seed(KeySeed(lookup))? {
            keys += 1;
            if keys > decoder.limits.max_properties && self.out.error.is_none() {
                self.out.error = Some(RejectReason::TooManyProperties {
                    name: "traits",
                    limit: decoder.limits.max_properties,
                });
            }
            let Some(i) = key.filter(|_| self.out.error.is_none()) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let slot = &profile[i];
            let typed = map
                .next_value_seed(slot.seed(decoder))
                .inspect_err(|e| decoder.failed_in(slot, e))?;
            let value = match typed {
                Typed::Value(value) => value,
                Typed::Null if slot.optional => Value::Missing,
                Typed::Null | Typed::Wrong => {
                    self.out.error = Some(slot.wrong());
                    continue;
                }
                Typed::OutOfRange => {
                    self.out.error = Some(slot.out_of_range());
                    continue;
                }
            };
            if Some(i) == decoder.timezone {
                if let Value::Str(zone) = &value {
                    if jiff::tz::TimeZone::get(zone).is_err() {
                        self.out.error = Some(RejectReason::WrongType {
                            name: slot.path.to_string(),
                            expected: "an IANA time-zone name".to_owned(),
                        });
                        continue;
                    }
                }
            }
            self.out.list.push((ProfileSlot(i as u32), value));
        }
        Ok(())
    }

    non_object_visits!();
}

impl TraitsSeed<'_> {
    fn not_object<E>(self) -> Result<(), E> {
        self.out.error = Some(RejectReason::WrongType {
            name: "traits".to_owned(),
            expected: "an object".to_owned(),
        });
        Ok(())
    }
}
