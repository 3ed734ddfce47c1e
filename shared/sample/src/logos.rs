//! The registered VELOTRAX logo and the unrelated logos of other brands.
//!
//! The registered logo is deliberately busy at a coarse scale (a ring, a chevron, a stripe
//! field, corner marks on a dark tile) because perceptual hashes look at a ~32×32 thumbnail:
//! large, high-contrast shapes keep its hash stable under resizing and JPEG. The other logos
//! each use a different *layout*, not just other colours, so a correct matcher finds them
//! far from the registered one.

use image::RgbImage;

use crate::draw::{self, Color};
use crate::rng::Rng;

pub(crate) const LOGO_SIZE: u32 = 256;

const NAVY: Color = [16, 36, 72];
const ORANGE: Color = [245, 130, 32];
const CYAN: Color = [40, 200, 220];
const WHITE: Color = [250, 250, 250];
const YELLOW: Color = [255, 214, 10];
const RED: Color = [220, 40, 50];

/// The brand owner's registered logo, background tile included.
pub(crate) fn registered() -> RgbImage {
    let s = LOGO_SIZE as f32;
    let c = s / 2.0;
    let mut img = draw::canvas(LOGO_SIZE, LOGO_SIZE, NAVY);
    // Speed stripes fill the upper-left of the disc; the chevron is drawn over them.
    draw::diagonal_stripes(&mut img, (0.0, 0.0, s, s), 22.0, 9.0, CYAN, |x, y| {
        let (dx, dy) = (x - c, y - c);
        dx * dx + dy * dy < 98.0 * 98.0 && x + y < s
    });
    draw::ring(&mut img, c, c, 118.0, 100.0, ORANGE);
    let chevron = [
        (58.0, 66.0),
        (98.0, 66.0),
        (128.0, 156.0),
        (158.0, 66.0),
        (198.0, 66.0),
        (146.0, 204.0),
        (110.0, 204.0),
    ];
    draw::polygon(&mut img, &chevron, WHITE);
    draw::rect(&mut img, 84.0, 212.0, 88.0, 12.0, YELLOW);
    draw::circle(&mut img, 228.0, 28.0, 20.0, YELLOW);
    draw::polygon(&mut img, &[(6.0, 250.0), (52.0, 250.0), (29.0, 208.0)], RED);
    img
}

/// How many distinct layouts [`other`] draws before repeating one in other colours.
pub(crate) const OTHER_LAYOUTS: usize = 12;

/// The logo of some other brand: layout `index % OTHER_LAYOUTS`, colours from `index`.
pub(crate) fn other(index: usize) -> RgbImage {
    let mut rng = Rng::new(0x10605 ^ (index as u64).wrapping_mul(0x9E37));
    let (a, b, c) = palette(&mut rng);
    let mut img = draw::canvas(LOGO_SIZE, LOGO_SIZE, a);
    OTHER_LAYOUT_FNS[index % OTHER_LAYOUTS](&mut img, b, c);
    img
}

/// The layouts [`other`] draws, in order; each paints a main and an accent colour.
const OTHER_LAYOUT_FNS: [fn(&mut RgbImage, Color, Color); OTHER_LAYOUTS] = [
    mountains,
    checkerboard,
    bands,
    star,
    dot_grid,
    split_field,
    plus,
    waves,
    quarter_discs,
    arrow,
    diagonal_split,
    leaves,
];

/// Mountains under a sun.
fn mountains(img: &mut RgbImage, main: Color, accent: Color) {
    let s = LOGO_SIZE as f32;
    draw::rect(img, 0.0, 170.0, s, 86.0, accent);
    draw::polygon(img, &[(0.0, 200.0), (90.0, 60.0), (180.0, 200.0)], main);
    draw::polygon(
        img,
        &[(100.0, 210.0), (180.0, 100.0), (256.0, 210.0)],
        accent,
    );
    draw::circle(img, 210.0, 50.0, 28.0, main);
}

/// Checkerboard with a diamond.
fn checkerboard(img: &mut RgbImage, main: Color, accent: Color) {
    for row in 0..4 {
        for col in 0..4 {
            if (row + col) % 2 == 0 {
                draw::rect(img, col as f32 * 64.0, row as f32 * 64.0, 64.0, 64.0, main);
            }
        }
    }
    draw::polygon(
        img,
        &[(128.0, 60.0), (196.0, 128.0), (128.0, 196.0), (60.0, 128.0)],
        accent,
    );
}

/// Horizontal bands and a block on the left.
fn bands(img: &mut RgbImage, main: Color, accent: Color) {
    let s = LOGO_SIZE as f32;
    for band in 0..5 {
        if band % 2 == 1 {
            draw::rect(img, 0.0, band as f32 * 51.2, s, 51.2, main);
        }
    }
    draw::rect(img, 20.0, 40.0, 80.0, 176.0, accent);
}

/// A large five-pointed star.
fn star(img: &mut RgbImage, main: Color, accent: Color) {
    let star = draw::star_points(128.0, 136.0, 120.0, 48.0, 5, -std::f32::consts::FRAC_PI_2);
    draw::polygon(img, &star, main);
    draw::circle(img, 128.0, 136.0, 26.0, accent);
}

/// A grid of dots growing to the lower right.
fn dot_grid(img: &mut RgbImage, main: Color, accent: Color) {
    for row in 0..3 {
        for col in 0..3 {
            let r = 14.0 + 6.0 * (row + col) as f32;
            let color = if (row * 3 + col) % 3 == 0 {
                accent
            } else {
                main
            };
            draw::circle(
                img,
                44.0 + col as f32 * 84.0,
                44.0 + row as f32 * 84.0,
                r,
                color,
            );
        }
    }
}

/// Split field with a disc on the seam.
fn split_field(img: &mut RgbImage, main: Color, accent: Color) {
    let s = LOGO_SIZE as f32;
    draw::rect(img, 128.0, 0.0, 128.0, s, main);
    draw::circle(img, 128.0, 200.0, 44.0, accent);
    draw::rect(img, 24.0, 24.0, 60.0, 20.0, accent);
}

/// A plus sign.
fn plus(img: &mut RgbImage, main: Color, accent: Color) {
    draw::rect(img, 96.0, 20.0, 64.0, 216.0, main);
    draw::rect(img, 20.0, 96.0, 216.0, 64.0, main);
    draw::rect(img, 112.0, 112.0, 32.0, 32.0, accent);
}

/// Vertical waves.
fn waves(img: &mut RgbImage, main: Color, accent: Color) {
    let s = LOGO_SIZE as f32;
    draw::fill_where(img, (0.0, 0.0, s, s), main, |x, y| {
        (x + 18.0 * (y / 24.0).sin()).rem_euclid(64.0) < 30.0
    });
    draw::rect(img, 0.0, 200.0, s, 56.0, accent);
}

/// Quarter discs in the corners around a square.
fn quarter_discs(img: &mut RgbImage, main: Color, accent: Color) {
    let s = LOGO_SIZE as f32;
    for (cx, cy) in [(0.0, 0.0), (s, 0.0), (0.0, s), (s, s)] {
        draw::circle(img, cx, cy, 90.0, main);
    }
    draw::rect(img, 98.0, 98.0, 60.0, 60.0, accent);
}

/// An arrow pointing right.
fn arrow(img: &mut RgbImage, main: Color, accent: Color) {
    let arrow = [
        (20.0, 100.0),
        (140.0, 100.0),
        (140.0, 40.0),
        (240.0, 128.0),
        (140.0, 216.0),
        (140.0, 156.0),
        (20.0, 156.0),
    ];
    draw::polygon(img, &arrow, main);
    draw::rect(img, 20.0, 20.0, 40.0, 40.0, accent);
}

/// Diagonal split and a row of squares.
fn diagonal_split(img: &mut RgbImage, main: Color, accent: Color) {
    let s = LOGO_SIZE as f32;
    draw::polygon(img, &[(s, 0.0), (s, s), (0.0, s)], main);
    for i in 0..4 {
        draw::rect(img, 16.0 + i as f32 * 36.0, 16.0, 24.0, 24.0, accent);
    }
}

/// Two overlapping leaves on a stem.
fn leaves(img: &mut RgbImage, main: Color, accent: Color) {
    draw::line(img, (128.0, 250.0), (128.0, 120.0), 12.0, accent);
    draw::circle(img, 96.0, 100.0, 64.0, main);
    draw::circle(img, 170.0, 130.0, 50.0, accent);
}

/// Background, main and accent colours, away from the registered navy/orange scheme.
fn palette(rng: &mut Rng) -> (Color, Color, Color) {
    const LIGHT: [Color; 5] = [
        [236, 240, 228],
        [250, 236, 214],
        [226, 236, 250],
        [240, 226, 240],
        [232, 232, 232],
    ];
    const MAIN: [Color; 6] = [
        [30, 130, 76],
        [120, 40, 140],
        [200, 30, 90],
        [20, 90, 160],
        [60, 60, 60],
        [150, 110, 20],
    ];
    const ACCENT: [Color; 5] = [
        [250, 200, 40],
        [40, 170, 200],
        [230, 90, 60],
        [90, 200, 120],
        [20, 20, 20],
    ];
    let a = rng.pick(&LIGHT).copied().unwrap_or([240, 240, 240]);
    let b = rng.pick(&MAIN).copied().unwrap_or([30, 30, 30]);
    let c = rng.pick(&ACCENT).copied().unwrap_or([200, 60, 60]);
    (a, b, c)
}
