//! Two notifiers draining one outbox at the same time (two processes of the notifier stage)
//! send every notice exactly once between them: each claims the deliveries it attempts.

mod fake;

use chrono::Utc;
use fake::world;
use takedown_notifier::Safeguards;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_notifiers_at_once_send_each_notice_once() {
    // No rate limit in the way: every due delivery is attempted at once.
    let safeguards = Safeguards {
        per_second: 10_000.0,
        burst: 10_000,
        ..Safeguards::default()
    };
    let w = world(&[], None, safeguards).await;
    let ids: Vec<String> = (0..40).map(|i| format!("ntc_{i:02}")).collect();
    for id in &ids {
        w.enqueue(id).await;
    }
    let (first, second) = (&w.notifier, w.another_notifier());
    assert_ne!(first.claimant(), second.claimant());
    let now = Utc::now();
    // Bounded: each round delivers at least one claimed batch while any is pending.
    for _ in 0..40 {
        let (a, b) = tokio::join!(first.drain_once_at(now), second.drain_once_at(now));
        let (a, b) = (a.expect("drain"), b.expect("drain"));
        if a + b == 0 {
            break;
        }
    }
    let mut hits = w.hits();
    hits.sort();
    assert_eq!(hits, ids, "every notice sent exactly once");
    assert_eq!(w.store.pending_deliveries().await.expect("pending"), 0);
    for id in &ids {
        assert_eq!(w.state(id).await, "delivered");
    }
}
