//! The thresholds a brand owner sets through the API decide that owner's matches: they
//! replace the configured policy's, per kind, and a platform the owner holds back gets
//! nothing filed without review. An unreadable stored policy files nothing.

use std::{sync::Arc, time::Duration};

use takedown_actioner::{Actioner, Policy, owner_policy::POLICY_DOC};
use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_model::{Decision, Envelope, Match, Right, Tenant};
use takedown_store::{Store, owned::TenantDoc};
use tokio_util::sync::CancellationToken;

/// A word-mark match on "shop" scoring 0.9: the configured policy (0.8) files it.
fn found() -> Match {
    serde_json::from_value(serde_json::json!({
        "id": "mat_1", "listing_id": "lst_1", "listing_url": "http://shop.test/item/1",
        "platform": "shop", "seller": "Knockoff Co", "right_id": "rgt_1", "owner_id": "acme",
        "kind": "word_mark", "score": 0.9,
        "reason": {"type": "text", "span": "Acme", "normalized": "acme", "variant": "exact", "distance": 0},
        "capture_id": "cap_1", "matched_at": "2026-11-02T10:00:00Z"
    }))
    .expect("match")
}

/// The decision the actioner stores for [`found`] when the owner's stored policy document
/// is `stored` (None: the owner set none).
async fn decision_with(stored: Option<serde_json::Value>) -> Decision {
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
        "id": "acme", "kind": "brand_owner", "name": "Acme Ltd",
        "contact_email": "legal@acme.example"
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
    if let Some(body) = stored {
        let doc = TenantDoc {
            id: POLICY_DOC.into(),
            parent_id: String::new(),
            body,
        };
        store.put_doc("acme", POLICY_DOC, &doc).await.expect("doc");
    }
    bus.publish(Topic::Matches, "acme", &Envelope::encode(&found()))
        .await
        .expect("publish");
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
    // Bounded wait until the actioner has consumed the match.
    for _ in 0..200 {
        let lag = bus
            .lag(takedown_actioner::GROUP, Topic::Matches)
            .await
            .expect("lag");
        if lag == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    cancel.cancel();
    task.await.expect("join").expect("actioner");
    let matches = store.matches().await.expect("matches");
    assert_eq!(
        matches.len(),
        1,
        "the match is stored whatever the decision"
    );
    matches[0].decision
}

#[tokio::test]
async fn without_a_stored_policy_the_configured_one_decides() {
    assert_eq!(decision_with(None).await, Decision::AutoFile);
}

#[tokio::test]
async fn the_owners_threshold_replaces_the_configured_one() {
    let stricter = serde_json::json!({ "auto_file_threshold": 0.95 });
    assert_eq!(decision_with(Some(stricter)).await, Decision::Review);
    // A word-mark threshold of its own, under a strict general one.
    let per_kind = serde_json::json!({
        "auto_file_threshold": 0.99,
        "auto_file_thresholds": { "word_mark": 0.85 }
    });
    assert_eq!(decision_with(Some(per_kind)).await, Decision::AutoFile);
}

#[tokio::test]
async fn a_platform_held_for_review_gets_nothing_filed_at_once() {
    let held = serde_json::json!({
        "auto_file_threshold": 0.5,
        "review_only_platforms": ["shop"]
    });
    assert_eq!(decision_with(Some(held)).await, Decision::Review);
}

#[tokio::test]
async fn an_unreadable_stored_policy_files_nothing() {
    let out_of_range = serde_json::json!({ "auto_file_threshold": 1.5 });
    assert_eq!(decision_with(Some(out_of_range)).await, Decision::Review);
}
