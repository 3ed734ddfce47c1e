//! The planted images must be near their registered originals and everything else far,
//! under two common 64-bit perceptual hashes. This checks the *sample*, not the matcher: if
//! these fail, no whole-image matcher could tell the cases apart.

use image::DynamicImage;
use image_hasher::{HashAlg, Hasher, HasherConfig, ImageHash};
use takedown_sample::{SampleData, generate};

/// At most this far from its original: a resized, re-compressed copy.
const NEAR: u32 = 4;
/// At least this far from every registered image: anything not copied from it.
const FAR: u32 = 14;

fn hashers() -> Vec<(&'static str, Hasher)> {
    vec![
        (
            "phash (dct, mean)",
            HasherConfig::new()
                .hash_size(8, 8)
                .hash_alg(HashAlg::Mean)
                .preproc_dct()
                .to_hasher(),
        ),
        (
            "gradient",
            HasherConfig::new()
                .hash_size(8, 8)
                .hash_alg(HashAlg::Gradient)
                .to_hasher(),
        ),
    ]
}

fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).expect("decodes")
}

fn owner_image(sample: &SampleData, name: &str) -> DynamicImage {
    let (_, bytes) = sample
        .owner_images
        .iter()
        .find(|(file, _)| file == name)
        .expect("owner image");
    decode(bytes)
}

/// The images of one listing: a market page's, or one fair product's.
fn listing_images(sample: &SampleData, url_path: &str) -> Vec<DynamicImage> {
    let (page_path, fragment) = url_path.split_once('#').unwrap_or((url_path, ""));
    let (_, page) = sample.site.get(page_path).expect("page");
    let page = std::str::from_utf8(page).expect("utf8");
    let section = if fragment.is_empty() {
        page.split("<body>").nth(1).expect("body")
    } else {
        let start = page
            .find(&format!("id=\"{fragment}\""))
            .expect("product div");
        &page[start..start + page[start..].find("</div>").expect("div end")]
    };
    section
        .split("<img ")
        .skip(1)
        .map(|tag| {
            let src = tag
                .split("src=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .expect("src");
            decode(sample.site.get(src).expect("image served").1)
        })
        .collect()
}

fn min_dist(hasher: &Hasher, reference: &ImageHash, images: &[DynamicImage]) -> u32 {
    images
        .iter()
        .map(|img| hasher.hash_image(img).dist(reference))
        .min()
        .unwrap_or(u32::MAX)
}

#[test]
fn planted_copies_are_near_and_everything_else_far() {
    let sample = generate();
    let logo = owner_image(&sample, "velotrax-logo.png");
    let views = [
        owner_image(&sample, "trail-shoe-front.png"),
        owner_image(&sample, "trail-shoe-side.png"),
    ];
    let mut front_copies = 0;
    let mut side_copies = 0;
    for (name, hasher) in hashers() {
        let logo_hash = hasher.hash_image(&logo);
        let view_hashes: Vec<ImageHash> = views.iter().map(|v| hasher.hash_image(v)).collect();
        for listing in &sample.expected {
            let images = listing_images(&sample, &listing.url_path);
            let to_logo = min_dist(&hasher, &logo_hash, &images);
            let to_views: Vec<u32> = view_hashes
                .iter()
                .map(|h| min_dist(&hasher, h, &images))
                .collect();
            let what = format!(
                "{name}: {} ({}): logo {to_logo}, views {to_views:?}",
                listing.url_path, listing.case
            );
            // Copies of the logo (and the authorized seller's genuine logo) are near it as a
            // whole image; a logo inside a scene is only found by region hashing.
            if matches!(listing.case, "logo_recompressed" | "authorized_seller") {
                assert!(to_logo <= NEAR, "{what}");
            } else {
                assert!(to_logo >= FAR, "{what}");
            }
            if listing.case == "design_copy" {
                assert!(to_views.iter().any(|&d| d <= NEAR), "{what}");
                front_copies += usize::from(to_views[0] <= NEAR);
                side_copies += usize::from(to_views[1] <= NEAR);
            } else {
                assert!(to_views.iter().all(|&d| d >= FAR), "{what}");
            }
        }
        // The two views are different pictures, and neither looks like the logo.
        assert!(
            view_hashes[0].dist(&view_hashes[1]) >= FAR,
            "{name}: views too alike"
        );
        assert!(
            view_hashes.iter().all(|h| h.dist(&logo_hash) >= FAR),
            "{name}: a view looks like the logo"
        );
    }
    assert!(
        front_copies > 0 && side_copies > 0,
        "each design view is copied somewhere"
    );
}
