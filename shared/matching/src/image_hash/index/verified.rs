//! The verification stage over an index's candidates: the one place both indexes (the linear
//! [`ImageIndex`](super::ImageIndex) and the matcher's exact Hamming index) decide which
//! rights stand by their hashes and which weak candidates are confirmed by local features.

use std::collections::{HashMap, HashSet};

use super::{ImageHit, Thresholds, sort_hits};
use crate::score::image_score_for;
use crate::verify::{
    LocalFeatures, MAX_FEATURE_CANDIDATES, MAX_WEAK_CANDIDATES, VERIFIED_ORB, Verification,
    VerifyParams, VerifyPolicy,
};

/// A registered image with its local features, as an index holds it.
#[derive(Debug, Clone, Copy)]
pub struct Reference<'a> {
    /// The right it is registered under.
    pub right_id: &'a str,
    /// The design view, or "logo".
    pub view: &'a str,
    /// Digest of the registered image's bytes.
    pub digest: &'a str,
    /// Its features ([`crate::verify::REFERENCE_FEATURES`]).
    pub features: &'a LocalFeatures,
}

/// An index whose registered images carry local features.
pub trait References {
    /// The registered images of `right` that have features.
    fn references_of(&self, right: &str) -> Vec<Reference<'_>>;
    /// Every right with at least one image with features, in registration order.
    fn rights_with_features(&self) -> Vec<&str>;
    /// The (at most) `k` rights whose registered images' descriptors the photo's features
    /// vote for most ([`crate::verify::DescriptorIndex::top`]), most votes first.
    fn feature_candidates(&self, query: &LocalFeatures, k: usize) -> Vec<String>;
}

/// Each right's pairs (`candidates`, as for [`decide_then_verify`]) decided by `thresholds`,
/// nothing verified: the hits that stand, by distance, then right id.
pub fn decide_all(
    candidates: HashMap<&str, Vec<(ImageHit, Option<u32>)>>,
    thresholds: Thresholds,
) -> Vec<ImageHit> {
    let mut hits: Vec<ImageHit> = candidates
        .into_values()
        .filter_map(|pairs| thresholds.decide_capped(pairs))
        .collect();
    sort_hits(&mut hits);
    hits
}

/// Each right's pairs (`candidates`: every pair within its kind's search radius, in the
/// linear scan's order, with its cap) decided by `thresholds`; then, under `policy`, the
/// rights whose pairs did not stand (weak candidates, closest pair first, at most
/// [`MAX_WEAK_CANDIDATES`]) stand when one of their registered images is found in the
/// photo's features, which `query` gives and is called only when some right is to be
/// verified. Under [`VerifyPolicy::WeakThenAll`], when nothing stood, every right with
/// features is tried. Under [`VerifyPolicy::Confirmed`], a hit that stands by its hashes at
/// a calibrated score below `params.hash_alone_min_score` stands only when its right is
/// verified, and the rights the photo's features vote for are verified as well (the
/// features are then always asked for; without them such a hit does not stand). Sorted by
/// distance (verified hits have 0), more inliers first, then right id.
pub fn decide_then_verify(
    index: &(impl References + ?Sized),
    candidates: HashMap<&str, Vec<(ImageHit, Option<u32>)>>,
    thresholds: Thresholds,
    query: impl FnOnce() -> Option<LocalFeatures>,
    policy: VerifyPolicy,
    params: &VerifyParams,
) -> Vec<(ImageHit, Option<Verification>)> {
    let mut hits = Vec::new();
    let mut weak: Vec<(&str, i64)> = Vec::new();
    // Rights whose hash hit is too weak to stand alone under `Confirmed`.
    let mut to_confirm: Vec<&str> = Vec::new();
    for (right, pairs) in candidates {
        // How far the closest pair was beyond its search radius' strict part: the weak
        // candidates' order.
        let closeness = pairs
            .iter()
            .map(|(h, _)| i64::from(h.distance) - i64::from(h.threshold))
            .min()
            .unwrap_or(0);
        match thresholds.decide_capped(pairs) {
            Some(hit)
                if policy != VerifyPolicy::Confirmed
                    || image_score_for(&hit) >= params.hash_alone_min_score =>
            {
                hits.push((hit, None));
            }
            Some(_) => to_confirm.push(right),
            None => weak.push((right, closeness)),
        }
    }
    weak.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
    weak.truncate(MAX_WEAK_CANDIDATES);
    to_confirm.sort_unstable();
    let mut to_try: Vec<String> = to_confirm
        .into_iter()
        .chain(weak.into_iter().map(|(r, _)| r))
        .map(str::to_owned)
        .collect();
    if policy == VerifyPolicy::WeakThenAll && hits.is_empty() {
        let weak: HashSet<&str> = to_try.iter().map(String::as_str).collect();
        let rest: Vec<String> = index
            .rights_with_features()
            .into_iter()
            .filter(|r| !weak.contains(r))
            .map(str::to_owned)
            .collect();
        to_try.extend(rest);
    }
    // The photo's features are computed only when some right is to be verified (under
    // `Confirmed`, always: they name the candidates).
    let wanted = match policy {
        VerifyPolicy::Off => false,
        VerifyPolicy::Confirmed => true,
        VerifyPolicy::Weak | VerifyPolicy::WeakThenAll => !to_try.is_empty(),
    };
    let query = wanted.then(query).flatten();
    if let (VerifyPolicy::Confirmed, Some(features)) = (policy, &query) {
        let standing: HashSet<&str> = hits.iter().map(|(h, _)| h.right_id.as_str()).collect();
        let mut tried: HashSet<String> = to_try.iter().cloned().collect();
        let voted: Vec<String> = index
            .feature_candidates(features, MAX_FEATURE_CANDIDATES)
            .into_iter()
            .filter(|r| !standing.contains(r.as_str()) && tried.insert(r.clone()))
            .collect();
        to_try.extend(voted);
    }
    let Some(query) = query else {
        let mut plain: Vec<ImageHit> = hits.into_iter().map(|(h, _)| h).collect();
        sort_hits(&mut plain);
        return plain.into_iter().map(|h| (h, None)).collect();
    };
    for right in &to_try {
        if let Some(found) = verify_right(&index.references_of(right), &query, params) {
            hits.push(found);
        }
    }
    hits.sort_by(|a, b| {
        let inliers =
            |x: &(ImageHit, Option<Verification>)| x.1.as_ref().map_or(usize::MAX, |v| v.inliers);
        a.0.distance
            .cmp(&b.0.distance)
            .then_with(|| inliers(b).cmp(&inliers(a)))
            .then_with(|| a.0.right_id.cmp(&b.0.right_id))
    });
    hits
}

/// The best verification of any of `references` (one right's images) in `query`.
fn verify_right(
    references: &[Reference<'_>],
    query: &LocalFeatures,
    params: &VerifyParams,
) -> Option<(ImageHit, Option<Verification>)> {
    let mut best: Option<(&Reference<'_>, Verification)> = None;
    for reference in references {
        if let Some(v) = crate::verify::verify(reference.features, query, params)
            && best.as_ref().is_none_or(|(_, b)| v.inliers > b.inliers)
        {
            best = Some((reference, v));
        }
    }
    let (reference, v) = best?;
    Some((
        ImageHit {
            right_id: reference.right_id.to_owned(),
            view: reference.view.to_owned(),
            right_digest: reference.digest.to_owned(),
            distance: 0,
            threshold: u32::try_from(params.min_inliers).unwrap_or(u32::MAX),
            region: Some(v.region),
            algorithm: VERIFIED_ORB.to_string(),
            variant: false,
        },
        Some(v),
    ))
}
