//! Reading a listing from a page with no structured data: its main heading, a price in
//! its text, its seller, its main image. Only used for pages not judged to be lists of
//! products (see [`super::kind`]): on a category page these guesses would describe one
//! random card, or the category itself, as a listing.

use scraper::{ElementRef, Html};

use super::{
    dom::{Tiles, attr, class_and_id, collapse, in_chrome, selector, text_of},
    price::{Price, find_price},
};

/// Words in a class or id that mark a seller's name. "shop" and "store" are also parts of
/// "shopping-cart" and "storefront-nav"; the exclusions below weed those out.
const SELLER_WORDS: [&str; 5] = ["seller", "vendor", "merchant", "shop", "store"];
const NOT_SELLER: [&str; 7] = ["cart", "shopping", "nav", "menu", "search", "logo", "btn"];
/// Lead-ins to drop from a seller element's text.
const SELLER_PREFIXES: [&str; 9] = [
    "sold by",
    "seller:",
    "seller",
    "shop:",
    "store:",
    "vendor:",
    "by",
    "卖家：",
    "店铺：",
];

/// The page's main heading: the first `<h1>` outside navigation.
pub(crate) fn heading(doc: &Html) -> Option<String> {
    doc.select(&selector("h1"))
        .filter(|h| !in_chrome(*h))
        .map(text_of)
        .find(|t| !t.is_empty())
}

/// A price: first from elements that say they hold one (`itemprop`/class/id "price"),
/// then from the text of the page's main content.
pub(crate) fn price(doc: &Html, tiles: &Tiles, lang: Option<&str>) -> Option<Price> {
    let marked = doc
        .select(&selector("[itemprop=price], [class*=price], [id*=price]"))
        .filter(|e| !in_chrome(*e) && !tiles.contains(*e))
        .find_map(|e| {
            let text = attr(e, "content")
                .map(str::to_owned)
                .unwrap_or_else(|| text_of(e));
            find_price(&text, lang)
        });
    marked.or_else(|| {
        let body = doc.select(&selector("main, body")).next()?;
        let text: Vec<&str> = body
            .descendants()
            .filter_map(|n| n.value().as_text().map(|t| (n, t)))
            .filter(|(n, _)| {
                n.parent().and_then(ElementRef::wrap).is_some_and(|p| {
                    !in_chrome(p)
                        && !tiles.contains(p)
                        && !matches!(p.value().name(), "script" | "style")
                })
            })
            .map(|(_, t)| &**t)
            .collect();
        find_price(&collapse(&text.join(" ")), lang)
    })
}

/// The seller: `itemprop=seller` (its `name` if it is a scope), else an element whose
/// class or id names a seller, shop or store — preferring one that is the name itself.
pub(crate) fn seller(doc: &Html) -> Option<String> {
    if let Some(el) = doc.select(&selector("[itemprop=seller]")).next() {
        let name = el
            .select(&selector("[itemprop=name]"))
            .next()
            .map(text_of)
            .unwrap_or_else(|| text_of(el));
        if let Some(name) = clean_seller(&name) {
            return Some(name);
        }
    }
    let candidates: Vec<ElementRef<'_>> = doc
        .select(&selector("[class], [id]"))
        .filter(|e| !in_chrome(*e))
        .filter(|e| {
            let names = class_and_id(*e);
            SELLER_WORDS.iter().any(|w| names.contains(w))
                && !NOT_SELLER.iter().any(|w| names.contains(w))
        })
        .collect();
    let named_first = candidates
        .iter()
        .filter(|e| class_and_id(**e).contains("name"))
        .chain(candidates.iter());
    named_first
        .filter_map(|e| clean_seller(&text_of(*e)))
        .next()
}

fn clean_seller(text: &str) -> Option<String> {
    let mut t = text.trim();
    for prefix in SELLER_PREFIXES {
        if t.len() >= prefix.len()
            && t.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        {
            t = t
                .get(prefix.len()..)
                .unwrap_or_default()
                .trim_start_matches([':', ' ']);
            break;
        }
    }
    let t = t.trim();
    // A seller's name is short; a long text is a paragraph that happened to match.
    (!t.is_empty() && t.chars().count() <= 80).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seller_prefers_the_name_element_and_drops_lead_ins() {
        let doc = Html::parse_document(
            r#"<nav><a class="shop-link">Shop</a></nav><div class="shopping-cart">Cart (2)</div>
            <p class="seller">Sold by <span class="seller-name">Trendy Outlet HK</span></p>"#,
        );
        assert_eq!(seller(&doc).as_deref(), Some("Trendy Outlet HK"));
        let doc = Html::parse_document(r#"<div id="store-info">Store: Bike Parts 24</div>"#);
        assert_eq!(seller(&doc).as_deref(), Some("Bike Parts 24"));
    }

    fn no_tiles(doc: &Html) -> Tiles {
        let page = url::Url::parse("http://shop.test/p").expect("url");
        Tiles::new(doc, &page, &page)
    }

    #[test]
    fn price_prefers_marked_elements_over_body_text() {
        let doc = Html::parse_document(
            r#"<p>Free shipping over €50.00</p><span class="product-price">€19.99</span>"#,
        );
        assert_eq!(
            price(&doc, &no_tiles(&doc), None)
                .map(|p| p.amount)
                .as_deref(),
            Some("19.99")
        );
        let doc = Html::parse_document(r#"<nav>€1.00 deals</nav><p>Only 19,99 EUR</p>"#);
        assert_eq!(
            price(&doc, &no_tiles(&doc), None)
                .map(|p| p.amount)
                .as_deref(),
            Some("19.99")
        );
    }

    #[test]
    fn heading_skips_chrome() {
        let doc = Html::parse_document("<header><h1>Site</h1></header><h1> Red  bag </h1>");
        assert_eq!(heading(&doc).as_deref(), Some("Red bag"));
    }
}
