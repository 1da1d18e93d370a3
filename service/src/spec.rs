//! Where input comes from and where output goes, as the command line names them
//! (`-`, `file:PATH`, `http:ADDR`, `webhook:URL`, `kafka:...`).

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

const SOURCES: &str = "`-` (stdin), `file:PATH` or `http:ADDR`";
const SINKS: &str = "`-` (stdout), `file:PATH` or `webhook:URL`";

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
            (scheme @ "kafka", Some(_)) => Err(not_yet(text, scheme, SOURCES)),
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
            (scheme @ "kafka", Some(_)) => Err(not_yet(text, scheme, SINKS)),
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

fn not_yet(text: &str, scheme: &str, supported: &str) -> SpecError {
    SpecError {
        spec: text.to_owned(),
        reason: format!("`{scheme}:` is not supported by this build yet; use {supported}"),
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
            Some("`ftp:x`: not a source; sources are `-` (stdin), `file:PATH` or `http:ADDR`")
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
        assert!(SinkSpec::parse("kafka:b/t")
            .is_err_and(|e| e.reason.contains("not supported by this build yet")));
    }
}
