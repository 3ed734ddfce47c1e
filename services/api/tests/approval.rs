//! The review queue: approving a match files its notice (stored, and published on the
//! `notices` topic the notifier consumes) exactly once however often it is approved;
//! rejecting files nothing; an incomplete notice is refused naming what is missing, and
//! leaves the match in the queue.

mod common;

use std::{sync::Arc, time::Duration};

use axum::http::StatusCode;
use common::{World, word_mark};
use takedown_api::{AppState, router};
use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_model::{Envelope, TenantKind, notice::FiledNotice};

fn parse(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

/// An owner with a registered right, its key, and two queued matches against that right.
async fn seed(w: &World) -> String {
    let key = w.tenant(TenantKind::BrandOwner, "acme").await;
    let (s, _) = w
        .json("POST", "/v1/rights", &key, word_mark("r1", "Acme"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let right_id = w.store.rights_of("acme").await.expect("rights")[0]
        .id
        .clone();
    for id in ["mat-1", "mat-2"] {
        let found: takedown_model::Match = serde_json::from_value(serde_json::json!({
            "id": id, "listing_id": format!("lst-{id}"),
            "listing_url": format!("https://m.example/l/{id}"),
            "platform": "m", "seller": "s", "right_id": right_id, "owner_id": "acme",
            "kind": "word_mark", "score": 0.8,
            "reason": {"type": "text", "span": "Acme", "normalized": "acme", "variant": "exact", "distance": 0},
            "capture_id": "cap-1", "matched_at": "2026-01-01T00:00:00Z"
        }))
        .expect("match");
        w.store
            .upsert_match(&found, takedown_model::Decision::Review)
            .await
            .expect("match");
    }
    key
}

async fn decide(w: &World, key: &str, match_id: &str, verb: &str) -> (StatusCode, String) {
    w.json(
        "POST",
        &format!("/v1/review/{match_id}/{verb}"),
        key,
        serde_json::json!({"reason": "same logo"}),
    )
    .await
}

async fn approval_files_one_notice_and_publishes_it(mut w: World) {
    let bus = EmbeddedBus::open(&w._dir.path().join("bus.db"))
        .await
        .expect("bus");
    w.app = router(
        AppState::new(w.store.clone())
            .with_filer(Arc::new(bus.clone()), takedown_filing::Policy::default()),
    );
    let key = seed(&w).await;

    // Without a contact address the EU notice is incomplete: refused, nothing decided.
    let (s, body) = decide(&w, &key, "mat-1", "approve").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        parse(&body)["rule"]
            .as_str()
            .expect("rule")
            .contains("notifier.email")
    );
    assert!(
        w.store
            .review_decision("mat-1")
            .await
            .expect("read")
            .is_none()
    );
    assert!(w.store.notices().await.expect("notices").is_empty());

    w.contact("acme", "legal@acme.example").await;
    let (s, body) = decide(&w, &key, "mat-1", "approve").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let first = parse(&body);
    let notice_id = first["notice_id"].as_str().expect("notice id").to_owned();
    let (s, body) = decide(&w, &key, "mat-1", "approve").await;
    assert_eq!(s, StatusCode::OK, "approving again is not an error: {body}");
    assert_eq!(
        parse(&body),
        first,
        "the second approval answers with the first"
    );

    let notices = w.store.notices().await.expect("notices");
    assert_eq!(notices.len(), 1, "one notice however often approved");
    assert_eq!(notices[0].notice.id, notice_id);
    assert_eq!(notices[0].notice.match_id, "mat-1");
    assert_eq!(notices[0].notice.owner_id, "acme");

    // The notifier's topic got the full notice (each approval publishes; its outbox keeps one).
    let mut consumer = bus
        .subscribe("test", Topic::Notices)
        .await
        .expect("subscribe");
    let messages = consumer
        .poll(10, Duration::from_millis(100))
        .await
        .expect("poll");
    assert!(!messages.is_empty(), "the notice was published");
    for message in &messages {
        let filed: FiledNotice = Envelope::decode(&message.payload).expect("decode");
        assert_eq!(filed.notice.id, notice_id);
        assert_eq!(message.key, "m", "keyed by platform, as the actioner does");
    }

    // One audit entry: the decision, naming the notice.
    let (_, log) = w.call("GET", "/v1/audit", Some(&key), None).await;
    let approvals: Vec<_> = parse(&log)
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["action"] == "approve")
        .cloned()
        .collect();
    assert_eq!(approvals.len(), 1, "{log}");
    assert!(approvals[0].to_string().contains(&notice_id), "{log}");

    // Decided matches leave the queue; a rejection files nothing; a decision is final.
    let (s, _) = decide(&w, &key, "mat-2", "reject").await;
    assert_eq!(s, StatusCode::OK);
    let (_, queue) = w.call("GET", "/v1/review", Some(&key), None).await;
    assert_eq!(parse(&queue).as_array().expect("array").len(), 0);
    assert_eq!(w.store.notices().await.expect("notices").len(), 1);
    assert_eq!(
        decide(&w, &key, "mat-2", "approve").await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        decide(&w, &key, "mat-1", "reject").await.0,
        StatusCode::CONFLICT
    );
}

async fn another_tenant_cannot_approve_and_learns_nothing(w: World) {
    let key = seed(&w).await;
    w.contact("acme", "legal@acme.example").await;
    let rival = w.tenant(TenantKind::BrandOwner, "rival").await;
    let (s, body) = decide(&w, &rival, "mat-1", "approve").await;
    let (_, missing) = decide(&w, &rival, "no-such-match", "approve").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body, missing, "an existing match looks like a missing one");
    assert!(w.store.notices().await.expect("notices").is_empty());
    assert!(
        w.store
            .review_decision("mat-1")
            .await
            .expect("read")
            .is_none()
    );
    // The owner still can.
    assert_eq!(decide(&w, &key, "mat-1", "approve").await.0, StatusCode::OK);
}

on_both_backends!(
    approval_files_one_notice_and_publishes_it,
    another_tenant_cannot_approve_and_learns_nothing,
);
