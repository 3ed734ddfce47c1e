#[path = "../tests/fixtures/mod.rs"]
mod fixtures;
use takedown_matching::{ImageLimits, hamming_hex, hash_query, hash_reference};

fn main() {
    for i in 0..12usize {
        for (k, frac) in [0.15f64, 0.25, 0.4].into_iter().enumerate() {
            let l = fixtures::logo(i as u64 + 1);
            let r = hash_reference(&fixtures::png(&l), &ImageLimits::default()).unwrap();
            let side = (frac * 640.0 * 480.0).sqrt().round() as u32;
            let mut rng = fixtures::Rng::new((i * 10 + k) as u64);
            let x = rng.range(0, i64::from(640 - side) + 1) as u32;
            let y = rng.range(0, i64::from(480 - side) + 1) as u32;
            let scene = fixtures::scene(1000 + (i * 10 + k) as u64, 640, 480);
            let img = fixtures::paste(&scene, &l, x, y, side);
            if !(x == 80 && y == 206) {
                continue;
            }
            println!("case i={i} k={k}");
            let truth = [
                x as f32 / 640.0,
                y as f32 / 480.0,
                side as f32 / 640.0,
                side as f32 / 480.0,
            ];
            for (name, bytes) in [
                ("png", fixtures::png(&img)),
                ("jpeg85", fixtures::jpeg(&img, 85)),
            ] {
                let q = hash_query(&bytes, &ImageLimits::default()).unwrap();
                let mut near: Vec<_> = q
                    .iter()
                    .filter_map(|h| {
                        let reg = h.region?;
                        let err = (0..4)
                            .map(|j| (reg[j] - truth[j]).abs())
                            .fold(0.0f32, f32::max);
                        (err < 0.02).then(|| {
                            (
                                hamming_hex(&h.bits, &r[0].bits).unwrap(),
                                hamming_hex(&h.bits, &r[1].bits).unwrap(),
                                err,
                                reg,
                            )
                        })
                    })
                    .collect();
                near.sort_by(|a, b| a.0.cmp(&b.0));
                println!("{name}: truth {truth:?}");
                for n in near.iter().take(8) {
                    println!("  {n:?}");
                }
            }
            img.save("/tmp/case.png").unwrap();
        }
    }
}
