#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

fn main() {
    // Reproduce measure_images' pasted case i=7, k=0.
    let (i, k, frac) = (7usize, 0usize, 0.15f64);
    let l = fixtures::logo(i as u64 + 1);
    let side = (frac * 640.0 * 480.0).sqrt().round() as u32;
    let mut rng = fixtures::Rng::new((i * 10 + k) as u64);
    let x = rng.range(0, i64::from(640 - side) + 1) as u32;
    let y = rng.range(0, i64::from(480 - side) + 1) as u32;
    let scene = fixtures::scene(1000 + (i * 10 + k) as u64, 640, 480);
    let img = fixtures::paste(&scene, &l, x, y, side);
    img.save("/tmp/case.png").unwrap();
    println!("tile at {x},{y} side {side}; logo bg {:?}", l.get_pixel(0, 0));
    let small = image::imageops::resize(&img, 341, 256, image::imageops::FilterType::Triangle);
    let g = image::imageops::grayscale(&small);
    let s = 341.0 / 640.0;
    let (x0, y0, x1, y1) = ((x as f64 * s) as u32, (y as f64 * s) as u32, ((x + side) as f64 * s) as u32, ((y + side) as f64 * s) as u32);
    println!("working tile {x0},{y0}..{x1},{y1}");
    for xx in [x0 - 1, x0, x0 + 1, x1 - 1, x1, x1 + 1] {
        let m: f64 = (y0 + 10..y1 - 10).map(|yy| (g.get_pixel(xx, yy).0[0] as f64 - g.get_pixel(xx - 1, yy).0[0] as f64).abs()).sum::<f64>() / (y1 - y0 - 20) as f64;
        println!("vertical edge x={xx}: {m:.1}");
    }
    for yy in [y0 - 1, y0, y0 + 1, y1 - 1, y1, y1 + 1] {
        if yy >= 256 { continue; }
        let m: f64 = (x0 + 10..x1 - 10).map(|xx| (g.get_pixel(xx, yy).0[0] as f64 - g.get_pixel(xx, yy - 1).0[0] as f64).abs()).sum::<f64>() / (x1 - x0 - 20) as f64;
        println!("horizontal edge y={yy}: {m:.1}");
    }
}
