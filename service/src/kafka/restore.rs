//! Taking over a partition: its last whole checkpoint read back from the changelog, and what a
//! previous owner wrote to the output partitions after that checkpoint (so that the replay from
//! the checkpoint does not write it again). Both read with `read_committed`, as the readers of
//! the outputs do, so the two agree on what counts as written.

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

    /// The partition's last whole checkpoint in the changelog, if it has one.
    pub fn checkpoint(&self, partition: i32) -> Result<Option<PartitionState>, String> {
        let mut fold = Fold::default();
        let mut failure = None;
        self.read(&self.changelog, partition, Offset::Beginning, |message| {
            if failure.is_none() {
                if let Err(error) = fold.record(
                    message.key().unwrap_or_default(),
                    message.payload().unwrap_or_default(),
                ) {
                    failure = Some(error);
                }
            }
        })?;
        if let Some(error) = failure {
            return Err(format!(
                "`{}` partition {partition}: {error}",
                self.changelog
            ));
        }
        fold.finish()
            .map_err(|e| format!("`{}` partition {partition}: {e}", self.changelog))
    }

    /// What was written to the output partitions after the checkpoint `meta`.
    pub fn written(&self, partition: i32, meta: &Meta) -> Result<Written, String> {
        let mut written = Written::default();
        self.read(
            &self.actions,
            partition,
            Offset::Offset(meta.actions_end),
            |message| {
                let id =
                    header(message, ID_HEADER).and_then(|id| u128::from_str_radix(id, 16).ok());
                if let Some(id) = id {
                    written.actions.insert(id);
                }
            },
        )?;
        if let Some(rejects) = &self.rejects {
            self.read(
                rejects,
                partition,
                Offset::Offset(meta.rejects_end),
                |message| {
                    if let Some(line) = header(message, LINE_HEADER).and_then(|l| l.parse().ok()) {
                        written.rejects.insert(line);
                    }
                },
            )?;
        }
        Ok(written)
    }

    /// Reads `partition` of `topic` from `from` to its end.
    fn read(
        &self,
        topic: &str,
        partition: i32,
        from: Offset,
        mut each: impl FnMut(&BorrowedMessage<'_>),
    ) -> Result<(), String> {
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset(topic, partition, from)
            .map_err(|e| self.failed(topic, partition, &e))?;
        self.consumer
            .assign(&assignment)
            .map_err(|e| self.failed(topic, partition, &e))?;
        let mut progress = Instant::now();
        let result = loop {
            match self.consumer.poll(Duration::from_millis(100)) {
                Some(Ok(message)) => {
                    each(&message);
                    progress = Instant::now();
                }
                Some(Err(KafkaError::PartitionEOF(_))) => break Ok(()),
                Some(Err(error)) => {
                    tracing::debug!(topic, partition, %error, "restore read");
                }
                None if progress.elapsed() > STALL => {
                    break Err(format!(
                        "reading `{topic}` partition {partition} stalled for {} s{}",
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
