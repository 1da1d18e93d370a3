//! The environment a `conversion`'s filter is evaluated in: the event's record alone.

use journey_ir::eval::{Env, Value};
use journey_ir::{BindingId, EventId, HistoryId, ProfileSlot, ScoreId};

/// The environment of a conversion's filter: the event's record and nothing else (the checker
/// lets the filter read only the event's fields).
pub(crate) struct RecordEnv<'r> {
    pub(crate) event: EventId,
    pub(crate) record: &'r [Value],
    pub(crate) at: i64,
}

impl Env for RecordEnv<'_> {
    fn event_field(&self, _: EventId, slot: u32) -> Value {
        self.record
            .get(slot as usize)
            .cloned()
            .unwrap_or(Value::Missing)
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
        self.at
    }
    fn event_record(&self) -> Option<(EventId, &[Value])> {
        Some((self.event, self.record))
    }
}
