//! Perceptual hashes of registered images and listing images, and their index.
//!
//! Decoding (bounded, alpha flattened onto white and, for registered images, onto black
//! too) is [`crate::decode`]'s, shared with PDQ.
//! - `prepare`: the reduced working copy, refusing blank and tiny images.
//! - `resize`: the working copy's triangle-filter reduction (`image`'s, byte for byte).
//! - `phash`: the 64-bit DCT hash and Hamming distance.
//! - `dct`: the pHash's 16×16 → 8×8 DCT and median bits.
//! - `sample`: area-averaged samples of any rectangle, the hasher's input.
//! - `trim`: a registered image's content bounding box.
//! - `edges`: snapping windows onto nearby straight edges.
//! - `local_trim`: trimming windows to their content against their own background.
//! - `shape`: silhouettes of flat-coloured regions (a logo pasted bare onto a photo).
//! - `rotate`: tilted copies of a registered image (canvas expanded).
//! - `ramp`: a pHash with a fixed oblique weighting, for symmetric logos.
//! - `regions`: multi-scale sliding windows over a listing image.
//! - `index`: registered hashes, searched by distance.
//! - `specificity`: how close each registered hash comes to unrelated images (the shipped
//!   background set), capping how far it may match.
//! - `whole`: the single whole-image pHash (what ImageHash's `phash` computes).

mod dct;
mod edges;
mod index;
mod local_trim;
mod phash;
mod prepare;
mod ramp;
mod regions;
pub(crate) mod resize;
mod rotate;
mod sample;
mod shape;
pub mod specificity;
mod trim;
mod whole;

use image::{GrayImage, imageops};
use takedown_model::RegionHash;

pub use crate::decode::{ImageError, ImageLimits};
pub use index::{
    ImageHit, ImageIndex, IndexedImage, Reference, References, Thresholds, decide_all,
    decide_then_verify,
};
pub use phash::{PHASH64, hamming_bytes, hamming_hex};
pub use ramp::PHASH64R;
pub use shape::{SHAPE64, SHAPE64R};
pub use specificity::{Background, Cap, Specificity, SpecificityPolicy, TOO_GENERIC, specificity};
pub use whole::hash_whole;

use edges::EdgeMaps;
use phash::PHasher;
use sample::{Integral, Rect};

/// A trimmed hash is kept when the content box covers at most this share of the image:
/// below it, the canvas margin shifts the hash enough to matter.
const TRIM_MAX_AREA_SHARE: f64 = 0.90;
/// Content boxes smaller than this on a side are specks, not a logo.
const TRIM_MIN_SIDE: u32 = 16;
/// Share of a registered image kept by its partial views: a copy cropped by a third.
const PARTIAL_KEEP: f64 = 2.0 / 3.0;

/// The hashes of a registered image, in two tiers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReferenceHashes {
    /// The image as registered: whole and trimmed to its content, on each canvas.
    pub core: Vec<RegionHash>,
    /// Re-uses of it: mirrored, luminance-inverted, and partial (a third cut off). Each
    /// widens what matches, so they are compared only with a listing image's whole picture,
    /// never with its hundreds of windows.
    pub variants: Vec<RegionHash>,
}

/// The core hashes of a registered image (see [`hash_reference_views`]).
pub fn hash_reference(bytes: &[u8], limits: &ImageLimits) -> Result<Vec<RegionHash>, ImageError> {
    Ok(reference_hashes(bytes, limits, false)?.core)
}

/// Hashes of a registered image (a logo or a design view), so that its common re-uses match
/// a plain comparison of hashes:
/// - core: the whole image's PDQ hash (when its quality allows), the whole image, the image
///   trimmed to its content when the canvas around the content is large enough to matter,
///   and the silhouette of its content ([`SHAPE64`]: what differs from its background); an image with transparency is flattened onto white
///   and onto black (a white logo is invisible on white, and either may be copied onto the
///   other);
/// - variants: each core sample mirrored, with its luminance inverted (a logo reversed out
///   of a dark background or recoloured lighter than its ground), and both; partial views
///   keeping two thirds of the whole and of the content from each side (a copy cropped by a
///   third), as they are, mirrored and inverted; the whole and the content tilted by ±7.5°
///   and ±15° on an expanded canvas (a tilted copy).
///
/// None has a region: all describe the registration. A canvas with too little information
/// (a white logo on white) is skipped; the image is refused only when every canvas is.
pub fn hash_reference_views(
    bytes: &[u8],
    limits: &ImageLimits,
) -> Result<ReferenceHashes, ImageError> {
    reference_hashes(bytes, limits, true)
}

/// The core hashes, and the variants when `with_variants`.
fn reference_hashes(
    bytes: &[u8],
    limits: &ImageLimits,
    with_variants: bool,
) -> Result<ReferenceHashes, ImageError> {
    let hasher = PHasher::new();
    let mut refusal = None;
    let mut out = ReferenceHashes::default();
    for canvas in crate::decode::decode_canvases(bytes, limits)? {
        // PDQ of the canvas as decoded: 256 bits keep a thin or low-contrast logo's shape
        // through rescaling, JPEG and text overlays that flip 10–16 of the 64 pHash bits.
        if let Some(pdq) = crate::pdq::whole_region_hash(&canvas) {
            push_new(&mut out, pdq, true);
        }
        let work = match prepare::prepare(canvas) {
            Ok(work) => work,
            Err(e) => {
                refusal = Some(e);
                continue;
            }
        };
        // One content box for the trimmed samples and the silhouette: finding it is a
        // full pass over the working copy.
        let content = trim::content_bbox(&work.rgb);
        let (core, partial) = reference_samples(&work, content, with_variants);
        for sample in &core {
            push_new(&mut out, hasher.hash(sample, None), true);
            push_new(&mut out, ramp::ramped_hash(&hasher, sample, None), true);
        }
        for shape in reference_shape(&work, content, &hasher) {
            push_new(&mut out, shape, true);
        }
        if !with_variants {
            continue;
        }
        for (i, sample) in core.iter().chain(&partial).enumerate() {
            let [plain, mirrored, inverted, both] = variants(sample);
            // A core sample as it is was pushed above.
            let first = if i < core.len() { None } else { Some(plain) };
            for v in first.into_iter().chain([mirrored, inverted, both]) {
                push_new(&mut out, hasher.hash(&v, None), false);
            }
        }
        for sample in rotated_samples(&work) {
            push_new(&mut out, hasher.hash(&sample, None), false);
        }
    }
    match refusal {
        Some(e) if out.core.is_empty() => Err(e),
        _ => Ok(out),
    }
}

/// Adds `hash` to the core or variant tier unless either tier already has its bits.
fn push_new(out: &mut ReferenceHashes, hash: RegionHash, core: bool) {
    if out
        .core
        .iter()
        .chain(&out.variants)
        .any(|h| h.bits == hash.bits && h.algorithm == hash.algorithm)
    {
        return;
    }
    if core {
        out.core.push(hash);
    } else {
        out.variants.push(hash);
    }
}

/// The informative samples of a registered image's working copy: whole and trimmed to
/// its `content` box (core), and the partial views of both when `with_partials` (only the
/// variants use them).
fn reference_samples(
    work: &prepare::Working,
    content: Option<trim::PixelRect>,
    with_partials: bool,
) -> (Vec<GrayImage>, Vec<GrayImage>) {
    let integral = Integral::new(&work.gray);
    let mut rects = vec![integral.full()];
    rects.extend(content_rect_of(work, content));
    let partials: Vec<Rect> = if with_partials {
        rects.iter().flat_map(partial_views).collect()
    } else {
        Vec::new()
    };
    let informative = |rects: &[Rect]| -> Vec<GrayImage> {
        rects
            .iter()
            .map(|r| integral.sample(r))
            .filter(|s| prepare::luma_std(s) >= regions::MIN_WINDOW_STD)
            .collect()
    };
    (informative(&rects), informative(&partials))
}

/// The silhouettes (plain and ramped) of a registered image's content (see [`shape`]),
/// when it has a background to tell it from.
fn reference_shape(
    work: &prepare::Working,
    content: Option<trim::PixelRect>,
    hasher: &PHasher,
) -> Vec<RegionHash> {
    let (Some(background), Some(content)) = (trim::border_colour(&work.rgb), content) else {
        return Vec::new();
    };
    shape::reference_shape_hash(&work.rgb, background, content, hasher)
}

/// The working copy tilted by each of `rotate::ANGLES_DEG`, whole and trimmed to its
/// content (a tilted copy on a plain canvas of any size), informative samples only.
fn rotated_samples(work: &prepare::Working) -> Vec<GrayImage> {
    let mut out = Vec::new();
    for degrees in rotate::ANGLES_DEG {
        let rgb = rotate::rotate_expanded(&work.rgb, degrees);
        let gray = imageops::grayscale(&rgb);
        let turned = prepare::Working { rgb, gray };
        let integral = Integral::new(&turned.gray);
        let mut rects = vec![integral.full()];
        rects.extend(content_rect(&turned));
        out.extend(
            rects
                .iter()
                .map(|r| integral.sample(r))
                .filter(|s| prepare::luma_std(s) >= regions::MIN_WINDOW_STD),
        );
    }
    out
}

/// The content box of a working copy, when trimming it changes the picture.
fn content_rect(work: &prepare::Working) -> Option<Rect> {
    content_rect_of(work, trim::content_bbox(&work.rgb))
}

/// `content` (the working copy's content box) as a rectangle, when trimming to it changes
/// the picture.
fn content_rect_of(work: &prepare::Working, content: Option<trim::PixelRect>) -> Option<Rect> {
    // No content box (a texture with no distinct background) leaves the whole image.
    let (x, y, w, h) = content?;
    let (width, height) = work.gray.dimensions();
    let share = (f64::from(w) * f64::from(h)) / (f64::from(width) * f64::from(height));
    (share <= TRIM_MAX_AREA_SHARE && w >= TRIM_MIN_SIDE && h >= TRIM_MIN_SIDE).then(|| Rect {
        x: f64::from(x),
        y: f64::from(y),
        w: f64::from(w),
        h: f64::from(h),
    })
}

/// `rect` with a third cut from each side in turn.
fn partial_views(rect: &Rect) -> [Rect; 4] {
    let (w, h) = (rect.w * PARTIAL_KEEP, rect.h * PARTIAL_KEEP);
    [
        Rect { w, ..*rect },
        Rect {
            x: rect.x + rect.w - w,
            w,
            ..*rect
        },
        Rect { h, ..*rect },
        Rect {
            y: rect.y + rect.h - h,
            h,
            ..*rect
        },
    ]
}

/// A sample as is, mirrored, inverted, and both. Mirroring or inverting the 16×16 sample is
/// the same as sampling the mirrored or inverted image, at no extra decoding cost.
fn variants(sample: &GrayImage) -> [GrayImage; 4] {
    let mirrored = imageops::flip_horizontal(sample);
    let invert = |img: &GrayImage| {
        let mut out = img.clone();
        imageops::invert(&mut out);
        out
    };
    let inverted = invert(sample);
    let both = invert(&mirrored);
    [sample.clone(), mirrored, inverted, both]
}

/// Hashes of a listing image: the whole picture (no region) — the image as it is, its PDQ
/// hash when its quality allows, and trimmed to its content (a logo shown on a plain canvas
/// of any size) —; the silhouettes of its flat-coloured regions ([`SHAPE64`] and, ramped,
/// [`SHAPE64R`]: a logo pasted bare onto a photo); the pixels inside those regions' boxes
/// (a logo or the label it is printed on, framed exactly); and its informative windows
/// (regions as `[x, y, w, h]` fractions), each also snapped onto nearby edges and trimmed to
/// its content on a plain ground, so that a logo pasted into a product photo or shown on a
/// web page is found by the window that frames it. Snapped and trimmed windows are hashed
/// twice: plain ([`PHASH64`]) and ramped ([`PHASH64R`], which a symmetric emblem does not
/// defeat).
pub fn hash_query(bytes: &[u8], limits: &ImageLimits) -> Result<Vec<RegionHash>, ImageError> {
    let rgb = QuerySteps::decode(bytes, limits)?;
    let pdq = QuerySteps::pdq(&rgb);
    let mut steps = QuerySteps::prepare(rgb, pdq)?;
    steps.shapes();
    steps.boxes();
    steps.edge_maps();
    steps.windows();
    Ok(steps.into_hashes())
}

/// [`hash_query`] of a listing image already decoded with [`QuerySteps::decode`]: the same
/// hashes, for a caller that also extracts the photo's local features
/// ([`crate::verify::extract`] of [`crate::verify::to_gray`]) and so decodes it only once.
pub fn hash_query_decoded(rgb: &image::RgbImage) -> Result<Vec<RegionHash>, ImageError> {
    let pdq = QuerySteps::pdq(rgb);
    let mut steps = QuerySteps::prepare_decoded(rgb, pdq)?;
    steps.shapes();
    steps.boxes();
    steps.edge_maps();
    steps.windows();
    Ok(steps.into_hashes())
}

/// [`hash_query`] one step at a time, so that the query bench (`benches/query.rs`) can time
/// each: `hash_query` is exactly these calls, in this order.
pub struct QuerySteps {
    /// The working copy every pHash is computed from.
    work: prepare::Working,
    /// The working copy's summed-area table: every sample's source.
    integral: Integral,
    hasher: PHasher,
    /// The hashes so far, in `hash_query`'s order.
    hashes: Vec<RegionHash>,
    /// The boxes of the silhouettes, hashed as windows by [`QuerySteps::boxes`].
    boxes: Vec<Rect>,
    /// Computed by [`QuerySteps::edge_maps`] (or by [`QuerySteps::windows`] if not yet).
    edges: Option<EdgeMaps>,
}

impl QuerySteps {
    /// Decodes the listing image within `limits` (alpha flattened onto white).
    pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<image::RgbImage, ImageError> {
        crate::decode::decode_rgb(bytes, limits)
    }

    /// The decoded image's PDQ hash, when its quality allows.
    pub fn pdq(rgb: &image::RgbImage) -> Option<RegionHash> {
        crate::pdq::whole_region_hash(rgb)
    }

    /// The working copy (refusing tiny and blank images), and the whole picture's hashes:
    /// the pHash, then `pdq`, then the pHash trimmed to the content when that differs.
    pub fn prepare(rgb: image::RgbImage, pdq: Option<RegionHash>) -> Result<Self, ImageError> {
        Ok(Self::from_work(prepare::prepare(rgb)?, pdq))
    }

    /// [`Self::prepare`] of an image the caller keeps.
    pub fn prepare_decoded(
        rgb: &image::RgbImage,
        pdq: Option<RegionHash>,
    ) -> Result<Self, ImageError> {
        Ok(Self::from_work(prepare::prepare_borrowed(rgb)?, pdq))
    }

    /// The whole picture's hashes from its working copy.
    fn from_work(work: prepare::Working, pdq: Option<RegionHash>) -> Self {
        let hasher = PHasher::new();
        let integral = Integral::new(&work.gray);
        let mut hashes = vec![hasher.hash(&integral.sample(&integral.full()), None)];
        hashes.extend(pdq);
        if let Some(content) = content_rect(&work) {
            let hash = hasher.hash(&integral.sample(&content), None);
            if hash.bits != hashes[0].bits {
                hashes.push(hash);
            }
        }
        QuerySteps {
            work,
            integral,
            hasher,
            hashes,
            boxes: Vec::new(),
            edges: None,
        }
    }

    /// The silhouettes of the flat-coloured regions, and their boxes for [`Self::boxes`].
    pub fn shapes(&mut self) {
        let (shapes, boxes) = shape::shape_hashes(&self.work.rgb, &self.hasher);
        self.hashes.extend(shapes);
        self.boxes = boxes;
    }

    /// The pixels inside the silhouettes' boxes.
    pub fn boxes(&mut self) {
        let boxes = std::mem::take(&mut self.boxes);
        self.hashes
            .extend(regions::box_hashes(&self.integral, &boxes, &self.hasher));
    }

    /// The edge measurements the windows are snapped with.
    pub fn edge_maps(&mut self) {
        self.edges = Some(EdgeMaps::new(&self.work.rgb));
    }

    /// The informative windows, each also snapped onto nearby edges and trimmed to its
    /// content.
    pub fn windows(&mut self) {
        let edges = self
            .edges
            .take()
            .unwrap_or_else(|| EdgeMaps::new(&self.work.rgb));
        self.hashes.extend(regions::window_hashes(
            &self.work.rgb,
            &self.integral,
            &edges,
            &self.hasher,
        ));
    }

    /// The hashes, in `hash_query`'s order.
    pub fn into_hashes(self) -> Vec<RegionHash> {
        self.hashes
    }
}
