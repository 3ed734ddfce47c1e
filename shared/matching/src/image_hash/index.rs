//! An in-memory index of registered images' hashes, searched by Hamming distance.
//!
//! A linear scan for now: the API is kept small (insert, remove a right, query) so that a
//! multi-index-hashing implementation can replace it without touching callers.

mod corroborate;
mod verified;

pub use verified::{Reference, References, decide_all, decide_then_verify};

use std::collections::HashMap;
use std::sync::Arc;

use takedown_model::RegionHash;

use super::phash::hamming_bytes;
use super::specificity::{Specificity, SpecificityPolicy};
use crate::verify::{DescriptorIndex, LocalFeatures, Verification, VerifyParams, VerifyPolicy};

/// Ramped hashes ([`super::PHASH64R`], [`super::SHAPE64R`]) are held this many bits tighter
/// than the plain kind they stand beside: the ramp fixes a symmetric logo's bits, but it also makes
/// unrelated pictures' bits agree more often. Measured on the dataset
/// (`examples/dataset_distances.rs`): the closest distractor came within 4 ramped window bits
/// (one of 510) and 6 ramped silhouette bits (two), none within 2 and 4 — the plain
/// thresholds (4, 6) less 2. A ramped pair within the plain threshold still stands when a
/// pair of another kind supports it (`corroborate`, sixth pass).
const RAMP_MARGIN: u32 = 2;

/// One registered image (a logo or a design view) and its hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedImage {
    /// The right the image is registered under.
    pub right_id: String,
    /// The design view, or "logo".
    pub view: String,
    /// Digest of the registered image's bytes.
    pub digest: String,
    /// The image as registered (`ReferenceHashes::core`).
    pub hashes: Vec<RegionHash>,
    /// Its re-uses (`ReferenceHashes::variants`): compared with whole pictures only.
    pub variants: Vec<RegionHash>,
}

/// Largest Hamming distances reported, by what is compared with what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// A listing image's whole picture against a registered image as registered.
    pub whole: u32,
    /// A listing image's whole picture against a registered image's variant (mirrored,
    /// inverted, partial).
    pub variant: u32,
    /// A window of a listing image against a registered image as registered. Variants are
    /// never compared with windows: hundreds of windows times every variant would find
    /// chance resemblances.
    pub window: u32,
    /// A listing image's whole-picture PDQ hash (256 bits) against a registered image's
    /// (core tier only: PDQ is never computed for variants or windows).
    pub pdq: u32,
    /// A silhouette of a listing image's flat-coloured region against a registered image's
    /// silhouette ([`super::SHAPE64`]; core tier only).
    pub shape: u32,
}

impl Thresholds {
    /// The same distance for every comparison.
    pub fn uniform(threshold: u32) -> Self {
        Thresholds {
            whole: threshold,
            variant: threshold,
            window: threshold,
            pdq: threshold,
            shape: threshold,
        }
    }

    /// The threshold a listing hash of `algorithm` (of the whole image, or of a window when
    /// `whole` is false) is held to on its own against a registered hash (a variant when
    /// `variant`), or None when the two are never compared. Public so that other indexes over
    /// the same hashes (the matcher's `MihIndex` tiers) apply exactly this rule.
    pub fn for_kind(&self, algorithm: &str, whole: bool, variant: bool) -> Option<u32> {
        corroborate::kind_of(algorithm, whole, variant)
            .map(|kind| corroborate::bounds(self, kind).strict)
    }

    /// How far an index must search for pairs of this kind: the largest of its strict bound
    /// ([`Thresholds::for_kind`]), its loose bound (ramped kinds, standing when supported) and
    /// its support bound (see [`Thresholds::decide`]); None when the two are never compared.
    pub fn search_radius(&self, algorithm: &str, whole: bool, variant: bool) -> Option<u32> {
        corroborate::kind_of(algorithm, whole, variant)
            .map(|kind| corroborate::bounds(self, kind).radius())
    }

    /// Of one query's candidate pairs with one right (every pair within
    /// [`Thresholds::search_radius`], in the order the linear index meets them: registered
    /// image, its hash, the query's hash; `threshold` ignored), the hit that stands, or None.
    /// A pair within its strict bound stands alone (the best of them, by
    /// [`ImageHit::is_beaten_by`]); failing one, a ramped pair within its plain kind's
    /// threshold stands when a pair of another kind is within that kind's support bound (2
    /// bits beyond the farthest it stands at, PDQ 8; windows none): the corroboration rule,
    /// measured in `bench/dataset/REPORT.md` (sixth pass). The one place both `ImageIndex`
    /// and the matcher's index decide.
    pub fn decide(&self, candidates: impl IntoIterator<Item = ImageHit>) -> Option<ImageHit> {
        corroborate::decide(self, candidates.into_iter().map(|hit| (hit, None)))
    }

    /// [`Thresholds::decide`] with each candidate's registered-hash cap (its
    /// [`Specificity`](super::Specificity), None uncapped): a pair farther than its cap
    /// counts for nothing, alone or in support. What both indexes call.
    pub fn decide_capped(
        &self,
        candidates: impl IntoIterator<Item = (ImageHit, Option<u32>)>,
    ) -> Option<ImageHit> {
        corroborate::decide(self, candidates)
    }
}

/// The match of a query against one right that stands ([`Thresholds::decide`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageHit {
    /// The right matched.
    pub right_id: String,
    /// The registered image's view (`logo`, or the design view).
    pub view: String,
    /// SHA-256 of the registered image: which picture of the right matched.
    pub right_digest: String,
    /// Bits that differed between the pair's hashes.
    pub distance: u32,
    /// The bound this pair was held to: its kind's threshold ([`Thresholds::for_kind`]), or,
    /// for a ramped pair that stood corroborated by a pair of another kind, its loose bound
    /// (the plain kind's threshold; see [`Thresholds::decide`]).
    pub threshold: u32,
    /// The window of the listing image that matched, or None for the whole image.
    pub region: Option<[f32; 4]>,
    /// The hash kind compared (`phash64`, `pdq`, …).
    pub algorithm: String,
    /// The registered hash was a variant (mirrored, inverted, partial, tilted) rather than
    /// the image as registered: a weaker kind of evidence, scored on its own curve.
    pub variant: bool,
}

/// A hash decoded once, so queries do not re-parse hex.
#[derive(Debug, Clone)]
struct StoredHash {
    algorithm: String,
    bits: Vec<u8>,
    /// The bits as one word when there are exactly 64 of them.
    word: Option<u64>,
    /// A registered image's variant rather than the image as registered.
    variant: bool,
    region: Option<[f32; 4]>,
    /// Its specificity cap: pairs farther never count (None: uncapped).
    cap: Option<u32>,
}

#[derive(Debug, Clone)]
struct Entry {
    right_id: String,
    view: String,
    digest: String,
    hashes: Vec<StoredHash>,
    /// Its local features for the verification stage, computed once at registration.
    features: Option<Arc<LocalFeatures>>,
}

/// Registered images, searchable by the hashes of a listing image.
#[derive(Debug, Clone, Default)]
pub struct ImageIndex {
    entries: Vec<Entry>,
    policy: SpecificityPolicy,
    /// Every kept registration's descriptors, by right: the feature candidates.
    descriptors: DescriptorIndex<String>,
}

impl ImageIndex {
    /// An empty index that judges each registration's specificity against the shipped
    /// background set ([`SpecificityPolicy::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty index judging specificity by `policy` ([`SpecificityPolicy::off`]: not at
    /// all).
    pub fn with_policy(policy: SpecificityPolicy) -> Self {
        ImageIndex {
            entries: Vec::new(),
            policy,
            descriptors: DescriptorIndex::default(),
        }
    }

    /// Adds a registered image, and returns how specific it was judged: each hash is capped
    /// by its background neighbours, a hash unrelated images share is not indexed, and a
    /// registration judged too generic gets no hash indexed ([`Specificity`]). Hashes whose
    /// bits are not valid hex are dropped: they could never match, and one bad row must not
    /// stop the others from being indexed.
    pub fn insert(&mut self, entry: IndexedImage) -> Specificity {
        self.insert_with_features(entry, None)
    }

    /// [`ImageIndex::insert`], keeping the image's local features (computed once, at
    /// registration: [`crate::verify::REFERENCE_FEATURES`]) for the verification stage
    /// ([`ImageIndex::query_verified`]). A registration too generic to match by hashes is
    /// not verified either: its features are not kept.
    pub fn insert_with_features(
        &mut self,
        entry: IndexedImage,
        features: Option<LocalFeatures>,
    ) -> Specificity {
        let judged = self.policy.assess(&entry.hashes, &entry.variants);
        let hashes = capped_hashes(&entry, &judged);
        let features = features
            .filter(|f| !judged.too_generic && !f.is_empty())
            .map(Arc::new);
        if let Some(features) = &features {
            self.descriptors.insert(entry.right_id.clone(), features);
        }
        self.entries.push(Entry {
            right_id: entry.right_id,
            view: entry.view,
            digest: entry.digest,
            hashes,
            features,
        });
        judged
    }

    /// Removes every image of a right (it was withdrawn or is being re-registered).
    pub fn remove_right(&mut self, right_id: &str) {
        self.entries.retain(|e| e.right_id != right_id);
        self.descriptors.remove(&right_id.to_owned());
    }

    /// Number of registered images.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// For each right with a registered hash within `threshold` of one of `hashes` (same
    /// algorithm only), the closest such pair. Sorted by distance, then right id.
    pub fn query(&self, hashes: &[RegionHash], threshold: u32) -> Vec<ImageHit> {
        self.query_with(hashes, Thresholds::uniform(threshold))
    }

    /// As [`ImageIndex::query`], with a threshold per kind of comparison and the
    /// corroboration rule ([`Thresholds::decide`]).
    pub fn query_with(&self, hashes: &[RegionHash], thresholds: Thresholds) -> Vec<ImageHit> {
        decide_all(self.candidates(hashes, thresholds), thresholds)
    }

    /// As [`ImageIndex::query_with`], then the verification stage under `policy`: each
    /// right the hashes paired with the photo but did not stand (a weak candidate, closest
    /// pair first, at most [`crate::verify::MAX_WEAK_CANDIDATES`]) stands when one of its registered
    /// images is found in `query` ([`crate::verify::verify`]); under
    /// [`VerifyPolicy::WeakThenAll`], when nothing stood, every registered image is tried.
    /// `query` gives the photo's features ([`crate::verify::QUERY_FEATURES`]); it is called
    /// only when some right is to be verified (None: nothing is verified).
    /// A verified hit has algorithm [`crate::verify::VERIFIED_ORB`], distance 0, `threshold` the minimum
    /// inlier count, and the region found; its verification comes alongside.
    pub fn query_verified(
        &self,
        hashes: &[RegionHash],
        thresholds: Thresholds,
        query: impl FnOnce() -> Option<LocalFeatures>,
        policy: VerifyPolicy,
        params: &VerifyParams,
    ) -> Vec<(ImageHit, Option<Verification>)> {
        let candidates = self.candidates(hashes, thresholds);
        decide_then_verify(self, candidates, thresholds, query, policy, params)
    }

    /// Per right, every pair within its kind's search radius, in scan order.
    fn candidates(
        &self,
        hashes: &[RegionHash],
        thresholds: Thresholds,
    ) -> HashMap<&str, Vec<(ImageHit, Option<u32>)>> {
        let queries = decode_all(hashes, false);
        // Per right, every pair within its kind's search radius, in scan order.
        let mut candidates: HashMap<&str, Vec<(ImageHit, Option<u32>)>> = HashMap::new();
        for entry in &self.entries {
            for stored in &entry.hashes {
                for query in &queries {
                    if query.algorithm != stored.algorithm {
                        continue;
                    }
                    let Some(radius) = thresholds.search_radius(
                        &query.algorithm,
                        query.region.is_none(),
                        stored.variant,
                    ) else {
                        continue;
                    };
                    // 64-bit hashes (the common case: a listing image has hundreds of
                    // windows) compare as words; others byte by byte.
                    let distance = match (query.word, stored.word) {
                        (Some(q), Some(s)) => (q ^ s).count_ones(),
                        _ => match hamming_bytes(&query.bits, &stored.bits) {
                            Some(d) => d,
                            None => continue,
                        },
                    };
                    if distance > radius {
                        continue;
                    }
                    candidates.entry(&entry.right_id).or_default().push((
                        ImageHit {
                            right_id: entry.right_id.clone(),
                            view: entry.view.clone(),
                            right_digest: entry.digest.clone(),
                            distance,
                            threshold: radius,
                            region: query.region,
                            algorithm: query.algorithm.clone(),
                            variant: stored.variant,
                        },
                        stored.cap,
                    ));
                }
            }
        }
        candidates
    }
}

impl References for ImageIndex {
    fn references_of(&self, right: &str) -> Vec<Reference<'_>> {
        self.entries
            .iter()
            .filter(|e| e.right_id == right)
            .filter_map(|e| {
                Some(Reference {
                    right_id: &e.right_id,
                    view: &e.view,
                    digest: &e.digest,
                    features: e.features.as_deref()?,
                })
            })
            .collect()
    }

    fn feature_candidates(&self, query: &LocalFeatures, k: usize) -> Vec<String> {
        self.descriptors.top(query, k)
    }

    fn rights_with_features(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.entries
            .iter()
            .filter(|e| e.features.is_some() && seen.insert(e.right_id.as_str()))
            .map(|e| e.right_id.as_str())
            .collect()
    }
}

/// Hits by distance, then right id.
pub(crate) fn sort_hits(hits: &mut [ImageHit]) {
    hits.sort_by(|a, b| {
        a.distance
            .cmp(&b.distance)
            .then_with(|| a.right_id.cmp(&b.right_id))
    });
}

/// The hashes of `entry` to index under `judged`: each with its cap, those switched off
/// left out, none at all for a registration too generic to match by image.
fn capped_hashes(entry: &IndexedImage, judged: &Specificity) -> Vec<StoredHash> {
    if judged.too_generic {
        return Vec::new();
    }
    let core = entry
        .hashes
        .iter()
        .zip(&judged.core)
        .map(|(h, c)| (h, *c, false));
    let variants = entry
        .variants
        .iter()
        .zip(&judged.variants)
        .map(|(h, c)| (h, *c, true));
    core.chain(variants)
        .filter_map(|(hash, cap, variant)| {
            let limit = cap.limit()?;
            let mut stored = decode_all(std::slice::from_ref(hash), variant).pop()?;
            stored.cap = limit;
            Some(stored)
        })
        .collect()
}

impl ImageHit {
    /// Whether a hit at `distance` (in `region`, None for the whole image) is better than this
    /// one for the same right: lower distance wins; at equal distance a whole-image match is
    /// the simpler explanation for a reviewer than a window.
    pub fn is_beaten_by(&self, distance: u32, region: Option<[f32; 4]>) -> bool {
        distance < self.distance
            || (distance == self.distance && region.is_none() && self.region.is_some())
    }
}

fn decode_all(hashes: &[RegionHash], variant: bool) -> Vec<StoredHash> {
    hashes
        .iter()
        .filter_map(|h| {
            let bits = hex::decode(&h.bits).ok()?;
            let word = <[u8; 8]>::try_from(bits.as_slice())
                .ok()
                .map(u64::from_be_bytes);
            Some(StoredHash {
                algorithm: h.algorithm.clone(),
                bits,
                word,
                variant,
                region: h.region,
                cap: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PDQ256, PHASH64, PHASH64R, SHAPE64, SHAPE64R};

    fn hash(algorithm: &str, bits: &str, region: Option<[f32; 4]>) -> RegionHash {
        RegionHash {
            algorithm: algorithm.into(),
            bits: bits.into(),
            region,
        }
    }

    fn image(right: &str, view: &str, bits: &[&str]) -> IndexedImage {
        IndexedImage {
            right_id: right.into(),
            view: view.into(),
            digest: format!("d-{right}-{view}"),
            hashes: bits.iter().map(|b| hash("phash64", b, None)).collect(),
            variants: Vec::new(),
        }
    }

    #[test]
    fn returns_the_closest_hit_per_right_within_the_threshold() {
        // Synthetic hashes (all ones, a byte of ones) sit near unrelated images' hashes: these
        // tests are about the thresholds, not specificity.
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        index.insert(image("r1", "front", &["00000000000000ff"]));
        index.insert(image("r1", "side", &["0000000000000001"]));
        index.insert(image("r2", "logo", &["ffffffffffffffff"]));
        index.insert(image("r3", "logo", &["000000000000000f"]));
        assert_eq!(index.len(), 4);

        let region = Some([0.1, 0.2, 0.3, 0.3]);
        let query = [
            hash("phash64", "0000000000000000", region),
            hash("phash64", "00000000000000f0", None),
        ];
        let hits = index.query(&query, 4);
        let summary: Vec<_> = hits
            .iter()
            .map(|h| (h.right_id.as_str(), h.view.as_str(), h.distance))
            .collect();
        assert_eq!(summary, vec![("r1", "side", 1), ("r3", "logo", 4)]);
        assert_eq!(hits[0].region, region);
        assert_eq!(hits[0].right_digest, "d-r1-side");
        assert_eq!(hits[0].algorithm, "phash64");
    }

    #[test]
    fn compares_only_the_same_algorithm_and_forgets_removed_rights() {
        // Synthetic hashes (all ones, a byte of ones) sit near unrelated images' hashes: these
        // tests are about the thresholds, not specificity.
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        index.insert(image("r1", "logo", &["0000000000000000"]));
        index.insert(image("r2", "logo", &["0000000000000000", "not hex"]));
        let other_alg = [hash("pdq", "0000000000000000", None)];
        assert!(index.query(&other_alg, 10).is_empty());

        index.remove_right("r1");
        assert_eq!(index.len(), 1);
        let hits = index.query(&[hash("phash64", "0000000000000000", None)], 0);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].right_id, "r2");
    }

    #[test]
    fn variants_match_whole_pictures_only_and_each_comparison_has_its_threshold() {
        // Synthetic hashes (all ones, a byte of ones) sit near unrelated images' hashes: these
        // tests are about the thresholds, not specificity.
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        let mut logo = image("r1", "logo", &["0000000000000000"]);
        logo.variants = vec![hash("phash64", "ffffffffffffffff", None)];
        index.insert(logo);
        let thresholds = Thresholds {
            whole: 4,
            variant: 2,
            window: 0,
            pdq: 0,
            shape: 0,
        };
        let found = |bits: &str, region| {
            index
                .query_with(&[hash("phash64", bits, region)], thresholds)
                .first()
                .map(|h| h.distance)
        };
        let window = Some([0.0, 0.0, 0.5, 0.5]);
        assert_eq!(found("000000000000000f", None), Some(4));
        assert_eq!(found("000000000000001f", None), None);
        assert_eq!(found("fffffffffffffffc", None), Some(2), "the variant");
        assert_eq!(found("fffffffffffffff8", None), None);
        assert_eq!(found("0000000000000000", window), Some(0));
        assert_eq!(found("0000000000000001", window), None);
        assert_eq!(
            found("ffffffffffffffff", window),
            None,
            "no variant for windows"
        );
    }

    #[test]
    fn pdq_hashes_compare_whole_pictures_with_core_hashes_at_their_own_threshold() {
        let zeros = "0".repeat(64);
        // Synthetic hashes (all ones, a byte of ones) sit near unrelated images' hashes: these
        // tests are about the thresholds, not specificity.
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        let mut logo = image("r1", "logo", &[zeros.as_str()]);
        logo.hashes[0].algorithm = PDQ256.into();
        logo.variants = vec![hash(PDQ256, &"f".repeat(64), None)];
        index.insert(logo);
        let thresholds = Thresholds {
            whole: 2,
            variant: 2,
            window: 2,
            pdq: 8,
            shape: 2,
        };
        let found = |bits: &str, region| {
            index
                .query_with(&[hash(PDQ256, bits, region)], thresholds)
                .first()
                .map(|h| (h.distance, h.threshold))
        };
        // 8 bits set: within the PDQ threshold, beyond every 64-bit one.
        let eight = format!("{}ff", "0".repeat(62));
        let nine = format!("{}1ff", "0".repeat(61));
        assert_eq!(found(&eight, None), Some((8, 8)));
        assert_eq!(found(&nine, None), None);
        assert_eq!(
            found(&zeros, Some([0.0, 0.0, 0.5, 0.5])),
            None,
            "no windows"
        );
        assert_eq!(found(&"f".repeat(64), None), None, "no variants");
    }

    #[test]
    fn silhouettes_compare_with_registered_silhouettes_at_their_own_threshold() {
        // Synthetic hashes (all ones, a byte of ones) sit near unrelated images' hashes: these
        // tests are about the thresholds, not specificity.
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        let mut logo = image("r1", "logo", &["0000000000000000"]);
        logo.hashes.push(hash(SHAPE64, "ff00000000000000", None));
        logo.variants = vec![hash(SHAPE64, "00ff000000000000", None)];
        index.insert(logo);
        let thresholds = Thresholds {
            whole: 2,
            variant: 2,
            window: 2,
            pdq: 2,
            shape: 6,
        };
        let region = Some([0.1, 0.1, 0.5, 0.5]);
        let found = |algorithm: &str, bits: &str| {
            index
                .query_with(&[hash(algorithm, bits, region)], thresholds)
                .first()
                .map(|h| (h.distance, h.threshold, h.algorithm.clone()))
        };
        let shape = |bits: &str| found(SHAPE64, bits);
        assert_eq!(shape("fc00000000000003"), Some((4, 6, SHAPE64.into())));
        assert_eq!(shape("f000000000000003"), Some((6, 6, SHAPE64.into())));
        assert_eq!(shape("f00000000000000f"), None, "8 bits away");
        assert_eq!(
            found(PHASH64, "ff00000000000000"),
            None,
            "a photo hash never meets a silhouette"
        );
        assert_eq!(shape("00ff000000000000"), None, "no variants");
    }

    #[test]
    fn ramped_hashes_are_held_tighter_than_their_plain_kind_and_never_meet_variants() {
        let thresholds = Thresholds {
            whole: 8,
            variant: 4,
            window: 4,
            pdq: 48,
            shape: 6,
        };
        for (algorithm, tighter) in [(PHASH64R, 2), (SHAPE64R, 4)] {
            assert_eq!(thresholds.for_kind(algorithm, false, false), Some(tighter));
            assert_eq!(thresholds.for_kind(algorithm, true, false), Some(tighter));
            assert_eq!(thresholds.for_kind(algorithm, false, true), None);
        }
        // Synthetic hashes (all ones, a byte of ones) sit near unrelated images' hashes: these
        // tests are about the thresholds, not specificity.
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        let mut logo = image("r1", "logo", &["0000000000000000"]);
        logo.hashes.push(hash(PHASH64R, "ff00000000000000", None));
        index.insert(logo);
        let found = |algorithm: &str, bits: &str| {
            index
                .query_with(
                    &[hash(algorithm, bits, Some([0.1, 0.1, 0.5, 0.5]))],
                    thresholds,
                )
                .first()
                .map(|h| (h.distance, h.algorithm.clone()))
        };
        assert_eq!(
            found(PHASH64R, "fc00000000000000"),
            Some((2, PHASH64R.into()))
        );
        assert_eq!(found(PHASH64R, "f000000000000000"), None, "4 bits away");
        assert_eq!(
            found(PHASH64, "ff00000000000000"),
            None,
            "plain meets ramped"
        );
    }

    #[test]
    fn a_loose_ramped_pair_is_found_only_with_support_from_another_kind_on_the_same_right() {
        // Synthetic hashes (all ones, a byte of ones) sit near unrelated images' hashes: these
        // tests are about the thresholds, not specificity.
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        for right in ["r1", "r2"] {
            let mut logo = image(right, "logo", &["ffffffffffffffff"]);
            logo.hashes.push(hash(PHASH64R, "ff00000000000000", None));
            logo.hashes.push(hash(SHAPE64R, "00000000000000ff", None));
            index.insert(logo);
        }
        // r2's silhouette differs: the query's silhouette is 8 bits from r1's, far from r2's.
        index.remove_right("r2");
        let mut r2 = image("r2", "logo", &["ffffffffffffffff"]);
        r2.hashes.push(hash(PHASH64R, "ff00000000000000", None));
        r2.hashes.push(hash(SHAPE64R, "ffffffff00000000", None));
        index.insert(r2);
        let window = Some([0.1, 0.1, 0.5, 0.5]);
        let query = [
            // 4 ramped bits from both rights' ramped hash: beyond its strict bound (2).
            hash(PHASH64R, "f000000000000000", window),
            // 8 ramped silhouette bits from r1's (its support bound: loose 6 + 2).
            hash(SHAPE64R, "0000000000000000", window),
        ];
        let hits = index.query_with(&query, crate::IMAGE_THRESHOLDS);
        let found: Vec<_> = hits
            .iter()
            .map(|h| {
                (
                    h.right_id.as_str(),
                    h.algorithm.as_str(),
                    h.distance,
                    h.threshold,
                )
            })
            .collect();
        assert_eq!(found, vec![("r1", PHASH64R, 4, 4)]);
        // Without the silhouette the ramped window stands for neither.
        assert!(
            index
                .query_with(&query[..1], crate::IMAGE_THRESHOLDS)
                .is_empty()
        );
    }

    #[test]
    fn prefers_a_whole_image_hit_at_equal_distance() {
        // Synthetic hashes (all ones, a byte of ones) sit near unrelated images' hashes: these
        // tests are about the thresholds, not specificity.
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        index.insert(image("r1", "logo", &["0000000000000000"]));
        let query = [
            hash("phash64", "0000000000000001", Some([0.0, 0.0, 0.5, 0.5])),
            hash("phash64", "0000000000000002", None),
        ];
        let hits = index.query(&query, 3);
        assert_eq!(hits[0].region, None);
    }
}
