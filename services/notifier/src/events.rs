//! The notifier's observable events. Each variant names its level, message and fields once,
//! so every event about a notice carries `notice`, every event about a platform `platform`,
//! and a log query finds them all.

use std::{fmt::Display, time::Duration};

/// Something the notifier did that an operator may want to see.
pub enum Event<'a> {
    /// A platform accepted a notice and opened a case.
    Delivered {
        /// The notice id (the `webhook-id`).
        notice: &'a str,
        /// The platform's case id.
        case: &'a str,
    },
    /// A notice went out on a channel that answers with no case id (e-mail, Kafka).
    Sent {
        /// The notice id.
        notice: &'a str,
        /// What the channel said (the message id, the topic and offset).
        detail: &'a dyn Display,
    },
    /// The platform refused the notice; it is dead-lettered.
    Rejected {
        /// The notice id.
        notice: &'a str,
        /// The platform's reason.
        reason: &'a str,
    },
    /// The platform's endpoint answered 410 Gone; it is disabled.
    EndpointGone {
        /// The platform.
        platform: &'a str,
        /// What the endpoint said.
        reason: &'a str,
    },
    /// A delivery ran out of attempts.
    GaveUp {
        /// The notice id.
        notice: &'a str,
        /// The last failure, with the attempt count.
        reason: &'a str,
    },
    /// A delivery failed and will be retried.
    RetryScheduled {
        /// The notice id.
        notice: &'a str,
        /// Why it failed.
        reason: &'a str,
        /// When it is tried again.
        retry_in: Duration,
    },
    /// A delivery held back by the breaker or the rate limit (no attempt counted).
    HeldBack {
        /// The notice id.
        notice: &'a str,
        /// How long it waits.
        wait: Duration,
    },
    /// This notifier's claim on a delivery lapsed; another notifier owns it now.
    ClaimLapsed {
        /// The notice id.
        notice: &'a str,
        /// This notifier's claimant name.
        claimant: &'a str,
    },
    /// Renewing this notifier's claims failed (tried again next tick).
    ClaimRenewalFailed {
        /// This notifier's claimant name.
        claimant: &'a str,
        /// The store's error.
        error: &'a dyn Display,
    },
    /// A round of polling a platform's case feed failed (tried again next round).
    FeedPollFailed {
        /// The platform.
        platform: &'a str,
        /// Why.
        error: &'a dyn Display,
    },
}

impl Event<'_> {
    /// Writes the event to the `tracing` subscriber at its level.
    pub fn emit(&self) {
        match self {
            Event::Delivered { notice, case } => {
                tracing::info!(%notice, %case, "notice delivered");
            }
            Event::Sent { notice, detail } => tracing::info!(%notice, %detail, "notice sent"),
            Event::Rejected { notice, reason } => {
                tracing::warn!(%notice, %reason, "notice rejected by platform; dead-lettered");
            }
            Event::EndpointGone { platform, reason } => {
                tracing::error!(%platform, %reason, "endpoint gone; disabled");
            }
            Event::GaveUp { notice, reason } => {
                tracing::error!(%notice, %reason, "delivery dead-lettered");
            }
            Event::RetryScheduled {
                notice,
                reason,
                retry_in,
            } => {
                let retry_in_ms = millis(*retry_in);
                tracing::warn!(%notice, %reason, retry_in_ms, "delivery failed; will retry");
            }
            Event::HeldBack { notice, wait } => {
                let wait_ms = millis(*wait);
                tracing::debug!(%notice, wait_ms, "delivery held back by a safeguard");
            }
            Event::ClaimLapsed { notice, claimant } => tracing::warn!(
                %notice, %claimant,
                "claim lapsed; another notifier owns this delivery now"
            ),
            Event::ClaimRenewalFailed { claimant, error } => {
                tracing::warn!(%error, %claimant, "renewing delivery claims failed");
            }
            Event::FeedPollFailed { platform, error } => {
                tracing::warn!(%platform, %error, "case feed poll failed");
            }
        }
    }
}

/// A duration as whole milliseconds for a log field (saturating; no wait is that long).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
