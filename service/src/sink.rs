//! Sinks of output lines: an NDJSON file (appended to, made durable at each checkpoint, cut back
//! to the checkpointed length on restart) and stdout.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Where output lines go.
pub trait Output {
    /// Appends bytes (whole lines).
    fn write(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Makes everything written so far durable; the length a checkpoint records, if the sink can
    /// be cut back to it.
    fn sync(&mut self) -> io::Result<Option<u64>>;
    /// Where this sink is, for messages.
    fn describe(&self) -> String;
}

/// An NDJSON file.
pub struct FileOutput {
    path: PathBuf,
    writer: BufWriter<File>,
    length: u64,
}

impl FileOutput {
    /// Opens `path` for appending after its first `length` bytes (a checkpoint's), cutting off
    /// whatever was written after them; `None` keeps the file as it is and appends.
    pub fn open(path: &Path, length: Option<u64>) -> io::Result<FileOutput> {
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(path)?;
        let on_disk = file.metadata()?.len();
        let length = match length {
            Some(length) if length > on_disk => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the checkpoint wrote {length} bytes to {}, which now has {on_disk} \
                         (was it cut or replaced?)",
                        path.display()
                    ),
                ))
            }
            Some(length) => {
                file.set_len(length)?;
                file.sync_data()?;
                length
            }
            None => on_disk,
        };
        file.seek(SeekFrom::Start(length))?;
        Ok(FileOutput {
            path: path.to_owned(),
            writer: BufWriter::with_capacity(1 << 16, file),
            length,
        })
    }
}

impl Output for FileOutput {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)?;
        self.length += bytes.len() as u64;
        Ok(())
    }

    fn sync(&mut self) -> io::Result<Option<u64>> {
        self.writer.flush()?;
        self.writer.get_ref().sync_data()?;
        Ok(Some(self.length))
    }

    fn describe(&self) -> String {
        format!("file:{}", self.path.display())
    }
}

/// Standard output (or any stream that cannot be cut back).
pub struct StreamOutput<W: Write> {
    writer: BufWriter<W>,
    name: &'static str,
}

impl<W: Write> StreamOutput<W> {
    /// Writes to `writer`, named `name` in messages.
    pub fn new(writer: W, name: &'static str) -> Self {
        StreamOutput {
            writer: BufWriter::with_capacity(1 << 16, writer),
            name,
        }
    }
}

impl<W: Write> Output for StreamOutput<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)
    }

    fn sync(&mut self) -> io::Result<Option<u64>> {
        self.writer.flush()?;
        Ok(None)
    }

    fn describe(&self) -> String {
        self.name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_file_is_cut_back_to_the_checkpointed_length_and_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.ndjson");
        let mut out = FileOutput::open(&path, None).unwrap();
        out.write(b"a\n").unwrap();
        assert_eq!(out.sync().unwrap(), Some(2));
        out.write(b"lost\n").unwrap();
        out.sync().unwrap();
        drop(out);
        let mut out = FileOutput::open(&path, Some(2)).unwrap();
        out.write(b"b\n").unwrap();
        out.sync().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a\nb\n");
        let kept = FileOutput::open(&path, None).unwrap();
        assert_eq!(kept.length, 4);
        assert!(FileOutput::open(&path, Some(10))
            .is_err_and(|e| e.to_string().contains("which now has 4")));
    }
}
