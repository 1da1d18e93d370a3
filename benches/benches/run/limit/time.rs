//! The limit's reading of time: the stream's timestamps as seconds since the epoch, and the
//! generator's time zones as fixed offsets.

use super::{DAY, HOUR};

/// Standard-time offsets of the generator's zones (daylight saving time is ignored).
pub(super) fn offset_of(zone: &str) -> i64 {
    match zone {
        "America/New_York" => -5 * HOUR,
        "America/Chicago" => -6 * HOUR,
        "America/Los_Angeles" => -8 * HOUR,
        "Europe/Berlin" => HOUR,
        "Asia/Tokyo" => 9 * HOUR,
        "Australia/Sydney" => 11 * HOUR,
        _ => 0,
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` to seconds since the epoch.
pub(super) fn parse_instant(b: &[u8]) -> Option<i64> {
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * DAY + hh * HOUR + mm * 60 + ss)
}
