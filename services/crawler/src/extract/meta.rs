//! OpenGraph and Twitter card `<meta>` tags: the page's own summary of itself, used when
//! schema.org says nothing or leaves a field out.

use scraper::Html;
use url::Url;

use super::{
    dom::{attr, selector},
    images::resolve,
};

/// What the page's meta tags say about its item.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PageMeta {
    pub title: Option<String>,
    pub image: Option<Url>,
    pub price: Option<String>,
    pub currency: Option<String>,
    /// `og:type` is `product` (or `og:product`): the page says it sells one thing.
    pub is_product: bool,
}

pub(crate) fn read(doc: &Html, base: &Url) -> PageMeta {
    // `property` is OpenGraph's attribute and `name` Twitter's, but pages mix them up.
    let get = |key: &str| {
        doc.select(&selector("meta[content]"))
            .find(|m| {
                [attr(*m, "property"), attr(*m, "name")]
                    .into_iter()
                    .flatten()
                    .any(|k| k.eq_ignore_ascii_case(key))
            })
            .and_then(|m| attr(m, "content"))
            .map(str::to_owned)
    };
    let first = |keys: &[&str]| keys.iter().find_map(|k| get(k));
    PageMeta {
        title: first(&["og:title", "twitter:title"]),
        image: first(&[
            "og:image:secure_url",
            "og:image",
            "og:image:url",
            "twitter:image",
            "twitter:image:src",
        ])
        .and_then(|u| resolve(&u, base)),
        price: first(&["product:price:amount", "og:price:amount"]),
        currency: first(&["product:price:currency", "og:price:currency"]),
        is_product: get("og:type").is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            t == "product" || t == "og:product" || t == "product.item"
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_opengraph_then_twitter() {
        let doc = Html::parse_document(
            r#"<head><meta property="og:type" content="product">
            <meta name="twitter:title" content="Tw title"><meta property="og:title" content="OG title">
            <meta name="twitter:image" content="/tw.jpg">
            <meta property="product:price:amount" content="25.00">
            <meta property="product:price:currency" content="GBP"></head>"#,
        );
        let base = Url::parse("http://shop.test/p").expect("url");
        let meta = read(&doc, &base);
        assert_eq!(meta.title.as_deref(), Some("OG title"));
        assert_eq!(
            meta.image.map(String::from).as_deref(),
            Some("http://shop.test/tw.jpg")
        );
        assert_eq!(meta.price.as_deref(), Some("25.00"));
        assert_eq!(meta.currency.as_deref(), Some("GBP"));
        assert!(meta.is_product);
    }
}
