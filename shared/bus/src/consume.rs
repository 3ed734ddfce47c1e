//! The loop every consuming stage runs: poll, handle, commit — in that order, one message
//! at a time, so an offset is committed only after the message's effects are durable —
//! and its typed variant, which sets payloads that do not decode aside as dead letters.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::{Bus, BusError, Consumer, DeadLetter, Message, Topic};

/// How long one poll waits when the topic is empty; bounds how late a cancel is noticed.
const POLL_WAIT: Duration = Duration::from_millis(250);
const BATCH: usize = 64;

/// Consumes `topic` as `group` until `cancel` fires. A handler error stops the loop without
/// committing that message, so it is delivered again when the stage restarts. Handlers deal
/// with poison messages themselves (dead-letter or log, and return Ok), so one bad payload
/// never blocks a partition. On the way out the consumer leaves its group, so another
/// process of the stage takes its partitions over at once.
pub async fn consume<H, Fut, E>(
    bus: &dyn Bus,
    group: &str,
    topic: Topic,
    cancel: &CancellationToken,
    handle: H,
) -> Result<(), E>
where
    H: FnMut(Message) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: From<BusError>,
{
    let mut consumer = bus.subscribe(group, topic).await?;
    let result = consume_with(consumer.as_mut(), group, cancel, handle).await;
    let closed = consumer.close().await;
    match result {
        Err(e) => {
            if let Err(close) = closed {
                tracing::warn!(group, topic = %topic, error = %close, "consumer did not close cleanly");
            }
            Err(e)
        }
        Ok(()) => closed.map_err(E::from),
    }
}

/// The loop of [`consume`]. Each message is handled inside a `message` span carrying its
/// group, topic, partition, offset and key (the listing id, notice id or owner id its
/// producer keyed it by), so every log line of its handling names it; each handled message
/// counts in `takedown_messages_handled_total` and its handling time in
/// `takedown_message_handling_seconds` (by group and topic), read by a process's
/// `/metrics`.
async fn consume_with<H, Fut, E>(
    consumer: &mut dyn Consumer,
    group: &str,
    cancel: &CancellationToken,
    mut handle: H,
) -> Result<(), E>
where
    H: FnMut(Message) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: From<BusError>,
{
    while !cancel.is_cancelled() {
        let messages = tokio::select! {
            polled = consumer.poll(BATCH, POLL_WAIT) => polled?,
            () = cancel.cancelled() => break,
        };
        for message in messages {
            if cancel.is_cancelled() {
                return Ok(());
            }
            let committed = message.clone();
            let span = tracing::info_span!(
                "message",
                group,
                topic = %message.topic,
                partition = message.partition,
                offset = message.offset,
                key = %message.key,
            );
            let started = Instant::now();
            handle(message).instrument(span).await?;
            consumer.commit(&committed).await?;
            let labels = [
                ("group", group.to_owned()),
                ("topic", committed.topic.clone()),
            ];
            metrics::counter!("takedown_messages_handled_total", &labels).increment(1);
            metrics::histogram!("takedown_message_handling_seconds", &labels)
                .record(started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// [`consume`] for typed payloads: each message is decoded with `decode` first. A message
/// that does not decode (malformed, another schema, an unsupported major version) goes to
/// the dead-letter topic with the decoder's error as its reason, and is then committed past:
/// poison never blocks a partition nor crashes the consumer, and nothing is lost silently.
/// If the dead letter cannot be written, the loop stops without committing, like any other
/// bus failure.
pub async fn consume_decoded<T, D, DE, H, Fut, E>(
    bus: &dyn Bus,
    group: &str,
    topic: Topic,
    cancel: &CancellationToken,
    decode: D,
    mut handle: H,
) -> Result<(), E>
where
    D: Fn(&[u8]) -> Result<T, DE>,
    DE: std::fmt::Display,
    H: FnMut(T) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: From<BusError>,
{
    let decode = &decode;
    let handle = &mut handle;
    consume(bus, group, topic, cancel, move |message: Message| {
        let outcome = match decode(&message.payload) {
            Ok(value) => Ok(handle(value)),
            Err(e) => Err(DeadLetter::new(&message, e.to_string())),
        };
        async move {
            match outcome {
                Ok(fut) => fut.await,
                Err(letter) => {
                    tracing::error!(
                        topic = %letter.topic, partition = letter.partition, offset = letter.offset,
                        key = %letter.key, reason = %letter.reason,
                        "a message that does not decode goes to the dead-letter topic"
                    );
                    bus.dead_letter(&letter).await?;
                    Ok(())
                }
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::EmbeddedBus;

    #[tokio::test]
    async fn a_failed_message_is_not_committed_and_comes_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bus = EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus");
        for i in 0..3 {
            bus.publish(Topic::Matches, "owner", format!("{i}").as_bytes())
                .await
                .expect("publish");
        }
        let cancel = CancellationToken::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let result: Result<(), BusError> = {
            let seen = seen.clone();
            consume(&bus, "g", Topic::Matches, &cancel, move |m| {
                let seen = seen.clone();
                async move {
                    let text = String::from_utf8(m.payload).expect("utf8");
                    if text == "1" {
                        return Err(BusError::UnknownTopic("boom".into()));
                    }
                    seen.lock().expect("lock").push(text);
                    Ok(())
                }
            })
            .await
        };
        assert!(result.is_err());
        assert_eq!(*seen.lock().expect("lock"), vec!["0"]);
        assert_eq!(bus.lag("g", Topic::Matches).await.expect("lag"), 2);

        // Restarted with a healthy handler: picks up at the failed message.
        let seen2 = Arc::new(Mutex::new(Vec::new()));
        let task = {
            let (bus, cancel, seen2) = (bus.clone(), cancel.clone(), seen2.clone());
            tokio::spawn(async move {
                consume(&bus, "g", Topic::Matches, &cancel, move |m| {
                    let seen2 = seen2.clone();
                    async move {
                        seen2
                            .lock()
                            .expect("lock")
                            .push(String::from_utf8(m.payload).expect("utf8"));
                        Ok::<(), BusError>(())
                    }
                })
                .await
            })
        };
        for _ in 0..100 {
            if bus.lag("g", Topic::Matches).await.expect("lag") == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cancel.cancel();
        task.await.expect("join").expect("consume");
        assert_eq!(*seen2.lock().expect("lock"), vec!["1", "2"]);
    }

    #[tokio::test]
    async fn a_message_that_does_not_decode_is_dead_lettered_and_the_rest_handled() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bus = EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus");
        for payload in ["1", "not a number", "3"] {
            bus.publish(Topic::Notices, "p", payload.as_bytes())
                .await
                .expect("publish");
        }
        let cancel = CancellationToken::new();
        let sum = Arc::new(Mutex::new(0u32));
        let task = {
            let (bus, cancel, sum) = (bus.clone(), cancel.clone(), sum.clone());
            tokio::spawn(async move {
                let decode = |bytes: &[u8]| std::str::from_utf8(bytes).unwrap_or("").parse::<u32>();
                consume_decoded(&bus, "g", Topic::Notices, &cancel, decode, move |n| {
                    let sum = sum.clone();
                    async move {
                        *sum.lock().expect("lock") += n;
                        Ok::<(), BusError>(())
                    }
                })
                .await
            })
        };
        for _ in 0..100 {
            if bus.lag("g", Topic::Notices).await.expect("lag") == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cancel.cancel();
        task.await.expect("join").expect("consume");
        assert_eq!(*sum.lock().expect("lock"), 4);
        assert_eq!(
            bus.lag("g", Topic::Notices).await.expect("lag"),
            0,
            "the poison message was committed past"
        );
        let letters = bus.dead_letters(10).await.expect("dead letters");
        assert_eq!(letters.len(), 1, "{letters:?}");
        let letter = &letters[0];
        assert_eq!(
            (letter.topic.as_str(), letter.offset, letter.key.as_str()),
            (Topic::Notices.name(), 1, "p")
        );
        assert_eq!(letter.payload, b"not a number");
        assert!(letter.reason.contains("invalid digit"), "{}", letter.reason);
    }
}
