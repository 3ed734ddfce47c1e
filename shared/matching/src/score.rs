//! What a match's score means, and the operating thresholds.
//!
//! A score is **the estimated precision of matches like this one**: among the matches of the
//! same kind of comparison at the same distance on the development dataset
//! (`bench/dataset/`), the share that were right. It is fitted per kind (an image's whole
//! picture against a registered image as registered or against its variants, a window, a
//! whole-picture PDQ hash, a silhouette; a word mark's variant kind) by
//! [`fit::fit_non_increasing`] and kept in the generated table `score/calibration.rs`
//! (`examples/calibrate.rs` writes it; `bench/dataset/CALIBRATION.md` has the reliability
//! measured on the dataset). So an owner's `auto_file_threshold = 0.95` reads "file at once
//! what is right at least 95 times in 100 on the dataset".
//!
//! - `calibrated`: the kinds of comparison, the curves, and scoring a hit with them.
//! - `calibration`: the generated table (images; its word-mark rows are superseded).
//! - `text_calibration`: the generated word-mark table, fitted on the titles' fitting splits.
//! - `fit`: pool-adjacent-violators with a Beta prior (the fitting, used by the example).
//! - this file: the operating thresholds.

mod calibrated;
mod calibration;
pub mod fit;
mod text_calibration;

pub use calibrated::{CALIBRATION, Calibration, ImageComparison, image_score_for, text_score_for};

use crate::Thresholds;

/// The Hamming distance (of 64 bits) at or below which a `phash64` pair is reported.
///
/// Measured on the crate's procedural fixtures (`examples/measure_images.rs`): JPEG q50
/// re-encodes and 0.6×/1.5× rescales of a logo stay within 2 bits, a logo tile pasted into a
/// busy scene is framed by a snapped window within 4; unrelated logos and scenes, each
/// hashed as ~2,500 windows, come no closer than 8 to any registered logo. Median-threshold
/// pHash sets exactly half its bits, so distances are even and 6 sits between the two.
/// With region hashes, every extra bit of tolerance multiplies the chance that one of the
/// thousands of windows of an unrelated photo lands near a registered logo.
pub const IMAGE_THRESHOLD: u32 = 6;

/// The operating thresholds per kind of comparison, measured on the evaluation dataset
/// (`bench/dataset/`, `examples/dataset_distances.rs`): see `bench/dataset/REPORT.md`.
/// PDQ (256 bits): resized, JPEG, brightened and captioned copies sit at a median of
/// 0–18 bits from their registration, while no distractor came closer than 62 to any.
///
/// PDQ raised from 40 to 48 and silhouettes at 6 in the third pass: copies' PDQ distances
/// beyond 40 were captioned copies at 41–48, and no distractor came within 64; silhouettes of
/// distractors (other logos, in scenes or not, and logo-free scenes) came no closer than 8
/// to any registered silhouette, while bare logos in scenes sit at a median of 4.
///
/// Ramped hashes (`phash64r`, `shape64r`: symmetric logos) have no field of their own: they
/// are held 2 bits tighter than `window` and `shape` (`RAMP_MARGIN` in `image_hash/index.rs`),
/// the largest distances with no distractor within them in the fourth pass. Since the sixth
/// pass a ramped pair is held to the plain kind's threshold when a pair of another kind on
/// the same right supports it (`Thresholds::decide`, `image_hash/index/corroborate.rs`).
pub const IMAGE_THRESHOLDS: Thresholds = Thresholds {
    whole: 8,
    variant: 4,
    window: 4,
    pdq: 48,
    shape: 6,
};

/// An uncalibrated confidence: 1.0 at distance 0, 0.75 at `threshold`, strictly decreasing
/// and never below 0. Not a precision: match scores come from [`image_score_for`]; this
/// stays for tools that only have a distance and a threshold.
///
/// `1 / (1 + (d/t)² / 3)`: flat near 0 (a few bits of JPEG noise hardly lower confidence),
/// steeper towards the threshold, and a long tail beyond it for callers that look further.
pub fn image_score(distance: u32, threshold: u32) -> f32 {
    if threshold == 0 {
        return if distance == 0 { 1.0 } else { 0.0 };
    }
    let ratio = distance as f32 / threshold as f32;
    1.0 / (1.0 + ratio * ratio / 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_one_at_zero_three_quarters_at_the_threshold_and_decreasing() {
        assert_eq!(image_score(0, IMAGE_THRESHOLD), 1.0);
        assert!((image_score(IMAGE_THRESHOLD, IMAGE_THRESHOLD) - 0.75).abs() < 1e-6);
        let scores: Vec<f32> = (0..=64).map(|d| image_score(d, IMAGE_THRESHOLD)).collect();
        assert!(scores.windows(2).all(|w| w[1] < w[0]), "{scores:?}");
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    }

    #[test]
    fn a_zero_threshold_accepts_only_identical_hashes() {
        assert_eq!(image_score(0, 0), 1.0);
        assert_eq!(image_score(1, 0), 0.0);
    }
}
