//! The actioner stage, the owner's side of a case.
//!
//! Module map:
//! - [`owner_policy`]: reads the thresholds an owner sets through the API, which replace the
//!   configured ones for that owner's matches.
//! - `takedown_filing` (re-exported as [`policy`], [`compose`], [`validate`]): the filing
//!   policy, composing a notice, and what each regime requires — shared with the API, which
//!   files approved matches the same way.
//! - [`events`]: every event the actioner logs, its level and fields named once.
//! - this file: the two consumers — `matches` (decide, store, file) and `case-events`
//!   (follow each notice at the platform).
//!
//! Idempotent: the match is upserted by its id, the notice is inserted only if absent (its id
//! derives from the match's), and it is published again on every redelivery so a crash
//! between insert and publish loses nothing; the notifier's outbox absorbs the repeats.

#![forbid(unsafe_code)]

mod config;
pub mod events;
pub mod owner_policy;

pub use takedown_filing::{compose, policy, validate};

use std::sync::Arc;

use takedown_bus::{Bus, BusError, Topic, consume_decoded};
use takedown_model::{CaseEvent, CaseEventKind, Decision, Envelope, Match, NoticeStatus};
use takedown_store::{Store, StoreError};
use tokio_util::sync::CancellationToken;

pub use config::ActionerConfig;
pub use takedown_filing::{KindThresholds, Policy, Threshold, ThresholdOutOfRange};

pub const GROUP: &str = "actioner";
pub const CASE_GROUP: &str = "case-tracker";

#[derive(Debug, thiserror::Error)]
pub enum ActionerError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Actioner {
    pub bus: Arc<dyn Bus>,
    pub store: Store,
    pub policy: Policy,
}

impl Actioner {
    /// Consumes matches until cancelled.
    pub async fn run(&self, cancel: &CancellationToken) -> Result<(), ActionerError> {
        consume_decoded(
            self.bus.as_ref(),
            GROUP,
            Topic::Matches,
            cancel,
            Envelope::<Match>::decode,
            |x| self.handle_match(x),
        )
        .await
    }

    /// Consumes case events until cancelled.
    pub async fn track_cases(&self, cancel: &CancellationToken) -> Result<(), ActionerError> {
        consume_decoded(
            self.bus.as_ref(),
            CASE_GROUP,
            Topic::CaseEvents,
            cancel,
            Envelope::<CaseEvent>::decode,
            |x| self.handle_event(x),
        )
        .await
    }

    async fn handle_match(&self, found: Match) -> Result<(), ActionerError> {
        let decision = match owner_policy::Stored::load(&self.store, &found.owner_id).await? {
            owner_policy::Stored::None => self.policy.decide(&found),
            owner_policy::Stored::Policy(owner) => owner.decide(&found),
            owner_policy::Stored::Unreadable(why) => {
                events::Event::OwnerPolicyUnreadable {
                    owner: &found.owner_id,
                    why: &why,
                }
                .emit();
                Decision::Review
            }
        };
        let decision = match decision {
            Decision::AutoFile if self.auto_filing_paused(&found).await? => Decision::Review,
            Decision::AutoFile if self.seller_cap_reached(&found).await? => Decision::Review,
            other => other,
        };
        self.store.upsert_match(&found, decision).await?;
        if decision != Decision::AutoFile {
            return Ok(());
        }
        let owner = self.store.tenant(&found.owner_id).await?;
        let right = self
            .store
            .rights()
            .await?
            .into_iter()
            .find(|r| r.id == found.right_id);
        let (Some(owner), Some(right)) = (owner, right) else {
            events::Event::UnknownRightOrOwner {
                right: &found.right_id,
                owner: &found.owner_id,
            }
            .emit();
            self.store.upsert_match(&found, Decision::Review).await?;
            return Ok(());
        };
        let listing = self.store.listing(&found.listing_id).await?;
        let mut captures = Vec::new();
        let mut ids = vec![found.capture_id.as_str()];
        if let Some(listing) = &listing {
            ids.extend(
                listing
                    .images
                    .iter()
                    .filter_map(|i| i.capture_id.as_deref()),
            );
        }
        for id in ids {
            if let Some(capture) = self.store.capture(id).await? {
                captures.push(capture);
            }
        }
        let mut filed = compose::filed(
            &found,
            &right,
            &owner,
            listing.as_ref(),
            &captures,
            &self.policy,
        );
        // Each capture's place in the evidence log, proven against the latest checkpoint. A
        // log that cannot answer does not hold a notice back: it goes citing the capture.
        for item in &mut filed.items {
            for evidence in &mut item.evidence {
                evidence.log = match self.store.log_reference(&evidence.capture_id).await {
                    Ok(reference) => reference,
                    Err(why) => {
                        events::Event::LogReferenceUnavailable {
                            listing: &found.listing_id,
                            capture: &evidence.capture_id,
                            why: &why,
                        }
                        .emit();
                        None
                    }
                };
            }
        }
        if let Err(incomplete) = validate::validate(&filed) {
            // Nothing incomplete is sent: a person completes the owner's details and reviews.
            events::Event::NoticeIncomplete {
                listing: &found.listing_id,
                right: &found.right_id,
                incomplete: &incomplete,
            }
            .emit();
            self.store.upsert_match(&found, Decision::Review).await?;
            return Ok(());
        }
        let notice = &filed.notice;
        if self.store.insert_notice(notice).await? {
            events::Event::NoticeFiled {
                notice: &notice.id,
                listing_url: &notice.listing_url,
                regime: filed.regime.as_str(),
            }
            .emit();
        }
        self.bus
            .publish(Topic::Notices, &notice.platform, &Envelope::encode(&filed))
            .await?;
        Ok(())
    }

    /// Whether the owner filed `Policy::max_notices_per_seller_per_day` notices against the
    /// match's seller on its platform in the last 24 hours; says so when they did.
    async fn seller_cap_reached(&self, found: &Match) -> Result<bool, ActionerError> {
        let Some(cap) = self.policy.max_notices_per_seller_per_day else {
            return Ok(false);
        };
        let since = chrono::Utc::now() - chrono::Duration::hours(24);
        let filed = self
            .store
            .notices_against_seller(
                &found.owner_id,
                &found.platform,
                &found.seller,
                since,
                &found.id,
            )
            .await?;
        let reached = filed >= u64::from(cap);
        if reached {
            events::Event::SellerCapReached {
                owner: &found.owner_id,
                platform: &found.platform,
                seller: &found.seller,
                filed,
                cap,
            }
            .emit();
        }
        Ok(reached)
    }

    /// Whether the owner's recent notices on the match's platform ended badly often enough
    /// to pause auto-filing there (`Policy::auto_file_pause`); says so when they did.
    async fn auto_filing_paused(&self, found: &Match) -> Result<bool, ActionerError> {
        let pause = self.policy.auto_file_pause;
        let since = chrono::Utc::now() - chrono::Duration::days(i64::from(pause.window_days));
        let outcomes = self
            .store
            .notice_outcomes(&found.owner_id, &found.platform, since)
            .await?;
        let paused = pause.pauses(outcomes.decided, outcomes.bad);
        if paused {
            events::Event::AutoFilingPaused {
                owner: &found.owner_id,
                platform: &found.platform,
                decided: outcomes.decided,
                bad: outcomes.bad,
                max_bad_share: pause.max_bad_share.get(),
            }
            .emit();
        }
        Ok(paused)
    }

    async fn handle_event(&self, event: CaseEvent) -> Result<(), ActionerError> {
        let status = match event.kind {
            CaseEventKind::Acknowledged => NoticeStatus::Acknowledged,
            CaseEventKind::Rejected => NoticeStatus::Rejected,
            CaseEventKind::DeliveryFailed => NoticeStatus::DeliveryFailed,
            // Telling the seller changes nothing for the owner: measures are in place.
            CaseEventKind::MeasuresTaken | CaseEventKind::SellerNotified => {
                NoticeStatus::MeasuresTaken
            }
            CaseEventKind::CounterNoticeReceived | CaseEventKind::CounterNoticeForwarded => {
                NoticeStatus::CounterNotice
            }
            CaseEventKind::Escalated => NoticeStatus::Escalated,
            CaseEventKind::ComplaintReceived => NoticeStatus::Complaint,
            CaseEventKind::ComplaintUpheld => NoticeStatus::MeasuresTaken,
            CaseEventKind::ComplaintDismissed => NoticeStatus::Rejected,
            CaseEventKind::MeasuresEnded | CaseEventKind::ClosedRestored => {
                NoticeStatus::ClosedRestored
            }
            CaseEventKind::ClosedUpheld => NoticeStatus::ClosedUpheld,
            CaseEventKind::Withdrawn => NoticeStatus::Withdrawn,
        };
        self.store.record_case_event(&event, status).await?;
        Ok(())
    }
}
