//! The specificity of registrations against the shipped background set: a plain shape an
//! owner registers is judged too generic and draws no matches; a distinctive logo is not,
//! and still matches its copies.

mod fixtures;

use image::{Rgb, RgbImage};
use takedown_matching::{
    Background, IMAGE_THRESHOLDS, ImageIndex, ImageLimits, IndexedImage, SpecificityPolicy,
    hash_query, hash_reference_views, image_hash::specificity,
};

fn limits() -> ImageLimits {
    ImageLimits::default()
}

/// Vertical bars of `width` px at each of `xs`, `top..bottom`, on white.
fn bars(xs: &[u32], width: u32, top: u32, bottom: u32, colour: [u8; 3]) -> RgbImage {
    let mut img = RgbImage::from_pixel(256, 256, Rgb([255, 255, 255]));
    for &x in xs {
        for px in x..x + width {
            for py in top..bottom {
                img.put_pixel(px, py, Rgb(colour));
            }
        }
    }
    img
}

fn register(index: &mut ImageIndex, right: &str, img: &RgbImage) -> specificity::Specificity {
    let views = hash_reference_views(&fixtures::png(img), &limits()).expect("hashes");
    index.insert(IndexedImage {
        right_id: right.into(),
        view: "logo".into(),
        digest: right.into(),
        hashes: views.core,
        variants: views.variants,
    })
}

fn matches(index: &ImageIndex, img: &RgbImage) -> Vec<String> {
    let hashes = hash_query(&fixtures::jpeg(img, 80), &limits()).expect("query hashes");
    index
        .query_with(&hashes, IMAGE_THRESHOLDS)
        .into_iter()
        .map(|h| h.right_id)
        .collect()
}

#[test]
fn the_shipped_background_parses_and_holds_thousands_of_images() {
    let background = Background::shipped();
    assert!(
        background.image_count() >= 3_000,
        "{}",
        background.image_count()
    );
    assert!(background.hash_count() >= 10 * background.image_count() as usize);
}

#[test]
fn a_two_bar_logo_is_too_generic_and_draws_no_matches_while_a_distinctive_logo_matches() {
    let two_bars = bars(&[70, 146], 40, 40, 216, [20, 20, 20]);
    let mut index = ImageIndex::new();
    let judged = register(&mut index, "bars", &two_bars);
    assert!(judged.too_generic, "{judged:?}");
    let distinctive = register(&mut index, "logo-1", &fixtures::logo(1));
    assert!(!distinctive.too_generic, "{distinctive:?}");

    // Unrelated bar-like pictures (a pause glyph, three bars, a striped flag) match
    // nothing; nor does the registered picture itself, re-encoded: it is not matched by
    // image at all.
    for (what, img) in [
        ("pause glyph", bars(&[90, 150], 24, 60, 196, [0, 0, 0])),
        (
            "three bars",
            bars(&[40, 108, 176], 40, 30, 226, [30, 60, 160]),
        ),
        ("striped flag", bars(&[0, 171], 85, 0, 256, [0, 85, 164])),
        ("the registered bars", two_bars.clone()),
    ] {
        assert!(matches(&index, &img).is_empty(), "{what}");
    }
    // The distinctive logo still matches its copy, and only it.
    assert_eq!(
        matches(&index, &fixtures::logo(1)),
        vec!["logo-1".to_owned()]
    );
    // Without the check, the bars match bar-like pictures: what the check prevents.
    let mut unchecked = ImageIndex::with_policy(SpecificityPolicy::off());
    register(&mut unchecked, "bars", &two_bars);
    assert!(!matches(&unchecked, &two_bars).is_empty());
}

#[test]
fn a_background_that_holds_the_logo_itself_once_does_not_make_it_generic() {
    // A brand logo that happens to be in the background set (one unrelated image at
    // distance 0) keeps its matching: a distance is barred only when several distinct
    // background images come that close.
    let logo = fixtures::logo(2);
    let own = hash_query(&fixtures::png(&logo), &limits()).expect("hashes");
    let others: Vec<_> = (10..20)
        .flat_map(|seed| hash_query(&fixtures::png(&fixtures::logo(seed)), &limits()).expect("h"))
        .collect();
    let background = Box::leak(Box::new(Background::from_hashes(
        11,
        own.iter().map(|h| (0, h)).chain(
            others
                .iter()
                .enumerate()
                .map(|(i, h)| (1 + (i % 10) as u32, h)),
        ),
    )));
    let policy = SpecificityPolicy {
        background: Some(background),
        neighbours: 2,
        ..SpecificityPolicy::default()
    };
    let mut index = ImageIndex::with_policy(policy);
    let judged = register(&mut index, "logo-2", &logo);
    assert!(!judged.too_generic, "{judged:?}");
    assert_eq!(matches(&index, &logo), vec!["logo-2".to_owned()]);
    // With two copies of it in the background, it is.
    let twice = Box::leak(Box::new(Background::from_hashes(
        2,
        own.iter().map(|h| (0, h)).chain(own.iter().map(|h| (1, h))),
    )));
    let mut index = ImageIndex::with_policy(SpecificityPolicy {
        background: Some(twice),
        neighbours: 2,
        ..SpecificityPolicy::default()
    });
    assert!(register(&mut index, "logo-2", &logo).too_generic);
    assert!(matches(&index, &logo).is_empty());
}
