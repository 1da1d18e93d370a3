//! Where input comes from and where output goes, as the command line names them
//! (`-`, `file:PATH`, `http:ADDR`, `webhook:URL`, `kafka:BROKERS/TOPIC`).

use std::fmt;
use std::path::PathBuf;

/// Where events come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceSpec {
    /// Standard input: not replayable, so at most once after a crash.
    Stdin,
    /// An NDJSON file, followed as it grows, replayable by byte offset.
    File(PathBuf),
    /// Segment's HTTP tracking API on this address, in front of an ingest log.
    Http(String),
    /// A Kafka topic, consumed in a consumer group (`group` is required).
    Kafka(KafkaSpec),
}

/// Where actions (or rejects) go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SinkSpec {
    /// Standard output.
    Stdout,
    /// An NDJSON file, appended to, cut back to the last checkpoint on restart.
    File(PathBuf),
    /// One POST per line to this `http://` or `https://` URL, at least once.
    Webhook(String),
    /// A Kafka topic, written in transactions with the input's offsets.
    Kafka(KafkaSpec),
}

/// `kafka:BROKERS/TOPIC[?group=G&rekey=true]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaSpec {
    /// The bootstrap brokers, `host:port[,host:port...]`.
    pub brokers: String,
    /// The topic.
    pub topic: String,
    /// The consumer group (sources only).
    pub group: Option<String>,
    /// Whether the input is not keyed by contact and is first re-keyed through the group's
    /// repartition topic (sources only).
    pub rekey: bool,
}

impl KafkaSpec {
    /// Parses what follows `kafka:`.
    fn parse(text: &str, rest: &str, source: bool) -> Result<KafkaSpec, SpecError> {
        let error = |reason: String| SpecError {
            spec: text.to_owned(),
            reason,
        };
        let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
        let Some((brokers, topic)) = address.rsplit_once('/') else {
            return Err(error(
                "a Kafka topic is written `kafka:BROKERS/TOPIC`, such as \
                 `kafka:broker1:9092,broker2:9092/events`"
                    .to_owned(),
            ));
        };
        if brokers.is_empty() || topic.is_empty() {
            return Err(error(
                "a Kafka topic needs brokers and a topic name, such as `kafka:localhost:9092/events`"
                    .to_owned(),
            ));
        }
        let mut spec = KafkaSpec {
            brokers: brokers.to_owned(),
            topic: topic.to_owned(),
            group: None,
            rekey: false,
        };
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            match pair.split_once('=') {
                Some(("group", group)) if source && !group.is_empty() => {
                    spec.group = Some(group.to_owned());
                }
                Some(("rekey", value @ ("true" | "false"))) if source => {
                    spec.rekey = value == "true";
                }
                _ if source => {
                    return Err(error(format!(
                        "`{pair}` is not a Kafka source option; they are `group=NAME` and \
                         `rekey=true|false`"
                    )))
                }
                _ => {
                    return Err(error(format!(
                        "a Kafka sink takes no options (`{pair}`); the source names the group"
                    )))
                }
            }
        }
        if source && spec.group.is_none() {
            return Err(error(
                "a Kafka source needs a consumer group: `kafka:BROKERS/TOPIC?group=NAME`; the \
                 workers of one program share it"
                    .to_owned(),
            ));
        }
        Ok(spec)
    }
}

/// A source or sink the command line names but this build cannot use, or cannot parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    /// The text as given.
    pub spec: String,
    /// Why it cannot be used.
    pub reason: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.spec, self.reason)
    }
}

impl std::error::Error for SpecError {}

const SOURCES: &str = "`-` (stdin), `file:PATH`, `http:ADDR` or `kafka:BROKERS/TOPIC?group=G`";
const SINKS: &str = "`-` (stdout), `file:PATH`, `webhook:URL` or `kafka:BROKERS/TOPIC`";

impl SourceSpec {
    /// Parses `--source`.
    pub fn parse(text: &str) -> Result<SourceSpec, SpecError> {
        match split(text) {
            ("-", None) => Ok(SourceSpec::Stdin),
            ("file", Some(path)) if !path.is_empty() => Ok(SourceSpec::File(path.into())),
            ("http", Some(addr)) if addr.contains(':') => Ok(SourceSpec::Http(addr.to_owned())),
            ("http", Some(_)) => Err(SpecError {
                spec: text.to_owned(),
                reason: "an HTTP source needs an address with a port, such as \
                         `http:127.0.0.1:8088`"
                    .to_owned(),
            }),
            ("kafka", Some(rest)) => KafkaSpec::parse(text, rest, true).map(SourceSpec::Kafka),
            _ => Err(SpecError {
                spec: text.to_owned(),
                reason: format!("not a source; sources are {SOURCES}"),
            }),
        }
    }
}

impl SinkSpec {
    /// Parses `--sink` or `--rejects`.
    pub fn parse(text: &str) -> Result<SinkSpec, SpecError> {
        match split(text) {
            ("-", None) => Ok(SinkSpec::Stdout),
            ("file", Some(path)) if !path.is_empty() => Ok(SinkSpec::File(path.into())),
            ("webhook", Some(url))
                if url
                    .strip_prefix("http://")
                    .or_else(|| url.strip_prefix("https://"))
                    .is_some_and(|rest| !rest.is_empty()) =>
            {
                Ok(SinkSpec::Webhook(url.to_owned()))
            }
            ("webhook", Some(_)) => Err(SpecError {
                spec: text.to_owned(),
                reason: "a webhook needs an `http://` or `https://` URL, such as \
                         `webhook:https://example.com/hook`"
                    .to_owned(),
            }),
            ("kafka", Some(rest)) => KafkaSpec::parse(text, rest, false).map(SinkSpec::Kafka),
            _ => Err(SpecError {
                spec: text.to_owned(),
                reason: format!("not a sink; sinks are {SINKS}"),
            }),
        }
    }
}

/// `scheme:rest`, or the whole text with no rest.
fn split(text: &str) -> (&str, Option<&str>) {
    match text.split_once(':') {
        Some((scheme, rest)) => (scheme, Some(rest)),
        None => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_unknown_ones_say_what_is_supported() {
        assert_eq!(SourceSpec::parse("-"), Ok(SourceSpec::Stdin));
        assert_eq!(
            SourceSpec::parse("file:in.ndjson"),
            Ok(SourceSpec::File("in.ndjson".into()))
        );
        assert_eq!(
            SinkSpec::parse("file:/tmp/a:b"),
            Ok(SinkSpec::File("/tmp/a:b".into()))
        );
        assert_eq!(SinkSpec::parse("-"), Ok(SinkSpec::Stdout));
        let error = SourceSpec::parse("ftp:x").err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "`ftp:x`: not a source; sources are `-` (stdin), `file:PATH`, `http:ADDR` or \
                 `kafka:BROKERS/TOPIC?group=G`"
            )
        );
        assert!(SourceSpec::parse("file:").is_err());
        assert_eq!(
            SourceSpec::parse("http:127.0.0.1:8088"),
            Ok(SourceSpec::Http("127.0.0.1:8088".to_owned()))
        );
        assert!(SourceSpec::parse("http:localhost").is_err());
        assert_eq!(
            SinkSpec::parse("webhook:http://127.0.0.1:9000/hook"),
            Ok(SinkSpec::Webhook("http://127.0.0.1:9000/hook".to_owned()))
        );
        assert_eq!(
            SinkSpec::parse("webhook:https://x"),
            Ok(SinkSpec::Webhook("https://x".to_owned()))
        );
        assert!(SinkSpec::parse("webhook:ftp://x").is_err_and(|e| e.reason.contains("http://")));
        assert!(SinkSpec::parse("webhook:http://").is_err());
        assert_eq!(
            SourceSpec::parse("kafka:b1:9092,b2:9092/events?group=journeys&rekey=true"),
            Ok(SourceSpec::Kafka(KafkaSpec {
                brokers: "b1:9092,b2:9092".to_owned(),
                topic: "events".to_owned(),
                group: Some("journeys".to_owned()),
                rekey: true,
            }))
        );
        assert!(SourceSpec::parse("kafka:b:9092/events")
            .is_err_and(|e| e.reason.contains("needs a consumer group")));
        assert!(SourceSpec::parse("kafka:b:9092/events?group=g&colour=red")
            .is_err_and(|e| e.reason.contains("`colour=red`")));
        assert!(SinkSpec::parse("kafka:b:9092").is_err_and(|e| e.reason.contains("BROKERS/TOPIC")));
        assert!(SinkSpec::parse("kafka:b:9092/actions?group=g").is_err());
        assert_eq!(
            SinkSpec::parse("kafka:b:9092/actions"),
            Ok(SinkSpec::Kafka(KafkaSpec {
                brokers: "b:9092".to_owned(),
                topic: "actions".to_owned(),
                group: None,
                rekey: false,
            }))
        );
    }
}
