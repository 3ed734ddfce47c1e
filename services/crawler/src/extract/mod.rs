//! Reading a page: its links, its next pages, what kind of page it is, and the products it
//! describes — from schema.org JSON-LD and microdata, OpenGraph/Twitter tags, fair
//! exhibitor cards and tables, and, on a single-item page without any of those, from the
//! page's heading, price text, seller and main image. No site-specific code: a new shop
//! or fair needs no change here.
//!
//! Parsing is synchronous (scraper's DOM is not Send across awaits), so callers run it
//! between fetches.
//!
//! Module map:
//! - `jsonld`, `microdata`: schema.org `Product`s.
//! - `meta`: OpenGraph and Twitter cards, for fields the above leave out.
//! - `fallback`: heading, price, seller from plain markup; [`price`]: price text.
//! - `identity`: seller and brand from every source a page offers, most trusted first,
//!   each with the rule that gave it (the listing's `provenance`).
//! - `images`: `src`/`srcset`/lazy/`<picture>` addresses and the main image; `gallery`:
//!   every photo of a product page, the largest rendition of each, decoration dropped.
//! - `exhibitor`: fair exhibitor cards and HTML tables; [`table`]: CSV and XLSX lists;
//!   `records`: exhibitor records found by repeated structure, whatever their classes.
//! - `dom::Tiles`: blocks linking to other pages (recommendation strips), not the item.
//! - `kind`: listing or category page; `pagination`: the next pages.

#[cfg(test)]
mod corpus_tests;
mod dom;
mod exhibitor;
mod fallback;
mod gallery;
mod identity;
mod images;
mod jsonld;
mod kind;
mod meta;
mod microdata;
mod pagination;
pub mod price;
mod records;
pub mod table;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod third_party_tests;

use std::collections::BTreeMap;

use scraper::Html;
use url::Url;

pub use kind::PageKind;
pub use table::{
    ExhibitorRow, ExhibitorTable, MAX_TABLE_BYTES, RowError, TableError, exhibitors_from_csv,
    exhibitors_from_xlsx,
};

use dom::selector;

/// A product found on a page, before its images are fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedProduct {
    /// The listing's URL: the page, plus `#id` for one card among several on a page.
    pub url: Url,
    pub title: String,
    pub seller: String,
    pub price: Option<String>,
    pub currency: Option<String>,
    pub image_urls: Vec<Url>,
    pub exhibitor: Option<ExtractedExhibitor>,
    /// The brand the page names (schema.org `brand`), if any.
    pub brand: Option<String>,
    /// The shop's article number (schema.org `sku`, else `mpn`), if any.
    pub sku: Option<String>,
    /// Which markup the product was read from (how much to trust its fields).
    pub source: ProductSource,
    /// Which rule gave each field, by field name (`"seller"`, `"brand"`): see
    /// `takedown_model::Listing::provenance`.
    pub provenance: BTreeMap<String, String>,
}

/// Where a product's fields came from, most reliable first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductSource {
    JsonLd,
    Microdata,
    /// OpenGraph/Twitter tags, completed by the heuristics.
    OpenGraph,
    /// Heading, price text and main image only.
    Heuristic,
    ExhibitorCard,
    ExhibitorTable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedExhibitor {
    pub fair: String,
    pub booth: String,
    pub company: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtractedPage {
    /// Absolute http(s) links, fragments removed, in document order, without repeats.
    pub links: Vec<Url>,
    pub products: Vec<ExtractedProduct>,
    /// Pages continuing this one (`rel=next`, then numbered page links), to visit first.
    pub next_pages: Vec<Url>,
    pub kind: PageKind,
}

pub fn extract(page_url: &Url, html: &str) -> ExtractedPage {
    let doc = Html::parse_document(html);
    let base = base_url(&doc, page_url);
    let lang = doc
        .select(&selector("html[lang]"))
        .next()
        .and_then(|h| h.value().attr("lang"))
        .map(str::to_owned);

    let mut structured: Vec<ExtractedProduct> = Vec::new();
    for product in jsonld::products(&doc, page_url, &base)
        .into_iter()
        .chain(microdata::products(&doc, page_url, &base))
    {
        merge_or_push(&mut structured, product);
    }
    let mut exhibitors = exhibitor::products(&doc, page_url, &base);
    if exhibitors.is_empty() {
        let fair = doc
            .select(&selector("[data-fair]"))
            .next()
            .and_then(|e| e.value().attr("data-fair"))
            .unwrap_or_default()
            .trim()
            .to_owned();
        exhibitors = records::products(&doc, page_url, &base, &fair);
    }
    let many_structured = distinct_urls(&structured) >= 2 || jsonld::has_item_list(&doc);
    let kind = if many_structured {
        PageKind::Category
    } else if !structured.is_empty() || !exhibitors.is_empty() {
        PageKind::Listing
    } else if kind::looks_like_category(&doc, page_url, &base) {
        PageKind::Category
    } else {
        PageKind::Other
    };

    let mut products = structured;
    if kind == PageKind::Category {
        // On a list page only products with their own address are listings; one without
        // would be the category itself, under the page's URL.
        products.retain(|p| p.url.as_str() != page_url.as_str());
    }
    if let [only] = products.as_mut_slice() {
        complete_from_page(only, &doc, page_url, &base, lang.as_deref());
    }
    let mut kind = kind;
    let may_guess = products.is_empty() && exhibitors.is_empty() && kind != PageKind::Category;
    if let Some(product) = may_guess
        .then(|| guessed_product(&doc, page_url, &base, lang.as_deref()))
        .flatten()
    {
        products.push(product);
        kind = PageKind::Listing;
    }
    products.extend(exhibitors);

    ExtractedPage {
        links: links(&doc, &base),
        products,
        next_pages: pagination::next_pages(&doc, page_url, &base),
        kind,
    }
}

/// Pages often describe one product twice (two JSON-LD blocks, or JSON-LD and
/// microdata). Products with the same URL or the same title are one listing: the first
/// read is kept, and fields it lacks are taken from the later one — two products with
/// one URL would otherwise become one listing id written twice, the last one winning.
fn merge_or_push(products: &mut Vec<ExtractedProduct>, product: ExtractedProduct) {
    let Some(kept) = products
        .iter_mut()
        .find(|p| p.url == product.url || p.title == product.title)
    else {
        products.push(product);
        return;
    };
    if kept.image_urls.is_empty() {
        kept.image_urls = product.image_urls;
    }
    if kept.seller.is_empty() && !product.seller.is_empty() {
        kept.seller = product.seller;
        if let Some(rule) = product.provenance.get("seller") {
            kept.provenance.insert("seller".to_owned(), rule.clone());
        }
    }
    if kept.brand.is_none()
        && let Some(rule) = product.provenance.get("brand")
    {
        kept.provenance.insert("brand".to_owned(), rule.clone());
    }
    if kept.price.is_none() {
        kept.price = product.price;
        kept.currency = kept.currency.take().or(product.currency);
    }
    kept.brand = kept.brand.take().or(product.brand);
    kept.sku = kept.sku.take().or(product.sku);
}

fn distinct_urls(products: &[ExtractedProduct]) -> usize {
    let mut urls: Vec<&Url> = products.iter().map(|p| &p.url).collect();
    urls.sort();
    urls.dedup();
    urls.len()
}

/// Fills what the page's one structured product leaves out from its meta tags and markup.
fn complete_from_page(
    product: &mut ExtractedProduct,
    doc: &Html,
    page_url: &Url,
    base: &Url,
    lang: Option<&str>,
) {
    let meta = meta::read(doc, base);
    let mut declared = std::mem::take(&mut product.image_urls);
    if let Some(image) = meta.image.clone().filter(|i| !declared.contains(i)) {
        declared.push(image);
    }
    product.image_urls = all_images(doc, page_url, base, &declared);
    if product.price.is_none() {
        if let Some(price) = meta.price.clone() {
            product.price = Some(price);
            product.currency = product.currency.take().or(meta.currency.clone());
        } else if let Some(found) =
            fallback::price(doc, &dom::Tiles::new(doc, page_url, base), lang)
        {
            product.price = Some(found.amount);
            product.currency = product.currency.take().or(found.currency);
        }
    }
    if product.currency.is_none() {
        product.currency = meta.currency;
    }
    complete_identity(product, doc, base);
}

/// Seller and brand from the page's markup when structured data named none, each with
/// the rule that gave it (see [`identity`]).
fn complete_identity(product: &mut ExtractedProduct, doc: &Html, base: &Url) {
    if product.seller.is_empty()
        && let Some(found) = identity::seller(doc, base)
    {
        product.seller = found.value;
        product.provenance.insert("seller".to_owned(), found.rule);
    }
    if product.brand.is_none()
        && let Some(found) = identity::brand(doc)
    {
        product.brand = Some(found.value);
        product.provenance.insert("brand".to_owned(), found.rule);
    }
}

/// A listing from a page without schema.org products: OpenGraph/Twitter first, then the
/// heading, price text and main image. Only when the page sells something — it says
/// `og:type=product` or shows a price — so an about page with a heading and a photo is
/// not a listing.
fn guessed_product(
    doc: &Html,
    page_url: &Url,
    base: &Url,
    lang: Option<&str>,
) -> Option<ExtractedProduct> {
    let meta = meta::read(doc, base);
    let text_price = fallback::price(doc, &dom::Tiles::new(doc, page_url, base), lang);
    let has_meta = meta.title.is_some() && (meta.is_product || meta.price.is_some());
    let (price, currency) = match (&meta.price, &text_price) {
        (Some(p), _) => (Some(p.clone()), meta.currency.clone()),
        (None, Some(found)) => (Some(found.amount.clone()), found.currency.clone()),
        (None, None) => (None, None),
    };
    if price.is_none() && !meta.is_product {
        return None;
    }
    let title = if has_meta {
        meta.title.clone()
    } else {
        fallback::heading(doc).or_else(|| meta.title.clone())
    }?;
    let mut product = ExtractedProduct {
        url: page_url.clone(),
        title,
        seller: String::new(),
        price,
        currency,
        image_urls: all_images(
            doc,
            page_url,
            base,
            &meta.image.clone().into_iter().collect::<Vec<_>>(),
        ),
        exhibitor: None,
        brand: None,
        sku: None,
        source: if has_meta {
            ProductSource::OpenGraph
        } else {
            ProductSource::Heuristic
        },
        provenance: BTreeMap::new(),
    };
    complete_identity(&mut product, doc, base);
    Some(product)
}

/// Every image of the one item on the page (see [`gallery`]): the declared ones, then the
/// page's gallery; the main image if neither names any.
fn all_images(doc: &Html, page_url: &Url, base: &Url, declared: &[Url]) -> Vec<Url> {
    let found = gallery::product_images(doc, page_url, base, declared);
    if found.is_empty() {
        images::main_image(doc, base).into_iter().collect()
    } else {
        found
    }
}

fn base_url(doc: &Html, page_url: &Url) -> Url {
    doc.select(&selector("base[href]"))
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page_url.join(href).ok())
        .unwrap_or_else(|| page_url.clone())
}

fn links(doc: &Html, base: &Url) -> Vec<Url> {
    let mut seen = std::collections::HashSet::new();
    doc.select(&selector("a[href]"))
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| base.join(href.trim()).ok())
        .filter(|u| u.scheme() == "http" || u.scheme() == "https")
        .map(|mut u| {
            u.set_fragment(None);
            u
        })
        .filter(|u| seen.insert(u.to_string()))
        .collect()
}
