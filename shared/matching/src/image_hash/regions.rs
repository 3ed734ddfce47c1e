//! Multi-scale sliding windows over a listing image, each hashed on its own.
//!
//! A whole-image hash does not survive a logo being pasted into a product photo (the
//! photo dominates it). Square windows at several sizes and positions come close to the
//! pasted logo; each is also snapped onto nearby straight edges (see [`super::edges`]), which
//! frames a pasted tile almost exactly, and the boxes of flat-coloured regions are windows
//! too. Snapped and trimmed windows — the ones that frame something — are hashed plain and
//! ramped ([`super::ramp`]): the plain bits of a symmetric emblem are decided by noise, the
//! ramped ones are not. Ramping the plain grid windows as well found nothing more on the
//! dataset and cost 60 % more hashes.

use std::collections::HashSet;

use takedown_model::RegionHash;

use image::RgbImage;

use super::edges::EdgeMaps;
use super::local_trim::trim_window;
use super::phash::PHasher;
use super::prepare::luma_std;
use super::ramp::ramped_hash;
use super::sample::{Integral, Rect};

/// Window sides as fractions of the image's short side: the smallest and the largest.
const MIN_FRACTION: f64 = 0.30;
const MAX_FRACTION: f64 = 0.85;
/// Windows smaller than this many working pixels hold less than one pixel per cell of the
/// hasher's 16×16 input (only very elongated images, shrunk to fit, get there).
const MIN_WINDOW_PX: f64 = 16.0;
/// Ratio between consecutive window sizes.
const SCALE_STEP: f64 = 1.15;
/// Step between window positions, as a share of the window's side.
const STRIDE_SHARE: f64 = 0.125;
/// Windows whose sample varies less than this (luminance standard deviation) are flat
/// background; their hashes are noise that would match unrelated flat windows elsewhere.
pub(crate) const MIN_WINDOW_STD: f32 = 12.0;

/// Hashes of the informative windows of the working image (`rgb`, whose luminance `integral`
/// sums), with their regions as fractions of the image: grid windows, each also snapped onto
/// nearby edges and trimmed to the content it frames on a plain ground.
pub(crate) fn window_hashes(
    rgb: &RgbImage,
    integral: &Integral,
    edges: &EdgeMaps,
    hasher: &PHasher,
) -> Vec<RegionHash> {
    let (width, height) = (integral.width(), integral.height());
    let short = f64::from(width.min(height));
    let mut seen: HashSet<[i64; 4]> = HashSet::new();
    let mut hashes = Vec::new();
    // `ramped`: also hash the window ramped (snapped and trimmed windows only).
    let mut hash_once = |rect: Rect, ramped: bool, hashes: &mut Vec<RegionHash>| {
        // Snapped windows from neighbouring grid windows often coincide.
        let key = [rect.x, rect.y, rect.w, rect.h].map(|v| (v * 2.0).round() as i64);
        if !seen.insert(key) {
            return;
        }
        let sample = integral.sample(&rect);
        if luma_std(&sample) >= MIN_WINDOW_STD {
            let region = Some(rect.fractions(width, height));
            hashes.push(hasher.hash(&sample, region));
            if ramped {
                hashes.push(ramped_hash(hasher, &sample, region));
            }
        }
    };
    let mut side = (short * MIN_FRACTION).max(MIN_WINDOW_PX);
    while side <= short * MAX_FRACTION + 1e-9 {
        for y in positions(f64::from(height), side) {
            for x in positions(f64::from(width), side) {
                let rect = Rect {
                    x,
                    y,
                    w: side,
                    h: side,
                };
                hash_once(rect, false, &mut hashes);
                if let Some(snapped) = edges.snap(&rect) {
                    hash_once(snapped, true, &mut hashes);
                }
                if let Some(trimmed) = trim_window(rgb, &rect) {
                    hash_once(trimmed, true, &mut hashes);
                }
            }
        }
        side *= SCALE_STEP;
    }
    hashes
}

/// Plain pHashes of the informative `boxes` of the working image whose luminance `integral`
/// sums: the boxes of flat-coloured regions ([`super::shape`]), each a candidate logo or
/// label, framed to the pixel where a grid window or its snapped version is off by a
/// fraction of one. Not ramped: measured on the dataset, ramped boxes brought 3 more logos in
/// scenes and one more distractor (a logo in a scene 2 bits from another's).
pub(crate) fn box_hashes(integral: &Integral, boxes: &[Rect], hasher: &PHasher) -> Vec<RegionHash> {
    let (width, height) = (integral.width(), integral.height());
    let mut hashes: Vec<RegionHash> = Vec::new();
    for rect in boxes {
        let sample = integral.sample(rect);
        if luma_std(&sample) < MIN_WINDOW_STD {
            continue;
        }
        let hash = hasher.hash(&sample, Some(rect.fractions(width, height)));
        // A group and its largest piece often share a box.
        if !hashes.iter().any(|h| h.bits == hash.bits) {
            hashes.push(hash);
        }
    }
    hashes
}

/// Window offsets along an axis of `len` pixels. The last one is pinned to the far edge so
/// that a logo in a corner is covered as well as one in the middle.
fn positions(len: f64, side: f64) -> Vec<f64> {
    let last = (len - side).max(0.0);
    let stride = side * STRIDE_SHARE;
    let mut out: Vec<f64> = (0..)
        .map(|i| i as f64 * stride)
        .take_while(|&p| p < last - 0.5)
        .collect();
    out.push(last);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, GrayImage};

    #[test]
    fn positions_cover_both_edges() {
        assert_eq!(positions(32.0, 32.0), vec![0.0]);
        assert_eq!(positions(42.0, 32.0), vec![0.0, 4.0, 8.0, 10.0]);
    }

    #[test]
    fn a_thin_banner_gets_no_windows_below_the_sample_size() {
        let hasher = PHasher::new();
        let banner = GrayImage::from_fn(1024, 12, |x, y| {
            image::Luma([((x * 5 + y * 40) % 256) as u8])
        });
        let rgb = DynamicImage::ImageLuma8(banner.clone()).into_rgb8();
        assert!(
            window_hashes(&rgb, &Integral::new(&banner), &EdgeMaps::new(&rgb), &hasher).is_empty()
        );
    }

    #[test]
    fn flat_windows_are_skipped_and_regions_lie_inside_the_image() {
        let hasher = PHasher::new();
        let flat = GrayImage::from_pixel(256, 256, image::Luma([128]));
        let flat_rgb = DynamicImage::ImageLuma8(flat.clone()).into_rgb8();
        assert!(
            window_hashes(
                &flat_rgb,
                &Integral::new(&flat),
                &EdgeMaps::new(&flat_rgb),
                &hasher
            )
            .is_empty()
        );

        let busy = GrayImage::from_fn(341, 256, |x, y| {
            image::Luma([((x * 7 + y * 13) % 256) as u8])
        });
        let busy_rgb = DynamicImage::ImageLuma8(busy.clone()).into_rgb8();
        let hashes = window_hashes(
            &busy_rgb,
            &Integral::new(&busy),
            &EdgeMaps::new(&busy_rgb),
            &hasher,
        );
        assert!(hashes.len() > 100, "{} windows", hashes.len());
        for h in &hashes {
            let [x, y, w, hgt] = h.region.expect("windows have regions");
            assert!(
                x >= 0.0 && y >= 0.0 && x + w <= 1.0001 && y + hgt <= 1.0001,
                "{:?}",
                h.region
            );
        }
    }
}
