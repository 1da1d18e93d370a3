//! The HTTP source: Segment's tracking API (`POST /v1/track`, `/v1/identify`, `/v1/page`,
//! `/v1/batch`) in front of a write-ahead log.
//!
//! A request is checked (the write key, the size, the JSON; a gzip body is inflated, within the
//! same limit), its events are appended to the ingest log under the state directory as NDJSON
//! lines and the log is fsynced ([`crate::ingest`]); only then is the request answered 200. The
//! engine reads that log as a followed source, so an acknowledged event survives a crash and
//! is read again from the last checkpoint's position.
//! While the engine is behind the log by more than a bound, requests are answered 503 with
//! `Retry-After`, so nothing waits only in memory.

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::ingest::{IngestLog, SEGMENT_BYTES};

/// How the HTTP source takes requests.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// The address to listen on.
    pub addr: String,
    /// The write key clients must send (HTTP Basic auth user name, or `writeKey` in the body).
    pub write_key: String,
    /// The largest request body accepted, bytes.
    pub max_body_bytes: usize,
    /// How far the engine may be behind the ingest log before requests are refused, bytes.
    pub max_behind_bytes: u64,
}

/// A refused request: its status and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// Why, for the response body.
    pub reason: String,
}

fn refuse(status: u16, reason: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason: reason.into(),
    }
}

/// The events of one request as NDJSON lines, or why it is refused. `authorization` is the
/// request's `Authorization` header; `received` stamps events that have no `timestamp`.
pub fn events_of(
    path: &str,
    authorization: Option<&str>,
    body: &[u8],
    write_key: &str,
    received: &str,
) -> Result<Vec<u8>, Refusal> {
    let kind = match path.trim_end_matches('/') {
        "/v1/track" | "/v1/t" => Some("track"),
        "/v1/identify" | "/v1/i" => Some("identify"),
        "/v1/page" | "/v1/p" => Some("page"),
        "/v1/batch" | "/v1/b" | "/v1/import" => None,
        _ => return Err(refuse(404, format!("no endpoint `{path}`"))),
    };
    // A key in the header decides before the body is read: a wrong one is refused as such,
    // whatever the body holds.
    let key_in_header = authorization.and_then(basic_user);
    if key_in_header.as_deref().is_some_and(|key| key != write_key) {
        return Err(refuse(401, "wrong write key"));
    }
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| refuse(400, format!("the body is not JSON: {e}")))?;
    let Value::Object(mut body) = body else {
        return Err(refuse(400, "the body is not a JSON object"));
    };
    if key_in_header.is_none() {
        match body.get("writeKey").and_then(Value::as_str) {
            Some(key) if key == write_key => {}
            Some(_) => return Err(refuse(401, "wrong write key")),
            None => {
                return Err(refuse(
                    401,
                    "no write key: send it as the Basic auth user name",
                ))
            }
        }
    }
    let events = match kind {
        Some(kind) => {
            body.remove("writeKey");
            body.entry("type")
                .or_insert_with(|| Value::String(kind.to_owned()));
            vec![Value::Object(body)]
        }
        None => match body.remove("batch") {
            // `writeKey`, `sentAt` and `context` of the batch are not events' fields.
            Some(Value::Array(events)) => events,
            Some(_) => return Err(refuse(400, "`batch` is not an array")),
            None => return Err(refuse(400, "no `batch` array")),
        },
    };
    let mut lines = Vec::with_capacity(events.len() * 256);
    for (i, event) in events.into_iter().enumerate() {
        let Value::Object(mut event) = event else {
            return Err(refuse(400, format!("`batch[{i}]` is not an object")));
        };
        stamp(&mut event, received);
        serde_json::to_writer(&mut lines, &event)
            .map_err(|e| refuse(400, format!("`batch[{i}]`: {e}")))?;
        lines.push(b'\n');
    }
    Ok(lines)
}

/// Gives an event without `timestamp` the time it was received (as Segment does); a
/// `timestamp` that is there is kept as sent.
fn stamp(event: &mut Map<String, Value>, received: &str) {
    if event.get("timestamp").is_none_or(Value::is_null) {
        event.insert("timestamp".to_owned(), Value::String(received.to_owned()));
    }
}

/// The user name of an HTTP Basic `Authorization` header.
pub(crate) fn basic_user(header: &str) -> Option<String> {
    let encoded = header.strip_prefix("Basic ")?.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let user = text.split_once(':').map_or(text.as_str(), |(user, _)| user);
    Some(user.to_owned())
}

/// The HTTP source's server threads.
pub struct HttpSource {
    workers: Vec<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
}

/// How many requests are handled at once.
const WORKERS: usize = 4;

impl HttpSource {
    /// Listens on `config.addr`, writing events to the ingest log of the state directory
    /// `state`; `read` is how far the engine has read the log.
    pub fn start(
        config: &HttpConfig,
        state: &Path,
        read: Arc<AtomicU64>,
    ) -> io::Result<HttpSource> {
        let server = tiny_http::Server::http(&config.addr)
            .map_err(|e| io::Error::other(format!("cannot listen on {}: {e}", config.addr)))?;
        let server = Arc::new(server);
        let log = Arc::new(Mutex::new(IngestLog::open(state, SEGMENT_BYTES)?));
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..WORKERS)
            .map(|_| {
                let worker = Worker {
                    server: Arc::clone(&server),
                    log: Arc::clone(&log),
                    read: Arc::clone(&read),
                    stop: Arc::clone(&stop),
                    config: config.clone(),
                };
                std::thread::spawn(move || worker.run())
            })
            .collect();
        tracing::info!(addr = config.addr, "listening");
        Ok(HttpSource { workers, stop })
    }

    /// Stops taking requests (those in hand are answered first).
    pub fn shut_down(self) {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            let _ = worker.join();
        }
    }
}

/// One server thread.
struct Worker {
    server: Arc<tiny_http::Server>,
    log: Arc<Mutex<IngestLog>>,
    read: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    config: HttpConfig,
}

impl Worker {
    fn run(self) {
        while !self.stop.load(Ordering::Relaxed) {
            match self.server.recv_timeout(Duration::from_millis(100)) {
                Ok(Some(request)) => self.answer(request),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, "HTTP accept failed");
                }
            }
        }
    }

    fn answer(&self, mut request: tiny_http::Request) {
        let result = self.take(&mut request);
        let (status, body) = match result {
            Ok(()) => (200, r#"{"success":true}"#.to_owned()),
            Err(refusal) => (
                refusal.status,
                serde_json::json!({ "success": false, "error": refusal.reason }).to_string(),
            ),
        };
        let mut response = tiny_http::Response::from_string(body).with_status_code(status);
        if let Ok(header) = "Content-Type: application/json".parse::<tiny_http::Header>() {
            response.add_header(header);
        }
        if status == 503 {
            if let Ok(header) = "Retry-After: 1".parse::<tiny_http::Header>() {
                response.add_header(header);
            }
        }
        let _ = request.respond(response);
    }

    fn take(&self, request: &mut tiny_http::Request) -> Result<(), Refusal> {
        if *request.method() != tiny_http::Method::Post {
            return Err(refuse(405, "only POST is accepted"));
        }
        let limit = self.config.max_body_bytes;
        if request.body_length().is_some_and(|length| length > limit) {
            return Err(refuse(413, format!("the body is over {limit} bytes")));
        }
        let mut body = Vec::new();
        request
            .as_reader()
            .take(limit as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| refuse(400, format!("the body could not be read: {e}")))?;
        if body.len() > limit {
            return Err(refuse(413, format!("the body is over {limit} bytes")));
        }
        let gzipped = request.headers().iter().any(|header| {
            header.field.equiv("Content-Encoding")
                && header.value.as_str().trim().eq_ignore_ascii_case("gzip")
        });
        if gzipped {
            body = inflate(&body, limit)?;
        }
        let authorization = request
            .headers()
            .iter()
            .find(|header| header.field.equiv("Authorization"))
            .map(|header| header.value.as_str().to_owned());
        let lines = events_of(
            request.url(),
            authorization.as_deref(),
            &body,
            &self.config.write_key,
            &received_now(),
        )?;
        let mut log = self
            .log
            .lock()
            .map_err(|_| refuse(500, "the ingest log is unusable after an earlier failure"))?;
        let behind = log
            .length()
            .saturating_sub(self.read.load(Ordering::Relaxed));
        if behind > self.config.max_behind_bytes {
            return Err(refuse(503, "the engine is behind; retry"));
        }
        log.append(&lines).map_err(|e| {
            tracing::error!(error = %e, "ingest log write failed");
            refuse(503, format!("the events could not be stored: {e}"))
        })?;
        Ok(())
    }
}

/// A gzip body inflated, refused (413) when it inflates past `limit` bytes: a small body must
/// not become a large one in memory.
fn inflate(body: &[u8], limit: usize) -> Result<Vec<u8>, Refusal> {
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(body)
        .take(limit as u64 + 1)
        .read_to_end(&mut inflated)
        .map_err(|e| refuse(400, format!("the gzip body could not be inflated: {e}")))?;
    if inflated.len() > limit {
        return Err(refuse(
            413,
            format!("the inflated body is over {limit} bytes"),
        ));
    }
    Ok(inflated)
}

/// The wall clock as an RFC 3339 instant with seconds.
fn received_now() -> String {
    let seconds = crate::wall_clock();
    jiff::Timestamp::from_second(seconds).map_or_else(|_| String::new(), |t| t.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const AUTH: &str = "Basic a2V5Og=="; // "key:"

    fn lines(result: Result<Vec<u8>, Refusal>) -> Vec<String> {
        String::from_utf8(result.unwrap())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn single_calls_get_their_type_and_batches_their_lines() {
        let track = br#"{"userId":"u1","event":"x","timestamp":"2026-01-01T00:00:00Z"}"#;
        assert_eq!(
            lines(events_of("/v1/track", Some(AUTH), track, "key", "T")),
            // serde_json's map orders keys by name.
            [r#"{"event":"x","timestamp":"2026-01-01T00:00:00Z","type":"track","userId":"u1"}"#]
        );
        let batch = br#"{"batch":[{"type":"identify","userId":"u1"},{"type":"page","userId":"u2","timestamp":"2026-01-01T00:00:00Z"}],"writeKey":"key"}"#;
        assert_eq!(
            lines(events_of(
                "/v1/batch",
                None,
                batch,
                "key",
                "2026-02-02T00:00:00Z"
            )),
            [
                r#"{"timestamp":"2026-02-02T00:00:00Z","type":"identify","userId":"u1"}"#,
                r#"{"timestamp":"2026-01-01T00:00:00Z","type":"page","userId":"u2"}"#,
            ]
        );
    }

    #[test]
    fn bad_requests_are_refused_with_their_reason() {
        let status = |path: &str, auth: Option<&str>, body: &[u8]| {
            events_of(path, auth, body, "key", "T").unwrap_err()
        };
        assert_eq!(
            status("/v1/track", Some("Basic d3Jvbmc6"), b"{}").status,
            401
        );
        assert_eq!(status("/v1/track", None, b"{}").status, 401);
        assert_eq!(status("/v2/track", Some(AUTH), b"{}").status, 404);
        let not_json = status("/v1/track", Some(AUTH), b"{nope");
        assert_eq!(not_json.status, 400);
        assert!(not_json.reason.starts_with("the body is not JSON"));
        assert_eq!(
            status("/v1/batch", Some(AUTH), br#"{"batch":{}}"#).reason,
            "`batch` is not an array"
        );
        assert_eq!(
            status("/v1/batch", Some(AUTH), br#"{"batch":[1]}"#).reason,
            "`batch[0]` is not an object"
        );
    }

    #[test]
    fn a_gzip_body_is_inflated_within_the_limit_and_a_bomb_is_refused() {
        use std::io::Write as _;
        let gzip = |bytes: &[u8]| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        };
        let body = br#"{"type":"track","event":"x","userId":"u"}"#;
        assert_eq!(inflate(&gzip(body), 1024).unwrap(), body.to_vec());
        // A megabyte of zeros packs into about a kilobyte, far under the limit; inflated, it
        // is over it.
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert!(bomb.len() < 4096);
        assert_eq!(inflate(&bomb, 64 * 1024).err().map(|r| r.status), Some(413));
        assert_eq!(
            inflate(b"not gzip", 1024).err().map(|r| r.status),
            Some(400)
        );
    }
}
