//! Taking over a partition: its last whole checkpoint read back from the changelog, and what a
//! previous owner wrote to the output partitions after that checkpoint (so that the replay from
//! the checkpoint does not write it again). Both read with `read_committed`, as the readers of
//! the outputs do, so the two agree on what counts as written.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

use super::changelog::{Fold, Meta, PartitionState};
use super::produce::{ID_HEADER, LINE_HEADER};
use super::settings::{KafkaSettings, Observed};
use super::task::Written;

/// How long a read may go without a record or the partition's end before it fails.
const STALL: Duration = Duration::from_secs(120);

/// A consumer outside the group that reads partitions to their end.
pub struct Restorer {
    consumer: BaseConsumer<Observed>,
    observed: Observed,
    changelog: String,
    actions: String,
    rejects: Option<String>,
}

impl Restorer {
    /// A reader of the changelog and output topics.
    pub fn new(
        settings: &KafkaSettings,
        changelog: &str,
        actions: &str,
        rejects: Option<&str>,
    ) -> Result<Restorer, String> {
        let observed = Observed::default();
        let consumer = settings
            .client_config(&[
                ("group.id", "journey-restore"),
                ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
                ("isolation.level", "read_committed"),
                ("enable.partition.eof", "true"),
                ("auto.offset.reset", "earliest"),
                // The end of a partition is found by an empty fetch: do not wait long for it.
                ("fetch.wait.max.ms", "10"),
            ])
            .create_with_context(observed.clone())
            .map_err(|e| format!("cannot make a Kafka consumer: {e}"))?;
        Ok(Restorer {
            consumer,
            observed,
            changelog: changelog.to_owned(),
            actions: actions.to_owned(),
            rejects: rejects.map(str::to_owned),
        })
    }

    /// Each partition's last whole checkpoint in the changelog, if it has one.
    pub fn checkpoints(
        &self,
        partitions: &[i32],
    ) -> Result<BTreeMap<i32, Option<PartitionState>>, String> {
        let mut folds: BTreeMap<i32, (Fold, Option<String>)> = partitions
            .iter()
            .map(|&p| (p, (Fold::default(), None)))
            .collect();
        let from: Vec<(i32, Offset)> = partitions.iter().map(|&p| (p, Offset::Beginning)).collect();
        self.read(&self.changelog, &from, |message| {
            if let Some((fold, failure @ None)) = folds.get_mut(&message.partition()) {
                if let Err(error) = fold.record(
                    message.key().unwrap_or_default(),
                    message.payload().unwrap_or_default(),
                ) {
                    *failure = Some(error);
                }
            }
        })?;
        let changelog = &self.changelog;
        folds
            .into_iter()
            .map(|(partition, (fold, failure))| {
                let state = match failure {
                    Some(error) => Err(error),
                    None => fold.finish(),
                };
                state
                    .map(|state| (partition, state))
                    .map_err(|e| format!("`{changelog}` partition {partition}: {e}"))
            })
            .collect()
    }

    /// What was written to each partition's outputs after its checkpoint `meta`.
    pub fn written(&self, metas: &[(i32, &Meta)]) -> Result<BTreeMap<i32, Written>, String> {
        let mut written: BTreeMap<i32, Written> = metas
            .iter()
            .map(|(p, _)| (*p, Written::default()))
            .collect();
        let from: Vec<(i32, Offset)> = metas
            .iter()
            .map(|(p, meta)| (*p, Offset::Offset(meta.actions_end)))
            .collect();
        self.read(&self.actions, &from, |message| {
            let id = header(message, ID_HEADER).and_then(|id| u128::from_str_radix(id, 16).ok());
            if let (Some(id), Some(written)) = (id, written.get_mut(&message.partition())) {
                written.actions.insert(id);
            }
        })?;
        if let Some(rejects) = &self.rejects {
            let from: Vec<(i32, Offset)> = metas
                .iter()
                .map(|(p, meta)| (*p, Offset::Offset(meta.rejects_end)))
                .collect();
            self.read(rejects, &from, |message| {
                let line = header(message, LINE_HEADER).and_then(|l| l.parse().ok());
                if let (Some(line), Some(written)) = (line, written.get_mut(&message.partition())) {
                    written.rejects.insert(line);
                }
            })?;
        }
        Ok(written)
    }

    /// Reads `partitions` of `topic`, each from its offset to its end.
    fn read(
        &self,
        topic: &str,
        partitions: &[(i32, Offset)],
        mut each: impl FnMut(&BorrowedMessage<'_>),
    ) -> Result<(), String> {
        let mut assignment = TopicPartitionList::new();
        for &(partition, from) in partitions {
            assignment
                .add_partition_offset(topic, partition, from)
                .map_err(|e| self.failed(topic, partition, &e))?;
        }
        self.consumer
            .assign(&assignment)
            .map_err(|e| self.failed(topic, partitions.first().map_or(0, |p| p.0), &e))?;
        let mut open: BTreeSet<i32> = partitions.iter().map(|p| p.0).collect();
        let mut progress = Instant::now();
        let result = loop {
            if open.is_empty() {
                break Ok(());
            }
            match self.consumer.poll(Duration::from_millis(100)) {
                Some(Ok(message)) => {
                    each(&message);
                    progress = Instant::now();
                }
                Some(Err(KafkaError::PartitionEOF(partition))) => {
                    open.remove(&partition);
                    progress = Instant::now();
                }
                Some(Err(error)) => {
                    tracing::debug!(topic, %error, "restore read");
                }
                None if progress.elapsed() > STALL => {
                    break Err(format!(
                        "reading `{topic}` partitions {open:?} stalled for {} s{}",
                        STALL.as_secs(),
                        self.observed
                            .last_error()
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    ))
                }
                None => {}
            }
        };
        let _ = self.consumer.unassign();
        result
    }

    fn failed(&self, topic: &str, partition: i32, error: &KafkaError) -> String {
        format!("cannot read `{topic}` partition {partition}: {error}")
    }
}

/// A header's value as text.
fn header<'m>(message: &'m BorrowedMessage<'_>, name: &str) -> Option<&'m str> {
    let headers = message.headers()?;
    headers
        .iter()
        .find(|h| h.key == name)
        .and_then(|h| std::str::from_utf8(h.value?).ok())
}
