//! Sources of input lines: a file followed as it grows (replayable by byte offset) and stdin.
//!
//! A source hands out whole lines. A line that a writer has not finished yet (no `\n` at the
//! end of a followed file) is not handed out until it is, so a line is never cut in two; at the
//! end of a source that is not followed, the last line counts without its `\n`, as in
//! `journey run`.

use std::fs::File;
use std::io::{self, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use journey_runtime::input::read_line_bounded;

/// What reading the next line gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// A line (in the caller's buffer, its terminator included if it had one).
    Line,
    /// Nothing yet: a followed file has no new whole line.
    Idle,
    /// The input has ended.
    End,
}

/// A stream of NDJSON lines.
pub trait Source {
    /// Reads the next line into `line` (cleared first).
    fn next_line(&mut self, line: &mut Vec<u8>) -> io::Result<Read>;
    /// The position after the last line handed out (a byte offset), if the source can seek.
    fn position(&self) -> Option<u64>;
    /// Where this source is, for messages.
    fn describe(&self) -> String;
}

/// An NDJSON file read from a byte offset, followed as it grows unless it should stop at its
/// end.
pub struct FileSource {
    path: PathBuf,
    reader: BufReader<File>,
    offset: u64,
    follow: bool,
    max_line_bytes: usize,
}

impl FileSource {
    /// Opens `path` at byte `offset`; `follow` waits for more lines at the end.
    pub fn open(path: &Path, offset: u64, follow: bool, max_line_bytes: usize) -> io::Result<Self> {
        let mut file = File::open(path)?;
        let length = file.metadata()?.len();
        if offset > length {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the checkpoint is at byte {offset} of {}, which has only {length} bytes \
                     (was the input replaced?)",
                    path.display()
                ),
            ));
        }
        file.seek(SeekFrom::Start(offset))?;
        Ok(FileSource {
            path: path.to_owned(),
            reader: BufReader::with_capacity(1 << 16, file),
            offset,
            follow,
            max_line_bytes,
        })
    }
}

impl Source for FileSource {
    fn next_line(&mut self, line: &mut Vec<u8>) -> io::Result<Read> {
        line.clear();
        let consumed = read_line_bounded(&mut self.reader, line, self.max_line_bytes)?;
        if consumed == 0 {
            return Ok(if self.follow { Read::Idle } else { Read::End });
        }
        if self.follow && !line.ends_with(b"\n") {
            // A writer is in the middle of this line: read it again once it is whole.
            self.reader.seek(SeekFrom::Start(self.offset))?;
            line.clear();
            return Ok(Read::Idle);
        }
        self.offset += consumed;
        Ok(Read::Line)
    }

    fn position(&self) -> Option<u64> {
        Some(self.offset)
    }

    fn describe(&self) -> String {
        format!("file:{}", self.path.display())
    }
}

/// Standard input, read to its end.
pub struct StdinSource {
    reader: BufReader<io::Stdin>,
    max_line_bytes: usize,
}

impl StdinSource {
    /// Reads stdin.
    pub fn new(max_line_bytes: usize) -> StdinSource {
        StdinSource {
            reader: BufReader::with_capacity(1 << 16, io::stdin()),
            max_line_bytes,
        }
    }
}

impl Source for StdinSource {
    fn next_line(&mut self, line: &mut Vec<u8>) -> io::Result<Read> {
        line.clear();
        match read_line_bounded(&mut self.reader, line, self.max_line_bytes)? {
            0 => Ok(Read::End),
            _ => Ok(Read::Line),
        }
    }

    fn position(&self) -> Option<u64> {
        None
    }

    fn describe(&self) -> String {
        "stdin".to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::Write;

    use super::*;

    #[test]
    fn a_followed_file_hands_out_only_whole_lines_and_resumes_at_an_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.ndjson");
        let mut writer = File::create(&path).unwrap();
        writer.write_all(b"{\"a\":1}\n{\"b\"").unwrap();
        writer.flush().unwrap();
        let mut source = FileSource::open(&path, 0, true, 1 << 20).unwrap();
        let mut line = Vec::new();
        assert_eq!(source.next_line(&mut line).unwrap(), Read::Line);
        assert_eq!(line, b"{\"a\":1}\n");
        assert_eq!(source.position(), Some(8));
        assert_eq!(source.next_line(&mut line).unwrap(), Read::Idle);
        assert!(line.is_empty());
        writer.write_all(b":2}\n").unwrap();
        writer.flush().unwrap();
        assert_eq!(source.next_line(&mut line).unwrap(), Read::Line);
        assert_eq!(line, b"{\"b\":2}\n");
        assert_eq!(source.next_line(&mut line).unwrap(), Read::Idle);

        let mut again = FileSource::open(&path, 8, false, 1 << 20).unwrap();
        assert_eq!(again.next_line(&mut line).unwrap(), Read::Line);
        assert_eq!(line, b"{\"b\":2}\n");
        assert_eq!(again.next_line(&mut line).unwrap(), Read::End);
        assert!(FileSource::open(&path, 99, false, 1 << 20)
            .is_err_and(|e| e.to_string().contains("has only 16 bytes")));
    }

    #[test]
    fn the_last_line_of_a_file_not_followed_counts_without_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.ndjson");
        std::fs::write(&path, b"one\ntwo").unwrap();
        let mut source = FileSource::open(&path, 0, false, 1 << 20).unwrap();
        let mut line = Vec::new();
        assert_eq!(source.next_line(&mut line).unwrap(), Read::Line);
        assert_eq!(source.next_line(&mut line).unwrap(), Read::Line);
        assert_eq!(line, b"two");
        assert_eq!(source.position(), Some(7));
        assert_eq!(source.next_line(&mut line).unwrap(), Read::End);
    }
}
