//! Renders monochrome SVG icons (the npm package `simple-icons`) to RGBA PNGs in a given
//! colour, for the evaluation dataset (`bench/dataset/make_dataset.py` calls it).
//!
//! Input: a list file with one `slug HEX` pair a line; the SVG is `ICONS/<slug>.svg`.
//! Output: `OUT/<slug>.png`, `SIZE`×`SIZE`, transparent canvas, the icon scaled to fit
//! 80% of the side and centred (a registered logo file usually has such a margin).
//!
//! `cargo run -p takedown-matching --example render_icons -- LIST ICONS OUT SIZE`
//!
//! resvg rather than a hand-written rasterizer: it renders these path-only SVGs exactly,
//! with anti-aliasing, and is deterministic across machines.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use resvg::{tiny_skia, usvg};

/// Share of the canvas side the icon's longer side takes.
const FILL: f32 = 0.8;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [list, icons, out, size] = args.as_slice() else {
        return Err("usage: render_icons LIST ICONS_DIR OUT_DIR SIZE".into());
    };
    let size: u32 = size.parse()?;
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let mut count = 0;
    for line in std::fs::read_to_string(list)?.lines() {
        let mut parts = line.split_whitespace();
        let (Some(slug), Some(hex)) = (parts.next(), parts.next()) else {
            continue;
        };
        render(
            &Path::new(icons).join(format!("{slug}.svg")),
            hex,
            size,
            &out.join(format!("{slug}.png")),
        )
        .map_err(|e| format!("{slug}: {e}"))?;
        count += 1;
    }
    eprintln!("rendered {count} icons to {}", out.display());
    Ok(())
}

fn render(svg: &Path, hex: &str, size: u32, png: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(svg)?;
    // simple-icons paths carry no fill: set the brand colour on the root element.
    let coloured = text.replacen("<svg ", &format!("<svg fill=\"#{hex}\" "), 1);
    let tree = usvg::Tree::from_str(&coloured, &usvg::Options::default())?;
    let mut pixmap = tiny_skia::Pixmap::new(size, size).ok_or("zero-sized canvas")?;
    let (w, h) = (tree.size().width(), tree.size().height());
    let scale = FILL * size as f32 / w.max(h);
    let (dx, dy) = (
        (size as f32 - w * scale) / 2.0,
        (size as f32 - h * scale) / 2.0,
    );
    let transform = tiny_skia::Transform::from_row(scale, 0.0, 0.0, scale, dx, dy);
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap.save_png(png)?;
    Ok(())
}
