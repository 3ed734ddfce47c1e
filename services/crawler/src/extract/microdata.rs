//! schema.org `Product` in microdata: `itemscope itemtype=".../Product"` with `itemprop`
//! name, image, url, brand, sku and an `offers` scope holding price, priceCurrency and
//! seller.

use scraper::{ElementRef, Html};
use url::Url;

use super::{
    ExtractedProduct, ProductSource,
    dom::{attr, selector, text_of},
    images::{image_url, resolve},
};

/// Properties under which a `Product` scope is itself on offer here (a list's entries);
/// under any other (`isRelatedTo`, `isSimilarTo`, …) it is another page's product.
const LISTED_AS: [&str; 3] = ["itemListElement", "item", "mainEntity"];

/// Every microdata `Product` scope on the page that is on offer here, in document order.
pub(crate) fn products(doc: &Html, page_url: &Url, base: &Url) -> Vec<ExtractedProduct> {
    doc.select(&selector("[itemscope][itemtype]"))
        .filter(|el| is_type(*el, "Product"))
        .filter(|el| {
            attr(*el, "itemprop")
                .is_none_or(|props| props.split_whitespace().any(|p| LISTED_AS.contains(&p)))
        })
        .filter_map(|scope| product_from_scope(scope, page_url, base))
        .collect()
}

fn is_type(el: ElementRef<'_>, wanted: &str) -> bool {
    attr(el, "itemtype").is_some_and(|types| {
        types
            .split_whitespace()
            .any(|t| t.trim_end_matches('/').rsplit('/').next() == Some(wanted))
    })
}

/// The properties of `scope`: elements with `itemprop` below it, not looking inside
/// nested scopes (their properties are theirs), but including the nested scope element
/// itself when it is a property (e.g. `itemprop="offers" itemscope`).
fn props<'a>(scope: ElementRef<'a>) -> Vec<(String, ElementRef<'a>)> {
    let mut out = Vec::new();
    let mut stack: Vec<ElementRef<'a>> = scope.children().filter_map(ElementRef::wrap).collect();
    stack.reverse();
    while let Some(el) = stack.pop() {
        if let Some(names) = attr(el, "itemprop") {
            for name in names.split_whitespace() {
                out.push((name.to_owned(), el));
            }
        }
        if el.value().attr("itemscope").is_none() {
            let mut children: Vec<_> = el.children().filter_map(ElementRef::wrap).collect();
            children.reverse();
            stack.extend(children);
        }
    }
    out
}

fn prop<'a>(props: &[(String, ElementRef<'a>)], name: &str) -> Option<ElementRef<'a>> {
    props.iter().find(|(n, _)| n == name).map(|(_, el)| *el)
}

/// A property's value as the microdata spec reads it: `content` on any element, `href`
/// on links, `src` on media, `value` on data, else the text.
fn value(el: ElementRef<'_>, base: &Url) -> Option<String> {
    if let Some(content) = attr(el, "content") {
        return Some(content.to_owned());
    }
    let v = match el.value().name() {
        "a" | "link" | "area" => attr(el, "href")
            .and_then(|h| resolve(h, base))
            .map(String::from),
        "img" | "source" => image_url(el, base).map(String::from),
        "data" | "meter" => attr(el, "value").map(str::to_owned),
        "time" => attr(el, "datetime").map(str::to_owned),
        _ => None,
    };
    v.or_else(|| Some(text_of(el))).filter(|s| !s.is_empty())
}

/// A value that may be a nested scope with a `name` (seller, brand) or plain text.
fn named(el: ElementRef<'_>, base: &Url) -> Option<String> {
    if el.value().attr("itemscope").is_some() {
        let inner = props(el);
        if let Some(name) = prop(&inner, "name").and_then(|n| value(n, base)) {
            return Some(name);
        }
    }
    value(el, base)
}

fn product_from_scope(
    scope: ElementRef<'_>,
    page_url: &Url,
    base: &Url,
) -> Option<ExtractedProduct> {
    let own = props(scope);
    let title = prop(&own, "name").and_then(|n| value(n, base))?;
    let offer = prop(&own, "offers").filter(|o| o.value().attr("itemscope").is_some());
    let offer_props = offer.map(props).unwrap_or_default();
    // Shops put price and currency on the offer scope or, loosely, on the product itself.
    let lookup = |name: &str| prop(&offer_props, name).or_else(|| prop(&own, name));
    let mut image_urls: Vec<Url> = Vec::new();
    for (_, el) in own.iter().filter(|(n, _)| n == "image") {
        if let Some(u) = value(*el, base)
            .and_then(|v| resolve(&v, base))
            .filter(|u| !image_urls.contains(u))
        {
            image_urls.push(u);
        }
    }
    let seller = lookup("seller")
        .and_then(|s| named(s, base))
        .unwrap_or_default();
    let brand = prop(&own, "brand").and_then(|b| named(b, base));
    let mut provenance = std::collections::BTreeMap::new();
    if !seller.is_empty() {
        provenance.insert("seller".to_owned(), "microdata seller".to_owned());
    }
    if brand.is_some() {
        provenance.insert("brand".to_owned(), "microdata brand".to_owned());
    }
    Some(ExtractedProduct {
        url: prop(&own, "url")
            .and_then(|u| value(u, base))
            .and_then(|u| resolve(&u, base))
            .unwrap_or_else(|| page_url.clone()),
        title,
        seller,
        price: lookup("price")
            .or_else(|| lookup("lowPrice"))
            .and_then(|p| value(p, base)),
        currency: lookup("priceCurrency").and_then(|c| value(c, base)),
        image_urls,
        exhibitor: None,
        brand,
        sku: prop(&own, "sku").and_then(|s| value(s, base)),
        source: ProductSource::Microdata,
        provenance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_product_with_nested_offer_and_seller_scopes() {
        let html = r#"<div itemscope itemtype="https://schema.org/Product">
            <h1 itemprop="name">Trail  shoe</h1>
            <img itemprop="image" src="/s.jpg" srcset="/s.jpg 400w, /l.jpg 1200w">
            <span itemprop="brand" itemscope itemtype="https://schema.org/Brand"><span itemprop="name">Acme</span></span>
            <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
              <meta itemprop="priceCurrency" content="EUR"><span itemprop="price" content="19.99">19,99 €</span>
              <div itemprop="seller" itemscope itemtype="https://schema.org/Organization"><span itemprop="name">Shoe Shop</span></div>
            </div>
            <div itemscope itemtype="https://schema.org/Review"><span itemprop="name">Great</span></div>
            <div itemprop="isRelatedTo" itemscope itemtype="https://schema.org/Product"><span itemprop="name">Socks</span></div>
          </div>"#;
        let url = Url::parse("http://shop.test/p/1").expect("url");
        let got = products(&Html::parse_document(html), &url, &url);
        assert_eq!(got.len(), 1);
        let p = &got[0];
        assert_eq!(p.title, "Trail shoe");
        assert_eq!(p.price.as_deref(), Some("19.99"));
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        assert_eq!(p.seller, "Shoe Shop");
        assert_eq!(p.brand.as_deref(), Some("Acme"));
        assert_eq!(
            p.image_urls,
            vec![Url::parse("http://shop.test/l.jpg").expect("url")]
        );
        assert_eq!(p.url, url);
    }

    #[test]
    fn seller_as_plain_text_and_price_as_text() {
        let html = r#"<div itemscope itemtype="http://schema.org/Product"><span itemprop="name">Cap</span>
            <span itemprop="price">12.00</span><span itemprop="seller">Cap World</span></div>"#;
        let url = Url::parse("http://shop.test/p/2").expect("url");
        let got = products(&Html::parse_document(html), &url, &url);
        assert_eq!(got[0].seller, "Cap World");
        assert_eq!(got[0].price.as_deref(), Some("12.00"));
        assert_eq!(got[0].currency, None);
    }
}
