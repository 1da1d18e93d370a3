//! What the Kafka tests share: a worker's configuration for a group's topics on the mock
//! cluster, producing to and reading from its topics, and asking a worker's metrics page.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use journey_service::spec::KafkaSpec;
use journey_service::{ClockMode, Config, SinkSpec, SourceSpec};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

/// The topics a worker of `group` uses (`{group}-in`, `-actions`, `-rejects`, `-changelog`),
/// with `partitions` each and `replicas` copies.
pub fn create_topics<C: rdkafka::ClientContext>(
    cluster: &MockCluster<'_, C>,
    group: &str,
    partitions: i32,
    replicas: i32,
) {
    for topic in ["in", "actions", "rejects", "changelog"] {
        cluster
            .create_topic(&format!("{group}-{topic}"), partitions, replicas)
            .unwrap_or_else(|e| panic!("{group}-{topic}: {e}"));
    }
}

/// A worker of `group` (topics `{group}-in`, `-actions`, `-rejects`), checkpointing every
/// 100 ms on the event clock.
pub fn config(brokers: &str, group: &str, rekey: bool, stop_at_end: bool) -> Config {
    let kafka = |topic: &str| KafkaSpec {
        brokers: brokers.to_owned(),
        topic: topic.to_owned(),
        group: None,
        rekey: false,
    };
    let source = SourceSpec::Kafka(KafkaSpec {
        group: Some(group.to_owned()),
        rekey,
        ..kafka(&format!("{group}-in"))
    });
    let sink = SinkSpec::Kafka(kafka(&format!("{group}-actions")));
    Config {
        rejects: Some(SinkSpec::Kafka(kafka(&format!("{group}-rejects")))),
        clock: ClockMode::Event,
        stop_at_end,
        checkpoint_every: Duration::from_millis(100),
        lateness: 0,
        kafka_config: vec!["session.timeout.ms=6000".to_owned()],
        ..crate::common::config(source, sink, PathBuf::from("unused"))
    }
}

/// Produces `lines` to `partition` of `topic`, keyed by contact id unless `unkeyed`.
pub fn produce(brokers: &str, topic: &str, partition: i32, lines: &[String], unkeyed: bool) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    for line in lines {
        let key = journey_service::kafka::rekey::contact_key(line.as_bytes());
        let mut record = BaseRecord::<str, str>::to(topic)
            .payload(line)
            .partition(partition);
        if let (Some(key), false) = (&key, unkeyed) {
            record = record.key(key.as_str());
        }
        producer.send(record).map_err(|(e, _)| e).unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Every record of `topic`'s partitions `0..partitions`.
pub fn read(brokers: &str, topic: &str, partitions: i32) -> Vec<String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "test-reader")
        .set("enable.partition.eof", "true")
        .set("isolation.level", "read_committed")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let mut lines = Vec::new();
    let mut ends = 0;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => lines
                .push(String::from_utf8(message.payload().unwrap_or_default().to_vec()).unwrap()),
            Some(Err(KafkaError::PartitionEOF(_))) => {
                ends += 1;
                if ends == partitions {
                    return lines;
                }
            }
            _ => {}
        }
    }
    panic!("`{topic}` was not read to its end in 30 s");
}

/// An address on loopback that nothing listens on.
pub fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

/// The body of `GET path` at `address` (empty while nothing answers).
pub fn get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(address) else {
        return String::new();
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

/// `lines` in order.
pub fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}
