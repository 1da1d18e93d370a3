//! The HTTP source's ingest log: the events of acknowledged requests, as NDJSON lines, in
//! segment files under `STATE/ingest/`, each named by the log position of its first byte (20
//! digits), so that a position in the log is one number across segments. The writer appends to
//! the last segment and starts a new one once it is [`SEGMENT_BYTES`] long; the engine reads the
//! segments in order ([`LogSource`]); a segment wholly before the last committed checkpoint's
//! position is never read again and is deleted ([`trim`]), so the log holds what is not yet in
//! a checkpoint plus at most one segment, and events (and the personal data in them) do not
//! stay on disk for ever.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::source::{FileSource, Read, Source};

/// A segment's size past which the writer starts the next one.
pub const SEGMENT_BYTES: u64 = 64 << 20;

/// The folder of the segments in a state directory.
pub fn folder(state: &Path) -> PathBuf {
    state.join("ingest")
}

/// The log before segments: one file, which becomes the first segment.
const SINGLE_FILE: &str = "ingest.ndjson";

/// The segments in `dir`, by their first byte's position.
pub fn segments(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let start = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".ndjson"))
            .filter(|digits| digits.len() == 20)
            .and_then(|digits| digits.parse::<u64>().ok());
        if let Some(start) = start {
            found.push((start, path));
        }
    }
    found.sort();
    Ok(found)
}

fn segment_path(dir: &Path, start: u64) -> PathBuf {
    dir.join(format!("{start:020}.ndjson"))
}

/// The writing end: requests' events appended and fsynced before they are acknowledged.
pub struct IngestLog {
    dir: PathBuf,
    file: File,
    /// The position of the current segment's first byte.
    start: u64,
    /// The log's length: the position after its last byte.
    length: u64,
    segment_bytes: u64,
}

impl IngestLog {
    /// Opens the log of the state directory `state` for appending, creating it (or turning the
    /// single-file log of earlier versions into its first segment). A line a crash left half
    /// written at the end was never acknowledged, and is cut off.
    pub fn open(state: &Path, segment_bytes: u64) -> io::Result<IngestLog> {
        let dir = folder(state);
        fs::create_dir_all(&dir)?;
        let single = state.join(SINGLE_FILE);
        if single.exists() && segments(&dir)?.is_empty() {
            fs::rename(&single, segment_path(&dir, 0))?;
        }
        let start = segments(&dir)?.last().map_or(0, |(start, _)| *start);
        let path = segment_path(&dir, start);
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)?;
        let whole = whole_lines_length(&mut file)?;
        if whole < file.metadata()?.len() {
            file.set_len(whole)?;
            file.sync_data()?;
        }
        sync_folder(&dir)?;
        Ok(IngestLog {
            dir,
            file,
            start,
            length: start + whole,
            segment_bytes,
        })
    }

    /// The position after the log's last byte.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// Appends `lines` (whole lines) and makes them durable, in a new segment when the current
    /// one is full.
    pub fn append(&mut self, lines: &[u8]) -> io::Result<()> {
        if self.length > self.start && self.length - self.start >= self.segment_bytes {
            let path = segment_path(&self.dir, self.length);
            self.file = OpenOptions::new().create(true).append(true).open(&path)?;
            self.start = self.length;
            sync_folder(&self.dir)?;
        }
        self.file.write_all(lines)?;
        self.file.sync_data()?;
        self.length += lines.len() as u64;
        Ok(())
    }
}

/// The length of `file` up to its last `\n`.
fn whole_lines_length(file: &mut File) -> io::Result<u64> {
    let length = file.metadata()?.len();
    let mut end = length;
    let mut chunk = vec![0u8; 4096];
    while end > 0 {
        let from = end.saturating_sub(chunk.len() as u64);
        let piece = &mut chunk[..(end - from) as usize];
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(piece)?;
        if let Some(last) = piece.iter().rposition(|&b| b == b'\n') {
            return Ok(from + last as u64 + 1);
        }
        end = from;
    }
    Ok(0)
}

fn sync_folder(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Deletes the segments of `state`'s log that end at or before `position` (a committed
/// checkpoint's): no restart reads them again. The last segment is kept, as the writer's.
pub fn trim(state: &Path, position: u64) -> io::Result<usize> {
    let found = segments(&folder(state))?;
    let mut deleted = 0;
    for pair in found.windows(2) {
        let ((_, path), (next_start, _)) = (&pair[0], &pair[1]);
        if *next_start <= position {
            fs::remove_file(path)?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// The reading end: the segments in order from a position, followed as they grow.
pub struct LogSource {
    dir: PathBuf,
    /// The segment being read and its first byte's position.
    current: FileSource,
    start: u64,
    max_line_bytes: usize,
}

impl LogSource {
    /// Reads `state`'s log from `position`.
    pub fn open(state: &Path, position: u64, max_line_bytes: usize) -> io::Result<LogSource> {
        let dir = folder(state);
        let found = segments(&dir)?;
        let (start, path) = found
            .iter()
            .rev()
            .find(|(start, _)| *start <= position)
            .cloned()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the checkpoint is at position {position} of the ingest log in {}, \
                         whose segments no longer reach back to it",
                        dir.display()
                    ),
                )
            })?;
        Ok(LogSource {
            current: FileSource::open(&path, position - start, true, max_line_bytes)?,
            dir,
            start,
            max_line_bytes,
        })
    }

    /// The next segment's start, when the writer has moved past the current one.
    fn next_segment(&self) -> io::Result<Option<(u64, PathBuf)>> {
        Ok(segments(&self.dir)?
            .into_iter()
            .find(|(start, _)| *start > self.start))
    }
}

impl Source for LogSource {
    fn next_line(&mut self, line: &mut Vec<u8>) -> io::Result<Read> {
        match self.current.next_line(line)? {
            Read::Idle => {}
            other => return Ok(other),
        }
        // The writer fills a segment with whole lines before it starts the next, so reaching
        // the next segment's position means this one is done.
        let at = self.position().unwrap_or(self.start);
        match self.next_segment()? {
            Some((start, path)) if start == at => {
                self.current = FileSource::open(&path, 0, true, self.max_line_bytes)?;
                self.start = start;
                self.current.next_line(line)
            }
            _ => Ok(Read::Idle),
        }
    }

    fn position(&self) -> Option<u64> {
        self.current.position().map(|offset| self.start + offset)
    }

    fn describe(&self) -> String {
        format!("the ingest log in {}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn read_all(source: &mut LogSource) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = Vec::new();
        while source.next_line(&mut line).unwrap() == Read::Line {
            lines.push(String::from_utf8(line.clone()).unwrap());
        }
        lines
    }

    #[test]
    fn segments_roll_are_read_in_order_from_a_position_and_are_trimmed_once_passed() {
        let state = tempfile::tempdir().unwrap();
        let mut log = IngestLog::open(state.path(), 10).unwrap();
        for n in 0..5 {
            log.append(format!("line-{n}\n").as_bytes()).unwrap();
        }
        // 7 bytes a line, a new segment once one holds 10 bytes or more: 0, 14, 28.
        let starts: Vec<u64> = segments(&folder(state.path()))
            .unwrap()
            .iter()
            .map(|(start, _)| *start)
            .collect();
        assert_eq!(starts, vec![0, 14, 28]);
        assert_eq!(log.length(), 35);

        let mut source = LogSource::open(state.path(), 0, 1 << 20).unwrap();
        let lines = read_all(&mut source);
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[4], "line-4\n");
        assert_eq!(source.position(), Some(35));
        log.append(b"line-5\n").unwrap();
        assert_eq!(read_all(&mut source), vec!["line-5\n".to_owned()]);

        let mut from_middle = LogSource::open(state.path(), 21, 1 << 20).unwrap();
        assert_eq!(read_all(&mut from_middle)[0], "line-3\n");

        assert_eq!(
            trim(state.path(), 20).unwrap(),
            1,
            "the segment [0, 14) is passed"
        );
        assert_eq!(
            trim(state.path(), 100).unwrap(),
            1,
            "the writer's segment stays"
        );
        assert_eq!(segments(&folder(state.path())).unwrap().len(), 1);
        assert!(LogSource::open(state.path(), 3, 1 << 20)
            .is_err_and(|e| e.to_string().contains("no longer reach back")));
    }

    #[test]
    fn a_line_left_half_written_is_cut_off_and_a_single_file_log_becomes_a_segment() {
        let state = tempfile::tempdir().unwrap();
        fs::write(state.path().join(SINGLE_FILE), b"{\"a\":1}\n{\"b\":").unwrap();
        let mut log = IngestLog::open(state.path(), SEGMENT_BYTES).unwrap();
        assert_eq!(log.length(), 8);
        log.append(b"{\"c\":3}\n").unwrap();
        let mut source = LogSource::open(state.path(), 0, 1 << 20).unwrap();
        assert_eq!(read_all(&mut source), vec!["{\"a\":1}\n", "{\"c\":3}\n"]);
        assert!(!state.path().join(SINGLE_FILE).exists());
    }
}
