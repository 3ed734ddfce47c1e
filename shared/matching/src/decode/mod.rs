//! Bounded decoding of untrusted image bytes into plain RGB.
//!
//! Listing images come from anywhere, so every limit is enforced before or during decoding:
//! the byte count first (cheap, and it bounds the decoder's input), then the decoder's own
//! dimension and allocation limits, which stop decompression bombs before the pixel buffer
//! is allocated.
//!
//! A cut or damaged file is an error, never a picture: JPEGs are decoded in zune-jpeg's
//! strict mode (the `image` crate always decodes them leniently, filling what is missing),
//! and every decoded file is checked to end where its format says ([`complete`]).
//!
//! Below both `image_hash` and `pdq` (each decodes with it), so neither depends on the other
//! for its input.

use std::io::Cursor;

use image::{
    DynamicImage, GrayAlphaImage, GrayImage, ImageFormat, ImageReader, RgbImage, RgbaImage,
};
use zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};

mod complete;
mod shrink;

use complete::check_complete;
pub(crate) use shrink::box_shrink;

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
    /// More bytes than the cap; refused before decoding.
    #[error("image is {len} bytes, more than the {max} allowed")]
    TooManyBytes {
        /// The image's size in bytes.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// Not an image in a supported format, or cut or corrupt (the decoder's reason).
    #[error("image cannot be decoded: {0}")]
    Undecodable(String),
    /// Dimensions or decoded size beyond the decoding limits.
    #[error("image is too large to decode: {0}")]
    TooLarge(String),
    /// Too small or too near-uniform to hash meaningfully (a spacer, a blank placeholder).
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

    let decoded = if format == ImageFormat::Jpeg {
        decode_jpeg_strict(bytes, limits)?
    } else {
        reader.decode().map_err(|e| classify(e, format))?
    };
    check_complete(bytes, format)?;
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

/// Decodes a JPEG as the `image` crate does (same zune-jpeg decoder, same output colour
/// spaces: RGB, RGBA, luma and luma+alpha as they are, anything else converted to RGB), but
/// in strict mode: a premature end of the data, a marker inside the entropy-coded data or a
/// bad Huffman code is an error instead of grey or repeated rows.
fn decode_jpeg_strict(bytes: &[u8], limits: &ImageLimits) -> Result<DynamicImage, ImageError> {
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(limits.max_width as usize)
        .set_max_height(limits.max_height as usize);
    let jpeg_error = |e: zune_jpeg::errors::DecodeErrors| match e {
        zune_jpeg::errors::DecodeErrors::LargeDimensions(_) => {
            ImageError::TooLarge(format!("jpg image exceeds the decoding limits: {e}"))
        }
        e => ImageError::Undecodable(format!("jpg data is corrupt or truncated: {e}")),
    };
    let mut headers = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    headers.decode_headers().map_err(jpeg_error)?;
    let (Some((width, height)), Some(input)) = (headers.dimensions(), headers.input_colorspace())
    else {
        return Err(ImageError::Undecodable(
            "jpg headers give no size or colour space".into(),
        ));
    };
    let output = match input {
        ColorSpace::RGB | ColorSpace::RGBA | ColorSpace::Luma | ColorSpace::LumaA => input,
        _ => ColorSpace::RGB,
    };
    let needed = (width as u64)
        .saturating_mul(height as u64)
        .saturating_mul(output.num_components() as u64);
    if needed > limits.max_alloc {
        return Err(ImageError::TooLarge(format!(
            "jpg image of {width}x{height} needs {needed} bytes, more than {}",
            limits.max_alloc
        )));
    }
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(
        ZCursor::new(bytes),
        options.jpeg_set_out_colorspace(output),
    );
    let pixels = decoder.decode().map_err(jpeg_error)?;
    let (w, h) = (width as u32, height as u32);
    let image = match output {
        ColorSpace::RGBA => RgbaImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgba8),
        ColorSpace::Luma => GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
        ColorSpace::LumaA => GrayAlphaImage::from_raw(w, h, pixels).map(DynamicImage::ImageLumaA8),
        _ => RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
    };
    image.ok_or_else(|| {
        ImageError::Undecodable(format!(
            "jpg decoder returned too few pixels for {width}x{height}"
        ))
    })
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

    /// A textured 320×240 picture, as baseline (the `image` crate) and progressive
    /// (jpeg-encoder) JPEG.
    fn jpegs() -> [(&'static str, Vec<u8>); 2] {
        let picture = RgbImage::from_fn(320, 240, |x, y| {
            image::Rgb([
                (x * 3 % 256) as u8,
                (y * 5 % 256) as u8,
                ((x * y) % 251) as u8,
            ])
        });
        let mut baseline = Vec::new();
        DynamicImage::ImageRgb8(picture.clone())
            .write_to(&mut Cursor::new(&mut baseline), ImageFormat::Jpeg)
            .expect("baseline");
        let mut progressive = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut progressive, 85);
        encoder.set_progressive(true);
        encoder
            .encode(picture.as_raw(), 320, 240, jpeg_encoder::ColorType::Rgb)
            .expect("progressive");
        [("baseline", baseline), ("progressive", progressive)]
    }

    #[test]
    fn a_cut_jpeg_is_an_error_not_a_picture() {
        let limits = ImageLimits::default();
        for (kind, bytes) in jpegs() {
            decode_rgb(&bytes, &limits).unwrap_or_else(|e| panic!("whole {kind}: {e}"));
            for percent in [5, 10, 25, 50, 75, 90, 99] {
                let cut = &bytes[..bytes.len() * percent / 100];
                match decode_rgb(cut, &limits) {
                    Err(ImageError::Undecodable(reason)) => {
                        assert!(reason.contains("truncated"), "{kind} {percent}%: {reason}")
                    }
                    other => panic!("{kind} cut to {percent}%: {other:?}"),
                }
            }
            // Only the last byte (EOI's second) missing.
            let err = decode_rgb(&bytes[..bytes.len() - 1], &limits).unwrap_err();
            assert!(err.to_string().contains("truncated"), "{kind}: {err}");
        }
    }

    #[test]
    fn a_jpeg_with_corrupted_bytes_is_an_error() {
        let limits = ImageLimits::default();
        for (kind, mut bytes) in jpegs() {
            // 2,000 bytes from the middle of the entropy-coded data replaced by noise.
            let start = bytes.len() / 3;
            let mut state: u32 = 12345;
            for byte in &mut bytes[start..start + 2000] {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                *byte = (state >> 16) as u8;
            }
            match decode_rgb(&bytes, &limits) {
                Err(ImageError::Undecodable(reason)) => assert!(
                    reason.contains("corrupt") || reason.contains("truncated"),
                    "{kind}: {reason}"
                ),
                other => panic!("corrupted {kind}: {other:?}"),
            }
        }
    }

    #[test]
    fn strict_jpeg_decoding_gives_the_image_crates_pixels() {
        for (kind, bytes) in jpegs() {
            let ours = decode_jpeg_strict(&bytes, &ImageLimits::default()).expect("strict");
            let theirs = image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg)
                .expect("image crate");
            assert_eq!(ours, theirs, "{kind}");
        }
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
