//! The 64-bit DCT perceptual hash and its Hamming distance.
//!
//! An 8×8 hash from the DCT of a 16×16 sample with the median threshold, bits most
//! significant first: the bit layout of Python ImageHash's `phash`, and bit for bit what
//! `image_hasher` computes with that configuration (the transform is [`super::dct`], which
//! does it without `image_hasher`'s per-hash planning, allocations and transposes). The
//! values are not bit-identical to ImageHash's, though: the DCT is taken of a 16×16 image
//! (twice the hash size) where ImageHash takes it of a 32×32 one, and this crate hashes its
//! own area-averaged 16×16 samples (see [`super::sample`]). Hashes are only comparable with
//! hashes made by this crate.
//!
//! The median threshold sets exactly half of the 64 bits (ties aside), so distances between
//! two hashes are even.

use image::GrayImage;
use image::imageops::{self, FilterType};
use takedown_model::RegionHash;

use super::dct::PhashDct;
use super::sample::SAMPLE_PX;

/// The algorithm name stored in [`RegionHash::algorithm`] for these hashes.
pub const PHASH64: &str = "phash64";

/// A reusable pHash hasher: building one computes the DCT's twiddles, so callers hashing
/// many windows of an image build it once.
pub(crate) struct PHasher(PhashDct);

impl PHasher {
    pub(crate) fn new() -> Self {
        PHasher(PhashDct::new())
    }

    /// Hashes a grey image (a 16×16 sample, which the hasher takes as it is; any other size
    /// is first resized to it with a triangle filter, as `image_hasher` did);
    /// `region` says which part of the listing image it shows.
    pub(crate) fn hash(&self, gray: &GrayImage, region: Option<[f32; 4]>) -> RegionHash {
        let resized;
        let sample = if gray.dimensions() == (SAMPLE_PX, SAMPLE_PX) {
            gray
        } else {
            resized = imageops::resize(gray, SAMPLE_PX, SAMPLE_PX, FilterType::Triangle);
            &resized
        };
        // A 16×16 buffer is exactly 256 bytes, so the conversion cannot fail; a flat
        // all-zero sample stands in should that ever change rather than panicking.
        let pixels: &[u8; 256] = sample.as_raw().as_slice().try_into().unwrap_or(&[0; 256]);
        let bytes = self.0.bits(pixels);
        #[cfg(test)]
        cross_check::record(sample, &bytes);
        let bits = hex::encode(bytes);
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

/// Hamming distance between two byte strings of the same length; `None` if the lengths
/// differ.
pub fn hamming_bytes(a: &[u8], b: &[u8]) -> Option<u32> {
    if a.len() != b.len() {
        return None;
    }
    Some(a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum())
}

/// Under test, every hash is also computed by `image_hasher` (which this crate used before
/// [`super::dct`]) and differences are counted, so any test that hashes — above all the
/// dataset-wide one below — checks that stored hashes keep their bits.
#[cfg(test)]
pub(crate) mod cross_check {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use image::GrayImage;
    use image_hasher::{BitOrder, HashAlg, HasherConfig};

    static HASHED: AtomicUsize = AtomicUsize::new(0);
    static DIFFERING_HASHES: AtomicUsize = AtomicUsize::new(0);
    static DIFFERING_BITS: AtomicUsize = AtomicUsize::new(0);

    pub(crate) fn record(sample: &GrayImage, ours: &[u8; 8]) {
        let hasher = HasherConfig::with_bytes_type::<[u8; 8]>()
            .hash_size(8, 8)
            .preproc_dct()
            .hash_alg(HashAlg::Median)
            .bit_order(BitOrder::MsbFirst)
            .to_hasher();
        let theirs = hasher.hash_image(sample);
        let bits = super::hamming_bytes(ours, theirs.as_bytes()).unwrap_or(64);
        HASHED.fetch_add(1, Ordering::Relaxed);
        if bits > 0 {
            DIFFERING_HASHES.fetch_add(1, Ordering::Relaxed);
            DIFFERING_BITS.fetch_add(bits as usize, Ordering::Relaxed);
        }
    }

    /// Hashes computed so far by this test process, how many differed from `image_hasher`'s,
    /// and by how many bits in all.
    pub(crate) fn counts() -> (usize, usize, usize) {
        (
            HASHED.load(Ordering::Relaxed),
            DIFFERING_HASHES.load(Ordering::Relaxed),
            DIFFERING_BITS.load(Ordering::Relaxed),
        )
    }
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

    /// Hashes `bytes` as a registration with its variants and as a listing with its
    /// windows; returns how many pHashes that computed and how many differed from
    /// `image_hasher`'s (other tests hashing at the same time only add to both).
    fn cross_checked(files: &[Vec<u8>]) -> (usize, usize, usize) {
        let limits = crate::ImageLimits::default();
        let before = cross_check::counts();
        for bytes in files {
            let _ = super::super::hash_reference_views(bytes, &limits);
            let _ = super::super::hash_query(bytes, &limits);
        }
        let after = cross_check::counts();
        (after.0 - before.0, after.1 - before.1, after.2 - before.2)
    }

    #[test]
    fn pipeline_hashes_equal_image_hashers() {
        // A photo-like scene and a logo on a plain canvas: whole, trimmed, windows,
        // silhouettes, mirrored, inverted, partial and tilted samples all go through the
        // hasher.
        let scene = image::RgbImage::from_fn(320, 240, |x, y| {
            let inside = (x as i32 - 200).pow(2) + (y as i32 - 90).pow(2) < 50 * 50;
            if inside {
                image::Rgb([200, 30, 40])
            } else {
                image::Rgb([
                    (x * 255 / 320) as u8,
                    (y * 255 / 240) as u8,
                    ((x ^ y) % 7) as u8,
                ])
            }
        });
        let logo = image::RgbImage::from_fn(200, 120, |x, y| {
            if (60..140).contains(&x) && (30..90).contains(&y) && (x + y) % 40 < 25 {
                image::Rgb([20, 20, 120])
            } else {
                image::Rgb([255, 255, 255])
            }
        });
        let png = |rgb: &image::RgbImage| {
            let mut out = Vec::new();
            rgb.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
                .expect("encode");
            out
        };
        let (hashed, differing, bits) = cross_checked(&[png(&scene), png(&logo)]);
        assert!(hashed > 100, "{hashed} hashes");
        assert_eq!((differing, bits), (0, 0));
    }

    /// Every image of the development dataset (registered and query images), hashed as a
    /// registration with its variants and as a listing with its windows: every pHash equal
    /// to `image_hasher`'s. Compiled only with the `dataset-check` feature (it needs the
    /// generated dataset, and minutes in a debug build):
    /// `TAKEDOWN_DATASET=target/dataset cargo test --release -p takedown-matching
    /// --features dataset-check --lib every_dataset -- --nocapture`.
    #[cfg(feature = "dataset-check")]
    #[test]
    fn every_dataset_hash_equals_image_hashers() {
        let root = std::env::var_os("TAKEDOWN_DATASET")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/dataset")
            });
        let mut files = Vec::new();
        let mut dirs = vec![root.join("rights"), root.join("queries")];
        while let Some(dir) = dirs.pop() {
            let entries = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("dataset folder {}: {e}", dir.display()));
            for entry in entries {
                let path = entry.expect("dir entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        let bytes: Vec<Vec<u8>> = files
            .iter()
            .map(|path| std::fs::read(path).expect("read image"))
            .collect();
        let (hashed, differing, bits) = cross_checked(&bytes);
        println!(
            "{} images, {hashed} pHashes: {differing} differ from image_hasher's ({bits} bits)",
            files.len()
        );
        assert!(files.len() > 100 && hashed > 10 * files.len());
        assert_eq!((differing, bits), (0, 0));
    }
}
