//! The pHash core: the 8×8 lowest frequencies of a 16×16 sample's DCT, thresholded at their
//! median.
//!
//! This is what `image_hasher` computes for an 8×8 DCT/median hash of a 16×16 image, bit for
//! bit, without its per-hash costs: it plans no DCT and allocates nothing (stack arrays),
//! calls the size-16 transform directly rather than through a trait object, skips the two
//! in-place transposes, transforms only the 8 columns whose low frequencies are kept (16
//! row + 8 column transforms instead of 16 + 16), and finds the median by selection rather
//! than a full sort.
//!
//! Why not a hand-written matrix product (what PDQ does for its 64→16 DCT)? The median
//! threshold is sensitive to the last bit of coefficients that sit near it — a symmetric
//! logo has half its coefficients at zero up to rounding — so any other arithmetic flips
//! bits of stored hashes. Calling `rustdct`'s size-16 butterfly (the transform
//! `image_hasher` plans for this size) in the same order on the same values keeps every
//! stored hash valid, and the butterfly needs fewer multiplications than the 16×16 matrix.

use rustdct::Dct2;
use rustdct::algorithm::type2and3_butterflies::Type2And3Butterfly16;

/// Side of the transformed sample.
const N: usize = 16;
/// Side of the kept low-frequency block: the hash has `K * K` bits.
const K: usize = 8;

/// A reusable 16×16 → 8×8 DCT with median bits (the transform's twiddles are computed once).
pub(crate) struct PhashDct {
    dct16: Type2And3Butterfly16<f32>,
}

impl PhashDct {
    pub(crate) fn new() -> Self {
        PhashDct {
            dct16: Type2And3Butterfly16::new(),
        }
    }

    /// The 64 hash bits of a 16×16 grey sample (row-major), most significant first: bit
    /// `8v + u` is set when the coefficient of vertical frequency `v` and horizontal
    /// frequency `u` is at least the median of the 64.
    pub(crate) fn bits(&self, pixels: &[u8; N * N]) -> [u8; K] {
        let coeffs = self.low_frequencies(pixels);
        let median = median(&coeffs);
        let mut out = [0u8; K];
        for (byte, chunk) in out.iter_mut().zip(coeffs.chunks_exact(8)) {
            for (n, &c) in chunk.iter().enumerate() {
                if c >= median {
                    *byte |= 1 << (7 - n);
                }
            }
        }
        out
    }

    /// The unnormalised 2-D DCT-II coefficients `[v * 8 + u]` for `u, v < 8`.
    fn low_frequencies(&self, pixels: &[u8; N * N]) -> [f32; K * K] {
        // No scratch: the butterfly works in place.
        let mut scratch: [f32; 0] = [];
        let mut rows = [[0f32; N]; N];
        for (row, src) in rows.iter_mut().zip(pixels.chunks_exact(N)) {
            for (dst, &p) in row.iter_mut().zip(src) {
                *dst = f32::from(p);
            }
            self.dct16.process_dct2_with_scratch(row, &mut scratch);
        }
        let mut out = [0f32; K * K];
        for u in 0..K {
            let mut column: [f32; N] = std::array::from_fn(|y| rows[y][u]);
            self.dct16
                .process_dct2_with_scratch(&mut column, &mut scratch);
            for (v, &c) in column.iter().take(K).enumerate() {
                out[v * K + u] = c;
            }
        }
        out
    }
}

/// The median of an even count of finite values: the midpoint of the two middle ones, as
/// `image_hasher` takes it (so ties and the threshold agree with it exactly).
fn median(values: &[f32; K * K]) -> f32 {
    let mut sorted = *values;
    let mid = sorted.len() / 2;
    let (lower, upper, _) = sorted.select_nth_unstable_by(mid, f32::total_cmp);
    let below = lower.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    f32::midpoint(below, *upper)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GrayImage;
    use image_hasher::{BitOrder, HashAlg, HasherConfig};

    /// `image_hasher` configured as this crate used it before this module.
    fn reference(pixels: &[u8; 256]) -> [u8; 8] {
        let hasher = HasherConfig::with_bytes_type::<[u8; 8]>()
            .hash_size(8, 8)
            .preproc_dct()
            .hash_alg(HashAlg::Median)
            .bit_order(BitOrder::MsbFirst)
            .to_hasher();
        let img = GrayImage::from_raw(16, 16, pixels.to_vec()).expect("16x16");
        *hasher
            .hash_image(&img)
            .as_bytes()
            .first_chunk()
            .expect("8 bytes")
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn bits_equal_image_hasher_on_noise_symmetric_and_flat_samples() {
        let dct = PhashDct::new();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut checked = 0;
        for case in 0..6000 {
            let mut px = [0u8; 256];
            match case % 6 {
                // Noise over the full range.
                0 => px.iter_mut().for_each(|p| *p = rng.next() as u8),
                // Few grey levels: many equal coefficients and median ties.
                1 => px
                    .iter_mut()
                    .for_each(|p| *p = (rng.next() % 3) as u8 * 120),
                // Mirror-symmetric left/right: odd horizontal frequencies are zero up to
                // rounding, which is where another arithmetic would flip bits.
                2 => {
                    for y in 0..16 {
                        for x in 0..8 {
                            let v = rng.next() as u8;
                            px[y * 16 + x] = v;
                            px[y * 16 + 15 - x] = v;
                        }
                    }
                }
                // Symmetric both ways.
                3 => {
                    for y in 0..8 {
                        for x in 0..8 {
                            let v = (rng.next() % 4) as u8 * 60;
                            for (yy, xx) in [(y, x), (15 - y, x), (y, 15 - x), (15 - y, 15 - x)] {
                                px[yy * 16 + xx] = v;
                            }
                        }
                    }
                }
                // A smooth ramp with a step: the shape of a trimmed logo edge.
                4 => {
                    let step = (rng.next() % 16) as usize;
                    for (i, p) in px.iter_mut().enumerate() {
                        let (x, y) = (i % 16, i / 16);
                        *p = (x * 7 + y * 3) as u8 + if x >= step { 90 } else { 0 };
                    }
                }
                // Near-flat: one pixel differs.
                _ => {
                    px.iter_mut().for_each(|p| *p = 200);
                    px[(rng.next() % 256) as usize] = 201;
                }
            }
            assert_eq!(dct.bits(&px), reference(&px), "case {case}: {px:?}");
            checked += 1;
        }
        assert_eq!(checked, 6000);
    }

    #[test]
    fn a_flat_sample_sets_every_bit() {
        // All coefficients but the DC are zero, the median is zero and every one is >= it.
        let dct = PhashDct::new();
        assert_eq!(dct.bits(&[77; 256]), [0xff; 8]);
        assert_eq!(reference(&[77; 256]), [0xff; 8]);
    }
}
