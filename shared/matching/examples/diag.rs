#[path = "../tests/fixtures/mod.rs"]
mod fixtures;
use image::imageops;
use takedown_matching::{ImageLimits, hamming_hex, hash_query, hash_reference};

fn main() {
    let limits = ImageLimits::default();
    for (i, (bx, by, bw, bh)) in [
        (5usize, (38u32, 40u32, 183u32, 173u32)),
        (0, (32, 31, 164, 185)),
    ] {
        let logo = fixtures::logo(i as u64 + 1);
        let r = hash_reference(&fixtures::png(&logo), &limits).unwrap();
        let mut best = (99, (0, 0, 0, 0));
        for dx in -12i32..=12 {
            for dy in -12i32..=12 {
                for dw in [-24i32, -12, -6, -2, 0, 2, 6, 12, 24] {
                    for dh in [-24i32, -12, -6, -2, 0, 2, 6, 12, 24] {
                        let (x, y) = (
                            (bx as i32 + dx).max(0) as u32,
                            (by as i32 + dy).max(0) as u32,
                        );
                        let (w, h) = (
                            (bw as i32 + dw).min(256 - x as i32) as u32,
                            (bh as i32 + dh).min(256 - y as i32) as u32,
                        );
                        let crop = imageops::crop_imm(&logo, x, y, w, h).to_image();
                        let q = hash_query(&fixtures::png(&crop), &limits).unwrap();
                        let d = hamming_hex(&q[0].bits, &r[1].bits).unwrap();
                        if d < best.0 {
                            best = (d, (x, y, w, h));
                        }
                    }
                }
            }
        }
        println!(
            "logo {i}: exact box {:?}, closest crop {:?}",
            (bx, by, bw, bh),
            best
        );
        logo.save(format!("/tmp/logo{i}.png")).unwrap();
    }
}
