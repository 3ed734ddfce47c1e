//! What can go wrong on Kafka, named by the operation; converted to
//! [`takedown_bus::BusError::Backend`] at the `Bus` boundary.

use rdkafka::error::KafkaError;
use takedown_bus::BusError;

/// Why a Kafka operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KafkaBusError {
    /// librdkafka reported an error.
    #[error("kafka {operation}: {source}")]
    Kafka {
        /// What was being done ("publish", "commit", "fetch metadata", …).
        operation: &'static str,
        /// librdkafka's error.
        #[source]
        source: KafkaError,
    },
    /// The brokers refused to create a topic (an existing topic is not an error).
    #[error("creating topic {topic}: {code}")]
    CreateTopic {
        /// The topic's full name, namespace included.
        topic: String,
        /// The broker's error code.
        code: String,
    },
    /// The brokers do not know a topic the bus needs: `ensure_topics` was not run.
    #[error("topic {topic} is not known to the brokers")]
    MissingTopic {
        /// The topic's full name, namespace included.
        topic: String,
    },
    /// A record on the dead-letter topic lacks a header the bus writes on every one, so it
    /// was not written by a takedown bus.
    #[error(
        "dead letter at partition {partition} offset {offset}: header {header:?} missing or invalid"
    )]
    MalformedDeadLetter {
        /// The dead-letter topic's partition it was read from.
        partition: i32,
        /// Its offset there.
        offset: i64,
        /// The header missing or unreadable.
        header: &'static str,
    },
    /// The TLS/SASL settings cannot work together.
    #[error("kafka security settings: {0}")]
    Security(#[from] crate::security::SecurityError),
    /// The consumer was used after it was closed.
    #[error("the consumer was closed")]
    Closed,
    /// A librdkafka call run on a blocking thread panicked or was cancelled.
    #[error("a blocking kafka call did not finish: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl KafkaBusError {
    pub(crate) fn kafka(operation: &'static str) -> impl FnOnce(KafkaError) -> Self {
        move |source| KafkaBusError::Kafka { operation, source }
    }

    fn operation(&self) -> &'static str {
        match self {
            KafkaBusError::Kafka { operation, .. } => operation,
            KafkaBusError::CreateTopic { .. } | KafkaBusError::MissingTopic { .. } => "admin",
            KafkaBusError::MalformedDeadLetter { .. } => "dead-letter read",
            KafkaBusError::Closed => "poll",
            KafkaBusError::Security(_) => "configure",
            KafkaBusError::Join(_) => "call",
        }
    }
}

impl From<KafkaBusError> for BusError {
    fn from(error: KafkaBusError) -> Self {
        BusError::Backend {
            operation: error.operation(),
            source: Box::new(error),
        }
    }
}
