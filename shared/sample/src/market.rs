//! The sample marketplace under `/market/`: index, paginated category pages, product pages
//! with schema.org JSON-LD, product images, and an about page.

use std::fmt::Write as _;

use crate::ExpectedListing;
use crate::catalog::{self, Image, MARKET_CATEGORIES, MarketItem};
use crate::html::{self, escape};
use crate::render::Registered;
use crate::site::SiteContent;

/// Listings per category page; small so every category has a `rel="next"` chain.
pub(crate) const ITEMS_PER_PAGE: usize = 4;
pub(crate) const CURRENCY: &str = "EUR";
/// A link the crawler must not follow: it leaves the sample host.
pub(crate) const EXTERNAL_LINK: &str = "http://other.example/";

pub(crate) fn item_path(number: usize) -> String {
    format!("/market/item/{number}")
}

/// Page 1 of a category is `/market/c/{c}`, later pages `/market/c/{c}/{page}`.
pub(crate) fn category_path(category: usize, page: usize) -> String {
    if page <= 1 {
        format!("/market/c/{}", category + 1)
    } else {
        format!("/market/c/{}/{page}", category + 1)
    }
}

pub(crate) fn build(
    site: &mut SiteContent,
    registered: &Registered,
    expected: &mut Vec<ExpectedListing>,
) {
    let items = catalog::market_items();
    site.insert_page("/market/".into(), index());
    site.insert_page("/market/about".into(), about());
    for category in 0..MARKET_CATEGORIES.len() {
        let numbers: Vec<usize> = (1..=items.len())
            .filter(|&n| items.get(n - 1).is_some_and(|i| i.category == category))
            .collect();
        let pages: Vec<&[usize]> = numbers.chunks(ITEMS_PER_PAGE).collect();
        for (i, chunk) in pages.iter().enumerate() {
            let page = i + 1;
            site.insert_page(
                category_path(category, page),
                category_page(category, page, pages.len(), chunk, &items),
            );
        }
    }
    let mut jobs = Vec::new();
    let mut pages = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let number = i + 1;
        let mut image_paths = Vec::new();
        for (k, image) in item.images.iter().enumerate() {
            let path = format!(
                "/market/img/item-{number}-{}.{}",
                k + 1,
                image.format.extension()
            );
            jobs.push((path.clone(), *image));
            image_paths.push(path);
        }
        pages.push((item_path(number), product_page(item, &image_paths)));
        expected.push(ExpectedListing {
            url_path: item_path(number),
            source: "market",
            case: item.expect.case,
            expected_rights: item.expect.rights.iter().map(|r| r.to_string()).collect(),
        });
    }
    for (path, page) in pages {
        site.insert_page(path, page);
    }
    let images: Vec<Image> = jobs.iter().map(|(_, image)| *image).collect();
    for ((path, image), bytes) in jobs.into_iter().zip(registered.encode_all(&images)) {
        site.insert(path, image.format.content_type(), bytes);
    }
}

fn nav() -> String {
    "<nav><a href=\"/market/\">Sample Market</a> · <a href=\"/market/about\">About</a></nav>\n"
        .into()
}

fn index() -> String {
    let mut body = nav();
    body.push_str("<h1>Sample Market</h1>\n<h2>Categories</h2>\n<ul class=\"categories\">\n");
    for (c, name) in MARKET_CATEGORIES.iter().enumerate() {
        let _ = writeln!(
            body,
            "<li><a href=\"{}\">{}</a></li>",
            category_path(c, 1),
            escape(name)
        );
    }
    body.push_str("</ul>\n");
    let _ = writeln!(
        body,
        "<p>Looking for bikes? Visit our <a href=\"{EXTERNAL_LINK}\">partner shop</a>.</p>"
    );
    html::page("Sample Market", "", &body)
}

fn about() -> String {
    let body = format!(
        "{}<h1>About Sample Market</h1>\n<p>Sample Market is a made-up marketplace for the takedown demo. Every listing is generated.</p>\n",
        nav()
    );
    html::page("About Sample Market", "", &body)
}

fn category_page(
    category: usize,
    page: usize,
    pages: usize,
    numbers: &[usize],
    items: &[MarketItem],
) -> String {
    let name = MARKET_CATEGORIES
        .get(category)
        .copied()
        .unwrap_or("Category");
    let mut body = nav();
    let _ = writeln!(
        body,
        "<h1>{} – page {page} of {pages}</h1>\n<ul class=\"products\">",
        escape(name)
    );
    for &n in numbers {
        if let Some(item) = items.get(n - 1) {
            let _ = writeln!(
                body,
                "<li><a class=\"product-link\" href=\"{}\">{}</a> – {} {CURRENCY}</li>",
                item_path(n),
                escape(item.title),
                item.price
            );
        }
    }
    body.push_str("</ul>\n<p class=\"pagination\">");
    if page > 1 {
        let _ = write!(
            body,
            "<a rel=\"prev\" href=\"{}\">Previous page</a> ",
            category_path(category, page - 1)
        );
    }
    if page < pages {
        let _ = write!(
            body,
            "<a rel=\"next\" href=\"{}\">Next page</a>",
            category_path(category, page + 1)
        );
    }
    body.push_str("</p>\n");
    html::page(&format!("{name} – Sample Market"), "", &body)
}

fn product_page(item: &MarketItem, image_paths: &[String]) -> String {
    let head = html::product_json_ld(item.title, image_paths, item.price, CURRENCY, item.seller);
    let mut body = nav();
    let category = MARKET_CATEGORIES
        .get(item.category)
        .copied()
        .unwrap_or("Category");
    let _ = writeln!(
        body,
        "<p class=\"breadcrumb\"><a href=\"{}\">{}</a></p>",
        category_path(item.category, 1),
        escape(category)
    );
    let _ = writeln!(
        body,
        "<div class=\"product\">\n<h1 class=\"product-title\">{}</h1>",
        escape(item.title)
    );
    for path in image_paths {
        let _ = writeln!(
            body,
            "<img class=\"product-image\" src=\"{path}\" alt=\"{}\">",
            escape(item.title)
        );
    }
    let _ = writeln!(body, "<p class=\"price\">{} {CURRENCY}</p>", item.price);
    let _ = writeln!(
        body,
        "<p class=\"seller\">Sold by <span class=\"seller-name\">{}</span></p>",
        escape(item.seller)
    );
    body.push_str("<p class=\"shipping\">Ships within 3 working days.</p>\n</div>\n");
    html::page(&format!("{} – Sample Market", item.title), &head, &body)
}
