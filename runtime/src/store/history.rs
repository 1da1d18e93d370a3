//! History aggregates: adding a matching event and reading the aggregate at a given time.
//!
//! `within D` keeps the matching events of the window, `(now - D, now]`, and drops older ones as
//! new ones arrive; `since enter` keeps a running aggregate that each entry resets; `last` and
//! `since` keep the latest event. Values of an optional field that are missing are skipped by
//! `sum`, `min`, `max` and `avg` (reference §8).
//!
//! An aggregate whose filter reads a binding is *keyed*: it keeps every event of its type (within
//! its window), grouped by the fields the filter reads, and the filter is asked once per group
//! when the aggregate is read, with the bindings of that moment. A group holds one of the plain
//! states, and reading combines the groups whose key passes.

use journey_ir::eval::Value;
use journey_ir::layout::{Codec, HistoryRow};
use journey_ir::{History, HistoryFunction, HistoryId, HistoryWindow, Type};

use super::contacts::ContactParts;
use super::row;
use super::{Aggregate, Contacts, HistoryState, KeyedGroup, OptionalTime, Stamps, Strings};

impl HistoryState {
    /// Adds an event of a keyed aggregate (`history.key` is set): `record` is the event's record,
    /// `value` its aggregated field (if any).
    pub fn add_keyed(&mut self, history: &History, at: i64, record: &[Value], value: Value) {
        let (HistoryState::Keyed(groups), Some(slots)) = (&mut *self, &history.key) else {
            return self.add(history, at, value);
        };
        if let HistoryWindow::Within(window) = history.window {
            // Every group forgets what left the window, so that a key seen once long ago
            // does not stay forever.
            groups.retain_mut(|group| {
                group.state.expire(at - window);
                !group.state.is_empty()
            });
        }
        let same_key = |group: &KeyedGroup| {
            slots
                .iter()
                .all(|&slot| group.key.get(slot as usize) == record.get(slot as usize))
        };
        let mut group = match groups.iter().position(same_key) {
            Some(i) => groups.remove(i),
            None => {
                let mut key = vec![Value::Missing; record.len()].into_boxed_slice();
                for &slot in slots {
                    if let (Some(k), Some(v)) =
                        (key.get_mut(slot as usize), record.get(slot as usize))
                    {
                        *k = v.clone();
                    }
                }
                KeyedGroup {
                    key,
                    state: HistoryState::plain(history.function, history.window),
                }
            }
        };
        group.state.add(history, at, value);
        // Groups stay in the order of their latest event: `last` and `since` read the last
        // group that passes.
        groups.push(group);
    }

    /// Drops the events at or before `horizon` (the start of a window).
    fn expire(&mut self, horizon: i64) {
        match self {
            HistoryState::Times(times) => drop_leading(times, horizon),
            HistoryState::Window(events) => drop_leading_events(events, horizon),
            HistoryState::Running(_) | HistoryState::Latest(_) | HistoryState::Keyed(_) => {}
        }
    }

    /// Whether nothing is kept.
    fn is_empty(&self) -> bool {
        match self {
            HistoryState::Times(times) => times.is_empty(),
            HistoryState::Window(events) => events.is_empty(),
            HistoryState::Running(aggregate) => aggregate.count == 0,
            HistoryState::Latest(latest) => latest.is_none(),
            HistoryState::Keyed(groups) => groups.is_empty(),
        }
    }

    /// Adds a matching event at `at` whose aggregated field (if any) is `value`.
    pub fn add(&mut self, history: &History, at: i64, value: Value) {
        match self {
            HistoryState::Times(times) => {
                if let HistoryWindow::Within(window) = history.window {
                    drop_leading(times, at - window);
                }
                times.push(at);
            }
            HistoryState::Window(events) => {
                if let HistoryWindow::Within(window) = history.window {
                    drop_leading_events(events, at - window);
                }
                events.push((at, value));
            }
            HistoryState::Running(aggregate) => aggregate.add(value),
            HistoryState::Latest(latest) => *latest = Some(Box::new((at, value))),
            // Only `add_keyed` knows the key.
            HistoryState::Keyed(_) => {}
        }
    }

    /// Forgets everything (a `since enter` aggregate at a new entry).
    pub fn reset(&mut self) {
        match self {
            HistoryState::Times(times) => times.clear(),
            HistoryState::Window(events) => events.clear(),
            HistoryState::Running(aggregate) => **aggregate = Aggregate::default(),
            HistoryState::Latest(latest) => *latest = None,
            HistoryState::Keyed(groups) => groups.clear(),
        }
    }

    /// The aggregate's value at `now`; `field_ty` is the aggregated field's type. For a keyed
    /// aggregate, `holds` answers whether the filter holds for a group's key record.
    pub fn read(
        &self,
        history: &History,
        now: i64,
        field_ty: Option<&Type>,
        holds: &mut dyn FnMut(&[Value]) -> bool,
    ) -> Value {
        let int_field = matches!(field_ty.map(Type::unwrap_optional), Some(Type::Int));
        let window = match history.window {
            HistoryWindow::Within(window) => window,
            _ => i64::MAX,
        };
        match self {
            HistoryState::Times(times) => {
                // Times are added in clock order, so the window is one run: two binary searches.
                let from = now.saturating_sub(window);
                let start = times.partition_point(|t| *t <= from);
                let end = times.partition_point(|t| *t <= now);
                Value::Int(end.saturating_sub(start) as i64)
            }
            HistoryState::Window(events) => {
                let mut aggregate = Aggregate::default();
                for (t, value) in events {
                    if *t > now.saturating_sub(window) && *t <= now {
                        aggregate.add(value.clone());
                    }
                }
                aggregate.value(history.function, int_field)
            }
            HistoryState::Running(aggregate) => aggregate.value(history.function, int_field),
            HistoryState::Latest(latest) => latest_value(
                history.function,
                latest.as_deref().map(|(t, v)| (*t, v)),
                now,
            ),
            HistoryState::Keyed(groups) => {
                let mut reading = Reading::default();
                for group in groups {
                    if holds(&group.key) {
                        group
                            .state
                            .gather(now.saturating_sub(window), now, &mut reading);
                    }
                }
                match history.function {
                    HistoryFunction::Last | HistoryFunction::Since => {
                        latest_value(history.function, reading.latest, now)
                    }
                    function => reading.aggregate.value(function, int_field),
                }
            }
        }
    }

    /// Adds what a plain state holds in `(from, now]` to a reading of several groups.
    fn gather<'s>(&'s self, from: i64, now: i64, reading: &mut Reading<'s>) {
        let inside = |t: i64| t > from && t <= now;
        match self {
            HistoryState::Times(times) => {
                let count = times.iter().filter(|t| inside(**t)).count();
                reading.aggregate.count += count as i64;
            }
            HistoryState::Window(events) => {
                for (_, value) in events.iter().filter(|(t, _)| inside(*t)) {
                    reading.aggregate.add(value.clone());
                }
            }
            HistoryState::Running(aggregate) => reading.aggregate.merge(aggregate),
            HistoryState::Latest(Some(latest)) => {
                let (t, value) = &**latest;
                // Groups come in the order of their latest event: a later group wins a tie.
                if reading.latest.is_none_or(|(seen, _)| *t >= seen) {
                    reading.latest = Some((*t, value));
                }
            }
            HistoryState::Latest(None) | HistoryState::Keyed(_) => {}
        }
    }
}

/// Drops the leading times at or before `horizon` (times are kept oldest first).
fn drop_leading(times: &mut Stamps, horizon: i64) {
    let expired = times.iter().take_while(|t| **t <= horizon).count();
    if expired > 0 {
        times.drain(..expired);
    }
}

/// Drops the leading events at or before `horizon` (events are kept oldest first).
fn drop_leading_events(events: &mut Vec<(i64, Value)>, horizon: i64) {
    let expired = events.iter().take_while(|(t, _)| *t <= horizon).count();
    if expired > 0 {
        events.drain(..expired);
    }
}

/// The combined groups of a keyed aggregate.
#[derive(Default)]
struct Reading<'s> {
    aggregate: Aggregate,
    latest: Option<(i64, &'s Value)>,
}

/// `last` or `since` of the latest matching event.
fn latest_value<V: std::borrow::Borrow<Value>>(
    function: HistoryFunction,
    latest: Option<(i64, V)>,
    now: i64,
) -> Value {
    match (function, latest) {
        (HistoryFunction::Since, Some((t, _))) => Value::Duration(now.saturating_sub(t)),
        (HistoryFunction::Last, Some((_, value))) => value.borrow().clone(),
        _ => Value::Missing,
    }
}

impl Aggregate {
    fn add(&mut self, value: Value) {
        self.count += 1;
        let number = match value {
            Value::Int(v) => {
                self.sum_int = self.sum_int.saturating_add(v);
                v as f64
            }
            Value::Float(v) => v,
            _ => return,
        };
        self.values += 1;
        self.sum_float += number;
        let less = |a: &Value, b: &Value| as_number(a) < as_number(b);
        if self.min.as_ref().is_none_or(|min| less(&value, min)) {
            self.min = Some(value.clone());
        }
        if self.max.as_ref().is_none_or(|max| less(max, &value)) {
            self.max = Some(value);
        }
    }

    /// Adds another aggregate's events to this one.
    fn merge(&mut self, other: &Aggregate) {
        self.count = self.count.saturating_add(other.count);
        self.values = self.values.saturating_add(other.values);
        self.sum_int = self.sum_int.saturating_add(other.sum_int);
        self.sum_float += other.sum_float;
        let less = |a: &Value, b: &Value| as_number(a) < as_number(b);
        if let Some(min) = &other.min {
            if self.min.as_ref().is_none_or(|mine| less(min, mine)) {
                self.min = Some(min.clone());
            }
        }
        if let Some(max) = &other.max {
            if self.max.as_ref().is_none_or(|mine| less(mine, max)) {
                self.max = Some(max.clone());
            }
        }
    }

    fn value(&self, function: HistoryFunction, int_field: bool) -> Value {
        match function {
            HistoryFunction::Count => Value::Int(self.count),
            HistoryFunction::Sum if int_field => Value::Int(self.sum_int),
            HistoryFunction::Sum => Value::Float(self.sum_float),
            HistoryFunction::Min => self.min.clone().unwrap_or(Value::Missing),
            HistoryFunction::Max => self.max.clone().unwrap_or(Value::Missing),
            HistoryFunction::Avg if self.values == 0 => Value::Missing,
            HistoryFunction::Avg => Value::Float(self.sum_float / self.values as f64),
            HistoryFunction::Last | HistoryFunction::Since => Value::Missing,
        }
    }
}

fn as_number(value: &Value) -> f64 {
    match value {
        Value::Int(v) => *v as f64,
        Value::Float(v) => *v,
        _ => f64::NAN,
    }
}

/// History aggregates in a contact's state: in its row where the layout put them, else in its
/// side storage.
impl Contacts {
    /// Adds a matching event at `at`, whose aggregated field (if any) is `value` and whose
    /// record is `record`, to aggregate `h` (`history`) of contact `c`.
    pub(crate) fn add_history(
        &mut self,
        c: usize,
        (h, history): (HistoryId, &History),
        at: i64,
        record: &[Value],
        value: Value,
    ) {
        let Some(&place) = self.layout().histories.get(h.index()) else {
            return;
        };
        let ContactParts {
            row,
            side,
            strings,
            templates,
            aside,
        } = self.parts_mut(c);
        match place {
            HistoryRow::Since { at: field } => {
                row::set_instant(row, field, Some(at).into(), aside, c)
            }
            HistoryRow::Last {
                at: field,
                present,
                value: slot,
                codec,
            } => {
                forget_last(row, present, slot, codec, strings);
                row::set_instant(row, field, Some(at).into(), aside, c);
                if let Some(()) = row::write_scalar(row, slot, codec, &value, strings) {
                    row::set_u8(row, present, 1);
                }
            }
            HistoryRow::Count { count } => {
                let n = row::i64_at(row, count);
                row::set_i64(row, count, n.saturating_add(1));
            }
            HistoryRow::Side { index } => {
                let side = side.get_or_insert_with(Box::default);
                if side.histories.is_empty() {
                    side.histories = templates.into();
                }
                if let Some(state) = side.histories.get_mut(index as usize) {
                    if history.key.is_some() {
                        state.add_keyed(history, at, record, value);
                    } else {
                        state.add(history, at, value);
                    }
                }
            }
        }
    }

    /// Forgets aggregate `h` of contact `c` (a `since enter` aggregate at a new entry).
    pub(crate) fn reset_history(&mut self, c: usize, h: HistoryId) {
        let Some(&place) = self.layout().histories.get(h.index()) else {
            return;
        };
        let ContactParts {
            row,
            side,
            strings,
            aside,
            ..
        } = self.parts_mut(c);
        match place {
            HistoryRow::Since { at } => row::set_instant(row, at, OptionalTime::NONE, aside, c),
            HistoryRow::Last {
                at,
                present,
                value,
                codec,
            } => {
                forget_last(row, present, value, codec, strings);
                row::set_instant(row, at, OptionalTime::NONE, aside, c);
            }
            HistoryRow::Count { count } => row::set_i64(row, count, 0),
            HistoryRow::Side { index } => {
                if let Some(state) = side
                    .as_mut()
                    .and_then(|side| side.histories.get_mut(index as usize))
                {
                    state.reset();
                }
            }
        }
    }

    /// Aggregate `h` of contact `c` at `now`; `field_ty` is the aggregated field's type, and
    /// `holds` answers for a keyed aggregate whether its filter holds for a group's key.
    pub(crate) fn read_history(
        &self,
        c: usize,
        h: HistoryId,
        history: &History,
        now: i64,
        field_ty: Option<&Type>,
        holds: &mut dyn FnMut(&[Value]) -> bool,
    ) -> Value {
        let Some(&place) = self.layout().histories.get(h.index()) else {
            return Value::Missing;
        };
        let row = self.row(c);
        match place {
            HistoryRow::Since { at } => match row::instant_at(row, at, &self.aside, c).get() {
                Some(t) => Value::Duration(now.saturating_sub(t)),
                None => Value::Missing,
            },
            HistoryRow::Last {
                at,
                present,
                value,
                codec,
            } => {
                if row::instant_at(row, at, &self.aside, c).is_none()
                    || row::u8_at(row, present) == 0
                {
                    return Value::Missing;
                }
                row::read_scalar(row, value, codec, &self.strings)
            }
            HistoryRow::Count { count } => Value::Int(row::i64_at(row, count)),
            HistoryRow::Side { index } => {
                match self
                    .side(c)
                    .and_then(|side| side.histories.get(index as usize))
                {
                    Some(state) => state.read(history, now, field_ty, holds),
                    None => empty_value(history, field_ty),
                }
            }
        }
    }
}

/// What an aggregate with no event reads.
fn empty_value(history: &History, field_ty: Option<&Type>) -> Value {
    let int_field = matches!(field_ty.map(Type::unwrap_optional), Some(Type::Int));
    match history.function {
        HistoryFunction::Last | HistoryFunction::Since => Value::Missing,
        function => Aggregate::default().value(function, int_field),
    }
}

/// Releases the string a `last` value holds, if any, and marks it absent.
fn forget_last(row: &mut [u8], present: u32, value: u32, codec: Codec, strings: &mut Strings) {
    if codec == Codec::Str && row::u8_at(row, present) == 1 {
        strings.release(row::u32_at(row, value));
    }
    row::set_u8(row, present, 0);
}
