//! The matcher stage: consumes `listings.hashed`, compares each listing's title with the
//! registered word marks and its image hashes with the registered logos and design views,
//! drops rights not in force, rights not registered where the listing is offered and
//! sellers the owner has authorized, and publishes one `Match` per (listing, right) on
//! `matches` (key: owner id).
//!
//! It keeps every listing's image hashes in the store, and follows the registry on its own
//! clock: every [`REFRESH_EVERY`] it takes in rights registered, changed, lapsed or deleted
//! (one at a time, no rebuild) and retro-hunts the stored hashes for the rights that
//! arrived, so a right registered after a listing was crawled still gets its match.
//!
//! Module map:
//! - [`rights`]: the in-memory view of the registry (indexes, authorized sellers), updated
//!   right by right from the store.
//! - [`hash_index`]: the registered images' hashes in exact Hamming indexes (`MihIndex`),
//!   answering as the linear `ImageIndex` would.
//! - [`retro`]: retro-hunt of arriving rights over stored listing hashes and titles.
//! - [`territory`]: a right's territories against a listing's market (the EU's members).
//! - this file: the stage loop, the registry clock, and the decision of what a listing
//!   matches.

#![forbid(unsafe_code)]

mod config;
pub mod hash_index;
pub mod retro;
pub mod rights;
pub mod territory;

use std::{
    collections::{BTreeMap, BTreeSet},
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use takedown_bus::{Bus, BusError, Topic, consume_decoded};
use takedown_matching::{
    IMAGE_THRESHOLDS, ImageHit, ImageLimits, closest_rights, image_score_for,
    verify::{
        LocalFeatures, QUERY_FEATURES, VERIFY_PARAMS, Verification, VerifyPolicy,
        features_from_bytes, verified_score,
    },
};
use takedown_model::{
    Envelope, HashedListing, Match, MatchKind, MatchReason, RightKind, stable_id,
};
use takedown_store::{BlobStore, Store, StoreError};
use tokio::{sync::Mutex, time::MissedTickBehavior};
use tokio_util::sync::CancellationToken;

pub use config::{ImageVerification, MatcherConfig};
pub use hash_index::ImageHashIndex;
pub use rights::RightsView;

pub const GROUP: &str = "matcher";

/// How often the matcher looks for registry changes. A right registered is matchable (and
/// hunted for) after at most this plus the time to hash its images: within 5 seconds.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);
const _: () = assert!(
    REFRESH_EVERY.as_secs() < 5,
    "a new right must be matchable within 5 s"
);

#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("hashing registered images failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// What drives the registry refresh: a clock in production, anything in tests.
pub trait Ticks: Send {
    /// Resolves at the next tick; false when there will be no more.
    fn tick(&mut self) -> impl Future<Output = bool> + Send;
}

impl Ticks for tokio::time::Interval {
    async fn tick(&mut self) -> bool {
        tokio::time::Interval::tick(self).await;
        true
    }
}

impl Ticks for tokio::sync::mpsc::Receiver<()> {
    async fn tick(&mut self) -> bool {
        self.recv().await.is_some()
    }
}

/// What one registry refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Rights taken in or re-indexed.
    pub arrived: usize,
    /// Of them, rights retro-hunted (the others had been hunted as they are).
    pub hunted: usize,
    /// Matches the retro-hunt published.
    pub retro_matches: usize,
}

pub struct Matcher {
    pub bus: Arc<dyn Bus>,
    pub store: Store,
    pub blobs: BlobStore,
    view: Mutex<RightsView>,
    /// Set once this matcher decided a listing: from then on a right arriving in its view
    /// may be missing from decisions it made, whoever hunted that right before.
    decided: AtomicBool,
}

impl Matcher {
    /// A matcher that verifies weak candidates by local features (the default policy).
    pub fn new(bus: Arc<dyn Bus>, store: Store, blobs: BlobStore) -> Self {
        Self::with_verification(bus, store, blobs, VerifyPolicy::default())
    }

    /// A matcher whose verification stage runs under `verification`.
    pub fn with_verification(
        bus: Arc<dyn Bus>,
        store: Store,
        blobs: BlobStore,
        verification: VerifyPolicy,
    ) -> Self {
        let view = RightsView::verifying(verification);
        Self {
            bus,
            store,
            blobs,
            view: Mutex::new(view),
            decided: AtomicBool::new(false),
        }
    }

    /// Runs the stage until cancelled, refreshing the registry every [`REFRESH_EVERY`].
    pub async fn run(&self, cancel: &CancellationToken) -> Result<(), MatcherError> {
        let mut every = tokio::time::interval(REFRESH_EVERY);
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        // The first refresh happens before consuming; the clock starts after it.
        every.reset();
        self.run_with_ticks(cancel, every).await
    }

    /// As [`Matcher::run`], refreshing the registry at each of `ticks`.
    pub async fn run_with_ticks(
        &self,
        cancel: &CancellationToken,
        mut ticks: impl Ticks,
    ) -> Result<(), MatcherError> {
        self.refresh_registry().await?;
        let consume = consume_decoded(
            self.bus.as_ref(),
            GROUP,
            Topic::HashedListings,
            cancel,
            Envelope::<HashedListing>::decode,
            |x| self.handle(x),
        );
        let watch = async {
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => return Ok::<(), MatcherError>(()),
                    more = ticks.tick() => if !more {
                        cancel.cancelled().await;
                        return Ok(());
                    },
                }
                self.refresh_registry().await?;
            }
        };
        tokio::try_join!(consume, watch)?;
        Ok(())
    }

    /// Takes in registry changes since the last call and retro-hunts the rights that
    /// arrived and were not hunted as they are now; publishes what the hunt found.
    /// A hunt is recorded only after its matches are published, so a crash re-hunts
    /// (publishing the same match ids again) rather than losing matches.
    pub async fn refresh_registry(&self) -> Result<Refreshed, MatcherError> {
        let arrived = self.take_in_registry().await?;
        let mut report = Refreshed {
            arrived: arrived.len(),
            ..Refreshed::default()
        };
        if arrived.is_empty() {
            return Ok(report);
        }
        // A hunt recorded by another matcher (or an earlier run) covers the listings stored
        // before it ran. A matcher that has decided nothing yet has nothing else to cover, so
        // it skips such rights (a restart does not re-hunt the registry). One that has
        // decided listings may have decided some with a view that lacked the right after
        // that hunt ran (views refresh on each matcher's own clock), so it hunts again;
        // the match ids are stable, so what was found before is filed only once.
        let to_hunt: Vec<_> = if self.decided.load(Ordering::SeqCst) {
            arrived
        } else {
            let done = self.store.retro_hunts_done().await?;
            arrived
                .into_iter()
                .filter(|a| !done.contains(&(a.right.id.clone(), a.fingerprint.clone())))
                .collect()
        };
        report.hunted = to_hunt.len();
        let found = retro::hunt(&self.store, &self.view, &to_hunt).await?;
        for m in &found {
            tracing::info!(listing = %m.listing_url, right = %m.right_id, kind = m.kind.as_str(), score = m.score, "retro-hunt match");
            self.bus
                .publish(Topic::Matches, &m.owner_id, &Envelope::encode(m))
                .await?;
        }
        let counts = retro::count_by_right(&found);
        for a in &to_hunt {
            let n = counts.get(a.right.id.as_str()).copied().unwrap_or(0);
            self.store
                .finish_retro_hunt(&a.right.id, &a.fingerprint, n)
                .await?;
        }
        report.retro_matches = found.len();
        Ok(report)
    }

    /// Brings the view up to the store's registry, hashing new rights' images on a blocking
    /// thread while listings go on being matched against the view as it was.
    async fn take_in_registry(&self) -> Result<Vec<rights::Arrived>, MatcherError> {
        let version = self.store.rights_version().await?;
        if self.view.lock().await.version() == Some(version.as_str()) {
            return Ok(Vec::new());
        }
        let rights = self.store.rights().await?;
        let authorized = self.store.authorized_sellers().await?;
        let (plan, verification) = {
            let view = self.view.lock().await;
            (view.plan(rights), view.verification)
        };
        let blobs = self.blobs.clone();
        let arrived = tokio::task::spawn_blocking(move || {
            rights::hash_rights(plan.changed, &blobs, verification)
        })
        .await?;
        let mut view = self.view.lock().await;
        view.commit(&plan.gone, arrived.clone());
        view.set_authorized(authorized);
        view.set_version(version);
        Ok(arrived)
    }

    /// Whether the view holds the right `right_id` (it is matchable).
    pub async fn knows_right(&self, right_id: &str) -> bool {
        self.view.lock().await.rights.contains_key(right_id)
    }

    async fn handle(&self, hashed: HashedListing) -> Result<(), MatcherError> {
        // Stored before deciding: a right that arrives after this listing was decided is
        // hunted over these hashes (see `refresh_registry`).
        self.store
            .put_listing_image_hashes(&hashed.listing.id, &hashed.images)
            .await?;
        // Set before the view is read: a refresh that takes a right in after this decision
        // sees it set and hunts that right (see `refresh_registry`).
        self.decided.store(true, Ordering::SeqCst);
        let view = self.view.lock().await;
        let photos = BlobPhotos {
            blobs: &self.blobs,
            limits: ImageLimits::default(),
        };
        // Verification decodes the photo and compares features: CPU work that must not hold
        // up the runtime's other tasks where the runtime can move them elsewhere.
        let found = on_cpu(|| find_matches_with(&view, &hashed, &photos));
        drop(view);
        metrics::counter!("takedown_listings_matched_total", "outcome" => if found.is_empty() { "no_match" } else { "matched" }).increment(1);
        for found in found {
            tracing::info!(listing = %found.listing_url, right = %found.right_id, kind = found.kind.as_str(), score = found.score, "match");
            metrics::counter!("takedown_matches_total", "kind" => found.kind.as_str(), "evidence" => evidence_kind(&found.reason)).increment(1);
            self.bus
                .publish(Topic::Matches, &found.owner_id, &Envelope::encode(&found))
                .await?;
        }
        Ok(())
    }
}

/// How a match's evidence was found, for the decisions counter: a word mark in the title, a
/// hash pair that stood, or local features verified.
fn evidence_kind(reason: &MatchReason) -> &'static str {
    match reason {
        MatchReason::Text { .. } => "title",
        MatchReason::Image {
            inliers: Some(_), ..
        } => "verified",
        MatchReason::Image { .. } => "hash",
    }
}

/// Runs `work` where a multi-threaded runtime lets the other tasks go on (inline elsewhere:
/// a test's single-threaded runtime has no other worker to hand them to).
fn on_cpu<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// Where the verification stage gets a listing photo's local features.
pub trait PhotoFeatures {
    /// The features of the listing photo with `digest`, None when it cannot be had (then
    /// nothing is verified in it and the hashes alone decide).
    fn features(&self, digest: &str) -> Option<LocalFeatures>;
}

/// No photos: the hashes alone decide.
pub struct NoPhotos;

impl PhotoFeatures for NoPhotos {
    fn features(&self, _digest: &str) -> Option<LocalFeatures> {
        None
    }
}

/// The listing photos the crawler stored, read from the blob store and decoded within
/// `limits`.
pub struct BlobPhotos<'a> {
    /// Where the crawler stored them.
    pub blobs: &'a BlobStore,
    /// The decoding limits (the hasher's defaults).
    pub limits: ImageLimits,
}

impl PhotoFeatures for BlobPhotos<'_> {
    fn features(&self, digest: &str) -> Option<LocalFeatures> {
        let bytes = self
            .blobs
            .get(digest)
            .inspect_err(|e| tracing::warn!(image = %digest, error = %e, "listing photo not verified: not readable"))
            .ok()?;
        features_from_bytes(&bytes, &self.limits, &QUERY_FEATURES)
            .inspect_err(|e| tracing::warn!(image = %digest, error = %e, "listing photo not verified: not decodable"))
            .ok()
    }
}

/// Every right the listing infringes, best evidence per right, by hashes alone.
pub fn find_matches(view: &RightsView, hashed: &HashedListing) -> Vec<Match> {
    find_matches_with(view, hashed, &NoPhotos)
}

/// Every right the listing infringes, best evidence per right: the hashes decide, and the
/// view's verification stage confirms weak candidates in the photos `photos` gives.
pub fn find_matches_with(
    view: &RightsView,
    hashed: &HashedListing,
    photos: &dyn PhotoFeatures,
) -> Vec<Match> {
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
    let title_hits = view.words.find(&listing.title);
    // Owners whose word mark the title carries: their image hits stand even where another
    // right's image evidence is stronger (the title corroborates them).
    let named_owners: BTreeSet<&str> = title_hits
        .iter()
        .filter_map(|hit| view.rights.get(&hit.right_id))
        .map(|right| right.owner_id.as_str())
        .collect();
    for hit in title_hits {
        let reason = MatchReason::Text {
            span: hit.span.clone(),
            normalized: hit.normalized.clone(),
            variant: hit.variant.clone(),
            distance: hit.distance,
        };
        offer(&hit.right_id, MatchKind::WordMark, hit.score, reason);
    }
    for image in &hashed.images {
        let hits = view.images.query_verified(
            &image.hashes,
            IMAGE_THRESHOLDS,
            || photos.features(&image.digest),
            view.verification,
            &VERIFY_PARAMS,
        );
        // A verified hit is scored by its inliers, a hash hit by its kind and distance.
        let score_of = |(hit, verified): &(ImageHit, Option<Verification>)| match verified {
            Some(v) => verified_score(v.inliers, &VERIFY_PARAMS),
            None => image_score_for(hit),
        };
        // One right per part of the photo: the closest (and any as strong).
        let closest: BTreeSet<String> =
            closest_rights(hits.iter().collect(), |h| (h.0.region, score_of(h)))
                .into_iter()
                .map(|h| h.0.right_id.clone())
                .collect();
        for found in &hits {
            let (hit, verified) = found;
            let Some(right) = view.rights.get(&hit.right_id) else {
                continue;
            };
            if !closest.contains(&hit.right_id) && !named_owners.contains(right.owner_id.as_str()) {
                tracing::debug!(listing = %listing.id, right = %hit.right_id, image = %image.digest, "not a match: another right is closer in the same part of the image");
                continue;
            }
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
                inliers: verified
                    .as_ref()
                    .map(|v| u32::try_from(v.inliers).unwrap_or(u32::MAX)),
            };
            // The estimated precision of hits of this kind at this distance.
            offer(&hit.right_id, kind, score_of(found), reason);
        }
    }
    best.into_iter()
        .filter_map(|(right_id, (kind, score, reason))| {
            let right = view.rights.get(&right_id)?;
            let market = listing.market.as_deref();
            if territory::check(&right.territories, market) == territory::Territorial::Outside {
                tracing::debug!(listing = %listing.id, right = %right_id, market = ?market, territories = ?right.territories, "not a match: the right is not registered where the listing is offered");
                return None;
            }
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

#[cfg(test)]
mod tests {
    use takedown_model::{Listing, Right, SourceKind};
    use takedown_store::BlobStore;

    use super::*;

    fn word_mark(id: &str, mark: &str) -> Right {
        Right {
            id: id.into(),
            owner_id: "acme".into(),
            kind: RightKind::WordMark,
            name: mark.into(),
            registration_number: "1".into(),
            office: "EUIPO".into(),
            classes: vec![],
            territories: vec![],
            valid_from: None,
            valid_until: None,
            images: vec![],
        }
    }

    fn titled(title: &str) -> HashedListing {
        HashedListing {
            listing: Listing {
                id: "lst_1".into(),
                source_id: "shop".into(),
                source_kind: SourceKind::Marketplace,
                platform: "shop".into(),
                url: "http://shop.test/1".into(),
                seller: "s".into(),
                title: title.into(),
                price: None,
                currency: None,
                images: vec![],
                captured_at: "2026-06-01T00:00:00Z".parse().expect("time"),
                capture_id: "cap".into(),
                exhibitor: None,
                market: None,
                provenance: Default::default(),
            },
            images: vec![],
        }
    }

    fn matched(view: &RightsView, title: &str) -> Vec<String> {
        find_matches(view, &titled(title))
            .into_iter()
            .map(|m| m.right_id)
            .collect()
    }

    /// The registry the store returns is the registry matched: a right that lapses or is
    /// cancelled (the store stops returning it), or falls outside its validity dates, gives
    /// no match; others are not disturbed.
    #[test]
    fn rights_not_in_force_or_gone_from_the_registry_are_not_matched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs = BlobStore::open(dir.path()).expect("blobs");
        let mut view = RightsView::build(
            vec![
                word_mark("r-velo", "VELOTRAX"),
                word_mark("r-zen", "ZENTARO"),
            ],
            &blobs,
        );
        assert_eq!(matched(&view, "VELOTRAX ZENTARO bag"), ["r-velo", "r-zen"]);

        // r-velo lapsed: the store no longer lists it.
        let arrived = view.apply(vec![word_mark("r-zen", "ZENTARO")], &blobs);
        assert!(arrived.is_empty(), "r-zen is unchanged");
        assert_eq!(matched(&view, "VELOTRAX ZENTARO bag"), ["r-zen"]);

        // r-zen's registration ended before the listing was captured (2026-06-01).
        let mut ended = word_mark("r-zen", "ZENTARO");
        ended.valid_until = Some("2026-05-31".parse().expect("date"));
        let arrived = view.apply(vec![ended], &blobs);
        assert_eq!(arrived.len(), 1, "a changed right is re-indexed");
        assert!(matched(&view, "VELOTRAX ZENTARO bag").is_empty());

        // Registered again, from a later date: still not in force on the capture day.
        let mut later = word_mark("r-velo", "VELOTRAX");
        later.valid_from = Some("2026-06-02".parse().expect("date"));
        view.apply(vec![later], &blobs);
        assert!(matched(&view, "VELOTRAX bag").is_empty());
        assert_eq!(view.rights.len(), 1);
    }

    fn on_market(title: &str, market: Option<&str>) -> HashedListing {
        let mut hashed = titled(title);
        hashed.listing.market = market.map(str::to_owned);
        hashed
    }

    /// A right is matched only where it is registered: a CN mark on a CN listing, not on a
    /// DE one; an EU mark on a French listing; any mark on a listing of unknown market.
    #[test]
    fn a_right_matches_only_on_markets_its_territories_cover() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blobs = BlobStore::open(dir.path()).expect("blobs");
        let mut cn = word_mark("r-cn", "VELOTRAX");
        cn.territories = vec!["CN".into()];
        let mut eu = word_mark("r-eu", "ZENTARO");
        eu.territories = vec!["EU".into()];
        let anywhere = word_mark("r-any", "QUORVEX");
        let view = RightsView::build(vec![cn, eu, anywhere], &blobs);
        let title = "VELOTRAX ZENTARO QUORVEX bag";
        let on = |market: Option<&str>| -> Vec<String> {
            find_matches(&view, &on_market(title, market))
                .into_iter()
                .map(|m| m.right_id)
                .collect()
        };
        assert_eq!(on(Some("CN")), ["r-any", "r-cn"]);
        assert_eq!(on(Some("DE")), ["r-any", "r-eu"]);
        assert_eq!(on(Some("FR")), ["r-any", "r-eu"]);
        assert_eq!(on(Some("US")), ["r-any"]);
        assert_eq!(
            on(None),
            ["r-any", "r-cn", "r-eu"],
            "unknown market: unrestricted"
        );
    }
}
