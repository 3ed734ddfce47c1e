//! Every photo of the item on a product page: galleries, carousels, thumbnails linking to
//! large versions (`<a href=big.jpg><img src=thumb.jpg>`), `srcset`, lazy and zoom
//! attributes, `<noscript>` fallbacks, `<picture>` sources, inline `background-image`,
//! and gallery data kept as JSON in `<script>` (arrays of `{thumb, img, full}` objects).
//!
//! Of each distinct image the largest rendition is kept: renditions are grouped by their
//! address with size markers removed ([`stem`]: `-300x300`, `_800x`, `@2x`, `?width=`,
//! `/cache/<hash>/`, `large_default`…). Decoration is dropped by position, size and
//! repetition, never by a site's class names: images in navigation, header, footer or
//! aside; declared smaller than 50 px (icons, tracking pixels); SVGs and addresses or
//! attributes saying logo/icon/sprite/pixel; thumbnails in carousel controls that show a
//! slide (`data-slide-to`); and images inside links to other pages —
//! the recommendation strips and category tiles that repeat links to other products.
//!
//! Written by hand: no crate collects a product's gallery from arbitrary shop markup.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html};
use serde_json::Value;
use url::Url;

use super::dom::{Tiles, attr, class_and_id, in_chrome, looks_like_image, selector};
use super::images::resolve;

/// How much an address says it is the large version, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// A plain `src`, `background-image` or a thumbnail.
    Src = 1,
    /// A lazy-load attribute (`data-src`…), the real `src` to come.
    Lazy = 2,
    /// A `srcset`/`<picture>` candidate, or an image the page's meta tags or schema.org
    /// name.
    Declared = 3,
    /// A zoom/large attribute, or the image a thumbnail links to.
    Large = 4,
}

/// Attributes naming the large version of an image.
const LARGE_ATTRS: &[&str] = &[
    "data-zoom-image",
    "data-large_image",
    "data-large-image",
    "data-large",
    "data-full",
    "data-full-image",
    "data-zoom",
    "data-zoom-src",
    "data-big",
    "data-image-large",
];

/// Lazy-load attributes, checked before `src`, which is often a placeholder then.
const LAZY_ATTRS: &[&str] = &[
    "data-lazy-src",
    "data-src",
    "data-lazy",
    "data-original",
    "data-echo",
];

/// Words in an address or an image's class, id or alt that mark decoration.
const DECORATION: &[&str] = &[
    "logo", "icon", "sprite", "avatar", "badge", "pixel", "spacer", "tracking", "flag", "payment",
    "rating", "star",
];

/// Attributes of carousel controls that show a slide (Bootstrap's `data-slide-to` and
/// `data-bs-slide-to`, bxSlider's `data-slide-index`): an image in such a control is a
/// thumbnail of a photo the carousel already shows, often under an unrelated address
/// (hashed thumbnail names), so its rendition could not be grouped with the slide's.
const SLIDE_CONTROL_ATTRS: &[&str] = &["data-slide-to", "data-bs-slide-to", "data-slide-index"];

/// Keys of JSON gallery entries, the largest rendition first.
const JSON_KEYS: &[(&str, Rank)] = &[
    ("full", Rank::Large),
    ("zoom", Rank::Large),
    ("large", Rank::Large),
    ("large_image", Rank::Large),
    ("original", Rank::Large),
    ("img", Rank::Declared),
    ("image", Rank::Declared),
    ("src", Rank::Declared),
    ("url", Rank::Declared),
    ("medium", Rank::Src),
    ("thumb", Rank::Src),
    ("thumbnail", Rank::Src),
];

/// One rendition found on the page.
#[derive(Debug, Clone)]
struct Candidate {
    url: Url,
    rank: Rank,
    /// Width in pixels when the markup or the address says it.
    width: u32,
}

/// Collects renditions, keeping per [`stem`] the best one at its first position.
#[derive(Default)]
struct Gallery {
    kept: Vec<(String, Candidate)>,
}

impl Gallery {
    fn push(&mut self, candidate: Candidate) {
        if is_decoration_url(&candidate.url) {
            return;
        }
        let key = stem(&candidate.url);
        match self.kept.iter_mut().find(|(k, _)| *k == key) {
            Some((_, kept)) => {
                if (candidate.rank, candidate.width) > (kept.rank, kept.width) {
                    *kept = candidate;
                }
            }
            None => self.kept.push((key, candidate)),
        }
    }
}

/// The item's images on a product page: `declared` first (schema.org, meta tags), then
/// the page's gallery, one address (the largest rendition) per distinct image.
pub(crate) fn product_images(doc: &Html, page_url: &Url, base: &Url, declared: &[Url]) -> Vec<Url> {
    let mut gallery = Gallery::default();
    for url in declared {
        gallery.push(Candidate {
            width: url_width(url),
            url: url.clone(),
            rank: Rank::Declared,
        });
    }
    let tiles = Tiles::new(doc, page_url, base);
    for el in doc.select(&selector("img, [style*=background], noscript")) {
        if in_chrome(el) || tiles.contains(el) {
            continue;
        }
        match el.value().name() {
            "img" => {
                if let Some(c) = from_img(el, base) {
                    gallery.push(c);
                }
            }
            "noscript" => {
                // With scripting on, the parser keeps `<noscript>` content as text.
                let inner = Html::parse_fragment(&el.text().collect::<String>());
                for img in inner.select(&selector("img")) {
                    if let Some(c) = from_img(img, base) {
                        gallery.push(c);
                    }
                }
            }
            _ => {
                if let Some(c) = from_background(el, base) {
                    gallery.push(c);
                }
            }
        }
    }
    for script in doc.select(&selector(
        r#"script[type="application/json"], script[type="text/x-magento-init"]"#,
    )) {
        let Ok(json) = serde_json::from_str::<Value>(&script.text().collect::<String>()) else {
            continue;
        };
        json_gallery(&json, base, &mut gallery, 0);
    }
    gallery.kept.into_iter().map(|(_, c)| c.url).collect()
}

/// The best rendition one `<img>` names, unless it says it is decoration or tiny.
fn from_img(img: ElementRef<'_>, base: &Url) -> Option<Candidate> {
    let names = format!(
        "{} {}",
        class_and_id(img),
        attr(img, "alt").unwrap_or_default().to_lowercase()
    );
    if DECORATION
        .iter()
        .any(|w| names.split(|c: char| !c.is_alphanumeric()).any(|t| t == *w))
    {
        return None;
    }
    if in_slide_control(img) {
        return None;
    }
    let dim = |name| attr(img, name).and_then(|v| v.trim_end_matches("px").parse::<u32>().ok());
    let declared_width = dim("width");
    if declared_width.is_some_and(|w| w < 50) || dim("height").is_some_and(|h| h < 50) {
        return None;
    }
    let large = LARGE_ATTRS
        .iter()
        .find_map(|a| attr(img, a))
        .or_else(|| image_link(img));
    let candidate = |raw: &str, rank: Rank, width: Option<u32>| {
        let url = resolve(raw, base)?;
        let width = width.unwrap_or_else(|| url_width(&url));
        Some(Candidate { url, rank, width })
    };
    if let Some(c) = large.and_then(|u| candidate(u, Rank::Large, None)) {
        return Some(c);
    }
    let picture = img
        .parent()
        .and_then(ElementRef::wrap)
        .filter(|p| p.value().name() == "picture")
        .and_then(|p| {
            p.select(&selector("source[srcset], source[data-srcset]"))
                .filter_map(|s| attr(s, "srcset").or_else(|| attr(s, "data-srcset")))
                .filter_map(largest_candidate)
                .max_by_key(|(_, w)| *w)
        });
    let own = attr(img, "srcset")
        .or_else(|| attr(img, "data-srcset"))
        .and_then(largest_candidate);
    if let Some(c) = [picture, own]
        .into_iter()
        .flatten()
        .max_by_key(|(_, w)| *w)
        .and_then(|(u, w)| candidate(&u, Rank::Declared, Some(w)))
    {
        return Some(c);
    }
    if let Some(c) = LAZY_ATTRS
        .iter()
        .find_map(|a| attr(img, a))
        .and_then(|u| candidate(u, Rank::Lazy, declared_width))
    {
        return Some(c);
    }
    attr(img, "src").and_then(|u| candidate(u, Rank::Src, declared_width))
}

/// Whether `el` sits in a carousel control that shows a slide (see
/// [`SLIDE_CONTROL_ATTRS`]).
fn in_slide_control(el: ElementRef<'_>) -> bool {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap).take(3))
        .any(|e| SLIDE_CONTROL_ATTRS.iter().any(|a| attr(e, a).is_some()))
}

/// The image file a link around `el` leads to (a thumbnail opening its large version).
fn image_link(el: ElementRef<'_>) -> Option<&str> {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .take(3)
        .find(|a| a.value().name() == "a")
        .and_then(|a| attr(a, "href"))
        .filter(|h| looks_like_image(h))
}

static BACKGROUND_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"background(?:-image)?\s*:[^;]*url\(\s*['"]?([^'")]+)['"]?\s*\)"#)
        .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

fn from_background(el: ElementRef<'_>, base: &Url) -> Option<Candidate> {
    let names = class_and_id(el);
    if DECORATION.iter().any(|w| names.contains(w)) {
        return None;
    }
    if in_slide_control(el) {
        return None;
    }
    let style = attr(el, "style")?;
    let raw = BACKGROUND_URL.captures(style)?.get(1)?.as_str();
    if let Some(url) = image_link(el).and_then(|href| resolve(href, base)) {
        return Some(Candidate {
            width: url_width(&url),
            url,
            rank: Rank::Large,
        });
    }
    let url = resolve(raw, base)?;
    Some(Candidate {
        width: url_width(&url),
        url,
        rank: Rank::Src,
    })
}

/// Arrays of objects holding image addresses (`[{thumb, img, full}, …]`): one candidate
/// per object, its largest key. Depth-limited: gallery data sits near the top.
fn json_gallery(value: &Value, base: &Url, gallery: &mut Gallery, depth: usize) {
    if depth > 8 {
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items {
                if let Some(c) = json_entry(item, base) {
                    gallery.push(c);
                } else {
                    json_gallery(item, base, gallery, depth + 1);
                }
            }
        }
        Value::Object(map) => {
            for v in map.values() {
                json_gallery(v, base, gallery, depth + 1);
            }
        }
        _ => {}
    }
}

fn json_entry(item: &Value, base: &Url) -> Option<Candidate> {
    let map = item.as_object()?;
    JSON_KEYS.iter().find_map(|(key, rank)| {
        let raw = map.get(*key)?.as_str()?;
        if !looks_like_image(raw) {
            return None;
        }
        let url = resolve(raw, base)?;
        Some(Candidate {
            width: url_width(&url),
            url,
            rank: *rank,
        })
    })
}

fn is_decoration_url(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    if path.ends_with(".svg") {
        return true;
    }
    let file = path.rsplit('/').next().unwrap_or_default();
    file.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| DECORATION.contains(&t))
}

/// Size markers in a file name or path segment: `-300x300`, `_800x`, `@2x`, `-1600`,
/// `_large`, `-large_default`, `thumb`…
static SIZE_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:[-_@.](?:\d+x\d*|x\d+|\d+w|[1-4]x|w_\d+|h_\d+|small|medium|large|thumb|thumbnail|mini|tiny|big|zoom|full|original|grande|master|compact|pico|popup|[a-z]+_default))+$",
    )
    .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// A path segment that is only a size or rendition folder (`thumb`, `800x800`, `w_600`)
/// or a cache key (`cache/<32 hex>`).
static SIZE_SEGMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:\d+x\d*|x\d+|w_\d+|h_\d+|s\d+|thumbs?|thumbnails?|small|medium|large|big|zoom|full|original|popup|resized|cache|[0-9a-f]{32})$",
    )
    .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// Query keys that choose a rendition, not an image.
const SIZE_QUERY: &[&str] = &[
    "width", "w", "height", "h", "size", "quality", "q", "v", "fit", "crop", "format", "auto",
    "dpr", "fm",
];

/// A directory holding resized copies beside the originals' tree
/// (`media/<store>_thumbnails/<store>/…`, `.thumbnails`).
static THUMBNAIL_DIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[._]?\w*[._-]thumbnails?$").unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// A copy named after its original plus its size (`bag.jpg__700x700_q85….jpg`).
static THUMBNAIL_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(.+?\.(?:jpe?g|png|webp|gif|avif))__\d+x\d+")
        .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// What the renditions of one image share: host, path and query with size markers
/// removed, file extension dropped.
fn stem(url: &Url) -> String {
    let mut out = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let segments: Vec<&str> = url
        .path_segments()
        .map(Iterator::collect)
        .unwrap_or_default();
    for seg in segments {
        if SIZE_SEGMENT.is_match(seg) || THUMBNAIL_DIR.is_match(seg) {
            continue;
        }
        // `bag.jpg__700x700_q85.jpg`: a thumbnail store naming the copy after its
        // original; the original's name is the stem.
        let seg = THUMBNAIL_NAME
            .captures(seg)
            .and_then(|c| c.get(1))
            .map_or(seg, |m| m.as_str());
        let seg = seg.rsplit_once('.').map_or(seg, |(name, _)| name);
        out.push('/');
        out.push_str(&SIZE_SUFFIX.replace(seg, "").to_ascii_lowercase());
    }
    let mut query: Vec<String> = url
        .query_pairs()
        .filter(|(k, _)| !SIZE_QUERY.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    query.sort();
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    out
}

static WIDTH_IN_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:[-_@](\d{2,4})x\d*|[-_](\d{3,4})(?:w|px)?)(?:[-_.@]|$)")
        .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// Taken as the width of an address without any size marker: the original upload, of
/// which the marked addresses are resized copies (`bag.jpg` and `bag-300x300.jpg`).
const ORIGINAL_WIDTH: u32 = 100_000;

/// The width an address states, or [`ORIGINAL_WIDTH`] if it has no size marker at all.
fn url_width(url: &Url) -> u32 {
    let stated = width_in_url(url);
    if stated > 0 {
        return stated;
    }
    let file = url.path().rsplit('/').next().unwrap_or_default();
    let name = file.rsplit_once('.').map_or(file, |(n, _)| n);
    let marked = SIZE_SUFFIX.is_match(name)
        || url
            .path_segments()
            .is_some_and(|mut s| s.any(|seg| SIZE_SEGMENT.is_match(seg)));
    if marked { 0 } else { ORIGINAL_WIDTH }
}

/// A width the address states (`-1200x1200.jpg`, `_800x.jpg`, `-1600.webp`,
/// `?width=800`), else 0.
fn width_in_url(url: &Url) -> u32 {
    let from_query = url
        .query_pairs()
        .find(|(k, _)| matches!(k.as_ref(), "width" | "w"))
        .and_then(|(_, v)| v.parse().ok());
    from_query
        .or_else(|| {
            let file = url.path().rsplit('/').next().unwrap_or_default();
            WIDTH_IN_URL
                .captures_iter(file)
                .filter_map(|c| c.get(1).or_else(|| c.get(2)))
                .filter_map(|m| m.as_str().parse().ok())
                .last()
        })
        .unwrap_or(0)
}

/// The largest candidate of a `srcset` with its width: by width descriptor (`800w`),
/// else by density (`2x` ranked as 2000); no descriptor counts as `1x`.
fn largest_candidate(srcset: &str) -> Option<(String, u32)> {
    srcset
        .split(", ")
        .flat_map(|c| c.split(",\n"))
        .filter_map(|candidate| {
            let mut parts = candidate.split_whitespace();
            let url = parts.next()?;
            let size = match parts.next() {
                Some(d) if d.ends_with('w') => d.trim_end_matches('w').parse::<u32>().ok()?,
                Some(d) if d.ends_with('x') => {
                    (d.trim_end_matches('x').parse::<f32>().ok()? * 1000.0) as u32
                }
                Some(_) => return None,
                None => 1000,
            };
            Some((url.to_owned(), size))
        })
        .max_by_key(|(_, size)| *size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(html: &str) -> Vec<String> {
        let doc = Html::parse_document(html);
        let page = Url::parse("http://shop.test/p/1").expect("url");
        product_images(&doc, &page, &page, &[])
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn renditions_of_one_image_share_a_stem() {
        let s = |u: &str| stem(&Url::parse(u).expect("url"));
        assert_eq!(
            s("http://c.test/wp/bag-300x300.jpg"),
            s("http://c.test/wp/bag.jpg")
        );
        assert_eq!(
            s("http://c.test/files/bag_800x.jpg?v=12"),
            s("http://c.test/files/bag_1600x.jpg?v=13&width=1600")
        );
        assert_eq!(
            s(
                "http://c.test/media/catalog/product/cache/0123456789abcdef0123456789abcdef/b/a/bag.jpg"
            ),
            s("http://c.test/media/catalog/product/b/a/bag.jpg")
        );
        assert_eq!(
            s("http://c.test/12-large_default/bag.jpg"),
            s("http://c.test/12-home_default/bag.jpg")
        );
        assert_ne!(
            s("http://c.test/12-large_default/bag.jpg"),
            s("http://c.test/13-large_default/bag.jpg")
        );
        assert_ne!(
            s("http://c.test/img.php?id=1"),
            s("http://c.test/img.php?id=2")
        );
    }

    #[test]
    fn a_carousel_keeps_every_photo_and_drops_logo_pixel_and_recommendations() {
        let got = images(
            r#"<header><img src="/brand.png"></header>
            <img src="/static/shop-logo.png" width="200" height="60">
            <div><div style="background-image:url('/img/bag-a.jpg')"></div>
              <img src="/img/bag-b-400.jpg" data-zoom-image="/img/bag-b-1600.jpg">
              <a href="/img/bag-c-1600.jpg"><img src="/img/bag-c-100x100.jpg"></a>
              <img src="/img/bag-a-150x150.jpg" width="150" height="150">
              <noscript><img src="/img/bag-d.jpg"></noscript></div>
            <img src="/t.gif" width="1" height="1">
            <section><a href="/p/2"><img src="/img/other-1.jpg"></a><a href="/p/3"><img src="/img/other-2.jpg"></a></section>"#,
        );
        assert_eq!(
            got,
            vec![
                "http://shop.test/img/bag-a.jpg",
                "http://shop.test/img/bag-b-1600.jpg",
                "http://shop.test/img/bag-c-1600.jpg",
                "http://shop.test/img/bag-d.jpg",
            ]
        );
    }
}
