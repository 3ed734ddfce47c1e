//! The bus between takedown's stages: topics, keys, partitions, consumer groups, offsets.
//!
//! Module map:
//! - [`topics`]: the topics of the pipeline, their keys and partition counts.
//! - [`embedded`]: a durable single-machine bus on SQLite (the default).
//! - [`consume`]: the poll → handle → commit loop every stage runs, and its typed variant
//!   that sets undecodable payloads aside as dead letters.
//!
//! The Kafka implementation of the same traits lives in the `takedown-bus-kafka` crate, so
//! that only the processes that need it link librdkafka.
//!
//! Delivery is at-least-once: a consumer commits a message's offset only after its effects
//! are durable, so after a crash the uncommitted tail is delivered again. Every consumer's
//! effects are therefore idempotent (keyed by content-derived ids).
//!
//! **Architecture Invariant:** the bus moves opaque bytes under a key; it knows nothing of the
//! payloads' schemas. Messages with the same key land in the same partition and keep their
//! order, as they do on Kafka.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod consume;
pub mod embedded;
pub mod topics;

use std::{collections::BTreeMap, time::Duration};

use async_trait::async_trait;

pub use consume::{consume, consume_decoded};
pub use embedded::EmbeddedBus;
pub use topics::{DEAD_LETTER_PARTITIONS, DEAD_LETTER_TOPIC, Topic, partition_for};

/// One message read from a topic partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The topic it was read from.
    pub topic: String,
    /// The partition within the topic: messages of one key are in one partition, in order.
    pub partition: u32,
    /// Its position in the partition; committing it (plus one) marks it handled for the group.
    pub offset: u64,
    /// The key it was published with (a listing URL, owner id, …).
    pub key: String,
    /// The payload, opaque to the bus (a JSON envelope, for the stages).
    pub payload: Vec<u8>,
}

/// A message no consumer can handle, set aside with where it came from and why. The payload
/// and key are kept byte for byte, so an operator can fix the cause and publish it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The topic, partition and offset the message was read from.
    pub topic: String,
    /// The partition it was read from.
    pub partition: u32,
    /// The offset it was read at.
    pub offset: u64,
    /// The key it was published with, byte for byte.
    pub key: String,
    /// The payload, byte for byte.
    pub payload: Vec<u8>,
    /// Why it could not be handled (e.g. the decoder's error).
    pub reason: String,
}

impl DeadLetter {
    /// A dead letter for `message`, keeping everything needed to publish it again.
    pub fn new(message: &Message, reason: impl Into<String>) -> Self {
        Self {
            topic: message.topic.clone(),
            partition: message.partition,
            offset: message.offset,
            key: message.key.clone(),
            payload: message.payload.clone(),
            reason: reason.into(),
        }
    }
}

/// Why a bus operation failed. A stage stops on one without committing, and is restarted from
/// its committed offsets.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The embedded bus's SQLite log failed.
    #[error("bus storage failed: {0}")]
    Storage(#[from] sqlx::Error),
    /// The embedded bus's schema could not be brought up to date.
    #[error("bus schema migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A name that is not one of [`Topic::ALL`] (nor the dead-letter topic).
    #[error("unknown topic {0:?}")]
    UnknownTopic(String),
    /// A consumer was asked to commit a message of a topic it does not read: a bug in the
    /// caller.
    #[error("commit of {topic}/{partition}@{offset} is not for this consumer's topic")]
    ForeignCommit {
        /// The topic the message came from.
        topic: String,
        /// Its partition.
        partition: u32,
        /// Its offset.
        offset: u64,
    },
    /// A failure of another bus implementation (e.g. Kafka), named by what was being done.
    #[error("bus {operation} failed: {source}")]
    Backend {
        /// What was being done ("publish", "commit", …).
        operation: &'static str,
        /// The implementation's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The result of every bus operation.
pub type BusResult<T> = Result<T, BusError>;

/// A bus: publish keyed messages, subscribe as a consumer group.
#[async_trait]
pub trait Bus: Send + Sync {
    /// Appends a message; returns once it is durable.
    async fn publish(&self, topic: Topic, key: &str, payload: &[u8]) -> BusResult<()>;

    /// A consumer of `topic` for `group`, starting after the group's committed offsets.
    async fn subscribe(&self, group: &str, topic: Topic) -> BusResult<Box<dyn Consumer>>;

    /// Messages of `topic` not yet committed by `group`, over all partitions.
    async fn lag(&self, group: &str, topic: Topic) -> BusResult<u64>;

    /// The same per partition (partition → messages not committed): a stuck partition
    /// shows where the total hides it. Partitions with nothing published may be absent.
    async fn partition_lags(&self, group: &str, topic: Topic) -> BusResult<BTreeMap<u32, u64>>;

    /// Sets `letter` aside on the dead-letter topic ([`DEAD_LETTER_TOPIC`]); returns once it is
    /// durable, so the caller may then commit past the original message.
    async fn dead_letter(&self, letter: &DeadLetter) -> BusResult<()>;

    /// The first `max` dead letters, oldest first: what an operator inspects and replays.
    async fn dead_letters(&self, max: usize) -> BusResult<Vec<DeadLetter>>;
}

/// A consumer in a group. Polling advances a position in memory only; `commit` makes it
/// durable, so whatever was polled but not committed is delivered again after a restart.
#[async_trait]
pub trait Consumer: Send {
    /// Up to `max` messages, waiting at most `wait` for the first one.
    async fn poll(&mut self, max: usize, wait: Duration) -> BusResult<Vec<Message>>;

    /// Marks `message` and everything before it in its partition as done for the group.
    async fn commit(&mut self, message: &Message) -> BusResult<()>;

    /// Leaves the group at once, so its partitions move to the other members now rather than
    /// after a session timeout. Uncommitted messages go to the partitions' next owners.
    /// Dropping a consumer without closing it is safe; this only makes the hand-over prompt.
    async fn close(&mut self) -> BusResult<()> {
        Ok(())
    }
}
