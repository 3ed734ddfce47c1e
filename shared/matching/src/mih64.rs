//! Exact multi-index hashing for 64-bit hashes (the pHash kinds: whole pictures, windows,
//! silhouettes): every hash within a radius, as a linear scan would find them.
//!
//! The 64 bits are cut into `m` parts of about log₂ N bits each, one table per part. Two
//! hashes within `r` bits differ in at most ⌊r/m⌋ bits of some part (pigeonhole), so probing
//! every key within ⌊r/m⌋ bits of each query part finds every hash within `r`; each
//! candidate's full distance is then checked. At the matcher's radii (4 for windows, up to 10
//! for whole pictures) that is a few dozen to a few thousand probes, against the
//! 256-bit [`crate::MihIndex`] the matcher used before, which needed each 64-bit hash
//! repeated four times and searched at four times the radius.
//!
//! Hand-written for the same reason as `MihIndex`: no maintained crate offers an exact,
//! online Hamming radius index.

use std::collections::HashMap;

/// Table bits are log₂ of the built size, kept within these bounds: fewer bits than 8
/// would make every bucket long, more than 24 would cost 64 MB of offsets per table.
const MIN_PART_BITS: u32 = 8;
const MAX_PART_BITS: u32 = 24;

/// [`Mih64Index::flush`] leaves fewer pending hashes than this to the scan: a rebuild costs
/// far more than scanning them.
const FLUSH_MIN_PENDING: usize = 256;

/// One table: the slots of the built entries, grouped by the value of one part.
#[derive(Debug, Clone, Default)]
struct Table {
    /// Bit offset of the part in the hash.
    shift: u32,
    /// Width of the part in bits.
    bits: u32,
    /// `offsets[key]..offsets[key + 1]` index `slots` for the entries whose part is `key`.
    offsets: Vec<u32>,
    slots: Vec<u32>,
}

impl Table {
    fn key(&self, hash: u64) -> u32 {
        ((hash >> self.shift) & ((1u64 << self.bits) - 1)) as u32
    }

    fn bucket(&self, key: u32) -> &[u32] {
        let key = key as usize;
        let (start, end) = (self.offsets[key] as usize, self.offsets[key + 1] as usize);
        &self.slots[start..end]
    }
}

/// An online index of `(id, 64-bit hash)` with exact radius queries.
#[derive(Debug, Clone, Default)]
pub struct Mih64Index {
    /// Hash of each slot.
    hashes: Vec<u64>,
    /// Caller's id of each slot.
    ids: Vec<u32>,
    /// Whether each slot still holds a live entry.
    alive: Vec<bool>,
    /// Slot of each live id.
    slots: HashMap<u32, u32>,
    /// One per part, over slots `0..built` (empty before the first rebuild).
    tables: Vec<Table>,
    /// Slots added since the last rebuild are `built..hashes.len()`, scanned.
    built: usize,
    /// Dead slots not yet swept.
    dead: usize,
}

impl Mih64Index {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the index holds no live entry.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Adds or replaces the hash of `id`; returns the hash it had before.
    pub fn insert(&mut self, id: u32, hash: u64) -> Option<u64> {
        let old = self.insert_unindexed(id, hash);
        if self.pending() > self.pending_limit() {
            self.rebuild();
        }
        old
    }

    /// As [`Self::insert`], leaving the hash to the scanned tail until [`Self::flush`] (or
    /// an insert past the tail's limit) indexes it: for loading many hashes with one
    /// rebuild.
    pub fn insert_unindexed(&mut self, id: u32, hash: u64) -> Option<u64> {
        let old = self.remove(id);
        let slot = self.hashes.len() as u32;
        self.hashes.push(hash);
        self.ids.push(id);
        self.alive.push(true);
        self.slots.insert(id, slot);
        old
    }

    /// Hashes inserted since the last rebuild, which every query scans.
    fn pending(&self) -> usize {
        self.hashes.len() - self.built
    }

    /// The scanned tail is rebuilt into the tables when it outgrows 1/64 of them (a growing
    /// index rebuilds geometrically often), and always past 16,384: a query scans it all.
    fn pending_limit(&self) -> usize {
        (self.built / 64).clamp(1024, 16 * 1024)
    }

    /// Indexes the hashes inserted since the last rebuild, unless they are few: for a caller
    /// that has finished a batch of inserts (a registry refresh) and is about to query.
    pub fn flush(&mut self) {
        if self.pending() > FLUSH_MIN_PENDING || self.dead > self.hashes.len() / 4 {
            self.rebuild();
        }
    }

    /// Removes `id`; returns its hash if it was present.
    pub fn remove(&mut self, id: u32) -> Option<u64> {
        let slot = self.slots.remove(&id)? as usize;
        self.alive[slot] = false;
        self.dead += 1;
        let hash = self.hashes[slot];
        if self.dead > (self.hashes.len() / 4).max(1024) {
            self.rebuild();
        }
        Some(hash)
    }

    /// Every live `(id, distance)` within `radius` bits of `hash`, by distance then id.
    pub fn query(&self, hash: u64, radius: u32) -> Vec<(u32, u32)> {
        let within = |slot: u32| {
            let s = slot as usize;
            self.alive[s] && (self.hashes[s] ^ hash).count_ones() <= radius
        };
        let parts = self.tables.len() as u32;
        let probes: usize = if parts == 0 {
            usize::MAX
        } else {
            self.tables
                .iter()
                .map(|t| keys_within(t.bits, radius / parts))
                .sum()
        };
        let mut found: Vec<u32> = Vec::new();
        if probes >= self.built {
            // Probing would visit more keys than there are built entries: scan them.
            found.extend((0..self.built as u32).filter(|&slot| within(slot)));
        } else {
            for table in &self.tables {
                for_each_key_within(table.key(hash), table.bits, radius / parts, &mut |k| {
                    found.extend(table.bucket(k).iter().copied().filter(|&slot| within(slot)));
                });
            }
            // A hash close in several parts is met in several tables.
            found.sort_unstable();
            found.dedup();
        }
        found.extend((self.built as u32..self.hashes.len() as u32).filter(|&slot| within(slot)));
        let mut out: Vec<(u32, u32)> = found
            .into_iter()
            .map(|slot| {
                let s = slot as usize;
                (self.ids[s], (self.hashes[s] ^ hash).count_ones())
            })
            .collect();
        out.sort_unstable_by_key(|&(id, d)| (d, id));
        out
    }

    /// Drops dead slots and rebuilds every table over all entries, with parts sized to
    /// their number.
    fn rebuild(&mut self) {
        if self.dead > 0 {
            let mut slot = 0u32;
            let (mut hashes, mut ids) = (Vec::new(), Vec::new());
            for ((&hash, &id), &alive) in self.hashes.iter().zip(&self.ids).zip(&self.alive) {
                if alive {
                    hashes.push(hash);
                    ids.push(id);
                    self.slots.insert(id, slot);
                    slot += 1;
                }
            }
            self.alive = vec![true; hashes.len()];
            (self.hashes, self.ids, self.dead) = (hashes, ids, 0);
        }
        let n = self.hashes.len();
        // About log₂ n bits per part, so that a bucket holds about one entry; never parts
        // wider than MAX_PART_BITS.
        let bits = (usize::BITS - n.max(1).leading_zeros()).clamp(MIN_PART_BITS, MAX_PART_BITS);
        let parts = (64 / bits).max(64u32.div_ceil(MAX_PART_BITS));
        self.tables = (0..parts)
            .map(|p| {
                // Parts as even as 64 bits allow: the first `64 % parts` one bit wider.
                let (base, extra) = (64 / parts, 64 % parts);
                let width = base + u32::from(p < extra);
                let shift = p * base + p.min(extra);
                build_table(&self.hashes, shift, width)
            })
            .collect();
        self.built = n;
    }

    /// Heap bytes held, for benchmarks.
    pub fn heap_bytes(&self) -> usize {
        let tables: usize = self
            .tables
            .iter()
            .map(|t| (t.offsets.capacity() + t.slots.capacity()) * 4)
            .sum();
        self.hashes.capacity() * 8
            + self.ids.capacity() * 4
            + self.alive.capacity()
            + self.slots.capacity() * 8
            + tables
    }
}

/// A counting sort of every slot by the `width`-bit part at `shift`.
fn build_table(hashes: &[u64], shift: u32, width: u32) -> Table {
    let mut table = Table {
        shift,
        bits: width,
        offsets: vec![0u32; (1usize << width) + 1],
        slots: vec![0u32; hashes.len()],
    };
    for &hash in hashes {
        let key = table.key(hash) as usize;
        table.offsets[key + 1] += 1;
    }
    for i in 1..table.offsets.len() {
        table.offsets[i] += table.offsets[i - 1];
    }
    let mut next = table.offsets.clone();
    for (slot, &hash) in hashes.iter().enumerate() {
        let key = table.key(hash) as usize;
        table.slots[next[key] as usize] = slot as u32;
        next[key] += 1;
    }
    table
}

/// Number of `bits`-bit keys within `radius` of a key: Σ C(bits, k) for k ≤ radius.
fn keys_within(bits: u32, radius: u32) -> usize {
    let mut total = 0usize;
    let mut choose = 1usize;
    for k in 0..=radius.min(bits) {
        total = total.saturating_add(choose);
        choose = choose.saturating_mul((bits - k) as usize) / (k as usize + 1);
    }
    total
}

/// Calls `visit` with `key` and every key that differs from it in at most `radius` of its
/// low `bits` bits, each once.
fn for_each_key_within(key: u32, bits: u32, radius: u32, visit: &mut impl FnMut(u32)) {
    fn flip(key: u32, from: u32, bits: u32, left: u32, visit: &mut impl FnMut(u32)) {
        if left == 0 {
            return;
        }
        for bit in from..bits {
            let flipped = key ^ (1 << bit);
            visit(flipped);
            flip(flipped, bit + 1, bits, left - 1, visit);
        }
    }
    visit(key);
    flip(key, 0, bits, radius, visit);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded test hashes (`mih`'s SplitMix64).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            crate::mih::splitmix64(&mut self.0)
        }

        /// `base` with `flips` random bits flipped (some may coincide).
        fn near(&mut self, base: u64, flips: u32) -> u64 {
            (0..flips).fold(base, |h, _| h ^ (1 << (self.next() % 64)))
        }
    }

    fn linear(entries: &HashMap<u32, u64>, query: u64, radius: u32) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = entries
            .iter()
            .map(|(&id, &h)| (id, (h ^ query).count_ones()))
            .filter(|&(_, d)| d <= radius)
            .collect();
        out.sort_unstable_by_key(|&(id, d)| (d, id));
        out
    }

    #[test]
    fn keys_within_counts_what_is_enumerated_once_each() {
        for (bits, radius) in [(8, 0), (8, 1), (8, 2), (21, 3), (5, 7)] {
            let mut seen = std::collections::HashSet::new();
            for_each_key_within(0b1011, bits, radius, &mut |k| {
                assert!(seen.insert(k), "{k:b} twice");
                assert!((k ^ 0b1011).count_ones() <= radius && k < 1 << bits);
            });
            assert_eq!(
                seen.len(),
                keys_within(bits, radius),
                "{bits} bits, r {radius}"
            );
        }
    }

    #[test]
    fn parts_cover_the_64_bits_exactly_once() {
        for n in [1usize, 300, 5_000, 70_000] {
            let mut index = Mih64Index::new();
            for id in 0..n as u32 {
                index.insert(id, u64::from(id).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            }
            index.rebuild();
            let mut covered = 0u64;
            for t in &index.tables {
                let mask = ((1u64 << t.bits) - 1) << t.shift;
                assert_eq!(covered & mask, 0, "parts overlap at {n}");
                covered |= mask;
            }
            assert_eq!(covered, u64::MAX, "every bit in some part at {n}");
        }
    }

    #[test]
    fn answers_equal_a_linear_scan_through_inserts_replacements_and_removals() {
        let mut rng = Rng(11);
        let mut index = Mih64Index::new();
        let mut truth: HashMap<u32, u64> = HashMap::new();
        let bases: Vec<u64> = (0..40).map(|_| rng.next()).collect();
        // Clusters around a few bases (near copies at every distance) and random hashes,
        // through several rebuilds, with replacements and removals on the way.
        for round in 0..6u32 {
            for i in 0..3_000u32 {
                let id = round * 2_000 + i; // overlaps the previous round: replacements
                let hash = if i % 3 == 0 {
                    rng.next()
                } else {
                    let base = bases[(rng.next() % 40) as usize];
                    let flips = (rng.next() % 14) as u32;
                    rng.near(base, flips)
                };
                // Every other round loads as a batch: unindexed until the flush below.
                let old = if round % 2 == 0 {
                    index.insert(id, hash)
                } else {
                    index.insert_unindexed(id, hash)
                };
                assert_eq!(old, truth.insert(id, hash));
            }
            // A batch is queried while still in the scanned tail.
            if round % 2 == 1 {
                assert!(index.pending() > FLUSH_MIN_PENDING, "round {round}");
                check_queries(&index, &truth, &bases, &mut rng, round);
            }
            for _ in 0..700 {
                let id = (rng.next() % u64::from(round * 2_000 + 3_000)) as u32;
                assert_eq!(index.remove(id), truth.remove(&id));
            }
            assert_eq!(index.len(), truth.len());
            check_queries(&index, &truth, &bases, &mut rng, round);
            index.flush();
            assert!(index.pending() <= FLUSH_MIN_PENDING);
            check_queries(&index, &truth, &bases, &mut rng, round);
        }
    }

    fn check_queries(
        index: &Mih64Index,
        truth: &HashMap<u32, u64>,
        bases: &[u64],
        rng: &mut Rng,
        round: u32,
    ) {
        {
            for q in 0..60 {
                let query = if q % 2 == 0 {
                    let flips = (rng.next() % 8) as u32;
                    rng.near(bases[q % 40], flips)
                } else {
                    rng.next()
                };
                for radius in [0, 1, 4, 6, 10, 16, 40, 64] {
                    assert_eq!(
                        index.query(query, radius),
                        linear(truth, query, radius),
                        "round {round}, radius {radius}"
                    );
                }
            }
        }
    }
}
