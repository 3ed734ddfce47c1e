//! The bus's behaviours as scenarios over a [`KafkaConfig`], run against librdkafka's mock
//! cluster (`tests/mock.rs`) and against a real broker (`tests/broker.rs`). A real broker's
//! topics outlive one run and are shared by the tests running at once, so every scenario
//! uses its own topic, a fresh group and keys unique to the run, and looks only at its own
//! messages.

#![allow(dead_code)] // each test binary uses some of the scenarios

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use takedown_bus::{Bus, BusError, Consumer, Message, Topic, consume_decoded};
use takedown_bus_kafka::{KafkaBus, KafkaConfig};
use takedown_model::{CaseEvent, CaseEventKind, Envelope};
use tokio_util::sync::CancellationToken;

/// Polls of this many rounds (each waits at most `POLL`) bound every wait of a scenario:
/// long enough for a group's first join (the mock delays it 3 s) and a rebalance.
const ROUNDS: usize = 240;
const POLL: Duration = Duration::from_millis(250);

/// A name unique to this run of this scenario.
pub fn unique(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{what}-{}-{nanos}", std::process::id())
}

fn text(message: &Message) -> String {
    String::from_utf8(message.payload.clone()).expect("utf8 payload")
}

/// Polls `consumer` until `done` says what was seen is enough; panics after `ROUNDS`.
async fn poll_until(
    consumer: &mut Box<dyn Consumer>,
    seen: &mut Vec<Message>,
    mut done: impl FnMut(&[Message]) -> bool,
) {
    for _ in 0..ROUNDS {
        if done(seen) {
            return;
        }
        seen.extend(consumer.poll(100, POLL).await.expect("poll"));
    }
    panic!("gave up waiting; saw {} messages", seen.len());
}

/// Messages of one key arrive in the order they were published, all from one partition.
pub async fn keeps_order_per_key(config: KafkaConfig) {
    let bus = KafkaBus::new(config).expect("bus");
    let run = unique("order");
    let keys: Vec<String> = (0..3).map(|k| format!("{run}-k{k}")).collect();
    for i in 0..30 {
        let key = &keys[i % 3];
        bus.publish(Topic::Listings, key, format!("{key}#{i}").as_bytes())
            .await
            .expect("publish");
    }
    let mut consumer = bus
        .subscribe(&unique("g-order"), Topic::Listings)
        .await
        .expect("subscribe");
    let mut seen = Vec::new();
    let ours = |seen: &[Message]| -> Vec<Message> {
        seen.iter()
            .filter(|m| m.key.starts_with(&run))
            .cloned()
            .collect()
    };
    poll_until(&mut consumer, &mut seen, |s| ours(s).len() >= 30).await;
    let ours = ours(&seen);
    assert_eq!(ours.len(), 30, "each message once");
    for key in &keys {
        let of_key: Vec<&Message> = ours.iter().filter(|m| &m.key == key).collect();
        let numbers: Vec<usize> = of_key
            .iter()
            .map(|m| {
                text(m)
                    .rsplit('#')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("number")
            })
            .collect();
        let mut sorted = numbers.clone();
        sorted.sort_unstable();
        assert_eq!(numbers, sorted, "order of {key}");
        let partitions: BTreeSet<u32> = of_key.iter().map(|m| m.partition).collect();
        assert_eq!(partitions.len(), 1, "one partition per key");
    }
    consumer.close().await.expect("close");
}

/// A consumer that dies before committing leaves its messages to the next member: the
/// next one gets exactly what was not committed, in order.
pub async fn uncommitted_messages_go_to_the_next_consumer(config: KafkaConfig) {
    let bus = KafkaBus::new(config).expect("bus");
    let run = unique("redeliver");
    let key = format!("{run}-owner");
    for i in 0..5 {
        bus.publish(Topic::Matches, &key, format!("{i}").as_bytes())
            .await
            .expect("publish");
    }
    let group = unique("g-redeliver");
    let ours = |seen: &[Message]| -> Vec<Message> {
        seen.iter().filter(|m| m.key == key).cloned().collect()
    };
    {
        let mut first = bus
            .subscribe(&group, Topic::Matches)
            .await
            .expect("subscribe");
        let mut seen = Vec::new();
        poll_until(&mut first, &mut seen, |s| ours(s).len() >= 5).await;
        let ours = ours(&seen);
        // Effects of the first two are "durable": commit them; then the process dies.
        first.commit(&ours[0]).await.expect("commit");
        first.commit(&ours[1]).await.expect("commit");
        drop(first);
    }
    let mut next = bus
        .subscribe(&group, Topic::Matches)
        .await
        .expect("subscribe");
    let mut seen = Vec::new();
    poll_until(&mut next, &mut seen, |s| ours(s).len() >= 3).await;
    let again: Vec<String> = ours(&seen).iter().map(text).collect();
    assert_eq!(again, vec!["2", "3", "4"], "only the uncommitted, in order");
    next.close().await.expect("close");
}

/// A second member of a group takes over some of the partitions — not all, not none — and
/// nothing is lost on the way.
pub async fn two_members_split_the_partitions(config: KafkaConfig) {
    let bus = KafkaBus::new(config).expect("bus");
    let run = unique("split");
    let mut keys = Vec::new();
    for i in 0..64 {
        let key = format!("{run}-{i}");
        bus.publish(Topic::HashedListings, &key, key.as_bytes())
            .await
            .expect("publish");
        keys.push(key);
    }
    let group = unique("g-split");
    let ours = |m: &Message| m.key.starts_with(&run);
    let mut a = bus
        .subscribe(&group, Topic::HashedListings)
        .await
        .expect("subscribe");
    // A alone owns every partition; it commits nothing, so all stays to be delivered.
    let mut first = Vec::new();
    poll_until(&mut a, &mut first, |s| s.iter().any(ours)).await;

    let mut b = bus
        .subscribe(&group, Topic::HashedListings)
        .await
        .expect("subscribe");
    // Both poll (a rebalance needs every member to rejoin). Nothing is committed until B has
    // received something, so B's partitions still hold all their messages when it gets them.
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut b_partitions: BTreeSet<u32> = BTreeSet::new();
    for _ in 0..ROUNDS {
        let from_b = b.poll(100, POLL).await.expect("poll b");
        b_partitions.extend(from_b.iter().filter(|m| ours(m)).map(|m| m.partition));
        let from_a = a.poll(100, POLL).await.expect("poll a");
        let commit = !b_partitions.is_empty();
        for (consumer, messages) in [(&mut b, from_b), (&mut a, from_a)] {
            for m in messages {
                if commit {
                    consumer.commit(&m).await.expect("commit");
                }
                if ours(&m) {
                    done.insert(m.key);
                }
            }
        }
        if commit && done.len() == keys.len() {
            break;
        }
    }
    assert!(!b_partitions.is_empty(), "B received partitions");
    assert!(
        b_partitions.len() < Topic::HashedListings.partitions() as usize,
        "A kept some: {b_partitions:?}"
    );
    assert_eq!(done.len(), keys.len(), "every message handled");
    a.close().await.expect("close");
    b.close().await.expect("close");
}

fn event(notice: &str) -> CaseEvent {
    CaseEvent {
        notice_id: notice.to_owned(),
        kind: CaseEventKind::Acknowledged,
        case_id: None,
        detail: None,
        at: chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("time"),
    }
}

/// Payloads that do not decode — an unknown major version, malformed JSON — go to the
/// dead-letter topic with their key, bytes, position and reason; the consumer goes on.
pub async fn undecodable_payloads_are_dead_lettered(config: KafkaConfig) {
    let bus = KafkaBus::new(config).expect("bus");
    let run = unique("dead");
    let key = format!("{run}-notice");
    let mut future: serde_json::Value =
        serde_json::from_slice(&Envelope::encode(&event(&format!("{run}-future")))).expect("json");
    future["version"] = 2.into();
    let future = future.to_string().into_bytes();
    let payloads: Vec<Vec<u8>> = vec![
        Envelope::encode(&event(&format!("{run}-1"))),
        future.clone(),
        b"{not json".to_vec(),
        Envelope::encode(&event(&format!("{run}-2"))),
    ];
    for payload in &payloads {
        bus.publish(Topic::CaseEvents, &key, payload)
            .await
            .expect("publish");
    }
    let handled = Arc::new(Mutex::new(Vec::new()));
    let cancel = CancellationToken::new();
    let group = unique("g-dead");
    let task = {
        let (bus, cancel, handled, group, run) = (
            bus.clone(),
            cancel.clone(),
            handled.clone(),
            group.clone(),
            run.clone(),
        );
        tokio::spawn(async move {
            consume_decoded(
                &bus,
                &group,
                Topic::CaseEvents,
                &cancel,
                Envelope::<CaseEvent>::decode,
                |event| {
                    let handled = handled.clone();
                    // A real broker's topic also holds earlier runs' events: keep ours.
                    let ours = event.notice_id.starts_with(&run);
                    async move {
                        if ours {
                            handled.lock().expect("lock").push(event.notice_id);
                        }
                        Ok::<(), BusError>(())
                    }
                },
            )
            .await
        })
    };
    let mut letters = Vec::new();
    for _ in 0..ROUNDS {
        letters = bus
            .dead_letters(10_000)
            .await
            .expect("dead letters")
            .into_iter()
            .filter(|l| l.key == key)
            .collect();
        let both_handled = handled.lock().expect("lock").len() >= 2;
        if letters.len() >= 2
            && both_handled
            && bus.lag(&group, Topic::CaseEvents).await.expect("lag") == 0
        {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    cancel.cancel();
    task.await.expect("join").expect("the consumer kept going");
    assert_eq!(
        *handled.lock().expect("lock"),
        vec![format!("{run}-1"), format!("{run}-2")]
    );
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert_eq!(letters[0].payload, future);
    assert!(
        letters[0].reason.contains("version 2 is not supported"),
        "{}",
        letters[0].reason
    );
    assert_eq!(letters[1].payload, b"{not json");
    assert!(
        letters[1].reason.contains("not a valid"),
        "{}",
        letters[1].reason
    );
    for letter in &letters {
        assert_eq!(letter.topic, Topic::CaseEvents.name());
    }
    assert_eq!(
        letters[1].partition, letters[0].partition,
        "one key, one partition"
    );
    assert_eq!(letters[1].offset, letters[0].offset + 1, "positions kept");
}

/// Lag counts what the group has not committed: it grows with publishing and reaches zero
/// once everything is committed.
pub async fn lag_counts_what_is_not_committed(config: KafkaConfig) {
    let bus = KafkaBus::new(config).expect("bus");
    let run = unique("lag");
    let group = unique("g-lag");
    let before = bus.lag(&group, Topic::Notices).await.expect("lag");
    for i in 0..3 {
        bus.publish(Topic::Notices, &format!("{run}-{i}"), b"x")
            .await
            .expect("publish");
    }
    assert_eq!(
        bus.lag(&group, Topic::Notices).await.expect("lag"),
        before + 3
    );
    let lags = bus
        .partition_lags(&group, Topic::Notices)
        .await
        .expect("partition lags");
    assert_eq!(
        lags.values().sum::<u64>(),
        before + 3,
        "partitions add up: {lags:?}"
    );

    let mut consumer = bus
        .subscribe(&group, Topic::Notices)
        .await
        .expect("subscribe");
    let mut per_partition: BTreeMap<u32, u64> = BTreeMap::new();
    for _ in 0..ROUNDS {
        for m in consumer.poll(100, POLL).await.expect("poll") {
            consumer.commit(&m).await.expect("commit");
            per_partition.insert(m.partition, m.offset);
        }
        if !per_partition.is_empty() && bus.lag(&group, Topic::Notices).await.expect("lag") == 0 {
            break;
        }
    }
    assert_eq!(bus.lag(&group, Topic::Notices).await.expect("lag"), 0);
    consumer.close().await.expect("close");
    // Another group has not consumed anything.
    assert_eq!(
        bus.lag(&unique("g-other"), Topic::Notices)
            .await
            .expect("lag"),
        before + 3
    );
}
