//! Hashes the background set (`bench/matching/make_background.py` renders it and calls this)
//! into the compact file `takedown_matching::Background` reads (`data/background.hashes`).
//!
//! `cargo run -p takedown-matching --example background_hashes -- LIST OUT`
//!
//! LIST: one `source<TAB>path` a line. Each image is hashed as a listing image is
//! (`hash_query`); kept are what an unrelated listing image offers a registration: its
//! whole-picture hashes (pHash, PDQ, trimmed), up to [`PER_KIND`] silhouettes (plain and
//! ramped), and up to [`PER_KIND`] windows of each of the plain and ramped kinds, spread
//! evenly over the image's list — not all its ~2,000 windows, which would make the file
//! 100× larger. Duplicate bits within one image are stored once.

#![forbid(unsafe_code)]

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use takedown_matching::{ImageLimits, hash_query};

/// One section's (image number, bits).
type Section = Vec<(u32, Vec<u8>)>;

/// Silhouettes and windows kept per kind and image.
const PER_KIND: usize = 8;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [list, out] = args.as_slice() else {
        return Err("usage: background_hashes LIST OUT".into());
    };
    let limits = ImageLimits::default();
    // (algorithm, byte length) → (image number, bits)
    let mut sections: BTreeMap<(String, usize), Section> = BTreeMap::new();
    let mut images: u32 = 0;
    let mut sources: BTreeMap<String, u32> = BTreeMap::new();
    for line in std::fs::read_to_string(list)?.lines() {
        let Some((source, path)) = line.split_once('\t') else {
            continue;
        };
        let bytes = std::fs::read(path)?;
        let hashes = match hash_query(&bytes, &limits) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("skipped {path}: {e}");
                continue;
            }
        };
        let image = images;
        images += 1;
        *sources.entry(source.to_owned()).or_default() += 1;
        let mut seen = HashSet::new();
        let mut keep = |algorithm: &str, bits_hex: &str| {
            if let Ok(bits) = hex::decode(bits_hex)
                && seen.insert((algorithm.to_owned(), bits.clone()))
            {
                sections
                    .entry((algorithm.to_owned(), bits.len()))
                    .or_default()
                    .push((image, bits));
            }
        };
        // Per (algorithm, whole?) group, the positions in the image's list.
        let mut groups: BTreeMap<(String, bool), Vec<usize>> = BTreeMap::new();
        for (i, h) in hashes.iter().enumerate() {
            groups
                .entry((h.algorithm.clone(), h.region.is_none()))
                .or_default()
                .push(i);
        }
        for ((_, whole), positions) in &groups {
            let step = if *whole {
                1
            } else {
                positions.len().div_ceil(PER_KIND).max(1)
            };
            for &i in positions.iter().step_by(step) {
                keep(&hashes[i].algorithm, &hashes[i].bits);
            }
        }
        if images.is_multiple_of(500) {
            eprintln!("{images} images hashed");
        }
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    file.write_all(b"TDBG1\n")?;
    file.write_all(&images.to_le_bytes())?;
    file.write_all(&(sections.len() as u32).to_le_bytes())?;
    for ((algorithm, len), entries) in &sections {
        file.write_all(&[u8::try_from(algorithm.len())?])?;
        file.write_all(algorithm.as_bytes())?;
        file.write_all(&[u8::try_from(*len)?])?;
        file.write_all(&(entries.len() as u32).to_le_bytes())?;
        for (image, bits) in entries {
            file.write_all(&image.to_le_bytes())?;
            file.write_all(bits)?;
        }
    }
    file.flush()?;
    eprintln!("{images} images by source: {sources:?}");
    for ((algorithm, len), entries) in &sections {
        eprintln!("{algorithm} ({} bits): {} hashes", len * 8, entries.len());
    }
    eprintln!("wrote {out}");
    Ok(())
}
