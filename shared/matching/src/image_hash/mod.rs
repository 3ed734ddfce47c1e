//! Perceptual hashes of registered images and listing images, and their index.
//!
//! - `decode`: bounded decoding of untrusted bytes, alpha flattened onto white.
//! - `prepare`: the reduced working copy, refusing blank and tiny images.
//! - `phash`: the 64-bit DCT hash and Hamming distance.
//! - `sample`: area-averaged samples of any rectangle, the hasher's input.
//! - `trim`: a registered image's content bounding box.
//! - `edges`: snapping windows onto nearby straight edges.
//! - `regions`: multi-scale sliding windows over a listing image.
//! - `index`: registered hashes, searched by distance.

mod decode;
mod edges;
mod index;
mod phash;
mod prepare;
mod regions;
mod sample;
mod trim;

use takedown_model::RegionHash;

pub use decode::{ImageError, ImageLimits};
// PDQ (`crate::pdq`) decodes listing bytes with the same limits.
pub(crate) use decode::decode_rgb;
pub use index::{ImageHit, ImageIndex, IndexedImage};
pub use phash::{PHASH64, hamming_hex};

use edges::EdgeMaps;
use phash::PHasher;
use sample::{Integral, Rect};

/// A trimmed hash is kept when the content box covers at most this share of the image:
/// below it, the canvas margin shifts the hash enough to matter.
const TRIM_MAX_AREA_SHARE: f64 = 0.90;
/// Content boxes smaller than this on a side are specks, not a logo.
const TRIM_MIN_SIDE: u32 = 16;

/// Hashes of a registered image (a logo or a design view): the whole image, and the image
/// trimmed to its content when the canvas around the content is large enough to matter.
/// Both describe the registration, so neither has a region.
pub fn hash_reference(bytes: &[u8], limits: &ImageLimits) -> Result<Vec<RegionHash>, ImageError> {
    let work = prepare::prepare(decode::decode_rgb(bytes, limits)?)?;
    let hasher = PHasher::new();
    let integral = Integral::new(&work.gray);
    let whole = hasher.hash(&integral.sample(&integral.full()), None);
    let mut trimmed = None;
    // No content box (a texture with no distinct background) leaves the whole-image hash.
    if let Some((x, y, w, h)) = trim::content_bbox(&work.rgb) {
        let (width, height) = work.gray.dimensions();
        let share = (f64::from(w) * f64::from(h)) / (f64::from(width) * f64::from(height));
        if share <= TRIM_MAX_AREA_SHARE && w >= TRIM_MIN_SIDE && h >= TRIM_MIN_SIDE {
            let rect = Rect {
                x: f64::from(x),
                y: f64::from(y),
                w: f64::from(w),
                h: f64::from(h),
            };
            let hash = hasher.hash(&integral.sample(&rect), None);
            trimmed = (hash.bits != whole.bits).then_some(hash);
        }
    }
    Ok(std::iter::once(whole).chain(trimmed).collect())
}

/// Hashes of a listing image: the whole image (no region) and its informative windows
/// (regions as `[x, y, w, h]` fractions), so that a logo pasted into a product photo is
/// found by the window that frames it.
pub fn hash_query(bytes: &[u8], limits: &ImageLimits) -> Result<Vec<RegionHash>, ImageError> {
    let work = prepare::prepare(decode::decode_rgb(bytes, limits)?)?;
    let hasher = PHasher::new();
    let integral = Integral::new(&work.gray);
    let mut hashes = vec![hasher.hash(&integral.sample(&integral.full()), None)];
    hashes.extend(regions::window_hashes(
        &integral,
        &EdgeMaps::new(&work.rgb),
        &hasher,
    ));
    Ok(hashes)
}
