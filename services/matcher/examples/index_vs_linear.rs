//! The matcher's image decision through `ImageHashIndex` (exact Hamming indexes) against
//! `ImageIndex` (the linear scan it replaced), on a large registry, with identical answers.
//!
//! ```sh
//! cargo run -p takedown-matcher --example index_vs_linear \
//!     --config 'profile.dev.package.takedown-matcher.opt-level=2' -- [--images 50000] [--queries 5] [--full 1]
//! ```
//!
//! Each registered image has 4 core pHashes, 16 variants and one PDQ, uniform random
//! (seeded); each listing image a whole pHash, 299 windows and a whole PDQ, with a near copy
//! of a registered hash planted in one window so every answer has a hit.
//!
//! With `--full 1`, hashes in the numbers and kinds `hash_reference_views` and
//! `hash_query` give on the development dataset: registered images also have 4 ramped
//! pHashes, 2 silhouettes and 2 ramped silhouettes; a listing image has 2 whole pHashes,
//! 1,650 windows, 380 ramped windows, 24 silhouettes of each kind and a PDQ (2,081), with a
//! ramped window 3 bits from a registered one and a ramped silhouette 6 bits from the same
//! right planted, so that one hit stands only by corroboration. The linear scan then checks
//! the first query only (it takes seconds per image).

#![forbid(unsafe_code)]

use std::time::Instant;

use rand::{Rng, SeedableRng, rngs::StdRng};
use takedown_matcher::ImageHashIndex;
use takedown_matching::{
    IMAGE_THRESHOLDS, ImageIndex, IndexedImage, PDQ256, PHASH64, PHASH64R, SHAPE64, SHAPE64R,
};
use takedown_model::RegionHash;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn hash(algorithm: &str, bits: &[u8], window: bool) -> RegionHash {
    RegionHash {
        algorithm: algorithm.into(),
        bits: hex::encode(bits),
        region: window.then_some([0.25, 0.25, 0.5, 0.5]),
    }
}

fn main() {
    let images = arg("--images", 50_000);
    let queries = arg("--queries", 5);
    let full = arg("--full", 0) == 1;
    let mut rng = StdRng::seed_from_u64(3);
    let mut linear = ImageIndex::new();
    let mut ours = ImageHashIndex::new();
    let mut cores: Vec<[u8; 8]> = Vec::new();
    // Per registered image, its first ramped pHash and ramped silhouette (`--full 1`).
    let mut ramped: Vec<([u8; 8], [u8; 8])> = Vec::new();
    let start = Instant::now();
    let registered: Vec<IndexedImage> = (0..images)
        .map(|i| {
            let core: Vec<[u8; 8]> = (0..4).map(|_| rng.random()).collect();
            cores.extend(&core);
            let mut hashes: Vec<RegionHash> = core
                .iter()
                .map(|b| hash(PHASH64, b, false))
                .chain([hash(PDQ256, &rng.random::<[u8; 32]>(), false)])
                .collect();
            if full {
                let (window, shape): ([u8; 8], [u8; 8]) = (rng.random(), rng.random());
                ramped.push((window, shape));
                hashes.push(hash(PHASH64R, &window, false));
                hashes.push(hash(SHAPE64R, &shape, false));
                let kinds = [(PHASH64R, 3), (SHAPE64, 2), (SHAPE64R, 1)];
                for (kind, count) in kinds {
                    for _ in 0..count {
                        hashes.push(hash(kind, &rng.random::<[u8; 8]>(), false));
                    }
                }
            }
            IndexedImage {
                right_id: format!("r{i}"),
                view: "logo".into(),
                digest: format!("d{i}"),
                hashes,
                variants: (0..16)
                    .map(|_| hash(PHASH64, &rng.random::<[u8; 8]>(), false))
                    .collect(),
            }
        })
        .collect();
    // As the matcher loads its registry: one batch.
    ours.extend(registered.iter().cloned());
    let build_ours = start.elapsed();
    for image in registered {
        linear.insert(image);
    }
    println!(
        "{images} registered images, {} hashes; index built in {:.2} s",
        ours.hash_count(),
        build_ours.as_secs_f64()
    );

    let (mut t_linear, mut t_ours, mut checked) = (0.0, 0.0, 0usize);
    let mut per_image = 0;
    for q in 0..queries {
        let query = if full {
            full_query(&mut rng, &ramped)
        } else {
            let mut query = vec![hash(PHASH64, &rng.random::<[u8; 8]>(), false)];
            for _ in 0..299 {
                query.push(hash(PHASH64, &rng.random::<[u8; 8]>(), true));
            }
            query.push(hash(PDQ256, &rng.random::<[u8; 32]>(), false));
            let mut near = cores[rng.random_range(0..cores.len())];
            near[0] ^= 0b101;
            query[150] = hash(PHASH64, &near, true);
            query
        };
        per_image = query.len();

        let start = Instant::now();
        let got = ours.query_with(&query, IMAGE_THRESHOLDS);
        t_ours += start.elapsed().as_secs_f64();
        assert!(!got.is_empty(), "the planted pair is found");
        if !full || q == 0 {
            let start = Instant::now();
            let expected = linear.query_with(&query, IMAGE_THRESHOLDS);
            t_linear += start.elapsed().as_secs_f64();
            checked += 1;
            assert_eq!(got, expected, "identical answers");
        }
    }
    let (linear_ms, ours_ms) = (
        t_linear / checked as f64 * 1e3,
        t_ours / queries as f64 * 1e3,
    );
    println!(
        "per listing image ({per_image} hashes): linear {linear_ms:.1} ms, index {ours_ms:.2} ms ({:.0}x; {checked} checked identical)",
        linear_ms / ours_ms
    );
}

/// A listing image's hashes in `hash_query`'s kinds and numbers, with a ramped window 3
/// bits from a registered right's ramped hash and a ramped silhouette 6 bits from its
/// ramped silhouette: past both kinds' thresholds alone, standing together.
fn full_query(rng: &mut StdRng, ramped: &[([u8; 8], [u8; 8])]) -> Vec<RegionHash> {
    let mut query = Vec::with_capacity(2_081);
    for _ in 0..2 {
        query.push(hash(PHASH64, &rng.random::<[u8; 8]>(), false));
    }
    for (kind, count) in [
        (PHASH64, 1_650),
        (PHASH64R, 380),
        (SHAPE64, 24),
        (SHAPE64R, 24),
    ] {
        for _ in 0..count {
            query.push(hash(kind, &rng.random::<[u8; 8]>(), true));
        }
    }
    query.push(hash(PDQ256, &rng.random::<[u8; 32]>(), false));
    let (window, shape) = ramped[rng.random_range(0..ramped.len())];
    let flip = |mut bits: [u8; 8], count: u32| {
        for bit in 0..count {
            bits[bit as usize] ^= 1;
        }
        bits
    };
    query[500] = hash(PHASH64R, &flip(window, 3), true);
    query[2_060] = hash(SHAPE64R, &flip(shape, 6), true);
    query
}
