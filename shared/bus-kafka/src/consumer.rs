//! A member of a consumer group: polls the partitions the group gives it, commits one
//! partition's offset synchronously when the caller says the message's effects are durable,
//! and leaves the group on close (or drop) so its partitions move to the other members.
//!
//! A watchdog works around a broker defect: tansu 0.6.0, when it expires a SIGKILLed
//! member while the group is stable (on a survivor's heartbeat), drops the member but keeps
//! the group's generation and assignment, so the survivors rejoin, get their old partitions
//! back, and the dead member's partitions are consumed by nobody, for ever (the same happens
//! to the members a killed run leaves behind when the next run joins). Only a new member
//! joining or one leaving makes tansu rebalance. So a consumer that received nothing for
//! [`KafkaConfig::stall_timeout`] while its group's lag on the topic did not shrink leaves
//! and rejoins as a new member. On a broker that rebalances correctly the condition does not
//! arise, and if it did, the cost is one rebalance.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use futures::FutureExt;
use rdkafka::{
    Message as _, Offset, TopicPartitionList,
    consumer::{BaseConsumer, CommitMode, Consumer as _, StreamConsumer},
    error::KafkaError,
    message::BorrowedMessage,
    types::RDKafkaErrorCode,
};
use takedown_bus::{BusError, BusResult, Consumer, Message, Topic};

use crate::{KafkaBusError, KafkaConfig, lag};

pub(crate) struct KafkaConsumer {
    /// `None` once closed. Shared with the blocking threads that commit and close.
    inner: Option<Arc<StreamConsumer>>,
    config: Arc<KafkaConfig>,
    group: String,
    topic: Topic,
    /// Highest offset + 1 this consumer committed per partition: a late commit of an older
    /// message must not move the group backwards (the embedded bus keeps the same rule).
    committed: HashMap<u32, u64>,
    watchdog: Watchdog,
}

/// The stall watchdog's state (see the module docs).
struct Watchdog {
    /// Start of the current observation window.
    since: Instant,
    /// Whether this consumer received anything in the window.
    received: bool,
    /// The group's lag at the end of the previous quiet window.
    lag: Option<u64>,
    /// Reads the group's committed offsets without joining it; made on first use.
    reader: Option<Arc<BaseConsumer>>,
}

/// A new group member subscribed to `topic`.
fn member(
    config: &KafkaConfig,
    group: &str,
    topic: Topic,
) -> Result<StreamConsumer, KafkaBusError> {
    let consumer: StreamConsumer = config
        .group_consumer(group)
        .create()
        .map_err(KafkaBusError::kafka("consumer"))?;
    consumer
        .subscribe(&[config.topic_name(topic).as_str()])
        .map_err(KafkaBusError::kafka("subscribe"))?;
    Ok(consumer)
}

impl KafkaConsumer {
    /// Joins `group` as a new member consuming `topic`.
    pub(crate) fn join(
        config: Arc<KafkaConfig>,
        group: &str,
        topic: Topic,
    ) -> Result<Self, KafkaBusError> {
        let inner = member(&config, group, topic)?;
        Ok(Self {
            inner: Some(Arc::new(inner)),
            config,
            group: group.to_owned(),
            topic,
            committed: HashMap::new(),
            watchdog: Watchdog {
                since: Instant::now(),
                received: false,
                lag: None,
                reader: None,
            },
        })
    }

    /// Ends a watchdog window when it is over: rejoins when this one received nothing and
    /// the group's lag is positive and no smaller than at the end of the previous quiet
    /// window (so nobody made progress for a whole window).
    async fn watch(&mut self) -> Result<(), KafkaBusError> {
        let Some(window) = self.config.stall_timeout else {
            return Ok(());
        };
        if self.watchdog.since.elapsed() < window {
            return Ok(());
        }
        let quiet = !self.watchdog.received;
        self.watchdog.since = Instant::now();
        self.watchdog.received = false;
        if !quiet {
            self.watchdog.lag = None;
            return Ok(());
        }
        let reader = match &self.watchdog.reader {
            Some(reader) => reader.clone(),
            None => {
                let reader: Arc<BaseConsumer> = Arc::new(
                    self.config
                        .offsets_reader(&self.group)
                        .create()
                        .map_err(KafkaBusError::kafka("offsets reader"))?,
                );
                self.watchdog.reader = Some(reader.clone());
                reader
            }
        };
        let (config, topic) = (self.config.clone(), self.topic);
        let now = tokio::task::spawn_blocking(move || lag::lag(&reader, &config, topic))
            .await
            .map_err(KafkaBusError::from)??;
        let stalled = now > 0 && self.watchdog.lag.is_some_and(|before| now >= before);
        self.watchdog.lag = Some(now);
        if stalled {
            tracing::warn!(group = %self.group, topic = %self.topic.name(), lag = now, "group made no progress; rejoining as a new member to force a rebalance");
            self.rejoin().await?;
            self.watchdog.lag = None;
        }
        Ok(())
    }

    /// Leaves the group and joins it again as a new member.
    async fn rejoin(&mut self) -> Result<(), KafkaBusError> {
        if let Some(old) = self.inner.take() {
            tokio::task::spawn_blocking(move || {
                old.unsubscribe();
                drop(old);
            })
            .await
            .map_err(KafkaBusError::from)?;
        }
        self.inner = Some(Arc::new(member(&self.config, &self.group, self.topic)?));
        Ok(())
    }

    fn inner(&self) -> Result<&Arc<StreamConsumer>, KafkaBusError> {
        self.inner.as_ref().ok_or(KafkaBusError::Closed)
    }
}

/// The bus's message from librdkafka's. Keys are written as UTF-8 by every producer of ours;
/// a foreign producer's other bytes are kept readable rather than refused.
fn owned(message: &BorrowedMessage<'_>, topic: Topic) -> Message {
    Message {
        // The topic's own name, not the namespaced one on the brokers: the namespace is
        // the bus's business, and `commit` checks this against the subscribed topic.
        topic: topic.name().to_owned(),
        partition: u32::try_from(message.partition()).unwrap_or_default(),
        offset: u64::try_from(message.offset()).unwrap_or_default(),
        key: message
            .key()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .unwrap_or_default(),
        payload: message.payload().map(<[u8]>::to_vec).unwrap_or_default(),
    }
}

/// What a poll does with a failed receive: a fatal error stops the consumer; anything else
/// (a broker moving, a topic not there yet) is retried by librdkafka, so it is logged.
fn received(
    result: Result<BorrowedMessage<'_>, KafkaError>,
    topic: Topic,
    out: &mut Vec<Message>,
) -> Result<(), KafkaBusError> {
    match result {
        Ok(message) => {
            out.push(owned(&message, topic));
            Ok(())
        }
        Err(e @ KafkaError::MessageConsumptionFatal(_)) => Err(KafkaBusError::Kafka {
            operation: "poll",
            source: e,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "kafka consumer reported an error; librdkafka retries");
            Ok(())
        }
    }
}

/// Commit errors that mean the partition went to another member during a rebalance: the
/// message is not lost, its new owner (or this one, reassigned) receives it again.
fn lost_in_rebalance(error: &KafkaError) -> bool {
    matches!(
        error,
        KafkaError::ConsumerCommit(
            RDKafkaErrorCode::RebalanceInProgress
                | RDKafkaErrorCode::IllegalGeneration
                | RDKafkaErrorCode::UnknownMemberId
                | RDKafkaErrorCode::FencedInstanceId
                | RDKafkaErrorCode::StaleMemberEpoch
                | RDKafkaErrorCode::UnknownTopicOrPartition
        )
    )
}

#[async_trait]
impl Consumer for KafkaConsumer {
    async fn poll(&mut self, max: usize, wait: Duration) -> BusResult<Vec<Message>> {
        self.inner()?;
        self.watch().await?;
        let inner = self.inner()?.clone();
        let mut out = Vec::new();
        if max == 0 {
            return Ok(out);
        }
        // `recv` is cancellation safe, so a timeout loses nothing. It also serves rebalances.
        match tokio::time::timeout(wait, inner.recv()).await {
            Err(_elapsed) => return Ok(out),
            Ok(result) => received(result, self.topic, &mut out)?,
        }
        self.watchdog.received |= !out.is_empty();
        // Then whatever is already fetched, without waiting.
        while out.len() < max {
            match inner.recv().now_or_never() {
                Some(result) => received(result, self.topic, &mut out)?,
                None => break,
            }
        }
        Ok(out)
    }

    async fn commit(&mut self, message: &Message) -> BusResult<()> {
        if message.topic != self.topic.name() {
            return Err(BusError::ForeignCommit {
                topic: message.topic.clone(),
                partition: message.partition,
                offset: message.offset,
            });
        }
        let next = message.offset + 1;
        if self
            .committed
            .get(&message.partition)
            .is_some_and(|&done| done >= next)
        {
            return Ok(());
        }
        let inner = self.inner()?.clone();
        let (topic, partition) = (self.config.topic_name(self.topic), message.partition);
        let offset = i64::try_from(next).map_err(|_| BusError::ForeignCommit {
            topic: message.topic.clone(),
            partition,
            offset: message.offset,
        })?;
        // A synchronous commit blocks its thread until the coordinator answers.
        let done = tokio::task::spawn_blocking(move || -> Result<bool, KafkaBusError> {
            let partition = i32::try_from(partition).unwrap_or(i32::MAX);
            // A partition revoked since the poll belongs to another member now: committing
            // for it could move that member's progress backwards. Its new owner redelivers.
            let assignment = inner
                .assignment()
                .map_err(KafkaBusError::kafka("assignment"))?;
            if assignment.find_partition(&topic, partition).is_none() {
                tracing::info!(topic = %topic, partition, offset, "not committing: partition revoked");
                return Ok(false);
            }
            let mut offsets = TopicPartitionList::new();
            offsets
                .add_partition_offset(&topic, partition, Offset::Offset(offset))
                .map_err(KafkaBusError::kafka("commit"))?;
            match inner.commit(&offsets, CommitMode::Sync) {
                Ok(()) => Ok(true),
                Err(e) if lost_in_rebalance(&e) => {
                    tracing::info!(topic = %topic, partition, offset, error = %e, "not committed: rebalancing");
                    Ok(false)
                }
                Err(e) => Err(KafkaBusError::Kafka {
                    operation: "commit",
                    source: e,
                }),
            }
        })
        .await
        .map_err(KafkaBusError::from)??;
        if done {
            self.committed.insert(message.partition, next);
        }
        Ok(())
    }

    async fn close(&mut self) -> BusResult<()> {
        if let Some(inner) = self.inner.take() {
            // Dropping the last handle leaves the group and waits for it: blocking work.
            tokio::task::spawn_blocking(move || {
                inner.unsubscribe();
                drop(inner);
            })
            .await
            .map_err(KafkaBusError::from)?;
        }
        Ok(())
    }
}

impl Drop for KafkaConsumer {
    fn drop(&mut self) {
        // Leaving the group blocks briefly; keep it off the async workers when we can.
        if let Some(inner) = self.inner.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn_blocking(move || drop(inner));
                }
                Err(_) => drop(inner),
            }
        }
    }
}
