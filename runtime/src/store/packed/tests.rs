//! Side aggregates in their packed form read as the plain definition of each function says, over
//! times of any size (4-byte and 8-byte windows), values of every kind, and a serde round trip.

use std::sync::Arc;

use journey_ir::eval::Value;
use journey_ir::{EventId, History, HistoryFunction, HistoryWindow, Type};
use proptest::prelude::*;

use super::super::HistoryState;

fn history(function: HistoryFunction, window: Option<i64>, key: Option<Vec<u32>>) -> History {
    History {
        function,
        event: EventId(0),
        filter: None,
        field: Some(1),
        window: window.map_or(HistoryWindow::All, HistoryWindow::Within),
        key,
    }
}

/// What an aggregate over `events` (oldest first, all added by `now`) reads, computed from its
/// definition (reference §8): the window is `(now - D, now]`, missing values are skipped by
/// `sum`, `min`, `max` and `avg`, `min` and `max` compare as floats and keep the first of equals,
/// and `last` and `since` see the latest event whatever the window.
fn expected(
    function: HistoryFunction,
    window: Option<i64>,
    events: &[(i64, Value)],
    now: i64,
    int_field: bool,
) -> Value {
    let from = now.saturating_sub(window.unwrap_or(i64::MAX));
    let inside: Vec<&Value> = events
        .iter()
        .filter(|(t, _)| window.is_none() || (*t > from && *t <= now))
        .map(|(_, v)| v)
        .collect();
    let as_float = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    let numbers: Vec<&Value> = inside
        .iter()
        .copied()
        .filter(|v| as_float(v).is_some())
        .collect();
    let pick = |better: &dyn Fn(f64, f64) -> bool| {
        let mut best: Option<&Value> = None;
        for v in &numbers {
            if best.is_none_or(|b| better(as_float(v).unwrap_or(0.0), as_float(b).unwrap_or(0.0))) {
                best = Some(v);
            }
        }
        best.cloned().unwrap_or(Value::Missing)
    };
    let sum_float = numbers
        .iter()
        .filter_map(|v| as_float(v))
        .fold(0.0, |s, f| s + f);
    match function {
        HistoryFunction::Count => Value::Int(inside.len() as i64),
        HistoryFunction::Sum if int_field => {
            Value::Int(numbers.iter().fold(0i64, |s, v| match v {
                Value::Int(i) => s.saturating_add(*i),
                _ => s,
            }))
        }
        HistoryFunction::Sum => Value::Float(sum_float),
        HistoryFunction::Min => pick(&|a, b| a < b),
        HistoryFunction::Max => pick(&|a, b| a > b),
        HistoryFunction::Avg if numbers.is_empty() => Value::Missing,
        HistoryFunction::Avg => Value::Float(sum_float / numbers.len() as f64),
        HistoryFunction::Last => events.last().map_or(Value::Missing, |(_, v)| v.clone()),
        HistoryFunction::Since => events.last().map_or(Value::Missing, |(t, _)| {
            Value::Duration(now.saturating_sub(*t))
        }),
    }
}

/// Whether two values are the same to the bit (a NaN sum equal to a NaN sum, `-0.0` not `0.0`),
/// as output would show them.
fn same(a: &Value, b: &Value) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// `state` serialised and read back (through a JSON tree: JSON text does not keep every float
/// exactly, and the stored form is not JSON text).
fn round_trip(state: &HistoryState) -> Option<HistoryState> {
    serde_json::from_value(serde_json::to_value(state).ok()?).ok()
}

/// Reads `state` at `now`, and reads it again after a serde round trip, which must agree.
fn read(state: &HistoryState, history: &History, now: i64, ty: &Type) -> Value {
    let empty: Arc<[Value]> = Arc::from(Vec::new());
    let mut no_key = |_: &[Value]| true;
    let value = state.read(history, now, Some(ty), &empty, &mut no_key);
    assert_eq!(round_trip(state).as_ref(), Some(state));
    value
}

/// Times in clock order from a start near 0, near the end of 4-byte times, or far either side,
/// so that windows switch to 8-byte times midway or start with them.
fn times() -> impl Strategy<Value = Vec<i64>> {
    let start = prop_oneof![
        0i64..1000,
        (u32::MAX as i64 - 5_000)..(u32::MAX as i64),
        -(1i64 << 40)..(1i64 << 40),
        -3_000i64..0,
    ];
    (start, prop::collection::vec(0i64..2_000, 1..24)).prop_map(|(start, steps)| {
        steps
            .iter()
            .scan(start, |t, step| {
                *t += step;
                Some(*t)
            })
            .collect()
    })
}

fn number(int_field: bool) -> BoxedStrategy<Value> {
    let present = if int_field {
        prop_oneof![any::<i64>(), -50i64..50]
            .prop_map(Value::Int)
            .boxed()
    } else {
        prop_oneof![
            any::<f64>().prop_filter("NaN", |f| !f.is_nan()),
            -50.0f64..50.0,
        ]
        .prop_map(Value::Float)
        .boxed()
    };
    prop_oneof![1 => Just(Value::Missing), 4 => present].boxed()
}

fn any_value() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Missing),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>()
            .prop_filter("NaN", |f| !f.is_nan())
            .prop_map(Value::Float),
        ".{0,40}".prop_map(|s| Value::Str(Arc::from(s.as_str()))),
        any::<i64>().prop_map(Value::Time),
        any::<i32>().prop_map(Value::Date),
        any::<u32>().prop_map(Value::Enum),
    ];
    prop_oneof![
        3 => scalar.clone(),
        1 => prop::collection::vec(scalar, 0..4).prop_map(|items| Value::List(items.into())),
    ]
}

fn function() -> impl Strategy<Value = HistoryFunction> {
    prop_oneof![
        Just(HistoryFunction::Count),
        Just(HistoryFunction::Sum),
        Just(HistoryFunction::Min),
        Just(HistoryFunction::Max),
        Just(HistoryFunction::Avg),
        Just(HistoryFunction::Last),
        Just(HistoryFunction::Since),
    ]
}

fn window() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        Just(None),
        (1i64..5_000).prop_map(Some),
        Just(Some(1i64 << 33))
    ]
}

/// Events for a numeric field: times, and an `int` or `float` value (or missing) each.
fn numeric_events() -> impl Strategy<Value = (bool, Vec<(i64, Value)>)> {
    any::<bool>().prop_flat_map(|int_field| {
        times().prop_flat_map(move |times| {
            let n = times.len();
            prop::collection::vec(number(int_field), n)
                .prop_map(move |values| (int_field, times.iter().copied().zip(values).collect()))
        })
    })
}

proptest! {
    /// Every plain aggregate of a numeric field reads as its definition after each event, also
    /// later in time and after a reset.
    #[test]
    fn plain_aggregates_read_as_defined(
        function in function(),
        window in window(),
        (int_field, events) in numeric_events(),
        later in 0i64..10_000,
    ) {
        let history = history(function, window, None);
        let ty = if int_field { Type::Int } else { Type::Float };
        let mut state = HistoryState::new(&history);
        for (i, (at, value)) in events.iter().enumerate() {
            state.add(&history, *at, value);
            let seen = &events[..=i];
            for now in [*at, at + later] {
                let read = read(&state, &history, now, &ty);
                let want = expected(function, window, seen, now, int_field);
                prop_assert!(same(&read, &want), "{:?} read {:?}, expected {:?}", seen, read, want);
            }
        }
        // At the edges of the window: an event exactly `D` old has left it.
        let last = events.last().map_or(0, |(t, _)| *t);
        for (t, _) in &events {
            let edge = t.saturating_add(window.unwrap_or(0));
            for now in [edge - 1, edge, edge + 1].into_iter().filter(|now| *now >= last) {
                let read = read(&state, &history, now, &ty);
                let want = expected(function, window, &events, now, int_field);
                prop_assert!(same(&read, &want), "at {}: read {:?}, expected {:?}", now, read, want);
            }
        }
        state.reset();
        let now = last;
        let want = expected(function, window, &[], now, int_field);
        prop_assert!(same(&read(&state, &history, now, &ty), &want));
    }

    /// `last` keeps a value of any kind (strings, lists, missing) and `since` any time.
    #[test]
    fn the_latest_event_reads_back(
        events in prop::collection::vec((any::<i64>(), any_value()), 1..6),
        now in any::<i64>(),
    ) {
        for function in [HistoryFunction::Last, HistoryFunction::Since] {
            let history = history(function, None, None);
            let mut state = HistoryState::new(&history);
            for (at, value) in &events {
                state.add(&history, *at, value);
            }
            prop_assert_eq!(
                read(&state, &history, now, &Type::String),
                expected(function, None, &events, now, false)
            );
        }
    }

    /// A keyed aggregate hands the filter each group's key record (its length kept, only the
    /// key's fields filled in) and combines the groups whose key passes.
    #[test]
    fn keyed_aggregates_combine_the_groups_that_pass(
        function in function(),
        window in window(),
        times in times(),
        keys in prop::collection::vec(0usize..6, 24),
        values in prop::collection::vec(prop_oneof![1 => Just(Value::Missing), 3 => (-9i64..9).prop_map(Value::Int)], 24),
        passing in prop::collection::vec(any::<bool>(), 6),
    ) {
        let pool = [
            Value::Str(Arc::from("a")),
            Value::Str(Arc::from("ü-long enough to need bytes of its own")),
            Value::List(vec![Value::Str(Arc::from("a")), Value::Int(-1)].into()),
            Value::List(Vec::new().into()),
            Value::Missing,
            Value::Float(-0.5),
        ];
        let history = history(function, window, Some(vec![0]));
        let empty: Arc<[Value]> = Arc::from(Vec::new());
        let mut state = HistoryState::new(&history);
        let mut events = Vec::new();
        for (i, at) in times.iter().enumerate() {
            let key = &pool[keys[i]];
            let record = [key.clone(), values[i].clone(), Value::Str(Arc::from("not in the key"))];
            state.add_keyed(&history, *at, &record, &values[i], &empty);
            events.push((*at, keys[i], values[i].clone()));
            let now = *at;
            let mut bad_key = None;
            let mut holds = |key: &[Value]| {
                if key.len() != 3 || !key[1].is_missing() || !key[2].is_missing() {
                    bad_key = Some(key.to_vec());
                }
                pool.iter().position(|k| *k == key[0]).is_some_and(|k| passing[k])
            };
            let read = state.read(&history, now, Some(&Type::Int), &empty, &mut holds);
            prop_assert_eq!(bad_key, None);
            let passed: Vec<(i64, Value)> = events
                .iter()
                .filter(|(_, k, _)| passing[*k])
                .map(|(t, _, v)| (*t, v.clone()))
                .collect();
            prop_assert_eq!(read, expected(function, window, &passed, now, true));
        }
        prop_assert_eq!(round_trip(&state), Some(state));
    }
}

#[test]
fn a_window_keeps_four_byte_times_until_one_does_not_fit() {
    let history = history(HistoryFunction::Sum, Some(1 << 40), None);
    let mut state = HistoryState::new(&history);
    state.add(&history, 5, &Value::Int(1));
    state.add(&history, 6, &Value::Missing);
    assert!(matches!(&state, HistoryState::Window(events) if events.len() == 1));
    let late = i64::from(u32::MAX) + 1;
    state.add(&history, late, &Value::Int(2));
    assert!(matches!(&state, HistoryState::WideWindow(events) if events.len() == 2));
    assert_eq!(read(&state, &history, late, &Type::Int), Value::Int(3));
    state.reset();
    assert!(matches!(&state, HistoryState::Window(events) if events.is_empty()));

    let count = self::history(HistoryFunction::Count, Some(10), None);
    let mut state = HistoryState::new(&count);
    state.add(&count, -1, &Value::Missing);
    assert!(matches!(&state, HistoryState::WideTimes(times) if times.len() == 1));
    state.add(&count, 3, &Value::Missing);
    assert_eq!(read(&state, &count, 3, &Type::Int), Value::Int(2));
    assert_eq!(read(&state, &count, 9, &Type::Int), Value::Int(1));
}

/// Contacts for a program whose two journeys bind events (`first` and `second` in `j1`,
/// `other` in `j2`), or `None` when it does not compile.
fn contacts_with_bindings() -> Option<(journey_ir::Program, super::super::Contacts)> {
    let source = r#"
event e { s: string?  tags: list<string>?  n: int?  f: float? }
journey j1 {
  enter on e as first
  wait for e as second within 1d {
    wait 1h
  }
}
journey j2 {
  enter on e as other
  wait 1h
}
"#;
    let mut sources = journey_syntax::SourceMap::new();
    sources.add("bindings.journey", source.to_owned());
    let analysis = journey_check::check(&sources);
    assert!(!analysis.has_errors(), "the test program checks");
    let program = journey_ir::lower(&analysis).ok()?;
    let contacts = super::super::Contacts::new(&program);
    Some((program, contacts))
}

proptest! {
    /// A bound record reads back field by field (strings, lists, missing, any number), each
    /// binding its own, until its journey's bindings are forgotten.
    #[test]
    fn bound_records_read_back_until_forgotten(
        s in prop::option::of(".{0,30}"),
        tags in prop::option::of(prop::collection::vec(".{0,8}", 0..4)),
        n in prop::option::of(any::<i64>()),
        f in prop::option::of(any::<f64>().prop_filter("NaN", |f| !f.is_nan())),
    ) {
        let Some((program, mut contacts)) = contacts_with_bindings() else {
            return Err(TestCaseError::fail("the test program lowers"));
        };
        let fields = program.events[0].fields.len();
        let mut record = vec![Value::Missing; fields];
        let mut put = |name: &str, value: Option<Value>| {
            if let (Some(slot), Some(value)) = (program.events[0].slot(name), value) {
                record[slot as usize] = value;
            }
        };
        put("s", s.map(|s| Value::Str(Arc::from(s.as_str()))));
        put("tags", tags.map(|t| {
            Value::List(t.iter().map(|s| Value::Str(Arc::from(s.as_str()))).collect())
        }));
        put("n", n.map(Value::Int));
        put("f", f.map(Value::Float));
        let other: Vec<Value> = record.iter().map(|_| Value::Int(-7)).collect();
        let c = contacts.add("u1", &[], 0);
        let (j1, j2) = (journey_ir::JourneyId(0), journey_ir::JourneyId(1));
        contacts.bind(c, j1, 1, &record);
        contacts.bind(c, j2, 0, &other);
        for slot in 0..fields as u32 + 1 {
            let want = record.get(slot as usize).cloned().unwrap_or(Value::Missing);
            prop_assert_eq!(contacts.binding_field(c, j1, 1, slot), want);
            prop_assert_eq!(contacts.binding_field(c, j1, 0, slot), Value::Missing);
            let want = other.get(slot as usize).cloned().unwrap_or(Value::Missing);
            prop_assert_eq!(contacts.binding_field(c, j2, 0, slot), want);
        }
        let saved: Option<super::super::Contacts> =
            serde_json::from_value(serde_json::to_value(&contacts).ok().unwrap_or_default()).ok();
        let back = saved.map(|mut saved| saved.adopt(&program).map(|()| saved));
        let Some(Ok(back)) = back else {
            return Err(TestCaseError::fail("the contacts read back"));
        };
        for slot in 0..fields as u32 {
            prop_assert_eq!(
                back.binding_field(c, j1, 1, slot),
                contacts.binding_field(c, j1, 1, slot)
            );
        }
        contacts.forget_bindings(c, j1);
        for slot in 0..fields as u32 {
            prop_assert_eq!(contacts.binding_field(c, j1, 1, slot), Value::Missing);
            let want = other.get(slot as usize).cloned().unwrap_or(Value::Missing);
            prop_assert_eq!(contacts.binding_field(c, j2, 0, slot), want);
        }
        contacts.forget_bindings(c, j2);
        prop_assert!(contacts.side(c).is_none(), "no side storage is left");
    }
}
