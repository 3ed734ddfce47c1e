//! The Kafka adapter: each platform reads its notices from its own topic
//! (`takedown.notices.<platform>` unless configured). A record is the same signed message as
//! a webhook — the stored payload as its value, the notice id as its key, and the Standard
//! Webhooks `webhook-id`, `webhook-timestamp` and `webhook-signature` as record headers — so
//! the platform verifies it with the same code whichever channel brought it.
//!
//! Delivered means the brokers acknowledged the record (`acks=all`, idempotent producer, so
//! librdkafka's own retries add no duplicates). Any producer error is a retryable failure:
//! the outbox's back-off, circuit breaker and dead letters handle it as for a webhook. A
//! record may still be written twice when an acknowledgement is lost and the outbox tries
//! again; the key and `webhook-id` (the notice id) let the platform drop the second.

use std::time::Duration;

use rdkafka::{
    ClientConfig,
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
    util::Timeout,
};
use takedown_webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Secret};

use crate::deliver::{self, Outcome};

/// The topic a platform's notices go to when none is configured.
pub fn default_topic(platform: &str) -> String {
    format!("takedown.notices.{platform}")
}

#[derive(Debug, thiserror::Error)]
pub enum KafkaAdapterError {
    #[error(
        "kafka topic {topic:?} is not a valid topic name (1 to 249 of a-z A-Z 0-9 . _ -, not \".\" or \"..\")"
    )]
    Topic { topic: String },
    #[error("kafka brokers for platform {platform} are empty")]
    NoBrokers { platform: String },
    #[error("creating the kafka producer for platform {platform}: {source}")]
    Producer {
        platform: String,
        #[source]
        source: rdkafka::error::KafkaError,
    },
}

/// Where one platform's topic is and how notices to it are signed.
#[derive(Debug, Clone)]
pub struct KafkaTarget {
    pub platform: String,
    /// `host:port[,host:port…]` (librdkafka's `bootstrap.servers`).
    pub brokers: String,
    /// The platform's topic; [`default_topic`] when `None`.
    pub topic: Option<String>,
    /// Shared with the platform; signs every record. Debug shows it redacted.
    pub secret: Secret,
    /// How long one delivery may take, librdkafka's own retries included
    /// (`delivery.timeout.ms`); past it the outbox retries later.
    pub timeout: Duration,
}

impl KafkaTarget {
    /// A target with the default topic and a 30 s delivery timeout.
    pub fn new(platform: impl Into<String>, brokers: impl Into<String>, secret: Secret) -> Self {
        Self {
            platform: platform.into(),
            brokers: brokers.into(),
            topic: None,
            secret,
            timeout: Duration::from_secs(30),
        }
    }
}

/// An idempotent producer to one platform's topic.
pub struct KafkaAdapter {
    producer: FutureProducer,
    topic: String,
    secret: Secret,
    timeout: Duration,
}

impl KafkaAdapter {
    /// Checks the topic name and creates the producer. Connects lazily: brokers that are
    /// down show up as deliveries to retry, not as a start-up error.
    pub fn new(target: KafkaTarget) -> Result<Self, KafkaAdapterError> {
        let topic = target
            .topic
            .clone()
            .unwrap_or_else(|| default_topic(&target.platform));
        if !valid_topic(&topic) {
            return Err(KafkaAdapterError::Topic { topic });
        }
        if target.brokers.trim().is_empty() {
            return Err(KafkaAdapterError::NoBrokers {
                platform: target.platform,
            });
        }
        let producer =
            producer_config(&target)
                .create()
                .map_err(|source| KafkaAdapterError::Producer {
                    platform: target.platform.clone(),
                    source,
                })?;
        Ok(Self {
            producer,
            topic,
            secret: target.secret,
            timeout: target.timeout,
        })
    }

    /// The topic this adapter writes to.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Produces the signed record and waits for the brokers' acknowledgement.
    pub(crate) async fn deliver(&self, notice_id: &str, payload: &str) -> Outcome {
        let timestamp = chrono::Utc::now().timestamp();
        let signature = self.secret.sign(notice_id, timestamp, payload.as_bytes());
        let timestamp = timestamp.to_string();
        let headers = OwnedHeaders::new_with_capacity(4)
            .insert(Header {
                key: HEADER_ID,
                value: Some(notice_id),
            })
            .insert(Header {
                key: HEADER_TIMESTAMP,
                value: Some(timestamp.as_str()),
            })
            .insert(Header {
                key: HEADER_SIGNATURE,
                value: Some(signature.as_str()),
            })
            .insert(Header {
                key: "content-type",
                value: Some("application/json"),
            });
        let record = FutureRecord::to(&self.topic)
            .key(notice_id)
            .payload(payload)
            .headers(headers);
        // Resolves once the brokers acknowledged (acks=all) or the delivery timed out; the
        // wait for room in librdkafka's queue is bounded by the same timeout.
        match self
            .producer
            .send(record, Timeout::After(self.timeout))
            .await
        {
            Ok(delivery) => Outcome::Sent {
                detail: format!(
                    "produced to {} partition {} offset {}",
                    self.topic, delivery.partition, delivery.offset
                ),
            },
            Err((error, _unsent)) => Outcome::Retry {
                reason: format!(
                    "kafka topic {}: {}",
                    self.topic,
                    deliver::error_chain(&error)
                ),
                after: None,
            },
        }
    }
}

/// The producer's settings: acknowledged by all in-sync replicas, idempotent, keyed with
/// Java's murmur2 (the same partitioner as `takedown-bus-kafka`, whose own config builder is
/// crate-private, so these few lines are repeated here).
fn producer_config(target: &KafkaTarget) -> ClientConfig {
    let millis = u64::try_from(target.timeout.as_millis()).unwrap_or(u64::MAX);
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &target.brokers)
        .set(
            "client.id",
            format!("takedown-notifier-{}", target.platform),
        )
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("partitioner", "murmur2_random")
        .set("delivery.timeout.ms", millis.to_string());
    config
}

/// Kafka's topic name rule (`org.apache.kafka.common.internals.Topic`): checked here so a bad
/// name is a start-up error, not a dead letter per notice.
pub fn valid_topic(topic: &str) -> bool {
    !topic.is_empty()
        && topic.len() <= 249
        && topic != "."
        && topic != ".."
        && topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_follow_kafkas_rule() {
        assert!(valid_topic(&default_topic("sample-market")));
        assert!(valid_topic("platform_1.notices"));
        for bad in ["", ".", "..", "has space", "slash/topic", &"x".repeat(250)] {
            assert!(!valid_topic(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_platform_id_that_makes_a_bad_topic_is_refused_at_start() {
        let secret = Secret::parse("kafka-unit-test-secret-0123").expect("secret");
        let error = KafkaAdapter::new(KafkaTarget::new("shop/eu", "127.0.0.1:9092", secret))
            .err()
            .expect("refused");
        assert!(
            error.to_string().contains("\"takedown.notices.shop/eu\""),
            "{error}"
        );
    }
}
