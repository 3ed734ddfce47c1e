//! How to reach the brokers and how the topics are set up: the one place where librdkafka
//! settings are chosen, so the producer, the consumers and the admin client agree.

use std::time::Duration;

use rdkafka::ClientConfig;
use takedown_bus::{DEAD_LETTER_TOPIC, Topic};

use crate::security::KafkaSecurity;

/// The environment variable [`KafkaConfig::new`] reads the default namespace from.
pub const NAMESPACE_ENV: &str = "TAKEDOWN_KAFKA_NAMESPACE";

/// Settings of a [`crate::KafkaBus`]. `KafkaConfig::new(brokers)` gives the defaults for one
/// broker; production raises `replication_factor` and sets retention.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// `host:port[,host:port…]`, librdkafka's `bootstrap.servers`.
    pub brokers: String,
    /// Prefix of every topic name and consumer-group id (`NS.takedown.listings`, group
    /// `NS.hasher`), so deployments — or test runs — sharing brokers never see each other's
    /// messages, offsets or group members. `None`: the plain names. [`KafkaConfig::new`]
    /// takes it from the environment variable [`NAMESPACE_ENV`] when that is set, so every
    /// process of a deployment can be given one without a config change.
    pub namespace: Option<String>,
    /// Prefix of this process's client ids (broker logs and quotas name it).
    pub client_id: String,
    /// Replicas of every topic created by [`crate::KafkaBus::ensure_topics`].
    pub replication_factor: i32,
    /// `retention.ms` of the pipeline topics; `None` keeps the broker's default.
    pub retention: Option<Duration>,
    /// `retention.ms` of the dead-letter topic; `None` keeps the broker's default. Dead
    /// letters wait for a person, so this is usually longer than `retention`.
    pub dead_letter_retention: Option<Duration>,
    /// How long `publish` may take in all, retries included (`delivery.timeout.ms`).
    pub publish_timeout: Duration,
    /// Bound of each request the bus waits for: metadata, offsets, commits, topic creation.
    pub request_timeout: Duration,
    /// How long a consumer that stopped heartbeating keeps its partitions
    /// (`session.timeout.ms`). A consumer that closes leaves at once; this only bounds how
    /// long a SIGKILLed process's partitions wait for a new owner.
    pub session_timeout: Duration,
    /// How long a consumer may see its group make no progress — nothing received by it,
    /// lag on its topic not shrinking — before it leaves and rejoins as a new member,
    /// forcing a full rebalance. A healthy broker never needs this: it is the way out of a
    /// group whose dead member's partitions were never given to anyone (tansu 0.6.0 does
    /// that when it expires a member while the group is stable, see `consumer.rs`).
    /// `None` turns the watchdog off.
    pub stall_timeout: Option<Duration>,
    /// The idempotent producer (`enable.idempotence`): no duplicates or reordering from the
    /// producer's own retries. Only a broker without `InitProducerId` needs it off.
    pub idempotent: bool,
    /// One record per produced batch (`batch.num.messages=1`). tansu 0.6.0 answers a fetch
    /// that starts inside a batch with the batches after it, so a member taking over a
    /// partition whose group committed part of a batch would never receive the rest of it
    /// (and once later batches are committed past it, nobody would); with one record per
    /// batch every committed offset starts a batch.
    /// On a broker without that defect, `false` lets librdkafka batch for throughput.
    pub single_record_batches: bool,
    /// TLS and SASL of every client (plaintext without authentication by default).
    pub security: KafkaSecurity,
    /// Further librdkafka settings applied last to every client (tuning). Credentials
    /// belong in [`KafkaConfig::security`], whose `Debug` hides the password.
    pub settings: Vec<(String, String)>,
}

impl KafkaConfig {
    /// Settings for the brokers at `brokers` (comma-separated `host:port`), with every other
    /// setting at its default.
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            namespace: std::env::var(NAMESPACE_ENV)
                .ok()
                .filter(|ns| !ns.trim().is_empty()),
            client_id: "takedown".to_owned(),
            replication_factor: 1,
            retention: None,
            dead_letter_retention: None,
            publish_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
            session_timeout: Duration::from_secs(10),
            stall_timeout: Some(Duration::from_secs(5)),
            idempotent: true,
            single_record_batches: true,
            security: KafkaSecurity::default(),
            settings: Vec::new(),
        }
    }

    /// The name `topic` has on the brokers.
    pub fn topic_name(&self, topic: Topic) -> String {
        self.namespaced(topic.name())
    }

    /// The dead-letter topic's name on the brokers.
    pub fn dead_letter_topic(&self) -> String {
        self.namespaced(DEAD_LETTER_TOPIC)
    }

    /// The id consumer group `group` has on the brokers.
    pub fn group_id(&self, group: &str) -> String {
        self.namespaced(group)
    }

    fn namespaced(&self, name: &str) -> String {
        match &self.namespace {
            Some(namespace) => format!("{namespace}.{name}"),
            None => name.to_owned(),
        }
    }

    fn base(&self, role: &str) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("client.id", format!("{}-{role}", self.client_id))
            .set(
                "socket.timeout.ms",
                millis(self.request_timeout).to_string(),
            );
        self.security.apply(&mut config);
        config
    }

    fn finish(&self, mut config: ClientConfig) -> ClientConfig {
        for (key, value) in &self.settings {
            config.set(key, value);
        }
        config
    }

    /// The producer: acknowledged by all in-sync replicas, idempotent, and keyed with Java's
    /// murmur2 so producers in other languages put a key in the same partition.
    pub(crate) fn producer(&self) -> ClientConfig {
        let mut config = self.base("producer");
        config
            .set("acks", "all")
            .set("enable.idempotence", self.idempotent.to_string())
            .set(
                "batch.num.messages",
                if self.single_record_batches {
                    "1"
                } else {
                    "10000"
                },
            )
            .set("partitioner", "murmur2_random")
            .set(
                "delivery.timeout.ms",
                millis(self.publish_timeout).to_string(),
            );
        self.finish(config)
    }

    /// A member of `group`: offsets are committed only by the bus's `commit`, after the
    /// caller's effects are durable, never automatically; a new group starts at the oldest
    /// message kept.
    pub(crate) fn group_consumer(&self, group: &str) -> ClientConfig {
        let mut config = self.base("consumer");
        config
            .set("group.id", self.group_id(group))
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set(
                "session.timeout.ms",
                millis(self.session_timeout).to_string(),
            )
            .set("enable.partition.eof", "false");
        self.finish(config)
    }

    /// A client that reads offsets and watermarks of `group` without joining it.
    pub(crate) fn offsets_reader(&self, group: &str) -> ClientConfig {
        let mut config = self.base("offsets");
        config
            .set("group.id", self.group_id(group))
            .set("enable.auto.commit", "false");
        self.finish(config)
    }

    /// A consumer outside any group that reads partitions it assigns itself. librdkafka
    /// refuses `assign` without a `group.id`; the reader never joins nor commits to it.
    pub(crate) fn reader(&self) -> ClientConfig {
        let mut config = self.base("reader");
        config
            .set("group.id", format!("{}-reader", self.client_id))
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "false");
        self.finish(config)
    }

    pub(crate) fn admin(&self) -> ClientConfig {
        let config = self.base("admin");
        self.finish(config)
    }
}

/// Milliseconds for a librdkafka setting; saturates rather than wraps.
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
