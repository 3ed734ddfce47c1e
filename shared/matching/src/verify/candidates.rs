//! Candidates from local features: which registered images a listing photo's descriptors
//! point at, without verifying the photo against every registration.
//!
//! Locality-sensitive hashing over random bit subsets of the 256-bit descriptors: each of
//! [`CandidateParams::tables`] tables keys a descriptor by [`CandidateParams::key_bits`] of
//! its bits, drawn once from a fixed seed. A photo's descriptor looks up its own bucket in
//! every table and, with multi-probe, the buckets one bit away; among the registered
//! descriptors found it takes the closest, and when that one lies within
//! [`CandidateParams::max_distance`] it votes for the registered image it belongs to. The
//! registrations with the most votes are the ones worth a geometric verification.
//!
//! Written here rather than taken from a crate: the Rust crates for approximate neighbours
//! (HNSW graphs, k-d trees) index float vectors or whole-vector metrics with per-query
//! allocation and graph walks; what is wanted is 200–800 look-ups of 256-bit words per photo
//! into a registry that changes one right at a time, which bit-sampling LSH does in a few
//! hundred lines with exact, cheap removal (the crate's `mih` index is exact range search,
//! far too costly at the radius descriptors need: ~64 of 256 bits).

use std::collections::HashMap;
use std::hash::Hash;

use super::LocalFeatures;

/// How the descriptor index hashes and votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateParams {
    /// Independent hash tables (more: higher recall, more look-ups).
    pub tables: usize,
    /// Descriptor bits per table key (more: smaller buckets, fewer collisions), at most 24.
    pub key_bits: usize,
    /// Also probe the buckets whose key differs in one bit (multi-probe LSH).
    pub multi_probe: bool,
    /// A photo descriptor votes only when its closest registered descriptor found is within
    /// this many of 256 bits (the verification's own `max_distance`).
    pub max_distance: u32,
    /// Buckets holding more descriptors than this are not searched: descriptors that many
    /// registered corners share (flat or straight-edge patches) say little about which
    /// registration is in the photo, and searching them cost most of the time.
    pub max_bucket: usize,
}

/// The candidate generator's parameters: chosen on the `fit` split of `bench/matching`
/// (REPORT.md, "Candidates from local features").
pub const CANDIDATE_PARAMS: CandidateParams = CandidateParams {
    tables: 16,
    key_bits: 14,
    multi_probe: true,
    max_distance: 64,
    max_bucket: 32,
};

/// At most this many registrations, by votes, are verified per photo.
pub const MAX_FEATURE_CANDIDATES: usize = 8;

/// No registered image: a free descriptor slot.
const FREE: u32 = u32::MAX;

/// An index of registered images' descriptors under keys `K` (a right id): see the module
/// documentation.
#[derive(Debug, Clone)]
pub struct DescriptorIndex<K> {
    params: CandidateParams,
    /// Per table, the descriptor bit each key bit is read from.
    positions: Vec<Vec<u8>>,
    /// Per table, per key, the descriptor slots in that bucket.
    buckets: Vec<Vec<Vec<u32>>>,
    /// Descriptors by slot.
    descriptors: Vec<[u64; 4]>,
    /// The registered image each descriptor slot belongs to, or [`FREE`].
    owners: Vec<u32>,
    /// Descriptor slots freed by removals, reused first.
    free_slots: Vec<u32>,
    /// Registered images by number: their key and their descriptor slots (None: removed).
    images: Vec<Option<(K, Vec<u32>)>>,
    /// Image numbers freed by removals, reused first.
    free_images: Vec<u32>,
}

impl<K: Clone + Eq + Hash + Ord> Default for DescriptorIndex<K> {
    fn default() -> Self {
        Self::new(CANDIDATE_PARAMS)
    }
}

impl<K: Clone + Eq + Hash + Ord> DescriptorIndex<K> {
    /// An empty index. `params.key_bits` is clamped to 1..=24 and `tables` to at least 1.
    pub fn new(params: CandidateParams) -> Self {
        let params = CandidateParams {
            key_bits: params.key_bits.clamp(1, 24),
            tables: params.tables.max(1),
            ..params
        };
        let positions = key_positions(params.tables, params.key_bits);
        let buckets = (0..params.tables)
            .map(|_| vec![Vec::new(); 1 << params.key_bits])
            .collect();
        DescriptorIndex {
            params,
            positions,
            buckets,
            descriptors: Vec::new(),
            owners: Vec::new(),
            free_slots: Vec::new(),
            images: Vec::new(),
            free_images: Vec::new(),
        }
    }

    /// Adds one registered image's descriptors under `key` (a right may have several
    /// images). Returns false, adding nothing, when the index is full (2³² − 1 descriptors
    /// or images).
    pub fn insert(&mut self, key: K, features: &LocalFeatures) -> bool {
        let image = match self.free_images.pop() {
            Some(n) => n,
            None => match u32::try_from(self.images.len()) {
                Ok(n) if n != FREE => {
                    self.images.push(None);
                    n
                }
                _ => return false,
            },
        };
        let mut slots = Vec::with_capacity(features.descriptors.len());
        for descriptor in &features.descriptors {
            let slot = match self.free_slots.pop() {
                Some(slot) => {
                    self.descriptors[slot as usize] = *descriptor;
                    self.owners[slot as usize] = image;
                    slot
                }
                None => {
                    let Ok(slot) = u32::try_from(self.descriptors.len()) else {
                        break;
                    };
                    if slot == FREE {
                        break;
                    }
                    self.descriptors.push(*descriptor);
                    self.owners.push(image);
                    slot
                }
            };
            for (table, positions) in self.positions.iter().enumerate() {
                self.buckets[table][key_of(descriptor, positions)].push(slot);
            }
            slots.push(slot);
        }
        self.images[image as usize] = Some((key, slots));
        true
    }

    /// Removes every image registered under `key`.
    pub fn remove(&mut self, key: &K) {
        for image in 0..self.images.len() {
            if !matches!(&self.images[image], Some((k, _)) if k == key) {
                continue;
            }
            let Some((_, slots)) = self.images[image].take() else {
                continue;
            };
            for &slot in &slots {
                let descriptor = self.descriptors[slot as usize];
                for (table, positions) in self.positions.iter().enumerate() {
                    self.buckets[table][key_of(&descriptor, positions)].retain(|&s| s != slot);
                }
                self.owners[slot as usize] = FREE;
                self.free_slots.push(slot);
            }
            // `images` is indexed by u32 numbers (insert refuses more), so this converts.
            if let Ok(n) = u32::try_from(image) {
                self.free_images.push(n);
            }
        }
    }

    /// Number of registered images indexed.
    pub fn len(&self) -> usize {
        self.images.iter().filter(|i| i.is_some()).count()
    }

    /// Whether no image is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Per key, the votes of its best image (photo descriptors whose closest registered
    /// descriptor found belongs to that image, or is tied with one that does, and lies
    /// within `max_distance`); keys with votes only, most votes first, then key.
    pub fn votes(&self, query: &LocalFeatures) -> Vec<(K, u32)> {
        let mut per_image = vec![0u32; self.images.len()];
        // A bucket reached by several probes is searched once per descriptor.
        // The images holding the closest descriptor found (several when registered images
        // share it: the same logo under two rights gets the votes of both).
        let mut winners: Vec<u32> = Vec::new();
        for descriptor in &query.descriptors {
            let mut best = self.params.max_distance.saturating_add(1);
            winners.clear();
            for (table, positions) in self.positions.iter().enumerate() {
                let home = key_of(descriptor, positions);
                let flips = if self.params.multi_probe {
                    self.params.key_bits
                } else {
                    0
                };
                for probe in std::iter::once(home).chain((0..flips).map(|bit| home ^ (1 << bit))) {
                    let bucket = &self.buckets[table][probe];
                    if bucket.len() > self.params.max_bucket {
                        continue;
                    }
                    for &slot in bucket {
                        let d = distance(descriptor, &self.descriptors[slot as usize]);
                        if d > best {
                            continue;
                        }
                        if d < best {
                            best = d;
                            winners.clear();
                        }
                        let owner = self.owners[slot as usize];
                        if !winners.contains(&owner) {
                            winners.push(owner);
                        }
                    }
                }
            }
            for &owner in &winners {
                if let Some(votes) = per_image.get_mut(owner as usize) {
                    *votes += 1;
                }
            }
        }
        let mut per_key: HashMap<&K, u32> = HashMap::new();
        for (image, votes) in per_image.iter().enumerate() {
            if *votes == 0 {
                continue;
            }
            if let Some(Some((key, _))) = self.images.get(image) {
                let best = per_key.entry(key).or_default();
                *best = (*best).max(*votes);
            }
        }
        let mut ranked: Vec<(K, u32)> = per_key.into_iter().map(|(k, v)| (k.clone(), v)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked
    }

    /// The `k` keys with the most votes ([`Self::votes`]).
    pub fn top(&self, query: &LocalFeatures, k: usize) -> Vec<K> {
        let mut ranked = self.votes(query);
        ranked.truncate(k);
        ranked.into_iter().map(|(key, _)| key).collect()
    }
}

/// The bucket of `descriptor` in the table reading bits `positions`.
fn key_of(descriptor: &[u64; 4], positions: &[u8]) -> usize {
    positions.iter().enumerate().fold(0usize, |key, (i, &p)| {
        let bit = (descriptor[usize::from(p >> 6)] >> (p & 63)) & 1;
        key | (usize::from(bit == 1) << i)
    })
}

/// Hamming distance between two descriptors.
fn distance(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

/// Per table, `key_bits` distinct descriptor bits drawn from a fixed seed (every index,
/// in every process, keys descriptors alike).
fn key_positions(tables: usize, key_bits: usize) -> Vec<Vec<u8>> {
    let mut state: u64 = 0xD1B5_4A32_D192_ED03;
    let mut next = move || {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..tables)
        .map(|_| {
            let mut bits: Vec<u8> = Vec::with_capacity(key_bits);
            while bits.len() < key_bits {
                // The low byte of a 64-bit draw: uniform over 0..=255.
                let bit = next().to_le_bytes()[0];
                if !bits.contains(&bit) {
                    bits.push(bit);
                }
            }
            bits
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{ground, logo, paste};
    use crate::verify::{QUERY_FEATURES, REFERENCE_FEATURES, extract, to_gray};

    fn reference(seed: u64) -> LocalFeatures {
        extract(&to_gray(&logo(seed, 256)), &REFERENCE_FEATURES)
    }

    #[test]
    fn a_pasted_rotated_logo_among_a_hundred_registrations_is_among_the_top_candidates() {
        let mut index = DescriptorIndex::default();
        for seed in 100..200u64 {
            index.insert(format!("right-{seed}"), &reference(seed));
        }
        let mut photo = ground(9, 640, 640);
        // Registration 142, small and rotated ~20°, beside an unregistered logo.
        paste(
            &mut photo,
            &logo(142, 256),
            [[80.0, 120.0], [230.0, 70.0], [280.0, 215.0], [130.0, 265.0]],
        );
        paste(
            &mut photo,
            &logo(7, 256),
            [
                [360.0, 360.0],
                [560.0, 360.0],
                [560.0, 560.0],
                [360.0, 560.0],
            ],
        );
        let query = extract(&to_gray(&photo), &QUERY_FEATURES);
        let top = index.top(&query, MAX_FEATURE_CANDIDATES);
        assert!(top.contains(&"right-142".to_string()), "{top:?}");
        assert_eq!(index.len(), 100);
    }

    #[test]
    fn removed_images_get_no_votes_and_their_slots_are_reused() {
        let mut index = DescriptorIndex::default();
        let a = reference(1);
        index.insert("a", &a);
        index.insert("b", &reference(2));
        assert_eq!(index.votes(&a).first().map(|v| v.0), Some("a"));
        index.remove(&"a");
        assert!(index.votes(&a).iter().all(|(k, _)| *k != "a"));
        assert_eq!(index.len(), 1);
        let slots = index.descriptors.len();
        index.insert("a", &a);
        assert_eq!(index.descriptors.len(), slots, "freed slots are reused");
        assert_eq!(index.votes(&a).first().map(|v| v.0), Some("a"));
    }

    #[test]
    fn keys_read_distinct_bits_the_same_way_every_time() {
        let positions = key_positions(4, 14);
        assert_eq!(positions, key_positions(4, 14));
        for table in &positions {
            let mut sorted = table.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 14);
        }
        let ones = [u64::MAX; 4];
        assert_eq!(key_of(&ones, &positions[0]), (1 << 14) - 1);
        assert_eq!(key_of(&[0; 4], &positions[0]), 0);
    }
}
