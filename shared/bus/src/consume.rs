//! The loop every consuming stage runs: poll, handle, commit — in that order, one message
//! at a time, so an offset is committed only after the message's effects are durable.

use std::{future::Future, time::Duration};

use tokio_util::sync::CancellationToken;

use crate::{Bus, BusError, Message, Topic};

/// How long one poll waits when the topic is empty; bounds how late a cancel is noticed.
const POLL_WAIT: Duration = Duration::from_millis(250);
const BATCH: usize = 64;

/// Consumes `topic` as `group` until `cancel` fires. A handler error stops the loop without
/// committing that message, so it is delivered again when the stage restarts. Handlers deal
/// with poison messages themselves (log and return Ok), so one bad payload never blocks a
/// partition.
pub async fn consume<H, Fut, E>(
    bus: &dyn Bus,
    group: &str,
    topic: Topic,
    cancel: &CancellationToken,
    mut handle: H,
) -> Result<(), E>
where
    H: FnMut(Message) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: From<BusError>,
{
    let mut consumer = bus.subscribe(group, topic).await?;
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
            handle(message).await?;
            consumer.commit(&committed).await?;
        }
    }
    Ok(())
}

/// [`consume`] for typed payloads: each message is decoded with `decode` first. A message
/// that does not decode (malformed, another schema, an unsupported version) is logged with
/// its position and skipped — poison never blocks a partition — until a dead-letter topic
/// takes it (Kafka work).
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
        let decoded = decode(&message.payload);
        let fut = match decoded {
            Ok(value) => Some(handle(value)),
            Err(e) => {
                tracing::error!(
                    topic = %message.topic, partition = message.partition, offset = message.offset,
                    key = %message.key, error = %e, "skipping a message that does not decode"
                );
                None
            }
        };
        async move {
            match fut {
                Some(fut) => fut.await,
                None => Ok(()),
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
    async fn a_message_that_does_not_decode_is_skipped_and_the_rest_handled() {
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
    }
}
