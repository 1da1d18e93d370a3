//! `kafka-harness consume`: every partition of a topic from the beginning to its current end,
//! one record value per line, without a consumer group (so it disturbs no worker).

use crate::args::Args;
use crate::Failure;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

/// `kafka-harness consume --bootstrap B --topic T [--isolation I] [--timeout-secs S]`.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["bootstrap", "topic", "isolation", "timeout-secs"])?;
    let bootstrap = args.required("bootstrap")?;
    let topic = args.required("topic")?;
    let isolation = args.get("isolation").unwrap_or("read_committed");
    if !matches!(isolation, "read_committed" | "read_uncommitted") {
        return Err(Failure::Usage(format!(
            "`--isolation` is read_committed or read_uncommitted, not `{isolation}`"
        )));
    }
    let timeout = Duration::from_secs(args.number("timeout-secs", 30u64)?);
    if !args.positional.is_empty() {
        return Err(Failure::Usage(
            "consume takes no positional arguments".to_owned(),
        ));
    }
    let deadline = Instant::now() + timeout;

    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        // librdkafka wants a group id even for manual assignment; nothing is committed to it.
        .set("group.id", "kafka-harness-consume")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "true")
        .set("isolation.level", isolation)
        .create()
        .map_err(|e| Failure::failed(format!("cannot create the consumer: {e}")))?;
    // Retried: while faults are injected the broker asked first may be down.
    let metadata = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match consumer.fetch_metadata(Some(topic), left.min(Duration::from_secs(5))) {
            Ok(metadata) => break metadata,
            Err(e) if left.is_zero() => {
                return Err(Failure::failed(format!(
                    "cannot read the metadata of {topic}: {e}"
                )))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Err(Failure::failed(format!("topic {topic} does not exist")));
    }
    let mut assignment = TopicPartitionList::new();
    for &partition in &partitions {
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .map_err(Failure::failed)?;
    }
    consumer.assign(&assignment).map_err(Failure::failed)?;

    // A partition is done once it reported its end with no record after that report.
    let mut pending: BTreeSet<i32> = partitions.iter().copied().collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut records = 0usize;
    let mut last_error: Option<String> = None;
    while !pending.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::failed(format!(
                "timed out after {} s with {records} records read; partitions {pending:?} \
                 did not reach their end",
                timeout.as_secs()
            )));
        }
        match consumer.poll(left.min(Duration::from_millis(500))) {
            None => {}
            Some(Ok(message)) => {
                pending.insert(message.partition());
                out.write_all(message.payload().unwrap_or_default())
                    .and_then(|()| out.write_all(b"\n"))
                    .map_err(Failure::failed)?;
                records += 1;
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                pending.remove(&partition);
            }
            // Brokers going away and coming back are expected while faults are injected:
            // said once per kind, not once per poll.
            Some(Err(error)) => {
                let text = error.to_string();
                if last_error.as_ref() != Some(&text) {
                    eprintln!("consume: {text}");
                    last_error = Some(text);
                }
            }
        }
    }
    out.flush().map_err(Failure::failed)
}
