//! The names `kafka-harness mock` accepts for protocol requests and error codes: librdkafka's
//! own, so a test reads like the librdkafka documentation it was written from.

use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};

/// The protocol request named like librdkafka's `RD_KAFKAP_*` constants.
pub fn api_key(name: &str) -> Result<RDKafkaApiKey, String> {
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
pub fn error_code(name: &str) -> Result<RDKafkaRespErr, String> {
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
        "INVALID_SESSION_TIMEOUT" => RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT,
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
