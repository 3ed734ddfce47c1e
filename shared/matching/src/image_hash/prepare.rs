//! The working copy every hash is computed from: bounded in size, checked for information.
//!
//! Reference and query images go through the same reduction so that their hashes are
//! comparable, and so that the cost of hashing does not grow with the camera's resolution.

use image::imageops;
use image::{GrayImage, RgbImage};

use super::ImageError;

/// Images smaller than this on either side are icons or tracking pixels, not evidence.
pub(crate) const MIN_SIDE: u32 = 32;
/// The working copy's short side: enough detail for 8×8 DCT hashes of windows down to a
/// quarter of the image, and small enough to scan hundreds of windows quickly.
pub(crate) const WORK_SHORT_SIDE: u32 = 256;
/// Bounds the long side of very elongated banners, which would otherwise yield thousands
/// of windows.
const WORK_LONG_SIDE: u32 = 1024;
/// Luminance standard deviation below which an image is treated as blank: JPEG noise on a
/// flat colour stays well under it, while any drawn shape or photographed texture exceeds it.
const MIN_IMAGE_STD: f32 = 4.0;

/// The reduced image, in colour (to find a logo's background) and in grey (to hash).
pub(crate) struct Working {
    pub rgb: RgbImage,
    pub gray: GrayImage,
}

/// Reduces a decoded image to its working copy, refusing images with nothing to hash.
pub(crate) fn prepare(rgb: RgbImage) -> Result<Working, ImageError> {
    let (width, height) = rgb.dimensions();
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(ImageError::LowInformation(format!(
            "image is {width}x{height} px; both sides must be at least {MIN_SIDE} px"
        )));
    }
    let rgb = shrink(rgb);
    let gray = imageops::grayscale(&rgb);
    let std = luma_std(&gray);
    if std < MIN_IMAGE_STD {
        return Err(ImageError::LowInformation(format!(
            "image is blank or near-uniform (luminance std dev {std:.1} < {MIN_IMAGE_STD})"
        )));
    }
    Ok(Working { rgb, gray })
}

/// Standard deviation of the luminance, 0..=127.5.
pub(crate) fn luma_std(gray: &GrayImage) -> f32 {
    let n = gray.as_raw().len();
    if n == 0 {
        return 0.0;
    }
    let (sum, sum_sq) = gray.as_raw().iter().fold((0u64, 0u64), |(s, q), &v| {
        let v = u64::from(v);
        (s + v, q + v * v)
    });
    let n = n as f64;
    let mean = sum as f64 / n;
    ((sum_sq as f64 / n - mean * mean).max(0.0)).sqrt() as f32
}

/// Scales the image down so that its short side is at most `WORK_SHORT_SIDE` and its long
/// side at most `WORK_LONG_SIDE`; never scales up.
fn shrink(rgb: RgbImage) -> RgbImage {
    let (width, height) = rgb.dimensions();
    let (short, long) = (width.min(height), width.max(height));
    let scale = (f64::from(WORK_SHORT_SIDE) / f64::from(short))
        .min(f64::from(WORK_LONG_SIDE) / f64::from(long));
    if scale >= 1.0 {
        return rgb;
    }
    // A filtered resize costs in proportion to the source size times the filter width, which
    // grows with the reduction; an exact box average by an integer factor first brings a
    // 12000-px photo near the target in one linear pass.
    let factor = (1.0 / scale / 2.0).floor() as u32;
    let rgb = if factor >= 2 {
        box_shrink(&rgb, factor)
    } else {
        rgb
    };
    let target_w = ((f64::from(width) * scale).round() as u32).max(1);
    let target_h = ((f64::from(height) * scale).round() as u32).max(1);
    super::resize::resize_triangle(&rgb, target_w, target_h)
}

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
    fn large_images_are_reduced_to_the_working_short_side() {
        let rgb = RgbImage::from_fn(2400, 1800, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, 0])
        });
        let work = prepare(rgb).expect("prepared");
        assert_eq!(work.gray.height(), WORK_SHORT_SIDE);
        assert_eq!(work.gray.width(), 341);
    }

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

    #[test]
    fn tiny_and_flat_images_are_refused() {
        let tiny = RgbImage::from_fn(20, 200, |x, _| image::Rgb([x as u8 * 10; 3]));
        assert!(
            matches!(prepare(tiny), Err(ImageError::LowInformation(m)) if m.contains("20x200"))
        );
        let flat = RgbImage::from_pixel(300, 300, image::Rgb([90, 140, 200]));
        assert!(
            matches!(prepare(flat), Err(ImageError::LowInformation(m)) if m.contains("uniform"))
        );
    }
}
