//! The time zones of a run's contacts, numbered: a contact keeps its zone's number, and the
//! zone is looked up once per distinct `timezone` value rather than at every local-time
//! computation. Zone 0 stands for a contact without a `timezone` (UTC); a name that is not an
//! IANA zone gets its own number and reads as UTC too (reference §8).

use std::collections::HashMap;

use jiff::tz::TimeZone;
use journey_ir::eval::Value;
use serde::{Deserialize, Serialize};

use crate::clock;

/// A zone's number in [`Zones`].
pub type ZoneId = u32;

/// The zone of contacts without a `timezone`.
pub const NO_ZONE: ZoneId = 0;

/// The distinct `timezone` values of a run, each with its zone.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(from = "Vec<Box<str>>", into = "Vec<Box<str>>")]
pub struct Zones {
    /// The `timezone` values by number (`""` for none).
    names: Vec<Box<str>>,
    /// Their zones, by number.
    zones: Vec<TimeZone>,
    /// Value → number.
    numbers: HashMap<Box<str>, ZoneId, foldhash::fast::RandomState>,
}

impl Default for Zones {
    fn default() -> Self {
        Zones::from(vec![Box::<str>::from("")])
    }
}

impl Zones {
    /// The number of the zone a `timezone` value names, numbered now if it is new.
    pub fn number(&mut self, value: &Value) -> ZoneId {
        let Value::Str(name) = value else {
            return NO_ZONE;
        };
        if let Some(&number) = self.numbers.get(&**name) {
            return number;
        }
        let number = self.names.len() as ZoneId;
        self.names.push(Box::from(&**name));
        self.zones.push(clock::zone_of(Some(name)));
        self.numbers.insert(Box::from(&**name), number);
        number
    }

    /// The zone of a number (UTC for one never given out).
    pub fn zone(&self, number: ZoneId) -> &TimeZone {
        const UTC: &TimeZone = &TimeZone::UTC;
        self.zones.get(number as usize).unwrap_or(UTC)
    }

    /// How many zones are numbered (zone 0 included).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether only zone 0 is numbered.
    pub fn is_empty(&self) -> bool {
        self.names.len() <= 1
    }
}

impl From<Vec<Box<str>>> for Zones {
    fn from(mut names: Vec<Box<str>>) -> Zones {
        if names.is_empty() {
            names.push(Box::from(""));
        }
        let zones = names
            .iter()
            .map(|name| clock::zone_of((!name.is_empty()).then_some(&**name)))
            .collect();
        let numbers = names
            .iter()
            .enumerate()
            .skip(1)
            .map(|(number, name)| (name.clone(), number as ZoneId))
            .collect();
        Zones {
            names,
            zones,
            numbers,
        }
    }
}

impl From<Zones> for Vec<Box<str>> {
    fn from(zones: Zones) -> Vec<Box<str>> {
        zones.names
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn equal_names_share_a_number_and_invalid_ones_read_as_utc() {
        let mut zones = Zones::default();
        let paris = Value::Str(Arc::from("Europe/Paris"));
        let bogus = Value::Str(Arc::from("Mars/Olympus"));
        let first = zones.number(&paris);
        assert_eq!(zones.number(&paris), first);
        assert_eq!(zones.number(&Value::Missing), NO_ZONE);
        let invalid = zones.number(&bogus);
        assert_ne!(invalid, first);
        assert_eq!(zones.zone(invalid), &TimeZone::UTC);
        assert_eq!(zones.zone(first).iana_name(), Some("Europe/Paris"));
        let text = serde_json::to_string(&zones).unwrap_or_default();
        let back: Zones = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back.zone(first).iana_name(), Some("Europe/Paris"));
        assert_eq!(back.len(), 3);
    }
}
