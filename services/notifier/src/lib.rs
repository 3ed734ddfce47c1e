//! The notifier stage: consumes `notices` into a durable outbox (one row per notice id), and
//! drains the outbox by POSTing each notice to its platform's handler as a signed webhook.
//!
//! Exactly-once effect on the platform: the notice id is the `webhook-id`, the platform's
//! idempotency key. A crash after the POST but before the outbox row is marked sends it again
//! with the same id, and the handler answers with the case it already opened.
//!
//! Module map:
//! - [`endpoint`]: where each platform receives notices and the secret to sign with.
//! - [`deliver`]: one signed POST and what its answer means.
//! - this file: the consumer and the outbox loop with back-off.

pub mod deliver;
pub mod endpoint;

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::Utc;
use takedown_bus::{Bus, BusError, Topic, consume_decoded};
use takedown_model::{CaseEvent, CaseEventKind, Envelope, Notice};
use takedown_store::{Store, StoreError};
use tokio_util::sync::CancellationToken;

pub use deliver::Outcome;
pub use endpoint::PlatformEndpoint;

pub const GROUP: &str = "notifier";

/// How often the outbox is looked at when nothing wakes it.
const OUTBOX_TICK: Duration = Duration::from_millis(200);

#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

pub struct Notifier {
    pub bus: Arc<dyn Bus>,
    pub store: Store,
    endpoints: HashMap<String, PlatformEndpoint>,
    client: reqwest::Client,
}

impl Notifier {
    pub fn new(
        bus: Arc<dyn Bus>,
        store: Store,
        endpoints: Vec<PlatformEndpoint>,
    ) -> Result<Self, NotifierError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("takedown-notifier/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NotifierError::Client(e.to_string()))?;
        let endpoints = endpoints
            .into_iter()
            .map(|e| (e.platform.clone(), e))
            .collect();
        Ok(Self {
            bus,
            store,
            endpoints,
            client,
        })
    }

    /// Moves notices from the topic into the outbox until cancelled.
    pub async fn run(&self, cancel: &CancellationToken) -> Result<(), NotifierError> {
        consume_decoded(
            self.bus.as_ref(),
            GROUP,
            Topic::Notices,
            cancel,
            Envelope::<Notice>::decode,
            |x| self.enqueue(x),
        )
        .await
    }

    async fn enqueue(&self, notice: Notice) -> Result<(), NotifierError> {
        let body = deliver::wire_body(&notice);
        self.store.enqueue_delivery(&notice, &body).await?;
        Ok(())
    }

    /// Drains the outbox until cancelled.
    pub async fn deliver_loop(&self, cancel: &CancellationToken) -> Result<(), NotifierError> {
        while !cancel.is_cancelled() {
            let due = self.store.due_deliveries(Utc::now(), 16).await?;
            for delivery in &due {
                self.attempt(delivery).await?;
            }
            if due.is_empty() {
                tokio::select! {
                    () = tokio::time::sleep(OUTBOX_TICK) => {}
                    () = cancel.cancelled() => {}
                }
            }
        }
        Ok(())
    }

    async fn attempt(&self, delivery: &takedown_store::Delivery) -> Result<(), NotifierError> {
        let outcome = match self.endpoints.get(&delivery.platform) {
            Some(endpoint) => {
                deliver::post(
                    &self.client,
                    endpoint,
                    &delivery.notice_id,
                    &delivery.payload,
                )
                .await
            }
            None => Outcome::Retry(format!(
                "no endpoint is configured for platform {:?}",
                delivery.platform
            )),
        };
        let event = |kind, case_id: Option<String>, detail: Option<String>| CaseEvent {
            notice_id: delivery.notice_id.clone(),
            kind,
            case_id,
            detail,
            at: Utc::now(),
        };
        match outcome {
            Outcome::Accepted { case_id } => {
                tracing::info!(notice = %delivery.notice_id, case = %case_id, "notice delivered");
                self.store
                    .finish_delivery(&delivery.notice_id, Some(&case_id), None)
                    .await?;
                let e = event(CaseEventKind::Acknowledged, Some(case_id), None);
                self.bus
                    .publish(Topic::CaseEvents, &e.notice_id, &Envelope::encode(&e))
                    .await?;
            }
            Outcome::Rejected(reason) => {
                tracing::warn!(notice = %delivery.notice_id, %reason, "notice rejected by platform");
                self.store
                    .finish_delivery(&delivery.notice_id, None, Some(&reason))
                    .await?;
                let e = event(CaseEventKind::Rejected, None, Some(reason));
                self.bus
                    .publish(Topic::CaseEvents, &e.notice_id, &Envelope::encode(&e))
                    .await?;
            }
            Outcome::Retry(reason) => {
                let wait = backoff(delivery.attempts);
                tracing::warn!(notice = %delivery.notice_id, %reason, retry_in_ms = wait.as_millis() as u64, "delivery failed; will retry");
                let next = Utc::now()
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
                self.store
                    .retry_delivery(&delivery.notice_id, &reason, next)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Exponential back-off from 250 ms, capped at 5 minutes, with ±20% jitter so that many
/// notices to one recovering platform do not arrive in lockstep.
pub fn backoff(attempts: u32) -> Duration {
    let base_ms = 250u64.saturating_mul(1u64 << attempts.min(16)).min(300_000);
    let jitter = rand::random_range(0.8..1.2);
    Duration::from_millis((base_ms as f64 * jitter) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= Duration::from_millis(300));
        assert!(backoff(3) >= Duration::from_millis(1600));
        assert!(backoff(40) <= Duration::from_secs(360));
        assert!(backoff(40) >= Duration::from_secs(240));
    }
}
