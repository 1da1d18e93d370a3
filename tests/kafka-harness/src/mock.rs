//! `kafka-harness mock`: librdkafka's mock cluster (the real protocol over loopback), with its
//! faults driven by commands on stdin so a test script can break it while workers run.

use crate::args::{number, Args};
use crate::Failure;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use std::io::{BufRead, Write};
use std::time::Duration;

/// A topic created at start, kept to check `leader` commands (the mock would create unknown
/// topics silently).
struct Topic {
    name: String,
    partitions: i32,
}

/// `kafka-harness mock --brokers N TOPIC:PARTITIONS...`: runs until stdin ends or says `quit`.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["brokers"])?;
    let brokers: i32 = number(args.required("brokers")?, "broker count")?;
    if brokers < 1 {
        return Err(Failure::Usage("`--brokers` must be at least 1".to_owned()));
    }
    let mut topics = Vec::new();
    for spec in &args.positional {
        let (name, partitions) = spec
            .split_once(':')
            .ok_or_else(|| Failure::Usage(format!("`{spec}` is not TOPIC:PARTITIONS")))?;
        let partitions: i32 = number(partitions, "partition count")?;
        if name.is_empty() || partitions < 1 {
            return Err(Failure::Usage(format!("`{spec}` is not TOPIC:PARTITIONS")));
        }
        topics.push(Topic {
            name: name.to_owned(),
            partitions,
        });
    }
    let cluster = MockCluster::new(brokers)
        .map_err(|e| Failure::failed(format!("cannot start the mock cluster: {e}")))?;
    for topic in &topics {
        cluster
            .create_topic(&topic.name, topic.partitions, brokers.min(3))
            .map_err(|e| Failure::failed(format!("cannot create topic {}: {e}", topic.name)))?;
    }
    let mut out = std::io::stdout().lock();
    let mut say = |line: &str| -> Result<(), Failure> {
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| Failure::failed(format!("cannot write to stdout: {e}")))
    };
    say(&format!("bootstrap={}", cluster.bootstrap_servers()))?;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| Failure::failed(format!("cannot read stdin: {e}")))?;
        let command = line.trim();
        if command.is_empty() {
            continue;
        }
        if command == "quit" {
            say("ok")?;
            break;
        }
        match execute(&cluster, brokers, &topics, command) {
            Ok(()) => say("ok")?,
            Err(message) => say(&format!("error: {message}"))?,
        }
    }
    Ok(())
}

/// Runs one command line against the cluster.
fn execute(
    cluster: &MockCluster<'static, DefaultProducerContext>,
    brokers: i32,
    topics: &[Topic],
    command: &str,
) -> Result<(), String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let mock = |result: rdkafka::error::KafkaResult<()>| result.map_err(|e| e.to_string());
    match words.as_slice() {
        ["broker-down", id] => mock(cluster.broker_down(broker(id, brokers)?)),
        ["broker-up", id] => mock(cluster.broker_up(broker(id, brokers)?)),
        ["leader", topic, partition, id] => {
            let partition: i32 = partition
                .parse()
                .map_err(|_| format!("`{partition}` is not a partition"))?;
            let known = topics.iter().find(|t| t.name == *topic);
            match known {
                None => return Err(format!("unknown topic `{topic}`")),
                Some(t) if !(0..t.partitions).contains(&partition) => {
                    return Err(format!("topic {topic} has no partition {partition}"))
                }
                Some(_) => {}
            }
            let id = broker(id, brokers)?;
            if id < 0 {
                return Err("a leader must be one broker".to_owned());
            }
            mock(cluster.partition_leader(topic, partition, Some(id)))
        }
        ["rtt", id, millis] => {
            let millis: u64 = millis
                .parse()
                .map_err(|_| format!("`{millis}` is not a number of milliseconds"))?;
            mock(
                cluster.broker_round_trip_time(broker(id, brokers)?, Duration::from_millis(millis)),
            )
        }
        ["request-errors", api, errors] => {
            let api = api_key(api)?;
            let errors = errors
                .split(',')
                .map(error_code)
                .collect::<Result<Vec<_>, _>>()?;
            cluster.request_errors(api, &errors);
            Ok(())
        }
        ["clear-errors", api] => {
            cluster.clear_request_errors(api_key(api)?);
            Ok(())
        }
        _ => Err(format!("unknown command `{command}`")),
    }
}

/// A broker id: the mock numbers its brokers from 1, and -1 means all of them.
fn broker(text: &str, brokers: i32) -> Result<i32, String> {
    match text.parse::<i32>() {
        Ok(id) if id == -1 || (1..=brokers).contains(&id) => Ok(id),
        _ => Err(format!(
            "`{text}` is not a broker (1 to {brokers}, or -1 for all)"
        )),
    }
}

/// The protocol request named like librdkafka's `RD_KAFKAP_*` constants.
fn api_key(name: &str) -> Result<RDKafkaApiKey, String> {
    use RDKafkaApiKey::*;
    Ok(match name {
        "Produce" => Produce,
        "Fetch" => Fetch,
        "ListOffsets" => ListOffsets,
        "Metadata" => Metadata,
        "OffsetCommit" => OffsetCommit,
        "OffsetFetch" => OffsetFetch,
        "FindCoordinator" => FindCoordinator,
        "JoinGroup" => JoinGroup,
        "Heartbeat" => Heartbeat,
        "LeaveGroup" => LeaveGroup,
        "SyncGroup" => SyncGroup,
        "ApiVersion" => ApiVersion,
        "InitProducerId" => InitProducerId,
        "OffsetForLeaderEpoch" => OffsetForLeaderEpoch,
        "AddPartitionsToTxn" => AddPartitionsToTxn,
        "AddOffsetsToTxn" => AddOffsetsToTxn,
        "EndTxn" => EndTxn,
        "TxnOffsetCommit" => TxnOffsetCommit,
        _ => return Err(format!("unknown API `{name}`")),
    })
}

/// The error named like librdkafka's `RD_KAFKA_RESP_ERR_*` constants, without the prefix.
fn error_code(name: &str) -> Result<RDKafkaRespErr, String> {
    use RDKafkaRespErr::*;
    Ok(match name {
        // A local error: the mock broker closes the connection instead of answering.
        "_TRANSPORT" => RD_KAFKA_RESP_ERR__TRANSPORT,
        "UNKNOWN_TOPIC_OR_PART" => RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        "LEADER_NOT_AVAILABLE" => RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        "NOT_LEADER_FOR_PARTITION" | "NOT_LEADER_OR_FOLLOWER" => {
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION
        }
        "REQUEST_TIMED_OUT" => RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        "BROKER_NOT_AVAILABLE" => RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE,
        "NETWORK_EXCEPTION" => RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
        "COORDINATOR_LOAD_IN_PROGRESS" => RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
        "COORDINATOR_NOT_AVAILABLE" => RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        "NOT_COORDINATOR" => RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        "NOT_ENOUGH_REPLICAS" => RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        "NOT_ENOUGH_REPLICAS_AFTER_APPEND" => RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        "ILLEGAL_GENERATION" => RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION,
        "UNKNOWN_MEMBER_ID" => RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID,
        "REBALANCE_IN_PROGRESS" => RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
        "TOPIC_AUTHORIZATION_FAILED" => RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
        "GROUP_AUTHORIZATION_FAILED" => RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
        "OUT_OF_ORDER_SEQUENCE_NUMBER" => RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
        "INVALID_PRODUCER_EPOCH" => RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH,
        "INVALID_TXN_STATE" => RD_KAFKA_RESP_ERR_INVALID_TXN_STATE,
        "CONCURRENT_TRANSACTIONS" => RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS,
        "TRANSACTIONAL_ID_AUTHORIZATION_FAILED" => {
            RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        }
        "KAFKA_STORAGE_ERROR" => RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
        "UNKNOWN_PRODUCER_ID" => RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID,
        "FENCED_LEADER_EPOCH" => RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH,
        "UNKNOWN_LEADER_EPOCH" => RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH,
        "PRODUCER_FENCED" => RD_KAFKA_RESP_ERR_PRODUCER_FENCED,
        "THROTTLING_QUOTA_EXCEEDED" => RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED,
        _ => return Err(format!("unknown error `{name}`")),
    })
}
