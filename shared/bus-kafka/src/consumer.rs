//! A member of a consumer group: polls the partitions the group gives it, commits one
//! partition's offset synchronously when the caller says the message's effects are durable,
//! and leaves the group on close (or drop) so its partitions move to the other members.

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_trait::async_trait;
use futures::FutureExt;
use rdkafka::{
    Message as _, Offset, TopicPartitionList,
    consumer::{CommitMode, Consumer as _, StreamConsumer},
    error::KafkaError,
    message::BorrowedMessage,
    types::RDKafkaErrorCode,
};
use takedown_bus::{BusError, BusResult, Consumer, Message, Topic};

use crate::KafkaBusError;

pub(crate) struct KafkaConsumer {
    /// `None` once closed. Shared with the blocking threads that commit and close.
    inner: Option<Arc<StreamConsumer>>,
    topic: Topic,
    /// Highest offset + 1 this consumer committed per partition: a late commit of an older
    /// message must not move the group backwards (the embedded bus keeps the same rule).
    committed: HashMap<u32, u64>,
}

impl KafkaConsumer {
    pub(crate) fn new(inner: StreamConsumer, topic: Topic) -> Self {
        Self {
            inner: Some(Arc::new(inner)),
            topic,
            committed: HashMap::new(),
        }
    }

    fn inner(&self) -> Result<&Arc<StreamConsumer>, KafkaBusError> {
        self.inner.as_ref().ok_or(KafkaBusError::Closed)
    }
}

/// The bus's message from librdkafka's. Keys are written as UTF-8 by every producer of ours;
/// a foreign producer's other bytes are kept readable rather than refused.
fn owned(message: &BorrowedMessage<'_>) -> Message {
    Message {
        topic: message.topic().to_owned(),
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
    out: &mut Vec<Message>,
) -> Result<(), KafkaBusError> {
    match result {
        Ok(message) => {
            out.push(owned(&message));
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
        let inner = self.inner()?.clone();
        let mut out = Vec::new();
        if max == 0 {
            return Ok(out);
        }
        // `recv` is cancellation safe, so a timeout loses nothing. It also serves rebalances.
        match tokio::time::timeout(wait, inner.recv()).await {
            Err(_elapsed) => return Ok(out),
            Ok(result) => received(result, &mut out)?,
        }
        // Then whatever is already fetched, without waiting.
        while out.len() < max {
            match inner.recv().now_or_never() {
                Some(result) => received(result, &mut out)?,
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
        let (topic, partition) = (message.topic.clone(), message.partition);
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
