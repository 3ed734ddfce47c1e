//! Telling a listing (one item for sale) from a category page (a list of items) — so the
//! crawler can publish the one and follow the other, and so that guesses about "the"
//! product are never made from a page of many.

use std::collections::HashSet;

use scraper::{ElementRef, Html};
use url::Url;

use super::{
    dom::{Tiles, class_and_id, in_chrome, selector, text_of},
    price::find_price,
};

/// What a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageKind {
    /// One item (or one exhibitor's products): its products are listings.
    Listing,
    /// A list of items, exhibitors or subcategories: follow its links and next pages.
    Category,
    /// Anything else (home, about, search help…).
    #[default]
    Other,
}

/// How many product-like entries a page has at least to be a category page.
const MIN_CARDS: usize = 3;

/// Path words that mark an item's own page.
const ITEM_PATH_WORDS: [&str; 8] = [
    "/item/",
    "/items/",
    "/product/",
    "/products/",
    "/p/",
    "/dp/",
    "/listing/",
    "/offer/",
];

/// Counts the distinct item links on the page (a link whose class names a product or
/// exhibitor, or whose path looks like an item page) and the repeated cards showing a
/// price; many of either makes a category page.
pub(crate) fn looks_like_category(doc: &Html, page_url: &Url, base: &Url) -> bool {
    let mut targets = HashSet::new();
    for a in doc.select(&selector("a[href]")) {
        if in_chrome(a) {
            continue;
        }
        let Some(url) = a
            .value()
            .attr("href")
            .and_then(|h| base.join(h.trim()).ok())
        else {
            continue;
        };
        if url.path() == page_url.path() {
            continue;
        }
        let names = class_and_id(a);
        let path = url.path().to_ascii_lowercase();
        let item_like = names.contains("product")
            || names.contains("exhibitor")
            || names.contains("item")
            || ITEM_PATH_WORDS.iter().any(|w| path.contains(w));
        if item_like {
            targets.insert(url.path().to_owned());
        }
    }
    if paginated(doc) {
        return true;
    }
    // A page with a main heading and a price outside any tile is one item's page, its
    // related-products strip notwithstanding.
    let tiles = Tiles::new(doc, page_url, base);
    if tiles.has_main() && has_own_price(doc, &tiles) {
        return false;
    }
    let (priced, linked) = priced_cards(doc);
    targets.len() >= MIN_CARDS || priced >= MIN_CARDS || linked >= 2
}

/// A price in the page's text outside navigation and outside tiles linking elsewhere:
/// each text node is tested once.
fn has_own_price(doc: &Html, tiles: &Tiles) -> bool {
    let Some(body) = doc.select(&selector("body")).next() else {
        return false;
    };
    body.descendants().any(|node| {
        let Some(text) = node.value().as_text() else {
            return false;
        };
        if !text.bytes().any(|b| b.is_ascii_digit()) {
            return false;
        }
        let Some(parent) = node.parent().and_then(ElementRef::wrap) else {
            return false;
        };
        if matches!(parent.value().name(), "script" | "style" | "option") || in_chrome(parent) {
            return false;
        }
        // The price may be split over elements (`<span>$</span>89.00`): read a small
        // parent's whole text; a large one's is not re-read per text node.
        let found = find_price(text, None).is_some()
            || (parent.children().count() <= 8 && find_price(&text_of(parent), None).is_some());
        found && !tiles.contains(parent)
    })
}

/// A page that links to a previous or next page of itself is one page of a list — even
/// its last page, which may show a single entry.
fn paginated(doc: &Html) -> bool {
    doc.select(&selector("a[rel], link[rel]")).any(|el| {
        el.value().attr("rel").is_some_and(|r| {
            r.split_whitespace()
                .any(|t| t.eq_ignore_ascii_case("next") || t.eq_ignore_ascii_case("prev"))
        })
    })
}

/// Repeated list entries (`li`, `article`, or blocks named card/tile/item/product) that
/// each show a price: how many, and how many of those link to another page (a card
/// leading to its item).
fn priced_cards(doc: &Html) -> (usize, usize) {
    doc.select(&selector("li, article, div[class]"))
        .filter(|e| !in_chrome(*e))
        .filter(|e| {
            let names = class_and_id(*e);
            matches!(e.value().name(), "li" | "article")
                || ["card", "tile", "item", "product"]
                    .iter()
                    .any(|w| names.contains(w))
        })
        // Only innermost cards: a wrapper around three cards is not a fourth.
        .filter(|e| !has_card_child(*e))
        .filter(|e| find_price(&text_of(*e), None).is_some())
        .fold((0, 0), |(priced, linked), card| {
            let links = card.select(&selector("a[href]")).next().is_some();
            (priced + 1, linked + usize::from(links))
        })
}

fn has_card_child(el: ElementRef<'_>) -> bool {
    el.descendants()
        .skip(1)
        .filter_map(ElementRef::wrap)
        .any(|d| matches!(d.value().name(), "li" | "article"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(html: &str) -> bool {
        let url = Url::parse("http://shop.test/c/1").expect("url");
        looks_like_category(&Html::parse_document(html), &url, &url)
    }

    #[test]
    fn product_links_or_priced_cards_make_a_category() {
        assert!(check(
            r#"<ul><li><a class="product-link" href="/x/1">A</a></li><li><a class="product-link" href="/x/2">B</a></li>
            <li><a class="product-link" href="/x/3">C</a></li></ul>"#
        ));
        assert!(check(
            r#"<div class="card">€1.00</div><div class="card">€2.00</div><div class="card">€3.00</div>"#
        ));
        assert!(check(
            r#"<a href="/item/1">1</a><a href="/item/2">2</a><a href="/item/2#r">2</a><a href="/item/3">3</a>"#
        ));
    }

    #[test]
    fn the_last_page_of_a_list_is_a_category_even_with_one_entry() {
        assert!(check(
            r#"<h1>Bikes – page 3 of 3</h1><ul><li><a href="/x/9">Bell</a> – 19.99 EUR</li></ul>
            <p><a rel="prev" href="/c/1?page=2">Previous page</a></p>"#
        ));
        assert!(check(
            r#"<ul><li><a href="/x/9">Bell</a> €1.00</li><li><a href="/x/8">Horn</a> €2.00</li></ul>"#
        ));
    }

    #[test]
    fn a_single_item_with_chrome_links_is_not_a_category() {
        assert!(!check(
            r#"<nav><a href="/item/1">1</a><a href="/item/2">2</a><a href="/item/3">3</a></nav>
            <h1>Bag</h1><p class="price">€5.00</p><a href="/item/9">related</a>"#
        ));
    }
}
