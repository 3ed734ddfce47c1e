//! Whole-page fixtures: what `extract` yields for the kinds of page a crawl meets.

use super::*;

fn url(s: &str) -> Url {
    Url::parse(s).expect("url")
}

fn urls(list: &[Url]) -> Vec<&str> {
    list.iter().map(Url::as_str).collect()
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

#[test]
fn json_ld_product_is_completed_from_og_image_and_seller_markup() {
    let html = r#"<html><head>
        <meta property="og:image" content="/og.jpg">
        <script type="application/ld+json">{"@type":"Product","name":"Cap","offers":{"price":"9.50","priceCurrency":"EUR"}}</script>
        </head><body><div class="seller-box"><span class="seller-name">Cap Corner</span></div></body></html>"#;
    let page = extract(&url("http://shop.test/p/cap"), html);
    assert_eq!(page.kind, PageKind::Listing);
    let p = &page.products[0];
    assert_eq!(urls(&p.image_urls), vec!["http://shop.test/og.jpg"]);
    assert_eq!(p.seller, "Cap Corner");
    assert_eq!(p.source, ProductSource::JsonLd);
}

#[test]
fn one_product_described_twice_is_one_listing_with_both_halves() {
    let html = r#"<script type="application/ld+json">{"@type":"Product","name":"Cap","image":"/a.jpg"}</script>
        <script type="application/ld+json">{"@type":"Product","name":"Cap (red)","offers":{"price":"3.00","priceCurrency":"EUR"}}</script>
        <div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Cap</span>
        <span itemprop="seller">Cap Corner</span></div>"#;
    let page = extract(&url("http://shop.test/p/cap"), html);
    assert_eq!(page.products.len(), 1, "{:?}", page.products);
    let p = &page.products[0];
    assert_eq!(p.title, "Cap");
    assert_eq!(urls(&p.image_urls), vec!["http://shop.test/a.jpg"]);
    assert_eq!(p.price.as_deref(), Some("3.00"));
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    assert_eq!(p.seller, "Cap Corner");
}

#[test]
fn opengraph_page_without_schema_org_is_a_listing() {
    let html = r#"<html lang="en"><head><meta property="og:type" content="product">
        <meta property="og:title" content="VELOTRAX bottle"><meta property="og:image" content="https://cdn.test/b.jpg">
        <meta property="product:price:amount" content="7.00"><meta property="product:price:currency" content="EUR">
        </head><body><h1>Something else</h1></body></html>"#;
    let page = extract(&url("http://shop.test/p/9"), html);
    assert_eq!(page.kind, PageKind::Listing);
    let p = &page.products[0];
    assert_eq!(p.title, "VELOTRAX bottle");
    assert_eq!(p.price.as_deref(), Some("7.00"));
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    assert_eq!(urls(&p.image_urls), vec!["https://cdn.test/b.jpg"]);
    assert_eq!(p.source, ProductSource::OpenGraph);
}

#[test]
fn plain_item_page_falls_back_to_heading_price_and_main_image() {
    let html = r#"<html lang="zh-CN"><body><header><h1>Big Mall</h1><img src="/logo.png" class="logo"></header>
        <h1>运动水壶 VELOTRAX</h1>
        <img src="/thumb.jpg" width="80" height="80">
        <picture><source srcset="/main-800.webp 800w, /main-1600.webp 1600w"><img src="/main.jpg" width="600" height="600"></picture>
        <p class="price">¥128</p><div class="shop-name">店铺：深圳运动</div></body></html>"#;
    let page = extract(&url("http://mall.test/goods/1"), html);
    assert_eq!(page.kind, PageKind::Listing);
    let p = &page.products[0];
    assert_eq!(p.title, "运动水壶 VELOTRAX");
    assert_eq!(p.price.as_deref(), Some("128"));
    assert_eq!(p.currency.as_deref(), Some("CNY"));
    // Every photo of the item, the largest rendition of each; the header logo is not one.
    assert_eq!(
        urls(&p.image_urls),
        vec![
            "http://mall.test/thumb.jpg",
            "http://mall.test/main-1600.webp"
        ]
    );
    assert_eq!(p.seller, "深圳运动");
    assert_eq!(p.source, ProductSource::Heuristic);
}

#[test]
fn category_page_yields_no_guessed_product_but_its_next_pages() {
    // The sample market's category page: a heading and a price per entry.
    let html = r#"<nav><a href="/market/">Sample Market</a></nav><h1>Bikes – page 1 of 3</h1>
        <ul class="products"><li><a class="product-link" href="/market/item/1">Bell</a> – 19.99 EUR</li>
        <li><a class="product-link" href="/market/item/2">Lamp</a> – 9.99 EUR</li>
        <li><a class="product-link" href="/market/item/3">Lock</a> – 29.99 EUR</li></ul>
        <p class="pagination"><a rel="next" href="/market/category/1?page=2">Next page</a></p>"#;
    let page = extract(&url("http://shop.test/market/category/1"), html);
    assert_eq!(page.kind, PageKind::Category);
    assert!(page.products.is_empty(), "{:?}", page.products);
    assert_eq!(
        urls(&page.next_pages),
        vec!["http://shop.test/market/category/1?page=2"]
    );
}

#[test]
fn on_a_category_page_only_products_with_their_own_address_are_listings() {
    let html = r#"<script type="application/ld+json">[
        {"@type":"Product","name":"A","url":"/p/a"},{"@type":"Product","name":"B","url":"/p/b"},
        {"@type":"Product","name":"All shoes"}]</script>"#;
    let page = extract(&url("http://shop.test/c/shoes"), html);
    assert_eq!(page.kind, PageKind::Category);
    let got: Vec<&str> = page.products.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(got, vec!["http://shop.test/p/a", "http://shop.test/p/b"]);
}

#[test]
fn json_ld_item_list_page_is_a_category() {
    let html = r#"<script type="application/ld+json">{"@type":"ItemList","itemListElement":[
        {"@type":"ListItem","url":"/p/1"},{"@type":"ListItem","url":"/p/2"}]}</script>
        <h1>Shoes</h1><p>from €10.00</p>"#;
    let page = extract(&url("http://shop.test/c/shoes"), html);
    assert_eq!(page.kind, PageKind::Category);
    assert!(page.products.is_empty());
}

#[test]
fn pages_without_a_price_or_product_type_are_not_listings() {
    let about = r#"<h1>About Sample Market</h1><img src="/team.jpg" width="800" height="600"><p>We sell.</p>"#;
    let page = extract(&url("http://shop.test/about"), about);
    assert!(page.products.is_empty());
    assert_eq!(page.kind, PageKind::Other);
    let fair_index = r#"<h1>Fair – Exhibitors</h1><ul class="exhibitors">
        <li><a class="exhibitor-link" href="/fair/exhibitor/1">A</a></li><li><a class="exhibitor-link" href="/fair/exhibitor/2">B</a></li>
        <li><a class="exhibitor-link" href="/fair/exhibitor/3">C</a></li></ul>"#;
    let page = extract(&url("http://fair.test/fair/"), fair_index);
    assert!(page.products.is_empty());
    assert_eq!(page.kind, PageKind::Category);
}

#[test]
fn exhibitor_table_rows_become_exhibitor_products() {
    let html = r#"<table data-fair="Canton Fair 2026"><thead><tr><th>展商名称</th><th>展馆</th><th>展位号</th><th>展品</th><th>图片</th></tr></thead>
        <tbody><tr><td>Foo Ltd</td><td>Hall 3</td><td>B12</td><td>Cap、Bag</td><td><img data-src="/img/foo.jpg"></td></tr>
        <tr><td></td><td></td><td>C1</td><td>Orphan</td><td></td></tr>
        <tr><td>Bar Co</td><td></td><td>D4</td><td></td><td>https://cdn.test/bar.png</td></tr></tbody></table>"#;
    let page = extract(&url("http://fair.test/list"), html);
    let got: Vec<(&str, &str, &str, Vec<&str>)> = page
        .products
        .iter()
        .map(|p| {
            let ex = p.exhibitor.as_ref().expect("exhibitor");
            (
                p.url.fragment().unwrap_or_default(),
                p.title.as_str(),
                ex.booth.as_str(),
                urls(&p.image_urls),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "table-1-row-2-product-1",
                "Cap",
                "Hall 3, B12",
                vec!["http://fair.test/img/foo.jpg"]
            ),
            (
                "table-1-row-2-product-2",
                "Bag",
                "Hall 3, B12",
                vec!["http://fair.test/img/foo.jpg"]
            ),
            (
                "table-1-row-4-product-1",
                "Bar Co",
                "D4",
                vec!["https://cdn.test/bar.png"]
            ),
        ]
    );
    let ex = page.products[0].exhibitor.as_ref().expect("exhibitor");
    assert_eq!(ex.fair, "Canton Fair 2026");
    assert_eq!(ex.company, "Foo Ltd");
    assert_eq!(page.products[0].seller, "Foo Ltd");
    assert_eq!(page.kind, PageKind::Listing);
}

#[test]
fn a_table_without_a_company_column_is_not_an_exhibitor_list() {
    let html =
        "<table><tr><th>Size</th><th>Price</th></tr><tr><td>M</td><td>€5.00</td></tr></table>";
    let page = extract(&url("http://shop.test/sizes"), html);
    assert!(page.products.iter().all(|p| p.exhibitor.is_none()));
}

#[test]
fn the_sample_sites_yield_exactly_their_planted_listings() {
    let sample = takedown_sample::generate();
    let base = url("http://sample.test/");
    let mut found: Vec<String> = Vec::new();
    for path in sample.site.paths() {
        let Some((content_type, body)) = sample.site.get(path) else {
            continue;
        };
        if !content_type.starts_with("text/html") {
            continue;
        }
        let page_url = base.join(path).expect("path");
        let page = extract(&page_url, &String::from_utf8_lossy(body));
        for product in page.products {
            let mut listing = product.url.path().to_owned();
            if let Some(fragment) = product.url.fragment() {
                listing.push('#');
                listing.push_str(fragment);
            }
            found.push(listing);
        }
    }
    found.sort();
    let mut expected: Vec<String> = sample.expected.iter().map(|e| e.url_path.clone()).collect();
    expected.sort();
    assert_eq!(found, expected);
}

/// Fixtures also run through Python's `extruct` (json-ld, microdata, opengraph); where we
/// differ from it on purpose, the comment says so.
fn fixture(name: &str, html: &str) -> ExtractedPage {
    extract(&url(&format!("http://shop.test/fixtures/{name}")), html)
}

#[test]
fn fixture_json_ld_graph_with_aggregate_offer() {
    let page = fixture("jsonld_graph", include_str!("fixtures/jsonld_graph.html"));
    // extruct returns the @graph as written; we flatten it to the one Product.
    assert_eq!(page.products.len(), 1);
    let p = &page.products[0];
    assert_eq!(p.title, "VELOTRAX Saddle Bag");
    // The AggregateOffer's lowPrice, written as a string, wins over its inner 24.9.
    assert_eq!(p.price.as_deref(), Some("24.90"));
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    // The seller only appears on the inner Offer.
    assert_eq!(p.seller, "Saddle World");
    assert_eq!(p.brand.as_deref(), Some("VELOTRAX"));
    assert_eq!(p.sku.as_deref(), Some("SB-77"));
    assert_eq!(
        urls(&p.image_urls),
        vec![
            "https://cdn.shop.test/sb-1.jpg",
            "http://shop.test/img/sb-2.jpg"
        ]
    );
    assert_eq!(page.kind, PageKind::Listing);
}

#[test]
fn fixture_microdata_with_nested_offer_and_srcset() {
    let page = fixture("microdata", include_str!("fixtures/microdata.html"));
    let p = &page.products[0];
    // Same as extruct: name, price from `content`, currency, seller scope's name, sku.
    assert_eq!(p.title, "Fahrradklingel Retro");
    assert_eq!(p.price.as_deref(), Some("12.50"));
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    assert_eq!(p.seller, "Radladen Süd");
    assert_eq!(p.sku.as_deref(), Some("KL-1"));
    // extruct reports `src` (k-400.jpg); we take the largest srcset candidate.
    assert_eq!(urls(&p.image_urls), vec!["http://shop.test/k-1200.jpg"]);
}

#[test]
fn fixture_opengraph_only() {
    let page = fixture("opengraph", include_str!("fixtures/opengraph.html"));
    let p = &page.products[0];
    // Same fields as extruct's opengraph output; extruct has no seller (not an OG field).
    assert_eq!(p.title, "Trail Bottle 750ml");
    assert_eq!(p.price.as_deref(), Some("9.99"));
    assert_eq!(p.currency.as_deref(), Some("USD"));
    assert_eq!(
        urls(&p.image_urls),
        vec!["https://img.shop.test/bottle.jpg"]
    );
    assert_eq!(p.seller, "Bottle Barn");
    assert_eq!(p.source, ProductSource::OpenGraph);
}

#[test]
fn fixture_plain_markup_only() {
    // extruct finds nothing here; the heuristics still read the listing.
    let page = fixture("plain", include_str!("fixtures/plain.html"));
    assert_eq!(page.kind, PageKind::Listing);
    let p = &page.products[0];
    assert_eq!(p.title, "骑行水壶 VELOTRAX 同款");
    assert_eq!(p.price.as_deref(), Some("128.00"));
    assert_eq!(p.currency.as_deref(), Some("CNY"));
    assert_eq!(
        urls(&p.image_urls),
        vec![
            "http://shop.test/p/main-1600.webp",
            "http://shop.test/p/detail-1.jpg"
        ]
    );
    assert_eq!(p.seller, "深圳骑行用品");
}
