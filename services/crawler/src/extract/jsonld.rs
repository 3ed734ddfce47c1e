//! schema.org `Product` in JSON-LD: `@graph`, arrays, `ItemList`s, and the messy shapes
//! real shops write — prices as strings, numbers or `PriceSpecification`s, `Offer` or
//! `AggregateOffer` (`lowPrice`), images as strings, arrays or `ImageObject`s, sellers and
//! brands as strings or objects.

use scraper::Html;
use serde_json::Value;
use url::Url;

use super::{ExtractedProduct, ProductSource, dom::selector, images::resolve};

/// Every `Product` node in the page's JSON-LD blocks, in document order.
pub(crate) fn products(doc: &Html, page_url: &Url, base: &Url) -> Vec<ExtractedProduct> {
    let mut out = Vec::new();
    for script in doc.select(&selector(r#"script[type="application/ld+json"]"#)) {
        let raw: String = script.text().collect();
        // A malformed block is skipped; the rest of the page is still read.
        let Ok(value) = serde_json::from_str::<Value>(raw.trim()) else {
            continue;
        };
        let mut nodes = Vec::new();
        collect_nodes(&value, &mut nodes);
        out.extend(
            nodes
                .into_iter()
                .filter(|n| is_type(n, "Product"))
                .filter_map(|n| product_from_node(n, page_url, base)),
        );
    }
    out
}

/// Whether some JSON-LD block holds an `ItemList` of two or more entries: the page is a
/// list of products, whatever else it says.
pub(crate) fn has_item_list(doc: &Html) -> bool {
    doc.select(&selector(r#"script[type="application/ld+json"]"#))
        .filter_map(|s| serde_json::from_str::<Value>(s.text().collect::<String>().trim()).ok())
        .any(|value| {
            let mut nodes = Vec::new();
            collect_nodes(&value, &mut nodes);
            nodes.iter().any(|n| {
                is_type(n, "ItemList")
                    && n.get("itemListElement")
                        .and_then(Value::as_array)
                        .is_some_and(|items| items.len() >= 2)
            })
        })
}

/// Walks arrays, `@graph`, and the properties that hold whole entities (a page's main
/// entity, list items). Not every property: a product's `isSimilarTo` is not on sale here.
fn collect_nodes<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect_nodes(v, out)),
        Value::Object(map) => {
            out.push(value);
            for key in ["@graph", "mainEntity", "itemListElement", "item"] {
                if let Some(inner) = map.get(key) {
                    collect_nodes(inner, out);
                }
            }
        }
        _ => {}
    }
}

fn is_type(node: &Value, wanted: &str) -> bool {
    let matches = |t: &str| t == wanted || t.ends_with(&format!("/{wanted}"));
    match node.get("@type") {
        Some(Value::String(t)) => matches(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(matches),
        _ => false,
    }
}

/// A string from a value that may be a string, a number, or an object with one of
/// `fields` (the first present wins), or an array of those.
fn loose_string(value: &Value, fields: &[&str]) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(map) => fields
            .iter()
            .find_map(|f| map.get(*f).and_then(|v| loose_string(v, fields))),
        Value::Array(items) => items.iter().find_map(|v| loose_string(v, fields)),
        _ => None,
    }
}

fn image_urls(value: Option<&Value>, base: &Url) -> Vec<Url> {
    let fields = ["contentUrl", "url", "@id"];
    let raw: Vec<String> = match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| loose_string(v, &fields))
            .collect(),
        Some(other) => loose_string(other, &fields).into_iter().collect(),
        None => Vec::new(),
    };
    let mut out: Vec<Url> = Vec::new();
    for u in raw.iter().filter_map(|u| resolve(u, base)) {
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// The offer to read: the first of an array; an `AggregateOffer` stands for itself but
/// lends its first inner offer's seller when it names none.
fn first_offer(node: &Value) -> Option<&Value> {
    match node.get("offers") {
        Some(Value::Array(items)) => items.first(),
        other => other,
    }
}

fn price_of(offer: &Value) -> Option<String> {
    let fields = ["price", "lowPrice", "minPrice"];
    ["price", "lowPrice"]
        .iter()
        .find_map(|f| offer.get(*f).and_then(|v| loose_string(v, &fields)))
        .or_else(|| {
            offer
                .get("priceSpecification")
                .and_then(|v| loose_string(v, &fields))
        })
        .or_else(|| first_offer(offer).and_then(price_of))
}

fn currency_of(offer: &Value) -> Option<String> {
    let fields = ["priceCurrency"];
    offer
        .get("priceCurrency")
        .and_then(|v| loose_string(v, &fields))
        .or_else(|| {
            offer
                .get("priceSpecification")
                .and_then(|v| loose_string(v, &fields))
        })
        .or_else(|| first_offer(offer).and_then(currency_of))
}

fn seller_of(offer: &Value) -> Option<String> {
    offer
        .get("seller")
        .and_then(|v| loose_string(v, &["name", "legalName"]))
        .or_else(|| first_offer(offer).and_then(seller_of))
}

fn product_from_node(node: &Value, page_url: &Url, base: &Url) -> Option<ExtractedProduct> {
    let title = node.get("name").and_then(|v| loose_string(v, &["name"]))?;
    let offer = first_offer(node);
    let url = node
        .get("url")
        .and_then(|v| loose_string(v, &["url", "@id"]))
        .and_then(|u| resolve(&u, base))
        .unwrap_or_else(|| page_url.clone());
    let seller = offer.and_then(seller_of);
    let (seller, seller_rule) = match seller {
        Some(s) => (s, Some("json-ld offers.seller")),
        // Not schema.org's shape, but shops write it: `seller` on the product itself.
        None => match seller_of(node) {
            Some(s) => (s, Some("json-ld seller")),
            None => (String::new(), None),
        },
    };
    let brand = node.get("brand").and_then(|v| loose_string(v, &["name"]));
    let mut provenance = std::collections::BTreeMap::new();
    if let Some(rule) = seller_rule {
        provenance.insert("seller".to_owned(), rule.to_owned());
    }
    if brand.is_some() {
        provenance.insert("brand".to_owned(), "json-ld brand".to_owned());
    }
    Some(ExtractedProduct {
        url,
        title,
        seller,
        price: offer.and_then(price_of),
        currency: offer.and_then(currency_of),
        image_urls: image_urls(node.get("image"), base),
        exhibitor: None,
        brand,
        sku: node
            .get("sku")
            .or_else(|| node.get("mpn"))
            .and_then(|v| loose_string(v, &["value"])),
        source: ProductSource::JsonLd,
        provenance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Vec<ExtractedProduct> {
        let html = format!(r#"<script type="application/ld+json">{json}</script>"#);
        let url = Url::parse("http://shop.test/item/1").expect("url");
        products(&Html::parse_document(&html), &url, &url)
    }

    #[test]
    fn aggregate_offer_low_price_object_seller_image_object_brand_sku() {
        let got = check(
            r#"{"@context":"https://schema.org","@type":"http://schema.org/Product","name":" Bag ",
               "image":{"@type":"ImageObject","contentUrl":"/i/bag.jpg"},
               "brand":{"@type":"Brand","name":"Acme"},"sku":12345,
               "offers":{"@type":"AggregateOffer","lowPrice":"9.90","highPrice":"19.90",
                 "priceCurrency":"USD","offers":[{"@type":"Offer","seller":"Bag Shop"}]}}"#,
        );
        assert_eq!(got.len(), 1);
        let p = &got[0];
        assert_eq!(p.title, "Bag");
        assert_eq!(p.price.as_deref(), Some("9.90"));
        assert_eq!(p.currency.as_deref(), Some("USD"));
        assert_eq!(p.seller, "Bag Shop");
        assert_eq!(p.brand.as_deref(), Some("Acme"));
        assert_eq!(p.sku.as_deref(), Some("12345"));
        assert_eq!(p.image_urls[0].as_str(), "http://shop.test/i/bag.jpg");
    }

    #[test]
    fn price_specification_and_string_image_and_item_list() {
        let got = check(
            r#"[{"@type":"ItemList","itemListElement":[
                {"@type":"ListItem","position":1,"item":{"@type":"Product","name":"A","url":"/a",
                  "image":"a.jpg","offers":{"priceSpecification":{"price":5,"priceCurrency":"EUR"}}}},
                {"@type":"ListItem","position":2,"item":{"@type":"Product","name":"B","url":"/b"}}]}]"#,
        );
        let names: Vec<_> = got.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(names, vec!["A", "B"]);
        assert_eq!(got[0].url.as_str(), "http://shop.test/a");
        assert_eq!(got[0].price.as_deref(), Some("5"));
        assert_eq!(got[0].currency.as_deref(), Some("EUR"));
        assert_eq!(got[0].image_urls[0].as_str(), "http://shop.test/item/a.jpg");
    }

    #[test]
    fn a_product_without_a_name_is_not_a_listing() {
        assert!(check(r#"{"@type":"Product","offers":{"price":"1"}}"#).is_empty());
    }
}
