//! Dead letters on Kafka: the original key and payload byte for byte as the record's key and
//! value, and where it came from and why in headers — the usual Kafka shape, so any tool can
//! re-publish the value unchanged. Reading them back assigns the topic's partitions from the
//! beginning, outside any group.

use std::time::{Duration, Instant};

use rdkafka::{
    Message as _, Offset, TopicPartitionList,
    consumer::{BaseConsumer, Consumer as _},
    message::{BorrowedMessage, Header, Headers, OwnedHeaders},
};
use takedown_bus::DeadLetter;

use crate::{KafkaBusError, KafkaConfig};

pub(crate) const SOURCE_TOPIC: &str = "takedown.source.topic";
pub(crate) const SOURCE_PARTITION: &str = "takedown.source.partition";
pub(crate) const SOURCE_OFFSET: &str = "takedown.source.offset";
pub(crate) const REASON: &str = "takedown.reason";

pub(crate) fn headers(letter: &DeadLetter) -> OwnedHeaders {
    let partition = letter.partition.to_string();
    let offset = letter.offset.to_string();
    [
        (SOURCE_TOPIC, letter.topic.as_str()),
        (SOURCE_PARTITION, partition.as_str()),
        (SOURCE_OFFSET, offset.as_str()),
        (REASON, letter.reason.as_str()),
    ]
    .into_iter()
    .fold(
        OwnedHeaders::new_with_capacity(4),
        |headers, (key, value)| {
            headers.insert(Header {
                key,
                value: Some(value),
            })
        },
    )
}

fn header<'a>(message: &'a BorrowedMessage<'_>, name: &'static str) -> Option<&'a str> {
    message
        .headers()?
        .iter()
        .find(|h| h.key == name)
        .and_then(|h| h.value)
        .and_then(|v| std::str::from_utf8(v).ok())
}

fn required<'a>(
    message: &'a BorrowedMessage<'_>,
    name: &'static str,
) -> Result<&'a str, KafkaBusError> {
    header(message, name).ok_or(KafkaBusError::MalformedDeadLetter {
        partition: message.partition(),
        offset: message.offset(),
        header: name,
    })
}

fn number<T: std::str::FromStr>(
    message: &BorrowedMessage<'_>,
    name: &'static str,
) -> Result<T, KafkaBusError> {
    required(message, name)?
        .parse()
        .map_err(|_| KafkaBusError::MalformedDeadLetter {
            partition: message.partition(),
            offset: message.offset(),
            header: name,
        })
}

pub(crate) fn letter(message: &BorrowedMessage<'_>) -> Result<DeadLetter, KafkaBusError> {
    Ok(DeadLetter {
        topic: required(message, SOURCE_TOPIC)?.to_owned(),
        partition: number(message, SOURCE_PARTITION)?,
        offset: number(message, SOURCE_OFFSET)?,
        key: message
            .key()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .unwrap_or_default(),
        payload: message.payload().map(<[u8]>::to_vec).unwrap_or_default(),
        reason: required(message, REASON)?.to_owned(),
    })
}

/// The first `max` dead letters, oldest first (one partition: one order). Blocking.
pub(crate) fn read(config: &KafkaConfig, max: usize) -> Result<Vec<DeadLetter>, KafkaBusError> {
    let reader: BaseConsumer = config
        .reader()
        .create()
        .map_err(KafkaBusError::kafka("dead-letter reader"))?;
    let timeout = config.request_timeout;
    let topic = config.dead_letter_topic();
    let metadata = reader
        .fetch_metadata(Some(&topic), timeout)
        .map_err(KafkaBusError::kafka("dead-letter metadata"))?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    let mut assignment = TopicPartitionList::new();
    // Only partitions that hold something: where to stop is their high watermark now.
    let mut ends = Vec::new();
    for &partition in &partitions {
        let (low, high) = reader
            .fetch_watermarks(&topic, partition, timeout)
            .map_err(KafkaBusError::kafka("dead-letter watermarks"))?;
        if high > low {
            assignment
                .add_partition_offset(&topic, partition, Offset::Offset(low))
                .map_err(KafkaBusError::kafka("dead-letter assign"))?;
            ends.push((partition, high));
        }
    }
    let mut letters: Vec<(i32, i64, DeadLetter)> = Vec::new();
    if ends.is_empty() || max == 0 {
        return Ok(Vec::new());
    }
    reader
        .assign(&assignment)
        .map_err(KafkaBusError::kafka("dead-letter assign"))?;
    let deadline = Instant::now() + timeout;
    while !ends.is_empty() && letters.len() < max && Instant::now() < deadline {
        let Some(result) = reader.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = result.map_err(KafkaBusError::kafka("dead-letter read"))?;
        letters.push((message.partition(), message.offset(), letter(&message)?));
        let (partition, offset) = (message.partition(), message.offset());
        ends.retain(|&(p, high)| !(p == partition && offset + 1 >= high));
    }
    letters.sort_by_key(|(partition, offset, _)| (*partition, *offset));
    Ok(letters
        .into_iter()
        .take(max)
        .map(|(_, _, letter)| letter)
        .collect())
}
