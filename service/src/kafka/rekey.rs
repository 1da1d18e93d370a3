//! Re-keying (`kafka:BROKERS/TOPIC?group=G&rekey=true`): an input topic not keyed by contact is
//! read once by the group `G-rekey` and written to the repartition topic `G-repartition`, keyed
//! by contact id (`userId`, else `anonymousId`) with Kafka's own partitioner, as Kafka Streams
//! does before a keyed operation; the engines then read the repartition topic.
//!
//! The stage is stateless. Its records and its input offsets commit in one transaction, so a
//! record is re-keyed exactly once; a revoked partition is committed before it is let go.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};

use super::group::Work;
use super::produce::TRANSACTION_TIMEOUT;
use super::settings::{KafkaSettings, Observed};

/// The repartition topic of a consumer group.
pub fn repartition_topic(group: &str) -> String {
    format!("{group}-repartition")
}

/// The contact id a Segment line is keyed by: `userId` if a non-empty string, else
/// `anonymousId`; `None` for a line that has neither (it still goes through, to be rejected).
pub fn contact_key(line: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Ids {
        #[serde(rename = "userId")]
        user_id: Option<serde_json::Value>,
        #[serde(rename = "anonymousId")]
        anonymous_id: Option<serde_json::Value>,
    }
    let ids: Ids = serde_json::from_slice(line).ok()?;
    let text = |value: Option<serde_json::Value>| match value {
        Some(serde_json::Value::String(id)) if !id.is_empty() => Some(id),
        _ => None,
    };
    text(ids.user_id).or_else(|| text(ids.anonymous_id))
}

/// The re-keying consumer's context: commits a revoked partition's work before letting go.
struct RekeySide {
    observed: Observed,
    producer: Arc<ThreadedProducer<DefaultProducerContext>>,
    /// The next offset of each owned partition, once a record of it was re-keyed.
    positions: Mutex<HashMap<i32, i64>>,
    topic: String,
    failed: SyncSender<Work>,
}

impl RekeySide {
    /// Commits the records sent with the offsets reached, and begins the next transaction.
    fn commit(&self, consumer: &BaseConsumer<RekeySide>) -> Result<(), String> {
        let mut offsets = TopicPartitionList::new();
        if let Ok(positions) = self.positions.lock() {
            for (&partition, &next) in positions.iter() {
                offsets
                    .add_partition_offset(&self.topic, partition, Offset::Offset(next))
                    .map_err(|e| e.to_string())?;
            }
        }
        if offsets.count() == 0 {
            return Ok(());
        }
        let group = consumer
            .group_metadata()
            .ok_or_else(|| "the re-keying consumer has no group".to_owned())?;
        self.producer
            .send_offsets_to_transaction(&offsets, &group, TRANSACTION_TIMEOUT)
            .map_err(|e| format!("re-keying: cannot add the offsets to the transaction: {e}"))?;
        self.producer
            .commit_transaction(TRANSACTION_TIMEOUT)
            .map_err(|e| format!("re-keying: the transaction could not be committed: {e}"))?;
        // The offsets also go to the group outside the transaction: redundant where the
        // broker commits transactional offsets, and where it does not (librdkafka's mock
        // cluster) a restart still goes on from here rather than from the beginning.
        if let Err(error) = consumer.commit(&offsets, CommitMode::Sync) {
            tracing::debug!(%error, "re-keying: plain offset commit");
        }
        self.producer
            .begin_transaction()
            .map_err(|e| format!("re-keying: cannot begin a transaction: {e}"))
    }
}

impl ClientContext for RekeySide {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        self.observed.log(level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.observed.error(error, reason);
    }
}

impl ConsumerContext for RekeySide {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(partitions) = rebalance else {
            return;
        };
        if consumer.assignment_lost() {
            // Another worker reads them now: what was sent since the last commit is aborted.
            let _ = self.failed.send(Work::Failed(
                "re-keying: this worker lost its partitions of the input (the group went on \
                 without it); a restart goes on from the committed offsets"
                    .to_owned(),
            ));
            return;
        }
        if let Err(error) = self.commit(consumer) {
            let _ = self.failed.send(Work::Failed(error));
        }
        if let Ok(mut positions) = self.positions.lock() {
            for element in partitions.elements() {
                positions.remove(&element.partition());
            }
        }
    }
}

/// Starts re-keying `topic` into the repartition topic of `group` on its own thread, until
/// `stop` is set; a failure is handed to the engine thread as [`Work::Failed`].
pub fn spawn(
    settings: &KafkaSettings,
    topic: &str,
    group: &str,
    transactional_id: &str,
    commit_every: Duration,
    failed: SyncSender<Work>,
    stop: Arc<AtomicBool>,
) -> Result<JoinHandle<()>, String> {
    let producer: ThreadedProducer<DefaultProducerContext> = settings
        .client_config(&[
            ("transactional.id", transactional_id),
            ("transaction.timeout.ms", "10000"),
            // Java's default partitioner, so that keys land where Kafka's own clients put them.
            ("partitioner", "murmur2_random"),
            ("linger.ms", "5"),
        ])
        .create()
        .map_err(|e| format!("re-keying: cannot make a Kafka producer: {e}"))?;
    producer
        .init_transactions(TRANSACTION_TIMEOUT)
        .and_then(|()| producer.begin_transaction())
        .map_err(|e| format!("re-keying: cannot start Kafka transactions: {e}"))?;
    let context = RekeySide {
        observed: Observed::default(),
        producer: Arc::new(producer),
        positions: Mutex::new(HashMap::new()),
        topic: topic.to_owned(),
        failed: failed.clone(),
    };
    let consumer: BaseConsumer<RekeySide> = settings
        .client_config(&[
            ("group.id", &format!("{group}-rekey")),
            ("partition.assignment.strategy", "cooperative-sticky"),
            ("enable.auto.commit", "false"),
            ("auto.offset.reset", "earliest"),
            ("isolation.level", "read_committed"),
        ])
        .create_with_context(context)
        .map_err(|e| format!("re-keying: cannot make a Kafka consumer: {e}"))?;
    consumer
        .subscribe(&[topic])
        .map_err(|e| format!("re-keying: cannot subscribe to `{topic}`: {e}"))?;
    let target = repartition_topic(group);
    Ok(std::thread::spawn(move || {
        if let Err(error) = rekey(&consumer, &target, commit_every, &stop) {
            let _ = failed.send(Work::Failed(error));
        }
    }))
}

fn rekey(
    consumer: &BaseConsumer<RekeySide>,
    target: &str,
    commit_every: Duration,
    stop: &AtomicBool,
) -> Result<(), String> {
    let side = consumer.context();
    let mut last_commit = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        match consumer.poll(Duration::from_millis(50)) {
            Some(Ok(message)) => {
                let value = message.payload().unwrap_or_default();
                let key = contact_key(value);
                let mut record = BaseRecord::<str, [u8]>::to(target).payload(value);
                if let Some(key) = &key {
                    record = record.key(key.as_str());
                }
                loop {
                    match side.producer.send(record) {
                        Ok(()) => break,
                        Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                            record = back;
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        Err((error, _)) => {
                            return Err(format!("re-keying: cannot send to `{target}`: {error}"))
                        }
                    }
                }
                if let Ok(mut positions) = side.positions.lock() {
                    positions.insert(message.partition(), message.offset() + 1);
                }
            }
            Some(Err(error)) => {
                tracing::warn!(%error, "kafka re-keying consumer");
                if let Some(failure) = super::group::fatal(&error) {
                    return Err(format!("re-keying: {failure}"));
                }
            }
            None => {}
        }
        if last_commit.elapsed() >= commit_every {
            side.commit(consumer)?;
            last_commit = Instant::now();
        }
    }
    side.commit(consumer)
}

#[cfg(test)]
mod tests {
    use super::contact_key;

    #[test]
    fn lines_are_keyed_by_user_id_else_anonymous_id() {
        let key = |line: &str| contact_key(line.as_bytes());
        assert_eq!(
            key(r#"{"userId":"u1","anonymousId":"a1"}"#).as_deref(),
            Some("u1")
        );
        assert_eq!(
            key(r#"{"userId":"","anonymousId":"a1"}"#).as_deref(),
            Some("a1")
        );
        assert_eq!(
            key(r#"{"userId":7,"anonymousId":"a1"}"#).as_deref(),
            Some("a1")
        );
        assert_eq!(key(r#"{"event":"x"}"#), None);
        assert_eq!(key("not json"), None);
    }
}
