//! PDQ, Meta's 256-bit perceptual hash with its quality score, bit-identical to the
//! reference implementation (ThreatExchange `pdq`, as wrapped by PyPI `pdqhash`).
//!
//! Steps: luminance in float; Jarosz box-filter blur and decimation to 64×64
//! ([`jarosz`]); a 16×16 partial DCT; one bit per coefficient above the median; quality from
//! the 64×64 gradients ([`dct`]). The eight rotations and mirrors come from the same DCT by
//! sign flips and transposition, at almost no cost.
//!
//! Hand-written because the maintained crate (`pdqhash` 0.1) pins `image` 0.23 while this
//! workspace uses 0.25; the test vectors in `tests/pdq.rs` hold it to the reference.
//!
//! Luminance is computed as PyPI `pdqhash` computes it (`0.299 R + 0.587 G + 0.114 B` in
//! `f64`, stored as `f32`); Meta's C++ command-line tool multiplies in `f32`, which can differ
//! in the last bit of a pixel's luminance and so, rarely, in a bit or two of the hash.

mod dct;
mod jarosz;

use std::cell::RefCell;

use image::{DynamicImage, RgbImage};
use takedown_model::RegionHash;

use crate::decode::{ImageError, ImageLimits, decode_rgb};

pub use dct::Dihedral;

/// The algorithm name stored in [`RegionHash::algorithm`] for PDQ hashes.
pub const PDQ256: &str = "pdq256";
/// Below this quality the reference advises that a hash is not discriminative enough to
/// match on (flat or nearly flat images).
pub const PDQ_MIN_QUALITY: u32 = 50;
/// Images smaller than this on a side are not hashed (the reference's limit); their hash is
/// all zeros with quality 0.
const MIN_HASHABLE_SIDE: u32 = 5;
/// [`pdq_region_hashes`] reduces larger images by an integer box average first, so that
/// the two float buffers (8 bytes per pixel) stay within 134 MB; PDQ looks at 64×64 in the
/// end. Phone photos (4032×3024) stay under it and hash exactly as the reference does.
const REGION_MAX_SIDE: u32 = 4096;

/// A PDQ hash: 256 bits (the reference's number, big-endian) and its quality, 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PdqHash {
    /// The 256 bits, big-endian as the reference prints them.
    pub bits: [u8; 32],
    /// How much structure the image had, 0..=100; below `PDQ_MIN_QUALITY` the hash is not
    /// trusted.
    pub quality: u32,
}

impl PdqHash {
    /// The 64 hex digits the reference prints.
    pub fn to_hex(&self) -> String {
        hex::encode(self.bits)
    }

    /// Number of differing bits.
    pub fn distance(&self, other: &PdqHash) -> u32 {
        hamming_256(&self.bits, &other.bits)
    }
}

/// Parses 64 hex digits into hash bits.
pub fn pdq_bits_from_hex(hex_digits: &str) -> Option<[u8; 32]> {
    let mut bits = [0u8; 32];
    hex::decode_to_slice(hex_digits, &mut bits).ok()?;
    Some(bits)
}

/// Number of differing bits between two 256-bit hashes.
pub fn hamming_256(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

/// The PDQ hash of an image, alpha ignored (as the reference reads RGB).
pub fn pdq_hash(image: &DynamicImage) -> PdqHash {
    let (block, quality) = match image {
        DynamicImage::ImageRgb8(rgb) => pdq_dct(rgb),
        other => pdq_dct(&other.to_rgb8()),
    };
    PdqHash {
        bits: block.as_ref().map_or([0; 32], dct::to_bits),
        quality,
    }
}

/// The PDQ hashes of the image under the eight rotations and mirrors, in [`Dihedral::ALL`]
/// order, with the (shared) quality: what a query hashes to find a mirrored or rotated copy.
pub fn pdq_hash_dihedral(image: &DynamicImage) -> ([PdqHash; 8], u32) {
    let (block, quality) = pdq_dct(&image.to_rgb8());
    let hashes = Dihedral::ALL.map(|d| PdqHash {
        bits: block
            .as_ref()
            .map_or([0; 32], |b| dct::to_bits(&d.apply(b))),
        quality,
    });
    (hashes, quality)
}

/// A whole-image PDQ [`RegionHash`] of encoded image bytes, decoded within `limits` (alpha
/// flattened onto white). Refuses images whose PDQ quality is below [`PDQ_MIN_QUALITY`].
///
/// Images larger than 4096 px on a side are first reduced by an integer box average, which
/// bounds memory and can move some bits relative to hashing the full-size image (none to a
/// few on natural images; synthetic symmetric patterns, whose DCT coefficients sit near
/// zero, can move many).
pub fn pdq_region_hashes(
    bytes: &[u8],
    limits: &ImageLimits,
) -> Result<Vec<RegionHash>, ImageError> {
    let rgb = bounded(decode_rgb(bytes, limits)?);
    let (width, height) = rgb.dimensions();
    let (block, quality) = pdq_dct(&rgb);
    let Some(block) = block.filter(|_| quality >= PDQ_MIN_QUALITY) else {
        return Err(ImageError::LowInformation(format!(
            "PDQ quality {quality} of the {width}x{height} image is below {PDQ_MIN_QUALITY}"
        )));
    };
    Ok(vec![RegionHash {
        algorithm: PDQ256.to_string(),
        bits: hex::encode(dct::to_bits(&block)),
        region: None,
    }])
}

/// The whole-image PDQ [`RegionHash`] of a decoded image, or None when its quality is below
/// [`PDQ_MIN_QUALITY`] (a flat image: its bits would be noise). The perceptual-hash index
/// stores it beside the 64-bit hashes (`image_hash::hash_query`, `hash_reference_views`).
pub(crate) fn whole_region_hash(rgb: &RgbImage) -> Option<RegionHash> {
    let (block, quality) = if rgb.width().max(rgb.height()) > REGION_MAX_SIDE {
        pdq_dct(&bounded(rgb.clone()))
    } else {
        pdq_dct(rgb)
    };
    let block = block.filter(|_| quality >= PDQ_MIN_QUALITY)?;
    Some(RegionHash {
        algorithm: PDQ256.to_string(),
        bits: hex::encode(dct::to_bits(&block)),
        region: None,
    })
}

thread_local! {
    /// The luminance and the filter's scratch buffer, kept between images on each thread:
    /// two fresh multi-megabyte buffers per image cost page faults and zeroing that were a
    /// sixth of PDQ's time on a photo.
    static FILTER_BUFFERS: RefCell<(Vec<f32>, Vec<f32>)> = const {
        RefCell::new((Vec::new(), Vec::new()))
    };
}

/// Buffers up to this many samples (a 2000×2000 listing photo; 32 MB for the two) are kept
/// for the next image; a larger image's are freed, so that one phone photo does not pin its
/// memory on every hashing thread.
const KEPT_BUFFER_LEN: usize = 4 << 20;

/// The 16×16 DCT block (None for images too small to hash) and the quality.
fn pdq_dct(rgb: &RgbImage) -> (Option<dct::Block>, u32) {
    let (width, height) = rgb.dimensions();
    if width < MIN_HASHABLE_SIDE || height < MIN_HASHABLE_SIDE {
        return (None, 0);
    }
    let (rows, cols) = (height as usize, width as usize);
    // Each channel's product with its weight, looked up: the same `f64` products the
    // reference computes, added in the same order, without three conversions and
    // multiplications per pixel.
    let weighted = |weight: f64| -> [f64; 256] { std::array::from_fn(|v| v as f64 * weight) };
    let (red, green, blue) = (weighted(0.299), weighted(0.587), weighted(0.114));
    let luminance = rgb.as_raw().chunks_exact(3).map(|p| {
        (red[usize::from(p[0])] + green[usize::from(p[1])] + blue[usize::from(p[2])]) as f32
    });
    let downsample = if rows == 64 && cols == 64 {
        // The reference takes a 64×64 input as the downsample itself.
        let mut a = [[0.0f32; 64]; 64];
        for (cell, v) in a.iter_mut().flatten().zip(luminance) {
            *cell = v;
        }
        a
    } else {
        FILTER_BUFFERS.with_borrow_mut(|(luma, scratch)| {
            luma.clear();
            luma.extend(luminance);
            scratch.resize(luma.len(), 0.0);
            let downsample = jarosz::jarosz_decimate_64(
                luma,
                scratch,
                rows,
                cols,
                jarosz::window_size(cols, 64),
                jarosz::window_size(rows, 64),
            );
            if luma.capacity() > KEPT_BUFFER_LEN {
                *luma = Vec::new();
                *scratch = Vec::new();
            }
            downsample
        })
    };
    let quality = dct::quality(&downsample);
    (Some(dct::dct_64_to_16(&downsample)), quality)
}

/// Reduces an image larger than [`REGION_MAX_SIDE`] by the smallest integer box factor that
/// brings its long side within it.
fn bounded(rgb: RgbImage) -> RgbImage {
    let (width, height) = rgb.dimensions();
    let long = width.max(height);
    if long <= REGION_MAX_SIDE {
        return rgb;
    }
    crate::decode::box_shrink(&rgb, long.div_ceil(REGION_MAX_SIDE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let rgb = RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([
                (x * 7 % 256) as u8,
                (y * 13 % 256) as u8,
                ((x ^ y) % 256) as u8,
            ])
        });
        let mut bytes = Vec::new();
        rgb.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode");
        bytes
    }

    #[test]
    fn a_banner_thinner_than_its_reduction_factor_is_hashed_without_panicking() {
        // 9000 px long: reduced by 3, while only 2 px high.
        let limits = ImageLimits::default();
        let result = pdq_region_hashes(&png(9000, 2), &limits);
        assert!(
            matches!(result, Err(ImageError::LowInformation(_))),
            "{result:?}"
        );
    }

    #[test]
    fn images_over_the_region_limit_are_reduced_by_an_integer_box_average() {
        let rgb = RgbImage::from_fn(4100, 9, |x, _| image::Rgb([(x % 2 * 200) as u8; 3]));
        let reduced = bounded(rgb);
        assert_eq!(reduced.dimensions(), (2050, 4));
        assert_eq!(reduced.get_pixel(0, 0).0, [100; 3]);
    }
}
