//! History aggregates: adding a matching event and reading the aggregate at a given time.
//!
//! `within D` keeps the matching events of the window, `(now - D, now]`, and drops older ones as
//! new ones arrive; `since enter` keeps a running aggregate that each entry resets; `last` and
//! `since` keep the latest event. Values of an optional field that are missing are skipped by
//! `sum`, `min`, `max` and `avg` (reference §8).

use journey_check::types::Type;
use journey_ir::eval::Value;
use journey_ir::{History, HistoryFunction, HistoryWindow};

use crate::state::{Aggregate, HistoryState};

impl HistoryState {
    /// Adds a matching event at `at` whose aggregated field (if any) is `value`.
    pub fn add(&mut self, history: &History, at: i64, value: Value) {
        match self {
            HistoryState::Times(times) => {
                if let HistoryWindow::Within(window) = history.window {
                    while times.front().is_some_and(|t| *t <= at - window) {
                        times.pop_front();
                    }
                }
                times.push_back(at);
            }
            HistoryState::Window(events) => {
                if let HistoryWindow::Within(window) = history.window {
                    while events.front().is_some_and(|(t, _)| *t <= at - window) {
                        events.pop_front();
                    }
                }
                events.push_back((at, value));
            }
            HistoryState::Running(aggregate) => aggregate.add(value),
            HistoryState::Latest(latest) => *latest = Some((at, value)),
        }
    }

    /// Forgets everything (a `since enter` aggregate at a new entry).
    pub fn reset(&mut self) {
        match self {
            HistoryState::Times(times) => times.clear(),
            HistoryState::Window(events) => events.clear(),
            HistoryState::Running(aggregate) => **aggregate = Aggregate::default(),
            HistoryState::Latest(latest) => *latest = None,
        }
    }

    /// The aggregate's value at `now`; `field_ty` is the aggregated field's type.
    pub fn read(&self, history: &History, now: i64, field_ty: Option<&Type>) -> Value {
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
            HistoryState::Latest(latest) => match (history.function, latest) {
                (HistoryFunction::Since, Some((t, _))) => Value::Duration(now.saturating_sub(*t)),
                (HistoryFunction::Last, Some((_, value))) => value.clone(),
                _ => Value::Missing,
            },
        }
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
