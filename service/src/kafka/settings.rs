//! What every Kafka client of a worker shares: the brokers and the user's librdkafka properties
//! (a properties file, then `--kafka-config KEY=VALUE`, later ones winning), and the checks made
//! before a worker joins its group — brokers reachable, topics present with enough partitions —
//! each failing with one line that says what to fix.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::metadata::Metadata;

/// How long the first contact with the brokers may take before the worker gives up.
const REACH_TIMEOUT: Duration = Duration::from_secs(15);

/// Properties each client sets for itself: its own ids (the re-keying producer's
/// `transactional.id` is the worker's with `-rekey`; the restorer reads outside the group) and
/// the reading and partitioning the exactly-once design rests on. A user's `transactional.id`
/// names the worker's main producer and the others after it.
pub const OWN_KEYS: &[&str] = &[
    "group.id",
    "transactional.id",
    "isolation.level",
    "enable.auto.commit",
    "enable.auto.offset.store",
    "enable.partition.eof",
    "partitioner",
];

/// The brokers and the librdkafka properties every client of a worker is made with.
#[derive(Clone, Debug)]
pub struct KafkaSettings {
    /// `host:port[,host:port...]`.
    pub brokers: String,
    /// The user's properties, in the order given.
    pub properties: Vec<(String, String)>,
}

impl KafkaSettings {
    /// The properties of `file` (Java properties: `key=value`, `#` comments), then `pairs`
    /// (`KEY=VALUE` each).
    pub fn new(brokers: &str, file: Option<&Path>, pairs: &[String]) -> Result<Self, String> {
        let mut properties = Vec::new();
        if let Some(file) = file {
            let text = std::fs::read_to_string(file).map_err(|e| {
                format!(
                    "cannot read the Kafka properties file {}: {e}",
                    file.display()
                )
            })?;
            properties = parse_properties(&text).map_err(|e| format!("{}:{e}", file.display()))?;
        }
        for pair in pairs {
            let Some((key, value)) = pair
                .split_once('=')
                .filter(|(key, _)| !key.trim().is_empty())
            else {
                return Err(format!(
                    "`--kafka-config {pair}`: write a librdkafka property as `KEY=VALUE`, such as \
                     `security.protocol=SASL_SSL`"
                ));
            };
            properties.push((key.trim().to_owned(), value.to_owned()));
        }
        Ok(KafkaSettings {
            brokers: brokers.to_owned(),
            properties,
        })
    }

    /// A client configuration: the brokers, `defaults`, then the user's properties — except
    /// the [`OWN_KEYS`] among `defaults`, which the client's correctness rests on and which
    /// the user's properties do not change.
    pub fn client_config(&self, defaults: &[(&str, &str)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.brokers);
        for (key, value) in defaults {
            config.set(*key, *value);
        }
        for (key, value) in &self.properties {
            config.set(key, value);
        }
        for (key, value) in defaults.iter().filter(|(key, _)| OWN_KEYS.contains(key)) {
            config.set(*key, *value);
        }
        config
    }

    /// The user's value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// `key=value` (or `key: value`) lines; blank lines and `#`/`!` comments skipped.
fn parse_properties(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut properties = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some((key, value)) = line.split_once(['=', ':']) else {
            return Err(format!(
                "{}: `{line}` is not a property (`key=value`)",
                number + 1
            ));
        };
        properties.push((key.trim().to_owned(), value.trim().to_owned()));
    }
    Ok(properties)
}

/// A client context that sends librdkafka's logs to `tracing` and keeps its last failure, so
/// that a failure can say why (an unreachable broker, refused credentials).
#[derive(Clone, Default)]
pub struct Observed {
    /// librdkafka's last error report.
    last_error: Arc<Mutex<Option<String>>>,
    /// librdkafka's last failure log line (a refused connection, a failed authentication),
    /// more telling than the error report that follows it.
    last_failure: Arc<Mutex<Option<String>>>,
    /// Logs only at debug level: the start-up checks say what failed in their own error line.
    quiet: bool,
}

impl Observed {
    /// A context whose librdkafka logs go to the debug level only.
    pub fn quiet() -> Observed {
        Observed {
            quiet: true,
            ..Observed::default()
        }
    }

    /// Why librdkafka last failed, if it said.
    pub fn last_error(&self) -> Option<String> {
        let failure = self.last_failure.lock().ok().and_then(|last| last.clone());
        failure.or_else(|| self.last_error.lock().ok().and_then(|last| last.clone()))
    }

    fn keep(slot: &Mutex<Option<String>>, text: &str) {
        if let Ok(mut last) = slot.lock() {
            *last = Some(text.to_owned());
        }
    }
}

impl ClientContext for Observed {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        let failure = matches!(
            level,
            RDKafkaLogLevel::Emerg
                | RDKafkaLogLevel::Alert
                | RDKafkaLogLevel::Critical
                | RDKafkaLogLevel::Error
        );
        if failure {
            // "[thrd:...]: broker/bootstrap: Connect to ... failed: ..." without the prefixes.
            let text = message.rsplit("]: ").next().unwrap_or(message);
            let text = text.split_once(": ").map_or(text, |(_, rest)| rest);
            Observed::keep(&self.last_failure, text);
        }
        match level {
            _ if self.quiet => tracing::debug!(facility, "kafka: {message}"),
            _ if failure => tracing::warn!(facility, "kafka: {message}"),
            RDKafkaLogLevel::Warning | RDKafkaLogLevel::Notice => {
                tracing::debug!(facility, "kafka: {message}")
            }
            _ => tracing::trace!(facility, "kafka: {message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        tracing::debug!(%error, "kafka: {reason}");
        Observed::keep(&self.last_error, reason);
    }
}

/// A consumer outside any group (restores, checks) needs no rebalance handling.
impl ConsumerContext for Observed {}

/// The topics a worker reads and writes, as found on the brokers.
#[derive(Clone, Debug)]
pub struct Topics {
    /// The input's partitions: the units of state.
    pub partitions: i32,
}

/// Checks that the brokers answer and that `input` and every one of `outputs` exist, the
/// outputs with at least the input's partitions (partition `p` of the input writes partition
/// `p` of each).
pub fn check_topics(
    settings: &KafkaSettings,
    input: &str,
    outputs: &[&str],
) -> Result<Topics, String> {
    let observed = Observed::quiet();
    let consumer: BaseConsumer<Observed> = settings
        .client_config(&[("group.id", "journey-check")])
        .create_with_context(observed.clone())
        .map_err(|e| format!("the Kafka settings are not valid: {e}"))?;
    // librdkafka hands its logs and errors over only when the client is polled: ask in short
    // rounds and poll in between, so that a failure can say why.
    let started = Instant::now();
    let metadata = loop {
        match consumer.fetch_metadata(None, Duration::from_secs(1)) {
            Ok(metadata) => break metadata,
            Err(error) => {
                let _ = consumer.poll(Duration::ZERO);
                if started.elapsed() >= REACH_TIMEOUT {
                    let why = observed.last_error().unwrap_or_else(|| error.to_string());
                    return Err(format!(
                        "cannot reach the Kafka brokers `{}` within {} s: {why}",
                        settings.brokers,
                        REACH_TIMEOUT.as_secs()
                    ));
                }
            }
        }
    };
    let partitions = partition_count(&metadata, input, settings)?;
    for output in outputs {
        let count = partition_count(&metadata, output, settings)?;
        if count < partitions {
            return Err(format!(
                "the topic `{output}` has {count} partitions and the input `{input}` has \
                 {partitions}: it needs at least as many (partition p of the input writes \
                 partition p of `{output}`)"
            ));
        }
    }
    Ok(Topics { partitions })
}

fn partition_count(
    metadata: &Metadata,
    topic: &str,
    settings: &KafkaSettings,
) -> Result<i32, String> {
    let found = metadata.topics().iter().find(|t| t.name() == topic);
    match found {
        Some(found) if found.error().is_none() && !found.partitions().is_empty() => {
            Ok(found.partitions().len() as i32)
        }
        _ => Err(format!(
            "the topic `{topic}` does not exist on the Kafka brokers `{}`; create it first (the \
             README's \"Scaling out on Kafka\" lists the topics a worker needs)",
            settings.brokers
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_files_and_pairs_are_read_in_order() {
        let parsed = parse_properties(
            "# comment\n\nsecurity.protocol = SASL_SSL\nsasl.mechanism: SCRAM-SHA-512\n",
        );
        assert_eq!(
            parsed,
            Ok(vec![
                ("security.protocol".to_owned(), "SASL_SSL".to_owned()),
                ("sasl.mechanism".to_owned(), "SCRAM-SHA-512".to_owned()),
            ])
        );
        assert!(parse_properties("just words").is_err_and(|e| e.starts_with("1: ")));
        let settings = KafkaSettings::new("b:9092", None, &["a=1".to_owned(), "a=2".to_owned()]);
        assert_eq!(settings.as_ref().ok().and_then(|s| s.get("a")), Some("2"));
        assert!(KafkaSettings::new("b:9092", None, &["novalue".to_owned()]).is_err());
        assert!(KafkaSettings::new("b:9092", None, &["=value".to_owned()]).is_err());
    }

    #[test]
    fn a_users_properties_do_not_change_a_clients_own_keys() {
        let pairs = [
            "transactional.id=slot-1".to_owned(),
            "linger.ms=50".to_owned(),
            "isolation.level=read_uncommitted".to_owned(),
        ];
        let settings = KafkaSettings::new("b:9092", None, &pairs).ok();
        let config = settings.map(|settings| {
            settings.client_config(&[
                ("transactional.id", "slot-1-rekey"),
                ("linger.ms", "5"),
                ("isolation.level", "read_committed"),
            ])
        });
        let get = |key| config.as_ref().and_then(|c| c.get(key)).map(str::to_owned);
        assert_eq!(get("transactional.id").as_deref(), Some("slot-1-rekey"));
        assert_eq!(get("isolation.level").as_deref(), Some("read_committed"));
        assert_eq!(get("linger.ms").as_deref(), Some("50"));
    }

    #[test]
    fn tls_and_sasl_scram_and_plain_are_built_in() {
        for (protocol, mechanism) in [
            ("SASL_SSL", "SCRAM-SHA-512"),
            ("SASL_SSL", "SCRAM-SHA-256"),
            ("SASL_PLAINTEXT", "PLAIN"),
        ] {
            let pairs = [
                format!("security.protocol={protocol}"),
                format!("sasl.mechanism={mechanism}"),
                "sasl.username=journeys".to_owned(),
                "sasl.password=secret".to_owned(),
            ];
            let settings = KafkaSettings::new("127.0.0.1:1", None, &pairs).ok();
            let made: Option<BaseConsumer<Observed>> = settings.and_then(|settings| {
                settings
                    .client_config(&[("group.id", "g")])
                    .create_with_context(Observed::quiet())
                    .map_err(|e| eprintln!("{protocol} {mechanism}: {e}"))
                    .ok()
            });
            assert!(
                made.is_some(),
                "{protocol} with {mechanism} is not available"
            );
        }
        let tls = KafkaSettings::new("127.0.0.1:1", None, &["security.protocol=SSL".to_owned()])
            .ok()
            .and_then(|s| {
                s.client_config(&[("group.id", "g")])
                    .create_with_context::<_, BaseConsumer<Observed>>(Observed::quiet())
                    .ok()
            });
        assert!(tls.is_some(), "TLS is not available");
    }
}
