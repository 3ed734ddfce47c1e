//! The Kafka adapter end to end: a notice put in the outbox arrives once on its platform's
//! topic, keyed by notice id, with the Standard Webhooks headers, and a consumer holding the
//! platform's secret verifies it with `takedown_webhook`. Against librdkafka's mock cluster
//! (in the test process, on 127.0.0.1) and, `--ignored`, a real broker at
//! `TAKEDOWN_KAFKA_BROKERS` (the test fails without it rather than pass vacuously).

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use rdkafka::{
    ClientConfig, Message, Offset, TopicPartitionList,
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    consumer::{BaseConsumer, Consumer},
    message::Headers as _,
    mocking::MockCluster,
    producer::DefaultProducerContext,
    types::{RDKafkaApiKey, RDKafkaRespErr},
};
use takedown_bus::{Bus, EmbeddedBus};
use takedown_model::{Notice, notice::FiledNotice};
use takedown_notifier::{
    Adapter, KafkaAdapter, KafkaTarget, Notifier, Route, Safeguards, deliver, kafka,
};
use takedown_store::Store;
use takedown_webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Headers, Secret};

const SECRET: &str = "kafka-adapter-test-secret-0123456789";

/// A record as the platform reads it.
struct Received {
    key: String,
    payload: String,
    headers: Vec<(String, String)>,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct World {
    notifier: Notifier,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn world(platform: &str, target: KafkaTarget) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("owner.db"))
        .await
        .expect("store");
    let bus: Arc<dyn Bus> = Arc::new(
        EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
    );
    let route = Route {
        platform: platform.to_owned(),
        adapter: Adapter::Kafka(KafkaAdapter::new(target).expect("adapter")),
        safeguards: Safeguards::default(),
    };
    World {
        notifier: Notifier::with_routes(bus, store.clone(), vec![route]),
        store,
        _dir: dir,
    }
}

/// Puts a notice for `platform` in the outbox, as the consumer would; returns its payload.
async fn enqueue(store: &Store, platform: &str, id: &str) -> String {
    let notice = Notice {
        id: id.into(),
        match_id: format!("mat_{id}"),
        owner_id: "acme".into(),
        owner_name: "Acme".into(),
        platform: platform.into(),
        listing_url: format!("http://shop.test/{id}"),
        seller: "s".into(),
        right_id: "r".into(),
        right_kind: "word_mark".into(),
        registration_number: "1".into(),
        explanation: "x".into(),
        evidence: vec!["cap".into()],
        good_faith_statement: "gf".into(),
        filed_at: Utc::now(),
    };
    let body = deliver::wire_body(&FiledNotice::from(notice.clone()));
    store
        .enqueue_delivery(&notice, &body)
        .await
        .expect("enqueue");
    body
}

/// Every record of partition 0 of `topic` up to its high watermark, read from the start.
/// Blocking (a `BaseConsumer`), so it runs on a blocking thread; bounded polls.
async fn read_all(brokers: String, topic: String) -> Vec<Received> {
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("group.id", "kafka-adapter-test-reader")
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        let (_low, high) = consumer
            .fetch_watermarks(&topic, 0, Duration::from_secs(10))
            .expect("watermarks");
        let mut assignment = TopicPartitionList::new();
        assignment
            .add_partition_offset(&topic, 0, Offset::Beginning)
            .expect("assignment");
        consumer.assign(&assignment).expect("assign");
        let mut out = Vec::new();
        for _ in 0..200 {
            if out.len() as i64 >= high {
                break;
            }
            let Some(message) = consumer.poll(Duration::from_millis(100)) else {
                continue;
            };
            let message = message.expect("record");
            let text = |b: Option<&[u8]>| String::from_utf8(b.unwrap_or_default().to_vec());
            let headers = message
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_owned(), text(h.value).expect("utf-8 header")))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Received {
                key: text(message.key()).expect("utf-8 key"),
                payload: text(message.payload()).expect("utf-8 payload"),
                headers,
            });
        }
        assert_eq!(
            out.len() as i64,
            high,
            "every record up to the high watermark"
        );
        out
    })
    .await
    .expect("reader")
}

/// The shared scenario: one notice from the outbox, delivered once, verifiable.
async fn arrives_once_signed(brokers: String, topic: Option<String>) {
    let secret = Secret::parse(SECRET).expect("secret");
    let mut target = KafkaTarget::new("shop", brokers.clone(), secret.clone());
    target.topic = topic.clone();
    let w = world("shop", target).await;
    let payload = enqueue(&w.store, "shop", "ntc_k1").await;
    let now = Utc::now();
    assert_eq!(w.notifier.drain_once_at(now).await.expect("drain"), 1);
    assert_eq!(
        w.store
            .delivery_state("ntc_k1")
            .await
            .expect("state")
            .expect("in outbox")
            .0,
        "delivered"
    );
    // Nothing is left to send, however late it is.
    let later = now + chrono::Duration::hours(10);
    assert_eq!(w.notifier.drain_once_at(later).await.expect("drain"), 0);

    let topic = topic.unwrap_or_else(|| kafka::default_topic("shop"));
    let records = read_all(brokers, topic).await;
    assert_eq!(records.len(), 1, "delivered once");
    let record = &records[0];
    assert_eq!(record.key, "ntc_k1");
    assert_eq!(record.payload, payload, "the same body as a webhook");
    assert_eq!(record.header(HEADER_ID), Some("ntc_k1"));
    assert_eq!(record.header("content-type"), Some("application/json"));
    let headers = Headers {
        id: record.header(HEADER_ID),
        timestamp: record.header(HEADER_TIMESTAMP),
        signature: record.header(HEADER_SIGNATURE),
    };
    secret
        .verify(
            &headers,
            record.payload.as_bytes(),
            Utc::now().timestamp(),
            300,
        )
        .expect("the platform verifies the record as it verifies a webhook");
    // The signature covers the body: a changed body is refused.
    let tampered = record.payload.replace("ntc_k1", "ntc_k2");
    assert!(
        secret
            .verify(&headers, tampered.as_bytes(), Utc::now().timestamp(), 300)
            .is_err()
    );
}

fn mock_cluster(topic: &str) -> MockCluster<'static, DefaultProducerContext> {
    let cluster = MockCluster::new(1).expect("mock cluster");
    // The mock has no CreateTopics; its own call makes the platform's topic.
    cluster.create_topic(topic, 1, 1).expect("create topic");
    cluster
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_arrives_once_on_the_platforms_topic_signed() {
    let cluster = mock_cluster(&kafka::default_topic("shop"));
    arrives_once_signed(cluster.bootstrap_servers(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_error_is_retried_by_the_outbox_and_then_delivered_once() {
    let topic = kafka::default_topic("shop");
    let cluster = mock_cluster(&topic);
    let secret = Secret::parse(SECRET).expect("secret");
    let w = world(
        "shop",
        KafkaTarget::new("shop", cluster.bootstrap_servers(), secret),
    )
    .await;
    enqueue(&w.store, "shop", "ntc_k2").await;
    // The broker refuses the next produce request with an error librdkafka does not retry
    // itself, so the delivery fails at once and the outbox takes over.
    cluster.request_errors(
        RDKafkaApiKey::Produce,
        &[RDKafkaRespErr::RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE],
    );
    let now = Utc::now();
    w.notifier.drain_once_at(now).await.expect("drain");
    let (state, attempts, error) = w
        .store
        .delivery_state("ntc_k2")
        .await
        .expect("state")
        .expect("in outbox");
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    let error = error.expect("the reason is kept");
    assert!(error.contains(&topic), "{error}");
    // Once its back-off has passed, the outbox tries again and the broker takes it.
    w.notifier
        .drain_once_at(now + chrono::Duration::hours(1))
        .await
        .expect("drain");
    let (state, attempts, error) = w
        .store
        .delivery_state("ntc_k2")
        .await
        .expect("state")
        .expect("in outbox");
    assert_eq!(state, "delivered", "after {attempts} attempts: {error:?}");
    let records = read_all(cluster.bootstrap_servers(), topic).await;
    assert_eq!(records.len(), 1, "delivered once");
    assert_eq!(records[0].key, "ntc_k2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Kafka broker: TAKEDOWN_KAFKA_BROKERS; .ci/run starts one"]
async fn a_notice_arrives_once_on_a_real_broker_signed() {
    let brokers = std::env::var("TAKEDOWN_KAFKA_BROKERS")
        .expect("TAKEDOWN_KAFKA_BROKERS is not set (needs a Kafka broker; .ci/run starts one)");
    // A fresh topic per run so that records of earlier runs are not counted.
    let topic = format!("takedown.notices.shop-{:016x}", rand::random::<u64>());
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .expect("admin client");
    let created = admin
        .create_topics(
            &[NewTopic::new(&topic, 1, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        )
        .await
        .expect("create topics");
    for result in created {
        result.expect("topic created");
    }
    arrives_once_signed(brokers, Some(topic)).await;
}
