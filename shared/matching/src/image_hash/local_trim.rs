//! Trimming a listing window to the content it frames, against the window's own background.
//!
//! A logo shown on a plain ground inside a larger picture — a web page in a screenshot, a
//! label in a product photo — is not bounded by a strong straight edge when its canvas is
//! close to the ground's colour (a white tile on a 250-grey page), so window snapping
//! ([`super::edges`]) has nothing to hold on to. But a grid window that contains the logo
//! and nothing else has a uniform border: the content inside it, trimmed against that
//! border's colour, is the logo trimmed to its content — what a registered image's core
//! "trimmed" hash shows.

use image::RgbImage;

use super::sample::Rect;

/// A channel difference above this from the border's colour counts as content (as in
/// [`super::trim`]: JPEG ringing stays below it, a drawn colour does not).
const CONTENT_DELTA: i32 = 40;
/// Trimmed boxes smaller than this on a side (working pixels) are specks or text, not a logo.
const MIN_SIDE: u32 = 16;
/// A trimmed box covering more than this share of the window's area is the window itself,
/// which is hashed anyway.
const MAX_AREA_SHARE: f64 = 0.85;

/// The box of what differs from the window's border colour, when the whole border is that
/// colour (the window cuts through nothing) and the box is a plausible logo; None otherwise.
pub(crate) fn trim_window(rgb: &RgbImage, rect: &Rect) -> Option<Rect> {
    let (width, height) = rgb.dimensions();
    let x0 = rect.x.round().max(0.0) as u32;
    let y0 = rect.y.round().max(0.0) as u32;
    let x1 = ((rect.x + rect.w).round() as u32).min(width);
    let y1 = ((rect.y + rect.h).round() as u32).min(height);
    if x1 < x0 + MIN_SIDE + 2 || y1 < y0 + MIN_SIDE + 2 {
        return None;
    }
    let raw = rgb.as_raw();
    let px = |x: u32, y: u32| {
        let i = (y as usize * width as usize + x as usize) * 3;
        [raw[i], raw[i + 1], raw[i + 2]]
    };
    // The border's colour is its first pixel's; every border pixel must be within the delta
    // of it, which a window cutting through a shape, a gradient or a textured photo fails —
    // cheaply, before the interior is read.
    let ground = px(x0, y0);
    let is_content =
        |p: [u8; 3]| (0..3).any(|c| (i32::from(p[c]) - i32::from(ground[c])).abs() > CONTENT_DELTA);
    let border = (x0..x1)
        .flat_map(|x| [(x, y0), (x, y1 - 1)])
        .chain((y0..y1).flat_map(|y| [(x0, y), (x1 - 1, y)]));
    for (x, y) in border {
        if is_content(px(x, y)) {
            return None;
        }
    }
    let (mut left, mut right, mut top, mut bottom) = (u32::MAX, 0, u32::MAX, 0);
    for y in y0 + 1..y1 - 1 {
        for x in x0 + 1..x1 - 1 {
            // A content pixel needs a content neighbour (as in `trim`): noise specks do not
            // widen the box.
            if is_content(px(x, y))
                && (is_content(px(x + 1, y))
                    || is_content(px(x - 1, y))
                    || is_content(px(x, y + 1))
                    || is_content(px(x, y - 1)))
            {
                left = left.min(x);
                right = right.max(x);
                top = top.min(y);
                bottom = bottom.max(y);
            }
        }
    }
    if left > right || top > bottom {
        return None;
    }
    let (w, h) = (right - left + 1, bottom - top + 1);
    let share = f64::from(w) * f64::from(h) / (f64::from(x1 - x0) * f64::from(y1 - y0));
    (w >= MIN_SIDE && h >= MIN_SIDE && share <= MAX_AREA_SHARE).then(|| Rect {
        x: f64::from(left),
        y: f64::from(top),
        w: f64::from(w),
        h: f64::from(h),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 40×30 dark shape on a white tile at (100, 50) of side 80, on a 250-grey page with
    /// a dark bar to the right of the tile.
    fn page() -> RgbImage {
        RgbImage::from_fn(300, 200, |x, y| {
            let grey = |v| image::Rgb([v, v, v]);
            if (120..160).contains(&x) && (70..100).contains(&y) {
                grey(20)
            } else if (100..180).contains(&x) && (50..130).contains(&y) {
                grey(255)
            } else if (200..280).contains(&x) && (60..66).contains(&y) {
                grey(170)
            } else {
                grey(250)
            }
        })
    }

    #[test]
    fn a_window_around_a_shape_on_a_plain_ground_is_trimmed_to_it() {
        let rect = Rect {
            x: 90.0,
            y: 45.0,
            w: 100.0,
            h: 100.0,
        };
        assert_eq!(
            trim_window(&page(), &rect),
            Some(Rect {
                x: 120.0,
                y: 70.0,
                w: 40.0,
                h: 30.0
            })
        );
    }

    #[test]
    fn a_window_cutting_through_content_is_not_trimmed() {
        // Its right side crosses the grey bar.
        let rect = Rect {
            x: 110.0,
            y: 30.0,
            w: 110.0,
            h: 110.0,
        };
        assert_eq!(trim_window(&page(), &rect), None);
        // Its left side crosses the dark shape.
        let rect = Rect {
            x: 140.0,
            y: 40.0,
            w: 50.0,
            h: 50.0,
        };
        assert_eq!(trim_window(&page(), &rect), None);
    }
}
