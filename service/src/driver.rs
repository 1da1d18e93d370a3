//! The service loop: restore the last checkpoint (or start fresh), read the source line by line
//! into the engine, move the clock, checkpoint every `--checkpoint-every` and at the end.
//!
//! A checkpoint first makes the outputs durable, then commits the state with the positions
//! reached, so a crash at any instant leaves a checkpoint whose outputs are on disk; a restart
//! cuts the outputs back to it and reads the source again from there. The engine is
//! deterministic, so what it writes again is what it wrote before the crash.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::{Duration, Instant};

use journey_ir::eval::Evaluator;
use journey_ir::Program;
use journey_runtime::input::Limits;
use journey_runtime::migrate::OnChange;
use journey_runtime::{Engine, Options, RunState};

use crate::committer::{Committed, Committer, Job};
use crate::http::{HttpConfig, HttpSource};
use crate::ingest::LogSource;
use crate::metrics::{Admin, Metrics, MetricsServer, Snapshot};
use crate::output::Outputs;
use crate::resume::{Start, Started};
use crate::sink::{FileOutput, Output, StreamOutput};
use crate::source::{FileSource, Read, Source, StdinSource};
use crate::spec::{SinkSpec, SourceSpec};
use crate::store::{Positions, StateStore};
use crate::ServeError;

/// What moves the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockMode {
    /// The later of the latest event time and the wall clock: timers fire with no input.
    Wall,
    /// Event times only, as in `journey run` (backfills, replays).
    Event,
}

/// How a service runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where events come from.
    pub source: SourceSpec,
    /// Where actions go.
    pub sink: SinkSpec,
    /// Where rejects go as JSON (`None`: described on stderr).
    pub rejects: Option<SinkSpec>,
    /// The state directory.
    pub state: PathBuf,
    /// What moves the clock.
    pub clock: ClockMode,
    /// End at the end of a file source instead of following it.
    pub stop_at_end: bool,
    /// How often to checkpoint.
    pub checkpoint_every: Duration,
    /// How far (seconds) an event may be older than the clock and still be handled.
    pub lateness: i64,
    /// How far (seconds) an event may be ahead of the wall clock (wall clock only).
    pub max_future: i64,
    /// The decoder's bounds.
    pub limits: Limits,
    /// How long a line's `messageId` is remembered for its contact (0: not at all).
    pub dedupe_window: i64,
    /// The HTTP source's write key (required for `http:`).
    pub write_key: Option<String>,
    /// The HTTP source's largest request body, bytes.
    pub max_body_bytes: usize,
    /// Retries of a failed webhook request before its action is dead-lettered.
    pub webhook_retries: u32,
    /// The longest one webhook request may take.
    pub webhook_timeout: Duration,
    /// Where undeliverable webhook actions go (`None`: `dead-letter.ndjson` in the state).
    pub dead_letter: Option<PathBuf>,
    /// Where to serve metrics, `/healthz` and `/readyz`.
    pub metrics: Option<String>,
    /// The program's source files, `(name, text)`, kept with the state so that it can be read
    /// without them (`journey state show`) and carried over to a changed program.
    pub program_sources: Vec<(String, String)>,
    /// What a restart with a changed program does with the journeys whose steps changed.
    pub on_change: OnChange,
    /// A librdkafka properties file for `kafka:` sources and sinks.
    pub kafka_properties: Option<PathBuf>,
    /// librdkafka properties, `KEY=VALUE` each, after the file's.
    pub kafka_config: Vec<String>,
}

/// How a service run ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Input lines handled, over every run on this state.
    pub lines: u64,
    /// Contacts in the state.
    pub contacts: usize,
    /// Checkpoints committed by this process.
    pub checkpoints: u64,
    /// Whether the run resumed from a checkpoint.
    pub restored: bool,
    /// Whether a signal ended it (rather than the end of the input).
    pub stopped_by_signal: bool,
}

impl Summary {
    /// The log line of a service that stopped.
    pub fn log(&self) {
        tracing::info!(
            lines = self.lines,
            contacts = self.contacts,
            checkpoints = self.checkpoints,
            signal = self.stopped_by_signal,
            "stopped"
        );
    }
}

/// How long to wait before looking at a followed file again.
const IDLE_WAIT: Duration = Duration::from_millis(20);

/// Runs `program` as a service until the input ends or `stop` is set.
pub fn serve(
    program: &Program,
    evaluator: &dyn Evaluator,
    config: &Config,
    stop: &Arc<AtomicBool>,
) -> Result<Summary, ServeError> {
    if let SourceSpec::Kafka(source) = &config.source {
        return crate::kafka::serve(program, evaluator, config, source, stop);
    }
    let metrics = Arc::new(Metrics::default());
    let (admin, forget_requests) = sync_channel(4);
    let admin = Admin {
        requests: admin,
        write_key: config.write_key.clone().filter(|key| !key.is_empty()),
    };
    // Up before the restore, so that `/healthz` answers while a large state is read back.
    let metrics_server = match &config.metrics {
        Some(addr) => Some(
            MetricsServer::start(addr, Arc::clone(&metrics), admin)
                .map_err(|e| ServeError::Source(format!("--metrics {addr}"), e))?,
        ),
        None => None,
    };
    let store = StateStore::open(&config.state)?;
    let options = Options {
        lateness: config.lateness,
        limits: config.limits,
        trace: false,
        dedupe_window: config.dedupe_window,
    };
    let Started {
        mut engine,
        positions,
        start,
    } = crate::resume::start(&store, program, evaluator, options, config)?;
    let restored = start != Start::Fresh;
    engine.track_changes();
    let read = Arc::new(AtomicU64::new(positions.source.unwrap_or(0)));
    let (mut source, http) = open_source(config, &positions, restored, &read)?;
    let actions = open_output(&config.sink, positions.actions, "stdout", config)?;
    let rejects = match &config.rejects {
        Some(spec) => Some(open_output(spec, positions.rejects, "stdout", config)?),
        None => None,
    };
    let mut run = Run {
        engine,
        outputs: Outputs::new(actions, rejects),
        committer: Committer::start(store),
        positions,
        checkpoints: 0,
        metrics,
        program_sources: Some(&config.program_sources),
        ingest: matches!(config.source, SourceSpec::Http(_)).then(|| config.state.clone()),
    };
    if start != Start::Resumed {
        // The outputs' starting lengths, so that a crash before the first periodic checkpoint
        // still cuts them back to where this run began; a state carried over to a changed
        // program is stored whole, under the new program's fingerprint.
        run.checkpoint(&*source)?;
        run.finish_commits()?;
    }
    run.publish(0.0, 0);
    tracing::info!(
        source = source.describe(),
        sink = run.outputs.actions.describe(),
        "started"
    );
    let mut line = Vec::with_capacity(1024);
    let mut last_checkpoint = Instant::now();
    let mut stopped_by_signal = false;
    loop {
        if stop.load(Ordering::Relaxed) {
            stopped_by_signal = true;
            break;
        }
        while let Ok(request) = forget_requests.try_recv() {
            let answer = run.forget(&request.contacts, &*source, &config.state);
            let _ = request.reply.send(answer);
        }
        if config.clock == ClockMode::Wall {
            let now = crate::wall_clock();
            run.engine.set_horizon(Some((now, config.max_future)));
            run.engine.advance(now, &mut run.outputs);
        }
        match source
            .next_line(&mut line)
            .map_err(|e| ServeError::Source(source.describe(), e))?
        {
            Read::Line => {
                run.positions.lines += 1;
                if let Some(offset) = source.position() {
                    read.store(offset, Ordering::Relaxed);
                }
                let content = journey_runtime::input::strip_terminator(&line);
                run.engine
                    .handle_line(run.positions.lines, content, &mut run.outputs);
            }
            Read::Idle => std::thread::sleep(IDLE_WAIT),
            Read::End => break,
        }
        if let Some(error) = run.outputs.error.take() {
            return Err(ServeError::Sink(run.outputs.actions.describe(), error));
        }
        // A checkpoint due while the last one is still being committed waits for it, and the
        // engine reads on meanwhile: the next checkpoint takes what changed in between.
        if last_checkpoint.elapsed() >= config.checkpoint_every && run.commit_idle()? {
            run.checkpoint(&*source)?;
            last_checkpoint = Instant::now();
        }
    }
    if !stopped_by_signal {
        run.engine.finish(None, &mut run.outputs);
    }
    if let Some(http) = http {
        http.shut_down();
    }
    if let Some(server) = metrics_server {
        server.shut_down();
    }
    run.checkpoint(&*source)?;
    run.finish_commits()?;
    let summary = Summary {
        lines: run.positions.lines,
        contacts: run.engine.state().contacts.len(),
        checkpoints: run.checkpoints,
        restored,
        stopped_by_signal,
    };
    summary.log();
    Ok(summary)
}

/// A service run's parts that a checkpoint reads together.
struct Run<'p> {
    engine: Engine<'p>,
    outputs: Outputs,
    committer: Committer,
    positions: Positions,
    checkpoints: u64,
    metrics: Arc<Metrics>,
    /// The program's files, until a checkpoint has stored them.
    program_sources: Option<&'p [(String, String)]>,
    /// The state directory whose ingest log is trimmed after each commit (an `http:` source).
    ingest: Option<PathBuf>,
}

impl Run<'_> {
    /// Makes the outputs durable, then commits the state with the positions reached.
    fn checkpoint(&mut self, source: &dyn Source) -> Result<(), ServeError> {
        tracing::debug!("checkpoint begins");
        let started = Instant::now();
        let (actions, rejects) = self
            .outputs
            .sync()
            .map_err(|e| ServeError::Sink(self.outputs.actions.describe(), e))?;
        let synced = started.elapsed();
        let parts = self.engine.checkpoint().map_err(ServeError::State)?;
        let encoded = started.elapsed();
        self.positions.source = source.position();
        self.positions.actions = actions;
        self.positions.rejects = rejects;
        let job = Job {
            positions: self.positions.clone(),
            shared: parts.shared,
            changed: parts.changed,
            program: self.program_sources.take().map(<[_]>::to_vec),
        };
        let previous = self.committer.submit(job)?;
        self.checkpoints += 1;
        tracing::debug!(
            sync_millis = synced.as_millis() as u64,
            encode_millis = (encoded - synced).as_millis() as u64,
            "checkpoint taken"
        );
        if let Some(committed) = previous {
            self.committed(committed);
        }
        Ok(())
    }
}

/// The engine may be this far behind the HTTP source's ingest log before requests wait.
const MAX_BEHIND_BYTES: u64 = 256 << 20;

impl Run<'_> {
    /// Erases contacts, checkpoints at once (waiting for the commit) and records the erasures
    /// in the audit file: the ids erased and those not found.
    fn forget(
        &mut self,
        ids: &[String],
        source: &dyn Source,
        state_dir: &std::path::Path,
    ) -> crate::metrics::ForgetOutcome {
        let (erased, unknown): (Vec<String>, Vec<String>) =
            ids.iter().cloned().partition(|id| self.engine.forget(id));
        if !erased.is_empty() {
            self.checkpoint(source).map_err(|e| e.to_string())?;
            self.finish_commits().map_err(|e| e.to_string())?;
            let audit = state_dir.join(crate::erasure::AUDIT_FILE);
            crate::erasure::record(&audit, &erased)
                .map_err(|e| format!("cannot write the audit file {}: {e}", audit.display()))?;
            tracing::info!(contacts = erased.len(), "erased");
        }
        Ok((erased, unknown))
    }

    /// Whether the last checkpoint's commit is done (logging it if it just finished).
    fn commit_idle(&mut self) -> Result<bool, ServeError> {
        let (idle, committed) = self.committer.idle()?;
        if let Some(committed) = committed {
            self.committed(committed);
        }
        Ok(idle)
    }

    /// Waits for the last checkpoint's commit.
    fn finish_commits(&mut self) -> Result<(), ServeError> {
        if let Some(committed) = self.committer.wait()? {
            self.committed(committed);
        }
        Ok(())
    }

    /// Logs and publishes a commit done, and deletes the ingest log's segments it has passed.
    fn committed(&self, committed: Committed) {
        if let (Some(state), Some(position)) = (&self.ingest, committed.source) {
            match crate::ingest::trim(state, position) {
                Ok(0) => {}
                Ok(segments) => tracing::debug!(segments, "ingest log trimmed"),
                Err(error) => tracing::warn!(%error, "the ingest log could not be trimmed"),
            }
        }
        self.publish(committed.took.as_secs_f64(), committed.bytes);
        tracing::debug!(
            contacts = committed.contacts,
            bytes = committed.bytes,
            millis = committed.took.as_millis() as u64,
            "checkpoint committed"
        );
    }

    /// Publishes the figures of now for the metrics endpoint.
    fn publish(&self, checkpoint_seconds: f64, checkpoint_bytes: u64) {
        let state = self.engine.state();
        let stats = self.engine.stats();
        self.metrics.publish(Snapshot {
            ready: true,
            lines: self.positions.lines,
            events: stats.events,
            identifies: stats.identifies,
            outputs: self.outputs.counts.clone(),
            contacts: state.contacts.len(),
            timers: state.timers.len(),
            clock: state.clock,
            checkpoints: self.checkpoints,
            checkpoint_seconds,
            checkpoint_bytes,
            consumer_lag: Vec::new(),
        });
    }
}

/// The run state of a checkpoint: its shared value and every stored contact.
pub fn read_state(
    store: &StateStore,
    restored: &crate::store::Restored,
) -> Result<RunState, ServeError> {
    let mut state = RunState::restoring(&restored.shared).map_err(ServeError::State)?;
    store.contacts(|number, bytes| state.contact(number, bytes))?;
    state.finish().map_err(ServeError::State)
}

/// The source, and the HTTP server that feeds it when the source is `http:`.
fn open_source(
    config: &Config,
    positions: &Positions,
    restored: bool,
    read: &Arc<AtomicU64>,
) -> Result<(Box<dyn Source>, Option<HttpSource>), ServeError> {
    let max_line_bytes = config.limits.max_line_bytes;
    let offset = positions.source.unwrap_or(0);
    let source: Box<dyn Source> = match &config.source {
        SourceSpec::Stdin => {
            if restored {
                tracing::warn!(
                    "stdin cannot be read again: lines read after the last checkpoint before \
                     the restart are not handled (use `--source file:PATH` to replay them)"
                );
            }
            Box::new(StdinSource::new(max_line_bytes))
        }
        SourceSpec::File(path) => Box::new(
            FileSource::open(path, offset, !config.stop_at_end, max_line_bytes)
                .map_err(|e| ServeError::Source(format!("file:{}", path.display()), e))?,
        ),
        SourceSpec::Kafka(_) => {
            return Err(ServeError::Kafka(
                "a `kafka:` source is served by its own loop".to_owned(),
            ))
        }
        SourceSpec::Http(addr) => {
            let Some(write_key) = config.write_key.clone().filter(|key| !key.is_empty()) else {
                return Err(ServeError::NoWriteKey);
            };
            let http_config = HttpConfig {
                addr: addr.clone(),
                write_key,
                max_body_bytes: config.max_body_bytes,
                max_behind_bytes: MAX_BEHIND_BYTES,
            };
            let describe = |e| ServeError::Source(format!("http:{addr}"), e);
            let http = HttpSource::start(&http_config, &config.state, Arc::clone(read))
                .map_err(describe)?;
            let source =
                LogSource::open(&config.state, offset, max_line_bytes).map_err(describe)?;
            return Ok((Box::new(source), Some(http)));
        }
    };
    Ok((source, None))
}

fn open_output(
    spec: &SinkSpec,
    length: Option<u64>,
    stream: &'static str,
    config: &Config,
) -> Result<Box<dyn Output>, ServeError> {
    match spec {
        SinkSpec::Stdout => Ok(Box::new(StreamOutput::new(std::io::stdout(), stream))),
        SinkSpec::File(path) => FileOutput::open(path, length)
            .map(|output| Box::new(output) as Box<dyn Output>)
            .map_err(|e| ServeError::Sink(format!("file:{}", path.display()), e)),
        SinkSpec::Kafka(_) => Err(ServeError::Kafka(
            "a `kafka:` sink needs a `kafka:` source: its records commit in one transaction \
             with the input's offsets"
                .to_owned(),
        )),
        SinkSpec::Webhook(url) => {
            let dead_letter = config
                .dead_letter
                .clone()
                .unwrap_or_else(|| config.state.join("dead-letter.ndjson"));
            let webhook = crate::webhook::WebhookConfig {
                retries: config.webhook_retries,
                timeout: config.webhook_timeout,
                ..crate::webhook::WebhookConfig::new(url, dead_letter)
            };
            crate::webhook::WebhookOutput::open(webhook)
                .map(|output| Box::new(output) as Box<dyn Output>)
                .map_err(|e| ServeError::Sink(format!("webhook:{url}"), e))
        }
    }
}
