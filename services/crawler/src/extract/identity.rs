//! Who sells the item and under which brand, from everything a page offers, most
//! trusted first:
//!
//! 1. structured data on the page: microdata `itemprop=seller`/`brand`, RDFa
//!    `property=…seller`/`…brand` (JSON-LD is read by [`super::jsonld`]);
//! 2. key–value structures — table rows (`<th>Seller</th><td>…</td>`), definition lists,
//!    label/value pairs (`<strong>Sold by:</strong> …`) — whose label is in [`SELLER_LABELS`]
//!    or [`BRAND_LABELS`], one multilingual lexicon;
//! 3. the meta description, then visible sentences: "Sold by …", "Verkauf durch …",
//!    "由…销售";
//! 4. a link to the seller's profile (`/seller/…`, `/shop/…`, `/store/…`) with its text;
//! 5. an element whose class or id names a seller ([`super::fallback::seller`]).
//!
//! Each answer carries the rule that gave it, recorded as the listing's provenance.
//!
//! Written by hand: no crate reads sellers out of arbitrary shop markup; the DOM walks
//! are single passes over `scraper`'s tree.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, node::Node};
use url::Url;

use super::{
    dom::{attr, collapse, in_chrome, selector, text_of},
    fallback,
};

/// A value and the rule that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The name as the page writes it.
    pub value: String,
    /// Which rule read it, e.g. `key-value th/td: Seller`.
    pub rule: String,
}

/// Labels that name the seller, lower-cased, without a trailing colon. One place for
/// every language.
pub(crate) const SELLER_LABELS: &[&str] = &[
    "seller",
    "seller name",
    "sold by",
    "sold and shipped by",
    "shop",
    "shop name",
    "store",
    "store name",
    "merchant",
    "vendor",
    "retailer",
    "卖家",
    "卖家名称",
    "店铺",
    "店铺名称",
    "商家",
    "商家名称",
    "销售商",
    "verkäufer",
    "verkauft von",
    "verkauf durch",
    "händler",
    "anbieter",
    "vendeur",
    "vendu par",
    "marchand",
    "boutique",
    "venditore",
    "venduto da",
    "negozio",
    "vendedor",
    "vendido por",
    "tienda",
    "loja",
    "販売者",
    "ショップ",
    "판매자",
];

/// Labels that name the brand, lower-cased, without a trailing colon.
pub(crate) const BRAND_LABELS: &[&str] = &[
    "brand",
    "brand name",
    "marke",
    "marque",
    "marca",
    "merk",
    "品牌",
    "ブランド",
    "브랜드",
];

/// "Sold by X" sentences in the languages of [`SELLER_LABELS`]; the name ends at
/// punctuation, a spaced dash or "and ships"-like continuations.
static SOLD_BY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:ships from and sold by|sold and shipped by|sold by|verkauf und versand durch|verkauf durch|verkauft von|vendu et expédié par|vendu par|venduto e spedito da|venduto da|vendido y enviado por|vendido por)[\s:：]+(.+?)\s*(?:[.;|!?·•(（]|,\s|\s[-–—]\s|\s(?:and|und|et|e|y)\s|$)",
    )
    .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// "由X销售" (sold by X) and its variants.
static SOLD_BY_ZH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"由\s*([^，。,.\s][^，。,.]{0,40}?)\s*(?:销售|出售|发货|提供)")
        .unwrap_or_else(|e| panic!("built-in regex: {e}"))
});

/// Path segments that introduce a seller's profile.
const PROFILE_SEGMENTS: &[&str] = &[
    "seller",
    "sellers",
    "shop",
    "shops",
    "store",
    "stores",
    "vendor",
    "vendors",
    "merchant",
    "merchants",
];

/// Segments after a profile segment that are shop sections, not a seller.
const NOT_PROFILE: &[&str] = &[
    "category",
    "categories",
    "cart",
    "checkout",
    "page",
    "search",
    "tag",
    "tags",
    "all",
    // The shop's own machinery under `/shop/…` (Cartridge's `/shop/product/<slug>`,
    // `/shop/wishlist/`): pages of the store software, not a seller's profile.
    "product",
    "products",
    "wishlist",
    "basket",
    "account",
    "accounts",
    "login",
    "register",
    "orders",
];

/// Link texts that say "go to the shop" rather than name it.
const GENERIC_LINK_TEXT: &[&str] = &[
    "visit store",
    "visit shop",
    "visit the store",
    "view shop",
    "view store",
    "go to shop",
    "go to store",
    "shop",
    "store",
    "more",
    "all products",
    "contact seller",
    "进店逛逛",
    "进入店铺",
];

/// The page's seller, by the most trusted rule that finds one.
pub(crate) fn seller(doc: &Html, base: &Url) -> Option<Found> {
    structured(doc, "seller")
        .or_else(|| labelled(doc, SELLER_LABELS))
        .or_else(|| meta_description(doc))
        .or_else(|| visible_sentence(doc))
        .or_else(|| profile_link(doc, base))
        .or_else(|| {
            fallback::seller(doc).map(|value| Found {
                value,
                rule: "class or id naming a seller".to_owned(),
            })
        })
}

/// The page's brand: microdata/RDFa, a labelled value, then `product:brand` meta.
pub(crate) fn brand(doc: &Html) -> Option<Found> {
    structured(doc, "brand")
        .or_else(|| labelled(doc, BRAND_LABELS))
        .or_else(|| {
            doc.select(&selector("meta[content]"))
                .find(|m| {
                    [attr(*m, "property"), attr(*m, "name")]
                        .into_iter()
                        .flatten()
                        .any(|k| {
                            k.eq_ignore_ascii_case("product:brand")
                                || k.eq_ignore_ascii_case("og:brand")
                        })
                })
                .and_then(|m| attr(m, "content"))
                .and_then(clean_name)
                .map(|value| Found {
                    value,
                    rule: "meta product:brand".to_owned(),
                })
        })
}

/// Microdata `itemprop=<name>` or RDFa `property=…<name>`, its `name` if it is a scope.
fn structured(doc: &Html, name: &str) -> Option<Found> {
    let (microdata, rdfa) = match name {
        "seller" => (
            selector("[itemprop=seller]"),
            selector("[property$=seller], [property~=seller]"),
        ),
        _ => (
            selector("[itemprop=brand]"),
            selector("[property$=brand], [property~=brand]"),
        ),
    };
    let inner_name = |el: ElementRef<'_>, css: &'static str| {
        el.select(&selector(css))
            .next()
            .map(|n| {
                attr(n, "content")
                    .map(str::to_owned)
                    .unwrap_or_else(|| text_of(n))
            })
            .or_else(|| attr(el, "content").map(str::to_owned))
            .unwrap_or_else(|| text_of(el))
    };
    doc.select(&microdata)
        .find_map(|el| clean_name(&inner_name(el, "[itemprop=name]")))
        .map(|value| Found {
            value,
            rule: format!("microdata {name}"),
        })
        .or_else(|| {
            doc.select(&rdfa)
                .find_map(|el| clean_name(&inner_name(el, "[property$=name]")))
                .map(|value| Found {
                    value,
                    rule: format!("rdfa {name}"),
                })
        })
}

/// A label as the lexicon writes it: lower-case, trimmed, without a trailing colon.
fn normalize_label(text: &str) -> String {
    collapse(text)
        .trim()
        .trim_end_matches([':', '：', '-', ' '])
        .trim()
        .to_lowercase()
}

/// The element's own text (its direct text children), whitespace collapsed.
fn own_text(el: ElementRef<'_>) -> String {
    let parts: Vec<&str> = el
        .children()
        .filter_map(|n| n.value().as_text().map(|t| &**t))
        .collect();
    collapse(&parts.join(" "))
}

/// The first key–value pair whose label is in `labels`: table rows, definition lists,
/// then label elements followed by their value. One pass over each kind of element.
fn labelled(doc: &Html, labels: &[&str]) -> Option<Found> {
    let is_label = |t: &str| {
        let n = normalize_label(t);
        labels.iter().find(|l| **l == n).map(|_| collapse(t))
    };
    for row in doc.select(&selector("tr")) {
        let cells: Vec<ElementRef<'_>> = row
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| matches!(c.value().name(), "th" | "td"))
            .collect();
        if let [label, value, ..] = cells.as_slice()
            && let Some(l) = is_label(&text_of(*label))
            && let Some(v) = clean_name(&text_of(*value))
        {
            return Some(Found {
                value: v,
                rule: format!("key-value th/td: {}", l.trim_end_matches([':', '：', ' '])),
            });
        }
    }
    for dt in doc.select(&selector("dt")) {
        let Some(l) = is_label(&text_of(dt)) else {
            continue;
        };
        let dd = dt
            .next_siblings()
            .filter_map(ElementRef::wrap)
            .next()
            .filter(|d| d.value().name() == "dd");
        if let Some(v) = dd.and_then(|d| clean_name(&text_of(d))) {
            return Some(Found {
                value: v,
                rule: format!("key-value dt/dd: {}", l.trim_end_matches([':', '：', ' '])),
            });
        }
    }
    let label_elements = selector("label, span, strong, b, em, div, p, li, h4, h5, h6, small");
    for el in doc.select(&label_elements) {
        if in_chrome(el) {
            continue;
        }
        let own = own_text(el);
        if own.is_empty() || own.chars().count() > 40 {
            continue;
        }
        // `<li>Seller: Foo</li>`: the label and the value in one text.
        if let Some((l, v)) = own.split_once([':', '：'])
            && let (Some(l), Some(v)) = (is_label(l), clean_name(v))
            && el.children().filter_map(ElementRef::wrap).next().is_none()
        {
            return Some(Found {
                value: v,
                rule: format!("key-value text: {l}"),
            });
        }
        let Some(l) = is_label(&own) else {
            continue;
        };
        // `<li>Brand: <a>Acme</a></li>`: the value inside the label's element; else
        // `<span>Seller</span><span>Foo</span>` or `<strong>Seller:</strong> Foo`.
        let inside = el
            .children()
            .filter_map(ElementRef::wrap)
            .map(text_of)
            .find(|t| !t.is_empty());
        let value = inside.or_else(|| {
            el.next_siblings().find_map(|n| match n.value() {
                Node::Element(_) => ElementRef::wrap(n).map(text_of),
                Node::Text(t) if !t.trim().is_empty() => Some(collapse(t)),
                _ => None,
            })
        });
        if let Some(v) = value.as_deref().and_then(clean_name) {
            return Some(Found {
                value: v,
                rule: format!("key-value label: {}", l.trim_end_matches([':', '：', ' '])),
            });
        }
    }
    None
}

/// "Sold by X" in `<meta name=description>` (or `og:description`).
fn meta_description(doc: &Html) -> Option<Found> {
    doc.select(&selector("meta[content]"))
        .filter(|m| {
            [attr(*m, "name"), attr(*m, "property")]
                .into_iter()
                .flatten()
                .any(|k| {
                    k.eq_ignore_ascii_case("description")
                        || k.eq_ignore_ascii_case("og:description")
                })
        })
        .filter_map(|m| attr(m, "content"))
        .find_map(sold_by_in)
        .map(|value| Found {
            value,
            rule: "meta description: sold by".to_owned(),
        })
}

/// A visible "Sold by X" sentence: each text node is tested once; only a matching one
/// has its parent's text (which holds a linked name) read.
fn visible_sentence(doc: &Html) -> Option<Found> {
    let body = doc.select(&selector("body")).next()?;
    for node in body.descendants() {
        let Some(text) = node.value().as_text() else {
            continue;
        };
        let lower = text.to_lowercase();
        let lead_in = SOLD_BY_LEAD_INS.iter().any(|l| lower.contains(l)) || text.contains('由');
        if !lead_in {
            continue;
        }
        let Some(parent) = node.parent().and_then(ElementRef::wrap) else {
            continue;
        };
        if matches!(parent.value().name(), "script" | "style" | "title")
            || std::iter::once(parent)
                .chain(parent.ancestors().filter_map(ElementRef::wrap))
                .any(|e| matches!(e.value().name(), "nav" | "footer"))
        {
            continue;
        }
        if let Some(value) = sold_by_in(&text_of(parent)) {
            return Some(Found {
                value,
                rule: "visible text: sold by".to_owned(),
            });
        }
    }
    None
}

/// Cheap substrings that must be present before [`SOLD_BY`] is run.
const SOLD_BY_LEAD_INS: &[&str] = &["sold by", "verkauf", "vendu", "venduto", "vendido"];

fn sold_by_in(text: &str) -> Option<String> {
    SOLD_BY
        .captures(text)
        .and_then(|c| c.get(1))
        .or_else(|| SOLD_BY_ZH.captures(text).and_then(|c| c.get(1)))
        .and_then(|m| clean_name(m.as_str()))
}

/// A link into a seller's profile (`/seller/<name>`, `/shop/<name>`…), named by its text.
fn profile_link(doc: &Html, base: &Url) -> Option<Found> {
    doc.select(&selector("a[href]"))
        .filter(|a| !in_chrome(*a))
        .find_map(|a| {
            let url = base.join(attr(a, "href")?).ok()?;
            let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
            let at = segments
                .iter()
                .position(|s| PROFILE_SEGMENTS.contains(&s.to_ascii_lowercase().as_str()))?;
            let next = segments.get(at + 1)?;
            if NOT_PROFILE.contains(&next.to_ascii_lowercase().as_str()) {
                return None;
            }
            let text = text_of(a);
            if GENERIC_LINK_TEXT.contains(&text.to_lowercase().as_str()) {
                return None;
            }
            let value = clean_name(&text)?;
            Some(Found {
                value,
                rule: format!("profile link: /{}/…", segments[at]),
            })
        })
}

/// A name: trimmed of quotes and punctuation, short (a long text is a paragraph that
/// happened to match), not empty.
fn clean_name(text: &str) -> Option<String> {
    let t = collapse(text);
    let t = t
        .trim()
        .trim_matches(|c: char| matches!(c, '"' | '\'' | '“' | '”' | '«' | '»' | ':' | '：'))
        .trim();
    (!t.is_empty() && t.chars().count() <= 80).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(html: &str) -> Option<(String, String)> {
        let doc = Html::parse_document(html);
        let base = Url::parse("http://shop.test/p/1").expect("url");
        seller(&doc, &base).map(|f| (f.value, f.rule))
    }

    #[test]
    fn a_product_information_table_names_the_seller() {
        let got = found(
            r#"<meta name="description" content="Great bag. Sold by Other Name.">
            <table><tr><th>Weight</th><td>1 kg</td></tr><tr><th>Seller</th><td> Lucky Bags Ltd </td></tr></table>"#,
        );
        assert_eq!(
            got,
            Some(("Lucky Bags Ltd".into(), "key-value th/td: Seller".into()))
        );
    }

    #[test]
    fn labels_in_several_languages_and_shapes() {
        assert_eq!(
            found("<dl><dt>Verkäufer:</dt><dd>Radladen Süd</dd></dl>").map(|f| f.0),
            Some("Radladen Süd".into())
        );
        assert_eq!(
            found("<ul><li>店铺：深圳骑行用品</li></ul>").map(|f| f.0),
            Some("深圳骑行用品".into())
        );
        assert_eq!(
            found(r#"<p><strong>Vendeur :</strong> <a href="/x">La Maison</a></p>"#),
            Some(("La Maison".into(), "key-value label: Vendeur".into()))
        );
    }

    #[test]
    fn meta_description_then_visible_sentence_then_profile_link() {
        assert_eq!(
            found(
                r#"<meta name="description" content="Red cap – Sold by Cap Corner. Free returns.">"#
            ),
            Some(("Cap Corner".into(), "meta description: sold by".into()))
        );
        assert_eq!(
            found(r#"<p>Verkauf durch <a href="/h/1">Radhaus GmbH</a> und Versand durch X.</p>"#)
                .map(|f| f.0),
            Some("Radhaus GmbH".into())
        );
        assert_eq!(
            found("<p>本商品由 深圳运动 销售并发货</p>").map(|f| f.0),
            Some("深圳运动".into())
        );
        assert_eq!(
            found(
                r#"<nav><a href="/shop/category/bags">Bags</a></nav>
                <a href="/shop/all">all</a><a href="/store/lucky-bags">Lucky Bags</a>"#
            ),
            Some(("Lucky Bags".into(), "profile link: /store/…".into()))
        );
    }

    #[test]
    fn brand_from_a_table_row() {
        let doc = Html::parse_document("<table><tr><th>Brand</th><td>Acme</td></tr></table>");
        assert_eq!(
            brand(&doc),
            Some(Found {
                value: "Acme".into(),
                rule: "key-value th/td: Brand".into()
            })
        );
    }
}
