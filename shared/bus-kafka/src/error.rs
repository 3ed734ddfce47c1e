//! What can go wrong on Kafka, named by the operation; converted to
//! [`takedown_bus::BusError::Backend`] at the `Bus` boundary.

use rdkafka::error::KafkaError;
use takedown_bus::BusError;

#[derive(Debug, thiserror::Error)]
pub enum KafkaBusError {
    #[error("kafka {operation}: {source}")]
    Kafka {
        operation: &'static str,
        #[source]
        source: KafkaError,
    },
    #[error("creating topic {topic}: {code}")]
    CreateTopic { topic: String, code: String },
    #[error("topic {topic} is not known to the brokers")]
    MissingTopic { topic: String },
    #[error(
        "dead letter at partition {partition} offset {offset}: header {header:?} missing or invalid"
    )]
    MalformedDeadLetter {
        partition: i32,
        offset: i64,
        header: &'static str,
    },
    #[error("the consumer was closed")]
    Closed,
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
