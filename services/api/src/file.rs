//! Approval files a notice: the owner's approval of a queued match composes, validates,
//! stores and publishes the notice exactly as the actioner does for an auto-filed match
//! (`takedown_filing::compose` + `validate`, `Store::insert_notice`, `Topic::Notices`),
//! so the notifier delivers it the same way.
//!
//! Idempotent: the notice id derives from the match id, `insert_notice` keeps the first, and
//! publishing again is absorbed by the notifier's outbox (one row per notice id). A second
//! approval therefore files nothing new but re-publishes, which also heals a crash between
//! the decision and the publish.

use std::sync::Arc;

use takedown_bus::{Bus, Topic};
use takedown_filing::{Policy, compose, validate};
use takedown_model::{Envelope, Match, notice::FiledNotice};
use takedown_store::Store;

use crate::error::ApiError;

/// Where filed notices go, and the policy (regimes, statements) notices are composed under.
#[derive(Clone)]
pub struct Filer {
    /// The bus the notifier consumes `notices` from; `None` stores the notice only (a
    /// process without a pipeline, e.g. tests of the API alone).
    pub bus: Option<Arc<dyn Bus>>,
    pub policy: Arc<Policy>,
}

impl Default for Filer {
    fn default() -> Self {
        Self {
            bus: None,
            policy: Arc::new(Policy::default()),
        }
    }
}

impl Filer {
    /// Composes and validates the notice for `found` (owned by `found.owner_id`, which the
    /// caller has already checked); nothing is stored yet. An incomplete notice is a
    /// validation error naming every missing field, so the owner can complete its details
    /// and approve again.
    pub async fn compose(&self, store: &Store, found: &Match) -> Result<FiledNotice, ApiError> {
        let owner = store
            .tenant(&found.owner_id)
            .await?
            .ok_or(ApiError::NotFound)?;
        let right = store
            .rights_of(&found.owner_id)
            .await?
            .into_iter()
            .find(|r| r.id == found.right_id)
            .ok_or_else(|| {
                ApiError::invalid("right_id", "the match names a right that is not registered")
            })?;
        let listing = store.listing(&found.listing_id).await?;
        // The evidence captures at hand, for their digests (as the actioner gathers them).
        let mut ids = vec![found.capture_id.as_str()];
        if let Some(listing) = &listing {
            ids.extend(
                listing
                    .images
                    .iter()
                    .filter_map(|i| i.capture_id.as_deref()),
            );
        }
        let mut captures = Vec::new();
        for id in ids {
            if let Some(capture) = store.capture(id).await? {
                captures.push(capture);
            }
        }
        let filed = compose::filed(
            found,
            &right,
            &owner,
            listing.as_ref(),
            &captures,
            &self.policy,
        );
        validate::validate(&filed).map_err(|incomplete| {
            ApiError::invalid(
                "notice",
                format!(
                    "incomplete under {}: missing {}",
                    incomplete.regime.as_str(),
                    incomplete.missing.join(", ")
                ),
            )
        })?;
        Ok(filed)
    }

    /// Stores `filed` unless a notice for its match exists, then publishes it; true if the
    /// notice was new.
    pub async fn file(&self, store: &Store, filed: &FiledNotice) -> Result<bool, ApiError> {
        let new = store.insert_notice(&filed.notice).await?;
        if let Some(bus) = &self.bus {
            bus.publish(
                Topic::Notices,
                &filed.notice.platform,
                &Envelope::encode(filed),
            )
            .await?;
        }
        Ok(new)
    }
}
