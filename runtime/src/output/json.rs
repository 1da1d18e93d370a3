//! Action records as JSON lines: keys in a fixed order, values typed by the program, times as
//! RFC 3339.

use std::fmt::Write as _;

use journey_ir::eval::Value;
use journey_ir::{Program, Type};

use super::{Action, ActionKind, Payload};

impl Action<'_> {
    /// The record as one line of JSON, without the newline.
    pub fn to_json(&self, program: &Program) -> String {
        let mut out = String::with_capacity(192);
        self.write_json(program, &mut out);
        out
    }

    /// Appends the record as one line of JSON, without the newline, to `out`.
    pub fn write_json(&self, program: &Program, out: &mut String) {
        out.push_str("{\"at\":\"");
        push_instant(out, self.at);
        out.push('"');
        out.push_str(",\"contact\":");
        push_str(out, self.contact);
        out.push_str(",\"journey\":");
        push_str(out, self.journey);
        out.push_str(",\"action\":");
        push_str(out, self.kind.name());
        let payload = |out: &mut String, data: &Payload| {
            out.push_str(",\"data\":{");
            for (i, (key, value, ty)) in data.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str(out, key);
                out.push(':');
                push_value(out, value, ty, program);
            }
            out.push('}');
        };
        match &self.kind {
            ActionKind::Send {
                channel,
                template,
                data,
            } => {
                push_key(out, "channel", channel.as_str());
                push_key(out, "template", template);
                payload(out, data);
            }
            ActionKind::Suppressed {
                channel,
                template,
                data,
                reason,
            } => {
                push_key(out, "channel", channel.as_str());
                push_key(out, "template", template);
                payload(out, data);
                push_key(out, "reason", reason.as_str());
            }
            ActionKind::Notify {
                team,
                template,
                data,
            } => {
                push_key(out, "team", team);
                push_key(out, "template", template);
                payload(out, data);
            }
            ActionKind::Goal { goal } => push_key(out, "goal", goal),
            ActionKind::Set { field, value, ty } => {
                push_key(out, "field", field);
                out.push_str(",\"value\":");
                push_value(out, value, ty, program);
            }
            ActionKind::Tag { tag, .. } => push_key(out, "tag", tag),
        }
        let _ = write!(out, ",\"id\":\"{:032x}\"", self.id);
        out.push('}');
    }
}

/// An instant as RFC 3339 UTC with seconds: `2026-01-05T10:00:00Z`. Time arithmetic saturates
/// (`now + 1s * N` for a huge `N`), so an instant may lie beyond what the time library
/// represents: it is clamped to the nearest representable instant (reference §8), so that every
/// time in an action record is RFC 3339.
pub fn format_instant(seconds: i64) -> String {
    let mut out = String::with_capacity(20);
    push_instant(&mut out, seconds);
    out
}

/// Appends an instant as [`format_instant`] writes it.
fn push_instant(out: &mut String, seconds: i64) {
    // jiff's own printer where it writes the same (a whole second prints no fraction), rather
    // than `strftime`, whose format string is interpreted on every call; before year 0 the
    // printer writes six-digit years, and `strftime` is kept for those.
    const YEAR_ZERO: i64 = -62_167_219_200;
    let seconds = seconds.clamp(
        jiff::Timestamp::MIN.as_second(),
        jiff::Timestamp::MAX.as_second(),
    );
    let ts = jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let _ = if seconds >= YEAR_ZERO {
        write!(out, "{ts}")
    } else {
        write!(out, "{}", ts.strftime("%Y-%m-%dT%H:%M:%SZ"))
    };
}

/// A date as `YYYY-MM-DD`, from days since 1970-01-01, clamped like [`format_instant`] to the
/// dates the time library represents.
pub fn format_date(days: i32) -> String {
    let epoch = jiff::civil::date(1970, 1, 1);
    let span = |date: jiff::civil::Date| epoch.until(date).map_or(0, |s| s.get_days());
    let days = days.clamp(span(jiff::civil::Date::MIN), span(jiff::civil::Date::MAX));
    epoch
        .checked_add(jiff::Span::new().days(i64::from(days)))
        .map(|d| d.to_string())
        .unwrap_or_else(|_| days.to_string())
}

fn push_key(out: &mut String, key: &str, value: &str) {
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":");
    push_str(out, value);
}

/// A JSON string literal.
fn push_str(out: &mut String, s: &str) {
    out.push('"');
    // Runs of bytes that need no escape are copied whole; every byte that does is ASCII, so
    // the runs end on character boundaries.
    let mut run = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// A value as JSON text, typed by the program, as action records write it (enum names,
/// dates and times as strings, a missing value as `null`).
pub fn value_json(value: &Value, ty: &Type, program: &Program) -> String {
    let mut out = String::new();
    push_value(&mut out, value, ty, program);
    out
}

/// A value as JSON, typed by the program (enum names, dates, times).
fn push_value(out: &mut String, value: &Value, ty: &Type, program: &Program) {
    let ty = ty.unwrap_optional();
    match value {
        Value::Missing => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(v) | Value::Duration(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Float(v) if v.is_finite() => {
            // serde_json's float form: shortest round-trip text, always with a fraction or exponent.
            out.push_str(&serde_json::Value::from(*v).to_string());
        }
        Value::Float(_) => out.push_str("null"),
        Value::Str(s) => push_str(out, s),
        Value::Time(t) => push_str(out, &format_instant(*t)),
        Value::Date(d) => push_str(out, &format_date(*d)),
        Value::Enum(variant) => {
            let name = match ty {
                Type::Enum(id) => program
                    .enums
                    .get(id.0 as usize)
                    .and_then(|names| names.get(*variant as usize)),
                _ => None,
            };
            match name {
                Some(name) => push_str(out, name),
                None => {
                    let _ = write!(out, "{variant}");
                }
            }
        }
        Value::List(items) => {
            let element = match ty {
                Type::List(element) => element.as_ref(),
                other => other,
            };
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_value(out, item, element, program);
            }
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use super::{format_date, format_instant, push_str};

    /// The printer writes what `%Y-%m-%dT%H:%M:%SZ` does, across jiff's whole range.
    #[test]
    fn instants_print_as_rfc_3339_with_seconds() {
        let (min, max) = (
            jiff::Timestamp::MIN.as_second(),
            jiff::Timestamp::MAX.as_second(),
        );
        let mut seconds = vec![
            min,
            max,
            0,
            -1,
            -62_167_219_201,
            -62_167_219_200,
            951_782_400,
            1_767_225_600,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seconds.push(min + (x % (max - min) as u64) as i64);
        }
        for s in seconds {
            let ts = jiff::Timestamp::from_second(s).expect("in range");
            assert_eq!(
                format_instant(s),
                ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "{s}"
            );
        }
        assert_eq!(format_instant(1_767_225_600), "2026-01-01T00:00:00Z");
        // Saturated arithmetic prints the nearest instant there is, never digits.
        assert_eq!(format_instant(i64::MAX), "9999-12-30T22:00:00Z");
        assert_eq!(format_instant(i64::MIN), "-9999-01-02T01:59:59Z");
        assert_eq!(format_date(i32::MAX), "9999-12-31");
        assert_eq!(format_date(i32::MIN), "-009999-01-01");
    }

    /// Every string, escaped, reads back as itself, and only what JSON requires is escaped.
    #[test]
    fn strings_escape_to_json_that_reads_back() {
        let cases = [
            "",
            "plain",
            "quote \" and backslash \\",
            "lines\nand\rreturns\tand tabs",
            "\u{0}\u{1}\u{1f} controls",
            "ünïcödé → 日本語 🎉",
            "\"",
            "ends with \\",
            "é\"é",
        ];
        for case in cases {
            let mut out = String::new();
            push_str(&mut out, case);
            let back: String = serde_json::from_str(&out).expect("valid JSON");
            assert_eq!(back, case, "{out}");
            let escaped = out.len() - case.len() - 2;
            let needed = case
                .bytes()
                .map(|b| match b {
                    b'"' | b'\\' | b'\n' | b'\r' | b'\t' => 1,
                    0..=0x1f => 5,
                    _ => 0,
                })
                .sum::<usize>();
            assert_eq!(escaped, needed, "{out}");
        }
    }
}
