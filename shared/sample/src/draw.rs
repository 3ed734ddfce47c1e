//! Pixel-loop drawing primitives for the procedural images.
//!
//! Everything is one idea: colour the pixels of a bounding box whose centre satisfies a
//! predicate ([`fill_where`]). Shapes are predicates (inside a circle, a ring, a polygon, a
//! stripe). No anti-aliasing: hard edges are deterministic to the bit and plenty for
//! perceptual hashing, which works on heavily downscaled images anyway.

use image::{Rgb, RgbImage};

pub(crate) type Color = [u8; 3];

pub(crate) fn canvas(width: u32, height: u32, color: Color) -> RgbImage {
    RgbImage::from_pixel(width, height, Rgb(color))
}

/// Colours every pixel of the box `[x0, x1) × [y0, y1)` (clipped to the image) whose centre
/// satisfies `inside`.
pub(crate) fn fill_where(
    img: &mut RgbImage,
    (x0, y0, x1, y1): (f32, f32, f32, f32),
    color: Color,
    inside: impl Fn(f32, f32) -> bool,
) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    // Clamping in f32 before the casts keeps negative or huge boxes from wrapping around.
    let xa = x0.floor().clamp(0.0, w) as u32;
    let xb = x1.ceil().clamp(0.0, w) as u32;
    let ya = y0.floor().clamp(0.0, h) as u32;
    let yb = y1.ceil().clamp(0.0, h) as u32;
    for y in ya..yb {
        for x in xa..xb {
            if inside(x as f32 + 0.5, y as f32 + 0.5) {
                img.put_pixel(x, y, Rgb(color));
            }
        }
    }
}

pub(crate) fn rect(img: &mut RgbImage, x: f32, y: f32, w: f32, h: f32, color: Color) {
    fill_where(img, (x, y, x + w, y + h), color, |px, py| {
        px >= x && px < x + w && py >= y && py < y + h
    });
}

pub(crate) fn circle(img: &mut RgbImage, cx: f32, cy: f32, r: f32, color: Color) {
    ring(img, cx, cy, r, 0.0, color);
}

/// The annulus between `inner` and `outer` radius.
pub(crate) fn ring(img: &mut RgbImage, cx: f32, cy: f32, outer: f32, inner: f32, color: Color) {
    let (o2, i2) = (outer * outer, inner * inner);
    fill_where(
        img,
        (cx - outer, cy - outer, cx + outer, cy + outer),
        color,
        |x, y| {
            let d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            d2 <= o2 && d2 >= i2
        },
    );
}

/// Even-odd point in polygon: handles concave outlines (the shoe, the chevron) directly.
pub(crate) fn inside_polygon(points: &[(f32, f32)], x: f32, y: f32) -> bool {
    let mut inside = false;
    let mut j = points.len().wrapping_sub(1);
    for (i, &(xi, yi)) in points.iter().enumerate() {
        let Some(&(xj, yj)) = points.get(j) else {
            break;
        };
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

pub(crate) fn polygon(img: &mut RgbImage, points: &[(f32, f32)], color: Color) {
    let Some(bbox) = bounding_box(points) else {
        return;
    };
    fill_where(img, bbox, color, |x, y| inside_polygon(points, x, y));
}

/// A straight stroke of the given width, drawn as a quadrilateral.
pub(crate) fn line(img: &mut RgbImage, a: (f32, f32), b: (f32, f32), width: f32, color: Color) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len == 0.0 {
        circle(img, a.0, a.1, width / 2.0, color);
        return;
    }
    let (nx, ny) = (-dy / len * width / 2.0, dx / len * width / 2.0);
    let quad = [
        (a.0 + nx, a.1 + ny),
        (b.0 + nx, b.1 + ny),
        (b.0 - nx, b.1 - ny),
        (a.0 - nx, a.1 - ny),
    ];
    polygon(img, &quad, color);
}

/// A regular polygon (or, with `inner` < `outer`, a star with alternating radii).
pub(crate) fn star_points(
    cx: f32,
    cy: f32,
    outer: f32,
    inner: f32,
    tips: u32,
    turn: f32,
) -> Vec<(f32, f32)> {
    let n = tips * 2;
    (0..n)
        .map(|i| {
            let r = if i % 2 == 0 { outer } else { inner };
            let a = turn + i as f32 * std::f32::consts::PI / tips as f32;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

/// Diagonal stripes (`period` apart, `width` wide) restricted to the pixels where `clip` holds.
pub(crate) fn diagonal_stripes(
    img: &mut RgbImage,
    bbox: (f32, f32, f32, f32),
    period: f32,
    width: f32,
    color: Color,
    clip: impl Fn(f32, f32) -> bool,
) {
    fill_where(img, bbox, color, |x, y| {
        (x + y).rem_euclid(period) < width && clip(x, y)
    });
}

/// Fills the whole image with a vertical blend from `top` to `bottom`.
pub(crate) fn vertical_gradient(img: &mut RgbImage, top: Color, bottom: Color) {
    let h = img.height().max(2) - 1;
    for y in 0..img.height() {
        let c = mix(top, bottom, y as f32 / h as f32);
        for x in 0..img.width() {
            img.put_pixel(x, y, Rgb(c));
        }
    }
}

pub(crate) fn mix(a: Color, b: Color, t: f32) -> Color {
    let t = t.clamp(0.0, 1.0);
    let m = |p: u8, q: u8| (p as f32 + (q as f32 - p as f32) * t).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

/// Copies `src` onto `dst` with its top-left corner at `(x, y)`, clipped.
pub(crate) fn paste(dst: &mut RgbImage, src: &RgbImage, x: i64, y: i64) {
    image::imageops::replace(dst, src, x, y);
}

fn bounding_box(points: &[(f32, f32)]) -> Option<(f32, f32, f32, f32)> {
    let first = points.first()?;
    Some(points.iter().fold(
        (first.0, first.1, first.0, first.1),
        |(x0, y0, x1, y1), &(x, y)| (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Color = [255, 255, 255];
    const K: Color = [0, 0, 0];

    fn count(img: &RgbImage, c: Color) -> usize {
        img.pixels().filter(|p| p.0 == c).count()
    }

    #[test]
    fn circle_area_is_close_to_pi_r_squared() {
        let mut img = canvas(100, 100, W);
        circle(&mut img, 50.0, 50.0, 20.0, K);
        let area = count(&img, K) as f32;
        assert!((area - std::f32::consts::PI * 400.0).abs() < 40.0, "{area}");
    }

    #[test]
    fn concave_polygon_and_ring_leave_holes() {
        let mut img = canvas(40, 40, W);
        // A "U": the notch between the arms stays white.
        polygon(
            &mut img,
            &[
                (0.0, 0.0),
                (10.0, 0.0),
                (10.0, 30.0),
                (30.0, 30.0),
                (30.0, 0.0),
                (40.0, 0.0),
                (40.0, 40.0),
                (0.0, 40.0),
            ],
            K,
        );
        assert_eq!(img.get_pixel(20, 10).0, W);
        assert_eq!(img.get_pixel(5, 10).0, K);
        let mut img = canvas(40, 40, W);
        ring(&mut img, 20.0, 20.0, 15.0, 10.0, K);
        assert_eq!(img.get_pixel(20, 20).0, W);
        assert_eq!(img.get_pixel(20, 7).0, K);
    }

    #[test]
    fn shapes_off_canvas_are_clipped_not_wrapped() {
        let mut img = canvas(10, 10, W);
        rect(&mut img, -50.0, -50.0, 55.0, 55.0, K);
        circle(&mut img, 1e9, 1e9, 5.0, K);
        assert_eq!(count(&img, K), 25);
    }
}
