//! The takedown bus on Apache Kafka, or any broker speaking its protocol, through librdkafka
//! (`rdkafka`, with librdkafka built from source by the crate).
//!
//! Module map:
//! - [`config`]: [`KafkaConfig`] — brokers, topic/group namespace, replication, retention,
//!   timeouts — and the librdkafka settings of each client, chosen in one place.
//! - [`admin`]: the topics the bus needs ([`topic_specs`]) and their idempotent creation.
//! - [`bus`]: [`KafkaBus`], the [`takedown_bus::Bus`] implementation: the idempotent
//!   producer (`acks=all`; `publish` returns once the broker acknowledged), subscribing,
//!   lag, dead letters.
//! - `consumer`: a consumer-group member with auto-commit off; `commit` commits one
//!   partition's offset + 1 synchronously, and only for a partition it still owns; a stall
//!   watchdog rejoins a group that stopped making progress (a tansu 0.6.0 defect leaves a
//!   SIGKILLed member's partitions unowned; see the module).
//! - `lag`: committed offsets against high watermarks, read without joining the group.
//! - `dead_letter`: dead letters as records with the original key and payload and the
//!   source position and reason in headers, and reading them back.
//! - [`security`]: [`KafkaSecurity`] — TLS (CA, client certificate) and SASL (PLAIN,
//!   SCRAM) of every client; the password in a [`Secret`] that `Debug` never prints.
//! - [`error`]: [`KafkaBusError`], turned into `BusError::Backend` at the trait boundary.
//!
//! Contract, the same as the embedded bus's: a key is always placed in the same partition
//! (librdkafka's `murmur2_random`, Java's partitioner), so per-key order holds; delivery is
//! at-least-once: a message polled but not committed — the process died, or its partition
//! moved to another member in a rebalance — is delivered again to the partition's owner.
//! Closing (or dropping) a consumer leaves the group at once, so the others take its
//! partitions over without waiting for the session timeout.
//!
//! Topics are created by [`KafkaBus::ensure_topics`], never implicitly: a deployment runs it
//! once (running it again changes nothing); librdkafka's mock cluster has no CreateTopics,
//! so tests there create topics with the mock's own call from the same [`topic_specs`].

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod admin;
pub mod bus;
pub mod config;
mod consumer;
mod dead_letter;
pub mod error;
mod lag;
pub mod security;

pub use admin::{TopicSpec, ensure_topics, topic_specs};
pub use bus::KafkaBus;
pub use config::{KafkaConfig, NAMESPACE_ENV};
pub use error::KafkaBusError;
pub use security::{
    ClientCertificate, KafkaSecurity, SaslCredentials, SaslMechanism, Secret, SecurityError,
    SecurityProtocol,
};
