//! Pages in the markup real shop and fair software produces (hand-written in the style of
//! WooCommerce, Magento 2, Shopify, PrestaShop and OpenCart, and of five exhibitor
//! directory styles; see `fixtures/third_party/README.md`), checked against the ground
//! truth kept beside each page: what a user of the crawl sees.

use serde::Deserialize;

use super::*;

#[derive(Debug, Deserialize)]
struct ProductTruth {
    title: String,
    price: String,
    /// `None` where the page does not say it (`$` on a page in plain `en`).
    currency: Option<String>,
    seller: String,
    seller_rule: String,
    #[serde(default)]
    brand: Option<String>,
    images: Vec<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct RecordTruth {
    booth: String,
    company: String,
    products: Vec<ProductImages>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct ProductImages {
    name: String,
    images: Vec<String>,
}

fn page(name: &str, html: &str) -> ExtractedPage {
    let url = Url::parse(&format!("https://third-party.example/{name}")).expect("url");
    extract(&url, html)
}

/// Compares a product page field by field; every mismatch is reported, not just the first.
fn check_product(name: &str, html: &str, truth: &str) {
    let truth: ProductTruth = serde_json::from_str(truth).expect("ground truth");
    let page = page(name, html);
    assert_eq!(
        page.products.len(),
        1,
        "{name}: one listing, got {:?} {:#?}",
        page.kind,
        page.products
    );
    let p = &page.products[0];
    let images: Vec<&str> = p.image_urls.iter().map(Url::as_str).collect();
    let mut wrong = Vec::new();
    let mut field = |what: &str, got: String, want: String| {
        if got != want {
            wrong.push(format!("{what}: got {got:?}, want {want:?}"));
        }
    };
    field("title", p.title.clone(), truth.title);
    field(
        "price",
        format!("{:?}", p.price),
        format!("{:?}", Some(truth.price)),
    );
    field(
        "currency",
        format!("{:?}", p.currency),
        format!("{:?}", truth.currency),
    );
    field("seller", p.seller.clone(), truth.seller);
    field(
        "seller provenance",
        format!("{:?}", p.provenance.get("seller")),
        format!("{:?}", Some(truth.seller_rule)),
    );
    if let Some(brand) = truth.brand {
        field(
            "brand",
            format!("{:?}", p.brand),
            format!("{:?}", Some(brand)),
        );
    }
    field(
        "images",
        format!("{images:?}"),
        format!("{:?}", truth.images),
    );
    assert!(wrong.is_empty(), "{name}:\n{}", wrong.join("\n"));
}

#[test]
fn woocommerce_product_page() {
    check_product(
        "woocommerce",
        include_str!("fixtures/third_party/woocommerce.html"),
        include_str!("fixtures/third_party/woocommerce.json"),
    );
}

#[test]
fn magento_product_page() {
    check_product(
        "magento",
        include_str!("fixtures/third_party/magento.html"),
        include_str!("fixtures/third_party/magento.json"),
    );
}

#[test]
fn shopify_product_page() {
    check_product(
        "shopify",
        include_str!("fixtures/third_party/shopify.html"),
        include_str!("fixtures/third_party/shopify.json"),
    );
}

#[test]
fn prestashop_product_page() {
    check_product(
        "prestashop",
        include_str!("fixtures/third_party/prestashop.html"),
        include_str!("fixtures/third_party/prestashop.json"),
    );
}

#[test]
fn opencart_product_page() {
    check_product(
        "opencart",
        include_str!("fixtures/third_party/opencart.html"),
        include_str!("fixtures/third_party/opencart.json"),
    );
}

/// Every exhibitor card gives its booth, company and products (with their photos).
fn check_directory(name: &str, html: &str, truth: &str) {
    let truth: Vec<RecordTruth> = serde_json::from_str(truth).expect("ground truth");
    let page = page(name, html);
    let mut got: Vec<RecordTruth> = Vec::new();
    for p in &page.products {
        let Some(ex) = &p.exhibitor else {
            panic!("{name}: a product without an exhibitor: {p:?}");
        };
        let product = ProductImages {
            name: p.title.clone(),
            images: p.image_urls.iter().map(Url::to_string).collect(),
        };
        match got.last_mut() {
            Some(r) if r.booth == ex.booth && r.company == ex.company => r.products.push(product),
            _ => got.push(RecordTruth {
                booth: ex.booth.clone(),
                company: ex.company.clone(),
                products: vec![product],
            }),
        }
        assert_eq!(
            p.seller, ex.company,
            "{name}: the exhibitor sells its products"
        );
    }
    assert_eq!(got, truth, "{name}");
}

#[test]
fn exhibitor_directory_with_bem_classes() {
    check_directory(
        "dir_bem",
        include_str!("fixtures/third_party/dir_bem.html"),
        include_str!("fixtures/third_party/dir_bem.json"),
    );
}

#[test]
fn exhibitor_directory_with_utility_classes() {
    check_directory(
        "dir_utility",
        include_str!("fixtures/third_party/dir_utility.html"),
        include_str!("fixtures/third_party/dir_utility.json"),
    );
}

#[test]
fn exhibitor_directory_as_a_table() {
    check_directory(
        "dir_table",
        include_str!("fixtures/third_party/dir_table.html"),
        include_str!("fixtures/third_party/dir_table.json"),
    );
}

#[test]
fn exhibitor_directory_as_a_definition_list() {
    check_directory(
        "dir_dl",
        include_str!("fixtures/third_party/dir_dl.html"),
        include_str!("fixtures/third_party/dir_dl.json"),
    );
}

#[test]
fn exhibitor_directory_without_classes() {
    check_directory(
        "dir_plain",
        include_str!("fixtures/third_party/dir_plain.html"),
        include_str!("fixtures/third_party/dir_plain.json"),
    );
}
