//! Turns the printer's lines into text, aligning the trailing comments of neighbouring lines.

/// One output line.
pub(crate) struct Line {
    /// Spaces before the text.
    pub(crate) indent: usize,
    /// The code (or the own-line comment) of the line.
    pub(crate) text: String,
    /// Comments at the end of the line.
    pub(crate) trailing: Option<String>,
    /// The last thing on the line is a `//` comment, so nothing else may follow.
    pub(crate) ends_in_line_comment: bool,
    /// An empty line comes before this one.
    pub(crate) blank_before: bool,
    /// The line holds only a comment that continues the trailing comment above, in its column.
    pub(crate) continues_comment: bool,
}

impl Line {
    /// Whether the line's trailing comment takes part in column alignment.
    fn alignable(&self) -> bool {
        self.trailing.as_deref().is_some_and(|t| !t.contains('\n')) && !self.text.contains('\n')
    }

    fn code_width(&self) -> usize {
        self.indent + self.text.chars().count()
    }
}

/// The text of the lines. Trailing comments of consecutive lines (a run that a blank line or a
/// line without a trailing comment ends) start in one column, one space after the longest code.
pub(crate) fn render(lines: &[Line]) -> String {
    let mut columns = vec![0; lines.len()];
    let mut start = 0;
    while start < lines.len() {
        if !lines[start].alignable() {
            start += 1;
            continue;
        }
        let mut end = start + 1;
        while end < lines.len() && lines[end].alignable() && !lines[end].blank_before {
            end += 1;
        }
        let widest = lines[start..end]
            .iter()
            .filter(|line| !line.continues_comment)
            .map(Line::code_width)
            .max()
            .unwrap_or(0);
        columns[start..end].fill(widest + 1);
        start = end;
    }

    let mut out = String::new();
    for (line, column) in lines.iter().zip(columns) {
        if line.blank_before {
            out.push('\n');
        }
        let mut width = 0;
        if !line.continues_comment {
            push_spaces(&mut out, line.indent);
            out.push_str(&line.text);
            width = line.code_width();
        }
        if let Some(trailing) = &line.trailing {
            if line.alignable() {
                push_spaces(&mut out, column.saturating_sub(width).max(1));
            } else {
                out.push(' ');
            }
            out.push_str(trailing);
        }
        out.push('\n');
    }
    out
}

fn push_spaces(out: &mut String, count: usize) {
    out.extend(std::iter::repeat_n(' ', count));
}
