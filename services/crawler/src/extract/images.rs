//! Image addresses from `<img>` and `<picture>`: the largest `srcset` candidate, lazy-load
//! attributes (`data-src`, `data-lazy-src`, `data-original`), then `src`; and the page's
//! main image when nothing names the product's images.

use scraper::{ElementRef, Html};
use url::Url;

use super::dom::{attr, class_and_id, in_chrome, selector};

/// Lazy-loading attributes, checked before `src`, which is often a placeholder then.
const LAZY_ATTRS: [&str; 5] = [
    "data-lazy-src",
    "data-src",
    "data-lazy",
    "data-original",
    "data-srcset",
];

/// Words in an image's class, id or address that mark decoration, not a product photo.
const DECORATION: [&str; 6] = ["logo", "icon", "sprite", "avatar", "banner", "badge"];

/// The best address for one `<img>` (or `<source>`), resolved against `base`; `<picture>`
/// parents are consulted first, since their sources carry the larger renditions.
pub(crate) fn image_url(img: ElementRef<'_>, base: &Url) -> Option<Url> {
    let picture_source = img
        .parent()
        .and_then(ElementRef::wrap)
        .filter(|p| p.value().name() == "picture")
        .and_then(|p| {
            p.select(&selector("source[srcset]"))
                .filter_map(|s| attr(s, "srcset").and_then(largest_candidate))
                .max_by_key(|(_, size)| *size)
        })
        .map(|(u, _)| u);
    let own_srcset = attr(img, "srcset")
        .or_else(|| attr(img, "data-srcset"))
        .and_then(largest_candidate)
        .map(|(u, _)| u);
    let lazy = LAZY_ATTRS
        .iter()
        .filter(|a| **a != "data-srcset")
        .find_map(|a| attr(img, a));
    [
        picture_source.as_deref(),
        own_srcset.as_deref(),
        lazy,
        attr(img, "src"),
    ]
    .into_iter()
    .flatten()
    .filter_map(|candidate| resolve(candidate, base))
    .next()
}

/// Every image address under `root`, in document order, without repeats.
pub(crate) fn images_in(root: ElementRef<'_>, base: &Url) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    for img in root.select(&selector("img")) {
        if let Some(u) = image_url(img, base).filter(|u| !out.contains(u)) {
            out.push(u);
        }
    }
    out
}

/// The page's main image: outside navigation, not a logo or icon, largest by declared
/// `width`×`height` (undeclared counts as unknown and loses to any declared size), the
/// first on a tie.
pub(crate) fn main_image(doc: &Html, base: &Url) -> Option<Url> {
    let mut best: Option<(u64, Url)> = None;
    for img in doc.select(&selector("img")) {
        if in_chrome(img) || is_decoration(img) {
            continue;
        }
        let Some(url) = image_url(img, base) else {
            continue;
        };
        if DECORATION
            .iter()
            .any(|w| url.path().to_ascii_lowercase().contains(w))
        {
            continue;
        }
        let dim = |name| attr(img, name).and_then(|v| v.trim_end_matches("px").parse::<u64>().ok());
        let area = match (dim("width"), dim("height")) {
            (Some(w), Some(h)) => w.saturating_mul(h),
            (Some(d), None) | (None, Some(d)) => d.saturating_mul(d),
            (None, None) => 0,
        };
        // Tiny declared images are tracking pixels and spacers.
        if (1..=64 * 64).contains(&area) {
            continue;
        }
        if best.as_ref().is_none_or(|(a, _)| area > *a) {
            best = Some((area, url));
        }
    }
    best.map(|(_, u)| u)
}

fn is_decoration(img: ElementRef<'_>) -> bool {
    let names = class_and_id(img);
    DECORATION.iter().any(|w| names.contains(w))
}

/// The largest candidate of a `srcset`: by width descriptor (`800w`), else by density
/// (`2x`); a candidate without a descriptor counts as `1x`.
fn largest_candidate(srcset: &str) -> Option<(String, u64)> {
    srcset
        .split(',')
        .filter_map(|candidate| {
            let mut parts = candidate.split_whitespace();
            let url = parts.next()?;
            let size = match parts.next() {
                Some(d) if d.ends_with('w') => d.trim_end_matches('w').parse::<u64>().ok()?,
                // Densities are ranked as if 1x were 1000 px wide, so 2x beats 1x.
                Some(d) if d.ends_with('x') => {
                    (d.trim_end_matches('x').parse::<f64>().ok()? * 1000.0) as u64
                }
                Some(_) => return None,
                None => 1000,
            };
            Some((url.to_owned(), size))
        })
        .max_by_key(|(_, size)| *size)
}

/// An http(s) address; `data:` placeholders and `javascript:` are not images to fetch.
pub(crate) fn resolve(candidate: &str, base: &Url) -> Option<Url> {
    base.join(candidate.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_img(html: &str) -> Option<Url> {
        let doc = Html::parse_fragment(html);
        let base = Url::parse("http://shop.test/p/1").expect("url");
        let img = doc.select(&selector("img")).next()?;
        image_url(img, &base)
    }

    #[test]
    fn prefers_largest_srcset_then_lazy_then_src() {
        assert_eq!(
            first_img(r#"<img src="s.jpg" srcset="a.jpg 400w, b.jpg 1200w, c.jpg 800w">"#)
                .map(String::from),
            Some("http://shop.test/p/b.jpg".into())
        );
        assert_eq!(
            first_img(r#"<img srcset="a.jpg, b.jpg 2x">"#).map(String::from),
            Some("http://shop.test/p/b.jpg".into())
        );
        assert_eq!(
            first_img(r#"<img src="data:image/gif;base64,R0lG" data-lazy-src="/real.jpg">"#)
                .map(String::from),
            Some("http://shop.test/real.jpg".into())
        );
        assert_eq!(
            first_img(r#"<img src="placeholder.gif" data-src="/big.jpg">"#).map(String::from),
            Some("http://shop.test/big.jpg".into())
        );
        assert_eq!(first_img(r#"<img src="data:image/gif;base64,R0lG">"#), None);
    }

    #[test]
    fn picture_sources_win_over_the_fallback_img() {
        let html = r#"<picture><source srcset="/w.webp 600w, /w2.webp 1600w" type="image/webp">
            <source srcset="/j.jpg 1000w"><img src="/small.jpg"></picture>"#;
        assert_eq!(
            first_img(html).map(String::from),
            Some("http://shop.test/w2.webp".into())
        );
    }

    #[test]
    fn main_image_skips_logos_chrome_and_pixels_and_takes_the_largest() {
        let doc = Html::parse_document(
            r#"<header><img src="/hero.jpg" width="2000" height="800"></header>
            <img class="site-logo" src="/l.png" width="900" height="900">
            <img src="/pixel.gif" width="1" height="1">
            <img src="/thumb.jpg" width="100" height="100">
            <img src="/main.jpg" width="800" height="800">"#,
        );
        let base = Url::parse("http://shop.test/").expect("url");
        assert_eq!(
            main_image(&doc, &base).map(String::from),
            Some("http://shop.test/main.jpg".into())
        );
    }
}
