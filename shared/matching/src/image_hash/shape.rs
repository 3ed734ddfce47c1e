//! Shape hashes: the silhouette of a flat-coloured logo, whatever it is shown on.
//!
//! A logo with transparency pasted bare onto a photo keeps only its shape: the photo shows
//! through its holes and around it, so no window of the photo looks like the registered
//! logo on white or black. But the logo's pixels are one flat colour, which sets them apart
//! from a photo's gradients and texture. A listing image is split into connected regions of
//! one colour (nearby regions of the same colour grouped, for logos in several pieces), and
//! each region's silhouette — white where the region is, black elsewhere, within its box —
//! is hashed with the same 64-bit pHash as everything else, under its own algorithm name
//! ([`SHAPE64`]) so that silhouettes are only ever compared with silhouettes, and ramped
//! ([`SHAPE64R`], see [`super::ramp`]: a symmetric emblem's plain bits are noise). A
//! registered image's silhouette is its content mask: the pixels that differ from its
//! background. The boxes of the silhouettes are returned too: each frames a candidate logo
//! (or the label it is printed on), which is hashed as a window of the picture.

use image::{GrayImage, Luma, RgbImage};
use takedown_model::RegionHash;

use super::phash::PHasher;
use super::ramp::ramped_hash;
use super::sample::{Integral, Rect};

/// The algorithm name stored in [`RegionHash::algorithm`] for silhouette hashes.
pub const SHAPE64: &str = "shape64";
/// The algorithm name of ramped silhouette hashes (see [`super::ramp`]): a symmetric
/// emblem's silhouette, which plain pHash bits cannot pin down.
pub const SHAPE64R: &str = "shape64r";

/// A pixel belongs to a region when no channel differs from the region's first pixel by
/// more than this: JPEG noise on a flat fill stays within it, a photo's gradient leaves it
/// within a few dozen pixels.
const REGION_DELTA: i32 = 24;
/// A registered image's content mask: pixels whose channel differs from the background by
/// more than this (as in `trim`).
const CONTENT_DELTA: i32 = 40;
/// Silhouettes smaller than this on a side (working pixels) carry too little shape.
const MIN_SIDE: u32 = 20;
/// Regions this small take no part in grouping (noise, anti-aliased fringes).
const MIN_PIECE_AREA: usize = 12;
/// Two same-coloured regions are grouped when their boxes, each widened by this share of
/// its larger side, overlap: the letters of a word mark, the parts of an emblem.
const GROUP_REACH: f64 = 0.15;
/// A silhouette filling less than this share of its box is a thin outline or scattered
/// specks; more than this, a filled rectangle: neither has a shape worth matching.
const MIN_FILL: f64 = 0.08;
const MAX_FILL: f64 = 0.97;
/// A region whose box covers more than this share of the image is the backdrop.
const MAX_BOX_SHARE: f64 = 0.8;
/// At most this many silhouettes per listing image, the largest first: each one is another
/// chance of a coincidental match.
const MAX_SHAPES: usize = 48;

/// One connected region of one colour.
struct Piece {
    colour: [u8; 3],
    area: usize,
    /// Inclusive pixel box: left, top, right, bottom.
    bbox: [u32; 4],
}

/// Silhouette hashes (plain and ramped) of a listing image's flat-coloured regions, with
/// their regions as fractions of the image, and the regions' boxes in working pixels.
pub(crate) fn shape_hashes(rgb: &RgbImage, hasher: &PHasher) -> (Vec<RegionHash>, Vec<Rect>) {
    let (width, height) = rgb.dimensions();
    let (labels, pieces) = label_regions(rgb);
    let groups = group_pieces(&pieces);
    let image_area = f64::from(width) * f64::from(height);
    let mut candidates: Vec<(usize, [u32; 4], Vec<usize>)> = groups
        .into_iter()
        .filter_map(|members| {
            let area: usize = members.iter().map(|&i| pieces[i].area).sum();
            let bbox = members.iter().map(|&i| pieces[i].bbox).reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            })?;
            let (w, h) = (bbox[2] - bbox[0] + 1, bbox[3] - bbox[1] + 1);
            let box_area = f64::from(w) * f64::from(h);
            let fill = area as f64 / box_area;
            let plausible = w >= MIN_SIDE
                && h >= MIN_SIDE
                && box_area <= image_area * MAX_BOX_SHARE
                && (MIN_FILL..=MAX_FILL).contains(&fill);
            plausible.then_some((area, bbox, members))
        })
        .collect();
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    candidates.truncate(MAX_SHAPES);
    let mut out: Vec<RegionHash> = Vec::new();
    let mut boxes = Vec::new();
    // Whether each label belongs to the candidate at hand: set and cleared per candidate,
    // so that building a mask is one lookup per pixel (a search of the group's members per
    // pixel, over boxes of up to most of the image, was half of finding silhouettes).
    let mut member = vec![false; pieces.len()];
    for (_, bbox, members) in candidates {
        members.iter().for_each(|&m| member[m] = true);
        let (bw, bh) = (bbox[2] - bbox[0] + 1, bbox[3] - bbox[1] + 1);
        let mut pixels = vec![0u8; bw as usize * bh as usize];
        for (y, out_row) in pixels.chunks_exact_mut(bw as usize).enumerate() {
            let start = (bbox[1] as usize + y) * width as usize + bbox[0] as usize;
            let row = labels.get(start..start + bw as usize).unwrap_or(&[]);
            for (out, &label) in out_row.iter_mut().zip(row) {
                if member.get(label).copied().unwrap_or(false) {
                    *out = 255;
                }
            }
        }
        members.iter().for_each(|&m| member[m] = false);
        let mask = GrayImage::from_raw(bw, bh, pixels).unwrap_or_else(|| GrayImage::new(bw, bh));
        let rect = Rect {
            x: f64::from(bbox[0]),
            y: f64::from(bbox[1]),
            w: f64::from(bbox[2] - bbox[0] + 1),
            h: f64::from(bbox[3] - bbox[1] + 1),
        };
        for hash in silhouette_hashes(&mask, hasher, Some(rect.fractions(width, height))) {
            if !out
                .iter()
                .any(|h| h.bits == hash.bits && h.algorithm == hash.algorithm)
            {
                out.push(hash);
            }
        }
        boxes.push(rect);
    }
    (out, boxes)
}

/// The silhouette hashes (plain and ramped) of a registered image's working copy: its
/// content mask (what differs from the border's colour, `background`) within the content box
/// `bbox` (x, y, w, h); none when the box is too small or the mask too thin or too full.
pub(crate) fn reference_shape_hash(
    rgb: &RgbImage,
    background: [u8; 3],
    bbox: (u32, u32, u32, u32),
    hasher: &PHasher,
) -> Vec<RegionHash> {
    let (x0, y0, w, h) = bbox;
    if w < MIN_SIDE || h < MIN_SIDE {
        return Vec::new();
    }
    let mut area = 0usize;
    let mask = GrayImage::from_fn(w, h, |x, y| {
        let p = rgb.get_pixel(x0 + x, y0 + y).0;
        let content =
            (0..3).any(|c| (i32::from(p[c]) - i32::from(background[c])).abs() > CONTENT_DELTA);
        area += usize::from(content);
        Luma([if content { 255 } else { 0 }])
    });
    let fill = area as f64 / (f64::from(w) * f64::from(h));
    if !(MIN_FILL..=MAX_FILL).contains(&fill) {
        return Vec::new();
    }
    silhouette_hashes(&mask, hasher, None)
}

fn silhouette_hashes(
    mask: &GrayImage,
    hasher: &PHasher,
    region: Option<[f32; 4]>,
) -> Vec<RegionHash> {
    let integral = Integral::new(mask);
    let sample = integral.sample(&integral.full());
    let mut hash = hasher.hash(&sample, region);
    hash.algorithm = SHAPE64.to_string();
    let mut ramped = ramped_hash(hasher, &sample, region);
    ramped.algorithm = SHAPE64R.to_string();
    vec![hash, ramped]
}

/// Labels every pixel with its region (4-connected, within `REGION_DELTA` of the region's
/// first pixel); returns the labels and the regions.
fn label_regions(rgb: &RgbImage) -> (Vec<usize>, Vec<Piece>) {
    let (width, height) = rgb.dimensions();
    let (w, h) = (width as usize, height as usize);
    let raw = rgb.as_raw();
    let colour = |i: usize| [raw[i * 3], raw[i * 3 + 1], raw[i * 3 + 2]];
    let mut labels = vec![usize::MAX; w * h];
    let mut pieces = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if labels[start] != usize::MAX {
            continue;
        }
        let label = pieces.len();
        let seed = colour(start);
        let near = |p: [u8; 3]| {
            (0..3).all(|c| (i32::from(p[c]) - i32::from(seed[c])).abs() <= REGION_DELTA)
        };
        let mut piece = Piece {
            colour: seed,
            area: 0,
            bbox: [u32::MAX, u32::MAX, 0, 0],
        };
        labels[start] = label;
        // Positions travel with their coordinates: deriving them from the index took a
        // division per pixel, the largest cost of labelling.
        stack.push((start, (start % w) as u32, (start / w) as u32));
        while let Some((i, x, y)) = stack.pop() {
            piece.area += 1;
            piece.bbox = [
                piece.bbox[0].min(x),
                piece.bbox[1].min(y),
                piece.bbox[2].max(x),
                piece.bbox[3].max(y),
            ];
            let mut visit = |n: usize, nx: u32, ny: u32| {
                if labels[n] == usize::MAX && near(colour(n)) {
                    labels[n] = label;
                    stack.push((n, nx, ny));
                }
            };
            // The same neighbours in the same order as before (the order changes nothing:
            // a region is every pixel near its seed's colour connected to it).
            if x > 0 {
                visit(i - 1, x - 1, y);
            }
            if x + 1 < width {
                visit(i + 1, x + 1, y);
            }
            if y > 0 {
                visit(i - w, x, y - 1);
            }
            if y + 1 < height {
                visit(i + w, x, y + 1);
            }
        }
        pieces.push(piece);
    }
    (labels, pieces)
}

/// Groups of pieces: every piece large enough on its own, and each set of same-coloured
/// pieces whose widened boxes chain together (a logo in several parts), when it has more
/// than one member.
fn group_pieces(pieces: &[Piece]) -> Vec<Vec<usize>> {
    let big: Vec<usize> = (0..pieces.len())
        .filter(|&i| pieces[i].area >= MIN_PIECE_AREA)
        .collect();
    let mut parent: Vec<usize> = (0..big.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let widened = |p: &Piece| {
        let reach = GROUP_REACH * f64::from((p.bbox[2] - p.bbox[0]).max(p.bbox[3] - p.bbox[1]) + 1);
        [
            f64::from(p.bbox[0]) - reach,
            f64::from(p.bbox[1]) - reach,
            f64::from(p.bbox[2]) + reach,
            f64::from(p.bbox[3]) + reach,
        ]
    };
    for a in 0..big.len() {
        let (pa, wa) = (&pieces[big[a]], widened(&pieces[big[a]]));
        for b in a + 1..big.len() {
            let pb = &pieces[big[b]];
            let same_colour = (0..3)
                .all(|c| (i32::from(pa.colour[c]) - i32::from(pb.colour[c])).abs() <= REGION_DELTA);
            let wb = widened(pb);
            let overlap = wa[0] <= wb[2] && wb[0] <= wa[2] && wa[1] <= wb[3] && wb[1] <= wa[3];
            if same_colour && overlap {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                parent[ra] = rb;
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (k, &piece) in big.iter().enumerate() {
        let r = root(&mut parent, k);
        groups.entry(r).or_default().push(piece);
    }
    let mut out: Vec<Vec<usize>> = big.iter().map(|&i| vec![i]).collect();
    out.extend(groups.into_values().filter(|g| g.len() > 1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring (a flat-coloured logo with a hole) drawn over `ground`.
    fn ring_on(ground: impl Fn(u32, u32) -> [u8; 3], cx: f64, cy: f64) -> RgbImage {
        RgbImage::from_fn(320, 240, |x, y| {
            let r = ((f64::from(x) - cx).powi(2) + (f64::from(y) - cy).powi(2)).sqrt();
            let bar = (f64::from(x) - cx).abs() < 8.0 && f64::from(y) > cy;
            if (25.0..50.0).contains(&r) || (bar && r < 60.0) {
                image::Rgb([200, 30, 40])
            } else {
                image::Rgb(ground(x, y))
            }
        })
    }

    #[test]
    fn a_flat_logo_on_a_photo_has_the_silhouette_of_the_same_logo_on_white() {
        let hasher = PHasher::new();
        let white = ring_on(|_, _| [255; 3], 160.0, 120.0);
        let bbox = crate::image_hash::trim::content_bbox(&white).expect("content");
        let reference = reference_shape_hash(&white, [255; 3], bbox, &hasher).remove(0);
        // A textured, lit ground: every pixel differs from its neighbours.
        let photo = ring_on(
            |x, y| {
                let v = (40 + (x * 7 + y * 13) % 60 + y / 3) as u8;
                [v, v / 2 + 60, 255 - v]
            },
            120.0,
            110.0,
        );
        let (shapes, _) = shape_hashes(&photo, &hasher);
        assert!(shapes.iter().all(|h| {
            [SHAPE64, SHAPE64R].contains(&h.algorithm.as_str()) && h.region.is_some()
        }));
        let best = shapes
            .iter()
            .filter(|h| h.algorithm == SHAPE64)
            .filter_map(|h| crate::hamming_hex(&h.bits, &reference.bits))
            .min();
        assert!(
            best.is_some_and(|d| d <= 2),
            "closest silhouette at {best:?}"
        );
    }

    #[test]
    fn a_plain_gradient_has_no_silhouette() {
        let hasher = PHasher::new();
        let ramp = RgbImage::from_fn(320, 240, |x, _| image::Rgb([(x * 255 / 320) as u8; 3]));
        assert!(shape_hashes(&ramp, &hasher).0.is_empty());
    }
}
