//! Measures the image hashes on the procedural test fixtures: distances of true matches
//! under each edit, distances of unrelated images, and hashing time. The numbers behind
//! `IMAGE_THRESHOLD`; run in release:
//!
//! `cargo run -p takedown-matching --release --example measure_images`

#![forbid(unsafe_code)]

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::time::Instant;

use image::RgbImage;
use image::imageops::{self, FilterType};
use takedown_matching::{IMAGE_THRESHOLD, ImageLimits, hamming_hex, hash_query, hash_reference};
use takedown_model::RegionHash;

const REGISTERED: u64 = 12;

/// Smallest distance between any query hash and any reference hash.
fn closest(query: &[RegionHash], reference: &[RegionHash]) -> u32 {
    query
        .iter()
        .flat_map(|q| {
            reference
                .iter()
                .filter_map(|r| hamming_hex(&q.bits, &r.bits))
        })
        .min()
        .unwrap_or(u32::MAX)
}

fn summary(name: &str, distances: &[u32]) {
    let mut sorted = distances.to_vec();
    sorted.sort_unstable();
    let within = sorted.iter().filter(|&&d| d <= IMAGE_THRESHOLD).count();
    println!(
        "{name:<34} n={:<3} min={:<3} max={:<3} within threshold {within}/{}  {sorted:?}",
        sorted.len(),
        sorted.first().copied().unwrap_or(0),
        sorted.last().copied().unwrap_or(0),
        sorted.len()
    );
}

/// The bounding box of the pixels that differ from the top-left one.
fn content_box(img: &RgbImage) -> (u32, u32, u32, u32) {
    let background = *img.get_pixel(0, 0);
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if *p != background {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    (x0, y0, x1 - x0 + 1, y1 - y0 + 1)
}

fn main() {
    let limits = ImageLimits::default();
    let logos: Vec<RgbImage> = (1..=REGISTERED).map(fixtures::logo).collect();
    let started = Instant::now();
    let refs: Vec<Vec<RegionHash>> = logos
        .iter()
        .map(|l| hash_reference(&fixtures::png(l), &limits).expect("reference hashes"))
        .collect();
    println!(
        "hash_reference, 256x256 PNG: {:.2} ms each",
        started.elapsed().as_secs_f64() * 1000.0 / logos.len() as f64
    );
    println!("threshold {IMAGE_THRESHOLD}\n");

    type Edit = fn(&RgbImage) -> Vec<u8>;
    let edits: [(&str, Edit); 3] = [
        ("whole: jpeg q50", |l| fixtures::jpeg(l, 50)),
        ("whole: jpeg q50 + 0.6x", |l| {
            fixtures::jpeg(&fixtures::resize(l, 0.6), 50)
        }),
        ("whole: jpeg q50 + 1.5x", |l| {
            fixtures::jpeg(&fixtures::resize(l, 1.5), 50)
        }),
    ];
    for (name, edit) in edits {
        let distances: Vec<u32> = logos
            .iter()
            .zip(&refs)
            .map(|(l, r)| closest(&hash_query(&edit(l), &limits).expect("query")[..1], r))
            .collect();
        summary(name, &distances);
    }

    let mut times = Vec::new();
    let mut pasted: [Vec<u32>; 3] = Default::default();
    let mut trimmed = Vec::new();
    for (i, (logo, reference)) in logos.iter().zip(&refs).enumerate() {
        for (k, area) in [0.15f64, 0.25, 0.40].into_iter().enumerate() {
            let side = (area * 640.0 * 480.0).sqrt().round() as u32;
            let mut rng = fixtures::Rng::new((i * 10 + k) as u64);
            let x = rng.range(0, i64::from(640 - side) + 1) as u32;
            let y = rng.range(0, i64::from(480 - side) + 1) as u32;
            let scene = fixtures::scene(1000 + (i * 10 + k) as u64, 640, 480);
            let bytes = fixtures::jpeg(&fixtures::paste(&scene, logo, x, y, side), 85);
            let started = Instant::now();
            let hashes = hash_query(&bytes, &limits).expect("query");
            times.push((started.elapsed().as_secs_f64() * 1000.0, hashes.len()));
            pasted[k].push(closest(&hashes, reference));

            // Trimmed: only the logo's content box, pasted as a rectangle of its own shape.
            let (bx, by, bw, bh) = content_box(logo);
            let scale = f64::from(side) / 256.0;
            let content = imageops::crop_imm(logo, bx, by, bw, bh).to_image();
            let (cw, ch) = (
                (f64::from(bw) * scale) as u32,
                (f64::from(bh) * scale) as u32,
            );
            let mut photo = scene.clone();
            imageops::replace(
                &mut photo,
                &imageops::resize(&content, cw, ch, FilterType::Triangle),
                x.into(),
                y.into(),
            );
            trimmed.push(closest(
                &hash_query(&fixtures::jpeg(&photo, 85), &limits).expect("query"),
                reference,
            ));
        }
    }
    for (k, area) in ["15%", "25%", "40%"].iter().enumerate() {
        summary(&format!("tile pasted at {area} of 640x480"), &pasted[k]);
    }
    summary("trimmed content pasted", &trimmed);

    let mut negatives: [Vec<u32>; 3] = Default::default();
    let nearest = |bytes: Vec<u8>| {
        let hashes = hash_query(&bytes, &limits).expect("query");
        refs.iter()
            .map(|r| closest(&hashes, r))
            .min()
            .unwrap_or(u32::MAX)
    };
    for n in 0..30u64 {
        negatives[0].push(nearest(fixtures::jpeg(&fixtures::logo(100 + n), 85)));
        negatives[1].push(nearest(fixtures::jpeg(
            &fixtures::scene(200 + n, 640, 480),
            85,
        )));
        let photo = fixtures::paste(
            &fixtures::scene(300 + n, 640, 480),
            &fixtures::logo(1300 + n),
            100,
            80,
            260,
        );
        negatives[2].push(nearest(fixtures::jpeg(&photo, 85)));
    }
    println!();
    summary("negatives: other logos", &negatives[0]);
    summary("negatives: scenes", &negatives[1]);
    summary("negatives: scenes + other logo", &negatives[2]);

    let mean = times.iter().map(|t| t.0).sum::<f64>() / times.len() as f64;
    let max = times.iter().map(|t| t.0).fold(0.0, f64::max);
    let hashes = times.iter().map(|t| t.1).sum::<usize>() / times.len();
    println!(
        "\nhash_query, 640x480 JPEG: mean {mean:.1} ms, max {max:.1} ms, {hashes} hashes on average"
    );
}
