//! Bounded decoding of untrusted image bytes into plain RGB.
//!
//! Listing images come from anywhere, so every limit is enforced before or during decoding:
//! the byte count first (cheap, and it bounds the decoder's input), then the decoder's own
//! dimension and allocation limits, which stop decompression bombs before the pixel buffer
//! is allocated.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, RgbImage};

/// Resource limits for decoding one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest accepted encoded size, in bytes.
    pub max_bytes: usize,
    /// Largest accepted width, in pixels.
    pub max_width: u32,
    /// Largest accepted height, in pixels.
    pub max_height: u32,
    /// Largest allocation the decoder may make, in bytes.
    pub max_alloc: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_bytes: 20 * 1024 * 1024,
            max_width: 12_000,
            max_height: 12_000,
            max_alloc: 512 * 1024 * 1024,
        }
    }
}

/// Why an image was not hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("image is {len} bytes, more than the {max} allowed")]
    TooManyBytes { len: usize, max: usize },
    #[error("image cannot be decoded: {0}")]
    Undecodable(String),
    #[error("image is too large to decode: {0}")]
    TooLarge(String),
    #[error("image carries too little information to hash: {0}")]
    LowInformation(String),
}

/// Decodes `bytes` within `limits` and flattens any alpha onto white.
///
/// Animated GIFs decode to their first frame, which is what `decode` yields for them.
pub(crate) fn decode_rgb(bytes: &[u8], limits: &ImageLimits) -> Result<RgbImage, ImageError> {
    Ok(flatten_on(decode_bounded(bytes, limits)?, WHITE))
}

/// Decodes a registered image within `limits`: flattened onto white and, when it has
/// transparent pixels, also onto black. A logo file with transparency is shown on whatever
/// page or product it is copied onto: a white logo is invisible on white, a black one on
/// black, and either may be copied onto the other.
pub(crate) fn decode_canvases(
    bytes: &[u8],
    limits: &ImageLimits,
) -> Result<Vec<RgbImage>, ImageError> {
    let decoded = decode_bounded(bytes, limits)?;
    let transparent =
        decoded.color().has_alpha() && decoded.to_rgba8().pixels().any(|p| p.0[3] < u8::MAX);
    if !transparent {
        return Ok(vec![flatten_on(decoded, WHITE)]);
    }
    Ok(vec![
        flatten_on(decoded.clone(), WHITE),
        flatten_on(decoded, BLACK),
    ])
}

const WHITE: [u8; 3] = [255; 3];
const BLACK: [u8; 3] = [0; 3];

fn decode_bounded(bytes: &[u8], limits: &ImageLimits) -> Result<DynamicImage, ImageError> {
    if bytes.len() > limits.max_bytes {
        return Err(ImageError::TooManyBytes {
            len: bytes.len(),
            max: limits.max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(ImageError::Undecodable("no bytes".into()));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Undecodable(format!("cannot read the header: {e}")))?;
    let Some(format) = reader.format() else {
        return Err(ImageError::Undecodable(format!(
            "unknown image format (first bytes {})",
            hex::encode(&bytes[..bytes.len().min(8)])
        )));
    };
    // `Limits` is non-exhaustive, so it is built by mutating the default.
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_width);
    decoder_limits.max_image_height = Some(limits.max_height);
    decoder_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(decoder_limits);

    let decoded = reader.decode().map_err(|e| classify(e, format))?;
    // Some decoders treat the limits as advisory; the hashing code relies on them.
    if decoded.width() > limits.max_width || decoded.height() > limits.max_height {
        return Err(ImageError::TooLarge(format!(
            "{} image is {}x{}, more than {}x{}",
            format_name(format),
            decoded.width(),
            decoded.height(),
            limits.max_width,
            limits.max_height
        )));
    }
    Ok(decoded)
}

/// Maps a decoder failure to our error, naming the format and what went wrong.
fn classify(error: image::ImageError, format: ImageFormat) -> ImageError {
    let name = format_name(format);
    match error {
        image::ImageError::Limits(e) => {
            ImageError::TooLarge(format!("{name} image exceeds the decoding limits: {e}"))
        }
        image::ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImageError::Undecodable(format!("{name} data is truncated: {e}"))
        }
        image::ImageError::IoError(e) => {
            ImageError::Undecodable(format!("{name} data could not be read: {e}"))
        }
        image::ImageError::Unsupported(e) => {
            ImageError::Undecodable(format!("unsupported {name} variant: {e}"))
        }
        other => ImageError::Undecodable(format!("{name} data is corrupt or truncated: {other}")),
    }
}

fn format_name(format: ImageFormat) -> &'static str {
    format
        .extensions_str()
        .first()
        .copied()
        .unwrap_or("unknown")
}

/// Composites transparent pixels over `background`: product shots and logos with an alpha
/// channel are shown on some page, and a transparent logo must hash like the same logo on it.
fn flatten_on(image: DynamicImage, background: [u8; 3]) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    RgbImage::from_fn(width, height, |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8, under: u8| -> u8 {
            let (c, a, under) = (u32::from(c), u32::from(a), u32::from(under));
            // Rounded (c·a + under·(255−a)) / 255 stays within 0..=255.
            ((c * a + under * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([
            blend(r, background[0]),
            blend(g, background[1]),
            blend(b, background[2]),
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_pixels_become_white_and_opaque_ones_keep_their_colour() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, image::Rgba([10, 20, 30, 0]));
        rgba.put_pixel(1, 0, image::Rgba([10, 20, 30, 255]));
        let flat = flatten_on(DynamicImage::ImageRgba8(rgba.clone()), WHITE);
        assert_eq!(flat.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(flat.get_pixel(1, 0).0, [10, 20, 30]);
        let dark = flatten_on(DynamicImage::ImageRgba8(rgba), BLACK);
        assert_eq!(dark.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(dark.get_pixel(1, 0).0, [10, 20, 30]);
    }

    #[test]
    fn only_images_with_transparent_pixels_get_a_dark_canvas_too() {
        let png = |img: DynamicImage| {
            let mut out = Vec::new();
            img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
                .expect("encode");
            out
        };
        let opaque = image::RgbaImage::from_pixel(4, 4, image::Rgba([9, 9, 9, 255]));
        let limits = ImageLimits::default();
        let canvases = decode_canvases(&png(DynamicImage::ImageRgba8(opaque.clone())), &limits);
        assert_eq!(canvases.expect("decoded").len(), 1);
        let mut clear = opaque;
        clear.put_pixel(0, 0, image::Rgba([9, 9, 9, 0]));
        let canvases =
            decode_canvases(&png(DynamicImage::ImageRgba8(clear)), &limits).expect("decoded");
        assert_eq!(canvases.len(), 2);
        assert_eq!(canvases[0].get_pixel(0, 0).0, [255; 3]);
        assert_eq!(canvases[1].get_pixel(0, 0).0, [0; 3]);
    }

    #[test]
    fn unknown_bytes_are_undecodable_and_name_the_reason() {
        let err = decode_rgb(b"definitely not an image", &ImageLimits::default()).unwrap_err();
        match err {
            ImageError::Undecodable(msg) => assert!(msg.contains("unknown image format"), "{msg}"),
            other => panic!("expected Undecodable, got {other:?}"),
        }
    }
}
