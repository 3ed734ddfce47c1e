//! Flood control: with `max_notices_per_seller_per_day` set, once an owner has filed that
//! many notices against one seller on one platform in 24 hours, that seller's further
//! matches there wait for review; other sellers, and a redelivered match already filed, are
//! not held back.

mod common;

use common::{Consumer, drain_with, found, world};
use takedown_actioner::Policy;
use takedown_bus::Topic;
use takedown_model::{Decision, Envelope, Notice};
use takedown_store::Store;

/// A notice of "acme" on "shop" against `seller`, filed just now.
async fn filed_today(store: &Store, n: usize, seller: &str) {
    let notice: Notice = serde_json::from_value(serde_json::json!({
        "id": format!("ntc_today_{seller}_{n}"), "match_id": format!("mat_today_{seller}_{n}"),
        "owner_id": "acme", "owner_name": "Acme Ltd", "platform": "shop",
        "listing_url": format!("http://shop.test/item/{seller}/{n}"), "seller": seller,
        "right_id": "rgt_1", "right_kind": "word_mark", "registration_number": "EUTM 018000001",
        "explanation": "The title uses ACME.", "evidence": ["cap_today"],
        "good_faith_statement": "In good faith.", "filed_at": "2026-11-01T10:00:00Z"
    }))
    .expect("notice");
    assert!(store.insert_notice(&notice).await.expect("insert"));
}

fn capped(cap: u32) -> Policy {
    Policy {
        max_notices_per_seller_per_day: Some(cap),
        ..Policy::default()
    }
}

/// The decision on a 0.9 match against "Knockoff Co" (filed at once by the default
/// thresholds) after `earlier` notices against it today, under `policy`; and how many
/// notices the match filed.
async fn decision_after(earlier: usize, policy: Policy) -> (Decision, usize) {
    let w = world(Some("legal@acme.example")).await;
    for n in 0..earlier {
        filed_today(&w.store, n, "Knockoff Co").await;
    }
    // Notices against other sellers count for them, not for this one.
    for n in 0..10 {
        filed_today(&w.store, n, "Someone Else").await;
    }
    w.bus
        .publish(Topic::Matches, "acme", &Envelope::encode(&found(0.9)))
        .await
        .expect("publish");
    drain_with(&w, Consumer::Matches, policy).await;
    let decision = w
        .store
        .matches()
        .await
        .expect("matches")
        .iter()
        .find(|m| m.found.id == "mat_1")
        .map(|m| m.decision)
        .expect("the match is stored");
    let filed = w
        .store
        .notices()
        .await
        .expect("notices")
        .iter()
        .filter(|n| n.notice.match_id == "mat_1")
        .count();
    (decision, filed)
}

#[tokio::test]
async fn at_the_cap_a_sellers_next_match_waits_for_review() {
    assert_eq!(decision_after(3, capped(3)).await, (Decision::Review, 0));
}

#[tokio::test]
async fn below_the_cap_the_match_is_filed() {
    assert_eq!(decision_after(2, capped(3)).await, (Decision::AutoFile, 1));
}

#[tokio::test]
async fn without_a_cap_nothing_is_held_back() {
    assert_eq!(
        decision_after(50, Policy::default()).await,
        (Decision::AutoFile, 1)
    );
}

#[tokio::test]
async fn a_redelivered_match_is_not_counted_against_itself() {
    let w = world(Some("legal@acme.example")).await;
    filed_today(&w.store, 0, "Knockoff Co").await;
    for _ in 0..2 {
        w.bus
            .publish(Topic::Matches, "acme", &Envelope::encode(&found(0.9)))
            .await
            .expect("publish");
        drain_with(&w, Consumer::Matches, capped(2)).await;
    }
    let matches = w.store.matches().await.expect("matches");
    let decision = matches
        .iter()
        .find(|m| m.found.id == "mat_1")
        .map(|m| m.decision);
    assert_eq!(decision, Some(Decision::AutoFile));
}

#[test]
fn the_cap_is_read_from_the_policy() {
    let policy: Policy = toml::from_str("max_notices_per_seller_per_day = 20\n").expect("policy");
    assert_eq!(policy.max_notices_per_seller_per_day, Some(20));
    assert_eq!(Policy::default().max_notices_per_seller_per_day, None);
}
