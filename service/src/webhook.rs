//! The webhook sink (`--sink webhook:URL`): one `POST` per action, at least once.
//!
//! Each line is posted as the request body (`Content-Type: application/json`) with the header
//! `Idempotency-Key: <the action's id>`; the ids are stable, so an action sent again (a retry,
//! or the replay after a restart of what followed the last checkpoint) carries the same key and
//! the receiver can drop the duplicate. Delivery is by a few worker threads fed through a bounded
//! queue: when the endpoint is slow the queue fills and [`Output::write`] blocks, so the engine
//! slows down instead of dropping or buffering without bound. A failed request (connection
//! error, timeout, 5xx, 408 or 429) is retried with exponential backoff and full jitter; after
//! `--webhook-retries` retries, or at once for an answer that sending the same bytes again
//! cannot change (any other 3xx or 4xx: redirects are not followed), the line and the last error
//! go to the dead-letter file. [`Output::sync`], called before each checkpoint commits, waits
//! until every line written so far is delivered or dead-lettered, so a checkpoint never covers an
//! action still in flight.
//!
//! The HTTP client is `ureq`: blocking (one request per worker thread is all this needs, with no
//! async runtime in the service), small, maintained, with per-request timeouts, connection reuse
//! and rustls for `https://` (ring as its crypto provider: nothing to install).

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read as _, Write as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::sink::Output;

/// How a webhook sink delivers.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// The endpoint, `http://...` or `https://...`.
    pub url: String,
    /// Retries of a failed request before its line is dead-lettered.
    pub retries: u32,
    /// The longest one request may take, connecting and reading the answer included.
    pub timeout: Duration,
    /// Where lines that could not be delivered go, one JSON object a line.
    pub dead_letter: PathBuf,
    /// Requests in flight at once.
    pub workers: usize,
    /// Lines queued for the workers before `write` blocks.
    pub capacity: usize,
    /// The first retry waits up to this long; each further one up to twice as long as the last.
    pub backoff: Duration,
    /// The longest wait before a retry.
    pub max_backoff: Duration,
}

impl WebhookConfig {
    /// The defaults: 8 retries, 10 s timeout, 8 workers, 256 queued, backoff 50 ms to 5 s.
    pub fn new(url: &str, dead_letter: PathBuf) -> WebhookConfig {
        WebhookConfig {
            url: url.to_owned(),
            retries: 8,
            timeout: Duration::from_secs(10),
            dead_letter,
            // A worker waits out its request's backoff, so a failing endpoint is sent less.
            workers: 8,
            capacity: 256,
            backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// What a webhook sink has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WebhookStats {
    /// Lines handed to the sink.
    pub written: u64,
    /// Lines the endpoint accepted (2xx).
    pub delivered: u64,
    /// Requests that failed and were tried again.
    pub retried: u64,
    /// Lines written to the dead-letter file.
    pub dead_lettered: u64,
}

/// A sink that posts each line to a URL.
pub struct WebhookOutput {
    url: String,
    jobs: Option<SyncSender<Job>>,
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

/// One line on its way.
struct Job {
    body: Vec<u8>,
    key: String,
}

/// What the sink and its workers share.
struct Shared {
    progress: Mutex<Progress>,
    /// Signalled whenever a line is settled (delivered, dead-lettered or dropped).
    settled: Condvar,
    /// Set when the sink is dropped: workers stop retrying (what they held is after the last
    /// checkpoint, so a restart sends it again).
    stop: AtomicBool,
    /// Set with `Progress::fatal`: workers drop what is queued so that nothing waits on them.
    failed: AtomicBool,
    dead_letter: Mutex<DeadLetter>,
}

#[derive(Default)]
struct Progress {
    /// Lines written and not yet settled.
    pending: u64,
    stats: WebhookStats,
    /// The error that stops the sink (the dead-letter file cannot be written).
    fatal: Option<(io::ErrorKind, String)>,
}

/// The dead-letter file, opened when the first line goes there.
struct DeadLetter {
    path: PathBuf,
    file: Option<File>,
}

impl WebhookOutput {
    /// Starts the workers; fails if the URL is not an `http://` or `https://` URL.
    pub fn open(config: WebhookConfig) -> io::Result<WebhookOutput> {
        let uri: ureq::http::Uri = config.url.parse().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not a URL ({e}): {}", config.url),
            )
        })?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not an http:// or https:// URL: {}", config.url),
            ));
        }
        let workers = config.workers.max(1);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            // Statuses are judged here (retry or dead-letter), not turned into errors.
            .http_status_as_error(false)
            // A redirected POST may become a GET without the body: the URL must be the final one.
            .max_redirects(0)
            .max_idle_connections_per_host(workers)
            .user_agent(concat!("journey/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let shared = Arc::new(Shared {
            progress: Mutex::new(Progress::default()),
            settled: Condvar::new(),
            stop: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            dead_letter: Mutex::new(DeadLetter {
                path: config.dead_letter.clone(),
                file: None,
            }),
        });
        let (sender, receiver) = mpsc::sync_channel(config.capacity.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        let config = Arc::new(config);
        let seeds = std::collections::hash_map::RandomState::new();
        let mut handles = Vec::with_capacity(workers);
        for index in 0..workers {
            let mut seed = seeds.build_hasher();
            seed.write_usize(index);
            let worker = Worker {
                agent: agent.clone(),
                config: Arc::clone(&config),
                shared: Arc::clone(&shared),
                jobs: Arc::clone(&receiver),
                random: seed.finish() | 1,
            };
            let handle = std::thread::Builder::new()
                .name(format!("webhook-{index}"))
                .spawn(move || worker.run())?;
            handles.push(handle);
        }
        Ok(WebhookOutput {
            url: config.url.clone(),
            jobs: Some(sender),
            shared,
            workers: handles,
        })
    }

    /// What the sink has done so far.
    pub fn stats(&self) -> WebhookStats {
        self.shared.lock().stats
    }

    /// The error that stopped the sink, if one did.
    fn check(&self) -> io::Result<()> {
        match &self.shared.lock().fatal {
            Some((kind, message)) => Err(io::Error::new(*kind, message.clone())),
            None => Ok(()),
        }
    }
}

impl Output for WebhookOutput {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        for line in bytes.split(|&b| b == b'\n').filter(|line| !line.is_empty()) {
            self.check()?;
            let job = Job {
                key: idempotency_key(line),
                body: line.to_vec(),
            };
            {
                let mut progress = self.shared.lock();
                progress.pending += 1;
                progress.stats.written += 1;
            }
            // Blocks while the queue is full: a slow endpoint slows the engine down.
            let sent = self
                .jobs
                .as_ref()
                .is_some_and(|jobs| jobs.send(job).is_ok());
            if !sent {
                self.shared.settle(|_| {});
                return Err(io::Error::other("the webhook's workers have stopped"));
            }
        }
        Ok(())
    }

    fn sync(&mut self) -> io::Result<Option<u64>> {
        let mut progress = self.shared.lock();
        while progress.pending > 0 && progress.fatal.is_none() {
            progress = self
                .shared
                .settled
                .wait(progress)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if let Some((kind, message)) = &progress.fatal {
            return Err(io::Error::new(*kind, message.clone()));
        }
        // Nothing to cut back on restart: what follows the checkpoint is sent again, same keys.
        Ok(None)
    }

    fn describe(&self) -> String {
        // Without the query, where endpoints often carry a token that logs should not.
        let url = self.url.split_once('?').map_or(&*self.url, |(url, _)| url);
        format!("webhook:{url}")
    }
}

impl Drop for WebhookOutput {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.jobs = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        let stats = self.stats();
        if stats.written > 0 {
            tracing::info!(
                sink = self.describe(),
                delivered = stats.delivered,
                retried = stats.retried,
                dead_lettered = stats.dead_lettered,
                "webhook closed"
            );
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks one line as settled after `count` records how.
    fn settle(&self, count: impl FnOnce(&mut Progress)) {
        let mut progress = self.lock();
        count(&mut progress);
        progress.pending = progress.pending.saturating_sub(1);
        drop(progress);
        self.settled.notify_all();
    }

    /// Appends `job` with its last error to the dead-letter file and fsyncs it.
    fn dead_letter(&self, job: &Job, attempts: u32, error: &str) -> io::Result<()> {
        // The line as JSON when it is (it always is from the engine), else as a string.
        let action = if serde_json::from_slice::<serde::de::IgnoredAny>(&job.body).is_ok() {
            String::from_utf8_lossy(&job.body).into_owned()
        } else {
            serde_json::Value::String(String::from_utf8_lossy(&job.body).into_owned()).to_string()
        };
        let line = format!(
            "{{\"failed_at\":\"{}\",\"key\":{},\"attempts\":{attempts},\"error\":{},\
             \"action\":{action}}}\n",
            jiff::Timestamp::now()
                .round(jiff::Unit::Millisecond)
                .unwrap_or_default(),
            serde_json::Value::String(job.key.clone()),
            serde_json::Value::String(error.to_owned()),
        );
        let mut dead = self
            .dead_letter
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let dead = &mut *dead;
        let file = match &mut dead.file {
            Some(file) => file,
            None => dead.file.insert(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&dead.path)
                    .map_err(|e| in_dead_letter(&dead.path, e))?,
            ),
        };
        // One write per line on an append-only file: lines never interleave.
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| in_dead_letter(&dead.path, e))
    }
}

fn in_dead_letter(path: &std::path::Path, error: io::Error) -> io::Error {
    io::Error::new(
        error.kind(),
        format!("dead-letter file {}: {error}", path.display()),
    )
}

/// A delivery thread.
struct Worker {
    agent: ureq::Agent,
    config: Arc<WebhookConfig>,
    shared: Arc<Shared>,
    jobs: Arc<Mutex<Receiver<Job>>>,
    /// xorshift64 state, for the jitter.
    random: u64,
}

/// Why a request failed.
struct Failure {
    message: String,
    /// Whether the same request may succeed later.
    retryable: bool,
    /// The server's `Retry-After`, in seconds.
    retry_after: Option<u64>,
}

impl Worker {
    fn run(mut self) {
        loop {
            let job = {
                let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
                jobs.recv()
            };
            let Ok(job) = job else { return };
            if self.shared.failed.load(Ordering::Relaxed)
                || self.shared.stop.load(Ordering::Relaxed)
            {
                self.shared.settle(|_| {});
                continue;
            }
            self.deliver(&job);
        }
    }

    /// Posts `job` until it is accepted, dead-lettered, or the sink is dropped.
    fn deliver(&mut self, job: &Job) {
        let mut retries = 0u32;
        loop {
            let failure = match self.post(job) {
                Ok(()) => return self.shared.settle(|p| p.stats.delivered += 1),
                Err(failure) => failure,
            };
            if !failure.retryable || retries >= self.config.retries {
                let attempts = retries + 1;
                tracing::warn!(
                    key = job.key,
                    attempts,
                    error = failure.message,
                    dead_letter = %self.config.dead_letter.display(),
                    "webhook action dead-lettered"
                );
                let written = self.shared.dead_letter(job, attempts, &failure.message);
                return self.shared.settle(|progress| match written {
                    Ok(()) => progress.stats.dead_lettered += 1,
                    Err(error) => {
                        self.shared.failed.store(true, Ordering::Relaxed);
                        progress
                            .fatal
                            .get_or_insert((error.kind(), error.to_string()));
                    }
                });
            }
            self.shared.lock().stats.retried += 1;
            let wait = self.backoff(retries).max(
                Duration::from_secs(failure.retry_after.unwrap_or(0)).min(self.config.max_backoff),
            );
            if !self.pause(wait) {
                return self.shared.settle(|_| {});
            }
            retries += 1;
        }
    }

    fn post(&self, job: &Job) -> Result<(), Failure> {
        let sent = self
            .agent
            .post(&self.config.url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &job.key)
            .send(&job.body[..]);
        let mut response = match sent {
            Ok(response) => response,
            Err(error) => {
                return Err(Failure {
                    message: error.to_string(),
                    retryable: true,
                    retry_after: None,
                })
            }
        };
        let status = response.status().as_u16();
        // Read what little the answer says, so that the connection can be used again.
        let _ = io::copy(
            &mut response.body_mut().as_reader().take(64 << 10),
            &mut io::sink(),
        );
        if (200..300).contains(&status) {
            return Ok(());
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok());
        Err(Failure {
            message: format!("HTTP status {status}"),
            retryable: status >= 500 || status == 408 || status == 429,
            retry_after,
        })
    }

    /// Full jitter: a uniform wait up to `backoff * 2^retry`, at most `max_backoff`.
    fn backoff(&mut self, retry: u32) -> Duration {
        let ceiling = self
            .config
            .backoff
            .saturating_mul(1u32 << retry.min(20))
            .min(self.config.max_backoff);
        self.random ^= self.random << 13;
        self.random ^= self.random >> 7;
        self.random ^= self.random << 17;
        let fraction = (self.random >> 11) as f64 / (1u64 << 53) as f64;
        ceiling.mul_f64(fraction)
    }

    /// Sleeps `wait`, or less if the sink is dropped meanwhile; whether to go on.
    fn pause(&self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        loop {
            if self.shared.stop.load(Ordering::Relaxed) {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(20)));
        }
    }
}

/// The `Idempotency-Key` of a line: the action's `id`, its last key as the engine writes it;
/// for a line without one (a reject) a hash of the line, as stable as the line itself.
fn idempotency_key(line: &[u8]) -> String {
    const ID: &[u8] = b"\"id\":\"";
    let usable = |id: &[u8]| {
        !id.is_empty() && id.len() <= 128 && id.iter().all(|b| b.is_ascii_graphic() && *b != b'"')
    };
    if let Some(rest) = line.strip_suffix(b"\"}") {
        if let Some(at) = rest.windows(ID.len()).rposition(|window| window == ID) {
            let id = &rest[at + ID.len()..];
            if usable(id) {
                return String::from_utf8_lossy(id).into_owned();
            }
        }
    }
    #[derive(serde::Deserialize)]
    struct Keyed {
        id: Option<String>,
    }
    if let Ok(Keyed { id: Some(id) }) = serde_json::from_slice::<Keyed>(line) {
        if usable(id.as_bytes()) {
            return id;
        }
    }
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(line))
}

#[cfg(test)]
mod tests;
