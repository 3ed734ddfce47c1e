//! Deterministic made-up pictures for the tests of this crate and of the crates above it (the
//! matcher's verification test): logos of filled shapes, photo-like grounds, and a logo
//! warped into a photo by a homography. Never used in production; one generator, so the
//! tests that share a scene share its code.

use image::{Rgb, RgbImage};

/// A tiny deterministic generator for the test pictures.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// A made-up logo: filled rectangles, discs and bars of a few colours on white.
pub fn logo(seed: u64, size: u32) -> RgbImage {
    let mut rng = Rng(seed);
    let mut img = RgbImage::from_pixel(size, size, Rgb([255, 255, 255]));
    for _ in 0..14 {
        let colour = Rgb([
            rng.below(200) as u8,
            rng.below(200) as u8,
            rng.below(200) as u8,
        ]);
        let (cx, cy) = (rng.below(size) as i32, rng.below(size) as i32);
        let r = 8 + rng.below(size / 6) as i32;
        let disc = rng.below(2) == 0;
        for y in (cy - r).max(0)..(cy + r).min(size as i32) {
            for x in (cx - r).max(0)..(cx + r).min(size as i32) {
                let (dx, dy) = (x - cx, y - cy);
                if !disc || dx * dx + dy * dy <= r * r {
                    img.put_pixel(x as u32, y as u32, colour);
                }
            }
        }
    }
    img
}

/// A textured photo-like ground: smooth blotches plus grain.
pub fn ground(seed: u64, w: u32, h: u32) -> RgbImage {
    let mut rng = Rng(seed);
    let blobs: Vec<(f32, f32, f32, [f32; 3])> = (0..30)
        .map(|_| {
            (
                rng.below(w) as f32,
                rng.below(h) as f32,
                20.0 + rng.below(120) as f32,
                [
                    rng.below(255) as f32,
                    rng.below(255) as f32,
                    rng.below(255) as f32,
                ],
            )
        })
        .collect();
    RgbImage::from_fn(w, h, |x, y| {
        let mut c = [120.0f32, 110.0, 100.0];
        for (bx, by, r, col) in &blobs {
            let d = ((x as f32 - bx).powi(2) + (y as f32 - by).powi(2)).sqrt();
            let t = (1.0 - d / r).clamp(0.0, 1.0) * 0.6;
            for k in 0..3 {
                c[k] = c[k] * (1.0 - t) + col[k] * t;
            }
        }
        let grain = ((x * 7 + y * 13) % 11) as f32 - 5.0;
        Rgb(c.map(|v| (v + grain).clamp(0.0, 255.0) as u8))
    })
}

/// `logo` warped onto `photo` so that its corners (top-left, top-right, bottom-right,
/// bottom-left) land on `quad` (pixels); false, and nothing drawn, when `quad` is not a proper
/// quadrilateral.
pub fn paste(photo: &mut RgbImage, logo: &RgbImage, quad: [[f64; 2]; 4]) -> bool {
    let (w, h) = (f64::from(logo.width()), f64::from(logo.height()));
    let corners = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]];
    // The inverse map: photo pixel -> logo pixel.
    let pairs: Vec<_> = quad.iter().copied().zip(corners).collect();
    let Some(inv) = crate::verify::geometry::fit(&pairs) else {
        return false;
    };
    for y in 0..photo.height() {
        for x in 0..photo.width() {
            let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
            let z = inv[6] * px + inv[7] * py + inv[8];
            let u = (inv[0] * px + inv[1] * py + inv[2]) / z;
            let v = (inv[3] * px + inv[4] * py + inv[5]) / z;
            if u >= 0.0 && v >= 0.0 && u < w && v < h {
                photo.put_pixel(x, y, *logo.get_pixel(u as u32, v as u32));
            }
        }
    }
    true
}
