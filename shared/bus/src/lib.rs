//! The bus between takedown's stages: topics, keys, partitions, consumer groups, offsets.
//!
//! Module map:
//! - [`topics`]: the topics of the pipeline, their keys and partition counts.
//! - [`embedded`]: a durable single-machine bus on SQLite (the default).
//!
//! Delivery is at-least-once: a consumer commits a message's offset only after its effects
//! are durable, so after a crash the uncommitted tail is delivered again. Every consumer's
//! effects are therefore idempotent (keyed by content-derived ids).
//!
//! **Architecture Invariant:** the bus moves opaque bytes under a key; it knows nothing of the
//! payloads' schemas. Messages with the same key land in the same partition and keep their
//! order, as they will on Kafka.

pub mod consume;
pub mod embedded;
pub mod topics;

use std::time::Duration;

use async_trait::async_trait;

pub use consume::{consume, consume_decoded};
pub use embedded::EmbeddedBus;
pub use topics::{Topic, partition_for};

/// One message read from a topic partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
    pub key: String,
    pub payload: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("bus storage failed: {0}")]
    Storage(#[from] sqlx::Error),
    #[error("bus schema migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unknown topic {0:?}")]
    UnknownTopic(String),
    #[error("commit of {topic}/{partition}@{offset} is not for this consumer's topic")]
    ForeignCommit {
        topic: String,
        partition: u32,
        offset: u64,
    },
}

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
}

/// A consumer in a group. Polling advances a position in memory only; `commit` makes it
/// durable, so whatever was polled but not committed is delivered again after a restart.
#[async_trait]
pub trait Consumer: Send {
    /// Up to `max` messages, waiting at most `wait` for the first one.
    async fn poll(&mut self, max: usize, wait: Duration) -> BusResult<Vec<Message>>;

    /// Marks `message` and everything before it in its partition as done for the group.
    async fn commit(&mut self, message: &Message) -> BusResult<()>;
}
