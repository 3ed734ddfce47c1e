//! The 64→16 partial DCT, PDQ's quality metric, the median threshold and the dihedral
//! transforms of the DCT coefficients.
//!
//! Only coefficients 1..=16 of each axis are needed, so the DCT is two plain matrix products
//! with a 16×64 basis, summed in `f32` in index order as the reference does: reordering the
//! sums (or a fast DCT) would change the low bits and so, near the median, the hash.

use std::sync::OnceLock;

/// Coefficients of one 16×16 block of DCT output.
pub(crate) type Block = [[f32; 16]; 16];

/// The 16×64 DCT-II basis rows for frequencies 1..=16, scaled by √(2/64).
fn basis() -> &'static [[f32; 64]; 16] {
    static BASIS: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    BASIS.get_or_init(|| {
        // The reference rounds the scale to f32 but multiplies by the cosine in f64.
        let scale = f64::from((2.0f64 / 64.0).sqrt() as f32);
        let mut d = [[0.0f32; 64]; 16];
        for (i, row) in d.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                let angle =
                    (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                *cell = (scale * angle.cos()) as f32;
            }
        }
        d
    })
}

/// `D · A · Dᵀ` for the 64×64 downsample `a`.
pub(crate) fn dct_64_to_16(a: &[[f32; 64]; 64]) -> Block {
    let d = basis();
    let mut t = [[0.0f32; 64]; 16];
    for i in 0..16 {
        for j in 0..64 {
            let mut sum = 0.0f32;
            for k in 0..64 {
                sum += d[i][k] * a[k][j];
            }
            t[i][j] = sum;
        }
    }
    let mut b = [[0.0f32; 16]; 16];
    for i in 0..16 {
        for j in 0..16 {
            let mut sum = 0.0f32;
            for k in 0..64 {
                sum += t[i][k] * d[j][k];
            }
            b[i][j] = sum;
        }
    }
    b
}

/// PDQ's quality: the sum of quantized neighbour differences of the 64×64 downsample,
/// scaled so that 100 means plenty of detail; the reference's heuristic constants.
pub(crate) fn quality(a: &[[f32; 64]; 64]) -> u32 {
    let step = |u: f32, v: f32| -> i64 {
        // The reference truncates the float quotient to an int.
        ((((u - v) * 100.0) / 255.0) as i64).abs()
    };
    let mut gradient_sum = 0i64;
    for (row, below) in a.iter().zip(&a[1..]) {
        for (&u, &v) in row.iter().zip(below) {
            gradient_sum += step(u, v);
        }
    }
    for row in a.iter() {
        for j in 0..63 {
            gradient_sum += step(row[j], row[j + 1]);
        }
    }
    (gradient_sum / 90).clamp(0, 100) as u32
}

/// One bit per coefficient, set where it exceeds the median (the 128th smallest of 256),
/// coefficient `k = 16·row + col` at bit `k % 8` of byte `31 − k / 8`: the reference's
/// 256-bit number written big-endian, so that [`hex::encode`] gives its hex form.
pub(crate) fn to_bits(block: &Block) -> [u8; 32] {
    let mut sorted: Vec<f32> = block.iter().flatten().copied().collect();
    sorted.sort_by(f32::total_cmp);
    let median = sorted[127];
    let mut bits = [0u8; 32];
    for (k, &value) in block.iter().flatten().enumerate() {
        if value > median {
            bits[31 - k / 8] |= 1 << (k % 8);
        }
    }
    bits
}

/// The eight images of the dihedral group, in the reference's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dihedral {
    /// The image as given.
    Original,
    /// Rotated a quarter turn anticlockwise.
    Rotate90,
    /// Rotated a half turn.
    Rotate180,
    /// Rotated a quarter turn clockwise.
    Rotate270,
    /// Mirrored top to bottom.
    FlipX,
    /// Mirrored left to right.
    FlipY,
    /// Mirrored about the main diagonal (transposed).
    FlipPlus1,
    /// Mirrored about the anti-diagonal.
    FlipMinus1,
}

impl Dihedral {
    /// All eight, in the reference's order.
    pub const ALL: [Dihedral; 8] = [
        Dihedral::Original,
        Dihedral::Rotate90,
        Dihedral::Rotate180,
        Dihedral::Rotate270,
        Dihedral::FlipX,
        Dihedral::FlipY,
        Dihedral::FlipPlus1,
        Dihedral::FlipMinus1,
    ];

    /// The DCT of the transformed image, derived from the original's: a transform of the
    /// image only transposes the coefficients and flips the sign of odd frequencies.
    pub(crate) fn apply(self, a: &Block) -> Block {
        let mut b = [[0.0f32; 16]; 16];
        for i in 0..16 {
            for j in 0..16 {
                let v = a[i][j];
                let odd_i = i & 1 == 1;
                let odd_j = j & 1 == 1;
                let odd_sum = (i + j) & 1 == 1;
                match self {
                    Dihedral::Original => b[i][j] = v,
                    Dihedral::Rotate90 => b[j][i] = if odd_j { v } else { -v },
                    Dihedral::Rotate180 => b[i][j] = if odd_sum { -v } else { v },
                    Dihedral::Rotate270 => b[j][i] = if odd_i { v } else { -v },
                    Dihedral::FlipX => b[i][j] = if odd_i { v } else { -v },
                    Dihedral::FlipY => b[i][j] = if odd_j { v } else { -v },
                    Dihedral::FlipPlus1 => b[j][i] = v,
                    Dihedral::FlipMinus1 => b[j][i] = if odd_sum { -v } else { v },
                }
            }
        }
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_threshold_sets_half_the_bits_in_reference_order() {
        let mut block = [[0.0f32; 16]; 16];
        for (k, v) in block.iter_mut().flatten().enumerate() {
            *v = k as f32;
        }
        let bits = to_bits(&block);
        // Coefficients 128..=255 exceed the median 127: the high half of the number.
        assert!(bits[..16].iter().all(|&b| b == 0xff));
        assert!(bits[16..].iter().all(|&b| b == 0));
    }

    #[test]
    fn flat_image_has_zero_quality() {
        assert_eq!(quality(&[[77.0; 64]; 64]), 0);
    }
}
