//! The actioner's test world: an owner store and an embedded bus in a temporary directory,
//! the owner "acme" with one word mark, and a bounded run of the actioner's consumers.

#![allow(dead_code)] // each test file uses its part

use std::{sync::Arc, time::Duration};

use takedown_actioner::{Actioner, Policy};
use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_model::{Match, Right, Tenant};
use takedown_store::Store;
use tokio_util::sync::CancellationToken;

pub struct World {
    pub store: Store,
    pub bus: Arc<dyn Bus>,
    /// Holds the files for the test's duration.
    pub dir: tempfile::TempDir,
}

/// A world whose owner has `email` as contact (None: a notice would be incomplete).
pub async fn world(email: Option<&str>) -> World {
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
    World { store, bus, dir }
}

/// A word-mark match of "acme"'s right on platform "shop", scoring `score`.
pub fn found(score: f32) -> Match {
    serde_json::from_value(serde_json::json!({
        "id": "mat_1", "listing_id": "lst_1", "listing_url": "http://shop.test/item/1",
        "platform": "shop", "seller": "Knockoff Co", "right_id": "rgt_1", "owner_id": "acme",
        "kind": "word_mark", "score": score,
        "reason": {"type": "text", "span": "Acme", "normalized": "acme", "variant": "exact", "distance": 0},
        "capture_id": "cap_1", "matched_at": "2026-11-02T10:00:00Z"
    }))
    .expect("match")
}

/// Which of the actioner's consumers to run.
#[derive(Clone, Copy)]
pub enum Consumer {
    Matches,
    CaseEvents,
}

/// Runs one consumer of an actioner with the default policy until its group has consumed
/// everything published (a bounded wait), then stops it.
pub async fn drain(world: &World, consumer: Consumer) {
    drain_with(world, consumer, Policy::default()).await;
}

/// [`drain`] under `policy`.
pub async fn drain_with(world: &World, consumer: Consumer, policy: Policy) {
    let actioner = Arc::new(Actioner {
        bus: world.bus.clone(),
        store: world.store.clone(),
        policy,
    });
    let cancel = CancellationToken::new();
    let task = {
        let (a, c) = (actioner.clone(), cancel.clone());
        tokio::spawn(async move {
            match consumer {
                Consumer::Matches => a.run(&c).await,
                Consumer::CaseEvents => a.track_cases(&c).await,
            }
        })
    };
    let (group, topic) = match consumer {
        Consumer::Matches => (takedown_actioner::GROUP, Topic::Matches),
        Consumer::CaseEvents => (takedown_actioner::CASE_GROUP, Topic::CaseEvents),
    };
    for _ in 0..200 {
        if world.bus.lag(group, topic).await.expect("lag") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    cancel.cancel();
    task.await.expect("join").expect("actioner");
}
