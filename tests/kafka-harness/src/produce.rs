//! `kafka-harness produce`: an NDJSON file into a topic, one record per line, keyed by contact
//! the way the service's users would key them, then optionally one line per partition.

use crate::args::Args;
use crate::Failure;
use rdkafka::error::KafkaError;
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, ClientContext};
use std::sync::Mutex;
use std::time::Duration;

/// How long the producer may take to deliver everything, and to answer metadata requests.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(120);
const METADATA_TIMEOUT: Duration = Duration::from_secs(30);

/// Keeps the first failed delivery, so the run can fail loudly at the end.
#[derive(Default)]
struct Deliveries {
    failure: Mutex<Option<String>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((error, _)) = result {
            if let Ok(mut failure) = self.failure.lock() {
                failure.get_or_insert_with(|| format!("a record was not delivered: {error}"));
            }
        }
    }
}

/// `kafka-harness produce --bootstrap B --topic T FILE [--end-lines FILE2]`.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["bootstrap", "topic", "end-lines"])?;
    let bootstrap = args.required("bootstrap")?;
    let topic = args.required("topic")?;
    let [file] = args.positional.as_slice() else {
        return Err(Failure::Usage("produce takes exactly one FILE".to_owned()));
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::failed(format!("cannot read {file}: {e}")))?;
    let end_lines = match args.get("end-lines") {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| Failure::failed(format!("cannot read {path}: {e}")))?,
        ),
        None => None,
    };
    let producer: BaseProducer<Deliveries> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        // Java's default partitioner, so keys land where Kafka's own clients put them.
        .set("partitioner", "murmur2_random")
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        // The mock cluster keeps only the last 5 MB of each partition: compressed batches let
        // a few hundred thousand events fit.
        .set("compression.type", "lz4")
        // A typo in the topic must fail, not create a topic with the broker's default layout.
        .set("allow.auto.create.topics", "false")
        .create_with_context(Deliveries::default())
        .map_err(|e| Failure::failed(format!("cannot create the producer: {e}")))?;
    let partitions = partition_count(&producer, topic)?;
    // Checked before anything is produced, so a mismatch leaves the topic untouched.
    let end_lines: Option<Vec<&str>> = end_lines
        .as_deref()
        .map(|text| text.lines().filter(|line| !line.is_empty()).collect());
    if let Some(lines) = &end_lines {
        if lines.len() != partitions {
            return Err(Failure::failed(format!(
                "the end lines are {} but topic {topic} has {partitions} partitions",
                lines.len()
            )));
        }
    }

    let mut produced = 0usize;
    for line in text.lines().filter(|line| !line.is_empty()) {
        send(&producer, topic, line, None)?;
        produced += 1;
        if produced.is_multiple_of(1000) {
            // Serves delivery reports as we go: they hold their records until polled.
            producer.poll(Duration::ZERO);
            check(&producer)?;
        }
    }
    finish(&producer)?;

    if let Some(lines) = end_lines {
        for (partition, line) in (0i32..).zip(lines) {
            send(&producer, topic, line, Some(partition))?;
            produced += 1;
        }
        finish(&producer)?;
    }
    println!("produced {produced}");
    Ok(())
}

/// The topic's partition count, from the cluster's metadata.
fn partition_count(producer: &BaseProducer<Deliveries>, topic: &str) -> Result<usize, Failure> {
    let metadata = producer
        .client()
        .fetch_metadata(Some(topic), METADATA_TIMEOUT)
        .map_err(|e| Failure::failed(format!("cannot read the metadata of {topic}: {e}")))?;
    let found = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .ok_or_else(|| Failure::failed(format!("topic {topic} does not exist")))?;
    if let Some(error) = found.error() {
        return Err(Failure::failed(format!(
            "topic {topic}: {}",
            RDKafkaErrorCode::from(error)
        )));
    }
    Ok(found.partitions().len())
}

/// Queues one record, keyed by its contact, waiting while the producer's queue is full.
fn send(
    producer: &BaseProducer<Deliveries>,
    topic: &str,
    line: &str,
    partition: Option<i32>,
) -> Result<(), Failure> {
    let key = contact(line);
    let mut record = BaseRecord::<str, str>::to(topic).payload(line);
    if let Some(key) = &key {
        record = record.key(key.as_str());
    }
    if let Some(partition) = partition {
        record = record.partition(partition);
    }
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                producer.poll(Duration::from_millis(50));
            }
            Err((error, _)) => return Err(Failure::failed(format!("cannot produce: {error}"))),
        }
        check(producer)?;
    }
}

/// Waits for every queued record, then fails if any was not delivered.
fn finish(producer: &BaseProducer<Deliveries>) -> Result<(), Failure> {
    producer
        .flush(DELIVERY_TIMEOUT)
        .map_err(|e| Failure::failed(format!("cannot flush the producer: {e}")))?;
    check(producer)
}

/// Fails with the first delivery error seen so far.
fn check(producer: &BaseProducer<Deliveries>) -> Result<(), Failure> {
    match producer.context().failure.lock() {
        Ok(failure) => match failure.as_ref() {
            Some(message) => Err(Failure::failed(message)),
            None => Ok(()),
        },
        Err(_) => Err(Failure::failed("the delivery callback panicked")),
    }
}

/// The record key: the event's `userId` if a non-empty string, else its `anonymousId`.
pub fn contact(line: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    ["userId", "anonymousId"]
        .iter()
        .find_map(|field| match value.get(field) {
            Some(serde_json::Value::String(id)) if !id.is_empty() => Some(id.clone()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::contact;

    #[test]
    fn keys_by_user_then_anonymous_id() {
        assert_eq!(
            contact(r#"{"userId":"u1","anonymousId":"a1"}"#).as_deref(),
            Some("u1")
        );
        assert_eq!(
            contact(r#"{"userId":"","anonymousId":"a1"}"#).as_deref(),
            Some("a1")
        );
        assert_eq!(
            contact(r#"{"userId":7,"anonymousId":"a1"}"#).as_deref(),
            Some("a1")
        );
        assert_eq!(contact(r#"{"anonymousId":""}"#), None);
        assert_eq!(contact("not json"), None);
    }
}
