//! Each synthetic listing's image: a sample picture with seeded, invisible pixel noise, so
//! every listing serves different bytes (different digest, real decode and hash work) while
//! its perceptual hashes — and so what it plants — stay those of the sample picture.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, codecs::jpeg::JpegEncoder};

use crate::rng::Rng;

/// JPEG quality of re-encoded photos: what marketplaces typically serve.
const JPEG_QUALITY: u8 = 85;
/// One pixel in this many gets its colour nudged.
const NOISE_EVERY: u64 = 48;
/// The largest nudge per channel; far below what a 64-bit DCT hash of a resized image sees.
const NOISE_AMPLITUDE: u64 = 3;

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("decoding a sample image: {0}")]
    Decode(image::ImageError),
    #[error("encoding a listing image as {format}: {source}")]
    Encode {
        format: &'static str,
        source: image::ImageError,
    },
}

/// A listing image: (file extension, content type, bytes).
pub struct Encoded {
    pub extension: &'static str,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// `template` (encoded as `extension`) with seeded noise, re-encoded: JPEG stays JPEG,
/// everything else becomes PNG (the image crate writes WebP only losslessly, which no
/// marketplace serves).
pub fn variant(template: &[u8], extension: &str, seed: u64) -> Result<Encoded, ImageError> {
    let decoded = image::load_from_memory(template).map_err(ImageError::Decode)?;
    let mut rng = Rng::new(seed);
    let jpeg = matches!(extension, "jpg" | "jpeg");
    if jpeg {
        let mut rgb = decoded.to_rgb8();
        for pixel in rgb.pixels_mut() {
            nudge(&mut pixel.0, &mut rng);
        }
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .encode_image(&DynamicImage::ImageRgb8(rgb))
            .map_err(|source| ImageError::Encode {
                format: "jpeg",
                source,
            })?;
        Ok(Encoded {
            extension: "jpg",
            content_type: "image/jpeg",
            bytes: out,
        })
    } else {
        let mut rgba = decoded.to_rgba8();
        for pixel in rgba.pixels_mut() {
            let [r, g, b, a] = pixel.0;
            let mut rgb = [r, g, b];
            nudge(&mut rgb, &mut rng);
            pixel.0 = [rgb[0], rgb[1], rgb[2], a];
        }
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(rgba)
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|source| ImageError::Encode {
                format: "png",
                source,
            })?;
        Ok(Encoded {
            extension: "png",
            content_type: "image/png",
            bytes: out.into_inner(),
        })
    }
}

fn nudge(rgb: &mut [u8; 3], rng: &mut Rng) {
    let roll = rng.next_u64();
    if !roll.is_multiple_of(NOISE_EVERY) {
        return;
    }
    for (i, channel) in rgb.iter_mut().enumerate() {
        let step =
            ((roll >> (8 + 8 * i)) % (2 * NOISE_AMPLITUDE + 1)) as i16 - NOISE_AMPLITUDE as i16;
        *channel = (i16::from(*channel) + step).clamp(0, 255) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_jpeg() -> Vec<u8> {
        let img = image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, 90])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&DynamicImage::ImageRgb8(img))
            .expect("encode");
        out
    }

    #[test]
    fn seeds_give_distinct_bytes_of_the_same_picture() {
        let template = sample_jpeg();
        let a = variant(&template, "jpg", 1).expect("a");
        let b = variant(&template, "jpg", 2).expect("b");
        assert_eq!(a.content_type, "image/jpeg");
        assert_ne!(a.bytes, b.bytes);
        assert_eq!(
            a.bytes,
            variant(&template, "jpg", 1).expect("a again").bytes
        );
        let (da, db) = (
            image::load_from_memory(&a.bytes)
                .expect("decode a")
                .to_rgb8(),
            image::load_from_memory(&b.bytes)
                .expect("decode b")
                .to_rgb8(),
        );
        assert_eq!(da.dimensions(), (64, 48));
        let diff: u64 = da
            .as_raw()
            .iter()
            .zip(db.as_raw())
            .map(|(x, y)| u64::from(x.abs_diff(*y)))
            .sum();
        let mean = diff as f64 / da.as_raw().len() as f64;
        assert!(mean < 3.0, "mean channel difference {mean}");
    }

    #[test]
    fn non_jpeg_becomes_png_and_keeps_alpha() {
        let img =
            image::RgbaImage::from_fn(16, 16, |x, _| image::Rgba([200, 10, 10, (x * 16) as u8]));
        let mut png = Cursor::new(Vec::new());
        DynamicImage::ImageRgba8(img)
            .write_to(&mut png, ImageFormat::Png)
            .expect("png");
        let out = variant(png.get_ref(), "webp", 3).expect("variant");
        assert_eq!(out.extension, "png");
        let back = image::load_from_memory(&out.bytes)
            .expect("decode")
            .to_rgba8();
        assert_eq!(back.get_pixel(15, 0).0[3], 240);
    }
}
