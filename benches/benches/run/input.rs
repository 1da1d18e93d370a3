//! The benchmark's input: the generated stream, written once to a file, and read back one line
//! at a time into one reused buffer, so that no pass holds the stream in memory.
//!
//! The file is `events-<lines>-<contacts>-<days>d-<seed>-<generator>.ndjson` under
//! `JOURNEY_BENCH_DIR`, else `$CARGO_TARGET_DIR/journey-bench`, else the workspace's
//! `target/journey-bench`; `<generator>` is a hash of `benches/src/workload.rs`, so that a
//! changed generator writes a new file. Its mix is kept beside it (`.mix`). A file whose size is
//! the mix's byte count is reused; anything else is written again (to a temporary name, renamed
//! when complete).

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use journey_benches::workload::{self, Config, Mix};
use journey_runtime::input::read_line_bounded;

/// The longest line kept whole: the runtime's default limit (the generated lines are ~200 bytes).
const MAX_LINE_BYTES: usize = 1 << 20;

/// The generated stream of a [`Config`], on disk.
pub(super) struct Stream {
    pub(super) path: PathBuf,
    pub(super) mix: Mix,
    /// The time spent writing it, or `None` when an earlier run's file was reused.
    pub(super) generated: Option<Duration>,
}

/// The stream `config` describes: the file of an earlier run with the same configuration and
/// generator, else a new one.
pub(super) fn prepare(config: &Config) -> io::Result<Stream> {
    let dir = directory();
    fs::create_dir_all(&dir)?;
    let path = dir.join(format!(
        "events-{}-{}-{}d-{:x}-{:016x}.ndjson",
        config.events,
        config.contacts,
        config.days,
        config.seed,
        fnv1a(include_bytes!("../../src/workload.rs"))
    ));
    let mix_path = path.with_extension("mix");
    if let (Ok(meta), Some(mix)) = (fs::metadata(&path), read_mix(&mix_path)) {
        if meta.len() == mix.bytes && mix.lines == config.events as u64 {
            return Ok(Stream {
                path,
                mix,
                generated: None,
            });
        }
    }
    let started = Instant::now();
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&partial)?);
    let mix = workload::generate(config, &mut out)?;
    out.into_inner().map_err(io::IntoInnerError::into_error)?;
    fs::write(&mix_path, write_mix(&mix))?;
    fs::rename(&partial, &path)?;
    Ok(Stream {
        path,
        mix,
        generated: Some(started.elapsed()),
    })
}

fn directory() -> PathBuf {
    if let Some(dir) = std::env::var_os("JOURNEY_BENCH_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            let benches = Path::new(env!("CARGO_MANIFEST_DIR"));
            benches.parent().unwrap_or(benches).join("target")
        },
        PathBuf::from,
    );
    target.join("journey-bench")
}

/// 64-bit FNV-1a: a hash that does not change between builds.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `lines bytes contacts_seen count…`, one line.
fn write_mix(mix: &Mix) -> String {
    let mut text = format!("{} {} {}", mix.lines, mix.bytes, mix.contacts_seen);
    for count in mix.counts {
        text.push_str(&format!(" {count}"));
    }
    text.push('\n');
    text
}

fn read_mix(path: &Path) -> Option<Mix> {
    let text = fs::read_to_string(path).ok()?;
    let numbers: Vec<u64> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let (head, counts) = numbers.split_at_checked(3)?;
    Some(Mix {
        lines: head[0],
        bytes: head[1],
        contacts_seen: head[2],
        counts: counts.try_into().ok()?,
    })
}

/// The lines of a stream, read with the runtime's bounded line reader into one buffer.
pub(super) struct Lines {
    reader: BufReader<File>,
    line: Vec<u8>,
    number: u64,
}

impl Lines {
    pub(super) fn open(path: &Path) -> Lines {
        let file = File::open(path)
            .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()));
        Lines {
            reader: BufReader::with_capacity(1 << 16, file),
            line: Vec::with_capacity(1024),
            number: 0,
        }
    }

    /// The next line without its terminator, and its number (from 1), or `None` at the end of
    /// the stream.
    pub(super) fn next_line(&mut self) -> Option<(u64, &[u8])> {
        self.line.clear();
        match read_line_bounded(&mut self.reader, &mut self.line, MAX_LINE_BYTES) {
            Ok(0) => None,
            Ok(_) => {
                self.number += 1;
                let line = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
                Some((self.number, line.strip_suffix(b"\r").unwrap_or(line)))
            }
            Err(error) => panic!("cannot read the stream: {error}"),
        }
    }

    /// The lines read so far.
    pub(super) fn count(&self) -> u64 {
        self.number
    }
}
