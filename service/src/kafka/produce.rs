//! The worker's transactional producer: actions, rejects and changelog records go out through
//! it, and each transaction commits them together with the input offsets reached. Delivery
//! reports tell where each output partition ends, which a checkpoint records so that the next
//! owner of the partition knows where what was written after it begins.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};

use super::settings::{KafkaSettings, Observed};

/// The header that carries an action's id (32 hexadecimal digits).
pub const ID_HEADER: &str = "journey-id";
/// The header that carries a reject's line (the input record's offset plus one).
pub const LINE_HEADER: &str = "journey-line";

/// How long a transaction step may take before the worker gives up.
pub const TRANSACTION_TIMEOUT: Duration = Duration::from_secs(60);

/// Which output a delivered record went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    /// The actions topic.
    Actions,
    /// The rejects topic.
    Rejects,
}

/// Where each output partition ends, as delivery reports say, and the first failed delivery.
#[derive(Default)]
struct Delivered {
    ends: HashMap<(Stream, i32), i64>,
    failure: Option<String>,
}

/// The producer's context: librdkafka's logs, and the delivery reports.
pub struct ProducerSide {
    observed: Observed,
    actions: String,
    rejects: Option<String>,
    delivered: Arc<Mutex<Delivered>>,
}

impl ClientContext for ProducerSide {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        self.observed.log(level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.observed.error(error, reason);
    }
}

impl ProducerContext for ProducerSide {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        let Ok(mut delivered) = self.delivered.lock() else {
            return;
        };
        match result {
            Ok(message) => {
                let stream = if message.topic() == self.actions {
                    Stream::Actions
                } else if Some(message.topic()) == self.rejects.as_deref() {
                    Stream::Rejects
                } else {
                    return;
                };
                let end = delivered
                    .ends
                    .entry((stream, message.partition()))
                    .or_insert(0);
                *end = (*end).max(message.offset() + 1);
            }
            Err((error, message)) => {
                delivered.failure.get_or_insert_with(|| {
                    format!(
                        "a record to `{}` partition {} was not delivered: {error}",
                        message.topic(),
                        message.partition()
                    )
                });
            }
        }
    }
}

/// The transactional producer and the topics it writes.
pub struct Producing {
    producer: ThreadedProducer<ProducerSide>,
    delivered: Arc<Mutex<Delivered>>,
    /// The actions topic.
    pub actions: String,
    /// The rejects topic (`None`: rejects are described on stderr).
    pub rejects: Option<String>,
    /// The changelog topic.
    pub changelog: String,
}

impl Producing {
    /// A producer with `transactional_id`, its transactions initialised (which fences an
    /// earlier producer with the same id) and the first one begun.
    pub fn start(
        settings: &KafkaSettings,
        transactional_id: &str,
        actions: &str,
        rejects: Option<&str>,
        changelog: &str,
    ) -> Result<Producing, String> {
        let delivered = Arc::new(Mutex::new(Delivered::default()));
        let observed = Observed::default();
        let context = ProducerSide {
            observed: observed.clone(),
            actions: actions.to_owned(),
            rejects: rejects.map(str::to_owned),
            delivered: Arc::clone(&delivered),
        };
        let producer: ThreadedProducer<ProducerSide> = settings
            .client_config(&[
                ("transactional.id", transactional_id),
                // An orphaned transaction (a worker killed) holds back `read_committed`
                // readers until the broker aborts it: ten seconds, as Kafka Streams does.
                ("transaction.timeout.ms", "10000"),
                ("linger.ms", "5"),
                ("compression.type", "lz4"),
                ("message.max.bytes", "1000000"),
            ])
            .create_with_context(context)
            .map_err(|e| format!("cannot make a Kafka producer: {e}"))?;
        producer.init_transactions(TRANSACTION_TIMEOUT).map_err(|e| {
            let why = observed.last_error().unwrap_or_default();
            format!("cannot start Kafka transactions (transactional.id `{transactional_id}`): {e} {why}")
        })?;
        producer
            .begin_transaction()
            .map_err(|e| format!("cannot begin a Kafka transaction: {e}"))?;
        Ok(Producing {
            producer,
            delivered,
            actions: actions.to_owned(),
            rejects: rejects.map(str::to_owned),
            changelog: changelog.to_owned(),
        })
    }

    /// Sends one record to `partition` of `topic`, waiting while the local queue is full.
    pub fn send(
        &self,
        topic: &str,
        partition: i32,
        key: &[u8],
        value: &[u8],
        header: Option<(&str, &[u8])>,
    ) -> Result<(), String> {
        let mut record = BaseRecord::to(topic)
            .partition(partition)
            .key(key)
            .payload(value);
        if let Some((name, value)) = header {
            record = record.headers(OwnedHeaders::new().insert(Header {
                key: name,
                value: Some(value),
            }));
        }
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err((error, _)) => {
                    return Err(format!(
                        "cannot send a record to `{topic}` partition {partition}: {error}"
                    ))
                }
            }
        }
    }

    /// Waits until every record sent is delivered; the first failure, if any.
    pub fn flush(&self) -> Result<(), String> {
        self.producer
            .flush(TRANSACTION_TIMEOUT)
            .map_err(|e| format!("the Kafka outputs could not be flushed: {e}"))?;
        match self.delivered.lock() {
            Ok(delivered) => match &delivered.failure {
                Some(failure) => Err(failure.clone()),
                None => Ok(()),
            },
            Err(_) => Err("the delivery reports were lost".to_owned()),
        }
    }

    /// Where `partition` of `stream` ends after the records this producer delivered.
    pub fn end(&self, stream: Stream, partition: i32) -> Option<i64> {
        self.delivered
            .lock()
            .ok()
            .and_then(|delivered| delivered.ends.get(&(stream, partition)).copied())
    }

    /// The producer, for the transaction calls.
    pub fn producer(&self) -> &ThreadedProducer<ProducerSide> {
        &self.producer
    }
}
