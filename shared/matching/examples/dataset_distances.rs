//! Distances on the evaluation dataset (`bench/dataset/`), per transform and per kind of
//! comparison (whole picture against registered images as registered, against their
//! variants, windows against registered images, silhouettes against registered
//! silhouettes, and the ramped windows and silhouettes): how close each copy comes to its own
//! registered logo, and how close each query comes to a logo it does not show. The numbers
//! behind `IMAGE_THRESHOLDS`; run after `make_dataset.py`:
//!
//! `cargo run -p takedown-matching --example dataset_distances -- target/dataset`

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::Path;

use takedown_matching::image_hash::{PHASH64R, SHAPE64R};
use takedown_model::RegionHash;

use takedown_matching::{
    ImageIndex, ImageLimits, IndexedImage, PDQ256, PHASH64, SHAPE64, hash_query,
    hash_reference_views,
};

/// `shape_r` and `window_r` are the ramped hashes (`SHAPE64R`, `PHASH64R`).
const KINDS: [&str; 7] = [
    "whole", "variant", "window", "shape", "pdq", "shape_r", "window_r",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: dataset_distances DATASET_DIR [TRANSFORM]")?;
    let only = std::env::args().nth(2);
    let dir = Path::new(&dir);
    let limits = ImageLimits::default();
    // One index per kind, so each distance is measured on its own.
    let (mut core, mut variants) = (ImageIndex::new(), ImageIndex::new());
    let rights = std::fs::read_to_string(dir.join("rights.csv"))?;
    for line in rights.lines().skip(1) {
        let Some((right, file)) = line.split_once(',') else {
            continue;
        };
        let views = match hash_reference_views(&std::fs::read(dir.join(file))?, &limits) {
            Ok(views) => views,
            Err(e) => {
                eprintln!("{right}: refused: {e}");
                continue;
            }
        };
        let entry = |hashes: Vec<RegionHash>| IndexedImage {
            right_id: right.into(),
            view: "logo".into(),
            digest: String::new(),
            hashes,
            variants: Vec::new(),
        };
        core.insert(entry(views.core));
        variants.insert(entry(views.variants));
    }
    // (transform, kind) -> own distances; (transform, kind) -> closest other right.
    let mut own: BTreeMap<(String, usize), Vec<u32>> = BTreeMap::new();
    let mut other: BTreeMap<(String, usize), Vec<u32>> = BTreeMap::new();
    let labels = std::fs::read_to_string(dir.join("labels.csv"))?;
    for line in labels.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let [file, expected, _group, transform] = cols.as_slice() else {
            continue;
        };
        if only.as_deref().is_some_and(|o| o != *transform) {
            continue;
        }
        let hashes = match hash_query(&std::fs::read(dir.join("queries").join(file))?, &limits) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("{file}: refused: {e}");
                continue;
            }
        };
        // 64-bit distances only: the whole-image PDQ hash (256 bits) is on another scale.
        let of = |algorithm: &str| -> Vec<RegionHash> {
            hashes
                .iter()
                .filter(|h| h.algorithm == algorithm)
                .cloned()
                .collect()
        };
        let (shapes, pdq) = (of(SHAPE64), of(PDQ256));
        let r_windows = of(PHASH64R);
        let r_shapes = of(SHAPE64R);
        let (whole, windows): (Vec<RegionHash>, Vec<RegionHash>) = hashes
            .into_iter()
            .filter(|h| h.algorithm == PHASH64)
            .partition(|h| h.region.is_none());
        let hits = [
            core.query(&whole, 64),
            variants.query(&whole, 64),
            core.query(&windows, 64),
            core.query(&shapes, 64),
            core.query(&pdq, 256),
            core.query(&r_shapes, 64),
            core.query(&r_windows, 64),
        ];
        for (kind, hits) in hits.iter().enumerate() {
            let key = (transform.to_string(), kind);
            let mine = hits.iter().find(|h| h.right_id == *expected);
            own.entry(key.clone())
                .or_default()
                .push(mine.map_or(999, |h| h.distance));
            let theirs = hits.iter().filter(|h| h.right_id != *expected);
            other
                .entry(key)
                .or_default()
                .push(theirs.map(|h| h.distance).min().unwrap_or(999));
        }
    }
    println!("share of queries within d (own right | closest other right), by kind");
    println!("transform            kind     d≤0..16 step 2 (pdq: d≤0..64 step 8)");
    for ((transform, kind), mine) in &own {
        let theirs = &other[&(transform.clone(), *kind)];
        let step = if KINDS[*kind] == "pdq" { 8 } else { 2 };
        let cdf = |v: &[u32]| -> String {
            (0..=8 * step)
                .step_by(step as usize)
                .map(|d| format!("{:>4}", v.iter().filter(|&&x| x <= d).count()))
                .collect()
        };
        println!(
            "{transform:<20} {:<8} own {} | other {}  (n={})",
            KINDS[*kind],
            cdf(mine),
            cdf(theirs),
            mine.len()
        );
    }
    Ok(())
}
