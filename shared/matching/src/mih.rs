//! Exact multi-index hashing (Norouzi, Punjani & Fleet) over 256-bit hashes: every indexed
//! hash within a Hamming radius of a query, exactly the set a linear scan finds.
//!
//! The hash is cut into 16 substrings of 16 bits, one table each. If two hashes differ in at
//! most `r` bits, then by pigeonhole some substring differs in at most `⌊r/16⌋` bits, so
//! probing every table at all keys within `⌊r/16⌋` bits of the query's substring finds every
//! candidate; each is then verified at full length. For radius ≤ 31 that is 17 probes per
//! table.
//!
//! Layout, for memory (≤ 128 bytes per hash) and cache behaviour: each table is a compact
//! bucket array (offsets into one posting list of `u32` slots) rebuilt in bulk; new hashes
//! wait in a short pending list that queries scan linearly until the next rebuild; removals
//! mark slots dead and are swept out at the next rebuild. Memory is 32 (hash) + 4 (id) + 64
//! (postings) + ~16–20 (id map) bytes per hash, plus 4.2 MB of bucket offsets whatever the
//! size: under 128 bytes per hash from about 600,000 hashes up (123.7 at 1M, 115.8 at 10M;
//! see BENCHMARKS.md). A rebuild briefly holds a second copy of one table, and costs time in
//! proportion to the size, so one-at-a-time inserts run at about 100,000/s at 1M hashes and
//! 10,000/s at 10M; bulk loads go through [`MihIndex::extend`].
//!
//! Hand-written: no maintained crate offers an exact, online Hamming index over 256-bit
//! codes.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Number of substrings (tables).
const TABLES: usize = 16;
/// Buckets per table: every 16-bit key.
const BUCKETS: usize = 1 << 16;
/// Fewest pending hashes that trigger a rebuild; larger indexes wait for a share of their size.
const MIN_PENDING: usize = 1024;
/// Most pending hashes before a rebuild, bounding the linear part of a query.
const MAX_PENDING: usize = 16 * 1024;

/// How many candidates ahead the verification loop asks for a hash to be loaded: candidates
/// are random slots, so each is a cache miss that the prefetch overlaps with earlier work.
const PREFETCH_AHEAD: usize = 8;

/// Hints the CPU to load `w` into cache; no effect on results.
#[inline(always)]
fn prefetch(w: &Words) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint with no memory effects; SSE is part of x86-64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (w as *const Words).cast::<i8>(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = w;
}

/// A 256-bit hash as four words, for popcount.
type Words = [u64; 4];

#[inline(always)]
fn words(hash: &[u8; 32]) -> Words {
    let mut w = [0u64; 4];
    for (word, chunk) in w.iter_mut().zip(hash.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *word = u64::from_le_bytes(b);
    }
    w
}

#[inline(always)]
fn distance(a: &Words, b: &Words) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

/// Substring `t` (bits 16t..16t+16) of a hash.
#[inline(always)]
fn substring(w: &Words, t: usize) -> u16 {
    (w[t / 4] >> ((t % 4) * 16)) as u16
}

/// An online index of `(id, 256-bit hash)` with exact radius queries.
#[derive(Debug, Clone, Default)]
pub struct MihIndex {
    /// Hash of each slot.
    hashes: Vec<Words>,
    /// Caller's id of each slot.
    ids: Vec<u32>,
    /// Whether each slot still holds a live entry, one bit per slot.
    alive: Vec<u64>,
    /// Slot of each live id.
    slots: HashMap<u32, u32>,
    /// Per table, `BUCKETS + 1` offsets into `postings` (empty before the first rebuild).
    offsets: Vec<Vec<u32>>,
    /// Per table, the slots of the rebuilt part, grouped by bucket.
    postings: Vec<Vec<u32>>,
    /// Slots added since the last rebuild: `built..hashes.len()`.
    built: usize,
    /// Dead slots not yet swept.
    dead: usize,
}

impl MihIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Adds or replaces the hash of `id`; returns the hash it had before.
    pub fn insert(&mut self, id: u32, hash: [u8; 32]) -> Option<[u8; 32]> {
        let old = self.remove(id);
        self.push(id, hash);
        if self.hashes.len() - self.built > self.pending_limit() {
            self.rebuild();
        }
        old
    }

    /// Adds many entries with a single rebuild (ids already present are replaced).
    pub fn extend(&mut self, entries: impl IntoIterator<Item = (u32, [u8; 32])>) {
        for (id, hash) in entries {
            self.remove(id);
            self.push(id, hash);
        }
        self.rebuild();
    }

    /// Removes `id`; returns its hash if it was present.
    pub fn remove(&mut self, id: u32) -> Option<[u8; 32]> {
        let slot = self.slots.remove(&id)? as usize;
        self.alive[slot / 64] &= !(1u64 << (slot % 64));
        self.dead += 1;
        let mut hash = [0u8; 32];
        for (chunk, word) in hash.chunks_exact_mut(8).zip(self.hashes[slot]) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        Some(hash)
    }

    /// Every live `(id, distance)` within `radius` bits of `hash`, by distance then id.
    pub fn query(&self, hash: &[u8; 32], radius: u32) -> Vec<(u32, u32)> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports POPCNT, checked just above.
            return unsafe { self.query_popcnt(hash, radius) };
        }
        self.query_portable(hash, radius)
    }

    /// [`Self::query`] compiled with the POPCNT instruction, which the default x86-64
    /// target lacks: popcount is the inner loop, and the portable version is several
    /// instructions per word.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn query_popcnt(&self, hash: &[u8; 32], radius: u32) -> Vec<(u32, u32)> {
        self.query_portable(hash, radius)
    }

    #[inline(always)]
    fn query_portable(&self, hash: &[u8; 32], radius: u32) -> Vec<(u32, u32)> {
        let q = words(hash);
        let mut hits = Vec::new();
        if !self.offsets.is_empty() {
            let sub_radius = radius / TABLES as u32;
            let masks = masks_within(sub_radius);
            let mut candidates: Vec<u32> = Vec::new();
            for t in 0..TABLES {
                let key = substring(&q, t);
                let (offsets, postings) = (&self.offsets[t], &self.postings[t]);
                candidates.clear();
                for &mask in masks {
                    let bucket = usize::from(key ^ mask);
                    let range = offsets[bucket] as usize..offsets[bucket + 1] as usize;
                    candidates.extend_from_slice(&postings[range]);
                }
                for (i, &slot) in candidates.iter().enumerate() {
                    if let Some(&ahead) = candidates.get(i + PREFETCH_AHEAD) {
                        prefetch(&self.hashes[ahead as usize]);
                    }
                    let slot = slot as usize;
                    let d = distance(&q, &self.hashes[slot]);
                    // A hash close in several substrings is reported by the first table
                    // that probes it only.
                    if d <= radius
                        && self.is_alive(slot)
                        && first_table(&q, &self.hashes[slot], sub_radius) == t
                    {
                        hits.push((self.ids[slot], d));
                    }
                }
            }
        }
        for slot in self.built..self.hashes.len() {
            let d = distance(&q, &self.hashes[slot]);
            if d <= radius && self.is_alive(slot) {
                hits.push((self.ids[slot], d));
            }
        }
        hits.sort_unstable_by_key(|&(id, d)| (d, id));
        hits
    }

    /// Heap bytes held by the index (capacities, and the id map at its bucket size).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let tables: usize = self
            .offsets
            .iter()
            .chain(&self.postings)
            .map(|v| v.capacity() * size_of::<u32>())
            .sum();
        // hashbrown keeps one control byte per bucket beside each (key, value) pair, at a
        // load factor of at most 7/8 and a power-of-two bucket count.
        let map_buckets = (self.slots.capacity() * 8 / 7).next_power_of_two();
        self.hashes.capacity() * size_of::<Words>()
            + self.ids.capacity() * size_of::<u32>()
            + self.alive.capacity() * size_of::<u64>()
            + map_buckets * (size_of::<(u32, u32)>() + 1)
            + tables
    }

    #[inline(always)]
    fn is_alive(&self, slot: usize) -> bool {
        self.alive[slot / 64] & (1u64 << (slot % 64)) != 0
    }

    fn push(&mut self, id: u32, hash: [u8; 32]) {
        let slot = self.hashes.len();
        self.hashes.push(words(&hash));
        self.ids.push(id);
        if slot.is_multiple_of(64) {
            self.alive.push(0);
        }
        self.alive[slot / 64] |= 1u64 << (slot % 64);
        self.slots.insert(id, slot as u32);
    }

    fn pending_limit(&self) -> usize {
        (self.built / 64).clamp(MIN_PENDING, MAX_PENDING)
    }

    /// Sweeps dead slots and rebuilds every table over all live slots (counting sort by
    /// bucket, so each table is two passes over the slots).
    fn rebuild(&mut self) {
        if self.dead > 0 {
            self.sweep();
        }
        let n = self.hashes.len();
        self.offsets.resize_with(TABLES, Vec::new);
        self.postings.resize_with(TABLES, Vec::new);
        for t in 0..TABLES {
            let mut offsets = vec![0u32; BUCKETS + 1];
            for w in &self.hashes {
                offsets[usize::from(substring(w, t)) + 1] += 1;
            }
            for b in 0..BUCKETS {
                offsets[b + 1] += offsets[b];
            }
            let mut next = offsets.clone();
            let mut postings = vec![0u32; n];
            for (slot, w) in self.hashes.iter().enumerate() {
                let bucket = usize::from(substring(w, t));
                postings[next[bucket] as usize] = slot as u32;
                next[bucket] += 1;
            }
            self.offsets[t] = offsets;
            self.postings[t] = postings;
        }
        self.built = n;
        // Room for the next pending batch without doubling the slot arrays.
        let room = self.pending_limit() + 1;
        self.hashes.shrink_to_fit();
        self.ids.shrink_to_fit();
        self.hashes.reserve_exact(room);
        self.ids.reserve_exact(room);
    }

    /// Drops dead slots, renumbering the live ones.
    fn sweep(&mut self) {
        let mut keep = 0;
        for slot in 0..self.hashes.len() {
            if self.is_alive(slot) {
                self.hashes[keep] = self.hashes[slot];
                self.ids[keep] = self.ids[slot];
                self.slots.insert(self.ids[keep], keep as u32);
                keep += 1;
            }
        }
        self.hashes.truncate(keep);
        self.ids.truncate(keep);
        self.alive = vec![u64::MAX; keep / 64];
        if keep % 64 != 0 {
            self.alive.push((1u64 << (keep % 64)) - 1);
        }
        self.dead = 0;
    }
}

/// The first table whose substrings of `a` and `b` differ in at most `sub_radius` bits (the
/// table that reports the pair).
#[inline(always)]
fn first_table(a: &Words, b: &Words, sub_radius: u32) -> usize {
    (0..TABLES)
        .find(|&t| (substring(a, t) ^ substring(b, t)).count_ones() <= sub_radius)
        .unwrap_or(TABLES)
}

/// Every 16-bit mask with at most `bits` bits set, fewest first; computed once, as
/// enumerating them costs more than a whole query.
fn masks_within(bits: u32) -> &'static [u16] {
    static MASKS: OnceLock<(Vec<u16>, [usize; 18])> = OnceLock::new();
    let (masks, ends) = MASKS.get_or_init(|| {
        let mut masks: Vec<u16> = (0..=u16::MAX).collect();
        masks.sort_by_key(|m| m.count_ones());
        // ends[w]: how many masks have fewer than w bits set.
        let mut ends = [0usize; 18];
        for (w, end) in ends.iter_mut().enumerate() {
            *end = masks.iter().filter(|m| m.count_ones() < w as u32).count();
        }
        (masks, ends)
    });
    &masks[..ends[(bits as usize + 1).min(17)]]
}

/// Every `(id, distance)` within `radius` of `query` by scanning all `entries`, by distance
/// then id: the reference the index is tested against, and the baseline it is measured by.
pub fn linear_query(entries: &[(u32, [u8; 32])], query: &[u8; 32], radius: u32) -> Vec<(u32, u32)> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU supports POPCNT, checked just above.
        return unsafe { linear_popcnt(entries, query, radius) };
    }
    linear_portable(entries, query, radius)
}

/// [`linear_query`] with POPCNT (see [`MihIndex::query`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn linear_popcnt(entries: &[(u32, [u8; 32])], query: &[u8; 32], radius: u32) -> Vec<(u32, u32)> {
    linear_portable(entries, query, radius)
}

#[inline(always)]
fn linear_portable(entries: &[(u32, [u8; 32])], query: &[u8; 32], radius: u32) -> Vec<(u32, u32)> {
    let q = words(query);
    let mut hits: Vec<(u32, u32)> = entries
        .iter()
        .filter_map(|(id, hash)| {
            let d = distance(&q, &words(hash));
            (d <= radius).then_some((*id, d))
        })
        .collect();
    hits.sort_unstable_by_key(|&(id, d)| (d, id));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_cover_exactly_the_hamming_ball() {
        assert_eq!(masks_within(0), &[0]);
        assert_eq!(masks_within(16).len(), 65536);
        assert_eq!(masks_within(300).len(), 65536);
        assert_eq!(masks_within(1).len(), 17);
        assert_eq!(masks_within(2).len(), 1 + 16 + 120);
    }

    #[test]
    fn sweep_renumbers_live_slots() {
        let mut index = MihIndex::new();
        index.extend((0..100u32).map(|i| (i, [i as u8; 32])));
        for i in (0..100u32).step_by(3) {
            index.remove(i);
        }
        index.rebuild();
        assert_eq!(index.hashes.len(), index.len());
        assert_eq!(index.query(&[4u8; 32], 0), vec![(4, 0)]);
        assert!(index.query(&[3u8; 32], 0).is_empty());
    }
}
