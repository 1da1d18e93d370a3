#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Data-driven tests of `journey_runtime::clock` from `tests/clock/cases.txt`.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use journey_ir::{ClockTime, ClockZone, QuietHours};
use journey_runtime::clock::{
    local_hour, next_at_or_after, next_hour_start, next_scheduled, quiet_until, zone_of, Schedule,
};

const CASES: &str = include_str!("../../tests/clock/cases.txt");

/// Seconds of an RFC 3339 instant.
fn instant(s: &str) -> Result<i64, String> {
    s.parse::<Timestamp>()
        .map(|ts| ts.as_second())
        .map_err(|e| format!("bad instant {s:?}: {e}"))
}

/// `none` or an instant.
fn maybe_instant(s: &str) -> Result<Option<i64>, String> {
    if s == "none" {
        Ok(None)
    } else {
        instant(s).map(Some)
    }
}

/// A zone token: `-` for a missing `profile.timezone`.
fn zone(s: &str) -> TimeZone {
    zone_of((s != "-").then_some(s))
}

/// `HH:MM` as `(hour, minute)`.
fn hh_mm(s: &str) -> Result<(u8, u8), String> {
    let (h, m) = s.split_once(':').ok_or(format!("bad time {s:?}"))?;
    let h = h.parse().map_err(|_| format!("bad hour in {s:?}"))?;
    let m = m.parse().map_err(|_| format!("bad minute in {s:?}"))?;
    Ok((h, m))
}

/// `local` or `utc`.
fn clock_zone(s: &str) -> Result<ClockZone, String> {
    match s {
        "local" => Ok(ClockZone::Local),
        "utc" => Ok(ClockZone::Utc),
        _ => Err(format!("bad clock {s:?}")),
    }
}

/// `HH:MM` and a clock.
fn clock_time(time: &str, zone: &str) -> Result<ClockTime, String> {
    let (hour, minute) = hh_mm(time)?;
    Ok(ClockTime {
        hour,
        minute,
        zone: clock_zone(zone)?,
    })
}

/// An instant for failure messages: UTC and in the case's zone.
fn show(t: Option<i64>, tz: &TimeZone) -> String {
    match t.map(Timestamp::from_second) {
        None => "none".to_string(),
        Some(Ok(ts)) => format!("{ts} ({})", ts.to_zoned(tz.clone())),
        Some(Err(_)) => "out of range".to_string(),
    }
}

/// Compare two optional instants.
fn check(actual: Option<i64>, expected: Option<i64>, tz: &TimeZone) -> Result<(), String> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!(
            "got {}, expected {}",
            show(actual, tz),
            show(expected, tz)
        ))
    }
}

/// Run one case line.
fn run(line: &str) -> Result<(), String> {
    let (inputs, expected) = line.split_once("=>").ok_or("no `=>`")?;
    let expected = expected.trim();
    let args: Vec<&str> = inputs.split_whitespace().collect();
    match args.as_slice() {
        ["next_at_or_after", t, time, clock, z] => {
            let tz = zone(z);
            let actual = next_at_or_after(instant(t)?, clock_time(time, clock)?, &tz);
            check(Some(actual), Some(instant(expected)?), &tz)
        }
        ["next_scheduled", after, schedule, time, clock, z] => {
            let tz = zone(z);
            let (schedule, date) = match schedule.split_once(':') {
                None if *schedule == "daily" => (Schedule::Daily, None),
                Some(("weekly", n)) => (
                    Schedule::Weekly(n.parse().map_err(|_| "bad weekday")?),
                    None,
                ),
                Some(("monthly", n)) => {
                    (Schedule::Monthly(n.parse().map_err(|_| "bad day")?), None)
                }
                Some(("yearly", "-")) => (Schedule::Yearly, None),
                Some(("yearly", d)) => (
                    Schedule::Yearly,
                    Some(
                        d.parse::<Date>()
                            .map_err(|e| format!("bad date {d:?}: {e}"))?,
                    ),
                ),
                _ => return Err(format!("bad schedule {schedule:?}")),
            };
            let actual = next_scheduled(
                instant(after)?,
                schedule,
                clock_time(time, clock)?,
                &tz,
                date,
            );
            check(actual, maybe_instant(expected)?, &tz)
        }
        ["quiet_until", t, window, clock, z] => {
            let tz = zone(z);
            let (from, to) = window.split_once('-').ok_or("bad window")?;
            let minutes = |s| hh_mm(s).map(|(h, m)| u32::from(h) * 60 + u32::from(m));
            let quiet = QuietHours {
                from: minutes(from)?,
                to: minutes(to)?,
                zone: clock_zone(clock)?,
            };
            check(
                quiet_until(instant(t)?, quiet, &tz),
                maybe_instant(expected)?,
                &tz,
            )
        }
        ["local_hour", t, z] => {
            let actual = local_hour(instant(t)?, &zone(z));
            let expected: u8 = expected.parse().map_err(|_| "bad hour")?;
            if actual == expected {
                Ok(())
            } else {
                Err(format!("got {actual}, expected {expected}"))
            }
        }
        ["next_hour_start", t, hour, z] => {
            let tz = zone(z);
            let hour = hour.parse().map_err(|_| "bad hour")?;
            let actual = next_hour_start(instant(t)?, hour, &tz);
            check(Some(actual), Some(instant(expected)?), &tz)
        }
        ["zone_of", name] => {
            let actual = zone(name);
            let actual = actual.iana_name().unwrap_or("<no name>");
            if actual == expected {
                Ok(())
            } else {
                Err(format!("got {actual}, expected {expected}"))
            }
        }
        _ => Err("unknown function or wrong number of arguments".to_string()),
    }
}

#[test]
fn cases() {
    let mut count = 0;
    let mut failures = Vec::new();
    for (number, line) in CASES.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        count += 1;
        if let Err(why) = run(line) {
            failures.push(format!("cases.txt:{}: {line}\n    {why}", number + 1));
        }
    }
    assert!(count >= 40, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} clock cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
