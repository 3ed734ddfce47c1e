//! The multi-index hash index against the linear scan: identical results for random hashes
//! with planted near-duplicates on both sides of the radius, through inserts, replacements
//! and removals.

use takedown_matching::{MihIndex, linear_query};

/// SplitMix64: a seeded, dependency-free source of test hashes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn hash(&mut self) -> [u8; 32] {
        let mut h = [0u8; 32];
        for chunk in h.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes());
        }
        h
    }

    /// `base` with exactly `flips` distinct bits flipped.
    fn near(&mut self, base: &[u8; 32], flips: u32) -> [u8; 32] {
        let mut h = *base;
        let mut flipped = 0;
        while flipped < flips {
            let bit = (self.next() % 256) as usize;
            let (byte, mask) = (bit / 8, 1u8 << (bit % 8));
            // Only bits not flipped yet, so that the distance is exactly `flips`.
            if (h[byte] ^ base[byte]) & mask == 0 {
                h[byte] ^= mask;
                flipped += 1;
            }
        }
        h
    }
}

/// Random hashes, and for each query planted copies at every distance 0..=40.
fn corpus(rng: &mut Rng, random: u32, queries: &[[u8; 32]]) -> Vec<(u32, [u8; 32])> {
    let mut entries: Vec<(u32, [u8; 32])> = (0..random).map(|id| (id, rng.hash())).collect();
    let mut id = 1_000_000;
    for q in queries {
        for d in 0..=40 {
            entries.push((id, rng.near(q, d)));
            id += 1;
        }
    }
    entries
}

#[test]
fn planted_distances_are_exact() {
    let mut rng = Rng(7);
    let base = rng.hash();
    for d in [0, 1, 16, 31, 40] {
        let near = rng.near(&base, d);
        assert_eq!(takedown_matching::hamming_256(&base, &near), d);
    }
}

#[test]
fn queries_return_exactly_what_a_linear_scan_returns() {
    let mut rng = Rng(42);
    let queries: Vec<[u8; 32]> = (0..12).map(|_| rng.hash()).collect();
    let entries = corpus(&mut rng, 20_000, &queries);
    let mut index = MihIndex::new();
    index.extend(entries.iter().copied());
    assert_eq!(index.len(), entries.len());
    for q in &queries {
        for radius in [0, 5, 15, 16, 31, 32, 40] {
            let expected = linear_query(&entries, q, radius);
            assert_eq!(index.query(q, radius), expected, "radius {radius}");
        }
        // Every planted copy within 31 bits, none beyond.
        let found = index.query(q, 31);
        assert_eq!(found.iter().filter(|(id, _)| *id >= 1_000_000).count(), 32);
        assert!(found.iter().all(|&(_, d)| d <= 31));
    }
}

#[test]
fn online_inserts_replacements_and_removals_keep_results_exact() {
    let mut rng = Rng(99);
    let queries: Vec<[u8; 32]> = (0..6).map(|_| rng.hash()).collect();
    let mut entries = corpus(&mut rng, 5_000, &queries);
    let mut index = MihIndex::new();
    // One at a time, so that queries see both rebuilt tables and the pending list.
    for &(id, hash) in &entries {
        assert_eq!(index.insert(id, hash), None);
    }
    let check = |index: &MihIndex, entries: &[(u32, [u8; 32])]| {
        assert_eq!(index.len(), entries.len());
        for q in &queries {
            for radius in [0, 31, 40] {
                assert_eq!(index.query(q, radius), linear_query(entries, q, radius));
            }
        }
    };
    check(&index, &entries);

    // Remove every third entry, including planted ones.
    let mut kept = Vec::new();
    for (i, &(id, hash)) in entries.iter().enumerate() {
        if i % 3 == 0 {
            assert_eq!(index.remove(id), Some(hash));
        } else {
            kept.push((id, hash));
        }
    }
    assert_eq!(index.remove(u32::MAX), None);
    entries = kept;
    check(&index, &entries);

    // Replace some hashes: the old one goes, the new one is found.
    for entry in entries.iter_mut().step_by(5) {
        let new = rng.near(&queries[0], (entry.0 % 30) + 1);
        assert_eq!(index.insert(entry.0, new), Some(entry.1));
        entry.1 = new;
    }
    check(&index, &entries);

    // Enough inserts to force rebuilds (which sweep the removed slots) between checks.
    for id in 2_000_000..2_003_000 {
        let hash = rng.near(&queries[1], id % 41);
        index.insert(id, hash);
        entries.push((id, hash));
    }
    check(&index, &entries);
}
