//! Oriented FAST corners and rotated BRIEF descriptors (ORB-like), over an image pyramid.
//!
//! Written here rather than taken from a crate: `imageproc` has FAST corners and BRIEF, but
//! its BRIEF is not steered by the keypoint's orientation (a tilted sticker or a logo on a
//! rotated box would not match) and it brings nalgebra and rayon into a crate that builds on
//! two shared cores; the rust-cv crates (`akaze`, `arrsac`, `cv-core`) pin older `image` /
//! `nalgebra` versions than this workspace's `image` 0.25. The parts needed are small: a
//! FAST-9 test, an intensity-centroid orientation and 256 steered pixel comparisons.

use image::{GrayImage, RgbImage};

// `imageops::resize` with the triangle filter, byte for byte, at a fraction of its cost (it
// was a third of extracting a listing photo's features).
use crate::image_hash::resize::resize_gray_triangle;

/// Radius of the circle the descriptor's sample points lie in (pixels of a pyramid level).
const PATCH_RADIUS: i32 = 13;
/// Radius of the disc whose intensity centroid gives a keypoint's orientation.
const ORIENTATION_RADIUS: i32 = 12;
/// Keypoints closer to a level's border than this have no full patch: skipped.
const BORDER: i32 = 16;
/// Bits in a descriptor.
pub const DESCRIPTOR_BITS: usize = 256;

/// One keypoint, in the pixels of the image the features were extracted from (level 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keypoint {
    /// Column, in level-0 pixels.
    pub x: f32,
    /// Row, in level-0 pixels.
    pub y: f32,
    /// FAST score: how strongly the arc differs from the centre.
    pub response: f32,
    /// Orientation, radians.
    pub angle: f32,
    /// How many times the level was shrunk from level 0 (1.0 for level 0).
    pub scale: f32,
}

/// A bounded set of keypoints and their 256-bit descriptors, with the size of the image they
/// were found in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalFeatures {
    /// Width of the image (after the cap on its longest side), pixels.
    pub width: u32,
    /// Height of the image, pixels.
    pub height: u32,
    /// Keypoints, strongest first.
    pub keypoints: Vec<Keypoint>,
    /// One descriptor per keypoint, in the same order.
    pub descriptors: Vec<[u64; 4]>,
}

impl LocalFeatures {
    /// Number of keypoints.
    pub fn len(&self) -> usize {
        self.keypoints.len()
    }

    /// Whether no keypoint was found (a plain or tiny image).
    pub fn is_empty(&self) -> bool {
        self.keypoints.is_empty()
    }
}

/// How features are extracted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureParams {
    /// At most this many keypoints are kept (strongest FAST responses, spread over levels
    /// by their area).
    pub max_features: usize,
    /// Pyramid levels (1: the image only).
    pub levels: usize,
    /// Each level is this many times smaller than the one before.
    pub scale_factor: f32,
    /// FAST threshold on 0–255 grey levels.
    pub fast_threshold: u8,
    /// The image is first shrunk so that its longest side is at most this.
    pub max_side: u32,
}

/// Registered images (logos, 256 px or so): many levels, so that a logo shown small in a
/// listing photo meets a reference level of its size; computed once per registration.
pub const REFERENCE_FEATURES: FeatureParams = FeatureParams {
    max_features: 400,
    levels: 6,
    scale_factor: 1.4,
    fast_threshold: 18,
    max_side: 320,
};

/// Listing photos (up to 640 px): fewer levels, the reference pyramid covers the rest.
pub const QUERY_FEATURES: FeatureParams = FeatureParams {
    max_features: 800,
    levels: 3,
    scale_factor: 1.4,
    fast_threshold: 18,
    max_side: 640,
};

/// The 16 pixels of the radius-3 Bresenham circle FAST tests, in order around it.
const CIRCLE: [(i32, i32); 16] = [
    (0, -3),
    (1, -3),
    (2, -2),
    (3, -1),
    (3, 0),
    (3, 1),
    (2, 2),
    (1, 3),
    (0, 3),
    (-1, 3),
    (-2, 2),
    (-3, 1),
    (-3, 0),
    (-3, -1),
    (-2, -2),
    (-1, -3),
];

/// The descriptor's 256 point pairs: a fixed pseudo-random, centre-weighted pattern inside
/// the patch radius (BRIEF's isotropic Gaussian sampling, drawn once from a fixed seed so
/// that every image, registered or listed, uses the same pattern).
fn pattern() -> &'static [[(f32, f32); 2]; DESCRIPTOR_BITS] {
    use std::sync::OnceLock;
    static PATTERN: OnceLock<[[(f32, f32); 2]; DESCRIPTOR_BITS]> = OnceLock::new();
    PATTERN.get_or_init(|| {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut uniform = move || {
            // xorshift64*
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let v = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            (v >> 40) as f32 / (1u64 << 24) as f32
        };
        let r = PATCH_RADIUS as f32;
        let mut point = move || loop {
            // Sum of three uniforms: a bell of standard deviation ~ r/2.4.
            let x = (uniform() + uniform() + uniform() - 1.5) * r * 0.85;
            let y = (uniform() + uniform() + uniform() - 1.5) * r * 0.85;
            if x * x + y * y <= r * r {
                return (x, y);
            }
        };
        let mut out = [[(0.0, 0.0); 2]; DESCRIPTOR_BITS];
        for pair in out.iter_mut() {
            *pair = [point(), point()];
        }
        out
    })
}

/// Grey levels of an RGB image (Rec. 601 weights).
pub fn to_gray(rgb: &RgbImage) -> GrayImage {
    let grey: Vec<u8> = rgb
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            let v = (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000;
            v.min(255) as u8
        })
        .collect();
    GrayImage::from_raw(rgb.width(), rgb.height(), grey)
        .unwrap_or_else(|| GrayImage::new(rgb.width(), rgb.height()))
}

/// Features of a grey image under `params`.
pub fn extract(gray: &GrayImage, params: &FeatureParams) -> LocalFeatures {
    let (w0, h0) = gray.dimensions();
    let longest = w0.max(h0);
    let base = if longest > params.max_side && longest > 0 {
        let f = params.max_side as f32 / longest as f32;
        let w = ((w0 as f32 * f).round() as u32).max(1);
        let h = ((h0 as f32 * f).round() as u32).max(1);
        resize_gray_triangle(gray, w, h)
    } else {
        gray.clone()
    };
    let (width, height) = base.dimensions();
    let mut levels: Vec<(GrayImage, f32)> = Vec::new();
    let mut scale = 1.0f32;
    for _ in 0..params.levels.max(1) {
        let w = (width as f32 / scale).round() as u32;
        let h = (height as f32 / scale).round() as u32;
        if w < 2 * BORDER as u32 + 8 || h < 2 * BORDER as u32 + 8 {
            break;
        }
        let img = if scale == 1.0 {
            base.clone()
        } else {
            resize_gray_triangle(&base, w, h)
        };
        levels.push((img, scale));
        scale *= params.scale_factor;
    }
    let total_area: f32 = levels
        .iter()
        .map(|(l, _)| (l.width() * l.height()) as f32)
        .sum();
    let mut keypoints = Vec::new();
    let mut descriptors = Vec::new();
    for (level, scale) in &levels {
        let share = (level.width() * level.height()) as f32 / total_area.max(1.0);
        let quota = ((params.max_features as f32 * share).ceil() as usize).max(1);
        let smooth = blur(level);
        let mut corners = fast9(level, params.fast_threshold);
        corners.sort_by(|a, b| b.2.total_cmp(&a.2));
        corners.truncate(quota);
        for (x, y, response) in corners {
            let angle = orientation(&smooth, x, y);
            descriptors.push(describe(&smooth, x, y, angle));
            keypoints.push(Keypoint {
                x: x as f32 * scale,
                y: y as f32 * scale,
                response,
                angle,
                scale: *scale,
            });
        }
    }
    // Strongest first over all levels, then the cap.
    let mut order: Vec<usize> = (0..keypoints.len()).collect();
    order.sort_by(|&a, &b| keypoints[b].response.total_cmp(&keypoints[a].response));
    order.truncate(params.max_features);
    LocalFeatures {
        width,
        height,
        keypoints: order.iter().map(|&i| keypoints[i]).collect(),
        descriptors: order.iter().map(|&i| descriptors[i]).collect(),
    }
}

/// A [1 2 1]² smoothing (σ ≈ 0.85 px) so that single-pixel noise and JPEG blocks do not
/// flip descriptor bits. Edge pixels repeat. Written as whole-row passes over three row
/// slices, which the compiler vectorises (a per-pixel loop with clamped indices was a tenth
/// of extracting features); the sums are the same integers.
fn blur(img: &GrayImage) -> GrayImage {
    let (w, h) = img.dimensions();
    let src = img.as_raw();
    let (wi, hi) = (w as usize, h as usize);
    if wi == 0 || hi == 0 {
        return img.clone();
    }
    let mut tmp = vec![0u16; wi * hi];
    for (line, out) in src.chunks_exact(wi).zip(tmp.chunks_exact_mut(wi)) {
        let at = |x: usize| u16::from(line[x.min(wi - 1)]);
        out[0] = at(0) + 2 * at(0) + at(1);
        if wi > 1 {
            out[wi - 1] = at(wi - 2) + 2 * at(wi - 1) + at(wi - 1);
        }
        if wi > 2 {
            let inner = line[..wi - 2].iter().zip(&line[1..wi - 1]).zip(&line[2..]);
            for (o, ((&l, &c), &r)) in out[1..wi - 1].iter_mut().zip(inner) {
                *o = u16::from(l) + 2 * u16::from(c) + u16::from(r);
            }
        }
    }
    let mut out = vec![0u8; wi * hi];
    for (y, row) in out.chunks_exact_mut(wi).enumerate() {
        let line = |yy: usize| &tmp[yy * wi..(yy + 1) * wi];
        let (up, centre, down) = (
            line(y.saturating_sub(1)),
            line(y),
            line((y + 1).min(hi - 1)),
        );
        for (o, ((&u, &c), &d)) in row.iter_mut().zip(up.iter().zip(centre).zip(down)) {
            // At most 16 × 255 + 8: no overflow in u16.
            *o = ((u + 2 * c + d + 8) / 16) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| img.clone())
}

/// FAST-9 corners of `img` at least `BORDER` from its edges, after 3×3 non-maximum
/// suppression of their scores: (x, y, score).
fn fast9(img: &GrayImage, threshold: u8) -> Vec<(i32, i32, f32)> {
    let (w, h) = (img.width() as i32, img.height() as i32);
    if w <= 2 * BORDER || h <= 2 * BORDER {
        return Vec::new();
    }
    let px = img.as_raw();
    let t = i16::from(threshold);
    let wu = w as usize;
    let border = BORDER as usize;
    // The circle as offsets into the pixel buffer (every tested pixel is at least `BORDER`
    // from the edges, so none leaves its row or the buffer).
    let offsets: [isize; 16] = CIRCLE.map(|(dx, dy)| dy as isize * w as isize + dx as isize);
    let at = |i: usize, k: usize| i16::from(px[i.wrapping_add_signed(offsets[k])]);
    let mut scores = vec![0f32; wu * h as usize];
    // Pixels with a positive score, in scan order.
    let mut scored: Vec<usize> = Vec::new();
    let mut passes = vec![false; wu];
    let mut candidates: Vec<usize> = Vec::with_capacity(wu);
    for y in BORDER as usize..h as usize - border {
        let row = |yy: usize| &px[yy * wu..(yy + 1) * wu];
        let (up, centre, down) = (row(y - 3), row(y), row(y + 3));
        let span = border..wu - border;
        // Quick rejection, a whole row at a time without branches (vectorised): an arc of
        // 9 covers at least two of the four compass points (circle pixels 0, 4, 8, 12).
        let compass = up[span.clone()]
            .iter()
            .zip(&centre[span.start + 3..span.end + 3])
            .zip(&down[span.clone()])
            .zip(&centre[span.start - 3..span.end - 3])
            .zip(&centre[span.clone()]);
        for (pass, ((((&n, &e), &s), &west), &c)) in passes[span.clone()].iter_mut().zip(compass) {
            let c = i16::from(c);
            let (bright_above, dark_below) = (c + t, c - t);
            let bright = [n, e, s, west]
                .iter()
                .map(|&v| u8::from(i16::from(v) > bright_above))
                .sum::<u8>();
            let dark = [n, e, s, west]
                .iter()
                .map(|&v| u8::from(i16::from(v) < dark_below))
                .sum::<u8>();
            *pass = bright >= 2 || dark >= 2;
        }
        // The passing pixels, eight flags at a time: a branch per pixel on flags that pass
        // at random was a tenth of extracting features.
        candidates.clear();
        for (chunk, flags) in passes.chunks(8).enumerate() {
            let mut bytes = [0u8; 8];
            for (b, &f) in bytes.iter_mut().zip(flags) {
                *b = u8::from(f);
            }
            let mut set = u64::from_le_bytes(bytes);
            while set != 0 {
                let x = chunk * 8 + (set.trailing_zeros() / 8) as usize;
                set &= set - 1;
                candidates.push(x);
            }
        }
        for &x in &candidates {
            let i = y * wu + x;
            let c = i16::from(px[i]);
            let ring: [i16; 16] = std::array::from_fn(|k| at(i, k));
            if !has_arc_of_nine(&ring, c, t) {
                continue;
            }
            let score = arc_score(&ring, c, t);
            if score > 0.0 {
                scores[i] = score;
                scored.push(i);
            }
        }
    }
    let mut out = Vec::new();
    for i in scored {
        let (x, y) = ((i % wu) as i32, (i / wu) as i32);
        let s = scores[i];
        let mut is_max = true;
        'n: for dy in -1..=1 {
            for dx in -1..=1 {
                if (dx, dy) == (0, 0) {
                    continue;
                }
                let o = scores[((y + dy) * w + x + dx) as usize];
                // Ties go to the first in scan order.
                if o > s || (o == s && (dy < 0 || (dy == 0 && dx < 0))) {
                    is_max = false;
                    break 'n;
                }
            }
        }
        if is_max {
            out.push((x, y, s));
        }
    }
    out
}

/// Whether the ring has 9 contiguous pixels (around the circle) all brighter than `c + t`,
/// or all darker than `c - t`: exactly when [`arc_score`] can be positive, tested on two
/// 16-bit masks instead of its two 32-step walks.
fn has_arc_of_nine(ring: &[i16; 16], c: i16, t: i16) -> bool {
    let (mut bright, mut dark) = (0u32, 0u32);
    for (k, &v) in ring.iter().enumerate() {
        bright |= u32::from(v - c > t) << k;
        dark |= u32::from(c - v > t) << k;
    }
    let nine = |mask: u32| {
        // Doubled, so that runs wrap around; bit p survives when bits p..p + 8 are all set.
        let d = mask | (mask << 16);
        let run = (1..9).fold(d, |acc, shift| acc & (d >> shift));
        run & 0xFFFF != 0
    };
    nine(bright) || nine(dark)
}

/// The score of a FAST-9 corner (sum of the excess contrast over the longest brighter or
/// darker arc, when it is at least 9 long), or 0.
fn arc_score(ring: &[i16; 16], c: i16, t: i16) -> f32 {
    let mut best = 0i32;
    for sign in [1i16, -1] {
        let mut run = 0usize;
        let mut sum = 0i32;
        let mut best_run = 0usize;
        let mut best_sum = 0i32;
        for i in 0..32 {
            let d = (ring[i % 16] - c) * sign - t;
            if d > 0 {
                run += 1;
                sum += i32::from(d);
                if run > best_run || (run == best_run && sum > best_sum) {
                    best_run = run.min(16);
                    best_sum = sum;
                }
            } else {
                run = 0;
                sum = 0;
            }
        }
        if best_run >= 9 {
            best = best.max(best_sum);
        }
    }
    best as f32
}

/// The orientation of the intensity centroid of the disc around (x, y).
fn orientation(img: &GrayImage, x: i32, y: i32) -> f32 {
    let w = img.width() as i32;
    let px = img.as_raw();
    let (mut m10, mut m01) = (0i64, 0i64);
    let r2 = ORIENTATION_RADIUS * ORIENTATION_RADIUS;
    for dy in -ORIENTATION_RADIUS..=ORIENTATION_RADIUS {
        // The disc's span on this row, found once rather than tested pixel by pixel (the
        // moments are integers: the order of the additions changes nothing).
        let half = (0..=ORIENTATION_RADIUS)
            .rev()
            .find(|dx| dx * dx + dy * dy <= r2)
            .unwrap_or(0);
        let start = ((y + dy) * w + x - half) as usize;
        let Some(row) = px.get(start..start + (2 * half + 1) as usize) else {
            continue;
        };
        let (mut sum, mut weighted) = (0i64, 0i64);
        for (dx, &v) in (-half..=half).zip(row) {
            sum += i64::from(v);
            weighted += i64::from(dx) * i64::from(v);
        }
        m10 += weighted;
        m01 += i64::from(dy) * sum;
    }
    (m01 as f32).atan2(m10 as f32)
}

/// The steered BRIEF descriptor of (x, y) at `angle` on the smoothed level.
fn describe(img: &GrayImage, x: i32, y: i32, angle: f32) -> [u64; 4] {
    let w = img.width() as i32;
    let px = img.as_raw();
    let (s, c) = angle.sin_cos();
    let sample = |(u, v): (f32, f32)| {
        let dx = round_to_i32(c * u - s * v);
        let dy = round_to_i32(s * u + c * v);
        px[((y + dy) * w + x + dx) as usize]
    };
    let mut out = [0u64; 4];
    for (i, [a, b]) in pattern().iter().enumerate() {
        if sample(*a) < sample(*b) {
            out[i / 64] |= 1 << (i % 64);
        }
    }
    out
}

/// `v.round() as i32` (half away from zero) without `f32::round`, a call into libm on the
/// baseline x86-64 target (a tenth of extracting features). The truncation is the `as`
/// conversion, and `v` minus its truncation is exact (Sterbenz for |v| ≥ 1, `v` itself
/// below); out of `i32`'s range both saturate, and NaN gives 0 both ways.
fn round_to_i32(v: f32) -> i32 {
    let whole = v as i32;
    let frac = v - whole as f32;
    whole
        .saturating_add(i32::from(frac >= 0.5))
        .saturating_sub(i32::from(frac <= -0.5))
}

/// Hamming distance of two descriptors.
pub fn descriptor_distance(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_f32_round() {
        for v in [
            -2.5f32,
            -1.5,
            -0.5,
            -0.49999997,
            -0.0,
            0.0,
            0.49999997,
            0.5,
            1.5,
            2.5,
            12.5,
            -12.5,
            3e9,
            -3e9,
            f32::NAN,
        ] {
            assert_eq!(round_to_i32(v), v.round() as i32, "{v}");
        }
        // One float in 97 in ±40 (the descriptor's offsets stay within ±14).
        let (lo, hi) = ((-40.0f32).to_bits(), 40.0f32.to_bits());
        for bits in (0..=hi).step_by(97).chain((1u32 << 31..=lo).step_by(97)) {
            let v = f32::from_bits(bits);
            assert_eq!(round_to_i32(v), v.round() as i32, "{v:e}");
        }
    }
}
