//! The matcher's image decision through `ImageHashIndex` (exact Hamming indexes) against
//! `ImageIndex` (the linear scan it replaced), on a large registry, with identical answers.
//!
//! ```sh
//! cargo run -p takedown-matcher --example index_vs_linear \
//!     --config 'profile.dev.package.takedown-matcher.opt-level=2' -- [--images 50000] [--queries 5]
//! ```
//!
//! Each registered image has what `hash_reference_views` gives a logo (4 core pHashes, 16
//! variants, one PDQ), uniform random (seeded); each listing image what `hash_query` gives
//! (a whole pHash, 299 windows, a whole PDQ), with a near copy of a registered hash planted
//! in one window so every answer has a hit.

use std::time::Instant;

use rand::{Rng, SeedableRng, rngs::StdRng};
use takedown_matcher::ImageHashIndex;
use takedown_matching::{IMAGE_THRESHOLDS, ImageIndex, IndexedImage, PDQ256, PHASH64};
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
    let mut rng = StdRng::seed_from_u64(3);
    let mut linear = ImageIndex::new();
    let mut ours = ImageHashIndex::new();
    let mut cores: Vec<[u8; 8]> = Vec::new();
    let start = Instant::now();
    let registered: Vec<IndexedImage> = (0..images)
        .map(|i| {
            let core: Vec<[u8; 8]> = (0..4).map(|_| rng.random()).collect();
            cores.extend(&core);
            IndexedImage {
                right_id: format!("r{i}"),
                view: "logo".into(),
                digest: format!("d{i}"),
                hashes: core
                    .iter()
                    .map(|b| hash(PHASH64, b, false))
                    .chain([hash(PDQ256, &rng.random::<[u8; 32]>(), false)])
                    .collect(),
                variants: (0..16)
                    .map(|_| hash(PHASH64, &rng.random::<[u8; 8]>(), false))
                    .collect(),
            }
        })
        .collect();
    for image in &registered {
        ours.insert(image.clone());
    }
    let build_ours = start.elapsed();
    for image in registered {
        linear.insert(image);
    }
    println!(
        "{images} registered images, {} hashes; index built in {:.2} s",
        ours.hash_count(),
        build_ours.as_secs_f64()
    );

    let (mut t_linear, mut t_ours) = (0.0, 0.0);
    for _ in 0..queries {
        let mut query = vec![hash(PHASH64, &rng.random::<[u8; 8]>(), false)];
        for _ in 0..299 {
            query.push(hash(PHASH64, &rng.random::<[u8; 8]>(), true));
        }
        query.push(hash(PDQ256, &rng.random::<[u8; 32]>(), false));
        let mut near = cores[rng.random_range(0..cores.len())];
        near[0] ^= 0b101;
        query[150] = hash(PHASH64, &near, true);

        let start = Instant::now();
        let expected = linear.query_with(&query, IMAGE_THRESHOLDS);
        t_linear += start.elapsed().as_secs_f64();
        let start = Instant::now();
        let got = ours.query_with(&query, IMAGE_THRESHOLDS);
        t_ours += start.elapsed().as_secs_f64();
        assert_eq!(got, expected, "identical answers");
        assert!(!got.is_empty(), "the planted window is found");
    }
    let n = queries as f64;
    println!(
        "per listing image (301 hashes): linear {:.1} ms, index {:.2} ms ({:.0}x)",
        t_linear / n * 1e3,
        t_ours / n * 1e3,
        t_linear / t_ours
    );
}
