//! Calendar arithmetic of the runtime: times of day, schedules, quiet hours and best hours.
//!
//! Every instant is UTC epoch seconds (`i64`); every calendar and time-zone computation is done by
//! `jiff` with its bundled tz database. A contact's zone is a [`TimeZone`] from
//! `profile.timezone` ([`zone_of`]); a [`ClockTime`] or [`QuietHours`] on the `utc` clock ignores it.
//!
//! # Daylight saving time
//!
//! - **Gap** (spring forward): a local time that does not exist resolves as jiff's `compatible`
//!   disambiguation, i.e. with the offset in force before the gap, which shifts it forward by the
//!   gap's length (`02:30` on a day where `02:00` jumps to `03:00` resolves to `03:30`).
//! - **Fold** (fall back): an ambiguous local time resolves to the earlier of its two instants.
//! - **Schedules** ([`next_scheduled`]) fire exactly once per local day: the resolved instant of
//!   that day's time, never the second instant of a fold.
//! - **Waiting for a time of day** ([`next_at_or_after`], [`next_hour_start`]) returns the first
//!   instant at or after `t` at which the clock shows that time: before a fold that is the earlier
//!   instant; from inside the fold (after the first showing) it is the second showing, an hour
//!   later, rather than the next day. A time in a gap resolves as above.
//! - **Quiet hours** ([`quiet_until`]) are read on the clock: `t` is quiet when its local time of
//!   day lies in `[from, to)`. The window ends at the first later instant whose local time of day is
//!   outside it: normally the next showing of `to`, but when a gap jumps the clock over `to`, the
//!   end of the gap (the clock never shows `to` that night).
//!
//! # Calendar clamping
//!
//! - Monthly on day `d`: in a month shorter than `d` days, its last day (day 31 fires on
//!   Feb 28 or 29, Apr 30, ...).
//! - Yearly on a date: that date's month and day each year; Feb 29 in a non-leap year is Feb 28.
//!
//! Instants outside jiff's range (years -9999 to 9999) are never produced: functions returning an
//! instant give back `t` unchanged (or `None`) in that case.

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ToSpan};
use journey_ir::{Calendar, ClockTime, ClockZone, QuietHours};

/// A recurrence rule: [`Calendar`] without the profile slot of `Yearly`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Every day.
    Daily,
    /// One weekday, 0 = Monday … 6 = Sunday.
    Weekly(u8),
    /// One day of the month, 1..=31, clamped to the month's last day.
    Monthly(u8),
    /// Each year on the month and day of the contact's date (see [`next_scheduled`]).
    Yearly,
}

impl From<&Calendar> for Schedule {
    fn from(calendar: &Calendar) -> Self {
        match calendar {
            Calendar::Daily => Schedule::Daily,
            Calendar::Weekly(day) => Schedule::Weekly(*day),
            Calendar::Monthly(day) => Schedule::Monthly(*day),
            Calendar::Yearly(_) => Schedule::Yearly,
        }
    }
}

/// The contact's zone from `profile.timezone`: UTC when missing or not an IANA zone name.
pub fn zone_of(name: Option<&str>) -> TimeZone {
    name.and_then(|name| TimeZone::get(name).ok())
        .unwrap_or(TimeZone::UTC)
}

/// The hour (0–23) that the clock of `tz` shows at `t` (0 if `t` is out of range).
pub fn local_hour(t: i64, tz: &TimeZone) -> u8 {
    Timestamp::from_second(t)
        .ok()
        .and_then(|ts| u8::try_from(tz.to_datetime(ts).hour()).ok())
        .unwrap_or(0)
}

/// The first instant `>= t` at which the clock shows `at` (exactly `t` if it shows it at `t`).
///
/// See the module docs for gaps and folds; an invalid `at` (hour > 23 or minute > 59) returns `t`.
pub fn next_at_or_after(t: i64, at: ClockTime, tz: &TimeZone) -> i64 {
    let tz = clock(at.zone, tz);
    time_of(at.hour, at.minute)
        .and_then(|time| next_showing(t, time, &tz))
        .unwrap_or(t)
}

/// The first instant `>= t` at which the local clock shows `hour:00` (best_time's wait).
///
/// Same rules as [`next_at_or_after`] on the local clock; an hour above 23 returns `t`.
pub fn next_hour_start(t: i64, hour: u8, tz: &TimeZone) -> i64 {
    let at = ClockTime {
        hour,
        minute: 0,
        zone: ClockZone::Local,
    };
    next_at_or_after(t, at, tz)
}

/// The first occurrence strictly after `after` of `schedule` at the time of day `at`.
///
/// `date` is the profile date of a `Yearly` schedule (ignored otherwise). `None` when a yearly
/// schedule has no date, the weekday is above 6, the day of the month is 0 or above 31, `at` is
/// invalid, or the result is out of range. Fires once per local day (see the module docs).
pub fn next_scheduled(
    after: i64,
    schedule: Schedule,
    at: ClockTime,
    tz: &TimeZone,
    date: Option<Date>,
) -> Option<i64> {
    let tz = clock(at.zone, tz);
    let time = time_of(at.hour, at.minute)?;
    // Start one local day early so that no occurrence near `after` is missed, then take the
    // earliest resolved instant strictly after `after` among a range sure to contain one.
    let start = tz
        .to_datetime(Timestamp::from_second(after).ok()?)
        .date()
        .yesterday()
        .ok()?;
    let dates: Vec<Date> = match schedule {
        Schedule::Daily => days(start, 4),
        Schedule::Weekly(day) => {
            let weekday = Weekday::from_monday_zero_offset(i8::try_from(day).ok()?).ok()?;
            days(start, 10)
                .into_iter()
                .filter(|d| d.weekday() == weekday)
                .collect()
        }
        Schedule::Monthly(day) => {
            if !(1..=31).contains(&day) {
                return None;
            }
            let first = start.first_of_month();
            (0..4)
                .filter_map(|n| first.checked_add(n.months()).ok())
                .filter_map(|month| clamped(month.year(), month.month(), day))
                .collect()
        }
        Schedule::Yearly => {
            let date = date?;
            let day = u8::try_from(date.day()).ok()?;
            (0..4)
                .filter_map(|n| clamped(start.year().checked_add(n)?, date.month(), day))
                .collect()
        }
    };
    dates
        .into_iter()
        .filter_map(|d| resolve(d.to_datetime(time), &tz))
        .filter(|&instant| instant > after)
        .min()
}

/// If `t` is inside the quiet window `[from, to)` on its clock, the instant the window ends.
///
/// Windows may cross midnight (`21:00` to `08:00`); `from == to` is an empty window, and bounds
/// past 23:59 make the window empty too. See the module docs for DST.
pub fn quiet_until(t: i64, quiet: QuietHours, tz: &TimeZone) -> Option<i64> {
    const DAY: u32 = 24 * 60;
    if quiet.from == quiet.to || quiet.from >= DAY || quiet.to >= DAY {
        return None;
    }
    let tz = clock(quiet.zone, tz);
    let inside = |ts: Timestamp| {
        let dt = tz.to_datetime(ts);
        let second = |minutes: u32| i64::from(minutes) * 60;
        let now =
            i64::from(dt.hour()) * 3600 + i64::from(dt.minute()) * 60 + i64::from(dt.second());
        if quiet.from < quiet.to {
            second(quiet.from) <= now && now < second(quiet.to)
        } else {
            second(quiet.from) <= now || now < second(quiet.to)
        }
    };
    let start = Timestamp::from_second(t).ok()?;
    if !inside(start) {
        return None;
    }
    let to = time_of(
        u8::try_from(quiet.to / 60).ok()?,
        u8::try_from(quiet.to % 60).ok()?,
    )?;
    let end = next_showing(t, to, &tz)?;
    // Between `t` and `end` the clock only leaves the window by jumping out at a transition.
    for transition in tz.following(start) {
        let at = transition.timestamp();
        if at.as_second() >= end {
            break;
        }
        if !inside(at) {
            return Some(at.as_second());
        }
    }
    Some(end)
}

/// The clock that a [`ClockZone`] names for a contact in `tz`.
fn clock(zone: ClockZone, tz: &TimeZone) -> TimeZone {
    match zone {
        ClockZone::Local => tz.clone(),
        ClockZone::Utc => TimeZone::UTC,
    }
}

/// `hour:minute:00`, if valid.
fn time_of(hour: u8, minute: u8) -> Option<Time> {
    Time::new(i8::try_from(hour).ok()?, i8::try_from(minute).ok()?, 0, 0).ok()
}

/// `count` consecutive days from `start`.
fn days(start: Date, count: usize) -> Vec<Date> {
    start.series(1.day()).take(count).collect()
}

/// `day` of `month` in `year`, clamped to the month's last day.
fn clamped(year: i16, month: i8, day: u8) -> Option<Date> {
    let first = Date::new(year, month, 1).ok()?;
    let day = i8::try_from(day).ok()?.min(first.days_in_month());
    Date::new(year, month, day).ok()
}

/// A local date and time as an instant: `compatible` (gap: shifted forward; fold: earlier).
fn resolve(dt: DateTime, tz: &TimeZone) -> Option<i64> {
    tz.to_ambiguous_timestamp(dt)
        .compatible()
        .ok()
        .map(|ts| ts.as_second())
}

/// The first instant `>= t` at which the clock of `tz` shows `time` (both showings of a fold).
fn next_showing(t: i64, time: Time, tz: &TimeZone) -> Option<i64> {
    let start = tz
        .to_datetime(Timestamp::from_second(t).ok()?)
        .date()
        .yesterday()
        .ok()?;
    days(start, 4)
        .into_iter()
        .flat_map(|date| {
            let ambiguous = tz.to_ambiguous_timestamp(date.to_datetime(time));
            let second = match ambiguous.offset() {
                AmbiguousOffset::Fold { .. } => ambiguous.later().ok(),
                AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Gap { .. } => None,
            };
            [ambiguous.compatible().ok(), second]
        })
        .flatten()
        .map(|ts| ts.as_second())
        .filter(|&instant| instant >= t)
        .min()
}
