//! Matching listings against registered rights: perceptual image hashes with region search,
//! and word-mark variants in titles.
//!
//! Module map:
//! - [`decode`]: bounded, strict decoding of untrusted image bytes (every image kind's
//!   input), and the box shrink of large photos.
//! - [`image_hash`]: bounded decoding, 64-bit pHash of registered images (whole and trimmed
//!   to content) and of listing images (whole, multi-scale windows snapped onto straight
//!   edges or trimmed to their content so that a pasted logo is framed exactly, and the
//!   silhouettes of flat-coloured regions for a logo pasted bare), Hamming distance, and the
//!   [`ImageIndex`] of registered hashes.
//! - [`text`]: title normalization (homoglyphs, diacritics, leetspeak, spacing) and the
//!   [`WordMarkIndex`] that finds word marks and their variants in listing titles, including
//!   same-sound Chinese characters.
//! - [`pdq`]: Meta's 256-bit PDQ hash with its quality score, bit-identical to the reference,
//!   and its eight rotations and mirrors.
//! - [`mih`]: exact multi-index hashing over 256-bit hashes: every hash within a radius, as a
//!   linear scan would find, without scanning.
//! - [`mih64`]: the same for 64-bit hashes (the pHash kinds), parts of about log₂ N bits,
//!   with batch loading.
//! - [`closest`]: of the rights matched in one part of a photo, only the one with the
//!   strongest evidence (and any as strong).
//! - [`score`]: the image operating thresholds, and match scores calibrated per kind of
//!   comparison on the development dataset (the estimated precision of matches like it).
//!
//! **Architecture Invariant:** this crate is pure computation over bytes and strings: no I/O,
//! no storage, no clock. Everything it returns is determined by its inputs.

#![deny(missing_docs)]
// `unsafe` is allowed here, and only in two modules, each block with its SAFETY comment:
// `hugepages` (madvise(MADV_HUGEPAGE) on the index's large arrays) and `mih` (SSE2 scans of
// suffix bytes and prefetches of slots and hashes) — the measured speed of `MihIndex` at
// 10M hashes rests on them (BENCHMARKS.md). Everything else in the crate is safe code.

pub mod closest;
pub mod decode;
mod hugepages;
pub mod image_hash;
pub mod mih;
pub mod mih64;
pub mod pdq;
pub mod score;
pub mod synthetic;
pub mod text;
pub mod verify;

pub use closest::closest_rights;
pub use image_hash::{
    Background, Cap, ImageError, ImageHit, ImageIndex, ImageLimits, IndexedImage, PHASH64,
    PHASH64R, Reference, ReferenceHashes, References, SHAPE64, SHAPE64R, Specificity,
    SpecificityPolicy, TOO_GENERIC, Thresholds, decide_all, decide_then_verify, hamming_hex,
    hash_query, hash_query_decoded, hash_reference, hash_reference_views, hash_whole,
};
pub use mih::{MihIndex, linear_query};
pub use mih64::Mih64Index;
pub use pdq::{
    Dihedral, PDQ_MIN_QUALITY, PDQ256, PdqHash, hamming_256, pdq_bits_from_hex, pdq_hash,
    pdq_hash_dihedral, pdq_region_hashes,
};
pub use score::{
    CALIBRATION, Calibration, IMAGE_THRESHOLD, IMAGE_THRESHOLDS, ImageComparison, image_score,
    image_score_for, text_score_for,
};
pub use text::{TextHit, WordMarkIndex, normalize};
