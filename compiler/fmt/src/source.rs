//! Questions about the layout of the original text.
//!
//! The AST does not record line breaks, so the few layout choices that the formatter keeps from
//! the source (blank lines, one-line braces, where a comment sat) are read back from the text.

/// The original text of the file being formatted.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    text: &'a str,
}

impl<'a> Source<'a> {
    /// Wraps the text.
    pub(crate) fn new(text: &'a str) -> Source<'a> {
        Source { text }
    }

    /// The text itself.
    pub(crate) fn text(self) -> &'a str {
        self.text
    }

    fn bytes(self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn clamp(self, pos: u32) -> usize {
        (pos as usize).min(self.text.len())
    }

    /// Whether an empty line separates `pos` from the code or comment before it.
    pub(crate) fn blank_line_before(self, pos: u32) -> bool {
        let bytes = self.bytes();
        let mut newlines = 0;
        for &byte in bytes[..self.clamp(pos)].iter().rev() {
            match byte {
                b'\n' => newlines += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
        }
        newlines >= 2
    }

    /// Whether anything but whitespace precedes `pos` on its line.
    pub(crate) fn code_before_on_line(self, pos: u32) -> bool {
        let bytes = self.bytes();
        for &byte in bytes[..self.clamp(pos)].iter().rev() {
            match byte {
                b'\n' => return false,
                b' ' | b'\t' | b'\r' => {}
                _ => return true,
            }
        }
        false
    }

    /// Whether code (not a comment) follows `pos` on its line.
    pub(crate) fn code_after_on_line(self, pos: u32) -> bool {
        let text = self.text;
        let mut i = self.clamp(pos);
        loop {
            let rest = &text[i..];
            let trimmed = rest.trim_start_matches([' ', '\t', '\r']);
            i += rest.len() - trimmed.len();
            if let Some(inside) = trimmed.strip_prefix("/*") {
                match inside.find("*/") {
                    Some(close) if !inside[..close].contains('\n') => i += close + 4,
                    _ => return false,
                }
            } else {
                return !(trimmed.is_empty()
                    || trimmed.starts_with('\n')
                    || trimmed.starts_with("//"));
            }
        }
    }

    /// The position of the next character at or after `pos` that is neither whitespace nor
    /// part of a comment.
    pub(crate) fn next_token(self, pos: u32) -> u32 {
        let text = self.text;
        let mut i = self.clamp(pos);
        loop {
            let rest = &text[i..];
            let trimmed = rest.trim_start();
            i += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                i += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if let Some(inside) = trimmed.strip_prefix("/*") {
                i += inside.find("*/").map_or(trimmed.len(), |close| close + 4);
            } else {
                return to_u32(i);
            }
        }
    }

    /// The byte at `pos`, if any.
    pub(crate) fn byte_at(self, pos: u32) -> Option<u8> {
        self.bytes().get(pos as usize).copied()
    }

    /// Whether `from..to` lies on one line.
    pub(crate) fn same_line(self, from: u32, to: u32) -> bool {
        let (from, to) = (self.clamp(from), self.clamp(to));
        from > to || !self.text[from..to].contains('\n')
    }

    /// Whether a line holding nothing but whitespace lies between `from` and `to`.
    pub(crate) fn blank_line_between(self, from: u32, to: u32) -> bool {
        let (from, to) = (self.clamp(from), self.clamp(to));
        if from >= to {
            return false;
        }
        let lines: Vec<&str> = self.text[from..to].split('\n').collect();
        lines.len() > 2
            && lines[1..lines.len() - 1]
                .iter()
                .any(|line| line.trim().is_empty())
    }

    /// The column of `pos` on its line, in characters.
    pub(crate) fn column(self, pos: u32) -> usize {
        let before = &self.text[..self.clamp(pos)];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        before[line_start..].chars().count()
    }

    /// How many line breaks lie between `from` and `to`.
    pub(crate) fn line_breaks_between(self, from: u32, to: u32) -> usize {
        let (from, to) = (self.clamp(from), self.clamp(to));
        self.text
            .get(from..to)
            .map_or(0, |between| between.matches('\n').count())
    }
}

fn to_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}
