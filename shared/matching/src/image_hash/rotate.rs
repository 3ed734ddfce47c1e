//! Rotated copies of a registered image's working copy, with the canvas expanded.
//!
//! A 64-bit DCT hash does not survive a tilt of 15° (own distance ~12 bits), so a
//! registered image is also hashed rotated by a few fixed angles: a copy tilted by about
//! that angle then matches a plain comparison of hashes. Hand-written because the image
//! crate rotates only by multiples of 90°, and a bilinear resampler over an expanded canvas
//! is a few lines (imageproc's rotation keeps the canvas size, cutting the corners off).

use image::{Rgb, RgbImage};

/// Tilts a registered image is hashed at, in degrees: a copy tilted by 15° either way
/// (the common "dynamic" tilt of listing art) and half of it, so tilts in between stay
/// within a few bits of one of them.
pub(crate) const ANGLES_DEG: [f64; 4] = [-15.0, -7.5, 7.5, 15.0];

/// `rgb` rotated by `degrees` (counter-clockwise, as Pillow and most editors do) on a
/// canvas expanded to hold all of it, the new corners filled with the image's top-left
/// colour (a registered image's canvas colour, as a copy's editor would fill them).
pub(crate) fn rotate_expanded(rgb: &RgbImage, degrees: f64) -> RgbImage {
    let (width, height) = rgb.dimensions();
    let (w, h) = (f64::from(width), f64::from(height));
    let (sin, cos) = degrees.to_radians().sin_cos();
    // The epsilon keeps float noise (cos 90° is 6e-17, not 0) from adding a pixel.
    let out_w = (w * cos.abs() + h * sin.abs() - 1e-6).ceil().max(1.0);
    let out_h = (w * sin.abs() + h * cos.abs() - 1e-6).ceil().max(1.0);
    let fill = rgb
        .get_pixel_checked(0, 0)
        .copied()
        .unwrap_or(Rgb([255; 3]));
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ocx, ocy) = (out_w / 2.0, out_h / 2.0);
    RgbImage::from_fn(out_w as u32, out_h as u32, |x, y| {
        // Inverse mapping: the source point each output pixel centre comes from. With y
        // pointing down, a counter-clockwise turn on screen maps back through +angle.
        let (dx, dy) = (f64::from(x) + 0.5 - ocx, f64::from(y) + 0.5 - ocy);
        let sx = cos * dx - sin * dy + cx - 0.5;
        let sy = sin * dx + cos * dy + cy - 0.5;
        bilinear(rgb, sx, sy).unwrap_or(fill)
    })
}

/// The bilinear interpolation of `rgb` at (x, y), or `None` outside the image.
fn bilinear(rgb: &RgbImage, x: f64, y: f64) -> Option<Rgb<u8>> {
    let (width, height) = rgb.dimensions();
    if x < -0.5 || y < -0.5 || x > f64::from(width) - 0.5 || y > f64::from(height) - 0.5 {
        return None;
    }
    let (x, y) = (
        x.clamp(0.0, f64::from(width - 1)),
        y.clamp(0.0, f64::from(height - 1)),
    );
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let (fx, fy) = (x - f64::from(x0), y - f64::from(y0));
    let p = |xx, yy| rgb.get_pixel(xx, yy).0;
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    let mut out = [0u8; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let top = f64::from(a[k]) * (1.0 - fx) + f64::from(b[k]) * fx;
        let bottom = f64::from(c[k]) * (1.0 - fx) + f64::from(d[k]) * fx;
        *o = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
    }
    Some(Rgb(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_the_canvas_and_fills_corners_with_the_background() {
        // A white canvas with a black bar across the middle.
        let img = RgbImage::from_fn(100, 40, |_, y| {
            if (15..25).contains(&y) {
                Rgb([0; 3])
            } else {
                Rgb([255; 3])
            }
        });
        let turned = rotate_expanded(&img, 90.0);
        assert_eq!(
            turned.dimensions(),
            (40, 100),
            "a quarter turn swaps the sides"
        );
        // The bar is now vertical through the middle column.
        assert_eq!(turned.get_pixel(20, 50).0, [0; 3]);
        assert_eq!(turned.get_pixel(5, 50).0, [255; 3]);
        let tilted = rotate_expanded(&img, 15.0);
        assert!(tilted.width() > 100 && tilted.height() > 40);
        assert_eq!(
            tilted.get_pixel(0, 0).0,
            [255; 3],
            "corner filled with the canvas"
        );
    }

    #[test]
    fn turns_counter_clockwise() {
        // A black dot right of centre ends up above centre after +90°.
        let img = RgbImage::from_fn(41, 41, |x, y| {
            if (33..37).contains(&x) && (19..22).contains(&y) {
                Rgb([0; 3])
            } else {
                Rgb([255; 3])
            }
        });
        let turned = rotate_expanded(&img, 90.0);
        assert_eq!(turned.get_pixel(20, 6).0, [0; 3]);
        assert_eq!(turned.get_pixel(20, 34).0, [255; 3]);
    }
}
