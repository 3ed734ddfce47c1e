//! The case-feed poller against a fake handler feed on 127.0.0.1: each platform transition
//! becomes a CaseEvent on the bus once, the position survives in the store, and a wrong
//! operator token is an error naming the status.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_model::{CaseEvent, CaseEventKind, Envelope};
use takedown_notifier::feed::{CaseFeedPoller, FeedEndpoint, FeedError};
use takedown_store::Store;

const TOKEN: &str = "operator-token-0123456789abcdef";

type Feed = Arc<Mutex<Vec<serde_json::Value>>>;

async fn feed(
    State(feed): State<Feed>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"));
    if !authorized {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let after: i64 = query.get("after").and_then(|v| v.parse().ok()).unwrap_or(0);
    let limit: usize = query
        .get("limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let page: Vec<serde_json::Value> = feed
        .lock()
        .expect("lock")
        .iter()
        .filter(|r| r["seq"].as_i64().is_some_and(|s| s > after))
        .take(limit)
        .cloned()
        .collect();
    Json(page).into_response()
}

fn record(seq: i64, notice: &str, event: &str, to: &str) -> serde_json::Value {
    serde_json::json!({
        "seq": seq, "case_id": format!("case-{notice}"), "notice_id": notice,
        "event": event, "from": null, "to": to, "actor": "operator",
        "at": "2026-11-02T10:00:00.000Z", "detail": {}
    })
}

async fn published(bus: &dyn Bus) -> Vec<CaseEvent> {
    let mut consumer = bus
        .subscribe("test", Topic::CaseEvents)
        .await
        .expect("subscribe");
    let mut events = Vec::new();
    // Bounded: the bus holds at most a handful here.
    for _ in 0..10 {
        let batch = consumer
            .poll(100, Duration::from_millis(20))
            .await
            .expect("poll");
        if batch.is_empty() {
            break;
        }
        for m in batch {
            events.push(Envelope::<CaseEvent>::decode(&m.payload).expect("event"));
        }
    }
    events
}

#[tokio::test]
async fn feed_events_are_published_once_and_the_position_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("owner.db"))
        .await
        .expect("store");
    let bus: Arc<dyn Bus> = Arc::new(
        EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
    );
    let records: Feed = Arc::new(Mutex::new(vec![
        record(1, "ntc_a", "received", "received"),
        record(2, "ntc_a", "acknowledge", "acknowledged"),
        record(3, "ntc_a", "take_measures", "measures_taken"),
    ]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/case-events",
        listener.local_addr().expect("addr")
    );
    let app = Router::new()
        .route("/case-events", get(feed))
        .with_state(records.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let endpoint = FeedEndpoint {
        platform: "shop".into(),
        url: url.clone(),
        token: TOKEN.into(),
    };
    let poller = CaseFeedPoller::new(
        bus.clone(),
        store.clone(),
        reqwest::Client::new(),
        vec![endpoint.clone()],
    );
    // "received" is the platform's own start; the owner follows from acknowledged on.
    assert_eq!(poller.poll_once(&endpoint).await.expect("poll"), 2);
    assert_eq!(store.case_feed_position("shop").await.expect("pos"), 3);
    assert_eq!(poller.poll_once(&endpoint).await.expect("poll"), 0);

    records.lock().expect("lock").extend([
        record(4, "ntc_a", "counter_notice", "counter_notice_received"),
        record(5, "ntc_a", "resolved", "closed_restored"),
    ]);
    // A restarted poller resumes from the stored position.
    let restarted = CaseFeedPoller::new(
        bus.clone(),
        store.clone(),
        reqwest::Client::new(),
        vec![endpoint.clone()],
    );
    assert_eq!(restarted.poll_once(&endpoint).await.expect("poll"), 2);

    let events = published(bus.as_ref()).await;
    let kinds: Vec<CaseEventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![
            CaseEventKind::Acknowledged,
            CaseEventKind::MeasuresTaken,
            CaseEventKind::CounterNoticeReceived,
            CaseEventKind::ClosedRestored,
        ]
    );
    assert!(
        events
            .iter()
            .all(|e| e.notice_id == "ntc_a" && e.case_id.as_deref() == Some("case-ntc_a"))
    );

    let wrong = FeedEndpoint {
        token: "not-the-token-0123456789".into(),
        ..endpoint
    };
    match poller.poll_once(&wrong).await {
        Err(FeedError::Status { status: 401, .. }) => {}
        other => panic!("expected a 401 error, got {other:?}"),
    }
}
