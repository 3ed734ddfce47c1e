//! The bus's behaviours against librdkafka's mock cluster: a broker inside the test process,
//! on 127.0.0.1, with consumer groups, offset commits and the idempotent producer.

mod scenarios;

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use takedown_bus_kafka::{KafkaConfig, topic_specs};

/// A fresh mock cluster with every topic of the bus (the mock has no CreateTopics, so the
/// topics come from the same specs through the mock's own call).
fn cluster() -> (MockCluster<'static, DefaultProducerContext>, KafkaConfig) {
    let cluster = MockCluster::new(1).expect("mock cluster");
    let mut config = KafkaConfig::new(cluster.bootstrap_servers());
    // The mock answers fetches inside a batch correctly; tansu's workaround is not needed.
    config.single_record_batches = false;
    // Nor is its stall watchdog (tansu keeps a dead member's partitions): in these scenarios
    // nobody commits until a rebalance completes, which the watchdog read as a stall and
    // answered by rejoining, restarting the mock's slow rebalance (one CI rehearsal spent
    // 283 s in `two_members_split_the_partitions` and failed).
    config.stall_timeout = None;
    for spec in topic_specs(&config) {
        cluster
            .create_topic(&spec.name, spec.partitions as i32, 1)
            .expect("create topic");
    }
    (cluster, config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_order_per_key() {
    let (_cluster, config) = cluster();
    scenarios::keeps_order_per_key(config).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncommitted_messages_go_to_the_next_consumer() {
    let (_cluster, config) = cluster();
    scenarios::uncommitted_messages_go_to_the_next_consumer(config).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_members_split_the_partitions() {
    let (_cluster, config) = cluster();
    scenarios::two_members_split_the_partitions(config).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_payloads_are_dead_lettered() {
    let (_cluster, config) = cluster();
    scenarios::undecodable_payloads_are_dead_lettered(config).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_counts_what_is_not_committed() {
    let (_cluster, config) = cluster();
    scenarios::lag_counts_what_is_not_committed(config).await;
}
