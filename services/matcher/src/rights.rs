//! The matcher's in-memory view of the registry, kept in step with the store one right at
//! a time: a right registered, changed, lapsed or deleted updates the indexes without
//! rebuilding them or re-hashing anyone else's images.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use takedown_matching::{
    ImageLimits, IndexedImage, WordMarkIndex, hash_reference_views,
    verify::{LocalFeatures, REFERENCE_FEATURES, VerifyPolicy, features_from_bytes},
};
use takedown_model::{Right, RightKind, digest_hex};
use takedown_store::BlobStore;

use crate::hash_index::ImageHashIndex;

/// A right the view took in or took in anew, with what a retro-hunt needs of it.
#[derive(Debug, Clone)]
pub struct Arrived {
    pub right: Right,
    /// Digest of the right's content: a changed right is a new registration to hunt for.
    pub fingerprint: String,
    /// Its registered images, hashed.
    pub images: Vec<IndexedImage>,
    /// Their local features for the verification stage, by image digest (empty when
    /// verification is off).
    pub features: HashMap<String, Arc<LocalFeatures>>,
}

#[derive(Default)]
pub struct RightsView {
    pub rights: HashMap<String, Right>,
    pub words: WordMarkIndex,
    pub images: ImageHashIndex,
    /// Fingerprint of each right as indexed.
    fingerprints: HashMap<String, String>,
    /// (owner, platform, seller folded to lowercase).
    authorized: HashSet<(String, String, String)>,
    /// The registry version this view was brought up to.
    version: Option<String>,
    /// When listing photos are verified against registered images by local features; off,
    /// the registered images' features are not computed.
    pub verification: VerifyPolicy,
}

/// What the store's registry changes in a view: computed under the view's lock, carried
/// out (the images hashed) without it, applied under it again.
#[derive(Debug, Default)]
pub struct Plan {
    /// Rights to unindex: gone from the registry, or changed (re-added from `changed`).
    pub gone: Vec<String>,
    /// New and changed rights with their fingerprints.
    pub changed: Vec<(Right, String)>,
}

impl RightsView {
    /// The registry version the view was last brought up to.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Makes `rights` the view's registry: rights not in it leave the indexes, new and
    /// changed ones are (re-)indexed, unchanged ones are left alone. Returns the rights
    /// (re-)indexed.
    pub fn apply(&mut self, rights: Vec<Right>, blobs: &BlobStore) -> Vec<Arrived> {
        let plan = self.plan(rights);
        let arrived = hash_rights(plan.changed, blobs, self.verification);
        self.commit(&plan.gone, arrived.clone());
        arrived
    }

    /// What it takes to make `rights` the view's registry.
    pub fn plan(&self, rights: Vec<Right>) -> Plan {
        let present: HashSet<&str> = rights.iter().map(|r| r.id.as_str()).collect();
        let mut gone: Vec<String> = self
            .rights
            .keys()
            .filter(|id| !present.contains(id.as_str()))
            .cloned()
            .collect();
        let mut changed = Vec::new();
        for right in rights {
            let fingerprint = fingerprint(&right);
            match self.fingerprints.get(&right.id) {
                Some(known) if *known == fingerprint => continue,
                Some(_) => gone.push(right.id.clone()),
                None => {}
            }
            changed.push((right, fingerprint));
        }
        Plan { gone, changed }
    }

    /// Unindexes `gone` and indexes `arrived` (hashed by [`hash_rights`]).
    pub fn commit(&mut self, gone: &[String], arrived: Vec<Arrived>) {
        let mut images = Vec::new();
        for id in gone {
            tracing::info!(right = %id, "right changed, lapsed or withdrawn: unindexed");
            self.remove(id);
        }
        for a in arrived {
            // A right changed twice between plan and commit is replaced, never doubled.
            self.remove(&a.right.id);
            images.retain(|(image, _): &(IndexedImage, _)| image.right_id != a.right.id);
            if a.right.kind == RightKind::WordMark {
                self.words.add(&a.right.id, &a.right.name);
            }
            // Such a territory covers no market, so the right matches nowhere a market is
            // known unless another of its territories does: worth the owner's attention.
            for unknown in a
                .right
                .territories
                .iter()
                .filter(|t| !crate::territory::is_territory_code(t))
            {
                tracing::warn!(right = %a.right.id, territory = %unknown, "territory is neither an ISO 3166 alpha-2 code nor EU: it covers no market");
            }
            images.extend(a.images.into_iter().map(|image| {
                let features = a.features.get(&image.digest).cloned();
                (image, features)
            }));
            self.fingerprints.insert(a.right.id.clone(), a.fingerprint);
            self.rights.insert(a.right.id.clone(), a.right);
        }
        // One rebuild for the whole refresh, after every removal.
        self.images.extend_with_features(images);
    }

    /// Replaces the authorized sellers.
    pub fn set_authorized(&mut self, sellers: Vec<takedown_model::AuthorizedSeller>) {
        self.authorized = sellers
            .into_iter()
            .map(|a| (a.owner_id, a.platform, a.seller.to_lowercase()))
            .collect();
    }

    /// Records the registry version the view now reflects.
    pub fn set_version(&mut self, version: String) {
        self.version = Some(version);
    }

    /// A view over `rights` (images read from `blobs` and hashed).
    pub fn build(rights: Vec<Right>, blobs: &BlobStore) -> Self {
        Self::build_verified(rights, blobs, VerifyPolicy::default())
    }

    /// A view over `rights` that verifies under `verification`.
    pub fn build_verified(
        rights: Vec<Right>,
        blobs: &BlobStore,
        verification: VerifyPolicy,
    ) -> Self {
        let mut view = Self::verifying(verification);
        view.apply(rights, blobs);
        view
    }

    /// An empty view that verifies under `verification`.
    pub fn verifying(verification: VerifyPolicy) -> Self {
        RightsView {
            verification,
            ..RightsView::default()
        }
    }

    pub fn is_authorized(&self, owner: &str, platform: &str, seller: &str) -> bool {
        self.authorized
            .contains(&(owner.to_owned(), platform.to_owned(), seller.to_lowercase()))
    }

    fn remove(&mut self, right_id: &str) {
        self.words.remove_right(right_id);
        self.images.remove_right(right_id);
        self.rights.remove(right_id);
        self.fingerprints.remove(right_id);
    }
}

/// Reads and hashes the registered images of `rights`, and unless `verification` is off
/// computes their local features (CPU work: callers on the async runtime run it on a
/// blocking thread). An image that cannot be read or hashed is logged and left out; the
/// right's other images and the other rights still load.
pub fn hash_rights(
    rights: Vec<(Right, String)>,
    blobs: &BlobStore,
    verification: VerifyPolicy,
) -> Vec<Arrived> {
    rights
        .into_iter()
        .map(|(right, fingerprint)| {
            let (images, features) = hash_images(&right, blobs, verification);
            Arrived {
                images,
                features,
                right,
                fingerprint,
            }
        })
        .collect()
}

/// Digest of a right's content (its JSON, fields in declaration order).
pub fn fingerprint(right: &Right) -> String {
    // A model value always serializes; an empty body would only make every right "changed".
    digest_hex(serde_json::to_string(right).unwrap_or_default().as_bytes())
}

/// The hashes of a right's registered images, and their features by digest.
fn hash_images(
    right: &Right,
    blobs: &BlobStore,
    verification: VerifyPolicy,
) -> (Vec<IndexedImage>, HashMap<String, Arc<LocalFeatures>>) {
    let limits = ImageLimits::default();
    let mut out = Vec::new();
    let mut features = HashMap::new();
    for image in &right.images {
        let bytes = blobs.get(&image.digest).map_err(|e| e.to_string());
        let hashes = bytes
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|bytes| hash_reference_views(bytes, &limits).map_err(|e| e.to_string()));
        if let (Ok(bytes), true) = (&bytes, verification != VerifyPolicy::Off) {
            // An image that hashes decodes for its features too; one that does not is
            // reported below.
            if let Ok(found) = features_from_bytes(bytes, &limits, &REFERENCE_FEATURES) {
                features.insert(image.digest.clone(), Arc::new(found));
            }
        }
        match hashes {
            Ok(views) => out.push(IndexedImage {
                right_id: right.id.clone(),
                view: image.view.clone(),
                digest: image.digest.clone(),
                hashes: views.core,
                variants: views.variants,
            }),
            Err(e) => {
                tracing::error!(right = %right.id, view = %image.view, error = %e, "registered image not indexed")
            }
        }
    }
    (out, features)
}

#[cfg(test)]
mod tests {
    use super::*;
    use takedown_matching::{IMAGE_THRESHOLDS, PHASH64};
    use takedown_model::RegionHash;

    fn arrived(version: &str, bits: &str) -> Arrived {
        let right: Right = serde_json::from_value(serde_json::json!({
            "id": "r1", "owner_id": "acme", "kind": "logo_mark", "name": "ACME",
            "registration_number": "EUTM 1", "office": "EUIPO", "classes": ["25"],
            "territories": ["EU"], "images": []
        }))
        .expect("right");
        let hash = RegionHash {
            algorithm: PHASH64.into(),
            bits: bits.into(),
            region: None,
        };
        Arrived {
            right,
            fingerprint: version.into(),
            images: vec![IndexedImage {
                right_id: "r1".into(),
                view: "logo".into(),
                digest: version.into(),
                hashes: vec![hash],
                variants: Vec::new(),
            }],
            features: HashMap::new(),
        }
    }

    fn found(view: &RightsView, bits: &str) -> usize {
        let query = RegionHash {
            algorithm: PHASH64.into(),
            bits: bits.into(),
            region: None,
        };
        view.images.query_with(&[query], IMAGE_THRESHOLDS).len()
    }

    #[test]
    fn a_right_arriving_twice_in_one_refresh_is_indexed_once_as_its_latest_version() {
        let mut view = RightsView::default();
        let (old, new) = ("00000000000000ff", "ffffffff00000000");
        view.commit(&[], vec![arrived("v1", old), arrived("v2", new)]);
        assert_eq!(view.images.len(), 1, "one image, not one per arrival");
        assert_eq!(found(&view, new), 1);
        assert_eq!(found(&view, old), 0, "the first version is replaced");
        // A later refresh replaces it again.
        view.commit(&["r1".to_owned()], vec![arrived("v3", old)]);
        assert_eq!(view.images.len(), 1);
        assert_eq!((found(&view, old), found(&view, new)), (1, 0));
    }
}
