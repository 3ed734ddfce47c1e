//! Every pair (listing hash, registered right) within a loose distance on the evaluation
//! dataset, one CSV row each: the input for choosing the corroboration rule
//! (`Thresholds::decide`, `src/image_hash/index/corroborate.rs`), which asks whether a loose
//! pair has a second pair of another kind with the same right. Each listing hash is searched
//! on its own (so no corroboration applies) against the registered images as registered and,
//! apart, their variants; a row is its closest registered hash of that right:
//!
//! `cargo run -p takedown-matching --example hit_pairs -- target/dataset OUT.csv`
//!
//! Columns: file, expected right (empty for distractors), group, transform, right, kind,
//! distance, and the listing window `x y w h` (empty for the whole picture).

#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::path::Path;

use takedown_matching::{
    ImageComparison, ImageIndex, ImageLimits, IndexedImage, Thresholds, hash_query,
    hash_reference_views,
};

/// Loose bounds for the dump: whole 12, variant 8, window 8 (ramped 6), PDQ 72, silhouette
/// 12 (ramped 10) — a few bits past every threshold considered.
const LOOSE: Thresholds = Thresholds {
    whole: 12,
    variant: 8,
    window: 8,
    pdq: 72,
    shape: 12,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: hit_pairs DATASET_DIR OUT.csv")?;
    let out = std::env::args()
        .nth(2)
        .ok_or("usage: hit_pairs DATASET_DIR OUT.csv")?;
    let dir = Path::new(&dir);
    let limits = ImageLimits::default();
    // Core and variants apart, so that a variant never hides a core hit of the same hash.
    let (mut core, mut variants) = (ImageIndex::new(), ImageIndex::new());
    for line in std::fs::read_to_string(dir.join("rights.csv"))?
        .lines()
        .skip(1)
    {
        let Some((right, file)) = line.split_once(',') else {
            continue;
        };
        let views = hash_reference_views(&std::fs::read(dir.join(file))?, &limits)?;
        let entry = |hashes: Vec<_>, variants: Vec<_>| IndexedImage {
            right_id: right.into(),
            view: "logo".into(),
            digest: String::new(),
            hashes,
            variants,
        };
        core.insert(entry(views.core, Vec::new()));
        variants.insert(entry(Vec::new(), views.variants));
    }
    let labels = std::fs::read_to_string(dir.join("labels.csv"))?;
    let rows: Vec<Vec<&str>> = labels
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .filter(|c: &Vec<&str>| c.len() == 4)
        .collect();
    let threads = 2;
    let parts: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (rows, core, variants, limits) = (&rows, &core, &variants, &limits);
                s.spawn(move || {
                    let mut text = String::new();
                    for (i, cols) in rows.iter().enumerate() {
                        if i % threads != t {
                            continue;
                        }
                        let [file, expected, group, transform] = cols.as_slice() else {
                            continue;
                        };
                        let Ok(bytes) = std::fs::read(dir.join("queries").join(file)) else {
                            continue;
                        };
                        let Ok(hashes) = hash_query(&bytes, limits) else {
                            continue;
                        };
                        for hash in &hashes {
                            let one = std::slice::from_ref(hash);
                            let hits = core
                                .query_with(one, LOOSE)
                                .into_iter()
                                .chain(variants.query_with(one, LOOSE));
                            for hit in hits {
                                let region = hit
                                    .region
                                    .map(|r| format!("{} {} {} {}", r[0], r[1], r[2], r[3]))
                                    .unwrap_or_default();
                                let _ = writeln!(
                                    text,
                                    "{file},{expected},{group},{transform},{},{},{},{region}",
                                    hit.right_id,
                                    ImageComparison::of(&hit).as_str(),
                                    hit.distance
                                );
                            }
                        }
                    }
                    text
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    std::fs::write(
        out,
        format!(
            "file,expected,group,transform,right,kind,distance,region\n{}",
            parts.concat()
        ),
    )?;
    Ok(())
}
