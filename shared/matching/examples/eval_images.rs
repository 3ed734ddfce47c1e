//! `takedown eval images` without the root binary: the same hashing, index and thresholds
//! (`hash_reference_views`, `hash_query`, `ImageIndex::query_with(IMAGE_THRESHOLDS)`,
//! `image_score_for`), so that tuning the matcher on the evaluation dataset does not rebuild the
//! whole workspace. Queries are hashed on two threads. Writes the same CSV as the command:
//!
//! `cargo run -p takedown-matching --example eval_images -- target/dataset [OUT.csv]`
//!
//! then `python3 bench/dataset/score.py target/dataset` (OUT defaults to
//! `DATASET/predictions-images.csv`; beside it, `OUT.hits.csv` says which algorithm, distance
//! and threshold each hit came from). The committed figures come from `takedown eval`.

#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use takedown_matching::{
    IMAGE_THRESHOLDS, ImageIndex, ImageLimits, IndexedImage, PHASH64, hash_query,
    hash_reference_views, image_score_for,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: eval_images DATASET_DIR [OUT.csv]")?,
    );
    let out = std::env::args()
        .nth(2)
        .map_or_else(|| dir.join("predictions-images.csv"), PathBuf::from);
    let limits = ImageLimits::default();
    let mut index = ImageIndex::new();
    for line in std::fs::read_to_string(dir.join("rights.csv"))?
        .lines()
        .skip(1)
    {
        let Some((right, file)) = line.split_once(',') else {
            continue;
        };
        let views = hash_reference_views(&std::fs::read(dir.join(file))?, &limits)?;
        index.insert(IndexedImage {
            right_id: right.into(),
            view: file.into(),
            digest: String::new(),
            hashes: views.core,
            variants: views.variants,
        });
    }
    let queries = dir.join("queries");
    let mut files = Vec::new();
    walk(&queries, &queries, &mut files)?;
    files.sort();
    let threads = 2;
    // Hashes per query image: the matcher's index cost grows with it.
    let counted = AtomicUsize::new(0);
    let windows = AtomicUsize::new(0);
    let started = Instant::now();
    let rows: Vec<(String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (files, index, queries, counted, windows) =
                    (&files, &index, &queries, &counted, &windows);
                s.spawn(move || {
                    let mut rows = Vec::new();
                    for (i, file) in files.iter().enumerate() {
                        if i % threads != t {
                            continue;
                        }
                        let name = file.display().to_string();
                        let hashes = std::fs::read(queries.join(file))
                            .ok()
                            .and_then(|b| hash_query(&b, &limits).ok())
                            .unwrap_or_default();
                        counted.fetch_add(hashes.len(), Ordering::Relaxed);
                        let plain_windows = hashes
                            .iter()
                            .filter(|h| h.algorithm == PHASH64 && h.region.is_some())
                            .count();
                        windows.fetch_add(plain_windows, Ordering::Relaxed);
                        let hits = index.query_with(&hashes, IMAGE_THRESHOLDS);
                        let mut row = String::new();
                        let mut why = String::new();
                        for h in &hits {
                            let _ = writeln!(
                                why,
                                "{name},{},{},{},{},{}",
                                h.right_id,
                                h.algorithm,
                                h.distance,
                                h.threshold,
                                h.region.is_some()
                            );
                        }
                        if hits.is_empty() {
                            let _ = writeln!(row, "{name},,");
                        }
                        for h in &hits {
                            let score = image_score_for(h);
                            let _ = writeln!(row, "{name},{},{score}", h.right_id);
                        }
                        rows.push((i, row, why));
                    }
                    rows
                })
            })
            .collect();
        let mut all: Vec<(usize, String, String)> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect();
        all.sort();
        all.into_iter().map(|(_, r, w)| (r, w)).collect()
    });
    let (rows, why): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
    std::fs::write(
        &out,
        format!("query_file,right_id,score\n{}", rows.concat()),
    )?;
    // Which comparison each hit came from: what a threshold change would move.
    let explained = out.with_extension("hits.csv");
    std::fs::write(
        &explained,
        format!(
            "query_file,right_id,algorithm,distance,threshold,window\n{}",
            why.concat()
        ),
    )?;
    eprintln!(
        "{} queries -> {} ({:.0} hashes per query, {:.0} of them plain pHash windows; {:.1} s \
         wall on {threads} threads)",
        files.len(),
        out.display(),
        counted.into_inner() as f64 / files.len().max(1) as f64,
        windows.into_inner() as f64 / files.len().max(1) as f64,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_path_buf());
        }
    }
    Ok(())
}
