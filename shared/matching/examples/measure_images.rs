//! Measures the image hashes on the procedural fixtures: distances of true matches under
//! each edit, distances of unrelated images, and hashing time. Run in release:
//! `cargo run -p takedown-matching --release --example measure_images`.

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::time::Instant;

use takedown_matching::{
    ImageIndex, ImageLimits, IndexedImage, hamming_hex, hash_query, hash_reference,
};
use takedown_model::RegionHash;

fn best_any(
    query: &[RegionHash],
    refs: &[Vec<RegionHash>],
) -> (u32, usize, usize, Option<[f32; 4]>) {
    let mut out = (u32::MAX, 0, 0, None);
    for (ri, r) in refs.iter().enumerate() {
        for (hi, h) in r.iter().enumerate() {
            for q in query {
                let d = hamming_hex(&q.bits, &h.bits).unwrap();
                if d < out.0 {
                    out = (d, ri, hi, q.region);
                }
            }
        }
    }
    out
}

fn best(query: &[RegionHash], reference: &[RegionHash]) -> (u32, Option<[f32; 4]>) {
    let mut out = (u32::MAX, None);
    for q in query {
        for r in reference {
            if let Some(d) = hamming_hex(&q.bits, &r.bits) {
                if d < out.0 {
                    out = (d, q.region);
                }
            }
        }
    }
    out
}

fn main() {
    let limits = ImageLimits::default();
    let logos: Vec<_> = (1..=12).map(fixtures::logo).collect();
    let refs: Vec<Vec<RegionHash>> = logos
        .iter()
        .map(|l| hash_reference(&fixtures::png(l), &limits).expect("ref"))
        .collect();
    let mut index = ImageIndex::new();
    for (i, r) in refs.iter().enumerate() {
        index.insert(IndexedImage {
            right_id: format!("r{i}"),
            view: "logo".into(),
            digest: String::new(),
            hashes: r.clone(),
        });
    }
    println!(
        "reference hashes per logo: {:?}",
        refs.iter().map(Vec::len).collect::<Vec<_>>()
    );

    let edits: Vec<(&str, Box<dyn Fn(&image::RgbImage) -> Vec<u8>>)> = vec![
        ("jpeg50", Box::new(|l| fixtures::jpeg(l, 50))),
        (
            "jpeg50+0.6x",
            Box::new(|l| fixtures::jpeg(&fixtures::resize(l, 0.6), 50)),
        ),
        (
            "jpeg50+1.5x",
            Box::new(|l| fixtures::jpeg(&fixtures::resize(l, 1.5), 50)),
        ),
    ];
    for (name, edit) in &edits {
        let ds: Vec<u32> = logos
            .iter()
            .zip(&refs)
            .map(|(l, r)| {
                let q = hash_query(&edit(l), &limits).expect("query");
                best(&q[..1], r).0
            })
            .collect();
        println!(
            "{name}: whole-image distances {ds:?} max {}",
            ds.iter().max().unwrap()
        );
    }

    let mut times = Vec::new();
    let mut pasted = Vec::new();
    let mut trimmed = Vec::new();
    for (i, (l, r)) in logos.iter().zip(&refs).enumerate() {
        for (k, frac) in [0.15f64, 0.25, 0.4].iter().enumerate() {
            let side = (frac * 640.0 * 480.0).sqrt().round() as u32;
            let mut rng = fixtures::Rng::new((i * 10 + k) as u64);
            let x = rng.range(0, i64::from(640 - side) + 1) as u32;
            let y = rng.range(0, i64::from(480 - side) + 1) as u32;
            let scene = fixtures::scene(1000 + (i * 10 + k) as u64, 640, 480);
            let img = fixtures::paste(&scene, l, x, y, side);
            let bytes = fixtures::jpeg(&img, 85);
            let t = Instant::now();
            let q = hash_query(&bytes, &limits).expect("query");
            times.push((t.elapsed().as_secs_f64() * 1000.0, q.len()));
            let (d, region) = best(&q, r);
            pasted.push((
                d,
                frac,
                region,
                (x as f32 / 640.0, y as f32 / 480.0, side as f32 / 640.0),
            ));
            // Trimmed: only the logo's content box, pasted as a rectangle.
            let rgb = l;
            let bb = content_box(rgb);
            let crop = image::imageops::crop_imm(rgb, bb.0, bb.1, bb.2, bb.3).to_image();
            let scale = side as f64 / 256.0;
            let cw = (bb.2 as f64 * scale) as u32;
            let ch = (bb.3 as f64 * scale) as u32;
            let crop =
                image::imageops::resize(&crop, cw, ch, image::imageops::FilterType::Triangle);
            let mut img2 = scene.clone();
            image::imageops::replace(&mut img2, &crop, i64::from(x), i64::from(y));
            let q2 = hash_query(&fixtures::jpeg(&img2, 85), &limits).expect("query");
            trimmed.push((best(&q2, r).0, frac, bb.2 as f32 / bb.3 as f32));
        }
    }
    for p in &pasted {
        println!(
            "pasted d={} frac={} region={:?} truth={:?}",
            p.0, p.1, p.2, p.3
        );
    }
    println!(
        "pasted max distance {}",
        pasted.iter().map(|p| p.0).max().unwrap()
    );
    let mut tds: Vec<_> = trimmed.iter().map(|t| (t.0, t.2)).collect();
    tds.sort_by_key(|t| t.0);
    println!("trimmed (distance, aspect): {tds:?}");
    let avg = times.iter().map(|t| t.0).sum::<f64>() / times.len() as f64;
    println!(
        "hash_query 640x480 jpeg: avg {avg:.1} ms, max {:.1} ms, hashes {:?}",
        times.iter().map(|t| t.0).fold(0.0, f64::max),
        times.iter().map(|t| t.1).collect::<Vec<_>>()
    );

    // Negatives.
    let mut negs = Vec::new();
    for s in 100..130u64 {
        let q = hash_query(&fixtures::jpeg(&fixtures::logo(s), 85), &limits).expect("q");
        let b = best_any(&q, &refs);
        if b.0 <= 10 {
            println!("neg {} {s} {:?}", "logo", b);
        }
        negs.push(("logo", s, b.0, index.query(&q, 12).len()));
    }
    for s in 200..230u64 {
        let q = hash_query(&fixtures::jpeg(&fixtures::scene(s, 640, 480), 85), &limits).expect("q");
        let b = best_any(&q, &refs);
        if b.0 <= 10 {
            println!("neg {} {s} {:?}", "scene", b);
        }
        negs.push(("scene", s, b.0, index.query(&q, 12).len()));
    }
    for s in 300..330u64 {
        let img = fixtures::paste(
            &fixtures::scene(s, 640, 480),
            &fixtures::logo(s + 1000),
            100,
            80,
            260,
        );
        let q = hash_query(&fixtures::jpeg(&img, 85), &limits).expect("q");
        let b = best_any(&q, &refs);
        if b.0 <= 10 {
            println!("neg {} {s} {:?}", "scene+other", b);
        }
        negs.push(("scene+other", s, b.0, index.query(&q, 12).len()));
    }
    let mut ds: Vec<u32> = negs.iter().map(|n| n.2).collect();
    ds.sort();
    println!("negatives min distances sorted: {ds:?}");
    for n in negs.iter().filter(|n| n.2 <= 14) {
        println!("close negative {n:?}");
    }
}

fn content_box(img: &image::RgbImage) -> (u32, u32, u32, u32) {
    let bg = *img.get_pixel(0, 0);
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if *p != bg {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    (x0, y0, x1 - x0 + 1, y1 - y0 + 1)
}
