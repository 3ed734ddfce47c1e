//! The 64-bit DCT perceptual hash and its Hamming distance.
//!
//! `image_hasher` with an 8×8 hash, DCT preprocessing and the median threshold, bits most
//! significant first: the bit layout of Python ImageHash's `phash`. The values are not
//! bit-identical to ImageHash's, though: `image_hasher` takes the DCT of a 16×16 image
//! (twice the hash size) where ImageHash takes it of a 32×32 one, and this crate feeds the
//! hasher its own area-averaged 16×16 samples (see [`super::sample`]). Hashes are only
//! comparable with hashes made by this crate.
//!
//! The median threshold sets exactly half of the 64 bits (ties aside), so distances between
//! two hashes are even.

use image::GrayImage;
use image_hasher::{BitOrder, HashAlg, Hasher, HasherConfig};
use takedown_model::RegionHash;

/// The algorithm name stored in [`RegionHash::algorithm`] for these hashes.
pub const PHASH64: &str = "phash64";

/// A reusable pHash hasher: building one plans the DCT, so callers hashing many windows of an
/// image build it once.
pub(crate) struct PHasher(Hasher<[u8; 8]>);

impl PHasher {
    pub(crate) fn new() -> Self {
        PHasher(
            HasherConfig::with_bytes_type::<[u8; 8]>()
                .hash_size(8, 8)
                .preproc_dct()
                .hash_alg(HashAlg::Median)
                .bit_order(BitOrder::MsbFirst)
                .to_hasher(),
        )
    }

    /// Hashes a grey image (a 16×16 sample, which the hasher takes as it is);
    /// `region` says which part of the listing image it shows.
    pub(crate) fn hash(&self, gray: &GrayImage, region: Option<[f32; 4]>) -> RegionHash {
        let bits = hex::encode(self.0.hash_image(gray).as_bytes());
        RegionHash {
            algorithm: PHASH64.to_string(),
            bits,
            region,
        }
    }
}

/// Hamming distance between two hex-encoded hashes of the same length; `None` if either is
/// not valid hex or their lengths differ.
pub fn hamming_hex(a: &str, b: &str) -> Option<u32> {
    let a = hex::decode(a).ok()?;
    let b = hex::decode(b).ok()?;
    hamming_bytes(&a, &b)
}

/// Hamming distance between two byte strings of the same length.
pub(crate) fn hamming_bytes(a: &[u8], b: &[u8]) -> Option<u32> {
    if a.len() != b.len() {
        return None;
    }
    Some(a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hamming_counts_differing_bits_and_rejects_bad_input() {
        assert_eq!(hamming_hex("00ff", "00ff"), Some(0));
        assert_eq!(hamming_hex("00ff", "01fe"), Some(2));
        assert_eq!(
            hamming_hex("ffffffffffffffff", "0000000000000000"),
            Some(64)
        );
        assert_eq!(hamming_hex("00", "0000"), None);
        assert_eq!(hamming_hex("zz", "00"), None);
    }

    #[test]
    fn hash_is_sixteen_hex_chars_and_depends_on_the_content() {
        let hasher = PHasher::new();
        // A ramp with a dark square in one corner, and its mirror image: mirroring flips the
        // sign of every odd horizontal frequency, so about half the bits must change.
        let scene = GrayImage::from_fn(64, 64, |x, y| {
            image::Luma([if x < 20 && y < 20 {
                0
            } else {
                100 + (x + y) as u8
            }])
        });
        let mirrored = image::imageops::flip_horizontal(&scene);
        let a = hasher.hash(&scene, None);
        let b = hasher.hash(&mirrored, Some([0.0, 0.0, 1.0, 1.0]));
        assert_eq!(hasher.hash(&scene, None), a, "deterministic");
        assert_eq!(a.algorithm, PHASH64);
        assert_eq!(a.bits.len(), 16);
        assert_eq!(b.region, Some([0.0, 0.0, 1.0, 1.0]));
        assert!(hamming_hex(&a.bits, &b.bits).expect("same length") > 10);
    }
}
