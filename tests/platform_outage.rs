//! With the platform's endpoint down for a while, a notice waits in the outbox, is retried
//! with back-off, and is delivered exactly once after the endpoint returns.

use std::{sync::Arc, time::Duration};

use takedown::backends::Backends;
use takedown_bus::{Bus, Topic};
use takedown_model::{CaseEvent, CaseEventKind, Envelope, Notice};
use takedown_notifier::{Notifier, PlatformEndpoint};
use takedown_platform::{CaseStore, HandlerState};
use takedown_webhook::Secret;
use tokio_util::sync::CancellationToken;

const SECRET: &str = "outage-test-secret-0123456789";

fn notice() -> Notice {
    Notice {
        id: "ntc_outage".into(),
        match_id: "mat_outage".into(),
        owner_id: "acme".into(),
        owner_name: "Acme GmbH".into(),
        platform: "shop".into(),
        listing_url: "http://shop.test/item/1".into(),
        seller: "Seller".into(),
        right_id: "r1".into(),
        right_kind: "word_mark".into(),
        registration_number: "EUTM 1".into(),
        explanation: "uses the mark".into(),
        evidence: vec!["cap_1".into()],
        good_faith_statement: "good faith".into(),
        filed_at: chrono::Utc::now(),
    }
}

/// Polls `check` every 50 ms for at most `limit`.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_survives_a_platform_outage_and_arrives_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = Backends::open_dir(&dir.path().join("data"))
        .await
        .expect("data dir");
    let bus: Arc<dyn Bus> = data.bus.clone();

    // Reserve a port, then leave it closed: the platform is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let endpoint = PlatformEndpoint {
        platform: "shop".into(),
        url: format!("http://127.0.0.1:{port}/notices"),
        secret: Secret::parse(SECRET).expect("secret"),
    };
    let notifier =
        Arc::new(Notifier::new(bus.clone(), data.store.clone(), vec![endpoint]).expect("notifier"));
    let cancel = CancellationToken::new();
    let consumer = {
        let (n, c) = (notifier.clone(), cancel.clone());
        tokio::spawn(async move { n.run(&c).await })
    };
    let outbox = {
        let (n, c) = (notifier.clone(), cancel.clone());
        tokio::spawn(async move { n.deliver_loop(&c).await })
    };
    let filed = notice();
    bus.publish(Topic::Notices, &filed.platform, &Envelope::encode(&filed))
        .await
        .expect("publish");

    let store = data.store.clone();
    let retried = eventually(Duration::from_secs(20), || {
        let store = store.clone();
        async move { matches!(store.delivery_state("ntc_outage").await, Ok(Some((ref s, attempts, Some(_)))) if s == "pending" && attempts >= 2) }
    })
    .await;
    assert!(
        retried,
        "the notice was not retried while the platform was down: {:?}",
        data.store.delivery_state("ntc_outage").await
    );

    // The platform comes back on the same address.
    let cases = CaseStore::open(&dir.path().join("platform.db"))
        .await
        .expect("cases");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("rebind the platform's port");
    let state = HandlerState {
        cases: cases.clone(),
        secret: Secret::parse(SECRET).expect("secret"),
        tolerance_secs: 300,
    };
    let stop = cancel.clone();
    let handler = tokio::spawn(takedown_platform::serve(state, listener, async move {
        stop.cancelled().await
    }));

    let delivered = eventually(Duration::from_secs(60), || {
        let store = store.clone();
        async move { store.pending_deliveries().await.ok() == Some(0) }
    })
    .await;
    assert!(delivered, "not delivered after the platform returned");
    let (state, attempts, _) = data
        .store
        .delivery_state("ntc_outage")
        .await
        .expect("state")
        .expect("row");
    assert_eq!(state, "delivered");
    assert!(attempts >= 3, "attempts: {attempts}");

    let opened = cases.cases().await.expect("cases");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].notice_id, "ntc_outage");
    assert_eq!(
        opened[0].deliveries, 1,
        "the platform received the notice more than once"
    );

    // Exactly one acknowledgement went back to the owner's case, with the case id.
    let mut events = bus
        .subscribe("test-reader", Topic::CaseEvents)
        .await
        .expect("subscribe");
    let messages = events
        .poll(10, Duration::from_millis(200))
        .await
        .expect("poll");
    assert_eq!(messages.len(), 1);
    let event: CaseEvent = Envelope::decode(&messages[0].payload).expect("event");
    assert_eq!(event.kind, CaseEventKind::Acknowledged);
    assert_eq!(event.case_id.as_deref(), Some(opened[0].case_id.as_str()));

    cancel.cancel();
    consumer.await.expect("join").expect("consumer");
    outbox.await.expect("join").expect("outbox");
    handler.await.expect("join").expect("handler");
}
