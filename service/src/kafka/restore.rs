//! Taking over a partition: its last whole checkpoint read back from the changelog, and what a
//! previous owner wrote to the output partitions after that checkpoint (so that the replay from
//! the checkpoint does not write it again). Both read with `read_committed`, as the readers of
//! the outputs do, so the two agree on what counts as written.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

use super::changelog::{Fold, Meta, PartitionState};
use super::produce::{ID_HEADER, LINE_HEADER};
use super::settings::{KafkaSettings, Observed};
use super::task::Written;

/// How long looking a topic's leaders up may take before a restore does it itself.
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);

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
        let consumer: BaseConsumer<Observed> = settings
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
        // librdkafka looks a topic's leaders up on its first assignment and starts fetching
        // half a second later; looked up now, a restore's reads start at once.
        for topic in [Some(changelog), Some(actions), rejects]
            .into_iter()
            .flatten()
        {
            if let Err(error) = consumer.fetch_metadata(Some(topic), METADATA_TIMEOUT) {
                tracing::debug!(topic, %error, "restore metadata");
            }
        }
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
        let from: Vec<(&str, i32, Offset)> = from
            .into_iter()
            .map(|(p, offset)| (self.changelog.as_str(), p, offset))
            .collect();
        self.read(&from, |message| {
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

    /// What was written to each partition's outputs after its checkpoint `meta`: the actions
    /// and rejects partitions read together.
    pub fn written(&self, metas: &[(i32, &Meta)]) -> Result<BTreeMap<i32, Written>, String> {
        let mut written: BTreeMap<i32, Written> = metas
            .iter()
            .map(|(p, _)| (*p, Written::default()))
            .collect();
        let mut from: Vec<(&str, i32, Offset)> = metas
            .iter()
            .map(|(p, meta)| (self.actions.as_str(), *p, Offset::Offset(meta.actions_end)))
            .collect();
        if let Some(rejects) = &self.rejects {
            from.extend(
                metas
                    .iter()
                    .map(|(p, meta)| (rejects.as_str(), *p, Offset::Offset(meta.rejects_end))),
            );
        }
        self.read(&from, |message| {
            let Some(written) = written.get_mut(&message.partition()) else {
                return;
            };
            if message.topic() == self.actions {
                let id =
                    header(message, ID_HEADER).and_then(|id| u128::from_str_radix(id, 16).ok());
                written.actions.extend(id);
            } else {
                let line = header(message, LINE_HEADER).and_then(|l| l.parse::<u64>().ok());
                written.rejects.extend(line);
            }
        })?;
        Ok(written)
    }

    /// Reads each `(topic, partition)` from its offset to its end. librdkafka reports an end
    /// by partition number only, so a partition read in two topics is done at its second end.
    fn read(
        &self,
        partitions: &[(&str, i32, Offset)],
        mut each: impl FnMut(&BorrowedMessage<'_>),
    ) -> Result<(), String> {
        let mut assignment = TopicPartitionList::new();
        let mut ends: BTreeMap<i32, usize> = BTreeMap::new();
        for &(topic, partition, from) in partitions {
            assignment
                .add_partition_offset(topic, partition, from)
                .map_err(|e| failed(topic, partition, &e))?;
            *ends.entry(partition).or_insert(0) += 1;
        }
        let Some(&(topic, first, _)) = partitions.first() else {
            return Ok(());
        };
        self.consumer
            .assign(&assignment)
            .map_err(|e| failed(topic, first, &e))?;
        let mut progress = Instant::now();
        let result = loop {
            if ends.is_empty() {
                break Ok(());
            }
            match self.consumer.poll(Duration::from_millis(100)) {
                Some(Ok(message)) => {
                    each(&message);
                    progress = Instant::now();
                }
                Some(Err(KafkaError::PartitionEOF(partition))) => {
                    if let Some(left) = ends.get_mut(&partition) {
                        *left -= 1;
                        if *left == 0 {
                            ends.remove(&partition);
                        }
                    }
                    progress = Instant::now();
                }
                Some(Err(error)) => {
                    tracing::debug!(topic, %error, "restore read");
                }
                None if progress.elapsed() > STALL => {
                    let open: Vec<i32> = ends.keys().copied().collect();
                    break Err(format!(
                        "reading `{topic}` partitions {open:?} stalled for {} s{}",
                        STALL.as_secs(),
                        self.observed
                            .last_error()
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    ));
                }
                None => {}
            }
        };
        let _ = self.consumer.unassign();
        result
    }
}

fn failed(topic: &str, partition: i32, error: &KafkaError) -> String {
    format!("cannot read `{topic}` partition {partition}: {error}")
}
/// A header's value as text.
fn header<'m>(message: &'m BorrowedMessage<'_>, name: &str) -> Option<&'m str> {
    let headers = message.headers()?;
    headers
        .iter()
        .find(|h| h.key == name)
        .and_then(|h| std::str::from_utf8(h.value?).ok())
}
