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

use std::sync::Arc;

use journey_ir::eval::Value;
use journey_ir::layout::{Codec, HistoryRow};
use journey_ir::{History, HistoryFunction, HistoryId, HistoryWindow, Type};

use super::contacts::ContactParts;
use super::packed::{self, Stamp};
use super::{row, text};
use super::{Aggregate, Contacts, HistoryState, KeyedGroup, OptionalTime, Stamps, Strings};

impl HistoryState {
    /// Adds an event of a keyed aggregate (`history.key` is set): `record` is the event's record,
    /// `value` its aggregated field (if any).
    pub fn add_keyed(
        &mut self,
        history: &History,
        at: i64,
        record: &[Value],
        value: &Value,
        empty_list: &Arc<[Value]>,
    ) {
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
            slots.iter().all(|&slot| {
                let value = record.get(slot as usize).unwrap_or(&Value::Missing);
                text::record_field_equals(&group.key, slot, value, empty_list)
            })
        };
        let mut group = match groups.iter().position(same_key) {
            Some(i) => groups.remove(i),
            None => KeyedGroup {
                key: text::encode_record(record, |i| slots.contains(&(i as u32))),
                state: HistoryState::plain(history.function, history.window),
            },
        };
        group.state.add(history, at, value);
        // Groups stay in the order of their latest event: `last` and `since` read the last
        // group that passes.
        groups.push(group);
    }

    /// Drops the events at or before `horizon` (the start of a window).
    fn expire(&mut self, horizon: i64) {
        match self {
            HistoryState::Times(times) => {
                times.drain(..packed::leading(times, horizon, |t| t.time()));
            }
            HistoryState::WideTimes(times) => {
                times.drain(..packed::leading(times, horizon, |t| *t));
            }
            HistoryState::Window(events) => {
                events.drain(..packed::leading(events, horizon, |(t, _)| t.time()));
            }
            HistoryState::WideWindow(events) => {
                events.drain(..packed::leading(events, horizon, |(t, _)| *t));
            }
            HistoryState::Running(_) | HistoryState::Latest(_) | HistoryState::Keyed(_) => {}
        }
    }

    /// Whether nothing is kept.
    fn is_empty(&self) -> bool {
        match self {
            HistoryState::Times(times) => times.is_empty(),
            HistoryState::WideTimes(times) => times.is_empty(),
            HistoryState::Window(events) => events.is_empty(),
            HistoryState::WideWindow(events) => events.is_empty(),
            HistoryState::Running(aggregate) => aggregate.count == 0,
            HistoryState::Latest(latest) => latest.is_none(),
            HistoryState::Keyed(groups) => groups.is_empty(),
        }
    }

    /// Adds a matching event at `at` whose aggregated field (if any) is `value`.
    pub fn add(&mut self, history: &History, at: i64, value: &Value) {
        if let HistoryWindow::Within(window) = history.window {
            self.expire(at - window);
        }
        match self {
            HistoryState::Times(times) => match packed::narrow(at) {
                Some(t) => times.push(t),
                None => {
                    let mut wide: Vec<i64> = times.iter().map(|t| t.time()).collect();
                    wide.push(at);
                    *self = HistoryState::WideTimes(wide);
                }
            },
            HistoryState::WideTimes(times) => times.push(at),
            HistoryState::Window(events) => {
                let Some((number, _)) = packed::number_of(value) else {
                    return;
                };
                match packed::narrow(at) {
                    Some(t) => events.push((t, number)),
                    None => {
                        let mut wide: Vec<(i64, _)> =
                            events.iter().map(|(t, n)| (t.time(), *n)).collect();
                        wide.push((at, number));
                        *self = HistoryState::WideWindow(wide);
                    }
                }
            }
            HistoryState::WideWindow(events) => {
                if let Some((number, _)) = packed::number_of(value) {
                    events.push((at, number));
                }
            }
            HistoryState::Running(aggregate) => aggregate.add(value),
            HistoryState::Latest(latest) => *latest = Some(packed::pack_latest(at, value)),
            // Only `add_keyed` knows the key.
            HistoryState::Keyed(_) => {}
        }
    }

    /// Forgets everything (a `since enter` aggregate at a new entry).
    pub fn reset(&mut self) {
        match self {
            HistoryState::Times(times) => times.clear(),
            HistoryState::WideTimes(_) => *self = HistoryState::Times(Stamps::new()),
            HistoryState::Window(events) => events.clear(),
            HistoryState::WideWindow(_) => *self = HistoryState::Window(Vec::new()),
            HistoryState::Running(aggregate) => **aggregate = Aggregate::default(),
            HistoryState::Latest(latest) => *latest = None,
            HistoryState::Keyed(groups) => groups.clear(),
        }
    }

    /// The aggregate's value at `now`; `field_ty` is the aggregated field's type. For a keyed
    /// aggregate, `holds` answers whether the filter holds for a group's key record.
    /// `empty_list` is the empty list a value read back shares.
    pub fn read(
        &self,
        history: &History,
        now: i64,
        field_ty: Option<&Type>,
        empty_list: &Arc<[Value]>,
        holds: &mut dyn FnMut(&[Value]) -> bool,
    ) -> Value {
        let int_field = matches!(field_ty.map(Type::unwrap_optional), Some(Type::Int));
        let window = match history.window {
            HistoryWindow::Within(window) => window,
            _ => i64::MAX,
        };
        let from = now.saturating_sub(window);
        match self {
            HistoryState::Times(times) => count_in(times, from, now),
            HistoryState::WideTimes(times) => count_in(times, from, now),
            HistoryState::Running(aggregate) => aggregate.value(history.function, int_field),
            HistoryState::Latest(latest) => packed::latest_value(
                history.function,
                latest.as_deref().and_then(packed::unpack_latest),
                now,
                empty_list,
            ),
            HistoryState::Keyed(groups) => {
                let mut reading = Reading::default();
                // One record to decode each group's key into.
                let mut key = Vec::new();
                for group in groups {
                    text::decode_record(&group.key, empty_list, &mut key);
                    if holds(&key) {
                        group.state.gather(from, now, int_field, &mut reading);
                    }
                }
                match history.function {
                    HistoryFunction::Last | HistoryFunction::Since => {
                        packed::latest_value(history.function, reading.latest, now, empty_list)
                    }
                    function => reading.aggregate.value(function, int_field),
                }
            }
            HistoryState::Window(_) | HistoryState::WideWindow(_) => {
                let mut reading = Reading::default();
                self.gather(from, now, int_field, &mut reading);
                reading.aggregate.value(history.function, int_field)
            }
        }
    }

    /// Adds what a plain state holds in `(from, now]` to a reading of several groups
    /// (`int_field`: the aggregated field is an `int`).
    fn gather<'s>(&'s self, from: i64, now: i64, int_field: bool, reading: &mut Reading<'s>) {
        let inside = |t: i64| t > from && t <= now;
        match self {
            HistoryState::Times(times) => {
                let count = times.iter().filter(|t| inside(t.time())).count();
                reading.aggregate.count += count as i64;
            }
            HistoryState::WideTimes(times) => {
                let count = times.iter().filter(|t| inside(**t)).count();
                reading.aggregate.count += count as i64;
            }
            HistoryState::Window(events) => {
                for (_, number) in events.iter().filter(|(t, _)| inside(t.time())) {
                    reading.aggregate.add_number(*number, int_field);
                }
            }
            HistoryState::WideWindow(events) => {
                for (_, number) in events.iter().filter(|(t, _)| inside(*t)) {
                    reading.aggregate.add_number(*number, int_field);
                }
            }
            HistoryState::Running(aggregate) => reading.aggregate.merge(aggregate, int_field),
            HistoryState::Latest(Some(latest)) => {
                if let Some((t, value)) = packed::unpack_latest(latest) {
                    // Groups come in the order of their latest event: a later group wins a tie.
                    if reading.latest.is_none_or(|(seen, _)| t >= seen) {
                        reading.latest = Some((t, value));
                    }
                }
            }
            HistoryState::Latest(None) | HistoryState::Keyed(_) => {}
        }
    }
}

/// How many of `times` are in `(from, now]`: times are added in clock order, so the window is
/// one run, found by two binary searches.
fn count_in<T: Stamp>(times: &[T], from: i64, now: i64) -> Value {
    let start = times.partition_point(|t| t.time() <= from);
    let end = times.partition_point(|t| t.time() <= now);
    Value::Int(end.saturating_sub(start) as i64)
}

/// The combined groups of a keyed aggregate (or the events of one window).
#[derive(Default)]
struct Reading<'s> {
    aggregate: Aggregate,
    /// The latest event: its time and its value's bytes.
    latest: Option<(i64, &'s [u8])>,
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
            empty_list,
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
                        state.add_keyed(history, at, record, &value, empty_list);
                    } else {
                        state.add(history, at, &value);
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
                    Some(state) => state.read(history, now, field_ty, &self.empty_list, holds),
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
