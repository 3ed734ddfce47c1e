//! The topics on the brokers: what each one needs (partitions from [`Topic`], replication and
//! retention from [`KafkaConfig`]) and their idempotent creation through the admin API.

use rdkafka::{
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    types::RDKafkaErrorCode,
};
use takedown_bus::{DEAD_LETTER_PARTITIONS, Topic};

use crate::{KafkaBusError, KafkaConfig, config::millis};

/// One topic as the bus wants it on the brokers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    /// The topic's full name, namespace included.
    pub name: String,
    /// Partitions to create it with (an existing topic keeps its own).
    pub partitions: u32,
    /// Copies of each partition the brokers keep.
    pub replication_factor: i32,
    /// Topic-level settings, e.g. `retention.ms`.
    pub settings: Vec<(String, String)>,
}

/// Every topic the bus uses: the pipeline's [`Topic::ALL`] and the dead-letter topic.
pub fn topic_specs(config: &KafkaConfig) -> Vec<TopicSpec> {
    let spec = |name: &str, partitions: u32, retention: Option<std::time::Duration>| TopicSpec {
        name: name.to_owned(),
        partitions,
        replication_factor: config.replication_factor,
        settings: retention
            .map(|r| vec![("retention.ms".to_owned(), millis(r).to_string())])
            .unwrap_or_default(),
    };
    Topic::ALL
        .into_iter()
        .map(|topic| {
            spec(
                &config.topic_name(topic),
                topic.partitions(),
                config.retention,
            )
        })
        .chain([spec(
            &config.dead_letter_topic(),
            DEAD_LETTER_PARTITIONS,
            config.dead_letter_retention,
        )])
        .collect()
}

/// Creates every topic of [`topic_specs`] that does not exist yet. Existing topics are left
/// as they are (an operator may have added partitions), so running it again is harmless.
pub async fn ensure_topics(config: &KafkaConfig) -> Result<(), KafkaBusError> {
    let admin: AdminClient<DefaultClientContext> = config
        .admin()
        .create()
        .map_err(KafkaBusError::kafka("admin client"))?;
    let specs = topic_specs(config);
    let partitions: Vec<i32> = specs
        .iter()
        .map(|s| i32::try_from(s.partitions).unwrap_or(i32::MAX))
        .collect();
    let new_topics: Vec<NewTopic<'_>> = specs
        .iter()
        .zip(&partitions)
        .map(|(spec, &partitions)| {
            spec.settings.iter().fold(
                NewTopic::new(
                    &spec.name,
                    partitions,
                    TopicReplication::Fixed(spec.replication_factor),
                ),
                |topic, (key, value)| topic.set(key, value),
            )
        })
        .collect();
    let options = AdminOptions::new()
        .request_timeout(Some(config.request_timeout))
        .operation_timeout(Some(config.request_timeout));
    let results = admin
        .create_topics(&new_topics, &options)
        .await
        .map_err(KafkaBusError::kafka("create topics"))?;
    for result in results {
        match result {
            Ok(name) => tracing::info!(topic = %name, "created topic"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(KafkaBusError::CreateTopic {
                    topic,
                    code: code.to_string(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn every_topic_and_the_dead_letter_topic_with_configured_settings() {
        let mut config = KafkaConfig::new("127.0.0.1:9092");
        config.replication_factor = 3;
        config.namespace = None; // whatever the environment says
        config.retention = Some(Duration::from_secs(7 * 86_400));
        let specs = topic_specs(&config);
        assert_eq!(specs.len(), Topic::ALL.len() + 1);
        let listings = specs
            .iter()
            .find(|s| s.name == Topic::Listings.name())
            .expect("listings");
        assert_eq!(
            (listings.partitions, listings.replication_factor),
            (Topic::Listings.partitions(), 3)
        );
        assert_eq!(
            listings.settings,
            vec![("retention.ms".to_owned(), "604800000".to_owned())]
        );
        let dead = specs
            .iter()
            .find(|s| s.name == takedown_bus::DEAD_LETTER_TOPIC)
            .expect("dead letters");
        assert!(dead.settings.is_empty(), "keeps the broker's default");
    }

    #[test]
    fn a_namespace_prefixes_every_topic_and_group() {
        let mut config = KafkaConfig::new("127.0.0.1:9092");
        config.namespace = Some("run-7".to_owned());
        let names: Vec<String> = topic_specs(&config).into_iter().map(|s| s.name).collect();
        assert!(
            names.contains(&"run-7.takedown.listings".to_owned()),
            "{names:?}"
        );
        assert!(
            names.contains(&"run-7.takedown.dead-letters".to_owned()),
            "{names:?}"
        );
        assert!(names.iter().all(|n| n.starts_with("run-7.")), "{names:?}");
        assert_eq!(config.group_id("hasher"), "run-7.hasher");
        config.namespace = None;
        assert_eq!(
            config.topic_name(Topic::Listings),
            "takedown.listings",
            "no namespace: the plain names"
        );
    }
}
