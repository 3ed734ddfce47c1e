//! Every output of a listing photo's query — each hash with its region, the photo's local
//! features, and their verification against registered logos — equals what it was when the
//! query was made faster (issue 14): the speed-ups must not move a single bit, or every
//! stored hash and fitted threshold would silently change meaning.
//!
//! Each photo's outputs are folded into one FNV-1a digest, recorded below from the code
//! before the speed-ups. On a mismatch the test prints the new table; re-record only for a
//! deliberate change of the hashes (which needs a re-fit of the thresholds).

mod fixtures;

use takedown_matching::verify::{
    LocalFeatures, QUERY_FEATURES, REFERENCE_FEATURES, VERIFY_PARAMS, extract, features_from_bytes,
    match_descriptors, to_gray, verify,
};
use takedown_matching::{ImageLimits, hash_query};

/// FNV-1a, 64 bits: enough to tell any changed bit apart, with no dependency.
struct Digest(u64);

impl Digest {
    fn new() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    fn f32(&mut self, v: f32) {
        self.bytes(&v.to_bits().to_le_bytes());
    }
}

/// The listing photos: 640×640 JPEG q85 and PNG (the bench's kind), a large JPEG (the
/// working copy's shrink) and a scene of flat shapes (many silhouettes).
fn photos() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for seed in 1..=9u64 {
        let photo = fixtures::listing_photo(seed, 640);
        out.push((format!("photo {seed} jpeg"), fixtures::jpeg(&photo, 85)));
    }
    for seed in 10..=12u64 {
        let photo = fixtures::listing_photo(seed, 640);
        out.push((format!("photo {seed} png"), fixtures::png(&photo)));
    }
    let large = fixtures::paste(
        &fixtures::textured_ground(13, 1600, 1200),
        &fixtures::detailed_logo(13),
        700,
        300,
        500,
    );
    out.push(("large 1600x1200 jpeg".into(), fixtures::jpeg(&large, 85)));
    let shapes = fixtures::paste(
        &fixtures::scene(14, 640, 480),
        &fixtures::logo(14),
        200,
        100,
        220,
    );
    out.push((
        "flat shapes 640x480 jpeg".into(),
        fixtures::jpeg(&shapes, 85),
    ));
    out
}

/// The digest of a set of local features: size, keypoints and descriptors.
fn features_digest(features: &LocalFeatures) -> u64 {
    let mut digest = Digest::new();
    digest.u64(u64::from(features.width) << 32 | u64::from(features.height));
    for (k, d) in features.keypoints.iter().zip(&features.descriptors) {
        for v in [k.x, k.y, k.response, k.angle, k.scale] {
            digest.f32(v);
        }
        d.iter().for_each(|&w| digest.u64(w));
    }
    digest.0
}

/// Digests of each photo's hashes, features and verifications, in `photos()` order.
fn digests() -> Vec<(String, u64, u64, u64)> {
    let limits = ImageLimits::default();
    // Registered logos: the ones pasted into photos 1, 2, 10 and 13, and two that are
    // nowhere.
    let references: Vec<_> = [1u64, 2, 10, 13, 101, 102]
        .iter()
        .map(|&seed| {
            extract(
                &to_gray(&fixtures::detailed_logo(seed)),
                &REFERENCE_FEATURES,
            )
        })
        .collect();
    photos()
        .into_iter()
        .map(|(name, bytes)| {
            let mut hashes = Digest::new();
            for h in hash_query(&bytes, &limits).expect("the photo hashes") {
                hashes.bytes(h.algorithm.as_bytes());
                hashes.bytes(h.bits.as_bytes());
                for v in h.region.unwrap_or([f32::NAN; 4]) {
                    hashes.f32(v);
                }
            }
            let query = features_from_bytes(&bytes, &limits, &QUERY_FEATURES).expect("features");
            let features = features_digest(&query);
            let mut verified = Digest::new();
            for reference in &references {
                for (r, q) in match_descriptors(reference, &query, &VERIFY_PARAMS) {
                    verified.u64((r as u64) << 32 | q as u64);
                }
                match verify(reference, &query, &VERIFY_PARAMS) {
                    None => verified.u64(u64::MAX),
                    Some(v) => {
                        verified.u64(v.inliers as u64);
                        verified.u64(v.matches as u64);
                        v.quad.iter().flatten().for_each(|&c| verified.f32(c));
                        v.region.iter().for_each(|&c| verified.f32(c));
                    }
                }
            }
            (name, hashes.0, features, verified.0)
        })
        .collect()
}

/// (photo, hashes, features, verifications), recorded before the speed-ups of issue 14.
const RECORDED: &[(&str, u64, u64, u64)] = &[
    (
        "photo 1 jpeg",
        0xf3ff71cb48827cd1,
        0xf46a88b3461db434,
        0xc305811f27e1f6fa,
    ),
    (
        "photo 2 jpeg",
        0xc0550cae35c51482,
        0xddaef079e2bba23f,
        0x802bd27a3e6c6ce0,
    ),
    (
        "photo 3 jpeg",
        0xdc89820c5f599d4a,
        0xc92c37886b44dd1a,
        0x8357c4edbdf2dbe1,
    ),
    (
        "photo 4 jpeg",
        0xb8f49d193a9dd4a4,
        0x661e8a72e025ba96,
        0x3969e46ad9f46345,
    ),
    (
        "photo 5 jpeg",
        0x8520f6ee41311928,
        0x38e4379bd561e670,
        0xb15b12a688854224,
    ),
    (
        "photo 6 jpeg",
        0x87ec65f6490975b7,
        0x45d27edf7ce0b86d,
        0x2e83b6b77932b574,
    ),
    (
        "photo 7 jpeg",
        0xe73256e9d66c4999,
        0xdb993557f4582284,
        0xd6977be49a77e9b9,
    ),
    (
        "photo 8 jpeg",
        0xb74d2ef4c24117bc,
        0xf1a3bf55a24063dd,
        0x63294d6f7be33b9c,
    ),
    (
        "photo 9 jpeg",
        0xb77dc24fe2b36dbc,
        0x2aa9af20d0a91437,
        0xd61e9c7d54e1492c,
    ),
    (
        "photo 10 png",
        0x6f3a56bf296d9cf4,
        0x448235ea7bffebd8,
        0x65c3962d6728fe9a,
    ),
    (
        "photo 11 png",
        0x96717dfa6809b724,
        0xf3af0da41ac09295,
        0x92e37567f8138fa9,
    ),
    (
        "photo 12 png",
        0x6621eeb49c76d44e,
        0x265a3263db115fe8,
        0x4801f466609f0b6a,
    ),
    (
        "large 1600x1200 jpeg",
        0xfc4a7789975103ef,
        0x4474a73fa5bc161a,
        0x800701fe9df046a5,
    ),
    (
        "flat shapes 640x480 jpeg",
        0x2f6df8e724feec6a,
        0x3e343f811fe7063c,
        0x84673cd5a4f045e6,
    ),
];

#[test]
fn query_outputs_are_bit_identical_to_the_recorded_ones() {
    let got = digests();
    let table: String = got
        .iter()
        .map(|(name, h, f, v)| format!("    ({name:?}, {h:#018x}, {f:#018x}, {v:#018x}),\n"))
        .collect();
    let same = got.len() == RECORDED.len()
        && got
            .iter()
            .zip(RECORDED)
            .all(|(g, r)| (g.0.as_str(), g.1, g.2, g.3) == *r);
    assert!(same, "query outputs changed; now:\n{table}");
}

/// (logo, digest of its registration's features), recorded before the speed-ups.
const RECORDED_REFERENCES: &[(&str, u64)] = &[
    ("detailed logo 1", 0x219da4971ca61892),
    ("detailed logo 2", 0xeaa4e25f2b9b179f),
    ("detailed logo 3", 0x66609a558b7ddcd9),
    ("detailed logo 4", 0x7cf559c0d7ada58e),
    ("logo 1", 0xa0297e8e6d97bbbc),
    ("logo 2", 0x99d1613859e921e9),
    ("logo 3", 0xd695f7c8e73f7b93),
    ("logo 4", 0xfa3d3652e77475a3),
    ("logo 5 at 700x300", 0x20c6fba96d4eb175),
];

#[test]
fn reference_features_are_bit_identical_to_the_recorded_ones() {
    let logos = (1..=4u64)
        .map(|seed| {
            (
                format!("detailed logo {seed}"),
                fixtures::detailed_logo(seed),
            )
        })
        .chain((1..=4u64).map(|seed| (format!("logo {seed}"), fixtures::logo(seed))))
        .chain([(
            "logo 5 at 700x300".to_string(),
            image::imageops::resize(
                &fixtures::logo(5),
                700,
                300,
                image::imageops::FilterType::Triangle,
            ),
        )]);
    let got: Vec<(String, u64)> = logos
        .map(|(name, rgb)| {
            let features = extract(&to_gray(&rgb), &REFERENCE_FEATURES);
            (name, features_digest(&features))
        })
        .collect();
    let table: String = got
        .iter()
        .map(|(name, d)| format!("    ({name:?}, {d:#018x}),\n"))
        .collect();
    let same = got.len() == RECORDED_REFERENCES.len()
        && got
            .iter()
            .zip(RECORDED_REFERENCES)
            .all(|(g, r)| (g.0.as_str(), g.1) == *r);
    assert!(same, "reference features changed; now:\n{table}");
}
