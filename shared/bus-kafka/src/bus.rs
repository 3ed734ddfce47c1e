//! [`KafkaBus`]: the `Bus` trait on Kafka. One idempotent producer per bus (librdkafka
//! batches and orders per partition internally), one group member per `subscribe`.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use rdkafka::{
    consumer::BaseConsumer,
    producer::{FutureProducer, FutureRecord},
    util::Timeout,
};
use takedown_bus::{Bus, BusResult, Consumer, DeadLetter, Topic};

use crate::{KafkaBusError, KafkaConfig, admin, consumer::KafkaConsumer, dead_letter, lag};

/// The bus on Kafka (any broker speaking the Kafka protocol). Cheap to clone.
#[derive(Clone)]
pub struct KafkaBus {
    config: Arc<KafkaConfig>,
    producer: FutureProducer,
    /// Clients that read a group's committed offsets without joining it, one per group.
    offset_readers: Arc<Mutex<HashMap<String, Arc<BaseConsumer>>>>,
}

impl KafkaBus {
    /// A bus on the brokers of `config`. Connects lazily: a broker that is down shows up as
    /// the first `publish` or `poll` failing after its timeout, not here.
    pub fn new(config: KafkaConfig) -> Result<Self, KafkaBusError> {
        config.security.validate()?;
        let producer: FutureProducer = config
            .producer()
            .create()
            .map_err(KafkaBusError::kafka("producer"))?;
        Ok(Self {
            config: Arc::new(config),
            producer,
            offset_readers: Arc::default(),
        })
    }

    /// The settings this bus was built with.
    pub fn config(&self) -> &KafkaConfig {
        &self.config
    }

    /// Creates the topics that do not exist yet (see [`admin::ensure_topics`]).
    pub async fn ensure_topics(&self) -> Result<(), KafkaBusError> {
        admin::ensure_topics(&self.config).await
    }

    fn offset_reader(&self, group: &str) -> Result<Arc<BaseConsumer>, KafkaBusError> {
        // A poisoned lock only means another thread panicked mid-insert; the map is intact.
        let mut readers = self
            .offset_readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(reader) = readers.get(group) {
            return Ok(reader.clone());
        }
        let reader: Arc<BaseConsumer> = Arc::new(
            self.config
                .offsets_reader(group)
                .create()
                .map_err(KafkaBusError::kafka("offsets reader"))?,
        );
        readers.insert(group.to_owned(), reader.clone());
        Ok(reader)
    }

    async fn send(
        &self,
        record: FutureRecord<'_, str, [u8]>,
        operation: &'static str,
    ) -> Result<(), KafkaBusError> {
        // Resolves once the broker acknowledged the record (acks=all) or delivery timed out;
        // the queue wait is bounded by the same timeout.
        self.producer
            .send(record, Timeout::After(self.config.publish_timeout))
            .await
            .map(|_delivered| ())
            .map_err(|(source, _unsent)| KafkaBusError::Kafka { operation, source })
    }
}

#[async_trait]
impl Bus for KafkaBus {
    async fn publish(&self, topic: Topic, key: &str, payload: &[u8]) -> BusResult<()> {
        let name = self.config.topic_name(topic);
        let record = FutureRecord::to(&name).key(key).payload(payload);
        Ok(self.send(record, "publish").await?)
    }

    async fn subscribe(&self, group: &str, topic: Topic) -> BusResult<Box<dyn Consumer>> {
        let consumer = KafkaConsumer::join(self.config.clone(), group, topic)?;
        Ok(Box::new(consumer))
    }

    async fn lag(&self, group: &str, topic: Topic) -> BusResult<u64> {
        Ok(self.partition_lags(group, topic).await?.values().sum())
    }

    async fn partition_lags(&self, group: &str, topic: Topic) -> BusResult<BTreeMap<u32, u64>> {
        let reader = self.offset_reader(group)?;
        let config = self.config.clone();
        let lags =
            tokio::task::spawn_blocking(move || lag::partition_lags(&reader, &config, topic))
                .await
                .map_err(KafkaBusError::from)??;
        Ok(lags)
    }

    async fn dead_letter(&self, letter: &DeadLetter) -> BusResult<()> {
        // Kafka has no insert-if-absent: a poison message redelivered after a crash between
        // this and its commit is set aside twice, both copies naming the same source position.
        let name = self.config.dead_letter_topic();
        let record = FutureRecord::to(&name)
            .key(letter.key.as_str())
            .payload(letter.payload.as_slice())
            .headers(dead_letter::headers(letter));
        Ok(self.send(record, "dead letter").await?)
    }

    async fn dead_letters(&self, max: usize) -> BusResult<Vec<DeadLetter>> {
        let config = self.config.clone();
        let letters = tokio::task::spawn_blocking(move || dead_letter::read(&config, max))
            .await
            .map_err(KafkaBusError::from)??;
        Ok(letters)
    }
}
