//! Source files, the source map and the one span type every node and diagnostic uses.

use std::fmt;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
///
/// Spans are deliberately left out of equality (every span equals every other), so that two
/// syntax trees compare by structure alone: the formatter's round-trip test relies on it. Use
/// [`Span::range`] when the positions themselves must be compared.
#[derive(Clone, Copy, Default)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// Byte offset of the first character.
    pub start: u32,
    /// Byte offset one past the last character.
    pub end: u32,
}

impl Span {
    /// A span over `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: to_u32(start),
            end: to_u32(end),
        }
    }

    /// The (file, start, end) triple, for when positions really must be compared.
    pub fn range(self) -> (FileId, u32, u32) {
        (self.file, self.start, self.end)
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// An empty span at the start of this one.
    pub fn shrink_to_start(self) -> Span {
        Span {
            end: self.start,
            ..self
        }
    }

    /// An empty span at the end of this one.
    pub fn shrink_to_end(self) -> Span {
        Span {
            start: self.end,
            ..self
        }
    }

    /// Whether `offset` lies in this span (inclusive of its end, as a cursor would).
    pub fn contains_offset(self, offset: u32) -> bool {
        self.start <= offset && offset <= self.end
    }

    /// Length in bytes.
    pub fn len(self) -> u32 {
        self.end - self.start
    }

    /// Whether the span is empty.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

impl PartialEq for Span {
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}

impl Eq for Span {}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}..{}", self.file.0, self.start, self.end)
    }
}

fn to_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// A one-based line and column (columns count characters, not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// One-based line number.
    pub line: u32,
    /// One-based column, in characters.
    pub column: u32,
}

/// One source file: its name as given by the user and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The file's id in its source map.
    pub id: FileId,
    /// The path or name shown in diagnostics.
    pub name: String,
    /// The full text.
    pub text: String,
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// Byte offsets at which each line begins.
    pub fn line_starts(&self) -> &[u32] {
        &self.line_starts
    }

    /// The one-based line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0) as usize;
        let offset = (offset as usize).min(self.text.len());
        let column = self
            .text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count());
        LineCol {
            line: to_u32(line_index + 1),
            column: to_u32(column + 1),
        }
    }

    /// The byte offset of a zero-based line and a zero-based column in UTF-16 code units (the
    /// unit editors count in); clamped to the file.
    pub fn offset_of_utf16(&self, line: u32, utf16_column: u32) -> u32 {
        let Some(&start) = self.line_starts.get(line as usize) else {
            return to_u32(self.text.len());
        };
        let mut units = 0;
        let rest = self.text.get(start as usize..).unwrap_or("");
        for (index, ch) in rest.char_indices() {
            if units >= utf16_column || ch == '\n' {
                return start + to_u32(index);
            }
            units += to_u32(ch.len_utf16());
        }
        to_u32(self.text.len())
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// All files of one compilation, each with a [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty source map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let id = FileId(to_u32(self.files.len()));
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| to_u32(i + 1)),
        );
        self.files.push(SourceFile {
            id,
            name: name.into(),
            text,
            line_starts,
        });
        id
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Every file, in the order added.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map_or("", |file| file.slice(span))
    }
}
