//! The single whole-image pHash: what Python ImageHash's `phash` computes for an image
//! (one 64-bit hash, nothing else), for callers that want only that and for a like-for-like
//! speed comparison with it.

use takedown_model::RegionHash;

use super::phash::PHasher;
use super::sample::Integral;
use super::{ImageError, ImageLimits, prepare};

/// The whole-image 64-bit pHash of encoded image bytes, decoded within `limits`: the same
/// hash [`super::hash_query`] gives first (so it matches registered images alike), without
/// the PDQ hash, trimmed view, silhouettes and windows it adds.
pub fn hash_whole(bytes: &[u8], limits: &ImageLimits) -> Result<RegionHash, ImageError> {
    let work = prepare::prepare(crate::decode::decode_rgb(bytes, limits)?)?;
    let integral = Integral::new(&work.gray);
    Ok(PHasher::new().hash(&integral.sample(&integral.full()), None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, RgbImage};

    #[test]
    fn whole_hash_is_the_first_hash_of_a_listing() {
        let rgb = RgbImage::from_fn(300, 200, |x, y| {
            image::Rgb([(x % 200) as u8, (y * 3 % 250) as u8, ((x * y) % 97) as u8])
        });
        let mut png = Vec::new();
        rgb.write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .expect("encode");
        let limits = ImageLimits::default();
        let whole = hash_whole(&png, &limits).expect("hashed");
        let query = super::super::hash_query(&png, &limits).expect("hashed");
        assert_eq!(whole, query[0]);
        assert!(hash_whole(b"not an image", &limits).is_err());
    }
}
