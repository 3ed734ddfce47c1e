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
    let mask: Vec<u8> = rgb
        .as_raw()
        .chunks_exact(3)
        .map(|p| {
            let differs = p
                .iter()
                .zip(background)
                .any(|(&c, b)| (i32::from(c) - i32::from(b)).abs() > CONTENT_DELTA);
            u8::from(differs)
        })
        .collect();
    // A content pixel with no content neighbour is a speck of noise; a one-pixel stroke,
    // even a diagonal one, always has a neighbour and belongs to the logo. The 3×3 count
    // around each pixel (zero outside the image) is a row sum of three column sums, whole
    // rows at a time: a neighbour search per pixel was a tenth of hashing a registration.
    let mut row_has = vec![false; h];
    let mut col_has = vec![false; w];
    let mut column_sums = vec![0u8; w];
    for (y, has) in row_has.iter_mut().enumerate() {
        let rows = &mask[y.saturating_sub(1) * w..(y + 2).min(h) * w];
        column_sums.fill(0);
        for line in rows.chunks_exact(w) {
            for (sum, &m) in column_sums.iter_mut().zip(line) {
                *sum += m;
            }
        }
        let line = &mask[y * w..(y + 1) * w];
        for x in 0..w {
            if line[x] == 0 {
                continue;
            }
            let around: u8 = column_sums[x.saturating_sub(1)..(x + 2).min(w)]
                .iter()
                .sum();
            if around > 1 {
                *has = true;
                col_has[x] = true;
            }
        }
    }
    let (top, bottom) = span(&row_has)?;
    let (left, right) = span(&col_has)?;
    Some((left, top, right - left + 1, bottom - top + 1))
}

/// First and last index with any content.
fn span(has: &[bool]) -> Option<(u32, u32)> {
    let first = has.iter().position(|&c| c)?;
    let last = has.iter().rposition(|&c| c)?;
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
    fn equals_a_neighbour_search_per_pixel_on_sparse_noise() {
        // The per-pixel search this replaced, as the oracle.
        fn oracle(rgb: &RgbImage) -> Option<PixelRect> {
            let background = border_colour(rgb)?;
            let (w, h) = (rgb.width() as usize, rgb.height() as usize);
            let mask: Vec<bool> = rgb
                .pixels()
                .map(|p| {
                    p.0.iter()
                        .zip(background)
                        .any(|(&c, b)| (i32::from(c) - i32::from(b)).abs() > CONTENT_DELTA)
                })
                .collect();
            let (mut rows, mut cols) = (vec![false; h], vec![false; w]);
            for y in 0..h {
                for x in 0..w {
                    let neighbour = (y.saturating_sub(1)..=(y + 1).min(h - 1)).any(|ny| {
                        (x.saturating_sub(1)..=(x + 1).min(w - 1))
                            .any(|nx| (nx, ny) != (x, y) && mask[ny * w + nx])
                    });
                    if mask[y * w + x] && neighbour {
                        rows[y] = true;
                        cols[x] = true;
                    }
                }
            }
            let (top, bottom) = span(&rows)?;
            let (left, right) = span(&cols)?;
            Some((left, top, right - left + 1, bottom - top + 1))
        }
        let mut seed = 0x853c_49e6_748f_ea9bu64;
        for (w, h, density) in [
            (40, 30, 97),
            (7, 9, 90),
            (64, 3, 60),
            (1, 20, 50),
            (33, 33, 99),
        ] {
            let rgb = RgbImage::from_fn(w, h, |_, _| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Mostly white, with isolated and clustered dark pixels.
                image::Rgb([if seed % 100 < density { 255 } else { 0 }; 3])
            });
            assert_eq!(content_bbox(&rgb), oracle(&rgb), "{w}x{h}");
        }
    }

    #[test]
    fn a_plain_canvas_has_no_content() {
        let rgb = RgbImage::from_pixel(50, 50, image::Rgb([3, 90, 200]));
        assert_eq!(content_bbox(&rgb), None);
    }
}
