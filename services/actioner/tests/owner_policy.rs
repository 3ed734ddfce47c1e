//! The thresholds a brand owner sets through the API decide that owner's matches: they
//! replace the configured policy's, per kind, and a platform the owner holds back gets
//! nothing filed without review. An unreadable stored policy files nothing.

mod common;

use common::{Consumer, drain, found, world};
use takedown_actioner::owner_policy::POLICY_DOC;
use takedown_bus::Topic;
use takedown_model::{Decision, Envelope};
use takedown_store::owned::TenantDoc;

/// The decision the actioner stores for a word-mark match on "shop" scoring 0.9 (the
/// configured policy, 0.8, files it) when the owner's stored policy document is `stored`
/// (None: the owner set none).
async fn decision_with(stored: Option<serde_json::Value>) -> Decision {
    let w = world(Some("legal@acme.example")).await;
    if let Some(body) = stored {
        let doc = TenantDoc {
            id: POLICY_DOC.into(),
            parent_id: String::new(),
            body,
        };
        w.store
            .put_doc("acme", POLICY_DOC, &doc)
            .await
            .expect("doc");
    }
    w.bus
        .publish(Topic::Matches, "acme", &Envelope::encode(&found(0.9)))
        .await
        .expect("publish");
    drain(&w, Consumer::Matches).await;
    let matches = w.store.matches().await.expect("matches");
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
