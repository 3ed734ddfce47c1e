//! The working copy's reduction: `image`'s triangle-filter resize of an RGB image, byte for
//! byte, at a fraction of its cost.
//!
//! `imageops::resize` with `FilterType::Triangle` was the largest single cost of hashing
//! (a fifth of the bench's samples): it goes through a four-channel float image, reads and
//! writes pixel by pixel with bounds checks and generic conversions, and recomputes each
//! output column's weights for every row. This does the same arithmetic — the same `f32`
//! weights, the same products summed in the same order, the same rounding — over plain
//! slices, three channels, and weights computed once per axis, so every working copy (and
//! so every stored hash) is unchanged; the tests hold it to `imageops::resize`. A SIMD
//! resizer (`fast_image_resize`) would be faster still, but its fixed-point arithmetic
//! moves pixels by one level and so hash bits.

use image::{GrayImage, RgbImage};

/// Which source pixels one output pixel averages, and with what weights.
struct Taps {
    first: usize,
    weights: Vec<f32>,
}

/// The triangle ("bilinear") kernel, as `image` defines it.
fn triangle(x: f32) -> f32 {
    if x.abs() < 1.0 { 1.0 - x.abs() } else { 0.0 }
}

/// The taps of each of `out_len` outputs resampling `in_len` inputs, computed as `image`
/// computes them (its `vertical_sample` and `horizontal_sample`), support 1 scaled by the
/// reduction ratio.
fn taps(in_len: u32, out_len: u32) -> Vec<Taps> {
    let ratio = in_len as f32 / out_len as f32;
    let sratio = if ratio < 1.0 { 1.0 } else { ratio };
    let support = sratio;
    let last = i64::from(in_len) - 1;
    (0..out_len)
        .map(|out| {
            let centre = (out as f32 + 0.5) * ratio;
            let left = ((centre - support).floor() as i64).clamp(0, last);
            let right = ((centre + support).ceil() as i64).clamp(left + 1, last + 1);
            // The kernel takes a pixel's centre as 0.
            let centre = centre - 0.5;
            let mut weights: Vec<f32> = (left..right)
                .map(|i| triangle((i as f32 - centre) / sratio))
                .collect();
            let sum = weights.iter().fold(0.0f32, |sum, &w| sum + w);
            weights.iter_mut().for_each(|w| *w /= sum);
            Taps {
                first: left as usize,
                weights,
            }
        })
        .collect()
}

/// `v.clamp(0.0, 255.0).round() as u8` (`image`'s rounding, half away from zero) without
/// `f32::round`, which on the baseline x86-64 target is a call into libm per channel.
///
/// Exact in `f32`: for a clamped `v` of at least one half, `v + 0.5` either is exact or
/// rounds away from the integers (it only leaves `v`'s binade above a power of two, whose
/// neighbours are integers when `v ≥ 0.5`), so truncation rounds half up, which for values
/// that are not negative is half away from zero. Below one half the sum can round up to
/// 1.0 (`0.49999997 + 0.5`), so those are 0 outright. NaN gives 0 both ways. Written as
/// selects, with no branch and no `f64`, so that the compiler can run it four at a time.
fn round_to_u8(v: f32) -> u8 {
    let v = v.clamp(0.0, 255.0);
    let rounded = (v + 0.5) as u8;
    if v < 0.5 { 0 } else { rounded }
}

/// `imageops::resize(rgb, width, height, FilterType::Triangle)`, byte for byte.
pub(crate) fn resize_triangle(rgb: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (in_w, in_h) = rgb.dimensions();
    if (in_w, in_h) == (width, height) || in_w == 0 || in_h == 0 || width == 0 || height == 0 {
        // `imageops::resize` copies in the first case and returns a black image in the
        // others; neither reaches its filter.
        return image::imageops::resize(rgb, width, height, image::imageops::FilterType::Triangle);
    }
    let src = rgb.as_raw();
    let in_row = in_w as usize * 3;
    // The vertical pass's output row has one float of slack, so that the horizontal pass
    // can read every pixel as four lanes (its three channels and one unused): the same
    // multiplications and additions per channel, three at once.
    let mut acc = vec![0.0f32; in_row + 1];
    let columns = taps(in_w, width);
    let mut out = vec![0u8; width as usize * height as usize * 3];
    // One output row at a time, through one reused row of floats: a whole intermediate
    // image (2 MB for a 640-px photo) was a fresh allocation, and its page faults, per call.
    for (tap, out_row) in taps(in_h, height)
        .into_iter()
        .zip(out.chunks_exact_mut(width as usize * 3))
    {
        // Vertical pass first (as `image` does it), into floats: every product summed in tap
        // order from zero, a whole row at a time so the additions run side by side.
        acc.fill(0.0);
        for (i, &w) in tap.weights.iter().enumerate() {
            let start = (tap.first + i) * in_row;
            let Some(line) = src.get(start..start + in_row) else {
                continue;
            };
            for (a, &p) in acc[..in_row].iter_mut().zip(line) {
                *a += f32::from(p) * w;
            }
        }
        // Horizontal pass, rounded to the nearest level and clamped as `image` does.
        for (tap, pixel) in columns.iter().zip(out_row.chunks_exact_mut(3)) {
            let mut t = [0.0f32; 4];
            for (i, &w) in tap.weights.iter().enumerate() {
                let at = (tap.first + i) * 3;
                if let Some(lanes) = acc.get(at..at + 4) {
                    for (sum, &v) in t.iter_mut().zip(lanes) {
                        *sum += v * w;
                    }
                }
            }
            for (channel, v) in pixel.iter_mut().zip(t) {
                *channel = round_to_u8(v);
            }
        }
    }
    RgbImage::from_raw(width, height, out).unwrap_or_else(|| RgbImage::new(width, height))
}

/// `imageops::resize(gray, width, height, FilterType::Triangle)`, byte for byte: the same
/// arithmetic as [`resize_triangle`] on one channel (`image` resizes a grey image through
/// the same four-lane float path, of which only the first lane is kept).
pub(crate) fn resize_gray_triangle(gray: &GrayImage, width: u32, height: u32) -> GrayImage {
    let (in_w, in_h) = gray.dimensions();
    if (in_w, in_h) == (width, height) || in_w == 0 || in_h == 0 || width == 0 || height == 0 {
        return image::imageops::resize(gray, width, height, image::imageops::FilterType::Triangle);
    }
    let src = gray.as_raw();
    let in_row = in_w as usize;
    let mut acc = vec![0.0f32; in_row];
    let columns = taps(in_w, width);
    let mut out = vec![0u8; width as usize * height as usize];
    for (tap, out_row) in taps(in_h, height)
        .into_iter()
        .zip(out.chunks_exact_mut(width as usize))
    {
        acc.fill(0.0);
        for (i, &w) in tap.weights.iter().enumerate() {
            let start = (tap.first + i) * in_row;
            let Some(line) = src.get(start..start + in_row) else {
                continue;
            };
            for (a, &p) in acc.iter_mut().zip(line) {
                *a += f32::from(p) * w;
            }
        }
        for (tap, pixel) in columns.iter().zip(out_row.iter_mut()) {
            let line = acc
                .get(tap.first..tap.first + tap.weights.len())
                .unwrap_or(&[]);
            let mut t = 0.0f32;
            for (&v, &w) in line.iter().zip(&tap.weights) {
                t += v * w;
            }
            *pixel = round_to_u8(t);
        }
    }
    GrayImage::from_raw(width, height, out).unwrap_or_else(|| GrayImage::new(width, height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::imageops::{self, FilterType};

    #[test]
    fn rounds_like_f32_round_on_every_boundary() {
        for v in [
            -3.0f32,
            -0.5,
            -0.0,
            0.0,
            0.49999997,
            0.5,
            1.5,
            2.5,
            127.49999,
            127.5,
            254.5,
            254.99998,
            255.0,
            255.4,
            255.5,
            300.0,
            f32::NAN,
        ] {
            assert_eq!(round_to_u8(v), v.clamp(0.0, 255.0).round() as u8, "{v}");
        }
        for i in 0..=2_600_000u32 {
            let v = i as f32 / 10_000.0;
            assert_eq!(round_to_u8(v), v.clamp(0.0, 255.0).round() as u8, "{v}");
        }
    }

    #[test]
    fn rounds_like_f32_round_on_the_floats_next_to_every_half() {
        // Every float within 4096 steps of each k + 0.5 (where `v + 0.5` could round
        // across an integer), and every float in [0.25, 1), where it does for one value.
        // An exhaustive run over every `f32` in [-300, 300] found no difference either.
        let neighbours = (0..=256u32).flat_map(|k| {
            let half = (k as f32 + 0.5).to_bits();
            (half - 4096..=half + 4096).map(f32::from_bits)
        });
        let quarter_to_one = (0.25f32.to_bits()..1.0f32.to_bits()).map(f32::from_bits);
        for v in neighbours.chain(quarter_to_one) {
            assert_eq!(round_to_u8(v), v.clamp(0.0, 255.0).round() as u8, "{v:e}");
        }
    }

    #[test]
    fn equals_imageops_triangle_resize_byte_for_byte() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // Reductions like the working copy's (640×480 → 341×256, odd ratios), a slight
        // one, an enlargement and degenerate sides.
        for (w, h, nw, nh) in [
            (640, 480, 341, 256),
            (640, 640, 457, 457),
            (640, 640, 327, 327),
            (1024, 768, 640, 480),
            (320, 214, 229, 153),
            (480, 640, 256, 341),
            (517, 389, 340, 256),
            (300, 300, 256, 256),
            (1024, 97, 1000, 24),
            (33, 40, 70, 45),
            (7, 1, 3, 1),
        ] {
            let rgb = RgbImage::from_fn(w, h, |x, y| {
                let n = next();
                // Shapes with noise: smooth areas, hard edges and extremes.
                let base = if (x / 13 + y / 7) % 3 == 0 {
                    250
                } else {
                    (x * 3 + y) as u8
                };
                image::Rgb([base, (n % 256) as u8, if n % 17 == 0 { 0 } else { 255 }])
            });
            let ours = resize_triangle(&rgb, nw, nh);
            let theirs = imageops::resize(&rgb, nw, nh, FilterType::Triangle);
            assert_eq!(ours.dimensions(), theirs.dimensions());
            assert!(ours.as_raw() == theirs.as_raw(), "{w}x{h} -> {nw}x{nh}");
            let gray = imageops::grayscale(&rgb);
            let ours = resize_gray_triangle(&gray, nw, nh);
            let theirs = imageops::resize(&gray, nw, nh, FilterType::Triangle);
            assert!(
                ours.as_raw() == theirs.as_raw(),
                "grey {w}x{h} -> {nw}x{nh}"
            );
        }
    }
}
