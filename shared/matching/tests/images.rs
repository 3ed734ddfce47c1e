//! Image hashing end to end, on procedural logos and scenes (see `fixtures`).
//!
//! Distances measured on these fixtures (release build, `examples/measure_images.rs`,
//! 12 registered logos): JPEG q50 ≤ 2, q50 + 0.6× ≤ 2, q50 + 1.5× ≤ 2; a logo tile pasted
//! at 15–40% of a 640×480 scene ≤ 4; unrelated logos, scenes and scenes with other logos
//! ≥ 8. Hence `IMAGE_THRESHOLD` = 6.

mod fixtures;

use takedown_matching::image_hash::PHASH64R;
use takedown_matching::{
    IMAGE_THRESHOLD, ImageError, ImageHit, ImageIndex, ImageLimits, IndexedImage, PHASH64,
    hamming_hex, hash_query, hash_reference, hash_reference_views,
};
use takedown_model::RegionHash;

const REGISTERED: [u64; 5] = [1, 2, 3, 4, 5];

fn limits() -> ImageLimits {
    ImageLimits::default()
}

fn right(seed: u64) -> String {
    format!("logo-{seed}")
}

fn registered_index() -> ImageIndex {
    let mut index = ImageIndex::new();
    for seed in REGISTERED {
        let views = hash_reference_views(&fixtures::png(&fixtures::logo(seed)), &limits())
            .expect("logo hashes");
        index.insert(IndexedImage {
            right_id: right(seed),
            view: "logo".into(),
            digest: format!("d{seed}"),
            hashes: views.core,
            variants: views.variants,
        });
    }
    index
}

fn query(index: &ImageIndex, bytes: &[u8]) -> Vec<ImageHit> {
    index.query(
        &hash_query(bytes, &limits()).expect("listing image hashes"),
        IMAGE_THRESHOLD,
    )
}

/// The single hit of `hits`, which must be for `seed`'s logo.
fn only_hit_for(hits: &[ImageHit], seed: u64, what: &str) -> ImageHit {
    let rights: Vec<&str> = hits.iter().map(|h| h.right_id.as_str()).collect();
    assert_eq!(rights, vec![right(seed).as_str()], "{what}: {hits:?}");
    hits[0].clone()
}

#[test]
fn recompressed_and_rescaled_logos_match_as_whole_images() {
    let index = registered_index();
    for seed in REGISTERED {
        let logo = fixtures::logo(seed);
        let edits = [
            ("jpeg q50", fixtures::jpeg(&logo, 50)),
            (
                "jpeg q50, 0.6x",
                fixtures::jpeg(&fixtures::resize(&logo, 0.6), 50),
            ),
            (
                "jpeg q50, 1.5x",
                fixtures::jpeg(&fixtures::resize(&logo, 1.5), 50),
            ),
        ];
        for (what, bytes) in edits {
            let hit = only_hit_for(&query(&index, &bytes), seed, what);
            assert_eq!(hit.region, None, "{what}: the whole image matches");
            assert!(hit.distance <= 2, "{what}: distance {}", hit.distance);
            assert_eq!(
                (hit.view.as_str(), hit.right_digest.clone()),
                ("logo", format!("d{seed}"))
            );
            // The closest pair wins: the 64-bit hash or the whole-image PDQ hash.
            assert!(
                [PHASH64, takedown_matching::pdq::PDQ256].contains(&hit.algorithm.as_str()),
                "{what}: {}",
                hit.algorithm
            );
        }
    }
}

/// Intersection over union of two `[x, y, w, h]` rectangles.
fn iou(a: [f32; 4], b: [f32; 4]) -> f32 {
    let ix = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let iy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    let inter = ix.max(0.0) * iy.max(0.0);
    inter / (a[2] * a[3] + b[2] * b[3] - inter)
}

#[test]
fn a_logo_pasted_into_a_busy_scene_is_found_by_the_region_that_frames_it() {
    let index = registered_index();
    let mut rng = fixtures::Rng::new(42);
    for (n, seed) in REGISTERED.into_iter().take(4).enumerate() {
        for (k, area) in [0.15f64, 0.25, 0.40].into_iter().enumerate() {
            let side = (area * 640.0 * 480.0).sqrt().round() as u32;
            let x = rng.range(0, i64::from(640 - side) + 1) as u32;
            let y = rng.range(0, i64::from(480 - side) + 1) as u32;
            let scene = fixtures::scene(100 + (n * 3 + k) as u64, 640, 480);
            let photo = fixtures::paste(&scene, &fixtures::logo(seed), x, y, side);
            let what = format!("logo {seed} at {x},{y} side {side}");
            let hit = only_hit_for(&query(&index, &fixtures::jpeg(&photo, 85)), seed, &what);
            let region = hit
                .region
                .unwrap_or_else(|| panic!("{what}: expected a region, got {hit:?}"));
            let truth = [
                x as f32 / 640.0,
                y as f32 / 480.0,
                side as f32 / 640.0,
                side as f32 / 480.0,
            ];
            // The region frames the pasted tile, or the logo inside it (a window trimmed to
            // its content, or the logo's silhouette): it points a reviewer at the logo.
            let area = |r: [f32; 4]| r[2] * r[3];
            let inside = iou(region, truth) * (area(region) + area(truth)) / area(region);
            assert!(
                iou(region, truth) > 0.8 || (inside > 0.9 && area(region) > 0.2 * area(truth)),
                "{what}: region {region:?} vs {truth:?}"
            );
            assert!(
                hit.distance <= hit.threshold.min(6),
                "{what}: distance {}",
                hit.distance
            );
        }
    }
}

#[test]
fn unrelated_logos_and_scenes_match_nothing() {
    let index = registered_index();
    let mut images = Vec::new();
    for seed in 200..210 {
        images.push((
            format!("other logo {seed}"),
            fixtures::jpeg(&fixtures::logo(seed), 85),
        ));
    }
    for seed in 300..308 {
        images.push((
            format!("scene {seed}"),
            fixtures::jpeg(&fixtures::scene(seed, 640, 480), 85),
        ));
    }
    for seed in 400..406 {
        let photo = fixtures::paste(
            &fixtures::scene(seed, 640, 480),
            &fixtures::logo(seed + 1000),
            120,
            90,
            260,
        );
        images.push((
            format!("scene {seed} with an unregistered logo"),
            fixtures::jpeg(&photo, 85),
        ));
    }
    assert!(images.len() >= 20);
    for (what, bytes) in images {
        let hits = query(&index, &bytes);
        assert!(hits.is_empty(), "{what} matched: {hits:?}");
    }
}

#[test]
fn gif_webp_and_transparent_png_decode_to_the_same_hash() {
    let logo = fixtures::logo(3);
    let reference = hash_reference(&fixtures::png(&logo), &limits()).expect("png");
    for (what, bytes) in [
        ("gif", fixtures::gif(&logo)),
        ("webp", fixtures::webp(&logo)),
    ] {
        let hashes = hash_reference(&bytes, &limits()).unwrap_or_else(|e| panic!("{what}: {e}"));
        let d = hamming_hex(&hashes[0].bits, &reference[0].bits).expect("same length");
        assert!(d <= 2, "{what}: distance {d}");
    }
    // The logo's white canvas made transparent: flattened onto white, it is the same image.
    let (white, rgba) = (image::Rgb([255, 255, 255]), fixtures::logo(1));
    let transparent = image::RgbaImage::from_fn(256, 256, |x, y| {
        let p = rgba.get_pixel(x, y);
        if *p == white {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([p[0], p[1], p[2], 255])
        }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    transparent
        .write_to(&mut png, image::ImageFormat::Png)
        .expect("encodes");
    let on_white = hash_reference_views(&fixtures::png(&rgba), &limits()).expect("png");
    let transparent = hash_reference_views(png.get_ref(), &limits()).expect("transparent png");
    assert_eq!(transparent.core[..on_white.core.len()], on_white.core[..]);
    // Flattened onto black as well: the logo copied onto a dark page still matches.
    let on_black = image::RgbImage::from_fn(256, 256, |x, y| {
        let p = transparent_px(&rgba, x, y);
        image::Rgb([p[0], p[1], p[2]])
    });
    let dark = hash_reference(&fixtures::png(&on_black), &limits()).expect("on black");
    let all: Vec<&str> = transparent
        .core
        .iter()
        .chain(&transparent.variants)
        .map(|h| h.bits.as_str())
        .collect();
    assert!(all.contains(&dark[0].bits.as_str()), "{all:?}");
}

/// `rgba`'s pixel with white made black, as the transparent copy flattened onto black shows.
fn transparent_px(rgba: &image::RgbImage, x: u32, y: u32) -> [u8; 3] {
    let p = rgba.get_pixel(x, y).0;
    if p == [255, 255, 255] { [0, 0, 0] } else { p }
}

#[test]
fn a_reference_on_a_wide_canvas_is_also_hashed_trimmed_to_its_content() {
    let logo = fixtures::logo(2);
    let mut canvas = image::RgbImage::from_pixel(600, 400, image::Rgb([255, 255, 255]));
    image::imageops::replace(
        &mut canvas,
        &image::imageops::resize(&logo, 200, 200, image::imageops::FilterType::Triangle),
        300,
        120,
    );
    let all = hash_reference(&fixtures::png(&canvas), &limits()).expect("canvas");
    assert!(all.iter().all(|h: &RegionHash| h.region.is_none()));
    // Besides the whole-image PDQ hash, the 64-bit hash of the whole and of the content.
    let hashes: Vec<&RegionHash> = all.iter().filter(|h| h.algorithm == PHASH64).collect();
    assert_eq!(hashes.len(), 2, "whole and trimmed: {all:?}");
    // Each also ramped (for windows framing a symmetric logo).
    let ramped = all.iter().filter(|h| h.algorithm == PHASH64R).count();
    assert_eq!(ramped, 2, "whole and trimmed, ramped: {all:?}");
    assert_eq!(all.len(), 5, "and one PDQ hash: {all:?}");
    // The trimmed hash is the logo's content, so the logo pasted trimmed elsewhere matches it.
    let content = hash_query(&fixtures::png(&logo), &limits()).expect("logo");
    let whole = hamming_hex(&hashes[0].bits, &content[0].bits).expect("hex");
    let trimmed = hamming_hex(&hashes[1].bits, &content[0].bits).expect("hex");
    assert!(trimmed < whole, "trimmed {trimmed} vs whole {whole}");
}

#[test]
fn blank_and_tiny_images_carry_too_little_information() {
    let blank = image::RgbImage::from_pixel(400, 300, image::Rgb([240, 240, 240]));
    let near_blank = fixtures::jpeg(&blank, 60);
    let tiny = fixtures::png(&image::imageops::resize(
        &fixtures::logo(1),
        24,
        24,
        image::imageops::FilterType::Triangle,
    ));
    for (what, bytes) in [
        ("blank", fixtures::png(&blank)),
        ("blank jpeg", near_blank),
        ("tiny", tiny),
    ] {
        match hash_query(&bytes, &limits()) {
            Err(ImageError::LowInformation(reason)) => assert!(!reason.is_empty()),
            other => panic!("{what}: expected LowInformation, got {other:?}"),
        }
    }
}

#[test]
fn truncated_and_unknown_bytes_are_undecodable_with_the_reason() {
    let png = fixtures::png(&fixtures::logo(1));
    match hash_query(&png[..png.len() * 6 / 10], &limits()) {
        Err(ImageError::Undecodable(reason)) => {
            assert!(
                reason.contains("png") && reason.contains("truncated"),
                "{reason}"
            )
        }
        other => panic!("expected Undecodable, got {other:?}"),
    }
    match hash_reference(b"GIF-like? no: plain text", &limits()) {
        Err(ImageError::Undecodable(reason)) => {
            assert!(reason.contains("unknown image format"), "{reason}")
        }
        other => panic!("expected Undecodable, got {other:?}"),
    }
}

/// A PNG whose header claims `width`×`height` pixels, followed by a token of data.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn decompression_bombs_and_oversized_inputs_are_refused_before_decoding() {
    match hash_query(&png_claiming(100_000, 100_000), &limits()) {
        Err(ImageError::TooLarge(reason)) => assert!(reason.contains("png"), "{reason}"),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let small = ImageLimits {
        max_bytes: 1000,
        ..ImageLimits::default()
    };
    let png = fixtures::png(&fixtures::logo(1));
    assert_eq!(
        hash_query(&png, &small),
        Err(ImageError::TooManyBytes {
            len: png.len(),
            max: 1000
        })
    );
    // Within the byte cap but over the pixel cap.
    let narrow = ImageLimits {
        max_width: 100,
        ..ImageLimits::default()
    };
    assert!(matches!(
        hash_reference(&png, &narrow),
        Err(ImageError::TooLarge(_))
    ));
}

#[test]
fn mirrored_inverted_and_third_cropped_copies_match_through_the_variants() {
    let logo = fixtures::logo(2);
    let views = hash_reference_views(&fixtures::png(&logo), &limits()).expect("logo");
    let mut index = ImageIndex::new();
    index.insert(IndexedImage {
        right_id: "r".into(),
        view: "logo".into(),
        digest: "d".into(),
        hashes: views.core,
        variants: views.variants,
    });
    let mut inverted = logo.clone();
    image::imageops::invert(&mut inverted);
    let (w, h) = logo.dimensions();
    let cropped = image::imageops::crop_imm(&logo, 0, 0, w * 2 / 3, h).to_image();
    for (what, copy) in [
        ("mirrored", image::imageops::flip_horizontal(&logo)),
        ("inverted", inverted),
        ("a third cut off", cropped),
    ] {
        let hashes = hash_query(&fixtures::png(&copy), &limits()).expect("copy");
        let hits = index.query_with(&hashes, takedown_matching::IMAGE_THRESHOLDS);
        assert_eq!(hits.len(), 1, "{what}: {hits:?}");
        assert_eq!(hits[0].region, None, "{what}: matched as a whole picture");
    }
    // Without the variants none of them would match: the core alone is the logo as is.
    let core_only = hash_reference(&fixtures::png(&logo), &limits()).expect("logo");
    let flipped = hash_query(
        &fixtures::png(&image::imageops::flip_horizontal(&logo)),
        &limits(),
    )
    .expect("mirrored");
    let closest = flipped
        .iter()
        .filter(|q| q.region.is_none())
        .flat_map(|q| {
            core_only
                .iter()
                .filter_map(|r| hamming_hex(&q.bits, &r.bits))
        })
        .min()
        .expect("hashes");
    assert!(
        closest > takedown_matching::IMAGE_THRESHOLDS.whole,
        "{closest}"
    );
}

/// Whether pixel (x, y) is inside a flat-coloured emblem of radius `r` centred at (`cx`,
/// `cy`): a ring with a bar below it, off-centre (a mirror-symmetric shape has DCT
/// coefficients near zero, whose hash bits noise can flip).
fn emblem(x: u32, y: u32, cx: f64, cy: f64, r: f64) -> bool {
    let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
    let d = (dx * dx + dy * dy).sqrt();
    (0.5 * r..r).contains(&d) || ((0.2 * r..0.5 * r).contains(&dx) && dy > 0.0 && dy < 1.3 * r)
}

#[test]
fn a_transparent_logo_pasted_bare_onto_a_photo_is_found_by_its_silhouette() {
    // Registered: the emblem in red on a transparent 256×256 canvas.
    let registered = image::RgbaImage::from_fn(256, 256, |x, y| {
        let alpha = if emblem(x, y, 128.0, 118.0, 100.0) {
            255
        } else {
            0
        };
        image::Rgba([200, 30, 40, alpha])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(registered)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode");
    let views = hash_reference_views(&png, &limits()).expect("hashes");
    let mut index = ImageIndex::new();
    index.insert(IndexedImage {
        right_id: "emblem".into(),
        view: "logo".into(),
        digest: "d".into(),
        hashes: views.core,
        variants: views.variants,
    });
    // The same emblem pasted bare (no tile) onto a busy scene, a quarter of its height.
    let scene = fixtures::scene(77, 640, 480);
    let photo = image::RgbImage::from_fn(640, 480, |x, y| {
        if emblem(x, y, 420.0, 200.0, 110.0) {
            image::Rgb([200, 30, 40])
        } else {
            *scene.get_pixel(x, y)
        }
    });
    let hits = index.query_with(
        &hash_query(&fixtures::jpeg(&photo, 85), &limits()).expect("hashes"),
        takedown_matching::IMAGE_THRESHOLDS,
    );
    let hit = only_hit_for_right(&hits, "emblem");
    assert_eq!(hit.algorithm, takedown_matching::SHAPE64, "{hit:?}");
    let region = hit.region.expect("a silhouette has a region");
    // The emblem spans x 310..530, y 90..343.
    let truth = [310.0 / 640.0, 90.0 / 480.0, 220.0 / 640.0, 253.0 / 480.0];
    assert!(iou(region, truth) > 0.8, "region {region:?} vs {truth:?}");

    // The scene alone matches nothing.
    let hits = index.query_with(
        &hash_query(&fixtures::jpeg(&scene, 85), &limits()).expect("hashes"),
        takedown_matching::IMAGE_THRESHOLDS,
    );
    assert!(hits.is_empty(), "{hits:?}");
}

fn only_hit_for_right(hits: &[ImageHit], right: &str) -> ImageHit {
    let rights: Vec<&str> = hits.iter().map(|h| h.right_id.as_str()).collect();
    assert_eq!(rights, vec![right], "{hits:?}");
    hits[0].clone()
}
