//! Finding a registered image's content: the bounding box of what differs from its
//! background.
//!
//! A logo is registered on some canvas (white, a brand colour), but counterfeits paste the
//! logo trimmed, or on another canvas; hashing the trimmed content too covers both.

use image::RgbImage;

/// A channel difference above this counts as content: JPEG ringing around edges stays below
/// it, any deliberately drawn colour does not.
const CONTENT_DELTA: i32 = 40;
/// A pixel rectangle: x, y, width, height.
pub(crate) type PixelRect = (u32, u32, u32, u32);

/// The bounding box of the pixels that differ from the background colour (the commonest
/// colour of the border), or None when nothing does.
pub(crate) fn content_bbox(rgb: &RgbImage) -> Option<PixelRect> {
    let background = border_colour(rgb)?;
    let (width, height) = rgb.dimensions();
    let (w, h) = (width as usize, height as usize);
    let mask: Vec<bool> = rgb
        .pixels()
        .map(|p| {
            p.0.iter()
                .zip(background)
                .any(|(&c, b)| (i32::from(c) - i32::from(b)).abs() > CONTENT_DELTA)
        })
        .collect();
    // A content pixel with no content neighbour is a speck of noise; a one-pixel stroke,
    // even a diagonal one, always has a neighbour and belongs to the logo.
    let has_neighbour = |x: usize, y: usize| {
        (y.saturating_sub(1)..=(y + 1).min(h - 1)).any(|ny| {
            (x.saturating_sub(1)..=(x + 1).min(w - 1))
                .any(|nx| (nx, ny) != (x, y) && mask[ny * w + nx])
        })
    };
    let mut row_counts = vec![0u32; h];
    let mut col_counts = vec![0u32; w];
    for y in 0..h {
        for x in 0..w {
            if mask[y * w + x] && has_neighbour(x, y) {
                row_counts[y] += 1;
                col_counts[x] += 1;
            }
        }
    }
    let (top, bottom) = span(&row_counts)?;
    let (left, right) = span(&col_counts)?;
    Some((left, top, right - left + 1, bottom - top + 1))
}

/// First and last index with any content.
fn span(counts: &[u32]) -> Option<(u32, u32)> {
    let first = counts.iter().position(|&c| c > 0)?;
    let last = counts.iter().rposition(|&c| c > 0)?;
    Some((first as u32, last as u32))
}

/// The commonest colour on the image's border, quantised to 4 bits a channel so that JPEG
/// noise does not split it, returned as the mean of the pixels in that bin.
pub(crate) fn border_colour(rgb: &RgbImage) -> Option<[u8; 3]> {
    let (width, height) = rgb.dimensions();
    if width == 0 || height == 0 {
        return None;
    }
    let border = (0..width)
        .flat_map(|x| [(x, 0), (x, height - 1)])
        .chain((0..height).flat_map(|y| [(0, y), (width - 1, y)]));
    let bin = |p: [u8; 3]| {
        (usize::from(p[0] >> 4) << 8) | (usize::from(p[1] >> 4) << 4) | usize::from(p[2] >> 4)
    };
    let mut counts = vec![(0u32, [0u64; 3]); 1 << 12];
    for (x, y) in border {
        let p = rgb.get_pixel(x, y).0;
        let entry = &mut counts[bin(p)];
        entry.0 += 1;
        for (sum, c) in entry.1.iter_mut().zip(p) {
            *sum += u64::from(c);
        }
    }
    let (count, sums) = counts.iter().max_by_key(|(count, _)| *count)?;
    if *count == 0 {
        return None;
    }
    Some(sums.map(|s| (s / u64::from(*count)) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_box_of_a_shape_on_a_plain_canvas() {
        let rgb = RgbImage::from_fn(100, 80, |x, y| {
            if (20..50).contains(&x) && (10..70).contains(&y) {
                image::Rgb([200, 0, 0])
            } else {
                image::Rgb([250, 250, 250])
            }
        });
        assert_eq!(content_bbox(&rgb), Some((20, 10, 30, 60)));
    }

    #[test]
    fn thin_strokes_count_and_isolated_specks_do_not() {
        let mut rgb = RgbImage::from_pixel(100, 100, image::Rgb([255, 255, 255]));
        for i in 0..30 {
            rgb.put_pixel(40 + i, 60 - i, image::Rgb([0, 0, 0])); // a 1-px diagonal stroke
        }
        rgb.put_pixel(5, 90, image::Rgb([0, 0, 0])); // a speck
        assert_eq!(content_bbox(&rgb), Some((40, 31, 30, 30)));
    }

    #[test]
    fn a_plain_canvas_has_no_content() {
        let rgb = RgbImage::from_pixel(50, 50, image::Rgb([3, 90, 200]));
        assert_eq!(content_bbox(&rgb), None);
    }
}
