//! The worker's consumer in the group, on its own thread. It hands the records it polls to the
//! engine thread in batches, and turns the group's rebalances into requests the engine thread
//! answers before the rebalance goes on: on assignment the partitions are restored and read
//! from the offsets their checkpoints hold; on revocation their work is checkpointed before
//! they are let go.
//!
//! librdkafka calls the rebalance callback inside `poll`, on this thread; the engines live on
//! the other one, so the callback waits for its answer there.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{
    BaseConsumer, Consumer, ConsumerContext, ConsumerGroupMetadata, RebalanceProtocol,
};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::statistics::Statistics;
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{Offset, TopicPartitionList};

use super::settings::{KafkaSettings, Observed};

/// A batch is handed over at this many records, bytes or age, whichever comes first.
const BATCH_RECORDS: usize = 2048;
const BATCH_BYTES: usize = 1 << 20;
const BATCH_AGE: Duration = Duration::from_millis(10);

/// How long one poll waits for a record.
const POLL: Duration = Duration::from_millis(50);

/// Input records, their values back to back.
#[derive(Default)]
pub struct Batch {
    /// Each record: partition, offset, and where its value ends in `bytes`.
    pub records: Vec<(i32, i64, usize)>,
    /// The values.
    pub bytes: Vec<u8>,
    started: Option<Instant>,
}

impl Batch {
    /// Each record's partition, offset and value.
    pub fn iter(&self) -> impl Iterator<Item = (i32, i64, &[u8])> {
        let mut start = 0;
        self.records.iter().map(move |&(partition, offset, end)| {
            let value = &self.bytes[start..end];
            start = end;
            (partition, offset, value)
        })
    }

    fn full(&self) -> bool {
        self.records.len() >= BATCH_RECORDS
            || self.bytes.len() >= BATCH_BYTES
            || self
                .started
                .is_some_and(|started| started.elapsed() >= BATCH_AGE)
    }
}

/// The answer to an assignment: each partition's offset to read from (`None`: its beginning).
pub type Offsets = Result<Vec<(i32, Option<i64>)>, String>;

/// What the consumer thread hands the engine thread.
pub enum Work {
    /// Input records.
    Records(Batch),
    /// A partition reached its end (for now).
    End(i32),
    /// Partitions assigned to this worker: restore them.
    Assign {
        /// The partitions.
        partitions: Vec<i32>,
        /// The group's generation now, for the transactions' offsets.
        group: Option<ConsumerGroupMetadata>,
        /// Where to read each from.
        reply: SyncSender<Offsets>,
    },
    /// Partitions taken away: checkpoint and let go (`lost`: another worker may already own
    /// them, so nothing more may be committed for them).
    Revoke {
        /// The partitions.
        partitions: Vec<i32>,
        /// Whether they were lost rather than handed over.
        lost: bool,
        /// The group's generation now.
        group: Option<ConsumerGroupMetadata>,
        /// Done.
        reply: SyncSender<Result<(), String>>,
    },
    /// The consumer cannot go on.
    Failed(String),
}

/// Where each input partition ends (its last stable offset), from librdkafka's statistics,
/// for the consumer lag the metrics show.
pub type Ends = Arc<Mutex<BTreeMap<i32, i64>>>;

/// The consumer's context: librdkafka's logs and statistics, the batch being filled, and the
/// rebalances.
struct GroupSide {
    observed: Observed,
    work: SyncSender<Work>,
    pending: Mutex<Batch>,
    topic: String,
    ends: Ends,
}

impl GroupSide {
    /// Hands the batch being filled to the engine thread.
    fn hand_over(&self) {
        let batch = match self.pending.lock() {
            Ok(mut pending) if !pending.records.is_empty() => std::mem::take(&mut *pending),
            _ => return,
        };
        let _ = self.work.send(Work::Records(batch));
    }

    fn push(&self, partition: i32, offset: i64, value: &[u8]) {
        let full = match self.pending.lock() {
            Ok(mut pending) => {
                pending.started.get_or_insert_with(Instant::now);
                pending.bytes.extend_from_slice(value);
                let end = pending.bytes.len();
                pending.records.push((partition, offset, end));
                pending.full()
            }
            Err(_) => false,
        };
        if full {
            self.hand_over();
        }
    }
}

impl ClientContext for GroupSide {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        self.observed.log(level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.observed.error(error, reason);
    }

    fn stats(&self, statistics: Statistics) {
        let Some(topic) = statistics.topics.get(&self.topic) else {
            return;
        };
        if let Ok(mut ends) = self.ends.lock() {
            ends.clear();
            for (&partition, stats) in &topic.partitions {
                let end = if stats.ls_offset >= 0 {
                    stats.ls_offset
                } else {
                    stats.hi_offset
                };
                if partition >= 0 && end >= 0 {
                    ends.insert(partition, end);
                }
            }
        }
    }
}

impl ConsumerContext for GroupSide {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        partitions: &mut TopicPartitionList,
    ) {
        // Records polled before the rebalance are handled before it.
        self.hand_over();
        let numbers: Vec<i32> = partitions
            .elements()
            .iter()
            .map(|e| e.partition())
            .collect();
        let cooperative = matches!(
            consumer.rebalance_protocol(),
            RebalanceProtocol::Cooperative
        );
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                if !numbers.is_empty() {
                    let (reply, answer) = sync_channel(1);
                    let asked = Work::Assign {
                        partitions: numbers,
                        group: consumer.group_metadata(),
                        reply,
                    };
                    if self.work.send(asked).is_err() {
                        return;
                    }
                    let Ok(Ok(offsets)) = answer.recv() else {
                        // The engine thread failed and is ending the worker.
                        return;
                    };
                    let topics: Vec<String> = partitions
                        .elements()
                        .iter()
                        .map(|e| e.topic().to_owned())
                        .collect();
                    for (topic, (partition, next)) in topics.iter().zip(offsets) {
                        let offset = next.map_or(Offset::Beginning, Offset::Offset);
                        let _ = partitions.set_partition_offset(topic, partition, offset);
                    }
                }
                let assigned = if cooperative {
                    consumer.incremental_assign(partitions)
                } else {
                    consumer.assign(partitions)
                };
                if let Err(error) = assigned {
                    let _ = self
                        .work
                        .send(Work::Failed(format!("cannot take the partitions: {error}")));
                }
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                let (reply, answer) = sync_channel(1);
                let asked = Work::Revoke {
                    partitions: numbers,
                    lost: consumer.assignment_lost(),
                    group: consumer.group_metadata(),
                    reply,
                };
                if self.work.send(asked).is_ok() {
                    let _ = answer.recv();
                }
                let _ = if cooperative {
                    consumer.incremental_unassign(partitions)
                } else {
                    consumer.unassign()
                };
            }
            other => {
                let _ = self.work.send(Work::Failed(format!(
                    "the consumer group's rebalance failed: {other:?}"
                )));
            }
        }
    }
}

/// Starts the consumer of `topic` in `group` on its own thread; it runs until `stop` is set.
pub fn spawn(
    settings: &KafkaSettings,
    topic: &str,
    group: &str,
    work: SyncSender<Work>,
    ends: Ends,
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    let context = GroupSide {
        observed: Observed::default(),
        work: work.clone(),
        pending: Mutex::new(Batch::default()),
        topic: topic.to_owned(),
        ends,
    };
    let config = settings.client_config(&[
        ("group.id", group),
        ("partition.assignment.strategy", "cooperative-sticky"),
        ("enable.auto.commit", "false"),
        ("enable.auto.offset.store", "false"),
        ("auto.offset.reset", "earliest"),
        ("isolation.level", "read_committed"),
        ("enable.partition.eof", "true"),
        // Partition ends for the consumer-lag metric.
        ("statistics.interval.ms", "1000"),
    ]);
    let topic = topic.to_owned();
    std::thread::spawn(move || {
        let consumer: BaseConsumer<GroupSide> = match config.create_with_context(context) {
            Ok(consumer) => consumer,
            Err(error) => {
                let _ = work.send(Work::Failed(format!(
                    "cannot make a Kafka consumer: {error}"
                )));
                return;
            }
        };
        if let Err(error) = consumer.subscribe(&[&topic]) {
            let _ = work.send(Work::Failed(format!(
                "cannot subscribe to `{topic}`: {error}"
            )));
            return;
        }
        poll(&consumer, &work, &stop);
    })
}

fn poll(consumer: &BaseConsumer<GroupSide>, work: &SyncSender<Work>, stop: &AtomicBool) {
    let side = consumer.context();
    while !stop.load(Ordering::Relaxed) {
        match consumer.poll(POLL) {
            Some(Ok(message)) => {
                // Hands the batch over once it is full or old enough.
                side.push(
                    message.partition(),
                    message.offset(),
                    message.payload().unwrap_or_default(),
                );
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                side.hand_over();
                if work.send(Work::End(partition)).is_err() {
                    return;
                }
            }
            Some(Err(error)) => {
                tracing::warn!(%error, "kafka consumer");
                if let Some(failure) = fatal(&error) {
                    let _ = work.send(Work::Failed(failure));
                    return;
                }
            }
            None => side.hand_over(),
        }
    }
}

/// What a group consumer says when `error` is one it cannot recover from by retrying, with
/// the setting to change where one causes it; `None` for an error librdkafka retries.
pub fn fatal(error: &KafkaError) -> Option<String> {
    let code = error.rdkafka_error_code().filter(|code| is_fatal(*code))?;
    Some(format!(
        "the Kafka consumer failed: {error}{}",
        fatal_hint(code)
    ))
}

/// Errors a consumer cannot recover from by retrying (a missing topic is checked at start;
/// one that goes away later, or a leader change, is retried by librdkafka). A session timeout
/// outside the broker's `group.min/max.session.timeout.ms` fails every JoinGroup, which
/// librdkafka would retry forever with the worker owning nothing.
fn is_fatal(code: rdkafka::types::RDKafkaErrorCode) -> bool {
    use rdkafka::types::RDKafkaErrorCode as Code;
    matches!(
        code,
        Code::Fatal
            | Code::Authentication
            | Code::SaslAuthenticationFailed
            | Code::TopicAuthorizationFailed
            | Code::GroupAuthorizationFailed
            | Code::InvalidSessionTimeout
    )
}

/// What to change for a fatal error that a setting causes.
fn fatal_hint(code: rdkafka::types::RDKafkaErrorCode) -> &'static str {
    match code {
        rdkafka::types::RDKafkaErrorCode::InvalidSessionTimeout => {
            " (`session.timeout.ms` must lie within the brokers' \
             `group.min.session.timeout.ms` and `group.max.session.timeout.ms`, 6 s and 30 min \
             by default)"
        }
        _ => "",
    }
}
