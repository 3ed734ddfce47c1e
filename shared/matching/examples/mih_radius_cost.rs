//! What the corroboration rule's wider search radii cost the matcher's exact index
//! (`services/matcher/src/hash_index.rs`: a 64-bit hash is repeated 4× into [`MihIndex`], so a
//! radius of r bits is searched at 4r): microseconds per query hash at each 64-bit radius, on
//! uniform random registered hashes (seeded; a hand-rolled xorshift, as the crate has no RNG
//! dependency). The dev profile builds this crate at opt-level 2:
//!
//! `cargo run -p takedown-matching --example mih_radius_cost -- [HASHES]`

#![forbid(unsafe_code)]

use std::time::Instant;

use takedown_matching::MihIndex;

fn widen(word: u64) -> [u8; 32] {
    let mut wide = [0u8; 32];
    for (i, byte) in wide.iter_mut().enumerate() {
        *byte = word.to_be_bytes()[i % 8];
    }
    wide
}

fn main() {
    let hashes: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(500_000);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut index = MihIndex::new();
    index.extend((0..hashes).map(|id| (id, widen(next()))));
    let queries: Vec<[u8; 32]> = (0..2_000).map(|_| widen(next())).collect();
    println!("{hashes} registered 64-bit hashes; µs per query hash by 64-bit radius");
    for radius in [2u32, 4, 6, 8, 10, 12] {
        let start = Instant::now();
        let mut found = 0;
        for q in &queries {
            found += index.query(q, radius * 4).len();
        }
        let micros = start.elapsed().as_secs_f64() * 1e6 / queries.len() as f64;
        println!("radius {radius:>2}: {micros:>8.1} µs ({found} found)");
    }
}
