//! Reading a page: its links, the products it describes (schema.org Product in JSON-LD),
//! and fair exhibitor cards. Parsing is synchronous (scraper's DOM is not Send across
//! awaits), so callers run it between fetches.

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use url::Url;

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
}

fn selector(css: &'static str) -> Selector {
    // The selectors are literals in this file; a typo fails every test, not a user.
    Selector::parse(css).unwrap_or_else(|e| panic!("invalid built-in selector {css:?}: {e}"))
}

pub fn extract(page_url: &Url, html: &str) -> ExtractedPage {
    let doc = Html::parse_document(html);
    let base = base_url(&doc, page_url);
    let mut page = ExtractedPage {
        links: links(&doc, &base),
        products: Vec::new(),
    };
    page.products
        .extend(json_ld_products(&doc, page_url, &base));
    page.products
        .extend(exhibitor_products(&doc, page_url, &base));
    page
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

fn text_of(el: ElementRef<'_>) -> String {
    el.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

// ---- schema.org Product in JSON-LD ----

fn json_ld_products(doc: &Html, page_url: &Url, base: &Url) -> Vec<ExtractedProduct> {
    let mut out = Vec::new();
    for script in doc.select(&selector(r#"script[type="application/ld+json"]"#)) {
        let raw: String = script.text().collect();
        // A malformed block is skipped; the rest of the page is still read.
        let Ok(value) = serde_json::from_str::<Value>(raw.trim()) else {
            continue;
        };
        let mut nodes = Vec::new();
        collect_nodes(&value, &mut nodes);
        for node in nodes.into_iter().filter(|n| is_type(n, "Product")) {
            if let Some(product) = product_from_node(node, page_url, base) {
                out.push(product);
            }
        }
    }
    out
}

fn collect_nodes<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect_nodes(v, out)),
        Value::Object(map) => {
            out.push(value);
            if let Some(graph) = map.get("@graph") {
                collect_nodes(graph, out);
            }
        }
        _ => {}
    }
}

fn is_type(node: &Value, wanted: &str) -> bool {
    match node.get("@type") {
        Some(Value::String(t)) => t == wanted || t.ends_with(&format!("/{wanted}")),
        Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str() == Some(wanted)),
        _ => false,
    }
}

/// A string from a value that may be a string, a number, or an object with `field`.
fn loose_string(value: &Value, field: &str) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(map) => map.get(field).and_then(|v| loose_string(v, field)),
        Value::Array(items) => items.iter().find_map(|v| loose_string(v, field)),
        _ => None,
    }
}

fn product_from_node(node: &Value, page_url: &Url, base: &Url) -> Option<ExtractedProduct> {
    let title = node.get("name").and_then(|v| loose_string(v, "name"))?;
    let image_urls = match node.get("image") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| loose_string(v, "url"))
            .collect(),
        Some(other) => loose_string(other, "url").into_iter().collect(),
        None => Vec::new(),
    }
    .into_iter()
    .filter_map(|u: String| base.join(&u).ok())
    .collect();
    let offer = match node.get("offers") {
        Some(Value::Array(items)) => items.first(),
        other => other,
    };
    let field = |name: &str| {
        offer
            .and_then(|o| o.get(name))
            .and_then(|v| loose_string(v, "name"))
    };
    let url = node
        .get("url")
        .and_then(|v| loose_string(v, "url"))
        .and_then(|u| base.join(&u).ok())
        .unwrap_or_else(|| page_url.clone());
    Some(ExtractedProduct {
        url,
        title,
        seller: field("seller").unwrap_or_default(),
        price: offer
            .and_then(|o| o.get("price"))
            .and_then(|v| loose_string(v, "price")),
        currency: field("priceCurrency"),
        image_urls,
        exhibitor: None,
    })
}

// ---- fair exhibitor cards ----

fn exhibitor_products(doc: &Html, page_url: &Url, base: &Url) -> Vec<ExtractedProduct> {
    let mut out = Vec::new();
    for card in doc.select(&selector(".exhibitor")) {
        let company = card
            .select(&selector(".company"))
            .next()
            .map(text_of)
            .unwrap_or_default();
        if company.is_empty() {
            continue;
        }
        let exhibitor = ExtractedExhibitor {
            fair: card
                .value()
                .attr("data-fair")
                .unwrap_or_default()
                .trim()
                .to_owned(),
            booth: card
                .select(&selector(".booth"))
                .next()
                .map(text_of)
                .unwrap_or_default(),
            company: company.clone(),
        };
        for (index, product) in card.select(&selector(".product")).enumerate() {
            let title = product
                .select(&selector(".product-name"))
                .next()
                .map(text_of)
                .unwrap_or_default();
            let mut url = page_url.clone();
            let fragment = product
                .value()
                .id()
                .map(str::to_owned)
                .unwrap_or(format!("product-{}", index + 1));
            url.set_fragment(Some(&fragment));
            let image_urls = product
                .select(&selector("img"))
                .filter_map(|img| img.value().attr("src").or(img.value().attr("data-src")))
                .filter_map(|src| base.join(src).ok())
                .collect();
            out.push(ExtractedProduct {
                url,
                title,
                seller: company.clone(),
                price: None,
                currency: None,
                image_urls,
                exhibitor: Some(exhibitor.clone()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn reads_json_ld_product_with_loose_fields_and_graph() {
        let html = r#"<html><head>
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
              {"@type":"WebPage"},
              {"@type":["Product"],"name":"Trail shoe","image":[{"url":"/img/a.jpg"},"b.png"],
               "offers":[{"@type":"Offer","price":19.5,"priceCurrency":"EUR","seller":{"name":"Shop A"}}]}]}</script>
            <script type="application/ld+json">{ broken json</script>
            </head><body><a href="/c/2#top">next</a><a href="/c/2">again</a><a href="mailto:x@y">m</a></body></html>"#;
        let page = extract(&url("http://shop.test/item/1"), html);
        assert_eq!(page.links, vec![url("http://shop.test/c/2")]);
        assert_eq!(page.products.len(), 1);
        let p = &page.products[0];
        assert_eq!(p.title, "Trail shoe");
        assert_eq!(p.seller, "Shop A");
        assert_eq!(p.price.as_deref(), Some("19.5"));
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        assert_eq!(
            p.image_urls,
            vec![
                url("http://shop.test/img/a.jpg"),
                url("http://shop.test/item/b.png")
            ]
        );
        assert_eq!(p.url, url("http://shop.test/item/1"));
    }

    #[test]
    fn reads_exhibitor_cards_one_listing_per_product() {
        let html = r#"<div class="exhibitor" data-fair="Fair 2026"><h1 class="company"> Foo
            Ltd </h1><p class="booth">Hall 3, B12</p>
            <div class="product" id="product-1"><img src="/fair/img/1.jpg"><h2 class="product-name">Cap</h2></div>
            <div class="product"><img data-src="/fair/img/2.jpg"><h2 class="product-name">Bag</h2></div></div>"#;
        let page = extract(&url("http://fair.test/fair/exhibitor/3"), html);
        assert_eq!(page.products.len(), 2);
        let first = &page.products[0];
        assert_eq!(
            first.url.as_str(),
            "http://fair.test/fair/exhibitor/3#product-1"
        );
        assert_eq!(first.seller, "Foo Ltd");
        assert_eq!(
            first.exhibitor,
            Some(ExtractedExhibitor {
                fair: "Fair 2026".into(),
                booth: "Hall 3, B12".into(),
                company: "Foo Ltd".into()
            })
        );
        assert_eq!(page.products[1].url.fragment(), Some("product-2"));
        assert_eq!(
            page.products[1].image_urls,
            vec![url("http://fair.test/fair/img/2.jpg")]
        );
    }

    #[test]
    fn a_page_without_products_yields_only_links() {
        let page = extract(
            &url("http://shop.test/"),
            "<html><body><p>hi</p><a href='x'>x</a></body>",
        );
        assert!(page.products.is_empty());
        assert_eq!(page.links, vec![url("http://shop.test/x")]);
    }
}
