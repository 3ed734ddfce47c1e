//! Exact box averaging of a decoded image by an integer factor: the first, linear pass
//! that brings a camera-size photo near the size every hash (pHash and PDQ alike) works at.

use image::RgbImage;

/// Averages `factor`×`factor` blocks; the ragged right and bottom edges are dropped.
///
/// For a camera-size photo this pass reads every decoded pixel, so it runs over raw rows:
/// each block row's lines are first added column by column (a loop the compiler
/// vectorises), then each block's columns once. Per-pixel `get_pixel` calls and a division
/// per output made it cost more than decoding the JPEG.
pub(crate) fn box_shrink(rgb: &RgbImage, factor: u32) -> RgbImage {
    let (width, height) = (rgb.width() as usize, rgb.height() as usize);
    let block = factor as usize;
    let out_w = (width / block).max(1);
    let out_h = (height / block).max(1);
    let average = BlockAverage::new(factor * factor);
    let raw = rgb.as_raw();
    let line = width * 3;
    let mut out = vec![0u8; out_w * out_h * 3];
    // 16-bit column sums (twice the lanes of 32-bit ones) hold up to 257 rows of 255s.
    if block <= 257 {
        shrink_rows::<u16>(raw, line, height, block, &average, out_w, &mut out);
    } else {
        shrink_rows::<u32>(raw, line, height, block, &average, out_w, &mut out);
    }
    RgbImage::from_raw(out_w as u32, out_h as u32, out)
        .expect("the buffer holds out_w × out_h RGB pixels")
}

/// [`box_shrink`]'s pass with column sums of type `S`, wide enough for `block` rows.
fn shrink_rows<S>(
    raw: &[u8],
    line: usize,
    height: usize,
    block: usize,
    average: &BlockAverage,
    out_w: usize,
    out: &mut [u8],
) where
    S: Copy + Default + From<u8> + std::ops::AddAssign + Into<u32>,
{
    let width = line / 3;
    let mut column_sums = vec![S::default(); line];
    for (oy, out_row) in out.chunks_exact_mut(out_w * 3).enumerate() {
        column_sums.fill(S::default());
        for y in oy * block..((oy + 1) * block).min(height) {
            for (sum, &v) in column_sums.iter_mut().zip(&raw[y * line..(y + 1) * line]) {
                *sum += S::from(v);
            }
        }
        for (ox, pixel) in out_row.chunks_exact_mut(3).enumerate() {
            let x0 = ox * block;
            let x1 = (x0 + block).min(width);
            let mut sum = [0u32; 3];
            for px in column_sums[x0 * 3..x1 * 3].chunks_exact(3) {
                sum[0] += px[0].into();
                sum[1] += px[1].into();
                sum[2] += px[2].into();
            }
            for (channel, s) in pixel.iter_mut().zip(sum) {
                *channel = average.of(s);
            }
        }
    }
}

/// `(sum + area / 2) / area`, rounded to the nearest level, by a multiplication: a hardware
/// division per output channel was most of the pass's time.
struct BlockAverage {
    area: u32,
    /// `⌊2^SHIFT / area⌋ + 1`: exact for every `x · area < 2^SHIFT`.
    reciprocal: u64,
}

impl BlockAverage {
    const SHIFT: u32 = 48;

    fn new(area: u32) -> Self {
        BlockAverage {
            area,
            reciprocal: (1u64 << Self::SHIFT) / u64::from(area.max(1)) + 1,
        }
    }

    fn of(&self, sum: u32) -> u8 {
        let x = u64::from(sum + self.area / 2);
        // A block sum is at most 255 · area, so x · area < 2^48 holds up to areas of 2^20
        // (blocks of 1024 px a side); larger ones, unreachable within the decoding
        // limits, divide.
        if u64::from(self.area) < 1 << 20 {
            ((x * self.reciprocal) >> Self::SHIFT) as u8
        } else {
            (x / u64::from(self.area)) as u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_average_equals_rounded_division() {
        for area in (1..=1200).chain([4096, 1 << 19, (1 << 20) - 1, 1 << 20, 1 << 22]) {
            let average = BlockAverage::new(area);
            let max = 255 * area;
            let step = (max / 5000).max(1);
            for sum in (0..=max).step_by(step as usize).chain([max]) {
                assert_eq!(
                    u32::from(average.of(sum)),
                    (sum + area / 2) / area,
                    "{sum}/{area}"
                );
            }
        }
    }

    #[test]
    fn box_shrink_averages_blocks() {
        let rgb = RgbImage::from_fn(4, 2, |x, _| {
            image::Rgb([if x % 2 == 0 { 0 } else { 200 }; 3])
        });
        let out = box_shrink(&rgb, 2);
        assert_eq!(out.dimensions(), (2, 1));
        assert_eq!(out.get_pixel(0, 0).0, [100, 100, 100]);
    }

    /// The per-pixel definition the fast pass must reproduce exactly (stored hashes depend
    /// on every output byte).
    fn box_shrink_per_pixel(rgb: &RgbImage, factor: u32) -> RgbImage {
        let out_w = (rgb.width() / factor).max(1);
        let out_h = (rgb.height() / factor).max(1);
        let area = factor * factor;
        RgbImage::from_fn(out_w, out_h, |ox, oy| {
            let mut sum = [0u32; 3];
            for y in oy * factor..((oy + 1) * factor).min(rgb.height()) {
                for x in ox * factor..((ox + 1) * factor).min(rgb.width()) {
                    for (s, c) in sum.iter_mut().zip(rgb.get_pixel(x, y).0) {
                        *s += u32::from(c);
                    }
                }
            }
            image::Rgb(sum.map(|s| ((s + area / 2) / area) as u8))
        })
    }

    #[test]
    fn box_shrink_equals_the_per_pixel_average_on_ragged_and_narrow_images() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for (w, h, factor) in [
            (1603, 1201, 2),
            (997, 2050, 3),
            (5, 40, 8),
            (64, 3, 4),
            (601, 300, 300),
        ] {
            let rgb = RgbImage::from_fn(w, h, |_, _| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                image::Rgb([seed as u8, (seed >> 8) as u8, (seed >> 16) as u8])
            });
            assert_eq!(
                box_shrink(&rgb, factor),
                box_shrink_per_pixel(&rgb, factor),
                "{w}x{h} by {factor}"
            );
        }
    }
}
