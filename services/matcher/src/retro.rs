//! Retro-hunt: a right that arrives is searched against every listing and exhibitor
//! product seen before it — image rights over their stored hashes, word marks over their
//! titles — and what it matches is emitted through the normal decision
//! ([`crate::find_matches`]: thresholds, validity, territory, authorized sellers), so the
//! actioner files by policy as for a fresh listing.
//!
//! The search is the index logic in reverse: the arriving rights go into small indexes (an
//! [`ImageHashIndex`] of their images, a [`WordMarkIndex`] of their marks) and the stored
//! listing hashes and listings stream past them in keyset pages, so memory stays flat
//! whatever the history's size (`examples/retro_scan.rs` measures this against indexing
//! the stored hashes instead). Every right that arrived in one registry refresh shares one
//! pass over the hashes and one over the listings. A listing with a candidate image or
//! title is then re-decided in full, and only the arriving rights' matches are kept.
//! Exhibitor products are listings (source kind `fair_catalog`), so both passes cover them.
//!
//! Measured at 1M stored hashes (3,333 images × 300 hashes, `examples/retro_scan.rs`, one
//! core): the scan takes 0.27 s in memory and 0.81 s reading the pages from SQLite, while an
//! index over the stored hashes answers in 9 ms but takes 0.48 s to build and holds 123 MB
//! for as long as it is kept. Hunts are rare (a registration), and every right that arrived
//! in one registry refresh shares one pass, so the scan is the better trade.
//!
//! The title pass, measured at 100k stored listings on SQLite (`examples/word_retro_scan.rs`,
//! release build, 5 arriving marks, on a 2-core machine shared with other builds, so the
//! times are upper bounds): the hunt takes 1.9–2.9 s, 34k–52k listings/s, of which reading the pages
//! is 0.8–0.9 s (113k–126k listings/s) and the rest is searching the titles. A million
//! listings take about half a minute, once per registration refresh that brings word marks.

use std::collections::{BTreeSet, HashMap, HashSet};

use takedown_matching::{IMAGE_THRESHOLDS, WordMarkIndex};
use takedown_model::{HashedListing, Match, RightKind};
use takedown_store::Store;
use tokio::sync::Mutex;

use crate::{MatcherError, RightsView, find_matches, hash_index::ImageHashIndex, rights::Arrived};

/// Stored images read per page.
const PAGE: u32 = 1000;

/// Listings read per page by the word-mark pass (a listing's JSON is about 1 KB).
const LISTING_PAGE: u32 = 500;

/// The matches the `arrived` rights have among the stored listings, by the view's current
/// decision. Reads the store; publishes nothing.
pub async fn hunt(
    store: &Store,
    view: &Mutex<RightsView>,
    arrived: &[Arrived],
) -> Result<Vec<Match>, MatcherError> {
    let wanted: HashSet<&str> = arrived.iter().map(|a| a.right.id.as_str()).collect();

    // Pass 1: listings with an image near an arriving right's image, or a title carrying an
    // arriving word mark.
    let mut candidates = image_candidates(store, arrived).await?;
    candidates.extend(title_candidates(store, arrived).await?);

    // Pass 2: each candidate decided as the live path decides it.
    let mut found = Vec::new();
    for listing_id in candidates {
        let Some(listing) = store.listing(&listing_id).await? else {
            tracing::warn!(listing = %listing_id, "retro-hunt: hashes stored but no listing; skipped");
            continue;
        };
        let images = store.listing_image_hashes(&listing_id).await?;
        let hashed = HashedListing { listing, images };
        let view = view.lock().await;
        found.extend(
            find_matches(&view, &hashed)
                .into_iter()
                .filter(|m| wanted.contains(m.right_id.as_str())),
        );
    }
    Ok(found)
}

/// Listings with a stored image near an image of an arriving right.
async fn image_candidates(
    store: &Store,
    arrived: &[Arrived],
) -> Result<BTreeSet<String>, MatcherError> {
    let mut candidates = BTreeSet::new();
    let mut index = ImageHashIndex::new();
    for image in arrived.iter().flat_map(|a| &a.images) {
        index.insert(image.clone());
    }
    if index.is_empty() {
        return Ok(candidates);
    }
    let mut after: Option<(String, String)> = None;
    loop {
        let page = store
            .listing_image_hashes_page(after.as_ref().map(|(l, d)| (l.as_str(), d.as_str())), PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.listing_id.clone(), last.image.digest.clone()));
        for stored in &page {
            if !index
                .query_with(&stored.image.hashes, IMAGE_THRESHOLDS)
                .is_empty()
            {
                candidates.insert(stored.listing_id.clone());
            }
        }
    }
    Ok(candidates)
}

/// Stored listings whose title carries an arriving word mark.
async fn title_candidates(
    store: &Store,
    arrived: &[Arrived],
) -> Result<BTreeSet<String>, MatcherError> {
    let mut candidates = BTreeSet::new();
    // Only the arriving marks: the search is linear in the marks, and the others were
    // decided when their listings were.
    let mut marks = WordMarkIndex::new();
    for a in arrived
        .iter()
        .filter(|a| a.right.kind == RightKind::WordMark)
    {
        marks.add(&a.right.id, &a.right.name);
    }
    if marks.is_empty() {
        return Ok(candidates);
    }
    let mut after: Option<String> = None;
    loop {
        let page = store.listings_page(after.as_deref(), LISTING_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for listing in &page {
            if !marks.find(&listing.title).is_empty() {
                candidates.insert(listing.id.clone());
            }
        }
    }
    Ok(candidates)
}

/// Number of matches per right id.
pub fn count_by_right(found: &[Match]) -> HashMap<&str, u64> {
    let mut counts = HashMap::new();
    for m in found {
        *counts.entry(m.right_id.as_str()).or_default() += 1;
    }
    counts
}
