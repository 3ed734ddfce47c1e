//! Lag of a group on Kafka: per partition, the high watermark minus the group's committed
//! offset (or minus the low watermark where the group committed nothing yet, since a new
//! group starts at the oldest message kept). Read without joining the group.

use std::collections::BTreeMap;

use rdkafka::{
    Offset, TopicPartitionList,
    consumer::{BaseConsumer, Consumer as _},
};
use takedown_bus::Topic;

use crate::{KafkaBusError, KafkaConfig};

/// Blocking: metadata, one offset fetch and a watermark query per partition; partition →
/// messages not committed.
pub(crate) fn partition_lags(
    reader: &BaseConsumer,
    config: &KafkaConfig,
    topic: Topic,
) -> Result<BTreeMap<u32, u64>, KafkaBusError> {
    let timeout = config.request_timeout;
    let name = config.topic_name(topic);
    let metadata = reader
        .fetch_metadata(Some(&name), timeout)
        .map_err(KafkaBusError::kafka("lag metadata"))?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == name && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Err(KafkaBusError::MissingTopic { topic: name });
    }
    let mut wanted = TopicPartitionList::new();
    for &partition in &partitions {
        wanted.add_partition(&name, partition);
    }
    let committed = reader
        .committed_offsets(wanted, timeout)
        .map_err(KafkaBusError::kafka("lag committed offsets"))?;
    let mut lags = BTreeMap::new();
    for &partition in &partitions {
        let (low, high) = reader
            .fetch_watermarks(&name, partition, timeout)
            .map_err(KafkaBusError::kafka("lag watermarks"))?;
        let done = committed
            .find_partition(&name, partition)
            .and_then(|e| match e.offset() {
                Offset::Offset(o) => Some(o),
                _ => None,
            })
            .unwrap_or(low)
            .max(low);
        // Kafka's partition ids are never negative.
        let id = u32::try_from(partition).unwrap_or(0);
        lags.insert(id, u64::try_from(high - done).unwrap_or(0));
    }
    Ok(lags)
}

/// Blocking: the group's lag over all partitions of `topic`.
pub(crate) fn lag(
    reader: &BaseConsumer,
    config: &KafkaConfig,
    topic: Topic,
) -> Result<u64, KafkaBusError> {
    Ok(partition_lags(reader, config, topic)?.values().sum())
}
