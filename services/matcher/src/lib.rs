//! The matcher stage: consumes `listings.hashed`, compares each listing's title with the
//! registered word marks and its image hashes with the registered logos and design views,
//! drops rights not in force and sellers the owner has authorized, and publishes one
//! `Match` per (listing, right) on `matches` (key: owner id).
//!
//! Module map:
//! - [`rights`]: the in-memory view of the registry (indexes, authorized sellers), rebuilt
//!   from the store whenever the registry changes.
//! - this file: the stage loop and the decision of what a listing matches.

pub mod rights;

use std::{collections::BTreeMap, sync::Arc};

use takedown_bus::{Bus, BusError, Topic, consume_decoded};
use takedown_matching::{IMAGE_THRESHOLDS, image_score};
use takedown_model::{
    Envelope, HashedListing, Match, MatchKind, MatchReason, RightKind, stable_id,
};
use takedown_store::{BlobStore, Store, StoreError};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

pub use rights::RightsView;

pub const GROUP: &str = "matcher";

#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Matcher {
    pub bus: Arc<dyn Bus>,
    pub store: Store,
    pub blobs: BlobStore,
    view: Mutex<RightsView>,
}

impl Matcher {
    pub fn new(bus: Arc<dyn Bus>, store: Store, blobs: BlobStore) -> Self {
        Self {
            bus,
            store,
            blobs,
            view: Mutex::new(RightsView::default()),
        }
    }

    pub async fn run(&self, cancel: &CancellationToken) -> Result<(), MatcherError> {
        consume_decoded(
            self.bus.as_ref(),
            GROUP,
            Topic::HashedListings,
            cancel,
            Envelope::<HashedListing>::decode,
            |x| self.handle(x),
        )
        .await
    }

    async fn handle(&self, hashed: HashedListing) -> Result<(), MatcherError> {
        let mut view = self.view.lock().await;
        view.refresh(&self.store, &self.blobs).await?;
        for found in find_matches(&view, &hashed) {
            tracing::info!(listing = %found.listing_url, right = %found.right_id, kind = found.kind.as_str(), score = found.score, "match");
            self.bus
                .publish(Topic::Matches, &found.owner_id, &Envelope::encode(&found))
                .await?;
        }
        Ok(())
    }
}

/// Every right the listing infringes, best evidence per right.
pub fn find_matches(view: &RightsView, hashed: &HashedListing) -> Vec<Match> {
    let listing = &hashed.listing;
    let day = listing.captured_at.date_naive();
    let mut best: BTreeMap<String, (MatchKind, f32, MatchReason)> = BTreeMap::new();
    // Keeps the best-scoring evidence per right.
    let mut offer = |right_id: &str, kind, score: f32, reason| match best.get_mut(right_id) {
        Some(entry) if score <= entry.1 => {}
        Some(entry) => *entry = (kind, score, reason),
        None => {
            best.insert(right_id.to_owned(), (kind, score, reason));
        }
    };
    for hit in view.words.find(&listing.title) {
        let reason = MatchReason::Text {
            span: hit.span.clone(),
            normalized: hit.normalized.clone(),
            variant: hit.variant.clone(),
            distance: hit.distance,
        };
        offer(&hit.right_id, MatchKind::WordMark, hit.score, reason);
    }
    for image in &hashed.images {
        for hit in view.images.query_with(&image.hashes, IMAGE_THRESHOLDS) {
            let Some(right) = view.rights.get(&hit.right_id) else {
                continue;
            };
            let kind = if right.kind == RightKind::Design {
                MatchKind::Design
            } else {
                MatchKind::Logo
            };
            let reason = MatchReason::Image {
                listing_image: image.digest.clone(),
                right_image: hit.right_digest.clone(),
                view: hit.view.clone(),
                algorithm: hit.algorithm.clone(),
                distance: hit.distance,
                threshold: hit.threshold,
                region: hit.region,
            };
            offer(
                &hit.right_id,
                kind,
                image_score(hit.distance, hit.threshold),
                reason,
            );
        }
    }
    best.into_iter()
        .filter_map(|(right_id, (kind, score, reason))| {
            let right = view.rights.get(&right_id)?;
            if !right.in_force_on(day)
                || view.is_authorized(&right.owner_id, &listing.platform, &listing.seller)
            {
                return None;
            }
            Some(Match {
                id: stable_id("mat", &[&listing.id, &right_id]),
                listing_id: listing.id.clone(),
                listing_url: listing.url.clone(),
                platform: listing.platform.clone(),
                seller: listing.seller.clone(),
                right_id,
                owner_id: right.owner_id.clone(),
                kind,
                score,
                reason,
                capture_id: listing.capture_id.clone(),
                matched_at: listing.captured_at,
            })
        })
        .collect()
}
