//! The bus's behaviours against a real Kafka-protocol broker at `TAKEDOWN_KAFKA_BROKERS`
//! (`.ci/services/kafka.sh` starts one). Run with `cargo test -p takedown-bus-kafka --
//! --ignored`; without the variable these tests fail rather than pass vacuously.

mod scenarios;

use std::time::Duration;

use takedown_bus_kafka::{KafkaBus, KafkaConfig};

const IGNORE: &str = "needs a Kafka broker: TAKEDOWN_KAFKA_BROKERS; .ci/run starts one";

/// The broker's config, with every topic ensured (twice: creating is idempotent).
async fn broker() -> KafkaConfig {
    let brokers = std::env::var("TAKEDOWN_KAFKA_BROKERS")
        .unwrap_or_else(|_| panic!("TAKEDOWN_KAFKA_BROKERS is not set ({IGNORE})"));
    let mut config = KafkaConfig::new(brokers);
    // Topic settings travel with CreateTopics; a fresh broker (as in .ci/run) gets them.
    config.retention = Some(Duration::from_secs(7 * 86_400));
    config.dead_letter_retention = Some(Duration::from_secs(30 * 86_400));
    let bus = KafkaBus::new(config.clone()).expect("bus");
    bus.ensure_topics().await.expect("ensure topics");
    bus.ensure_topics().await.expect("ensure topics again");
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Kafka broker: TAKEDOWN_KAFKA_BROKERS; .ci/run starts one"]
async fn keeps_order_per_key() {
    scenarios::keeps_order_per_key(broker().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Kafka broker: TAKEDOWN_KAFKA_BROKERS; .ci/run starts one"]
async fn uncommitted_messages_go_to_the_next_consumer() {
    scenarios::uncommitted_messages_go_to_the_next_consumer(broker().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Kafka broker: TAKEDOWN_KAFKA_BROKERS; .ci/run starts one"]
async fn two_members_split_the_partitions() {
    scenarios::two_members_split_the_partitions(broker().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Kafka broker: TAKEDOWN_KAFKA_BROKERS; .ci/run starts one"]
async fn undecodable_payloads_are_dead_lettered() {
    scenarios::undecodable_payloads_are_dead_lettered(broker().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Kafka broker: TAKEDOWN_KAFKA_BROKERS; .ci/run starts one"]
async fn lag_counts_what_is_not_committed() {
    scenarios::lag_counts_what_is_not_committed(broker().await).await;
}
