//! How specific a registration is: how close its hashes come to the hashes of thousands of
//! unrelated images (UI glyphs, flags, emoji, pictograms, other brands' logos, photographs),
//! shipped with the crate as `data/background.hashes` (built by
//! `bench/matching/make_background.py`; sources, versions and licences in
//! `data/BACKGROUND.md`).
//!
//! A plain shape (two bars, a circle, a letter in a standard font) sits within a few bits of
//! many unrelated images, and one such registration can draw most of a system's false
//! matches. So every registered hash gets a **cap**: pairs farther than it never count, for
//! any kind of comparison, strict, loose or in support (`Thresholds::decide` applies it). The
//! cap is one bit short of the distance at which the [`NEIGHBOURS`]-th distinct background
//! image has a hash of the same algorithm: a hash may match only what is closer to it than
//! its unrelated neighbours are. A hash whose neighbours are at distance 0 is not indexed
//! at all; a registration whose every whole-picture hash (the image as registered, on each
//! canvas, trimmed or not: pHash and PDQ) is capped below [`MIN_USEFUL_64`] /
//! [`MIN_USEFUL_256`] bits is judged **too generic**: it gets no image matching, and the
//! owner is told why ([`TOO_GENERIC`]).
//!
//! Counting distinct *images*, not hashes, and needing [`NEIGHBOURS`] of them (not one)
//! keeps a logo that happens to be in the background set (a brand among CoreUI's logos)
//! from being judged generic by its own copy.

use std::collections::HashMap;
use std::sync::LazyLock;

use takedown_model::RegionHash;

use crate::Mih64Index;

/// The background set shipped with the crate.
static SHIPPED: &[u8] = include_bytes!("../../data/background.hashes");

/// The message an owner sees for a registration judged too generic.
pub const TOO_GENERIC: &str = "too simple to match by image alone: it looks like many unrelated \
images (icons, flags, glyphs); register the word mark or more distinctive views";

/// How many distinct background images a hash must come within a distance of for that
/// distance to be barred. Fitted on the fitting split of `bench/matching` (REPORT.md).
pub const NEIGHBOURS: usize = 2;

/// Background neighbours farther than this (64-bit hashes) do not cap a hash: no kind of
/// comparison looks that far (whole pictures in support: 8 + 2).
const HORIZON_64: u32 = 12;
/// The same for 256-bit PDQ hashes (48 + 8 in support).
const HORIZON_256: u32 = 64;

/// A 64-bit whole-picture hash capped below this many bits matches only near-exact copies
/// (a re-encoded or resized copy moves 0–3 bits).
pub const MIN_USEFUL_64: u32 = 3;
/// The same for PDQ (a near-duplicate moves up to ~30 of 256 bits).
pub const MIN_USEFUL_256: u32 = 24;

/// Within this many bits of one of a registration's pHashes (the window threshold) an
/// unrelated image counts as a look-alike.
pub const LOOK_ALIKE_BITS: u32 = 4;
/// A registration with this many look-alikes among the background images (0.2 % of them)
/// is too generic even when one of its hashes (its PDQ, say) has no close neighbour: plain
/// shapes have hundreds (two vertical bars: 224), distinctive logos next to none.
pub const GENERIC_LOOK_ALIKES: u32 = 10;

/// The background data file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BackgroundError {
    /// The file does not start with the expected header.
    #[error("not a background hash file (bad magic)")]
    BadMagic,
    /// The file ends inside a record.
    #[error("background hash file is truncated")]
    Truncated,
    /// An algorithm name is not UTF-8.
    #[error("background hash file has a non-UTF-8 algorithm name")]
    BadName,
}

const MAGIC: &[u8] = b"TDBG1\n";

/// The hashes of one algorithm and length.
#[derive(Debug, Default)]
struct Tier {
    /// 64-bit hashes, by id (the id is the position in `images`).
    index64: Option<Mih64Index>,
    /// Longer hashes, scanned.
    wide: Vec<Vec<u8>>,
    /// Background image of each hash, by id.
    images: Vec<u32>,
}

/// Hashes of unrelated images, to estimate how often a registered hash would match by
/// chance.
#[derive(Debug, Default)]
pub struct Background {
    images: u32,
    tiers: HashMap<TierKey, Tier>,
}

/// (algorithm, hash length in bytes).
type TierKey = (String, usize);

/// Little-endian reader over the data file.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BackgroundError> {
        if self.bytes.len() < n {
            return Err(BackgroundError::Truncated);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, BackgroundError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, BackgroundError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

impl Background {
    /// Parses a background file: `TDBG1\n`, the number of images (u32 LE), the number of
    /// sections (u32 LE), then per section the algorithm's name (u8 length, bytes), the hash
    /// length in bytes (u8), the number of hashes (u32 LE) and each hash as its image's
    /// number (u32 LE) and its bytes. Written by `examples/background_hashes.rs`.
    pub fn parse(bytes: &[u8]) -> Result<Self, BackgroundError> {
        let mut r = Reader { bytes };
        if r.take(MAGIC.len()).map_err(|_| BackgroundError::BadMagic)? != MAGIC {
            return Err(BackgroundError::BadMagic);
        }
        let images = r.u32()?;
        let sections = r.u32()?;
        let mut out = Background {
            images,
            tiers: HashMap::new(),
        };
        for _ in 0..sections {
            let name_len = usize::from(r.u8()?);
            let name = std::str::from_utf8(r.take(name_len)?)
                .map_err(|_| BackgroundError::BadName)?
                .to_owned();
            let len = usize::from(r.u8()?);
            let count = r.u32()?;
            let mut entries = Vec::new();
            for _ in 0..count {
                let image = r.u32()?;
                entries.push((image, r.take(len)?));
            }
            out.add_section(name, len, entries);
        }
        Ok(out)
    }

    /// Builds a background from `(image number, hash)` pairs (tests, tools).
    pub fn from_hashes<'a>(
        images: u32,
        hashes: impl IntoIterator<Item = (u32, &'a RegionHash)>,
    ) -> Self {
        let mut by_tier: HashMap<TierKey, Vec<(u32, Vec<u8>)>> = HashMap::new();
        for (image, hash) in hashes {
            if let Ok(bits) = hex::decode(&hash.bits) {
                by_tier
                    .entry((hash.algorithm.clone(), bits.len()))
                    .or_default()
                    .push((image, bits));
            }
        }
        let mut out = Background {
            images,
            tiers: HashMap::new(),
        };
        for ((name, len), entries) in by_tier {
            out.add_section(
                name,
                len,
                entries.iter().map(|(i, b)| (*i, b.as_slice())).collect(),
            );
        }
        out
    }

    fn add_section(&mut self, name: String, len: usize, entries: Vec<(u32, &[u8])>) {
        let tier = self.tiers.entry((name, len)).or_default();
        for (image, bits) in entries {
            let id = tier.images.len() as u32;
            tier.images.push(image);
            if len == 8 {
                let word = u64::from_be_bytes(bits.try_into().unwrap_or([0; 8]));
                tier.index64
                    .get_or_insert_with(Mih64Index::new)
                    .insert_unindexed(id, word);
            } else {
                tier.wide.push(bits.to_vec());
            }
        }
        if let Some(index) = tier.index64.as_mut() {
            index.flush();
        }
    }

    /// The background set shipped with the crate (parsed once). Empty if the shipped file
    /// cannot be parsed (a test checks it can).
    pub fn shipped() -> &'static Background {
        static PARSED: LazyLock<Background> =
            LazyLock::new(|| Background::parse(SHIPPED).unwrap_or_default());
        &PARSED
    }

    /// Number of background images.
    pub fn image_count(&self) -> u32 {
        self.images
    }

    /// Number of background hashes.
    pub fn hash_count(&self) -> usize {
        self.tiers.values().map(|t| t.images.len()).sum()
    }

    /// The distance within which `k` distinct background images have a hash of
    /// `algorithm` near `bits`, or None when fewer than `k` come within `horizon`.
    pub fn kth_image_distance(
        &self,
        algorithm: &str,
        bits: &[u8],
        k: usize,
        horizon: u32,
    ) -> Option<u32> {
        let distances = self.image_distances(algorithm, bits, horizon);
        k.checked_sub(1).and_then(|i| distances.get(i).copied())
    }

    /// Per distinct background image with a hash of `algorithm` within `horizon` of
    /// `bits`, its closest such hash's distance; ascending.
    pub fn image_distances(&self, algorithm: &str, bits: &[u8], horizon: u32) -> Vec<u32> {
        let Some(tier) = self.tiers.get(&(algorithm.to_owned(), bits.len())) else {
            return Vec::new();
        };
        let found: Vec<(u32, u32)> = match (&tier.index64, <[u8; 8]>::try_from(bits)) {
            (Some(index), Ok(word)) => index.query(u64::from_be_bytes(word), horizon),
            _ => tier
                .wide
                .iter()
                .enumerate()
                .filter_map(|(id, stored)| {
                    let d = super::hamming_bytes(stored, bits)?;
                    (d <= horizon).then_some((id as u32, d))
                })
                .collect(),
        };
        // Closest distance per distinct image.
        let mut best: HashMap<u32, u32> = HashMap::new();
        for (id, d) in found {
            let Some(&image) = tier.images.get(id as usize) else {
                continue;
            };
            let e = best.entry(image).or_insert(d);
            *e = (*e).min(d);
        }
        let mut distances: Vec<u32> = best.into_values().collect();
        distances.sort_unstable();
        distances
    }
}

/// How far a registered hash may match: pairs beyond it never count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cap {
    /// No background image comes near: the kind's own bounds apply.
    None,
    /// Pairs farther than this many bits are ignored.
    At(u32),
    /// Background images share the hash exactly: it is never compared.
    Off,
}

impl Cap {
    /// The largest distance allowed, None when uncapped; `Off` allows nothing.
    pub fn limit(self) -> Option<Option<u32>> {
        match self {
            Cap::None => Some(None),
            Cap::At(d) => Some(Some(d)),
            Cap::Off => None,
        }
    }
}

/// The verdict on one registered image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specificity {
    /// The cap of each core hash, in order.
    pub core: Vec<Cap>,
    /// The cap of each variant, in order.
    pub variants: Vec<Cap>,
    /// No whole-picture hash of the image as registered is useful: it gets no image
    /// matching at all ([`TOO_GENERIC`]).
    pub too_generic: bool,
    /// Distinct background images within 4 bits (pHash) of the image's closest core hash:
    /// how many unrelated images it resembles, for the owner's message.
    pub look_alikes: u32,
}

impl Specificity {
    /// A registration that no background caps (an empty background).
    pub fn unlimited(core: usize, variants: usize) -> Self {
        Specificity {
            core: vec![Cap::None; core],
            variants: vec![Cap::None; variants],
            too_generic: false,
            look_alikes: 0,
        }
    }

    /// Number of hashes whose cap narrows or removes them.
    pub fn narrowed(&self) -> usize {
        self.core
            .iter()
            .chain(&self.variants)
            .filter(|c| **c != Cap::None)
            .count()
    }
}

/// How an index judges its registrations' specificity: against which background, with
/// which constants (the shipped ones by default; other values only for fitting them).
#[derive(Debug, Clone, Copy)]
pub struct SpecificityPolicy {
    /// The background set; None judges nothing (every hash uncapped).
    pub background: Option<&'static Background>,
    /// Distinct background images a distance must hold to be barred ([`NEIGHBOURS`]).
    pub neighbours: usize,
    /// Look-alikes that make a registration too generic ([`GENERIC_LOOK_ALIKES`]).
    pub generic_look_alikes: u32,
    /// Smallest useful cap of a 64-bit whole-picture hash ([`MIN_USEFUL_64`]).
    pub min_useful_64: u32,
    /// Smallest useful cap of a PDQ whole-picture hash ([`MIN_USEFUL_256`]).
    pub min_useful_256: u32,
}

impl Default for SpecificityPolicy {
    fn default() -> Self {
        SpecificityPolicy {
            background: Some(Background::shipped()),
            neighbours: NEIGHBOURS,
            generic_look_alikes: GENERIC_LOOK_ALIKES,
            min_useful_64: MIN_USEFUL_64,
            min_useful_256: MIN_USEFUL_256,
        }
    }
}

impl SpecificityPolicy {
    /// No specificity check: every registered hash matches at its kind's bounds (as before
    /// the check existed; for measuring what it changes).
    pub fn off() -> Self {
        SpecificityPolicy {
            background: None,
            ..SpecificityPolicy::default()
        }
    }

    /// The specificity of a registered image's `core` and `variants` hashes.
    pub fn assess(&self, core: &[RegionHash], variants: &[RegionHash]) -> Specificity {
        match self.background {
            Some(background) => specificity_against(background, self, core, variants),
            None => Specificity::unlimited(core.len(), variants.len()),
        }
    }
}

/// The cap of one hash against `background`.
fn cap_of(background: &Background, neighbours: usize, hash: &RegionHash) -> Cap {
    let Ok(bits) = hex::decode(&hash.bits) else {
        return Cap::None;
    };
    let horizon = if bits.len() == 8 {
        HORIZON_64
    } else {
        HORIZON_256
    };
    match background.kth_image_distance(&hash.algorithm, &bits, neighbours, horizon) {
        None => Cap::None,
        Some(0) => Cap::Off,
        Some(d) => Cap::At(d - 1),
    }
}

/// Whether a cap leaves a whole-picture hash useful under `policy`: it still admits a
/// near-duplicate.
fn useful(policy: &SpecificityPolicy, hash: &RegionHash, cap: Cap) -> bool {
    let min = if hash.bits.len() <= 16 {
        policy.min_useful_64
    } else {
        policy.min_useful_256
    };
    match cap {
        Cap::None => true,
        Cap::At(d) => d >= min,
        Cap::Off => false,
    }
}

/// The specificity of a registered image's hashes (`core`: as registered, `variants`: its
/// re-uses) against `background`, with `policy`'s constants (its own background is not
/// read): a distance is barred when `policy.neighbours` distinct background images come
/// that close.
pub fn specificity_against(
    background: &Background,
    policy: &SpecificityPolicy,
    core: &[RegionHash],
    variants: &[RegionHash],
) -> Specificity {
    let neighbours = policy.neighbours.max(1);
    if background.image_count() == 0 {
        return Specificity::unlimited(core.len(), variants.len());
    }
    let core_caps: Vec<Cap> = core
        .iter()
        .map(|h| cap_of(background, neighbours, h))
        .collect();
    let variant_caps = variants
        .iter()
        .map(|h| cap_of(background, neighbours, h))
        .collect();
    // The image as registered, whole or trimmed, pHash or PDQ: what a near-duplicate
    // matches. Silhouettes and ramped hashes alone do not make a registration usable.
    let whole: Vec<(&RegionHash, Cap)> = core
        .iter()
        .zip(&core_caps)
        .filter(|(h, _)| h.algorithm == crate::PHASH64 || h.algorithm == crate::PDQ256)
        .map(|(h, c)| (h, *c))
        .collect();
    let look_alikes = core
        .iter()
        .filter(|h| h.algorithm == crate::PHASH64)
        .filter_map(|h| {
            let bits = hex::decode(&h.bits).ok()?;
            Some(
                background
                    .image_distances(&h.algorithm, &bits, LOOK_ALIKE_BITS)
                    .len() as u32,
            )
        })
        .max()
        .unwrap_or(0);
    let too_generic = (!whole.is_empty() && !whole.iter().any(|(h, c)| useful(policy, h, *c)))
        || look_alikes >= policy.generic_look_alikes;
    Specificity {
        core: core_caps,
        variants: variant_caps,
        too_generic,
        look_alikes,
    }
}

/// [`specificity_against`] the shipped background set, with [`NEIGHBOURS`]: the judgement
/// every index applies by default.
pub fn specificity(core: &[RegionHash], variants: &[RegionHash]) -> Specificity {
    SpecificityPolicy::default().assess(core, variants)
}
