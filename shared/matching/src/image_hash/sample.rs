//! Area-averaged sampling of any rectangle of an image down to the hasher's input size.
//!
//! Every hash — whole image, trimmed content, listing window — is computed from the same
//! kind of sample, so a window that frames a pasted logo exactly yields the same pixels as
//! the registered logo itself. The summed-area table makes each sample cost the same
//! whatever the rectangle's size, and allows sub-pixel rectangles (snapped windows).

use image::GrayImage;

/// Side of a sample: the 16×16 input of the 8×8 DCT hash, so the hasher does not resize.
pub(crate) const SAMPLE_PX: u32 = 16;

/// A rectangle in working-image pixels (fractional).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    /// As `[x, y, w, h]` fractions of an image of `width`×`height`.
    pub(crate) fn fractions(&self, width: u32, height: u32) -> [f32; 4] {
        let (fw, fh) = (f64::from(width), f64::from(height));
        [
            (self.x / fw) as f32,
            (self.y / fh) as f32,
            (self.w / fw) as f32,
            (self.h / fh) as f32,
        ]
    }
}

/// `v.round().clamp(0.0, 255.0) as u8` (half away from zero) without `f64::round`, a call
/// into libm per pixel on the baseline x86-64 target. Clamping first gives the same result
/// (rounding keeps values in 0..=255 there), the fraction of a clamped value is exact
/// (Sterbenz), and NaN gives 0 both ways.
pub(crate) fn round_to_u8(v: f64) -> u8 {
    let v = v.clamp(0.0, 255.0);
    let whole = v as u32;
    let up = u32::from(v - f64::from(whole) >= 0.5);
    (whole + up).min(255) as u8
}

/// Summed-area table of a grey image: `sums[y * (w + 1) + x]` is the sum of the pixels
/// above and to the left of the grid point (x, y).
///
/// The sums are built as integers (`i64`: exact) and kept as `f64`, which holds every sum
/// of up to 2⁴⁵ pixels exactly: every value read back equals the `f64` table this crate
/// first used, which keeps the samples — and the hash bits — unchanged, and a sample reads
/// them with no conversion (a sample reads 1,156 of them).
pub(crate) struct Integral {
    width: usize,
    height: usize,
    sums: Vec<f64>,
}

/// Where a fractional grid coordinate falls in the table: the two grid lines around it and
/// the weight of the second.
#[derive(Clone, Copy, Default)]
struct Lerp {
    lo: usize,
    hi: usize,
    frac: f64,
}

impl Lerp {
    /// `at` clamped to `0..=limit`, between grid lines `lo` and `hi`.
    fn new(at: f64, limit: usize) -> Self {
        let at = at.clamp(0.0, limit as f64);
        // `at` is not negative here, so truncation is the floor (and, unlike `floor`, no
        // call into libm on the baseline x86-64 target).
        let lo = (at as usize).min(limit);
        Lerp {
            lo,
            hi: (lo + 1).min(limit),
            frac: at - lo as f64,
        }
    }
}

impl Integral {
    pub(crate) fn new(gray: &GrayImage) -> Self {
        let (width, height) = (gray.width() as usize, gray.height() as usize);
        let stride = width + 1;
        let mut sums = vec![0i64; stride * (height + 1)];
        for (y, row) in gray
            .as_raw()
            .chunks_exact(width.max(1))
            .enumerate()
            .take(height)
        {
            let (above, below) = sums.split_at_mut((y + 1) * stride);
            let above = &above[y * stride..];
            let mut row_sum = 0i64;
            for ((out, &up), &v) in below[1..stride].iter_mut().zip(&above[1..]).zip(row) {
                row_sum += i64::from(v);
                *out = up + row_sum;
            }
        }
        Integral {
            width,
            height,
            sums: sums.into_iter().map(|s| s as f64).collect(),
        }
    }

    pub(crate) fn width(&self) -> u32 {
        self.width as u32
    }

    pub(crate) fn height(&self) -> u32 {
        self.height as u32
    }

    /// The mean of the image over each cell of a `SAMPLE_PX`² grid laid over `rect`.
    ///
    /// The table is read at each grid point by bilinear interpolation: within a pixel the
    /// table is bilinear (the image is constant there), so the interpolation is exact. The
    /// expression and its order are those of the first version, which read each point
    /// through a bounds-checked lookup; here the grid's two table rows are sliced once per
    /// grid row.
    pub(crate) fn sample(&self, rect: &Rect) -> GrayImage {
        const N: usize = SAMPLE_PX as usize;
        let stride = self.width + 1;
        // The grid's columns are the same on every row: placed once.
        let xs: [Lerp; N + 1] =
            std::array::from_fn(|i| Lerp::new(rect.x + rect.w * i as f64 / N as f64, self.width));
        let mut grid = [[0.0f64; N + 1]; N + 1];
        for (j, row) in grid.iter_mut().enumerate() {
            let y = Lerp::new(rect.y + rect.h * j as f64 / N as f64, self.height);
            let (Some(lo), Some(hi)) = (
                self.sums.get(y.lo * stride..(y.lo + 1) * stride),
                self.sums.get(y.hi * stride..(y.hi + 1) * stride),
            ) else {
                continue;
            };
            for (cell, x) in row.iter_mut().zip(&xs) {
                let (Some(&lo_lo), Some(&lo_hi), Some(&hi_lo), Some(&hi_hi)) =
                    (lo.get(x.lo), lo.get(x.hi), hi.get(x.lo), hi.get(x.hi))
                else {
                    continue;
                };
                let top = lo_lo * (1.0 - x.frac) + lo_hi * x.frac;
                let bottom = hi_lo * (1.0 - x.frac) + hi_hi * x.frac;
                *cell = top * (1.0 - y.frac) + bottom * y.frac;
            }
        }
        let area = (rect.w / N as f64) * (rect.h / N as f64);
        let mut pixels = Vec::with_capacity(N * N);
        for j in 0..N {
            for i in 0..N {
                let sum = grid[j + 1][i + 1] - grid[j][i + 1] - grid[j + 1][i] + grid[j][i];
                let mean = if area > 0.0 { sum / area } else { 0.0 };
                pixels.push(round_to_u8(mean));
            }
        }
        GrayImage::from_raw(SAMPLE_PX, SAMPLE_PX, pixels)
            .unwrap_or_else(|| GrayImage::new(SAMPLE_PX, SAMPLE_PX))
    }

    /// The whole image as a rectangle.
    pub(crate) fn full(&self) -> Rect {
        Rect {
            x: 0.0,
            y: 0.0,
            w: self.width as f64,
            h: self.height as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn rounds_like_f64_round_on_every_boundary() {
        for v in [
            -3.0f64,
            -0.7,
            -0.5,
            -0.3,
            -0.0,
            0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            254.5,
            254.99999999,
            255.0,
            255.4,
            255.5,
            300.0,
            f64::NAN,
        ] {
            assert_eq!(round_to_u8(v), v.round().clamp(0.0, 255.0) as u8, "{v}");
        }
        for i in 0..=2_600_000u32 {
            let v = f64::from(i) / 10_000.0 - 1.0;
            assert_eq!(round_to_u8(v), v.round().clamp(0.0, 255.0) as u8, "{v}");
        }
    }

    #[test]
    fn samples_are_area_means_even_for_fractional_rectangles() {
        // Left half 0, right half 200.
        let gray = GrayImage::from_fn(64, 32, |x, _| Luma([if x < 32 { 0 } else { 200 }]));
        let integral = Integral::new(&gray);
        let whole = integral.sample(&integral.full());
        assert_eq!(whole.get_pixel(0, 0).0[0], 0);
        assert_eq!(whole.get_pixel(15, 0).0[0], 200);
        // A 16-px-wide rectangle centred on the boundary: its middle cells straddle it.
        let centred = integral.sample(&Rect {
            x: 24.5,
            y: 0.0,
            w: 16.0,
            h: 16.0,
        });
        assert_eq!(
            centred.get_pixel(7, 3).0[0],
            100,
            "half of one cell on each side"
        );
        assert_eq!(centred.get_pixel(0, 3).0[0], 0);
        assert_eq!(centred.get_pixel(15, 3).0[0], 200);
    }
}
