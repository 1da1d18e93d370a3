//! Bounds against hostile input, and the reasons for lines the JSON parser stops on.
//!
//! A line longer than [`Limits::max_line_bytes`], nested deeper than [`MAX_DEPTH`] or with more
//! than [`Limits::max_properties`] keys in `properties` or `traits` is rejected with a reason of
//! its own, never read whole into memory by the decoder and never a crash. A number that is valid
//! JSON but beyond every type (`1e400`) is `out_of_range` with the property that holds it, not
//! "not JSON".

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::RejectReason;

/// How deep arrays and objects may nest, the line's own object included. Skipped values need no
/// stack, but a limit keeps what a line may be the same for values read and values skipped (the
/// JSON parser's own recursion limit, 128, is deeper).
pub const MAX_DEPTH: usize = 64;

/// Whether arrays and objects nest deeper than [`MAX_DEPTH`] anywhere in `line`.
pub(super) fn too_deep(line: &[u8]) -> bool {
    // Few lines have that many brackets at all: counting them is one cheap pass, and only
    // those lines are scanned for their depth.
    let brackets = line.iter().filter(|&&b| b == b'[' || b == b'{').count();
    if brackets <= MAX_DEPTH {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in line {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The decoder's bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest line accepted, in bytes (without its terminator).
    pub max_line_bytes: usize,
    /// The most keys `properties` or `traits` may have.
    pub max_properties: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_line_bytes: 1 << 20,
            max_properties: 1_000,
        }
    }
}

/// Whether a parser error is a number beyond `f64` (serde_json says so in its message only).
pub(super) fn is_number_out_of_range(error: &impl fmt::Display) -> bool {
    error.to_string().starts_with("number out of range")
}

/// The reason for a line the parser stopped on: `path` is the property the decoder was reading
/// when the parser found a number out of range, if it was reading one.
pub(super) fn classify(
    text: &str,
    error: &serde_json::Error,
    path: Option<Box<str>>,
) -> RejectReason {
    let message = error.to_string();
    if message.starts_with("recursion limit exceeded") {
        return RejectReason::TooDeep;
    }
    if !is_number_out_of_range(error) {
        return RejectReason::NotJson(message);
    }
    // The parser stops at the first number it cannot hold; the line may still be broken
    // further on. Skipping values reads numbers without converting them, so this tells.
    if let Err(syntax) = serde_json::from_str::<IgnoredAny>(text) {
        return RejectReason::NotJson(syntax.to_string());
    }
    // The parser's column is the number's last byte or the one after it.
    let end = error.column().min(text.len());
    RejectReason::OutOfRange {
        name: path.map_or_else(|| key_at(text, end), String::from),
        value: number_before(text, end).to_owned(),
        range: "a number beyond a 64-bit float (about 1.8e308)",
    }
}

/// The number that ends at (or just before) byte `end`, as written.
fn number_before(text: &str, end: usize) -> &str {
    let is_number = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-');
    let bytes = text.as_bytes();
    let mut end = end.min(bytes.len());
    while end > 0 && !is_number(bytes[end - 1]) {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_number(bytes[start - 1]) {
        start -= 1;
    }
    text.get(start..end).unwrap_or("")
}

/// The top-level key whose value holds byte `offset`: the name of an out-of-range number the
/// decoder was not reading into a property (`"timestamp": 1e400`).
fn key_at(text: &str, offset: usize) -> String {
    let entries: Option<Vec<(Cow<'_, str>, &RawValue)>> =
        serde_json::from_str::<BTreeMap<Cow<'_, str>, &RawValue>>(text)
            .ok()
            .map(|map| map.into_iter().collect());
    let base = text.as_ptr() as usize;
    entries
        .into_iter()
        .flatten()
        .find(|(_, raw)| {
            let start = (raw.get().as_ptr() as usize).saturating_sub(base);
            (start..=start + raw.get().len()).contains(&offset)
        })
        .map_or_else(|| "a value".to_owned(), |(key, _)| key.into_owned())
}

/// Reads one line (up to and including `\n`) from `reader` into `line`, keeping at most
/// `max_bytes + 2` bytes of it (enough for the decoder to see that the line, without its
/// terminator, is over a limit of `max_bytes`) and skipping the rest, so that a line without
/// end cannot exhaust memory. Returns the bytes consumed, 0 at the end of the input.
pub fn read_line_bounded<R: std::io::BufRead>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max_bytes: usize,
) -> std::io::Result<u64> {
    let keep = max_bytes.saturating_add(2);
    let mut consumed = 0u64;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let room = keep.saturating_sub(line.len()).min(chunk.len());
        line.extend_from_slice(&chunk[..room]);
        let used = chunk.len();
        reader.consume(used);
        consumed += used as u64;
        if done {
            return Ok(consumed);
        }
    }
}

/// The line without `\n` or `\r\n`.
pub fn strip_terminator(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn a_line_without_end_is_read_in_bounded_memory() {
        let mut input = vec![b'x'; 10 << 20];
        input.extend_from_slice(b"\nnext\n");
        let mut reader = std::io::BufReader::with_capacity(4096, input.as_slice());
        let mut line = Vec::new();
        let consumed = read_line_bounded(&mut reader, &mut line, 100).unwrap();
        assert_eq!(consumed, (10 << 20) + 1);
        assert_eq!(line.len(), 102);
        line.clear();
        assert_eq!(read_line_bounded(&mut reader, &mut line, 100).unwrap(), 5);
        assert_eq!(line, b"next\n");
        line.clear();
        assert_eq!(read_line_bounded(&mut reader, &mut line, 100).unwrap(), 0);
    }

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(!too_deep(nested(MAX_DEPTH).as_bytes()));
        assert!(too_deep(nested(MAX_DEPTH + 1).as_bytes()));
        let quoted = format!("[\"{}\\\"{}\"]", "[".repeat(200), "{".repeat(200));
        assert!(!too_deep(quoted.as_bytes()));
    }
}
