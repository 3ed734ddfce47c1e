//! Exact multi-index hashing (Norouzi, Punjani & Fleet) over 256-bit hashes: every indexed
//! hash within a Hamming radius of a query, exactly the set a linear scan finds.
//!
//! The hash is cut into 11 substrings (3 of 24 bits, 8 of 23), one table each. If two hashes
//! differ in at most `r` bits, then by pigeonhole some substring differs in at most `⌊r/11⌋`
//! bits, so probing every table at all keys within `⌊r/11⌋` bits of the query's substring
//! finds every candidate; each is then verified at full length. Norouzi et al. choose
//! substrings of about log₂ N bits: at 10M hashes (log₂ N ≈ 23) a radius-31 query probes 277
//! keys of 23 bits per table and verifies ~3,600 candidates, where 16 tables of 16 bits
//! verified ~41,000 — each a cache miss into a 320 MB array.
//!
//! Layout, for memory (≤ 128 bytes per hash) and cache behaviour: a table's directory is
//! indexed by a substring's top 16 bits only (a 23-bit directory would cost 32 MiB a table);
//! each posting keeps the substring's remaining 7–8 bits in a byte array beside its `u32`
//! slot, and a probe scans a bucket's bytes 16 at a time (SSE2) for the keys it wants, so
//! only real candidates touch a slot and a hash. Tables are rebuilt in bulk (a counting
//! sort); new hashes wait in a short pending list that queries scan linearly until the next
//! rebuild; removals mark slots dead and are swept out at the next rebuild. The big arrays
//! ask for transparent huge pages (`hugepages.rs`): their random reads are TLB misses too. A
//! radius so large that the probes would visit more buckets than a table has (`⌊r/11⌋ ≥ 5`,
//! r ≥ 55) scans the hashes instead.
//!
//! Memory is 32 (hash) + 4 (id) + 11 × 5 (postings) + ~15–19 (id map) bytes per hash, plus
//! 2.9 MB of bucket offsets whatever the size, plus spare capacity for four pending batches
//! (so that rebuilds reuse their arrays): under 128 bytes per hash from about 250,000 hashes
//! up (117.7 at 1M, 107.2 at 10M; see BENCHMARKS.md). A rebuild that outgrows its arrays
//! briefly holds a second copy of the hashes or of one table, and a rebuild costs time in
//! proportion to the size, so one-at-a-time inserts slow down as the index grows (about
//! 130,000/s at 1M hashes, 12,000/s at 10M); bulk loads go through [`MihIndex::extend`].
//!
//! Hand-written: no maintained crate offers an exact, online Hamming index over 256-bit
//! codes.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::hugepages;

/// Number of substrings (tables).
const TABLES: usize = 11;
/// Bits of each table's substring, in order from bit 0: 3 × 24 + 8 × 23 = 256.
const WIDTHS: [u32; TABLES] = [24, 24, 24, 23, 23, 23, 23, 23, 23, 23, 23];
/// First bit of each table's substring.
const STARTS: [u32; TABLES] = {
    let mut starts = [0; TABLES];
    let mut t = 1;
    while t < TABLES {
        starts[t] = starts[t - 1] + WIDTHS[t - 1];
        t += 1;
    }
    starts
};
/// Bits of a substring that pick its bucket (the top ones); the rest are the posting's
/// suffix byte.
const DIR_BITS: u32 = 16;
/// Buckets per table.
const BUCKETS: usize = 1 << DIR_BITS;
/// Fewest pending hashes that trigger a rebuild; larger indexes wait for a share of their size.
const MIN_PENDING: usize = 1024;
/// Most pending hashes before a rebuild, bounding the linear part of a query.
const MAX_PENDING: usize = 16 * 1024;
/// Pending batches' worth of spare capacity a fresh array gets, so that a growing index
/// reallocates (and faults in new pages) only every few rebuilds.
const GROWTH: usize = 4;

/// How many candidates ahead the verification loop asks for a hash to be loaded: candidates
/// are random slots, so each is a cache miss that the prefetch overlaps with earlier work.
const PREFETCH_AHEAD: usize = 16;

/// Hints the CPU to load the cache line at `p`; no effect on results.
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint with no memory effects, valid on any address; SSE is
    // part of x86-64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
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

/// Substring `t` (bits `STARTS[t]..STARTS[t] + WIDTHS[t]`) of a hash.
#[inline(always)]
fn substring(w: &Words, t: usize) -> u32 {
    let (start, width) = (STARTS[t] as usize, WIDTHS[t]);
    let (word, shift) = (start / 64, start % 64);
    let mut bits = w[word] >> shift;
    // A substring crossing a word boundary starts past bit 40 of its word, so `shift > 0`
    // here and the last substring ends exactly at bit 256.
    if shift + width as usize > 64 {
        bits |= w[word + 1] << (64 - shift);
    }
    (bits & ((1u64 << width) - 1)) as u32
}

/// Substring `t` split into its bucket (top [`DIR_BITS`] bits) and suffix (the rest).
#[inline(always)]
fn key(w: &Words, t: usize) -> (usize, u8) {
    let sub = substring(w, t);
    let low = WIDTHS[t] - DIR_BITS;
    ((sub >> low) as usize, (sub & ((1 << low) - 1)) as u8)
}

/// Bytes of zeros after a table's suffixes, so that a vector load at any posting stays
/// inside the array.
const SUFFIX_PAD: usize = 16;

/// A bucket a query visits.
#[derive(Debug, Clone, Copy)]
struct Visit {
    /// Its postings: `start..end`.
    start: u32,
    end: u32,
    table: u8,
    /// The query's suffix in that table.
    suffix: u8,
    /// Bits in which a posting's suffix may differ from the query's.
    allowed: u8,
}

/// One substring's table: postings grouped by bucket, suffix and slot side by side.
#[derive(Debug, Clone, Default)]
struct Table {
    /// `BUCKETS + 1` offsets into `suffixes` and `slots`.
    offsets: Vec<u32>,
    /// Low bits of each posting's substring (below the bucket bits), then [`SUFFIX_PAD`]
    /// zeros.
    suffixes: Vec<u8>,
    /// Slot of each posting.
    slots: Vec<u32>,
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
    /// One per substring over the rebuilt part (empty before the first rebuild).
    tables: Vec<Table>,
    /// Slots added since the last rebuild: `built..hashes.len()`.
    built: usize,
    /// Dead slots not yet swept.
    dead: usize,
}

impl MihIndex {
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
        let sub_radius = radius / TABLES as u32;
        let masks = masks_within(sub_radius);
        // Past this many probes every bucket is visited several times over: a scan of the
        // hashes is cheaper, and trivially exact.
        let scan_all = masks.len() * TABLES >= BUCKETS;
        let from = if self.tables.is_empty() || scan_all {
            0
        } else {
            self.probe(&q, radius, sub_radius, masks, &mut hits);
            self.built
        };
        for slot in from..self.hashes.len() {
            let d = distance(&q, &self.hashes[slot]);
            if d <= radius && self.is_alive(slot) {
                hits.push((self.ids[slot], d));
            }
        }
        hits.sort_unstable_by_key(|&(id, d)| (d, id));
        hits
    }

    /// The rebuilt part's hits: every posting whose substring is within `sub_radius` bits
    /// of the query's, verified at full length.
    #[inline(always)]
    fn probe(
        &self,
        q: &Words,
        radius: u32,
        sub_radius: u32,
        masks: &[u16],
        hits: &mut Vec<(u32, u32)>,
    ) {
        // The work is staged so that each stage's random reads are prefetched a few steps
        // ahead (at 10M hashes almost every one misses the cache): bucket offsets, then the
        // buckets' suffix bytes, then the candidates' slots, then their hashes.
        // Stage 1: the range of every bucket to visit, with its table and allowance.
        let mut visits: Vec<Visit> = Vec::with_capacity(TABLES * masks.len());
        for (t, table) in self.tables.iter().enumerate() {
            let (bucket, suffix) = key(q, t);
            for (k, &mask) in masks.iter().enumerate() {
                if let Some(&ahead) = masks.get(k + PREFETCH_AHEAD) {
                    prefetch(&table.offsets[bucket ^ usize::from(ahead)]);
                }
                let b = bucket ^ usize::from(mask);
                let (start, end) = (table.offsets[b], table.offsets[b + 1]);
                // A bucket's suffixes span a few cache lines at 10M hashes (~150 bytes).
                for line in (start..end).step_by(64).take(4) {
                    prefetch(&table.suffixes[line as usize]);
                }
                visits.push(Visit {
                    start,
                    end,
                    table: t as u8,
                    suffix,
                    // The suffix may differ in the bits the bucket bits did not use up.
                    allowed: (sub_radius - mask.count_ones()) as u8,
                });
            }
        }
        // Stage 2: the postings whose suffix is close enough, as (table, position).
        let mut postings: Vec<(u8, u32)> = Vec::new();
        for v in &visits {
            let table = &self.tables[usize::from(v.table)];
            let (start, end) = (v.start as usize, v.end as usize);
            // The window runs past the bucket into the next one or the padding, so that
            // the scan never needs a scalar tail.
            let window = &table.suffixes[start..(end + SUFFIX_PAD).min(table.suffixes.len())];
            scan_suffixes(window, end - start, v.suffix, u32::from(v.allowed), |i| {
                let at = start + i;
                prefetch(&table.slots[at]);
                postings.push((v.table, at as u32));
            });
        }
        // Stage 3: verify each candidate at full length, loading slots and hashes ahead.
        let slot_of = |&(t, at): &(u8, u32)| self.tables[usize::from(t)].slots[at as usize];
        for (i, posting) in postings.iter().enumerate() {
            if let Some(ahead) = postings.get(i + PREFETCH_AHEAD) {
                prefetch(&self.hashes[slot_of(ahead) as usize]);
            }
            let slot = slot_of(posting) as usize;
            let h = &self.hashes[slot];
            let d = distance(q, h);
            // A hash close in several substrings is reported by the first table that
            // probes it only.
            if d <= radius
                && self.is_alive(slot)
                && first_table(q, h, sub_radius) == usize::from(posting.0)
            {
                hits.push((self.ids[slot], d));
            }
        }
    }

    /// Heap bytes held by the index (capacities, and the id map at its bucket size).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let tables: usize = self
            .tables
            .iter()
            .map(|t| {
                (t.offsets.capacity() + t.slots.capacity()) * size_of::<u32>()
                    + t.suffixes.capacity()
            })
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
        self.built = n;
        // Room for the next pending batch without doubling the slot arrays.
        let room = self.pending_limit() + 1;
        // The big arrays are kept from one rebuild to the next while they fit: a fresh one
        // costs the kernel zeroing every page. A fresh one (advised for huge pages before
        // its pages are touched) gets room for a few rebuilds' growth.
        let spare = GROWTH * room;
        self.hashes = refit(std::mem::take(&mut self.hashes), n + room, spare);
        self.ids.shrink_to_fit();
        self.ids.reserve_exact(room);
        self.tables.resize_with(TABLES, Table::default);
        for t in 0..TABLES {
            let old = std::mem::take(&mut self.tables[t]);
            let mut offsets = old.offsets;
            offsets.clear();
            offsets.resize(BUCKETS + 1, 0);
            for w in &self.hashes {
                offsets[key(w, t).0 + 1] += 1;
            }
            for b in 0..BUCKETS {
                offsets[b + 1] += offsets[b];
            }
            let mut next = offsets.clone();
            let mut suffixes = refit(old.suffixes, n + SUFFIX_PAD, spare);
            suffixes.clear();
            suffixes.resize(n + SUFFIX_PAD, 0);
            let mut slots = refit(old.slots, n, spare);
            slots.clear();
            slots.resize(n, 0);
            for (slot, w) in self.hashes.iter().enumerate() {
                let (bucket, suffix) = key(w, t);
                let at = next[bucket] as usize;
                suffixes[at] = suffix;
                slots[at] = slot as u32;
                next[bucket] += 1;
            }
            self.tables[t] = Table {
                offsets,
                suffixes,
                slots,
            };
        }
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

/// `v` with capacity for at least `needed` elements: itself while it has that and at most
/// `2 × spare` more (so that removals give memory back), else its elements moved into a
/// fresh allocation of `needed + spare`, advised for huge pages before it is written.
fn refit<T: Copy>(v: Vec<T>, needed: usize, spare: usize) -> Vec<T> {
    if v.capacity() >= needed && v.capacity() <= needed + 2 * spare {
        return v;
    }
    let mut fresh = hugepages::with_capacity(needed + spare);
    fresh.extend_from_slice(&v[..v.len().min(needed)]);
    fresh
}

/// The first table whose substrings of `a` and `b` differ in at most `sub_radius` bits (the
/// table that reports the pair).
#[inline(always)]
fn first_table(a: &Words, b: &Words, sub_radius: u32) -> usize {
    (0..TABLES)
        .find(|&t| (substring(a, t) ^ substring(b, t)).count_ones() <= sub_radius)
        .unwrap_or(TABLES)
}

/// Calls `found(i)` for every `i < len` whose `window[i]` differs from `want` in at most
/// `allowed` bits: the byte scan of a bucket that decides which postings are candidates.
/// Bytes of `window` past `len` (the next bucket's, or padding) are read but never reported.
#[inline(always)]
fn scan_suffixes(window: &[u8], len: usize, want: u8, allowed: u32, mut found: impl FnMut(usize)) {
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8,
            _mm_set1_epi8, _mm_setzero_si128, _mm_sub_epi8, _mm_xor_si128,
        };
        // 16 postings per step: XOR with the wanted suffix, clear the lowest set bit of each
        // byte `allowed` times, and the bytes left at zero are the candidates.
        // SAFETY: SSE2 is part of the x86-64 baseline; each load reads the 16 bytes at `i`,
        // inside `window` by the loop condition, and has no alignment requirement.
        unsafe {
            let (want, one, zero) = (
                _mm_set1_epi8(want as i8),
                _mm_set1_epi8(1),
                _mm_setzero_si128(),
            );
            while i < len && i + 16 <= window.len() {
                let bytes = _mm_loadu_si128(window.as_ptr().add(i).cast::<__m128i>());
                let mut x = _mm_xor_si128(bytes, want);
                for _ in 0..allowed.min(8) {
                    x = _mm_and_si128(x, _mm_sub_epi8(x, one));
                }
                let mut bits = _mm_movemask_epi8(_mm_cmpeq_epi8(x, zero)) as u32;
                if len - i < 16 {
                    bits &= (1 << (len - i)) - 1;
                }
                while bits != 0 {
                    found(i + bits.trailing_zeros() as usize);
                    bits &= bits - 1;
                }
                i += 16;
            }
        }
    }
    for (j, &s) in window.iter().enumerate().take(len).skip(i) {
        if (s ^ want).count_ones() <= allowed {
            found(j);
        }
    }
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

/// SplitMix64, for the test hashes of this index and of [`crate::mih64`].
#[cfg(test)]
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
    fn substrings_tile_the_hash_exactly() {
        assert_eq!(STARTS[TABLES - 1] + WIDTHS[TABLES - 1], 256);
        // Each bit of the hash lands in exactly one substring, at the right place.
        for bit in 0..256usize {
            let mut w = [0u64; 4];
            w[bit / 64] = 1 << (bit % 64);
            let set: Vec<(usize, u32)> = (0..TABLES)
                .map(|t| (t, substring(&w, t)))
                .filter(|&(_, s)| s != 0)
                .collect();
            let t = STARTS.iter().rposition(|&s| s as usize <= bit).unwrap();
            assert_eq!(set, vec![(t, 1 << (bit - STARTS[t] as usize))], "bit {bit}");
        }
    }

    #[test]
    fn suffix_scan_finds_exactly_the_bytes_within_the_allowance() {
        let bytes: Vec<u8> = (0..=255u8).chain(0..=40).collect();
        for want in [0u8, 0x5a, 0xff] {
            for allowed in 0..=9 {
                let mut found = Vec::new();
                // The last 30 bytes stand for the next bucket and the padding.
                let len = bytes.len() - 30;
                scan_suffixes(&bytes, len, want, allowed, |i| found.push(i));
                let expected: Vec<usize> = (0..len)
                    .filter(|&i| (bytes[i] ^ want).count_ones() <= allowed)
                    .collect();
                assert_eq!(found, expected, "want {want:#x} allowed {allowed}");
            }
        }
    }

    /// Clustered hashes fill buckets far past 16 postings (the vector scan's step), as real
    /// product shots on white backgrounds do; radii from exact match to the full scan.
    #[test]
    fn clustered_hashes_match_the_linear_scan_at_every_radius() {
        let mut state = 5u64;
        let bases: Vec<Words> = (0..4)
            .map(|_| std::array::from_fn(|_| splitmix64(&mut state)))
            .collect();
        let mut entries = Vec::new();
        for id in 0..4000u32 {
            let mut w = bases[id as usize % bases.len()];
            for _ in 0..(splitmix64(&mut state) % 48) {
                let bit = splitmix64(&mut state) % 256;
                w[(bit / 64) as usize] ^= 1 << (bit % 64);
            }
            let mut hash = [0u8; 32];
            for (chunk, word) in hash.chunks_exact_mut(8).zip(w) {
                chunk.copy_from_slice(&word.to_le_bytes());
            }
            entries.push((id, hash));
        }
        let mut index = MihIndex::new();
        index.extend(entries.iter().copied());
        let biggest = (0..BUCKETS)
            .map(|b| index.tables[0].offsets[b + 1] - index.tables[0].offsets[b])
            .max();
        assert!(biggest > Some(100), "buckets of {biggest:?}");
        for (_, query) in entries.iter().step_by(397) {
            for radius in [0, 10, 21, 22, 31, 33, 44, 54, 55, 80, 256] {
                assert_eq!(
                    index.query(query, radius),
                    linear_query(&entries, query, radius),
                    "radius {radius}"
                );
            }
        }
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
