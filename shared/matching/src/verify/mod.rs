//! The verification stage: local keypoints, binary descriptors and a geometric check.
//!
//! Whole-picture and window hashes do not survive a logo printed on cloth, stuck on a box in
//! perspective or lost in clutter. Local features do: a registered image's ORB-like keypoints
//! ([`features`], computed once when it is registered) are matched with a listing photo's,
//! and the match stands only when enough of them agree on one homography whose image of the
//! registered picture is a sane quad ([`geometry`]). [`crate::ImageIndex::query_verified`]
//! uses it to confirm the weak pairs the hashes find and, when asked, to look for every
//! registered image the hashes found nothing for.

pub mod candidates;
pub mod features;
pub mod geometry;

pub use candidates::{CANDIDATE_PARAMS, CandidateParams, DescriptorIndex, MAX_FEATURE_CANDIDATES};

pub use features::{
    FeatureParams, Keypoint, LocalFeatures, QUERY_FEATURES, REFERENCE_FEATURES, extract, to_gray,
};
pub use geometry::{
    HASH_ALONE_MIN_SCORE, VERIFY_PARAMS, Verification, VerifyParams, match_descriptors, verify,
};

use crate::decode::{ImageError, ImageLimits};

/// The algorithm name of a hit that stood by verification rather than by a hash distance.
pub const VERIFIED_ORB: &str = "orb256-ransac";

/// Features of an encoded image (decoded within `limits`).
pub fn features_from_bytes(
    bytes: &[u8],
    limits: &ImageLimits,
    params: &FeatureParams,
) -> Result<LocalFeatures, ImageError> {
    let rgb = crate::decode::decode_rgb(bytes, limits)?;
    Ok(extract(&to_gray(&rgb), params))
}

/// When the verification stage runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerifyPolicy {
    /// Never: hashes alone (the matcher before this stage).
    Off,
    /// On the rights the hashes found a pair with that did not stand (a loose window or
    /// silhouette), at most `max_candidates` of them, closest first (the default before
    /// `Confirmed`).
    Weak,
    /// As `Weak`, and when the hashes found nothing at all for a photo, against every
    /// registered image (costly: see `examples/verify_cost.rs`).
    WeakThenAll,
    /// Every photo is verified against the registrations its local features vote for (at
    /// most [`MAX_FEATURE_CANDIDATES`], from the index's [`DescriptorIndex`]) and against
    /// the hashes' weak candidates; a hash hit stands by itself only at a calibrated score
    /// of [`VerifyParams::hash_alone_min_score`] or more, and below it only when its right
    /// is verified in the photo. The default: better than `Weak` on every family and on
    /// flagged distractors on `bench/matching`'s fit split (REPORT.md).
    #[default]
    Confirmed,
}

/// At most this many weak candidate rights are verified per photo.
pub const MAX_WEAK_CANDIDATES: usize = 8;

/// The score reported for a verified hit with `inliers` inliers: rises from 0.5 at the
/// minimum towards 1 (not a fitted precision curve: the scores of hashes are; this one only
/// orders verified hits among themselves and against the hash hits' scores).
pub fn verified_score(inliers: usize, params: &VerifyParams) -> f32 {
    let min = params.min_inliers.max(1) as f32;
    let n = inliers as f32;
    (n / (n + min)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{ground, logo, paste};
    use image::{Rgb, RgbImage};

    fn reference(seed: u64) -> LocalFeatures {
        extract(&to_gray(&logo(seed, 256)), &REFERENCE_FEATURES)
    }

    #[test]
    fn a_logo_pasted_in_perspective_on_a_textured_photo_is_verified_with_its_region() {
        let mut photo = ground(7, 640, 480);
        // A tilted, foreshortened quad around (300..470, 120..330).
        let quad = [
            [310.0, 130.0],
            [470.0, 150.0],
            [455.0, 320.0],
            [300.0, 300.0],
        ];
        paste(&mut photo, &logo(42, 256), quad);
        let query = extract(&to_gray(&photo), &QUERY_FEATURES);
        let found = verify(&reference(42), &query, &VERIFY_PARAMS).expect("verified");
        assert!(found.inliers >= VERIFY_PARAMS.min_inliers, "{found}");
        // The region found is the pasted quad's box (to a few pixels).
        let [x, y, w, h] = found.region;
        let expect = [300.0 / 640.0, 130.0 / 480.0, 170.0 / 640.0, 190.0 / 480.0];
        for (got, want) in [x, y, w, h].iter().zip(expect) {
            assert!((got - want).abs() < 0.03, "{found} vs {expect:?}");
        }
        assert!(found.to_string().contains("inliers"));
    }

    #[test]
    fn a_small_rotated_logo_among_other_logos_is_verified_and_the_others_are_not_it() {
        let mut photo = ground(9, 640, 640);
        // The registered logo, small and rotated ~20°, among two unrelated ones.
        paste(
            &mut photo,
            &logo(42, 256),
            [[80.0, 120.0], [230.0, 70.0], [280.0, 215.0], [130.0, 265.0]],
        );
        paste(
            &mut photo,
            &logo(5, 256),
            [
                [360.0, 360.0],
                [560.0, 360.0],
                [560.0, 560.0],
                [360.0, 560.0],
            ],
        );
        paste(
            &mut photo,
            &logo(6, 256),
            [[360.0, 60.0], [560.0, 80.0], [550.0, 260.0], [370.0, 250.0]],
        );
        let query = extract(&to_gray(&photo), &QUERY_FEATURES);
        let found = verify(&reference(42), &query, &VERIFY_PARAMS).expect("verified");
        let [x, y, w, h] = found.region;
        assert!(
            (x - 80.0 / 640.0).abs() < 0.03 && (y - 70.0 / 640.0).abs() < 0.03,
            "{found}"
        );
        assert!(
            (w - 200.0 / 640.0).abs() < 0.04 && (h - 195.0 / 640.0).abs() < 0.04,
            "{found}"
        );
        // Logos that are not in the photo are not verified in it.
        for other in [11, 12, 13] {
            assert_eq!(
                verify(&reference(other), &query, &VERIFY_PARAMS),
                None,
                "{other}"
            );
        }
    }

    #[test]
    fn an_unrelated_photo_or_a_mirrored_copy_is_not_verified() {
        let photo = ground(3, 640, 480);
        let query = extract(&to_gray(&photo), &QUERY_FEATURES);
        assert_eq!(verify(&reference(42), &query, &VERIFY_PARAMS), None);
        // A mirror image maps to a flipped quad: no sane homography.
        let mut mirrored = ground(3, 640, 480);
        paste(
            &mut mirrored,
            &logo(42, 256),
            [
                [460.0, 100.0],
                [200.0, 100.0],
                [200.0, 360.0],
                [460.0, 360.0],
            ],
        );
        let query = extract(&to_gray(&mirrored), &QUERY_FEATURES);
        assert_eq!(verify(&reference(42), &query, &VERIFY_PARAMS), None);
    }

    #[test]
    fn features_are_bounded_and_deterministic() {
        let a = reference(42);
        assert!(!a.is_empty() && a.len() <= REFERENCE_FEATURES.max_features);
        assert_eq!(a, reference(42));
        // A plain image has none.
        let plain = RgbImage::from_pixel(300, 300, Rgb([200, 200, 200]));
        assert!(extract(&to_gray(&plain), &QUERY_FEATURES).is_empty());
    }

    /// A registered image whose only hash pair with the photo is a loose ramped window
    /// (too far to stand alone): a weak candidate.
    fn weakly_paired(
        right: &str,
        seed: u64,
        window: &takedown_model::RegionHash,
    ) -> (crate::IndexedImage, LocalFeatures) {
        // The window's bits with 3 flipped: within the ramped window's loose bound (4), beyond
        // its strict one (2).
        let mut word = u64::from_str_radix(&window.bits, 16).expect("64-bit hex");
        word ^= 0b1011;
        let hash = takedown_model::RegionHash {
            algorithm: crate::PHASH64R.into(),
            bits: format!("{word:016x}"),
            region: None,
        };
        let image = crate::IndexedImage {
            right_id: right.into(),
            view: "logo".into(),
            digest: String::new(),
            hashes: vec![hash],
            variants: Vec::new(),
        };
        (image, reference(seed))
    }

    #[test]
    fn the_index_confirms_a_weak_hash_candidate_by_verification_and_names_its_inliers() {
        use crate::{IMAGE_THRESHOLDS, ImageIndex, SpecificityPolicy};
        let mut photo = ground(7, 640, 480);
        paste(
            &mut photo,
            &logo(42, 256),
            [
                [310.0, 130.0],
                [470.0, 150.0],
                [455.0, 320.0],
                [300.0, 300.0],
            ],
        );
        let mut bytes = Vec::new();
        photo
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .expect("png");
        let limits = crate::ImageLimits::default();
        let hashes = crate::hash_query(&bytes, &limits).expect("hashed");
        let window = hashes
            .iter()
            .find(|h| h.algorithm == crate::PHASH64R)
            .expect("a ramped window");
        let query = features_from_bytes(&bytes, &limits, &QUERY_FEATURES).expect("features");
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        // The logo in the photo, and an unrelated logo, both only weakly paired by hashes.
        for (right, seed) in [("pasted", 42), ("unrelated", 77)] {
            let (image, features) = weakly_paired(right, seed, window);
            index.insert_with_features(image, Some(features));
        }
        // Hashes alone: nothing stands.
        assert!(index.query_with(&hashes, IMAGE_THRESHOLDS).is_empty());
        let off = index.query_verified(
            &hashes,
            IMAGE_THRESHOLDS,
            || Some(query.clone()),
            VerifyPolicy::Off,
            &VERIFY_PARAMS,
        );
        assert!(off.is_empty());
        let hits = index.query_verified(
            &hashes,
            IMAGE_THRESHOLDS,
            || Some(query.clone()),
            VerifyPolicy::Weak,
            &VERIFY_PARAMS,
        );
        assert_eq!(hits.len(), 1, "{hits:?}");
        let (hit, verified) = &hits[0];
        assert_eq!(
            (hit.right_id.as_str(), hit.algorithm.as_str()),
            ("pasted", VERIFIED_ORB)
        );
        let verified = verified.as_ref().expect("its verification");
        assert!(verified.inliers >= VERIFY_PARAMS.min_inliers);
        let [x, y, _, _] = hit.region.expect("the region found");
        assert!((x - 300.0 / 640.0).abs() < 0.03 && (y - 130.0 / 480.0).abs() < 0.03);
        assert!(
            verified
                .to_string()
                .contains(&format!("{} geometric inliers", verified.inliers))
        );
    }

    #[test]
    fn a_registration_with_no_hash_pair_is_found_only_when_every_image_is_verified() {
        use crate::{IMAGE_THRESHOLDS, ImageIndex, IndexedImage, SpecificityPolicy};
        let mut photo = ground(9, 640, 640);
        paste(
            &mut photo,
            &logo(42, 256),
            [[80.0, 120.0], [230.0, 70.0], [280.0, 215.0], [130.0, 265.0]],
        );
        let query = extract(&to_gray(&photo), &QUERY_FEATURES);
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        for (right, seed) in [("pasted", 42), ("other", 13)] {
            let image = IndexedImage {
                right_id: right.into(),
                view: "logo".into(),
                digest: String::new(),
                hashes: Vec::new(),
                variants: Vec::new(),
            };
            index.insert_with_features(image, Some(reference(seed)));
        }
        let weak = index.query_verified(
            &[],
            IMAGE_THRESHOLDS,
            || Some(query.clone()),
            VerifyPolicy::Weak,
            &VERIFY_PARAMS,
        );
        assert!(weak.is_empty());
        let all = index.query_verified(
            &[],
            IMAGE_THRESHOLDS,
            || Some(query.clone()),
            VerifyPolicy::WeakThenAll,
            &VERIFY_PARAMS,
        );
        let found: Vec<&str> = all.iter().map(|(h, _)| h.right_id.as_str()).collect();
        assert_eq!(found, ["pasted"]);
    }

    #[test]
    fn confirmed_verifies_feature_candidates_and_holds_weak_hash_hits_to_verification() {
        use crate::{IMAGE_THRESHOLDS, ImageIndex, IndexedImage, SpecificityPolicy};
        let mut photo = ground(9, 640, 640);
        paste(
            &mut photo,
            &logo(42, 256),
            [[80.0, 120.0], [230.0, 70.0], [280.0, 215.0], [130.0, 265.0]],
        );
        let mut bytes = Vec::new();
        photo
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .expect("png");
        let limits = crate::ImageLimits::default();
        let hashes = crate::hash_query(&bytes, &limits).expect("hashed");
        let query = features_from_bytes(&bytes, &limits, &QUERY_FEATURES).expect("features");
        let window = hashes
            .iter()
            .find(|h| h.algorithm == crate::PHASH64 && h.region.is_some())
            .expect("a window")
            .clone();
        let mut index = ImageIndex::with_policy(SpecificityPolicy::off());
        // "hashed-there" and "hashed-elsewhere" share one of the photo's window hashes
        // exactly (a hash hit); only the first is in the photo. "features-only" has no
        // hash at all and is in the photo too (as a second registration of logo 42).
        for (right, seed, hashed) in [
            ("hashed-there", 42, true),
            ("hashed-elsewhere", 77, true),
            ("features-only", 42, false),
        ] {
            let image = IndexedImage {
                right_id: right.into(),
                view: "logo".into(),
                digest: String::new(),
                hashes: if hashed {
                    vec![window.clone()]
                } else {
                    Vec::new()
                },
                variants: Vec::new(),
            };
            index.insert_with_features(image, Some(reference(seed)));
        }
        let rights = |policy, params: &VerifyParams| {
            let mut found: Vec<(String, String)> = index
                .query_verified(
                    &hashes,
                    IMAGE_THRESHOLDS,
                    || Some(query.clone()),
                    policy,
                    params,
                )
                .into_iter()
                .map(|(h, _)| (h.right_id, h.algorithm))
                .collect();
            found.sort();
            found
        };
        let weak = rights(VerifyPolicy::Weak, &VERIFY_PARAMS);
        assert_eq!(weak.len(), 2, "both hash hits stand by hashes: {weak:?}");
        // Every hash hit below an unreachable score must be verified: the registration
        // that is not in the photo no longer stands; the one without hashes is found by
        // its descriptors' votes.
        let strict = VerifyParams {
            hash_alone_min_score: 1.01,
            ..VERIFY_PARAMS
        };
        let confirmed = rights(VerifyPolicy::Confirmed, &strict);
        assert_eq!(
            confirmed,
            [
                ("features-only".to_string(), VERIFIED_ORB.to_string()),
                ("hashed-there".to_string(), VERIFIED_ORB.to_string()),
            ]
        );
        // Without the photo's features, a hash hit below the score does not stand.
        let blind = index.query_verified(
            &hashes,
            IMAGE_THRESHOLDS,
            || None,
            VerifyPolicy::Confirmed,
            &strict,
        );
        assert!(blind.is_empty(), "{blind:?}");
    }
}
