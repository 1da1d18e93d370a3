//! `journey serve --source kafka:...`: a worker of a consumer group, scaled out the way Kafka
//! Streams is (`docs/reference.md`, "Scaling out on Kafka").
//!
//! The unit of state is the input topic's partition. Each partition a worker owns has its own
//! engine ([`task`]); its checkpoints go to the same partition of the group's changelog topic
//! ([`changelog`]), so a worker on any machine takes a partition over from the brokers alone
//! ([`restore`] reads it back, [`takeover`] makes its engine, carrying the state over when
//! another program wrote it). The consumer runs on its own thread ([`group`]) and turns rebalances into
//! requests the engine thread ([`worker`]) answers; outputs, changelog records and input offsets
//! commit in one transaction ([`produce`]). [`settings`] holds what every client shares and the
//! checks made before joining.

pub mod changelog;
pub mod group;
pub mod produce;
pub mod rekey;
pub mod restore;
pub mod settings;
pub mod takeover;
pub mod task;
pub mod worker;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use journey_ir::eval::Evaluator;
use journey_ir::Program;
use journey_runtime::Options;

use crate::driver::{ClockMode, Config, Summary};
use crate::metrics::{Admin, ForgetRequest, Metrics, MetricsServer, Snapshot};
use crate::spec::{KafkaSpec, SinkSpec};
use crate::ServeError;
use group::Work;
use produce::Producing;
use restore::Restorer;
use settings::KafkaSettings;
use worker::{Tables, Worker};

/// How often the wall clock moves the partitions' clocks.
const TICK: Duration = Duration::from_millis(100);

/// How often the metrics are brought up to date.
const PUBLISH_EVERY: Duration = Duration::from_secs(1);

/// The changelog topic of a consumer group.
pub fn changelog_topic(group: &str) -> String {
    format!("{group}-changelog")
}

/// The topics a worker reads and writes.
struct Topics {
    group: String,
    /// What the engines read: the source topic, or the group's repartition topic.
    input: String,
    actions: String,
    rejects: Option<String>,
    changelog: String,
}

/// The topics of `config`, or why they cannot be used together.
fn topics(config: &Config, source: &KafkaSpec) -> Result<Topics, ServeError> {
    let fail = ServeError::Kafka;
    let actions = kafka_sink(&config.sink, source, "--sink")?.ok_or_else(|| {
        fail(
            "a `kafka:` source writes its actions to a `kafka:` sink (`--sink \
              kafka:BROKERS/TOPIC`): outputs and input offsets commit in one transaction"
                .to_owned(),
        )
    })?;
    let rejects = match &config.rejects {
        Some(spec) => Some(kafka_sink(spec, source, "--rejects")?.ok_or_else(|| {
            fail("with a `kafka:` source, `--rejects` must be a `kafka:` topic too".to_owned())
        })?),
        None => None,
    };
    if config.stop_at_end && source.rekey {
        return Err(fail(
            "`--stop-at-end` cannot tell when a re-keyed input (`rekey=true`) is at its end: \
             stop the workers with SIGTERM once the group's lag is zero"
                .to_owned(),
        ));
    }
    let group = source.group.clone().unwrap_or_default();
    Ok(Topics {
        input: if source.rekey {
            rekey::repartition_topic(&group)
        } else {
            source.topic.clone()
        },
        changelog: changelog_topic(&group),
        group,
        actions,
        rejects,
    })
}

/// Runs a worker of `source`'s group until `stop` is set (or, with `--stop-at-end`, until every
/// partition it owns is at its end).
pub fn serve(
    program: &Program,
    evaluator: &dyn Evaluator,
    config: &Config,
    source: &KafkaSpec,
    stop: &Arc<AtomicBool>,
) -> Result<Summary, ServeError> {
    let fail = ServeError::Kafka;
    let topics = topics(config, source)?;
    let settings = KafkaSettings::new(
        &source.brokers,
        config.kafka_properties.as_deref(),
        &config.kafka_config,
    )
    .map_err(fail)?;
    let mut outputs = vec![topics.actions.as_str(), topics.changelog.as_str()];
    outputs.extend(topics.rejects.as_deref());
    let found = settings::check_topics(&settings, &topics.input, &outputs).map_err(fail)?;
    if source.rekey {
        settings::check_topics(&settings, &source.topic, &[]).map_err(fail)?;
    }
    let transactional_id = settings
        .get("transactional.id")
        .map(str::to_owned)
        .unwrap_or_else(|| unique_id(&topics.group));
    let rejects = topics.rejects.as_deref();
    let producing = Producing::start(
        &settings,
        &transactional_id,
        &topics.actions,
        rejects,
        &topics.changelog,
    )
    .map_err(fail)?;
    let restorer =
        Restorer::new(&settings, &topics.changelog, &topics.actions, rejects).map_err(fail)?;
    let tables = Tables {
        program,
        evaluator,
        options: Options {
            lateness: config.lateness,
            limits: config.limits,
            trace: false,
            dedupe_window: config.dedupe_window,
        },
        fingerprint: crate::program::fingerprint(program),
        program_record: changelog::encode_program(&config.program_sources).map_err(fail)?,
        on_change: config.on_change,
        started_at: crate::wall_clock(),
        input: topics.input.clone(),
    };
    let mut worker = Worker::new(producing, restorer);
    let (work, handed) = sync_channel(64);
    let consumer_stop = Arc::new(AtomicBool::new(false));
    let rekeyer = match source.rekey {
        true => Some(
            rekey::spawn(
                &settings,
                &source.topic,
                &topics.group,
                &format!("{transactional_id}-rekey"),
                config.checkpoint_every,
                work.clone(),
                Arc::clone(&consumer_stop),
            )
            .map_err(fail)?,
        ),
        false => None,
    };
    let ends = group::Ends::default();
    let consumer = group::spawn(
        &settings,
        &topics.input,
        &topics.group,
        work,
        Arc::clone(&ends),
        Arc::clone(&consumer_stop),
    );
    let metrics = Arc::new(Metrics::default());
    let (admin, forget_requests) = sync_channel(4);
    let metrics_server = match &config.metrics {
        Some(addr) => Some(
            MetricsServer::start(
                addr,
                Arc::clone(&metrics),
                Admin {
                    requests: admin,
                    write_key: config.write_key.clone().filter(|key| !key.is_empty()),
                },
            )
            .map_err(|e| ServeError::Source(format!("--metrics {addr}"), e))?,
        ),
        None => None,
    };
    tracing::info!(
        topic = topics.input,
        group = topics.group,
        partitions = found.partitions,
        transactional_id,
        "kafka worker started"
    );
    let outside = Outside {
        handed,
        metrics: &metrics,
        ends: &ends,
        forget_requests,
    };
    let ended = run(&mut worker, &tables, config, &outside, stop);
    let ended = ended.and_then(|ended| worker.commit(&tables).map(|()| ended));
    if let Ok(Ended::Replaced(_)) = &ended {
        // Committed: every partition goes back to the group as the consumer leaves it.
        worker.tasks.clear();
        publish(&metrics, &worker, &ends);
    }
    // The consumer leaves the group once nothing is handled any more: its revocation finds the
    // channel closed and lets the partitions go as committed.
    drop(outside);
    consumer_stop.store(true, Ordering::Relaxed);
    if ended.is_ok() {
        let _ = consumer.join();
        if let Some(rekeyer) = rekeyer {
            let _ = rekeyer.join();
        }
    }
    if let Ok(Ended::Replaced(error)) = &ended {
        // Exiting would have a supervisor restart it with the same, replaced program, which
        // could carry the new program's states back: it waits to be stopped instead.
        tracing::error!("{error}");
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(TICK);
        }
    }
    if let Some(server) = metrics_server {
        server.shut_down();
    }
    let stopped_by_signal = match ended.map_err(fail)? {
        Ended::Signal => true,
        Ended::AtEnd => false,
        Ended::Replaced(error) => return Err(fail(error)),
    };
    let summary = Summary {
        lines: worker.tasks.values().map(|task| task.meta.lines).sum(),
        contacts: worker
            .tasks
            .values()
            .map(|task| task.engine.state().contacts.len())
            .sum(),
        checkpoints: worker.checkpoints,
        restored: false,
        stopped_by_signal,
    };
    summary.log();
    Ok(summary)
}

/// What the engine thread's loop hears from and tells the other threads.
struct Outside<'a> {
    /// The consumer's records and rebalances.
    handed: Receiver<Work>,
    metrics: &'a Metrics,
    ends: &'a group::Ends,
    forget_requests: Receiver<ForgetRequest>,
}

/// How the engine thread's loop ended.
enum Ended {
    /// `stop` was set (a signal).
    Signal,
    /// Every partition is at its end, with `--stop-at-end`.
    AtEnd,
    /// A partition assigned had been carried over to another program by a worker started
    /// later: this worker's program has been replaced.
    Replaced(String),
}

/// The engine thread's loop: handles what the consumer hands over, moves the partitions' clocks
/// on the wall clock, checkpoints and publishes, until it [`Ended`].
fn run<'p>(
    worker: &mut Worker<'p>,
    tables: &Tables<'p>,
    config: &Config,
    outside: &Outside<'_>,
    stop: &AtomicBool,
) -> Result<Ended, String> {
    let mut last_checkpoint = Instant::now();
    let mut last_tick = Instant::now();
    let mut last_publish = Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(Ended::Signal);
        }
        // New partitions take the wall clock (and its horizon) before their first record.
        let mut tick_now = false;
        match outside.handed.recv_timeout(TICK) {
            Ok(Work::Records(batch)) => worker.records(&batch)?,
            Ok(Work::End(partition)) => {
                if let Some(task) = worker.tasks.get_mut(&partition) {
                    task.at_end = true;
                    tracing::debug!(
                        partition,
                        next = task.meta.input_next,
                        "partition at its end"
                    );
                }
                if config.stop_at_end
                    && !worker.tasks.is_empty()
                    && worker.tasks.values().all(|task| task.at_end)
                {
                    finish(worker)?;
                    return Ok(Ended::AtEnd);
                }
            }
            Ok(Work::Assign {
                partitions,
                group,
                reply,
            }) => {
                let answer = worker.assign(tables, &partitions, group);
                let failed = answer.as_ref().err().cloned();
                let _ = reply.send(answer);
                if let Some(error) = failed {
                    return match worker.replaced {
                        true => Ok(Ended::Replaced(error)),
                        false => Err(error),
                    };
                }
                if !partitions.is_empty() {
                    tracing::info!(?partitions, "partitions assigned");
                }
                tick_now = true;
            }
            Ok(Work::Revoke {
                partitions,
                lost,
                group,
                reply,
            }) => {
                tracing::info!(?partitions, lost, "revoking");
                let answer = worker.revoke(tables, &partitions, lost, group);
                let _ = reply.send(answer.clone());
                answer?;
            }
            Ok(Work::Failed(error)) => return Err(error),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err("the Kafka consumer stopped".to_owned())
            }
        }
        while let Ok(request) = outside.forget_requests.try_recv() {
            let _ = request.reply.send(Err(
                "erasure is not available on a Kafka worker: a contact's state lives in the \
                 partition of its id, which another worker may own"
                    .to_owned(),
            ));
        }
        if last_publish.elapsed() >= PUBLISH_EVERY {
            last_publish = Instant::now();
            publish(outside.metrics, worker, outside.ends);
        }
        if config.clock == ClockMode::Wall && (tick_now || last_tick.elapsed() >= TICK) {
            last_tick = Instant::now();
            let now = crate::wall_clock();
            for task in worker.tasks.values_mut() {
                task.advance(
                    now,
                    config.max_future,
                    &worker.producing,
                    &mut worker.counts,
                )?;
            }
        }
        if last_checkpoint.elapsed() >= config.checkpoint_every {
            worker.commit(tables)?;
            last_checkpoint = Instant::now();
        }
    }
}

/// Publishes the worker's figures: sums over its partitions, the clock of the one furthest
/// behind, and each partition's lag behind its end.
fn publish(metrics: &Metrics, worker: &Worker<'_>, ends: &group::Ends) {
    let ends = ends.lock().map(|ends| ends.clone()).unwrap_or_default();
    let tasks = || worker.tasks.values();
    metrics.publish(Snapshot {
        ready: !worker.tasks.is_empty(),
        lines: tasks().map(|task| task.meta.lines).sum(),
        events: tasks().map(|task| task.engine.stats().events).sum(),
        identifies: tasks().map(|task| task.engine.stats().identifies).sum(),
        outputs: worker.counts.clone(),
        contacts: tasks().map(|task| task.engine.state().contacts.len()).sum(),
        timers: tasks().map(|task| task.engine.state().timers.len()).sum(),
        clock: tasks().filter_map(|task| task.engine.state().clock).min(),
        checkpoints: worker.checkpoints,
        checkpoint_seconds: worker.last_checkpoint.0,
        checkpoint_bytes: worker.last_checkpoint.1,
        consumer_lag: tasks()
            .filter_map(|task| {
                let end = ends.get(&task.partition)?;
                Some((
                    task.partition,
                    (end - task.meta.input_next.unwrap_or(0)).max(0),
                ))
            })
            .collect(),
    });
}

/// `--stop-at-end`: every partition's input ended; the timers due by its clock fire.
fn finish(worker: &mut Worker<'_>) -> Result<(), String> {
    for task in worker.tasks.values_mut() {
        task.finish(&worker.producing, &mut worker.counts)?;
    }
    Ok(())
}

/// The topic of a `kafka:` sink on the source's brokers; `None` for another kind of sink.
fn kafka_sink(
    spec: &SinkSpec,
    source: &KafkaSpec,
    option: &str,
) -> Result<Option<String>, ServeError> {
    match spec {
        SinkSpec::Kafka(sink) if sink.brokers == source.brokers => Ok(Some(sink.topic.clone())),
        SinkSpec::Kafka(sink) => Err(ServeError::Kafka(format!(
            "`{option}` is on the brokers `{}` and the source on `{}`: a transaction cannot \
             span two clusters, so outputs go to the source's brokers",
            sink.brokers, source.brokers
        ))),
        _ => Ok(None),
    }
}

/// A transactional id no other worker has: the group, the host and this process.
fn unique_id(group: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "host".to_owned());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    format!("journey-{group}-{host}-{}-{nanos:x}", std::process::id())
}
