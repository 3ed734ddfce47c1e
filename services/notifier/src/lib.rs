//! The notifier stage: consumes `notices` into a durable outbox (one row per notice id), and
//! drains the outbox by sending each notice to its platform through the platform's adapter:
//! a signed webhook, an e-mail, or a signed record on the platform's Kafka topic.
//!
//! Exactly-once effect on the platform: the notice id is the `webhook-id`, the platform's
//! idempotency key. A crash after the POST but before the outbox row is marked sends it again
//! with the same id, and the handler answers with the case it already opened.
//!
//! Safeguards per platform: a circuit breaker (stop sending to a platform that keeps
//! failing, probe after a cool-down), a rate limit, and dead letters — notices the platform
//! refused, that ran out of attempts, or whose endpoint answered 410 Gone are kept with the
//! reason, listed by [`Store::dead_letters`] and put back by [`Store::requeue`]. A delivery
//! held back by the breaker or the rate limit is postponed without counting an attempt.
//!
//! Module map:
//! - [`config`]: [`NotifierConfig`] (`[[platforms]]`): each platform's delivery, safeguards
//!   and case feed; `build` makes the stage.
//! - [`adapter`]: how a notice reaches a platform (webhook, e-mail, Kafka).
//! - [`endpoint`]: where each platform receives notices and the secret to sign with.
//! - [`deliver`]: one signed POST and what its answer means.
//! - [`email`]: the e-mail adapter (SMTP via lettre): readable text, the notice attached.
//! - [`kafka`]: the Kafka adapter: the signed notice as a record on the platform's topic.
//! - [`events`]: every event the notifier logs, its level and fields named once.
//! - [`feed`]: polls each platform's case-event feed and publishes the case's progress.
//! - [`breaker`], [`ratelimit`]: the per-platform safeguards, with time as a parameter.
//! - this file: the consumer and the outbox loop with back-off.

#![forbid(unsafe_code)]

pub mod adapter;
pub mod breaker;
pub mod config;
pub mod deliver;
pub mod email;
pub mod endpoint;
pub mod events;
pub mod feed;
pub mod kafka;
pub mod ratelimit;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use takedown_bus::{Bus, BusError, Topic, consume_decoded};
use takedown_model::{CaseEvent, CaseEventKind, Envelope, notice::FiledNotice};
use takedown_store::{Store, StoreError};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::events::Event;

pub use adapter::{Adapter, AdapterError, EmailAdapter, WebhookAdapter};
pub use breaker::CircuitBreaker;
pub use config::{NotifierConfig, NotifierConfigError, NotifierStage, PlatformConfig};
pub use deliver::Outcome;
pub use endpoint::PlatformEndpoint;
pub use kafka::{KafkaAdapter, KafkaAdapterError, KafkaTarget};
pub use ratelimit::RateLimit;
/// Re-exported so a caller can name the client and certificate types the adapters take
/// without depending on reqwest itself.
pub use reqwest;

pub const GROUP: &str = "notifier";

/// How often the outbox is looked at when nothing wakes it.
const OUTBOX_TICK: Duration = Duration::from_millis(200);

/// How long a claim on a delivery lasts unless renewed. A live notifier renews its claims
/// every third of this while it works (an attempt may take the adapter's whole 30 s
/// timeout), so only a killed notifier's claims lapse, and another notifier takes them over
/// this long after the kill.
pub const CLAIM_LEASE: Duration = Duration::from_secs(10);

/// Deliveries claimed at once: they are attempted one after another, so a small batch keeps
/// the others free for a second notifier.
const CLAIM_BATCH: u32 = 8;

#[derive(Debug, thiserror::Error)]
pub enum NotifierError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}

/// The delivery safeguards of one platform (each platform has its own state).
#[derive(Debug, Clone, PartialEq)]
pub struct Safeguards {
    /// Consecutive failures (unreachable, 5xx) that open a platform's circuit.
    pub failure_threshold: u32,
    /// How long an open circuit waits before one probe.
    pub cool_down: Duration,
    /// Notices per second to one platform, on average.
    pub per_second: f64,
    /// Notices that may go to one platform at once after a quiet spell.
    pub burst: u32,
    /// Attempts after which a delivery is dead-lettered instead of retried.
    pub max_attempts: u32,
}

impl Default for Safeguards {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cool_down: Duration::from_secs(10),
            per_second: 10.0,
            burst: 20,
            // With the back-off capped at 5 minutes this is about three days, as Standard
            // Webhooks suggests.
            max_attempts: 850,
        }
    }
}

/// One platform's safeguard state.
struct Guard {
    breaker: CircuitBreaker,
    rate: RateLimit,
    /// Set when the endpoint answered 410 Gone: nothing more is sent to it.
    disabled: Option<String>,
}

/// Where one platform's notices go and the safeguards that pace them.
pub struct Route {
    pub platform: String,
    pub adapter: Adapter,
    pub safeguards: Safeguards,
}

impl Route {
    /// A webhook route with the default safeguards and the system's TLS roots.
    pub fn webhook(endpoint: PlatformEndpoint) -> Result<Self, AdapterError> {
        Ok(Self {
            platform: endpoint.platform.clone(),
            adapter: Adapter::Webhook(WebhookAdapter::new(endpoint, &[])?),
            safeguards: Safeguards::default(),
        })
    }
}

pub struct Notifier {
    pub bus: Arc<dyn Bus>,
    pub store: Store,
    /// Names this notifier in the outbox's claims: unique per instance, so two notifiers (in
    /// one process or two) never mistake each other's claims for their own.
    claimant: String,
    routes: HashMap<String, Route>,
    /// For a platform with no route (its deliveries wait until one is configured).
    default_safeguards: Safeguards,
    guards: Mutex<HashMap<String, Guard>>,
}

impl Notifier {
    /// A notifier delivering by webhook to each of `endpoints`, with default safeguards.
    pub fn new(
        bus: Arc<dyn Bus>,
        store: Store,
        endpoints: Vec<PlatformEndpoint>,
    ) -> Result<Self, NotifierError> {
        let routes = endpoints
            .into_iter()
            .map(Route::webhook)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::with_routes(bus, store, routes))
    }

    /// A notifier with one route (adapter and safeguards) per platform.
    pub fn with_routes(bus: Arc<dyn Bus>, store: Store, routes: Vec<Route>) -> Self {
        Self {
            bus,
            store,
            claimant: format!(
                "notifier-{}-{:016x}",
                std::process::id(),
                rand::random::<u64>()
            ),
            routes: routes
                .into_iter()
                .map(|r| (r.platform.clone(), r))
                .collect(),
            default_safeguards: Safeguards::default(),
            guards: Mutex::new(HashMap::new()),
        }
    }

    /// Replaces the safeguards of every platform.
    pub fn with_safeguards(mut self, safeguards: Safeguards) -> Self {
        for route in self.routes.values_mut() {
            route.safeguards = safeguards.clone();
        }
        self.default_safeguards = safeguards;
        self
    }

    /// The name this notifier's claims on deliveries carry.
    pub fn claimant(&self) -> &str {
        &self.claimant
    }

    fn safeguards(&self, platform: &str) -> &Safeguards {
        self.routes
            .get(platform)
            .map_or(&self.default_safeguards, |r| &r.safeguards)
    }

    /// Runs `f` on `platform`'s safeguard state, creating it on first use.
    fn guard<R>(&self, platform: &str, f: impl FnOnce(&mut Guard) -> R) -> R {
        // A poisoned lock only means another delivery panicked mid-update; the state is
        // still usable counters.
        let mut guards = self
            .guards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let guard = guards.entry(platform.to_owned()).or_insert_with(|| {
            let safeguards = self.safeguards(platform);
            Guard {
                breaker: CircuitBreaker::new(safeguards.failure_threshold, safeguards.cool_down),
                rate: RateLimit::new(safeguards.per_second, safeguards.burst),
                disabled: None,
            }
        });
        f(guard)
    }

    /// Moves notices from the topic into the outbox until cancelled.
    pub async fn run(&self, cancel: &CancellationToken) -> Result<(), NotifierError> {
        consume_decoded(
            self.bus.as_ref(),
            GROUP,
            Topic::Notices,
            cancel,
            Envelope::<FiledNotice>::decode,
            |x| self.enqueue(x),
        )
        .await
    }

    async fn enqueue(&self, filed: FiledNotice) -> Result<(), NotifierError> {
        let body = deliver::wire_body(&filed);
        self.store.enqueue_delivery(&filed.notice, &body).await?;
        Ok(())
    }

    /// Drains the outbox until cancelled.
    pub async fn deliver_loop(&self, cancel: &CancellationToken) -> Result<(), NotifierError> {
        while !cancel.is_cancelled() {
            let handled = self.drain_once_at(Utc::now()).await?;
            if handled == 0 {
                tokio::select! {
                    () = tokio::time::sleep(OUTBOX_TICK) => {}
                    () = cancel.cancelled() => {}
                }
            }
        }
        Ok(())
    }

    /// Claims the deliveries due at `now` that no other notifier holds and handles them once
    /// (sent, postponed by a safeguard, or dead-lettered); returns how many it claimed. `now`
    /// is a parameter so tests can look past a back-off or a `Retry-After` without waiting.
    /// While it works, a task renews the claims so they do not lapse under a slow platform.
    pub async fn drain_once_at(&self, now: DateTime<Utc>) -> Result<usize, NotifierError> {
        let due = self
            .store
            .claim_deliveries(
                &self.claimant,
                now,
                now + to_chrono(CLAIM_LEASE),
                CLAIM_BATCH,
            )
            .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let renewal = tokio::spawn(renew_claims(self.store.clone(), self.claimant.clone(), now));
        let mut result = Ok(());
        for delivery in &due {
            result = self.attempt(delivery, now).await;
            if result.is_err() {
                break;
            }
        }
        renewal.abort();
        result.map(|()| due.len())
    }

    /// Logs an outbox write refused because this notifier's claim lapsed (it was too slow or
    /// cut off from the store) and another notifier took the delivery over: that one decides
    /// now; the platform de-duplicates by notice id if both sent it.
    fn check_claim(&self, notice_id: &str, held: bool) {
        if !held {
            Event::ClaimLapsed {
                notice: notice_id,
                claimant: &self.claimant,
            }
            .emit();
        }
    }

    async fn attempt(
        &self,
        delivery: &takedown_store::Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), NotifierError> {
        let instant = Instant::now();
        if let Err(held) = self.check_safeguards(&delivery.platform, instant) {
            return self.hold(delivery.notice_id.as_str(), held, now).await;
        }
        let outcome = self.send(delivery).await;
        self.settle(delivery, outcome, instant, now).await
    }

    /// Whether the platform's safeguards (disabled endpoint, open breaker, rate limit) let a
    /// delivery go at `instant`; taking a rate-limit token when they do.
    fn check_safeguards(&self, platform: &str, instant: Instant) -> Result<(), Held> {
        self.guard(platform, |g| {
            if let Some(why) = &g.disabled {
                return Err(Held::Disabled(why.clone()));
            }
            g.breaker
                .allow(instant)
                .map_err(|until| Held::Until(until.saturating_duration_since(instant)))?;
            g.rate.try_acquire(instant).map_err(Held::Until)
        })
    }

    /// Handles a delivery the safeguards held: dead-letters it for a disabled endpoint,
    /// postpones it until the breaker or rate limit lets it go.
    async fn hold(
        &self,
        notice_id: &str,
        held: Held,
        now: DateTime<Utc>,
    ) -> Result<(), NotifierError> {
        match held {
            Held::Disabled(why) => {
                let reason = format!("endpoint disabled: {why}");
                let held = self.dead_letter(notice_id, &reason).await?;
                if !held {
                    return Ok(());
                }
                self.publish(notice_id, CaseEventKind::DeliveryFailed, None, Some(reason))
                    .await
            }
            Held::Until(wait) => {
                Event::HeldBack {
                    notice: notice_id,
                    wait,
                }
                .emit();
                let held = self
                    .store
                    .postpone_delivery(notice_id, &self.claimant, now + to_chrono(wait))
                    .await?;
                self.check_claim(notice_id, held);
                Ok(())
            }
        }
    }

    /// Sends the delivery through its platform's adapter; a platform with no route is a retry.
    async fn send(&self, delivery: &takedown_store::Delivery) -> Outcome {
        match self.routes.get(&delivery.platform) {
            Some(route) => {
                route
                    .adapter
                    .deliver(delivery.notice_id.as_str(), &delivery.payload)
                    .await
            }
            None => Outcome::Retry {
                reason: format!(
                    "no endpoint is configured for platform {:?}",
                    delivery.platform
                ),
                after: None,
            },
        }
    }

    /// Records the platform's answer: breaker, log, case event and outbox.
    async fn settle(
        &self,
        delivery: &takedown_store::Delivery,
        outcome: Outcome,
        instant: Instant,
        now: DateTime<Utc>,
    ) -> Result<(), NotifierError> {
        let notice_id = delivery.notice_id.as_str();
        match outcome {
            Outcome::Accepted { case_id } => {
                self.on_accepted(&delivery.platform, notice_id, case_id)
                    .await?;
            }
            Outcome::Sent { detail } => {
                // No case id on this channel: the notice is out of the outbox, and the case
                // id arrives through the platform's case-event feed when it has one.
                self.guard(&delivery.platform, |g| g.breaker.record_success());
                Event::Sent {
                    notice: notice_id,
                    detail: &detail,
                }
                .emit();
                let held = self
                    .store
                    .finish_delivery(notice_id, &self.claimant, None, None)
                    .await?;
                self.check_claim(notice_id, held);
            }
            Outcome::Rejected(reason) => {
                self.on_rejected(&delivery.platform, notice_id, reason)
                    .await?;
            }
            Outcome::Gone(reason) => {
                self.on_gone(&delivery.platform, notice_id, reason).await?;
            }
            Outcome::Retry { reason, after } => {
                self.guard(&delivery.platform, |g| g.breaker.record_failure(instant));
                return self.on_retry(delivery, reason, after, now).await;
            }
        }
        Ok(())
    }

    /// The platform accepted the notice and opened a case.
    async fn on_accepted(
        &self,
        platform: &str,
        notice_id: &str,
        case_id: String,
    ) -> Result<(), NotifierError> {
        self.guard(platform, |g| g.breaker.record_success());
        Event::Delivered {
            notice: notice_id,
            case: &case_id,
        }
        .emit();
        // The case event first, then the outbox: a crash between the two sends the
        // notice again (the platform de-duplicates by notice id and answers the same
        // case) and publishes the event again (idempotent downstream, keyed by
        // notice id). The other order lost the acknowledgement for good: the outbox
        // said delivered while the notice stayed "filed".
        self.publish(
            notice_id,
            CaseEventKind::Acknowledged,
            Some(case_id.clone()),
            None,
        )
        .await?;
        let held = self
            .store
            .finish_delivery(notice_id, &self.claimant, Some(&case_id), None)
            .await?;
        self.check_claim(notice_id, held);
        Ok(())
    }

    /// The platform refused the notice itself.
    async fn on_rejected(
        &self,
        platform: &str,
        notice_id: &str,
        reason: String,
    ) -> Result<(), NotifierError> {
        // The platform answered: it is up, the notice is what it refused.
        self.guard(platform, |g| g.breaker.record_success());
        Event::Rejected {
            notice: notice_id,
            reason: &reason,
        }
        .emit();
        // Event before outbox, as for an acceptance: the platform's answer is final
        // whoever holds the claim.
        self.publish(
            notice_id,
            CaseEventKind::Rejected,
            None,
            Some(reason.clone()),
        )
        .await?;
        self.dead_letter(notice_id, &reason).await?;
        Ok(())
    }

    /// The platform's endpoint is gone for good: disable it and dead-letter the delivery.
    async fn on_gone(
        &self,
        platform: &str,
        notice_id: &str,
        reason: String,
    ) -> Result<(), NotifierError> {
        Event::EndpointGone {
            platform,
            reason: &reason,
        }
        .emit();
        self.guard(platform, |g| g.disabled = Some(reason.clone()));
        let reason = format!("endpoint disabled: {reason}");
        self.dead_letter(notice_id, &reason).await?;
        self.publish(notice_id, CaseEventKind::DeliveryFailed, None, Some(reason))
            .await
    }

    /// A transient failure: schedule the next try after the back-off (or the platform's
    /// `Retry-After`), or give up after the platform's most attempts.
    async fn on_retry(
        &self,
        delivery: &takedown_store::Delivery,
        reason: String,
        after: Option<Duration>,
        now: DateTime<Utc>,
    ) -> Result<(), NotifierError> {
        let notice_id = delivery.notice_id.as_str();
        if delivery.attempts + 1 >= self.safeguards(&delivery.platform).max_attempts {
            let reason = format!("gave up after {} attempts: {reason}", delivery.attempts + 1);
            Event::GaveUp {
                notice: notice_id,
                reason: &reason,
            }
            .emit();
            if !self.dead_letter(notice_id, &reason).await? {
                return Ok(());
            }
            return self
                .publish(notice_id, CaseEventKind::DeliveryFailed, None, Some(reason))
                .await;
        }
        let wait = backoff(delivery.attempts).max(after.unwrap_or_default());
        Event::RetryScheduled {
            notice: notice_id,
            reason: &reason,
            retry_in: wait,
        }
        .emit();
        let held = self
            .store
            .retry_delivery(notice_id, &self.claimant, &reason, now + to_chrono(wait))
            .await?;
        self.check_claim(notice_id, held);
        Ok(())
    }

    /// Dead-letters a delivery this notifier holds; false (logged) when its claim lapsed.
    async fn dead_letter(&self, notice_id: &str, reason: &str) -> Result<bool, NotifierError> {
        let held = self
            .store
            .dead_letter_claimed(notice_id, &self.claimant, reason)
            .await?;
        self.check_claim(notice_id, held);
        Ok(held)
    }

    async fn publish(
        &self,
        notice_id: &str,
        kind: CaseEventKind,
        case_id: Option<String>,
        detail: Option<String>,
    ) -> Result<(), NotifierError> {
        let event = CaseEvent {
            notice_id: notice_id.to_owned(),
            kind,
            case_id,
            detail,
            at: Utc::now(),
        };
        self.bus
            .publish(Topic::CaseEvents, notice_id, &Envelope::encode(&event))
            .await?;
        Ok(())
    }
}

/// Keeps `claimant`'s claims alive until aborted: every third of the lease, pushes them to a
/// lease past the later of `now` (the drain's, maybe a test's future time) and the clock.
async fn renew_claims(store: Store, claimant: String, now: DateTime<Utc>) {
    let mut tick = tokio::time::interval(CLAIM_LEASE / 3);
    tick.tick().await; // the first tick is immediate; the claim is fresh
    loop {
        tick.tick().await;
        let until = now.max(Utc::now()) + to_chrono(CLAIM_LEASE);
        if let Err(e) = store.renew_claims(&claimant, until).await {
            // The next tick tries again; if the store stays away the claims lapse, which is
            // what a notifier that cannot record its work should let happen.
            Event::ClaimRenewalFailed {
                claimant: &claimant,
                error: &e,
            }
            .emit();
        }
    }
}

/// Why a delivery was not tried now.
enum Held {
    Disabled(String),
    Until(Duration),
}

fn to_chrono(wait: Duration) -> chrono::Duration {
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60))
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
