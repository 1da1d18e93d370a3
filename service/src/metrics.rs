//! What a running service shows (`--metrics ADDR`): Prometheus text on `/metrics`, `/healthz`
//! (the process answers) and `/readyz` (the state is restored and input is being read).
//!
//! The loop publishes a [`Snapshot`] at every checkpoint and when it starts, so a scrape reads
//! figures at most one checkpoint interval old and never waits for the engine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::io::Read as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use journey_runtime::engine::ACTION_KINDS;

/// Counts the engine's output by kind, as the outputs see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputCounts {
    /// Rejected lines by reason code.
    pub rejects: BTreeMap<&'static str, u64>,
    /// Actions by journey, by kind (in [`ACTION_KINDS`] order).
    pub actions: BTreeMap<Box<str>, [u64; 7]>,
}

impl OutputCounts {
    /// Counts one action of `journey` of kind number `kind`.
    pub fn action(&mut self, journey: &str, kind: usize) {
        let counts = match self.actions.get_mut(journey) {
            Some(counts) => counts,
            None => self.actions.entry(journey.into()).or_default(),
        };
        if let Some(count) = counts.get_mut(kind) {
            *count += 1;
        }
    }

    /// Counts one reject with reason `code`.
    pub fn reject(&mut self, code: &'static str) {
        *self.rejects.entry(code).or_default() += 1;
    }
}

/// The figures of one moment of a service.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Whether the state is restored and input is being read.
    pub ready: bool,
    /// Input lines handled.
    pub lines: u64,
    /// Track and page events handled.
    pub events: u64,
    /// Identify calls handled.
    pub identifies: u64,
    /// What the outputs counted.
    pub outputs: OutputCounts,
    /// Contacts in the state.
    pub contacts: usize,
    /// Timers pending (stale ones included).
    pub timers: usize,
    /// The engine's clock, seconds since the epoch.
    pub clock: Option<i64>,
    /// Checkpoints committed by this process.
    pub checkpoints: u64,
    /// The last checkpoint's duration, seconds.
    pub checkpoint_seconds: f64,
    /// The last checkpoint's size, bytes.
    pub checkpoint_bytes: u64,
    /// A Kafka worker's partitions: how many records each is behind its partition's end.
    pub consumer_lag: Vec<(i32, i64)>,
}

/// The figures a scrape reads.
#[derive(Default)]
pub struct Metrics {
    snapshot: Mutex<Snapshot>,
}

impl Metrics {
    /// Publishes the figures of now.
    pub fn publish(&self, snapshot: Snapshot) {
        if let Ok(mut current) = self.snapshot.lock() {
            *current = snapshot;
        }
    }

    /// Whether `/readyz` says ready.
    pub fn ready(&self) -> bool {
        self.snapshot.lock().is_ok_and(|s| s.ready)
    }

    /// The Prometheus text exposition of the figures, with the clock lag against `wall`.
    pub fn render(&self, wall: i64) -> String {
        let snapshot = match self.snapshot.lock() {
            Ok(snapshot) => snapshot.clone(),
            Err(_) => Snapshot::default(),
        };
        render(&snapshot, wall)
    }
}

fn render(s: &Snapshot, wall: i64) -> String {
    let mut out = String::with_capacity(2048);
    let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, String)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let plain = |value: String| vec![(String::new(), value)];
    metric(
        "journey_up",
        "gauge",
        "1 once the state is restored and input is read.",
        &plain(u8::from(s.ready).to_string()),
    );
    metric(
        "journey_lines_total",
        "counter",
        "Input lines handled, rejected ones included.",
        &plain(s.lines.to_string()),
    );
    metric(
        "journey_inputs_total",
        "counter",
        "Inputs handled, by type.",
        &[
            (r#"{type="track"}"#.to_owned(), s.events.to_string()),
            (r#"{type="identify"}"#.to_owned(), s.identifies.to_string()),
        ],
    );
    let rejects: Vec<_> = s
        .outputs
        .rejects
        .iter()
        .map(|(reason, n)| (format!(r#"{{reason="{reason}"}}"#), n.to_string()))
        .collect();
    metric(
        "journey_rejected_total",
        "counter",
        "Input lines rejected, by reason.",
        &rejects,
    );
    let actions: Vec<_> = s
        .outputs
        .actions
        .iter()
        .flat_map(|(journey, counts)| {
            ACTION_KINDS.iter().zip(counts).map(move |(kind, n)| {
                (
                    format!(r#"{{journey="{}",kind="{kind}"}}"#, escape(journey)),
                    n.to_string(),
                )
            })
        })
        .collect();
    metric(
        "journey_actions_total",
        "counter",
        "Actions written, by journey and kind.",
        &actions,
    );
    metric(
        "journey_contacts",
        "gauge",
        "Contacts in the state.",
        &plain(s.contacts.to_string()),
    );
    metric(
        "journey_timers_pending",
        "gauge",
        "Timers pending.",
        &plain(s.timers.to_string()),
    );
    if let Some(clock) = s.clock {
        metric(
            "journey_clock_seconds",
            "gauge",
            "The engine's clock, seconds since the Unix epoch.",
            &plain(clock.to_string()),
        );
        metric(
            "journey_clock_lag_seconds",
            "gauge",
            "The wall clock minus the engine's clock.",
            &plain(wall.saturating_sub(clock).to_string()),
        );
    }
    metric(
        "journey_checkpoints_total",
        "counter",
        "Checkpoints committed since the process started.",
        &plain(s.checkpoints.to_string()),
    );
    metric(
        "journey_checkpoint_duration_seconds",
        "gauge",
        "How long the last checkpoint took.",
        &plain(format!("{:.6}", s.checkpoint_seconds)),
    );
    metric(
        "journey_checkpoint_bytes",
        "gauge",
        "How many bytes the last checkpoint wrote.",
        &plain(s.checkpoint_bytes.to_string()),
    );
    if !s.consumer_lag.is_empty() {
        let lags: Vec<_> = s
            .consumer_lag
            .iter()
            .map(|(partition, lag)| (format!(r#"{{partition="{partition}"}}"#), lag.to_string()))
            .collect();
        metric(
            "journey_consumer_lag",
            "gauge",
            "Input records not handled yet, by partition this worker owns.",
            &lags,
        );
    }
    out
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// What erasing gave: the ids erased and those no contact had, or why it failed.
pub type ForgetOutcome = Result<(Vec<String>, Vec<String>), String>;

/// A request to erase contacts, taken by the service loop between two lines.
pub struct ForgetRequest {
    /// The ids to erase.
    pub contacts: Vec<String>,
    /// Where the loop answers: the ids erased and those not found, or why it failed.
    pub reply: SyncSender<ForgetOutcome>,
}

/// The admin side of the endpoint: where erasure requests go, and the key they need.
#[derive(Clone)]
pub struct Admin {
    /// The service loop's inbox.
    pub requests: SyncSender<ForgetRequest>,
    /// The write key an admin request must carry (no key: admin requests are refused).
    pub write_key: Option<String>,
}

/// The metrics endpoint's server thread.
pub struct MetricsServer {
    worker: JoinHandle<()>,
    stop: Arc<AtomicBool>,
}

impl MetricsServer {
    /// Serves `metrics` (and the `admin` requests) on `addr`.
    pub fn start(addr: &str, metrics: Arc<Metrics>, admin: Admin) -> io::Result<MetricsServer> {
        let server = tiny_http::Server::http(addr)
            .map_err(|e| io::Error::other(format!("cannot listen on {addr}: {e}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let worker = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                if let Ok(Some(request)) = server.recv_timeout(Duration::from_millis(100)) {
                    answer(request, &metrics, &admin);
                }
            }
        });
        tracing::info!(addr, "metrics");
        Ok(MetricsServer { worker, stop })
    }

    /// Stops serving.
    pub fn shut_down(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.worker.join();
    }
}

fn answer(mut request: tiny_http::Request, metrics: &Metrics, admin: &Admin) {
    let (status, body) = match request.url() {
        "/admin/forget" => forget(&mut request, admin),
        "/metrics" => (200, metrics.render(crate::wall_clock())),
        "/healthz" => (200, "ok\n".to_owned()),
        "/readyz" if metrics.ready() => (200, "ready\n".to_owned()),
        "/readyz" => (503, "not ready\n".to_owned()),
        _ => (404, "not found\n".to_owned()),
    };
    let mut response = tiny_http::Response::from_string(body).with_status_code(status);
    if let Ok(header) = "Content-Type: text/plain; version=0.0.4".parse::<tiny_http::Header>() {
        response.add_header(header);
    }
    let _ = request.respond(response);
}

/// `POST /admin/forget` with `{"contacts":["ID",...]}` and the write key as Basic auth user.
fn forget(request: &mut tiny_http::Request, admin: &Admin) -> (u16, String) {
    let refuse = |status: u16, message: &str| {
        (
            status,
            serde_json::json!({ "error": message }).to_string() + "\n",
        )
    };
    if *request.method() != tiny_http::Method::Post {
        return refuse(405, "only POST is accepted");
    }
    let Some(key) = &admin.write_key else {
        return refuse(403, "admin requests need the service to have a write key");
    };
    let user = request
        .headers()
        .iter()
        .find(|header| header.field.equiv("Authorization"))
        .and_then(|header| crate::http::basic_user(header.value.as_str()));
    if user.as_deref() != Some(key.as_str()) {
        return refuse(401, "wrong or missing write key");
    }
    let mut body = Vec::new();
    if request
        .as_reader()
        .take(1 << 20)
        .read_to_end(&mut body)
        .is_err()
    {
        return refuse(400, "the body could not be read");
    }
    #[derive(serde::Deserialize)]
    struct Body {
        contacts: Vec<String>,
    }
    let contacts = match serde_json::from_slice::<Body>(&body) {
        Ok(body) => body.contacts,
        Err(e) => return refuse(400, &format!("expected {{\"contacts\":[...]}}: {e}")),
    };
    let (reply, answer) = sync_channel(1);
    if admin
        .requests
        .send(ForgetRequest { contacts, reply })
        .is_err()
    {
        return refuse(503, "the service is stopping");
    }
    match answer.recv() {
        Ok(Ok((erased, unknown))) => (
            200,
            serde_json::json!({ "erased": erased.len(), "unknown": unknown }).to_string() + "\n",
        ),
        Ok(Err(message)) => refuse(500, &message),
        Err(_) => refuse(503, "the service is stopping"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_every_family_with_its_labels() {
        let mut outputs = OutputCounts::default();
        outputs.action("welcome", 0);
        outputs.action("welcome", 0);
        outputs.action("say \"hi\"", 1);
        outputs.reject("late");
        let snapshot = Snapshot {
            ready: true,
            lines: 10,
            events: 7,
            identifies: 2,
            outputs,
            contacts: 3,
            timers: 4,
            clock: Some(100),
            checkpoints: 2,
            checkpoint_seconds: 0.25,
            checkpoint_bytes: 4096,
            consumer_lag: vec![(3, 120)],
        };
        let text = render(&snapshot, 160);
        for line in [
            "journey_up 1",
            "journey_lines_total 10",
            r#"journey_inputs_total{type="identify"} 2"#,
            r#"journey_rejected_total{reason="late"} 1"#,
            r#"journey_actions_total{journey="welcome",kind="send"} 2"#,
            r#"journey_actions_total{journey="say \"hi\"",kind="suppressed"} 1"#,
            "journey_timers_pending 4",
            "journey_clock_lag_seconds 60",
            "journey_checkpoint_duration_seconds 0.250000",
            r#"journey_consumer_lag{partition="3"} 120"#,
            "# TYPE journey_actions_total counter",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
    }
}
