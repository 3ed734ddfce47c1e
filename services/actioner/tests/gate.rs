//! The actioner sends nothing incomplete: a match whose notice lacks what the platform's
//! regime requires is queued for review instead, and a complete one is published once per
//! match however often the match is redelivered.

use std::{sync::Arc, time::Duration};

use takedown_actioner::{Actioner, Policy};
use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_model::{Decision, Envelope, Match, Right, Tenant, notice::FiledNotice};
use takedown_store::Store;
use tokio_util::sync::CancellationToken;

fn found() -> Match {
    serde_json::from_value(serde_json::json!({
        "id": "mat_1", "listing_id": "lst_1", "listing_url": "http://shop.test/item/1",
        "platform": "shop", "seller": "Knockoff Co", "right_id": "rgt_1", "owner_id": "acme",
        "kind": "word_mark", "score": 0.95,
        "reason": {"type": "text", "span": "Acme", "normalized": "acme", "variant": "exact", "distance": 0},
        "capture_id": "cap_1", "matched_at": "2026-11-02T10:00:00Z"
    }))
    .expect("match")
}

async fn run(email: Option<&str>) -> (Store, Vec<FiledNotice>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("owner.db"))
        .await
        .expect("store");
    let bus: Arc<dyn Bus> = Arc::new(
        EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
    );
    let owner: Tenant = serde_json::from_value(serde_json::json!({
        "id": "acme", "kind": "brand_owner", "name": "Acme Ltd", "contact_email": email
    }))
    .expect("tenant");
    store.upsert_tenant(&owner).await.expect("tenant");
    let right: Right = serde_json::from_value(serde_json::json!({
        "id": "rgt_1", "owner_id": "acme", "kind": "word_mark", "name": "ACME",
        "registration_number": "EUTM 018000001", "office": "EUIPO",
        "classes": ["25"], "territories": ["EU"], "images": []
    }))
    .expect("right");
    store.upsert_right(&right).await.expect("right");
    // The same match twice: a redelivery.
    for _ in 0..2 {
        bus.publish(Topic::Matches, "acme", &Envelope::encode(&found()))
            .await
            .expect("publish");
    }
    let actioner = Arc::new(Actioner {
        bus: bus.clone(),
        store: store.clone(),
        policy: Policy::default(),
    });
    let cancel = CancellationToken::new();
    let task = {
        let (a, c) = (actioner.clone(), cancel.clone());
        tokio::spawn(async move { a.run(&c).await })
    };
    // Bounded wait until the actioner's group has consumed both copies.
    for _ in 0..200 {
        if bus
            .lag(takedown_actioner::GROUP, Topic::Matches)
            .await
            .expect("lag")
            == 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    cancel.cancel();
    task.await.expect("join").expect("actioner");

    let mut consumer = bus
        .subscribe("test", Topic::Notices)
        .await
        .expect("subscribe");
    let mut notices = Vec::new();
    for m in consumer
        .poll(100, Duration::from_millis(50))
        .await
        .expect("poll")
    {
        notices.push(Envelope::<FiledNotice>::decode(&m.payload).expect("notice"));
    }
    (store, notices, dir)
}

#[tokio::test]
async fn an_incomplete_notice_is_not_sent_and_the_match_goes_to_review() {
    let (store, published, _dir) = run(None).await;
    assert!(published.is_empty(), "nothing incomplete is published");
    assert!(store.notices().await.expect("notices").is_empty());
    let matches = store.matches().await.expect("matches");
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].decision, Decision::Review);
}

#[tokio::test]
async fn a_complete_notice_is_filed_once_per_match_with_one_item() {
    let (store, published, _dir) = run(Some("legal@acme.example")).await;
    assert_eq!(store.notices().await.expect("notices").len(), 1);
    // Republished on redelivery (the outbox keeps the first payload), always the same
    // notice and item; only `filed_at` is taken anew.
    assert!(!published.is_empty());
    assert!(
        published
            .iter()
            .all(|n| n.notice.id == published[0].notice.id && n.items == published[0].items)
    );
    assert_eq!(published[0].items.len(), 1);
    assert_eq!(published[0].items[0].key, "mat_1");
}

#[tokio::test]
async fn platform_side_case_events_move_the_notice_status() {
    use takedown_model::{CaseEvent, CaseEventKind, NoticeStatus};
    let (store, published, dir) = run(Some("legal@acme.example")).await;
    let bus: Arc<dyn Bus> = Arc::new(
        EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
    );
    let notice_id = published[0].notice.id.clone();
    for kind in [CaseEventKind::Acknowledged, CaseEventKind::MeasuresTaken] {
        let event = CaseEvent {
            notice_id: notice_id.clone(),
            kind,
            case_id: Some("case_1".into()),
            detail: None,
            at: chrono::Utc::now(),
        };
        bus.publish(Topic::CaseEvents, &notice_id, &Envelope::encode(&event))
            .await
            .expect("publish");
    }
    let actioner = Arc::new(Actioner {
        bus: bus.clone(),
        store: store.clone(),
        policy: Policy::default(),
    });
    let cancel = CancellationToken::new();
    let task = {
        let (a, c) = (actioner.clone(), cancel.clone());
        tokio::spawn(async move { a.track_cases(&c).await })
    };
    for _ in 0..200 {
        let lag = bus
            .lag(takedown_actioner::CASE_GROUP, Topic::CaseEvents)
            .await
            .expect("lag");
        if lag == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    cancel.cancel();
    task.await.expect("join").expect("tracker");
    let notices = store.notices().await.expect("notices");
    assert_eq!(notices[0].status, NoticeStatus::MeasuresTaken);
    assert_eq!(notices[0].case_id.as_deref(), Some("case_1"));
}
