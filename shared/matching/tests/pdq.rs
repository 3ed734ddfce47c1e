//! PDQ against the reference: fixtures drawn and hashed by `tests/pdq_vectors.py` with PyPI
//! `pdqhash` (Meta's C++), which must come out bit for bit, in all eight orientations.

use std::path::PathBuf;

use takedown_matching::{
    Dihedral, ImageError, ImageLimits, PDQ256, hamming_256, pdq_bits_from_hex, pdq_hash,
    pdq_hash_dihedral, pdq_region_hashes,
};

struct Vector {
    name: String,
    quality: u32,
    hashes: Vec<[u8; 32]>,
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pdq")
}

fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(data_dir().join("vectors.txt")).expect("vectors.txt");
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Vector {
                name: fields[0].to_string(),
                quality: fields[1].parse().expect("quality"),
                hashes: fields[2..]
                    .iter()
                    .map(|h| pdq_bits_from_hex(h).expect("hex"))
                    .collect(),
            }
        })
        .collect()
}

fn load(name: &str) -> image::DynamicImage {
    image::open(data_dir().join(format!("{name}.png"))).expect("fixture decodes")
}

#[test]
fn hashes_and_quality_match_the_reference_bit_for_bit() {
    let vectors = vectors();
    assert!(vectors.len() >= 20, "vectors.txt lists the fixtures");
    for v in &vectors {
        let hash = pdq_hash(&load(&v.name));
        assert_eq!(
            hash.to_hex(),
            hex::encode(v.hashes[0]),
            "{}: distance {}",
            v.name,
            hamming_256(&hash.bits, &v.hashes[0])
        );
        assert_eq!(hash.quality, v.quality, "{}", v.name);
    }
}

#[test]
fn dihedral_hashes_match_the_reference_in_its_order() {
    for v in vectors() {
        let (hashes, quality) = pdq_hash_dihedral(&load(&v.name));
        assert_eq!(quality, v.quality, "{}", v.name);
        for (i, d) in Dihedral::ALL.iter().enumerate() {
            assert_eq!(hashes[i].bits, v.hashes[i], "{} {d:?}", v.name);
        }
    }
}

#[test]
fn transformed_images_hash_like_their_derived_variants() {
    let image = load("scene_1000x700");
    let (variants, _) = pdq_hash_dihedral(&image);
    let variant =
        |d: Dihedral| variants[Dihedral::ALL.iter().position(|&x| x == d).expect("listed")];
    // Transforming the pixels and hashing lands near the variant derived from the DCT (the
    // downsample grid shifts by a fraction of a pixel, so not always exactly on it), and far
    // from the original.
    for (name, transformed, d) in [
        (
            "rotated 90° clockwise",
            image.rotate90(),
            Dihedral::Rotate270,
        ),
        ("rotated 180°", image.rotate180(), Dihedral::Rotate180),
        (
            "rotated 90° anticlockwise",
            image.rotate270(),
            Dihedral::Rotate90,
        ),
        ("mirrored left-right", image.fliph(), Dihedral::FlipY),
        ("mirrored top-bottom", image.flipv(), Dihedral::FlipX),
    ] {
        let hash = pdq_hash(&transformed);
        let near = hamming_256(&hash.bits, &variant(d).bits);
        assert!(near <= 16, "{name}: {near} bits from {d:?}");
        assert!(hamming_256(&hash.bits, &variants[0].bits) > 64, "{name}");
    }
}

#[test]
fn region_hash_is_the_whole_image_pdq_and_low_quality_is_refused() {
    let v = vectors()
        .into_iter()
        .find(|v| v.name == "scene_1000x700")
        .expect("vector");
    let bytes = std::fs::read(data_dir().join("scene_1000x700.png")).expect("bytes");
    let hashes = pdq_region_hashes(&bytes, &ImageLimits::default()).expect("hashed");
    assert_eq!(hashes.len(), 1);
    assert_eq!(hashes[0].algorithm, PDQ256);
    assert_eq!(hashes[0].bits, hex::encode(v.hashes[0]));
    assert_eq!(hashes[0].region, None);

    let flat = std::fs::read(data_dir().join("flat_100x100.png")).expect("bytes");
    match pdq_region_hashes(&flat, &ImageLimits::default()) {
        Err(ImageError::LowInformation(msg)) => assert!(msg.contains("quality 0"), "{msg}"),
        other => panic!("expected LowInformation, got {other:?}"),
    }
}

#[test]
fn very_large_images_are_reduced_before_hashing_and_keep_their_hash() {
    // 4200 px wide: reduced by a box factor of 2 before PDQ, which moves few bits on a
    // natural scene (the reference would hash the full size).
    let image =
        load("scene_1000x700").resize_exact(4200, 600, image::imageops::FilterType::Triangle);
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encodes");
    let full = pdq_hash(&image);
    let hashes = pdq_region_hashes(&png, &ImageLimits::default()).expect("hashed");
    let reduced = pdq_bits_from_hex(&hashes[0].bits).expect("hex");
    let distance = hamming_256(&full.bits, &reduced);
    assert!(distance <= 16, "reduction moved {distance} bits");
}
