//! Encoding our generated images as the files the sites serve, and the resize used to make
//! "copies" of registered images.
//!
//! These helpers are infallible on purpose: they only ever see images this crate drew, with
//! non-zero sizes, written into a `Vec`; the encoders can only fail on I/O or on dimensions
//! we never produce, so a failure is a bug in this crate and panics loudly in its tests.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::imageops::{self, FilterType};
use image::{ImageResult, RgbImage};

/// A file format the sample sites serve, with the parameters that change its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Png,
    /// Quality 1–100; the planted copies use ~50 to smear edges as re-uploads do.
    Jpeg(u8),
    /// Lossless: the only WebP encoder the `image` crate has.
    Webp,
}

impl Format {
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg(_) => "jpg",
            Format::Webp => "webp",
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg(_) => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }
}

pub(crate) fn encode(img: &RgbImage, format: Format) -> Vec<u8> {
    try_encode(img, format).expect("encoding a generated in-memory image cannot fail")
}

fn try_encode(img: &RgbImage, format: Format) -> ImageResult<Vec<u8>> {
    let mut out = Vec::new();
    match format {
        // Fixed compression and filter settings: the bytes must not depend on defaults that
        // a future `image` release might change.
        Format::Png => img.write_with_encoder(PngEncoder::new_with_quality(
            &mut out,
            CompressionType::Default,
            PngFilter::Adaptive,
        ))?,
        Format::Jpeg(quality) => {
            img.write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))?
        }
        Format::Webp => img.write_with_encoder(WebPEncoder::new_lossless(&mut out))?,
    }
    Ok(out)
}

/// Scales by `factor` (at least 1×1) with a smooth filter, as an image host would.
pub(crate) fn scale(img: &RgbImage, factor: f32) -> RgbImage {
    let w = ((img.width() as f32 * factor).round() as u32).max(1);
    let h = ((img.height() as f32 * factor).round() as u32).max(1);
    if (w, h) == img.dimensions() {
        // The genuine image, pixel for pixel: what an authorized seller uploads.
        return img.clone();
    }
    imageops::resize(img, w, h, FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_round_trips_through_the_decoder() {
        let img = RgbImage::from_fn(32, 24, |x, y| {
            image::Rgb([(x * 8) as u8, (y * 10) as u8, 90])
        });
        for (format, expected) in [
            (Format::Png, image::ImageFormat::Png),
            (Format::Jpeg(50), image::ImageFormat::Jpeg),
            (Format::Webp, image::ImageFormat::WebP),
        ] {
            let bytes = encode(&img, format);
            assert_eq!(image::guess_format(&bytes).expect("format"), expected);
            let back = image::load_from_memory(&bytes).expect("decode");
            assert_eq!((back.width(), back.height()), (32, 24));
        }
        assert_eq!(scale(&img, 0.5).dimensions(), (16, 12));
        assert_eq!(scale(&img, 0.0).dimensions(), (1, 1));
    }
}
