//! Writes a contact sheet of sample images to the PNG path given as the first argument
//! (default `sample-contact.png`), for eyeballing what the generator draws.
//!
//! `cargo run -p takedown-sample --example contact_sheet -- /tmp/sample-contact.png`

#![forbid(unsafe_code)]

use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

const CELL: u32 = 200;
const COLUMNS: u32 = 8;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sample-contact.png".into());
    let started = std::time::Instant::now();
    let sample = takedown_sample::generate();
    println!(
        "generated {} files in {:?}",
        sample.site.len(),
        started.elapsed()
    );
    let mut images = Vec::new();
    for (_, bytes) in &sample.owner_images {
        images.push(image::load_from_memory(bytes)?.to_rgb8());
    }
    for path in sample.site.paths().filter(|p| p.contains("/img/")) {
        if let Some((_, bytes)) = sample.site.get(path) {
            images.push(image::load_from_memory(bytes)?.to_rgb8());
        }
    }
    let rows = (images.len() as u32).div_ceil(COLUMNS);
    let mut sheet = RgbImage::from_pixel(COLUMNS * CELL, rows * CELL, Rgb([255, 255, 255]));
    for (i, img) in images.iter().enumerate() {
        let scale = (CELL - 8) as f32 / img.width().max(img.height()) as f32;
        let thumb = imageops::resize(
            img,
            ((img.width() as f32 * scale) as u32).max(1),
            ((img.height() as f32 * scale) as u32).max(1),
            FilterType::Triangle,
        );
        let (x, y) = (
            (i as u32 % COLUMNS) * CELL + 4,
            (i as u32 / COLUMNS) * CELL + 4,
        );
        imageops::replace(&mut sheet, &thumb, i64::from(x), i64::from(y));
    }
    sheet.save(&out)?;
    println!("{} images -> {out}", images.len());
    Ok(())
}
