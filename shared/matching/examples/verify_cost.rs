//! What the verification stage costs per listing photo, medians over a folder of photos.
//!
//!     cargo run --release -p takedown-matching --example verify_cost -- RIGHTS_DIR PHOTOS_DIR [N]
//!
//! For each of up to N photos (default 100): the hashes (`hash_query`, for scale), the
//! photo's local features, one verification against one registered image, and a verification
//! against every registered image (the cost of `VerifyPolicy::WeakThenAll` on a photo the
//! hashes found nothing for). Registered images' features are computed once, up front.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use takedown_matching::verify::{
    QUERY_FEATURES, REFERENCE_FEATURES, VERIFY_PARAMS, features_from_bytes, verify,
};
use takedown_matching::{ImageLimits, hash_query};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                pending.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "png" || x == "jpg" || x == "jpeg")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(rights), Some(photos)) = (args.get(1), args.get(2)) else {
        return Err("usage: verify_cost RIGHTS_DIR PHOTOS_DIR [N]".into());
    };
    let n: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(100);
    let limits = ImageLimits::default();
    let start = Instant::now();
    let mut references = Vec::new();
    for f in files(Path::new(rights)) {
        references.push(features_from_bytes(
            &std::fs::read(&f)?,
            &limits,
            &REFERENCE_FEATURES,
        )?);
    }
    let per_reference = start.elapsed().as_secs_f64() * 1e3 / references.len().max(1) as f64;
    let (mut hash, mut feat, mut one, mut all) = (vec![], vec![], vec![], vec![]);
    for f in files(Path::new(photos)).into_iter().take(n) {
        let bytes = std::fs::read(&f)?;
        let t = Instant::now();
        let _ = hash_query(&bytes, &limits);
        hash.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let q = features_from_bytes(&bytes, &limits, &QUERY_FEATURES)?;
        feat.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let mut found = 0usize;
        for (i, r) in references.iter().enumerate() {
            found += usize::from(verify(r, &q, &VERIFY_PARAMS).is_some());
            if i == 0 {
                one.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        std::hint::black_box(found);
        all.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "{} registered images ({per_reference:.2} ms each to extract, once); {} photos",
        references.len(),
        hash.len()
    );
    println!(
        "median ms per photo: hashes {:.2}, features {:.2}, verify one {:.3}, verify all {} {:.1}",
        median(hash),
        median(feat),
        median(one),
        references.len(),
        median(all)
    );
    Ok(())
}
