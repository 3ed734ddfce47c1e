//! The actioner's observable events. Each variant names its level, message and fields once:
//! `owner`, `right`, `listing` and `notice` mean the same ids wherever they appear.

use std::fmt::Display;

/// Something the actioner decided that an operator may want to see.
pub enum Event<'a> {
    /// An owner's stored policy could not be read; the match waits for review.
    OwnerPolicyUnreadable {
        /// The owner's tenant id.
        owner: &'a str,
        /// Why it could not be read.
        why: &'a dyn Display,
    },
    /// A match names a right or owner the store does not have; it waits for review.
    UnknownRightOrOwner {
        /// The right the match names.
        right: &'a str,
        /// The owner the match names.
        owner: &'a str,
    },
    /// A composed notice lacks what its regime asks for; nothing is sent, the match waits
    /// for review.
    NoticeIncomplete {
        /// The listing the match is about.
        listing: &'a str,
        /// The right it matched.
        right: &'a str,
        /// The missing fields, by regime.
        incomplete: &'a dyn Display,
    },
    /// A capture's evidence-log reference could not be read; the notice is filed citing the
    /// capture and its digests only (`takedown evidence prove` gives the proof later).
    LogReferenceUnavailable {
        /// The listing the match is about.
        listing: &'a str,
        /// The capture cited.
        capture: &'a str,
        /// Why.
        why: &'a dyn Display,
    },
    /// Auto-filing is paused for an owner on a platform: too many of its recent notices there
    /// ended rejected or restored; the match waits for review.
    AutoFilingPaused {
        /// The owner's tenant id.
        owner: &'a str,
        /// The platform.
        platform: &'a str,
        /// Recent notices the platform decided.
        decided: u64,
        /// Of them, rejected or restored after a counter-notice.
        bad: u64,
        /// The share above which filing pauses.
        max_bad_share: f32,
    },
    /// The owner filed its daily cap of notices against one seller on a platform
    /// (`max_notices_per_seller_per_day`); the match waits for review.
    SellerCapReached {
        /// The owner's tenant id.
        owner: &'a str,
        /// The platform.
        platform: &'a str,
        /// The seller the match is against.
        seller: &'a str,
        /// Notices filed against the seller there in the last 24 hours.
        filed: u64,
        /// The cap.
        cap: u32,
    },
    /// A notice was filed (first time only; a redelivered match files nothing new).
    NoticeFiled {
        /// The notice id.
        notice: &'a str,
        /// The listing's URL (`listing` is an id everywhere).
        listing_url: &'a str,
        /// The regime it was composed for.
        regime: &'a str,
    },
}

impl Event<'_> {
    /// Writes the event to the `tracing` subscriber at its level.
    pub fn emit(&self) {
        match self {
            Event::AutoFilingPaused {
                owner,
                platform,
                decided,
                bad,
                max_bad_share,
            } => {
                metrics::counter!("takedown_auto_filing_paused_total", "platform" => platform.to_string())
                    .increment(1);
                tracing::warn!(
                    %owner, %platform, decided, bad, max_bad_share,
                    "auto-filing paused: {bad} of {decided} recent notices on this platform ended rejected or restored (more than {:.0} %); match queued for review",
                    max_bad_share * 100.0
                )
            }
            Event::SellerCapReached {
                owner,
                platform,
                seller,
                filed,
                cap,
            } => {
                metrics::counter!("takedown_seller_cap_reached_total", "platform" => platform.to_string())
                    .increment(1);
                tracing::warn!(
                    %owner, %platform, %seller, filed, cap,
                    "per-seller daily cap reached: {filed} notices against this seller on this platform in 24 h; match queued for review"
                )
            }
            Event::OwnerPolicyUnreadable { owner, why } => tracing::error!(
                %owner, %why,
                "the owner's stored policy is unreadable; match queued for review"
            ),
            Event::UnknownRightOrOwner { right, owner } => tracing::error!(
                %right, %owner,
                "match names an unknown right or owner; queued for review instead"
            ),
            Event::NoticeIncomplete {
                listing,
                right,
                incomplete,
            } => tracing::error!(
                %listing, %right, %incomplete,
                "notice not filed; queued for review"
            ),
            Event::LogReferenceUnavailable {
                listing,
                capture,
                why,
            } => tracing::warn!(
                %listing, %capture, %why,
                "evidence log reference unavailable; the notice cites the capture without it"
            ),
            Event::NoticeFiled {
                notice,
                listing_url,
                regime,
            } => tracing::info!(%notice, %listing_url, %regime, "notice filed"),
        }
    }
}
