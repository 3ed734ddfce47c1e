//! The working copy every hash is computed from: bounded in size, checked for information.
//!
//! Reference and query images go through the same reduction so that their hashes are
//! comparable, and so that the cost of hashing does not grow with the camera's resolution.

use image::imageops;
use image::{GrayImage, RgbImage};

use crate::decode::{ImageError, box_shrink};

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
    check_sides(&rgb)?;
    let rgb = shrunk(&rgb).unwrap_or(rgb);
    finish(rgb)
}

/// [`prepare`] of a decoded image the caller keeps (copied only when it needs no shrinking).
pub(crate) fn prepare_borrowed(rgb: &RgbImage) -> Result<Working, ImageError> {
    check_sides(rgb)?;
    let rgb = shrunk(rgb).unwrap_or_else(|| rgb.clone());
    finish(rgb)
}

/// Refuses icons and tracking pixels.
fn check_sides(rgb: &RgbImage) -> Result<(), ImageError> {
    let (width, height) = rgb.dimensions();
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(ImageError::LowInformation(format!(
            "image is {width}x{height} px; both sides must be at least {MIN_SIDE} px"
        )));
    }
    Ok(())
}

/// The working copy of the (already reduced) `rgb`, refused when it is blank.
fn finish(rgb: RgbImage) -> Result<Working, ImageError> {
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

/// The image scaled down so that its short side is at most `WORK_SHORT_SIDE` and its long
/// side at most `WORK_LONG_SIDE`; None when it is small enough already (never scaled up).
fn shrunk(rgb: &RgbImage) -> Option<RgbImage> {
    let (width, height) = rgb.dimensions();
    let (short, long) = (width.min(height), width.max(height));
    let scale = (f64::from(WORK_SHORT_SIDE) / f64::from(short))
        .min(f64::from(WORK_LONG_SIDE) / f64::from(long));
    if scale >= 1.0 {
        return None;
    }
    // A filtered resize costs in proportion to the source size times the filter width, which
    // grows with the reduction; an exact box average by an integer factor first brings a
    // 12000-px photo near the target in one linear pass.
    let factor = (1.0 / scale / 2.0).floor() as u32;
    let boxed = (factor >= 2).then(|| box_shrink(rgb, factor));
    let target_w = ((f64::from(width) * scale).round() as u32).max(1);
    let target_h = ((f64::from(height) * scale).round() as u32).max(1);
    Some(super::resize::resize_triangle(
        boxed.as_ref().unwrap_or(rgb),
        target_w,
        target_h,
    ))
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
