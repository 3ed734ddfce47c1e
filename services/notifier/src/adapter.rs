//! Delivery adapters: how a notice reaches one platform. Each platform has exactly one
//! [`Adapter`]; the outbox loop in `lib.rs` hands it the stored payload and acts on the
//! [`Outcome`] (retry, dead-letter, done), the same for every adapter.
//!
//! Three adapters: a signed webhook, an e-mail, and a record on the platform's Kafka topic
//! ([`crate::kafka`]: "produced and acknowledged" is [`Outcome::Sent`], a broker error is
//! [`Outcome::Retry`]). A fourth is one more variant and one more arm here; nothing else in
//! the notifier changes.

use std::{path::Path, time::Duration};

use takedown_model::notice::FiledNotice;

use crate::{
    deliver::{self, Outcome},
    email::{EmailError, EmailSender},
    endpoint::PlatformEndpoint,
    kafka::{KafkaAdapter, KafkaAdapterError},
};

#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error("reading the CA file: {0}")]
    CaFile(#[from] takedown_fsread::ReadError),
    #[error("the CA file {path} holds no usable PEM certificate: {reason}")]
    CaPem { path: String, reason: String },
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Kafka(#[from] KafkaAdapterError),
}

/// One platform's way of receiving notices.
pub enum Adapter {
    /// A Standard Webhooks signed HTTP(S) POST to the platform's handler.
    Webhook(WebhookAdapter),
    /// A mail to the platform's IP desk through an SMTP relay.
    Email(EmailAdapter),
    /// A signed record on the platform's Kafka topic.
    Kafka(KafkaAdapter),
}

impl Adapter {
    /// Sends the stored payload (the webhook body: `{type, timestamp, data}`) once.
    pub async fn deliver(&self, notice_id: &str, payload: &str) -> Outcome {
        match self {
            Adapter::Webhook(webhook) => {
                deliver::post(&webhook.client, &webhook.endpoint, notice_id, payload).await
            }
            Adapter::Email(email) => email.deliver(payload).await,
            Adapter::Kafka(kafka) => kafka.deliver(notice_id, payload).await,
        }
    }

    /// `webhook`, `email` or `kafka`, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Adapter::Webhook(_) => "webhook",
            Adapter::Email(_) => "email",
            Adapter::Kafka(_) => "kafka",
        }
    }
}

/// The HTTP client every notifier request goes through: no redirects (a signed delivery
/// must reach the configured URL or fail), bounded timeouts, and the extra trusted CA
/// certificates in `extra_ca_pem` (a private CA or a self-signed handler) on top of the
/// system's roots.
pub fn http_client(extra_ca_pem: &[reqwest::Certificate]) -> Result<reqwest::Client, AdapterError> {
    reqwest::Client::builder()
        .user_agent(concat!("takedown-notifier/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_merge(extra_ca_pem.iter().cloned())
        .build()
        .map_err(|e| AdapterError::Client(deliver::error_chain(&e)))
}

/// Reads every certificate of a PEM file (a CA bundle may hold several).
pub fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, AdapterError> {
    let shown = path.display().to_string();
    let pem = takedown_fsread::read(path, takedown_fsread::DOCUMENT_MAX_BYTES)?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| AdapterError::CaPem {
        path: shown.clone(),
        reason: deliver::error_chain(&e),
    })?;
    if certs.is_empty() {
        return Err(AdapterError::CaPem {
            path: shown,
            reason: "no BEGIN CERTIFICATE block".into(),
        });
    }
    Ok(certs)
}

/// A webhook endpoint and the client (with its trusted CAs) that reaches it.
pub struct WebhookAdapter {
    pub endpoint: PlatformEndpoint,
    client: reqwest::Client,
}

impl WebhookAdapter {
    /// A webhook reached with the system's roots plus `extra_ca`.
    pub fn new(
        endpoint: PlatformEndpoint,
        extra_ca: &[reqwest::Certificate],
    ) -> Result<Self, AdapterError> {
        Ok(Self {
            endpoint,
            client: http_client(extra_ca)?,
        })
    }
}

/// Mail to one address of the platform's IP desk.
pub struct EmailAdapter {
    sender: EmailSender,
    to: String,
}

impl EmailAdapter {
    /// Checks `to` now so that a typo is a start-up error, not a dead letter per notice.
    pub fn new(sender: EmailSender, to: &str) -> Result<Self, AdapterError> {
        to.parse::<lettre::message::Mailbox>()
            .map_err(|_| EmailError::Address {
                what: "the platform's address",
                address: to.to_owned(),
            })?;
        Ok(Self {
            sender,
            to: to.to_owned(),
        })
    }

    async fn deliver(&self, payload: &str) -> Outcome {
        #[derive(serde::Deserialize)]
        struct Wire {
            data: FiledNotice,
        }
        let filed = match serde_json::from_str::<Wire>(payload) {
            Ok(wire) => wire.data,
            // The payload is ours; one that does not decode will not decode next time either.
            Err(e) => return Outcome::Rejected(format!("stored payload is not a notice: {e}")),
        };
        match self.sender.send(&filed, &self.to).await {
            Ok(()) => Outcome::Sent {
                detail: format!("mailed to {}", self.to),
            },
            Err(EmailError::Smtp { source, .. }) if source.is_permanent() => {
                Outcome::Rejected(format!("SMTP relay refused the mail: {source}"))
            }
            Err(e @ EmailError::Smtp { .. }) => Outcome::Retry {
                reason: deliver::error_chain(&e),
                after: None,
            },
            Err(e) => Outcome::Rejected(e.to_string()),
        }
    }
}
