//! The actioner sends nothing incomplete: a match whose notice lacks what the platform's
//! regime requires is queued for review instead, and a complete one is published once per
//! match however often the match is redelivered.

mod common;

use std::time::Duration;

use common::{Consumer, World, drain, found, world};
use takedown_bus::Topic;
use takedown_model::{Decision, Envelope, notice::FiledNotice};
use takedown_store::Store;

/// The same match published twice (a redelivery) and consumed; the notices published.
async fn run(email: Option<&str>) -> (Store, Vec<FiledNotice>, World) {
    let w = world(email).await;
    for _ in 0..2 {
        w.bus
            .publish(Topic::Matches, "acme", &Envelope::encode(&found(0.95)))
            .await
            .expect("publish");
    }
    drain(&w, Consumer::Matches).await;
    let mut consumer = w
        .bus
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
    (w.store.clone(), notices, w)
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
    let (store, published, w) = run(Some("legal@acme.example")).await;
    let notice_id = published[0].notice.id.clone();
    for kind in [CaseEventKind::Acknowledged, CaseEventKind::MeasuresTaken] {
        let event = CaseEvent {
            notice_id: notice_id.clone(),
            kind,
            case_id: Some("case_1".into()),
            detail: None,
            at: chrono::Utc::now(),
        };
        w.bus
            .publish(Topic::CaseEvents, &notice_id, &Envelope::encode(&event))
            .await
            .expect("publish");
    }
    drain(&w, Consumer::CaseEvents).await;
    let notices = store.notices().await.expect("notices");
    assert_eq!(notices[0].status, NoticeStatus::MeasuresTaken);
    assert_eq!(notices[0].case_id.as_deref(), Some("case_1"));
}
