//! The queue against a model: a list of every timer with its creation number, from which the
//! earliest due time's timers are taken in creation order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use journey_ir::JourneyId;
use proptest::prelude::*;

use super::{Timer, TimerKind, Timers, NO_CONTACT};

/// One step of a generated run.
#[derive(Clone, Debug)]
enum Op {
    /// Set a timer this many seconds after the clock (with a kind and journey).
    Push {
        after: i64,
        journey: u32,
        contact: u32,
        kind: u8,
    },
    /// Move the clock forward and take every due bucket.
    Advance(i64),
    /// Serialise and read the queue back.
    Reload,
}

fn op() -> impl Strategy<Value = Op> {
    // Delays mix the same second, minutes, days, years, and far beyond the wheel's range.
    let after = prop_oneof![
        Just(0i64),
        0i64..120,
        0i64..100_000,
        0i64..40_000_000,
        Just(i64::MAX / 2),
        (1i64 << 32)..(1i64 << 33),
    ];
    let journey = prop_oneof![0u32..4, Just(70_000u32)];
    prop_oneof![
        6 => (after, journey, 0u32..5, 0u8..5).prop_map(|(after, journey, contact, kind)| Op::Push {
            after,
            journey,
            contact,
            kind
        }),
        3 => prop_oneof![0i64..5, 0i64..200, 0i64..200_000, 0i64..100_000_000].prop_map(Op::Advance),
        1 => Just(Op::Reload),
    ]
}

fn kind(code: u8, clock: i64, n: u32) -> TimerKind {
    match code {
        0 => TimerKind::Resume(n),
        1 => TimerKind::Inactive(clock),
        2 => TimerKind::Scheduled(n),
        3 => TimerKind::Once,
        _ => TimerKind::Zone(n),
    }
}

/// The model's timers: due time, creation number, timer.
type Model = Vec<(i64, u64, Timer)>;

/// Takes every bucket due by `now` from both, and checks they agree.
fn take(timers: &mut Timers, model: &mut Model, now: i64) -> Result<(), TestCaseError> {
    let mut bucket = Vec::new();
    loop {
        let expected_due = model
            .iter()
            .map(|(due, _, _)| *due)
            .filter(|due| *due <= now)
            .min();
        let got = timers.take_due(now, &mut bucket);
        prop_assert_eq!(got, expected_due);
        let Some(due) = got else { break };
        let mut expected: Vec<(u64, Timer)> = model
            .iter()
            .filter(|(d, _, _)| *d == due)
            .map(|(_, n, t)| (*n, t.clone()))
            .collect();
        expected.sort_by_key(|(n, _)| *n);
        let expected: Vec<Timer> = expected.into_iter().map(|(_, t)| t).collect();
        prop_assert_eq!(&bucket, &expected);
        model.retain(|(d, _, _)| *d != due);
    }
    prop_assert_eq!(timers.len(), model.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn fires_like_the_model(
        start in -5_000_000_000i64..5_000_000_000,
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        let mut timers = Timers::default();
        let mut model: Model = Vec::new();
        let mut clock = start;
        let mut created = 0u64;
        for op in ops {
            match op {
                Op::Push { after, journey, contact, kind: code } => {
                    let due = clock.saturating_add(after);
                    let contact = if code == 3 { NO_CONTACT } else { contact };
                    let timer = Timer {
                        journey: JourneyId(journey),
                        contact,
                        kind: kind(code, clock, created as u32),
                    };
                    timers.push(due, timer.journey, timer.contact, timer.kind);
                    model.push((due, created, timer));
                    created += 1;
                }
                Op::Advance(by) => {
                    clock = clock.saturating_add(by);
                    take(&mut timers, &mut model, clock)?;
                }
                Op::Reload => {
                    let text = serde_json::to_string(&timers).unwrap();
                    timers = serde_json::from_str(&text).unwrap();
                    let mut expected = model.clone();
                    expected.sort_by_key(|(due, n, _)| (*due, *n));
                    let expected: Vec<(i64, Timer)> =
                        expected.into_iter().map(|(d, _, t)| (d, t)).collect();
                    prop_assert_eq!(timers.iter(), expected);
                }
            }
        }
        take(&mut timers, &mut model, i64::MAX)?;
        prop_assert!(timers.is_empty());
    }
}

#[test]
fn a_timer_fits_in_sixteen_bytes() {
    assert_eq!(std::mem::size_of::<super::Slim>(), 16);
}
