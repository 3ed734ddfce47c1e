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

/// Two namespaces on one broker are two worlds: a message published in one is neither
/// received nor counted as lag by the same group in the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Kafka broker: TAKEDOWN_KAFKA_BROKERS; .ci/run starts one"]
async fn namespaces_on_one_broker_do_not_mix() {
    use takedown_bus::{Bus, Topic};
    let base = broker().await;
    // Unique per run, so a broker reused from an earlier run holds nothing of this one.
    let run = format!("{:x}", std::process::id());
    let bus_in = |ns: &str| {
        let mut config = base.clone();
        config.namespace = Some(format!("ns-{ns}-{run}"));
        KafkaBus::new(config).expect("bus")
    };
    let (a, b) = (bus_in("a"), bus_in("b"));
    a.ensure_topics().await.expect("topics a");
    b.ensure_topics().await.expect("topics b");
    a.publish(Topic::Matches, "owner-1", b"in a")
        .await
        .expect("publish");
    assert_eq!(a.lag("actioner", Topic::Matches).await.expect("lag a"), 1);
    assert_eq!(b.lag("actioner", Topic::Matches).await.expect("lag b"), 0);

    let mut in_a = a
        .subscribe("actioner", Topic::Matches)
        .await
        .expect("sub a");
    let mut got = Vec::new();
    // Bounded: joining the group and the first fetch take a few seconds on a real broker.
    for _ in 0..30 {
        got.extend(
            in_a.poll(10, Duration::from_millis(500))
                .await
                .expect("poll"),
        );
        if !got.is_empty() {
            break;
        }
    }
    assert_eq!(got.len(), 1, "the message arrives in its own namespace");
    assert_eq!(
        got[0].topic,
        Topic::Matches.name(),
        "under the topic's own name"
    );
    assert_eq!(got[0].payload, b"in a");
    in_a.commit(&got[0]).await.expect("commit");
    assert_eq!(a.lag("actioner", Topic::Matches).await.expect("lag a"), 0);
    in_a.close().await.expect("close");
}
