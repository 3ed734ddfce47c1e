//! Turning a Hamming distance into a 0..=1 confidence, and the operating threshold.

/// The Hamming distance (of 64 bits) at or below which a `phash64` pair is reported.
///
/// Chosen from the crate's image tests (see the tests in `tests/images.rs` for the
/// measured distances): re-encoded, resized and pasted copies stay at or below it, while
/// unrelated logos and scenes stay well above it.
pub const IMAGE_THRESHOLD: u32 = 10;

/// Confidence of an image match at `distance` for an operating `threshold`: 1.0 at distance
/// 0, 0.75 at the threshold, strictly decreasing and never below 0.
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
