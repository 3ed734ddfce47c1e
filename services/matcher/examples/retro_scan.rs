//! How a retro-hunt should search the stored listing hashes, measured at 1M stored hashes:
//!
//! - **scan**: what `retro::hunt` does — the arriving right's hashes in a small
//!   `ImageHashIndex`, every stored image's hashes queried against it, page by page;
//! - **index**: every stored hash in a `MihIndex` (pHash repeated to 256 bits), queried with
//!   the right's hashes — fast per hunt, but the index must be built and kept in memory;
//! - **store scan**: the scan as the matcher runs it, reading pages from SQLite.
//!
//! ```sh
//! cargo run --release -p takedown-matcher --example retro_scan -- [--n 1000000] [--per-image 300]
//! ```
//!
//! Hashes are uniform random (seeded) with near copies of the right's hashes planted in a few
//! images; every method must find exactly the planted images.

#![forbid(unsafe_code)]

use std::{collections::BTreeSet, time::Instant};

use rand::{Rng, SeedableRng, rngs::StdRng};
use takedown_matcher::ImageHashIndex;
use takedown_matching::{IMAGE_THRESHOLDS, IndexedImage, MihIndex, PDQ256, PHASH64};
use takedown_model::{HashedImage, RegionHash};
use takedown_store::Store;

const PLANTED: usize = 10;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn region_hash(algorithm: &str, bits: &[u8], window: bool) -> RegionHash {
    RegionHash {
        algorithm: algorithm.into(),
        bits: hex::encode(bits),
        region: window.then_some([0.25, 0.25, 0.5, 0.5]),
    }
}

fn flip(rng: &mut StdRng, bits: &[u8], n: u32) -> Vec<u8> {
    let mut out = bits.to_vec();
    for _ in 0..n {
        let bit = rng.random_range(0..out.len() * 8);
        out[bit / 8] ^= 1 << (bit % 8);
    }
    out
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = arg("--n", 1_000_000);
    let per_image = arg("--per-image", 300).max(2);
    let images_n = n / per_image;
    let mut rng = StdRng::seed_from_u64(42);

    // The arriving right: 4 core pHashes, 16 variants, one PDQ.
    let core: Vec<Vec<u8>> = (0..4).map(|_| rng.random::<[u8; 8]>().to_vec()).collect();
    let right = IndexedImage {
        right_id: "r-new".into(),
        view: "logo".into(),
        digest: "d".into(),
        hashes: core
            .iter()
            .map(|b| region_hash(PHASH64, b, false))
            .chain([region_hash(PDQ256, &rng.random::<[u8; 32]>(), false)])
            .collect(),
        variants: (0..16)
            .map(|_| region_hash(PHASH64, &rng.random::<[u8; 8]>(), false))
            .collect(),
    };

    // Stored images: one whole pHash, windows, one PDQ; a few with a planted near window.
    let mut stored: Vec<HashedImage> = Vec::with_capacity(images_n);
    let mut planted = BTreeSet::new();
    for i in 0..images_n {
        let mut hashes = vec![region_hash(PHASH64, &rng.random::<[u8; 8]>(), false)];
        for _ in 1..per_image - 1 {
            hashes.push(region_hash(PHASH64, &rng.random::<[u8; 8]>(), true));
        }
        hashes.push(region_hash(PDQ256, &rng.random::<[u8; 32]>(), false));
        if i % (images_n / PLANTED).max(1) == 0 && planted.len() < PLANTED {
            let near = flip(&mut rng, &core[i % core.len()], 3);
            hashes[per_image / 2] = region_hash(PHASH64, &near, true);
            planted.insert(i);
        }
        stored.push(HashedImage {
            digest: format!("{i:08}"),
            hashes,
            refused: None,
        });
    }
    let total: usize = stored.iter().map(|s| s.hashes.len()).sum();
    println!("{images_n} stored images, {total} stored hashes, {PLANTED} planted");

    // Scan: the right in a small index, every stored image queried against it.
    let mut index = ImageHashIndex::new();
    index.insert(right.clone());
    let start = Instant::now();
    let found: BTreeSet<usize> = stored
        .iter()
        .enumerate()
        .filter(|(_, s)| !index.query_with(&s.hashes, IMAGE_THRESHOLDS).is_empty())
        .map(|(i, _)| i)
        .collect();
    let scan = start.elapsed();
    assert_eq!(found, planted, "scan");
    println!(
        "scan (in memory): {:.3} s, {:.1} M hashes/s",
        scan.as_secs_f64(),
        total as f64 / scan.as_secs_f64() / 1e6
    );

    // Index: every stored pHash in a MihIndex (repeated ×4 to 256 bits).
    let start = Instant::now();
    let mut mih = MihIndex::new();
    let mut owner: Vec<u32> = Vec::with_capacity(total);
    let mut entries = Vec::with_capacity(total);
    for (i, s) in stored.iter().enumerate() {
        for h in s.hashes.iter().filter(|h| h.algorithm == PHASH64) {
            let bits = hex::decode(&h.bits)?;
            let mut wide = [0u8; 32];
            for (j, b) in wide.iter_mut().enumerate() {
                *b = bits[j % 8];
            }
            entries.push((owner.len() as u32, wide));
            owner.push(i as u32);
        }
    }
    mih.extend(entries);
    let build = start.elapsed();
    let start = Instant::now();
    let mut by_index = BTreeSet::new();
    for h in right.hashes.iter().chain(&right.variants) {
        if h.algorithm != PHASH64 {
            continue;
        }
        let bits = hex::decode(&h.bits)?;
        let mut wide = [0u8; 32];
        for (j, b) in wide.iter_mut().enumerate() {
            *b = bits[j % 8];
        }
        // Windows at the window threshold; whole pictures at the larger whole one (then
        // filtered by kind, as the decision does — here every planted one is a window).
        for (id, d) in mih.query(&wide, IMAGE_THRESHOLDS.whole * 4) {
            if d <= IMAGE_THRESHOLDS.window * 4 {
                by_index.insert(owner[id as usize] as usize);
            }
        }
    }
    let query = start.elapsed();
    assert!(planted.is_subset(&by_index), "index");
    println!(
        "index: build {:.3} s ({:.0} MB), query {:.3} ms",
        build.as_secs_f64(),
        mih.heap_bytes() as f64 / 1e6,
        query.as_secs_f64() * 1e3
    );
    drop(mih);

    // Store scan: the pages `retro::hunt` reads, from SQLite.
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("store.db")).await?;
    let start = Instant::now();
    for (i, s) in stored.iter().enumerate() {
        store
            .put_listing_image_hashes(&format!("lst_{i:08}"), std::slice::from_ref(s))
            .await?;
    }
    let write = start.elapsed();
    let start = Instant::now();
    let mut after: Option<(String, String)> = None;
    let mut from_store = BTreeSet::new();
    loop {
        let page = store
            .listing_image_hashes_page(after.as_ref().map(|(l, d)| (l.as_str(), d.as_str())), 1000)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.listing_id.clone(), last.image.digest.clone()));
        for s in &page {
            if !index
                .query_with(&s.image.hashes, IMAGE_THRESHOLDS)
                .is_empty()
            {
                from_store.insert(s.listing_id[4..].parse::<usize>()?);
            }
        }
    }
    let read = start.elapsed();
    assert_eq!(from_store, planted, "store scan");
    let db_bytes = std::fs::metadata(dir.path().join("store.db"))?.len();
    println!(
        "store scan (SQLite): {:.3} s, {:.1} M hashes/s; writing them took {:.3} s ({:.0} images/s); {:.0} MB on disk",
        read.as_secs_f64(),
        total as f64 / read.as_secs_f64() / 1e6,
        write.as_secs_f64(),
        images_n as f64 / write.as_secs_f64(),
        db_bytes as f64 / 1e6
    );
    store.close().await;
    Ok(())
}
