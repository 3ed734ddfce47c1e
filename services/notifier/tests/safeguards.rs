//! Delivery safeguards against a controllable fake platform on 127.0.0.1: failures then
//! success, 429 with Retry-After, 410 Gone, rejection to dead letters and back, the circuit
//! breaker and the rate limit. Time is passed to `drain_once_at`, never slept.

mod fake;

use std::time::Duration;

use chrono::Utc;
use fake::{Answer, World, world};
use takedown_notifier::Safeguards;

fn hours(n: i64) -> chrono::Duration {
    chrono::Duration::hours(n)
}

#[tokio::test]
async fn fails_n_times_then_arrives_once_under_the_same_idempotency_key() {
    let w = world(&[Answer::Fail, Answer::Fail], None, Safeguards::default()).await;
    w.enqueue("ntc_a").await;
    let now = Utc::now();
    for step in 0..3 {
        w.notifier
            .drain_once_at(now + hours(step))
            .await
            .expect("drain");
    }
    assert_eq!(w.hits(), vec!["ntc_a"; 3]);
    assert_eq!(w.state("ntc_a").await, "delivered");
    // Nothing is left to send.
    assert_eq!(
        w.notifier
            .drain_once_at(now + hours(10))
            .await
            .expect("drain"),
        0
    );
}

#[tokio::test]
async fn the_circuit_opens_after_consecutive_failures_and_stops_sending() {
    let safeguards = Safeguards {
        failure_threshold: 2,
        cool_down: Duration::from_secs(3600),
        ..Safeguards::default()
    };
    let w: World = world(&[], Some(Answer::Fail), safeguards).await;
    for id in ["ntc_1", "ntc_2", "ntc_3"] {
        w.enqueue(id).await;
    }
    let now = Utc::now();
    w.notifier.drain_once_at(now).await.expect("drain");
    assert_eq!(w.hits().len(), 2, "the third waits behind the open circuit");
    // Even once every back-off has passed, the circuit keeps them back until its cool-down.
    w.notifier
        .drain_once_at(now + hours(24))
        .await
        .expect("drain");
    assert_eq!(w.hits().len(), 2);
    assert_eq!(w.store.pending_deliveries().await.expect("pending"), 3);
}

#[tokio::test]
async fn a_429_is_retried_no_earlier_than_its_retry_after() {
    let w = world(&[Answer::TooMany(120)], None, Safeguards::default()).await;
    w.enqueue("ntc_a").await;
    let now = Utc::now();
    w.notifier.drain_once_at(now).await.expect("drain");
    w.notifier
        .drain_once_at(now + chrono::Duration::seconds(60))
        .await
        .expect("drain");
    assert_eq!(w.hits().len(), 1, "not before Retry-After");
    w.notifier
        .drain_once_at(now + chrono::Duration::seconds(125))
        .await
        .expect("drain");
    assert_eq!(w.hits().len(), 2);
    assert_eq!(w.state("ntc_a").await, "delivered");
}

#[tokio::test]
async fn a_410_disables_the_endpoint_and_dead_letters_what_was_for_it() {
    let w = world(&[Answer::Gone], None, Safeguards::default()).await;
    w.enqueue("ntc_1").await;
    w.enqueue("ntc_2").await;
    w.notifier.drain_once_at(Utc::now()).await.expect("drain");
    assert_eq!(w.hits().len(), 1, "nothing more is sent to a gone endpoint");
    let dead = w.store.dead_letters().await.expect("dead letters");
    assert_eq!(dead.len(), 2);
    assert!(
        dead.iter()
            .all(|d| d.reason.contains("endpoint disabled") && d.reason.contains("410")),
        "{dead:?}"
    );
}

#[tokio::test]
async fn a_rejected_notice_is_a_dead_letter_with_its_reason_and_can_be_requeued() {
    let w = world(&[Answer::Unprocessable], None, Safeguards::default()).await;
    w.enqueue("ntc_a").await;
    let now = Utc::now();
    w.notifier.drain_once_at(now).await.expect("drain");
    let dead = w.store.dead_letters().await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert!(dead[0].reason.contains("422") && dead[0].reason.contains("missing evidence"));
    assert_eq!(
        w.notifier
            .drain_once_at(now + hours(1))
            .await
            .expect("drain"),
        0,
        "a dead letter is not retried"
    );
    assert!(w.store.requeue("ntc_a").await.expect("requeue"));
    w.notifier
        .drain_once_at(now + hours(1))
        .await
        .expect("drain");
    assert_eq!(w.state("ntc_a").await, "delivered");
    assert_eq!(w.hits(), vec!["ntc_a"; 2]);
}

#[tokio::test]
async fn a_delivery_that_exceeds_max_attempts_is_dead_lettered() {
    let safeguards = Safeguards {
        max_attempts: 2,
        ..Safeguards::default()
    };
    let w = world(&[], Some(Answer::Fail), safeguards).await;
    w.enqueue("ntc_a").await;
    let now = Utc::now();
    for step in 0..4 {
        w.notifier
            .drain_once_at(now + hours(step))
            .await
            .expect("drain");
    }
    assert_eq!(w.hits().len(), 2);
    let dead = w.store.dead_letters().await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0].reason.starts_with("gave up after 2 attempts"),
        "{dead:?}"
    );
}

#[tokio::test]
async fn the_rate_limit_holds_back_what_exceeds_it() {
    let safeguards = Safeguards {
        per_second: 0.001,
        burst: 1,
        ..Safeguards::default()
    };
    let w = world(&[], None, safeguards).await;
    for id in ["ntc_1", "ntc_2", "ntc_3"] {
        w.enqueue(id).await;
    }
    w.notifier.drain_once_at(Utc::now()).await.expect("drain");
    assert_eq!(w.hits().len(), 1);
    assert_eq!(w.store.pending_deliveries().await.expect("pending"), 2);
}
