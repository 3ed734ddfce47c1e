//! Procedural "product photos": a gradient backdrop, a floor, one product, some clutter,
//! and optionally the registered logo tile printed somewhere in the frame.
//!
//! The logo placements are fixed numbers (not drawn from the seed) so tests can assert that
//! the logo covers 15–40% of the frame: big enough for a region hash to find, small enough
//! that a whole-image hash does not.

use image::RgbImage;
use image::imageops::{self, FilterType};

use crate::draw::{self, Color};
use crate::rng::Rng;

pub(crate) const SCENE_WIDTH: u32 = 640;
pub(crate) const SCENE_HEIGHT: u32 = 480;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Product {
    Jacket,
    Bottle,
    Backpack,
    Ball,
    Cap,
    Tshirt,
}

/// Where the logo tile goes: axis-aligned square, top-left corner and side in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placement {
    pub(crate) x: u32,
    pub(crate) y: u32,
    pub(crate) size: u32,
}

#[cfg(test)]
impl Placement {
    pub(crate) fn area_fraction(self) -> f32 {
        (self.size * self.size) as f32 / (SCENE_WIDTH * SCENE_HEIGHT) as f32
    }

    /// `[x, y, w, h]` as fractions of the scene, the convention of `RegionHash::region`.
    pub(crate) fn region(self) -> [f32; 4] {
        let (w, h) = (SCENE_WIDTH as f32, SCENE_HEIGHT as f32);
        [
            self.x as f32 / w,
            self.y as f32 / h,
            self.size as f32 / w,
            self.size as f32 / h,
        ]
    }
}

/// Every placement the catalog uses: upper left 18.75%, lower right 33.3%, centre 25.5%.
pub(crate) const LOGO_PLACEMENTS: [Placement; 3] = [
    Placement {
        x: 48,
        y: 64,
        size: 240,
    },
    Placement {
        x: 300,
        y: 128,
        size: 320,
    },
    Placement {
        x: 190,
        y: 110,
        size: 280,
    },
];

pub(crate) fn scene(seed: u64, product: Product, logo: Option<(&RgbImage, Placement)>) -> RgbImage {
    let mut rng = Rng::new(seed);
    let mut img = RgbImage::new(SCENE_WIDTH, SCENE_HEIGHT);
    let (top, bottom, floor) = backdrop(&mut rng);
    draw::vertical_gradient(&mut img, top, bottom);
    let floor_y = 330.0 + rng.range(0, 40) as f32;
    draw::rect(
        &mut img,
        0.0,
        floor_y,
        SCENE_WIDTH as f32,
        SCENE_HEIGHT as f32 - floor_y,
        floor,
    );
    // A poster or window on one side and the product towards the other: product shots
    // are rarely symmetric, and symmetric frames all look alike to DCT-based hashes.
    let poster_left = rng.unit() < 0.5;
    let (pw, ph) = (rng.range(140, 220) as f32, rng.range(120, 200) as f32);
    let px = if poster_left {
        rng.range(10, 60) as f32
    } else {
        SCENE_WIDTH as f32 - pw - rng.range(10, 60) as f32
    };
    let poster = draw::mix(top, [30, 30, 40], 0.35 + 0.3 * rng.unit());
    draw::rect(&mut img, px, rng.range(20, 60) as f32, pw, ph, poster);
    clutter(&mut img, &mut rng, floor_y);
    let cx = if poster_left { 400.0 } else { 240.0 } + rng.range(-40, 40) as f32;
    let cy = floor_y - 130.0;
    let body = product_color(&mut rng);
    draw_product(&mut img, product, cx, cy, body);
    if let Some((tile, at)) = logo {
        let resized = imageops::resize(tile, at.size, at.size, FilterType::Triangle);
        draw::paste(&mut img, &resized, i64::from(at.x), i64::from(at.y));
    }
    img
}

fn backdrop(rng: &mut Rng) -> (Color, Color, Color) {
    const PAIRS: [(Color, Color); 5] = [
        ([210, 225, 240], [150, 170, 200]),
        ([240, 230, 210], [200, 180, 150]),
        ([225, 240, 225], [160, 190, 160]),
        ([235, 225, 240], [180, 160, 200]),
        ([230, 230, 230], [170, 170, 170]),
    ];
    let (top, bottom) = rng.pick(&PAIRS).copied().unwrap_or(PAIRS[0]);
    (top, bottom, draw::mix(bottom, [60, 50, 40], 0.5))
}

fn product_color(rng: &mut Rng) -> Color {
    const BODIES: [Color; 6] = [
        [200, 40, 40],
        [40, 110, 60],
        [60, 60, 70],
        [230, 190, 40],
        [120, 60, 150],
        [30, 150, 200],
    ];
    rng.pick(&BODIES).copied().unwrap_or(BODIES[0])
}

/// Small props on the floor and the wall, so a scene is never just one flat shape.
fn clutter(img: &mut RgbImage, rng: &mut Rng, floor_y: f32) {
    for _ in 0..7 {
        let color = [
            rng.range(40, 230) as u8,
            rng.range(40, 230) as u8,
            rng.range(40, 230) as u8,
        ];
        let x = rng.range(10, SCENE_WIDTH as i32 - 40) as f32;
        let on_floor = rng.unit() < 0.6;
        let y = if on_floor {
            floor_y + rng.range(10, 100) as f32
        } else {
            rng.range(10, 200) as f32
        };
        let size = rng.range(12, 40) as f32;
        match rng.range(0, 3) {
            0 => draw::circle(img, x, y, size / 2.0, color),
            1 => draw::rect(img, x, y, size, size * 0.7, color),
            _ => draw::polygon(
                img,
                &[(x, y + size), (x + size, y + size), (x + size / 2.0, y)],
                color,
            ),
        }
    }
}

fn draw_product(img: &mut RgbImage, product: Product, cx: f32, cy: f32, body: Color) {
    let dark = draw::mix(body, [0, 0, 0], 0.45);
    let light = draw::mix(body, [255, 255, 255], 0.55);
    let at = |pts: &[(f32, f32)]| {
        pts.iter()
            .map(|&(x, y)| (cx + x, cy + y))
            .collect::<Vec<_>>()
    };
    match product {
        Product::Jacket => {
            draw::polygon(
                img,
                &at(&[
                    (-150.0, -90.0),
                    (-60.0, -130.0),
                    (60.0, -130.0),
                    (150.0, -90.0),
                    (190.0, 90.0),
                    (140.0, 100.0),
                    (110.0, -20.0),
                    (100.0, 130.0),
                    (-100.0, 130.0),
                    (-110.0, -20.0),
                    (-140.0, 100.0),
                    (-190.0, 90.0),
                ]),
                body,
            );
            draw::polygon(
                img,
                &at(&[(-40.0, -130.0), (0.0, -90.0), (40.0, -130.0)]),
                dark,
            );
            draw::line(img, (cx, cy - 90.0), (cx, cy + 130.0), 6.0, light);
            draw::rect(img, cx - 90.0, cy + 40.0, 50.0, 12.0, dark);
            draw::rect(img, cx + 40.0, cy + 40.0, 50.0, 12.0, dark);
        }
        Product::Tshirt => {
            draw::polygon(
                img,
                &at(&[
                    (-140.0, -100.0),
                    (-50.0, -120.0),
                    (50.0, -120.0),
                    (140.0, -100.0),
                    (180.0, -20.0),
                    (120.0, 0.0),
                    (100.0, -40.0),
                    (100.0, 130.0),
                    (-100.0, 130.0),
                    (-100.0, -40.0),
                    (-120.0, 0.0),
                    (-180.0, -20.0),
                ]),
                body,
            );
            draw::ring(img, cx, cy - 120.0, 40.0, 28.0, dark);
            draw::rect(img, cx - 100.0, cy + 100.0, 200.0, 14.0, light);
        }
        Product::Bottle => {
            draw::rect(img, cx - 55.0, cy - 90.0, 110.0, 220.0, body);
            draw::rect(img, cx - 30.0, cy - 140.0, 60.0, 50.0, light);
            draw::circle(img, cx, cy - 150.0, 34.0, dark);
            draw::rect(img, cx - 55.0, cy - 10.0, 110.0, 60.0, light);
            draw::rect(img, cx - 55.0, cy + 10.0, 110.0, 12.0, dark);
        }
        Product::Backpack => {
            draw::circle(img, cx, cy - 60.0, 110.0, body);
            draw::rect(img, cx - 110.0, cy - 60.0, 220.0, 190.0, body);
            draw::rect(img, cx - 70.0, cy + 10.0, 140.0, 90.0, dark);
            draw::rect(img, cx - 70.0, cy + 10.0, 140.0, 14.0, light);
            draw::ring(img, cx, cy - 175.0, 30.0, 20.0, dark);
        }
        Product::Ball => {
            let r = 140.0;
            draw::circle(img, cx, cy, r, body);
            // Two seam arcs, clipped to the ball so they read as panels, not loose rings.
            draw::fill_where(img, (cx - r, cy - r, cx + r, cy + r), light, |x, y| {
                let in_ball = (x - cx).powi(2) + (y - cy).powi(2) <= r * r;
                let seam = |ox: f32| {
                    let d = ((x - ox).powi(2) + (y - cy).powi(2)).sqrt();
                    (136.0..150.0).contains(&d)
                };
                in_ball && (seam(cx - 150.0) || seam(cx + 150.0))
            });
            draw::rect(img, cx - r, cy - 7.0, 2.0 * r, 14.0, dark);
        }
        Product::Cap => {
            draw::fill_where(
                img,
                (cx - 130.0, cy - 130.0, cx + 130.0, cy + 1.0),
                body,
                |x, y| (x - cx).powi(2) + (y - cy).powi(2) <= 130.0 * 130.0 && y <= cy,
            );
            draw::polygon(
                img,
                &at(&[(-130.0, 0.0), (200.0, 0.0), (230.0, 30.0), (-130.0, 30.0)]),
                dark,
            );
            draw::circle(img, cx, cy - 128.0, 12.0, light);
            draw::line(img, (cx, cy - 128.0), (cx, cy), 4.0, dark);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{self, Picture};
    use crate::encode::{self, Format};
    use image_hasher::{HashAlg, HasherConfig};

    #[test]
    fn logo_placements_cover_15_to_40_percent_inside_the_frame() {
        for at in LOGO_PLACEMENTS {
            let share = at.area_fraction();
            assert!((0.15..=0.40).contains(&share), "{at:?}: {share}");
            assert!(
                at.x + at.size <= SCENE_WIDTH && at.y + at.size <= SCENE_HEIGHT,
                "{at:?}"
            );
            let [x, y, w, h] = at.region();
            assert!(x >= 0.0 && y >= 0.0 && x + w <= 1.0 && y + h <= 1.0);
        }
        // Placements differ in position, not only in size.
        for (i, a) in LOGO_PLACEMENTS.iter().enumerate() {
            for b in &LOGO_PLACEMENTS[i + 1..] {
                assert!(a.x != b.x && a.y != b.y);
            }
        }
    }

    /// Every scene the catalog plants a logo in, decoded from the bytes the site serves.
    fn planted_scenes() -> Vec<(Placement, image::DynamicImage)> {
        let registered = crate::render::Registered::draw();
        let mut images: Vec<catalog::Image> = catalog::market_items()
            .into_iter()
            .flat_map(|item| item.images)
            .collect();
        images.extend(
            catalog::fair_exhibitors()
                .into_iter()
                .flat_map(|e| e.products)
                .map(|p| p.image),
        );
        images
            .into_iter()
            .filter_map(|image| match image.picture {
                Picture::LogoInScene { placement, .. } => {
                    let at = *LOGO_PLACEMENTS
                        .get(placement)
                        .expect("the catalog names a real placement");
                    let bytes = encode::encode(&registered.render(image.picture), image.format);
                    Some((at, image::load_from_memory(&bytes).expect("decode")))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_logo_region_of_a_planted_scene_hashes_like_the_logo() {
        let hasher = HasherConfig::new()
            .hash_size(8, 8)
            .hash_alg(HashAlg::Mean)
            .preproc_dct()
            .to_hasher();
        let logo = hasher.hash_image(&image::DynamicImage::ImageRgb8(crate::logos::registered()));
        let scenes = planted_scenes();
        assert!(scenes.len() >= 3, "market plants two, the fair one");
        let mut used = std::collections::BTreeSet::new();
        for (at, scene) in scenes {
            used.insert((at.x, at.y, at.size));
            let region = scene.crop_imm(at.x, at.y, at.size, at.size);
            let near = hasher.hash_image(&region).dist(&logo);
            assert!(near <= 4, "{at:?}: region distance {near}");
            assert!(
                hasher.hash_image(&scene).dist(&logo) >= 14,
                "{at:?}: the whole scene must not match"
            );
        }
        assert_eq!(used.len(), LOGO_PLACEMENTS.len(), "every placement is used");
    }

    #[test]
    fn scenes_are_deterministic_and_seed_dependent() {
        let a = scene(5, Product::Cap, None);
        assert_eq!(a, scene(5, Product::Cap, None));
        assert_ne!(a, scene(6, Product::Cap, None));
        let jpeg = encode::encode(&a, Format::Jpeg(85));
        assert_eq!(
            jpeg,
            encode::encode(&scene(5, Product::Cap, None), Format::Jpeg(85))
        );
    }
}
