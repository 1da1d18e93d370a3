//! `journey serve`: run a program as a service over a followed file, Segment's HTTP API or stdin,
//! with its state
//! checkpointed under `--state`, so that a restart goes on where the last checkpoint was.

use std::path::PathBuf;
use std::time::Duration;

use journey_runtime::input::Limits;
use journey_runtime::migrate::OnChange;
use journey_service::{ClockMode, Config, SinkSpec, SourceSpec};

use super::run::parse_lateness;
use super::Backend;
use crate::Exit;

/// The arguments of `journey serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The program: a `.journey` file or a folder of them.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Where events come from: `file:PATH` (followed as it grows), `http:ADDR` (Segment's
    /// tracking API), `kafka:BROKERS/TOPIC?group=G` (a worker of the group) or `-` (stdin).
    #[arg(long, value_name = "SPEC", value_parser = SourceSpec::parse)]
    pub source: SourceSpec,
    /// Where actions go: `file:PATH` (appended), `webhook:URL` (one POST each),
    /// `kafka:BROKERS/TOPIC` (with a `kafka:` source) or `-` (stdout).
    #[arg(long, value_name = "SPEC", value_parser = SinkSpec::parse, default_value = "-")]
    pub sink: SinkSpec,
    /// Where rejected lines go as JSON: `file:PATH`, `kafka:BROKERS/TOPIC` or `-` (default:
    /// described on stderr).
    #[arg(long, value_name = "SPEC", value_parser = SinkSpec::parse)]
    pub rejects: Option<SinkSpec>,
    /// The state directory: checkpoints of every contact, timer and position.
    #[arg(long, value_name = "DIR", default_value = ".journey-state")]
    pub state: PathBuf,
    /// What moves the clock: the wall clock (timers fire with no input) or event times only.
    #[arg(long, value_enum, default_value_t = Clock::Wall)]
    pub clock: Clock,
    /// End at the end of a file source (final checkpoint, exit 0) instead of following it.
    #[arg(long)]
    pub stop_at_end: bool,
    /// How often to checkpoint (`500ms`, `1s`, `30s`, ...).
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, default_value = "1s")]
    pub checkpoint_every: Duration,
    /// How far an event may be older than the clock and still be handled.
    #[arg(long, value_name = "DURATION", value_parser = parse_lateness, default_value = "1h")]
    pub lateness: i64,
    /// How long a line's Segment `messageId` is remembered for its contact: a later line with
    /// the same id within it is rejected as `duplicate` (`0s` turns this off).
    #[arg(long, value_name = "DURATION", value_parser = parse_lateness, default_value = "24h")]
    pub dedupe_window: i64,
    /// How far an event may be ahead of the wall clock (`--clock wall` only).
    #[arg(long, value_name = "DURATION", value_parser = parse_lateness, default_value = "5m")]
    pub max_future: i64,
    /// The write key HTTP clients must send (the Basic auth user name).
    #[arg(
        long,
        value_name = "KEY",
        env = "JOURNEY_WRITE_KEY",
        hide_env_values = true
    )]
    pub write_key: Option<String>,
    /// The largest HTTP request body accepted; larger ones are refused (413), not buffered.
    #[arg(long, value_name = "BYTES", default_value_t = 512 * 1024)]
    pub max_body_bytes: usize,
    /// Retries of a failed webhook request (backoff with jitter) before the action is
    /// dead-lettered.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub webhook_retries: u32,
    /// The longest one webhook request may take (`500ms`, `10s`, ...).
    #[arg(long, value_name = "DURATION", value_parser = parse_interval, default_value = "10s")]
    pub webhook_timeout: Duration,
    /// Where actions a webhook did not take go (default: `dead-letter.ndjson` in `--state`).
    #[arg(long, value_name = "FILE")]
    pub dead_letter: Option<PathBuf>,
    /// Serve Prometheus metrics on `/metrics`, and `/healthz` and `/readyz`, at this address.
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    /// The evaluator of expressions.
    #[arg(long, value_enum, default_value_t = Backend::Jit)]
    pub backend: Backend,
    /// Reject lines longer than this many bytes (`line_too_long`).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_line_bytes)]
    pub max_line_bytes: usize,
    /// Reject events whose `properties` (or `traits`) have more keys than this.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_properties)]
    pub max_properties: usize,
    /// When the program changed since the state was written and some journey's steps changed:
    /// refuse to start, take their contacts out (`exit`), or keep them at the same step where
    /// it is still the same kind of step (`keep`). `journey state diff` shows what each does.
    #[arg(long, value_enum, default_value_t = OnChangeArg::Refuse)]
    pub on_change: OnChangeArg,
    /// A librdkafka property for every Kafka client, `KEY=VALUE` (repeatable): security
    /// (`security.protocol=SASL_SSL`, `sasl.mechanism=SCRAM-SHA-512`, `sasl.username=...`,
    /// `ssl.ca.location=...`), timeouts, `transactional.id`. Applied after `--kafka-properties`.
    #[arg(long, value_name = "KEY=VALUE")]
    pub kafka_config: Vec<String>,
    /// A properties file (`key=value` lines) of librdkafka properties for every Kafka client.
    #[arg(long, value_name = "FILE")]
    pub kafka_properties: Option<PathBuf>,
}

/// What a restart does with the journeys whose steps changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnChangeArg {
    /// Refuse to start, naming them.
    Refuse,
    /// Their contacts leave them.
    Exit,
    /// Their contacts stay at the same step where it is still the same kind of step.
    Keep,
}

impl From<OnChangeArg> for OnChange {
    fn from(arg: OnChangeArg) -> OnChange {
        match arg {
            OnChangeArg::Refuse => OnChange::Refuse,
            OnChangeArg::Exit => OnChange::Exit,
            OnChangeArg::Keep => OnChange::Keep,
        }
    }
}

/// What moves a service's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Clock {
    /// The later of the latest event time and the wall clock.
    Wall,
    /// Event times only, as `journey run` (backfills and replays).
    Event,
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    if let Some(millis) = text.strip_suffix("ms") {
        if let Ok(millis) = millis.parse::<u64>() {
            return Ok(Duration::from_millis(millis));
        }
    }
    match journey_runtime::input::parse_duration(text) {
        Some(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds as u64)),
        _ => Err(format!(
            "`{text}` is not a positive duration such as 500ms, 1s or 30s"
        )),
    }
}

/// Runs the service until its input ends or a signal stops it.
pub fn run(args: &ServeArgs) -> Exit {
    init_logs();
    let (sources, program) = match super::compile(std::slice::from_ref(&args.path)) {
        Ok(compiled) => compiled,
        Err(exit) => return exit,
    };
    let evaluator = match super::evaluator(&program, args.backend) {
        Ok(evaluator) => evaluator,
        Err(exit) => return exit,
    };
    let stop = match journey_service::stop_on_signals() {
        Ok(stop) => stop,
        Err(error) => {
            eprintln!("error: cannot handle signals: {error}");
            return Exit::Failure;
        }
    };
    let config = Config {
        source: args.source.clone(),
        sink: args.sink.clone(),
        rejects: args.rejects.clone(),
        state: args.state.clone(),
        clock: match args.clock {
            Clock::Wall => ClockMode::Wall,
            Clock::Event => ClockMode::Event,
        },
        stop_at_end: args.stop_at_end,
        checkpoint_every: args.checkpoint_every,
        lateness: args.lateness,
        max_future: args.max_future,
        limits: Limits {
            max_line_bytes: args.max_line_bytes,
            max_properties: args.max_properties,
        },
        dedupe_window: args.dedupe_window,
        write_key: args.write_key.clone(),
        max_body_bytes: args.max_body_bytes,
        webhook_retries: args.webhook_retries,
        webhook_timeout: args.webhook_timeout,
        dead_letter: args.dead_letter.clone(),
        metrics: args.metrics.clone(),
        program_sources: sources
            .files()
            .iter()
            .map(|file| (file.name.clone(), file.text.clone()))
            .collect(),
        on_change: args.on_change.into(),
        kafka_properties: args.kafka_properties.clone(),
        kafka_config: args.kafka_config.clone(),
    };
    match journey_service::serve(&program, &*evaluator, &config, &stop) {
        Ok(_) => Exit::Clean,
        Err(error) => {
            eprintln!("error: {error}");
            Exit::Failure
        }
    }
}

/// Lifecycle logs on stderr, one line each; `RUST_LOG` chooses the level (default `info`).
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
