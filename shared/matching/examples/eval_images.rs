//! `takedown eval images` without the root binary: the same hashing, index and thresholds
//! (`hash_reference_views`, `hash_query`, `ImageIndex::query_with(IMAGE_THRESHOLDS)`,
//! `image_score`), so that tuning the matcher on the evaluation dataset does not rebuild the
//! whole workspace. Queries are hashed on two threads. Writes the same CSV as the command:
//!
//! `cargo run -p takedown-matching --example eval_images -- target/dataset [OUT.csv]`
//!
//! then `python3 bench/dataset/score.py target/dataset` (OUT defaults to
//! `DATASET/predictions-images.csv`). The committed figures come from `takedown eval`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use takedown_matching::{
    IMAGE_THRESHOLDS, ImageIndex, ImageLimits, IndexedImage, hash_query, hash_reference_views,
    image_score,
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
    let rows: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (files, index, queries) = (&files, &index, &queries);
                s.spawn(move || {
                    let mut rows = Vec::new();
                    for (i, file) in files.iter().enumerate() {
                        if i % threads != t {
                            continue;
                        }
                        let name = file.display().to_string();
                        let hits = std::fs::read(queries.join(file))
                            .ok()
                            .and_then(|b| hash_query(&b, &limits).ok())
                            .map(|h| index.query_with(&h, IMAGE_THRESHOLDS))
                            .unwrap_or_default();
                        let mut row = String::new();
                        if hits.is_empty() {
                            let _ = writeln!(row, "{name},,");
                        }
                        for h in &hits {
                            let score = image_score(h.distance, h.threshold);
                            let _ = writeln!(row, "{name},{},{score}", h.right_id);
                        }
                        rows.push((i, row));
                    }
                    rows
                })
            })
            .collect();
        let mut all: Vec<(usize, String)> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect();
        all.sort();
        all.into_iter().map(|(_, r)| r).collect()
    });
    std::fs::write(
        &out,
        format!("query_file,right_id,score\n{}", rows.concat()),
    )?;
    eprintln!("{} queries -> {}", files.len(), out.display());
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
