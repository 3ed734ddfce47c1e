//! The registered design: a trail running shoe, drawn from the front and from the side.
//!
//! Design registrations show the product on a plain background, one drawing per view; the
//! matcher compares listing photos against every view, so the two views differ strongly
//! (a wide profile and a narrow front).
//!
//! The backdrop is a dark studio grey with a light shoe on it. On white, a shoe's coarse
//! luminance layout (light field, darker mass low in the middle) is what every light product
//! photo with a floor also has, and 64-bit perceptual hashes of the clean scenes landed within
//! a few bits of the views; the dark backdrop inverts that layout and keeps them far apart.

use image::RgbImage;

use crate::draw::{self, Color};

pub(crate) const VIEW_WIDTH: u32 = 320;
pub(crate) const VIEW_HEIGHT: u32 = 240;

const PAPER: Color = [46, 52, 60];
const SOLE: Color = [236, 236, 230];
const LUGS: Color = [16, 16, 18];
const UPPER: Color = [60, 190, 180];
const SIDE: Color = [30, 130, 124];
const TOE: Color = [200, 240, 232];
const COLLAR: Color = [24, 60, 64];
const ACCENT: Color = [245, 120, 30];
const FLASH: Color = [250, 214, 40];

/// The registered views, in the owner file's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    Front,
    Side,
}

impl View {
    /// The view's name in the owner file.
    pub(crate) fn name(self) -> &'static str {
        match self {
            View::Front => "front",
            View::Side => "side",
        }
    }

    pub(crate) fn draw(self) -> RgbImage {
        match self {
            View::Front => front(),
            View::Side => side(),
        }
    }
}

fn side() -> RgbImage {
    let mut img = draw::canvas(VIEW_WIDTH, VIEW_HEIGHT, PAPER);
    // Tread lugs first so the sole's edge overlaps them cleanly.
    for i in 0..11 {
        draw::rect(&mut img, 40.0 + i as f32 * 23.0, 198.0, 14.0, 12.0, LUGS);
    }
    draw::polygon(
        &mut img,
        &[
            (18.0, 166.0),
            (302.0, 170.0),
            (302.0, 190.0),
            (290.0, 202.0),
            (44.0, 202.0),
            (24.0, 190.0),
        ],
        SOLE,
    );
    draw::rect(&mut img, 40.0, 180.0, 250.0, 6.0, ACCENT);
    let upper = [
        (22.0, 168.0),
        (30.0, 148.0),
        (60.0, 134.0),
        (110.0, 122.0),
        (150.0, 96.0),
        (176.0, 70.0),
        (200.0, 62.0),
        (236.0, 74.0),
        (272.0, 58.0),
        (294.0, 68.0),
        (302.0, 110.0),
        (302.0, 168.0),
    ];
    draw::polygon(&mut img, &upper, UPPER);
    draw::polygon(
        &mut img,
        &[
            (22.0, 168.0),
            (30.0, 148.0),
            (60.0, 134.0),
            (84.0, 132.0),
            (74.0, 168.0),
        ],
        TOE,
    );
    draw::polygon(
        &mut img,
        &[
            (200.0, 64.0),
            (236.0, 76.0),
            (270.0, 62.0),
            (262.0, 56.0),
            (204.0, 58.0),
        ],
        COLLAR,
    );
    draw::polygon(
        &mut img,
        &[
            (106.0, 152.0),
            (232.0, 100.0),
            (244.0, 114.0),
            (118.0, 164.0),
        ],
        FLASH,
    );
    draw::rect(&mut img, 288.0, 66.0, 14.0, 40.0, ACCENT);
    for i in 0..5 {
        let t = i as f32 * 14.0;
        draw::line(
            &mut img,
            (118.0 + t, 108.0 - t * 0.8),
            (132.0 + t, 122.0 - t * 0.8),
            5.0,
            ACCENT,
        );
    }
    img
}

fn front() -> RgbImage {
    // Seen from the front and a little to the side: a perfectly symmetric drawing would
    // hash like every other centred, symmetric picture (its odd DCT terms vanish), so the
    // lateral side recedes to the right as it would in a real product shot.
    let mut img = draw::canvas(VIEW_WIDTH, VIEW_HEIGHT, PAPER);
    for i in 0..8 {
        draw::rect(&mut img, 82.0 + i as f32 * 22.0, 198.0, 12.0, 10.0, LUGS);
    }
    draw::polygon(
        &mut img,
        &[
            (76.0, 202.0),
            (250.0, 206.0),
            (270.0, 196.0),
            (264.0, 180.0),
            (90.0, 174.0),
            (70.0, 188.0),
        ],
        SOLE,
    );
    draw::polygon(
        &mut img,
        &[(80.0, 186.0), (262.0, 190.0), (262.0, 196.0), (80.0, 192.0)],
        ACCENT,
    );
    draw::polygon(
        &mut img,
        &[
            (188.0, 178.0),
            (194.0, 94.0),
            (232.0, 106.0),
            (260.0, 140.0),
            (262.0, 182.0),
        ],
        SIDE,
    );
    let upper = [
        (84.0, 178.0),
        (80.0, 140.0),
        (92.0, 100.0),
        (110.0, 76.0),
        (140.0, 64.0),
        (170.0, 76.0),
        (188.0, 100.0),
        (198.0, 140.0),
        (194.0, 178.0),
    ];
    draw::polygon(&mut img, &upper, UPPER);
    draw::polygon(
        &mut img,
        &[(84.0, 178.0), (82.0, 148.0), (196.0, 148.0), (194.0, 178.0)],
        TOE,
    );
    draw::polygon(
        &mut img,
        &[(120.0, 70.0), (160.0, 70.0), (156.0, 130.0), (124.0, 130.0)],
        FLASH,
    );
    draw::polygon(
        &mut img,
        &[(116.0, 64.0), (164.0, 64.0), (156.0, 54.0), (124.0, 54.0)],
        COLLAR,
    );
    draw::rect(&mut img, 226.0, 100.0, 12.0, 30.0, ACCENT);
    for i in 0..4 {
        let y = 80.0 + i as f32 * 12.0;
        draw::line(&mut img, (122.0, y), (158.0, y + 8.0), 4.0, ACCENT);
        draw::line(&mut img, (158.0, y), (122.0, y + 8.0), 4.0, ACCENT);
    }
    img
}
