//! A notifier that dies between the platform's answer and recording it loses nothing: the
//! case event is published before the outbox is marked, so a failure in between leaves the
//! delivery pending, and the next attempt sends it again (the platform de-duplicates by
//! notice id) and publishes the acknowledgement.

mod fake;

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use fake::world;
use takedown_bus::{Bus, BusError, BusResult, Consumer, DeadLetter, Topic};
use takedown_model::{CaseEvent, CaseEventKind, Envelope};
use takedown_notifier::Safeguards;

/// A bus whose first publish fails, as if the process died at that moment.
struct FailsOnce {
    inner: Arc<dyn Bus>,
    failed: AtomicBool,
}

#[async_trait]
impl Bus for FailsOnce {
    async fn publish(&self, topic: Topic, key: &str, payload: &[u8]) -> BusResult<()> {
        if !self.failed.swap(true, Ordering::SeqCst) {
            return Err(BusError::Backend {
                operation: "publish",
                source: "the process died here".into(),
            });
        }
        self.inner.publish(topic, key, payload).await
    }
    async fn subscribe(&self, group: &str, topic: Topic) -> BusResult<Box<dyn Consumer>> {
        self.inner.subscribe(group, topic).await
    }
    async fn lag(&self, group: &str, topic: Topic) -> BusResult<u64> {
        self.inner.lag(group, topic).await
    }
    async fn partition_lags(
        &self,
        group: &str,
        topic: Topic,
    ) -> BusResult<std::collections::BTreeMap<u32, u64>> {
        self.inner.partition_lags(group, topic).await
    }
    async fn dead_letter(&self, letter: &DeadLetter) -> BusResult<()> {
        self.inner.dead_letter(letter).await
    }
    async fn dead_letters(&self, max: usize) -> BusResult<Vec<DeadLetter>> {
        self.inner.dead_letters(max).await
    }
}

#[tokio::test]
async fn an_acceptance_whose_case_event_was_not_published_is_delivered_again() {
    let w = world(&[], None, Safeguards::default()).await;
    w.enqueue("ntc_a").await;
    let dying = w.notifier_on(Arc::new(FailsOnce {
        inner: w.bus(),
        failed: AtomicBool::new(false),
    }));
    let now = Utc::now();
    dying
        .drain_once_at(now)
        .await
        .expect_err("the case event could not be published");
    assert_eq!(w.hits(), ["ntc_a"], "the platform accepted it once");
    assert_eq!(
        w.state("ntc_a").await,
        "pending",
        "the outbox must not say delivered before the acknowledgement is out"
    );

    // Another notifier, once the dead one's claim has lapsed.
    let later = now + chrono::Duration::minutes(1);
    assert_eq!(w.notifier.drain_once_at(later).await.expect("drain"), 1);
    assert_eq!(w.hits(), ["ntc_a", "ntc_a"], "sent again under the same id");
    assert_eq!(w.state("ntc_a").await, "delivered");

    let mut events = w
        .bus()
        .subscribe("test", Topic::CaseEvents)
        .await
        .expect("subscribe");
    let polled = events.poll(10, Duration::from_secs(2)).await.expect("poll");
    let acknowledged: Vec<CaseEvent> = polled
        .iter()
        .map(|m| Envelope::<CaseEvent>::decode(&m.payload).expect("event"))
        .filter(|e| e.kind == CaseEventKind::Acknowledged)
        .collect();
    assert_eq!(acknowledged.len(), 1, "{acknowledged:?}");
    assert_eq!(acknowledged[0].notice_id, "ntc_a");
    assert_eq!(acknowledged[0].case_id.as_deref(), Some("case-ntc_a"));
}
