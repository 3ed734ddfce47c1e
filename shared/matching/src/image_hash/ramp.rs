//! A pHash that does not go blind on symmetric logos.
//!
//! pHash thresholds 64 low-frequency DCT coefficients at their median. On a mirror-symmetric
//! picture (an emblem, a ring of circles, an atom) every odd frequency along the mirror's
//! axis is zero, as are half the coefficients of a picture symmetric under a half turn: half
//! the bits, and the median with them, are decided by a pixel of framing or JPEG noise, and
//! two copies of the same logo land 8–16 bits apart — no window threshold tells them from
//! other logos. Weighting the sample's contrast by a fixed oblique ramp before hashing breaks
//! every such symmetry in the same way for every copy: the odd coefficients become a fixed
//! function of the even ones, far from zero. A flat ground stays flat (the weight applies to
//! the difference from the sample's mean), so a logo on white and the same on black still
//! differ only in sign.
//!
//! The ramped hash has its own algorithm name ([`PHASH64R`]), compared only with ramped
//! hashes, under the same per-kind thresholds as `phash64`.

use image::GrayImage;
use takedown_model::RegionHash;

use super::phash::PHasher;
use super::sample::round_to_u8;

/// The algorithm name of ramped pHashes.
pub const PHASH64R: &str = "phash64r";

/// The weight at sample pixel (x, y) of 16: 1.0 at the bottom-right corner, 0.3 at the
/// top-left, along x more steeply than along y, so that no mirror or half turn leaves it
/// unchanged.
fn weight(x: u32, y: u32) -> f64 {
    let (fx, fy) = (f64::from(x) / 15.0, f64::from(y) / 15.0);
    0.3 + 0.4 * fx + 0.3 * fy
}

/// The ramped pHash of a 16×16 sample (see the module doc).
pub(crate) fn ramped_hash(
    hasher: &PHasher,
    sample: &GrayImage,
    region: Option<[f32; 4]>,
) -> RegionHash {
    let raw = sample.as_raw();
    let mean = raw.iter().map(|&v| f64::from(v)).sum::<f64>() / raw.len().max(1) as f64;
    let width = sample.width().max(1) as usize;
    let pixels: Vec<u8> = raw
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let (x, y) = ((i % width) as u32, (i / width) as u32);
            // `round().clamp(0, 255) as u8`, without a call into libm per pixel.
            round_to_u8(mean + (f64::from(v) - mean) * weight(x, y))
        })
        .collect();
    let ramped = GrayImage::from_raw(sample.width(), sample.height(), pixels)
        .unwrap_or_else(|| sample.clone());
    let mut hash = hasher.hash(&ramped, region);
    hash.algorithm = PHASH64R.to_string();
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hamming_hex;
    use image::Luma;

    /// Four dots around a centre dot: symmetric about both axes.
    fn emblem() -> GrayImage {
        let big = GrayImage::from_fn(128, 128, |x, y| {
            let (x, y) = (f64::from(x) - 64.0, f64::from(y) - 64.0);
            let dot = |cx: f64, cy: f64| (x - cx).hypot(y - cy) < 12.0;
            let on = dot(0.0, 0.0)
                || dot(36.0, 0.0)
                || dot(-36.0, 0.0)
                || dot(0.0, 36.0)
                || dot(0.0, -36.0);
            Luma([if on { 30 } else { 255 }])
        });
        image::imageops::resize(&big, 16, 16, image::imageops::FilterType::Triangle)
    }

    #[test]
    fn a_symmetric_emblem_keeps_its_ramped_bits_through_noise_that_flips_plain_ones() {
        let hasher = PHasher::new();
        let clean = emblem();
        // Noise of ±2 levels (a JPEG's worth) from a fixed generator, over 20 copies.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let (mut plain, mut ramped) = (0, 0);
        for _ in 0..20 {
            let noisy = GrayImage::from_fn(16, 16, |x, y| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let v = i32::from(clean.get_pixel(x, y).0[0]) + (state % 5) as i32 - 2;
                Luma([v.clamp(0, 255) as u8])
            });
            let d = |a: &RegionHash, b: &RegionHash| hamming_hex(&a.bits, &b.bits).unwrap_or(64);
            plain += d(&hasher.hash(&clean, None), &hasher.hash(&noisy, None));
            ramped += d(
                &ramped_hash(&hasher, &clean, None),
                &ramped_hash(&hasher, &noisy, None),
            );
        }
        // Measured: 130 plain bits against 58 ramped.
        assert!(
            ramped * 2 <= plain,
            "plain {plain} vs ramped {ramped} bits over 20 copies"
        );
        assert_eq!(ramped_hash(&hasher, &clean, None).algorithm, PHASH64R);
    }
}
