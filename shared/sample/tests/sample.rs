//! The sample as its consumers see it: deterministic, complete, crawlable, well-formed,
//! servable, and with an owner file the CLI can read back.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use takedown_sample::{OwnerFile, SampleData, generate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Generating takes a moment in a debug build; the read-only tests share one copy.
fn sample() -> &'static SampleData {
    static SAMPLE: OnceLock<SampleData> = OnceLock::new();
    SAMPLE.get_or_init(generate)
}

fn page(path: &str) -> &'static str {
    let (content_type, body) = sample()
        .site
        .get(path)
        .unwrap_or_else(|| panic!("{path} is served"));
    assert_eq!(content_type, "text/html; charset=utf-8", "{path}");
    std::str::from_utf8(body).expect("pages are UTF-8")
}

/// Values of every `name="…"` attribute in the page, in order.
fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.split(needle.as_str())
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

#[test]
fn generation_is_deterministic() {
    let again = generate();
    assert!(*sample() == again, "two generate() calls differ");
    let paths: Vec<&str> = sample().site.paths().collect();
    for path in paths {
        assert_eq!(sample().site.get(path), again.site.get(path), "{path}");
    }
}

#[test]
fn counts_and_cases() {
    let expected = &sample().expected;
    let market = expected.iter().filter(|e| e.source == "market").count();
    let fair = expected.iter().filter(|e| e.source == "fair").count();
    assert!(market >= 30, "{market} market listings");
    assert!(fair >= 15, "{fair} fair products");
    assert_eq!(market + fair, expected.len());
    let count = |case: &str| expected.iter().filter(|e| e.case == case).count();
    assert!(count("clean") >= 10 + 12, "clean: {}", count("clean"));
    assert!(
        expected
            .iter()
            .filter(|e| e.source == "market" && e.case == "clean")
            .count()
            >= 12
    );
    assert_eq!(count("authorized_seller"), 2);
    for case in [
        "logo_recompressed",
        "logo_in_scene",
        "design_copy",
        "misspelled_mark",
        "lookalike_chars",
        "spacing_trick",
        "chinese_same_sound",
        "traditional_chinese",
        "exact_mark",
    ] {
        assert!(count(case) >= 1, "{case} is planted");
    }
    let market_count = |case: &str| {
        expected
            .iter()
            .filter(|e| e.source == "market" && e.case == case)
            .count()
    };
    for case in [
        "logo_recompressed",
        "logo_in_scene",
        "design_copy",
        "misspelled_mark",
    ] {
        assert_eq!(market_count(case), 2, "{case} on the market");
    }
    let fair_cases: BTreeSet<&str> = expected
        .iter()
        .filter(|e| e.source == "fair")
        .map(|e| e.case)
        .collect();
    for case in [
        "logo_recompressed",
        "logo_in_scene",
        "design_copy",
        "exact_mark",
        "chinese_same_sound",
        "misspelled_mark",
        "clean",
    ] {
        assert!(fair_cases.contains(case), "{case} in the fair");
    }
    let urls: BTreeSet<&str> = expected.iter().map(|e| e.url_path.as_str()).collect();
    assert_eq!(urls.len(), expected.len(), "listing URLs are unique");
}

#[test]
fn expected_rights_name_real_rights_and_fit_the_case() {
    let rights: BTreeSet<&str> = sample()
        .owner
        .rights
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    for e in &sample().expected {
        let want: &[&str] = match e.case {
            "clean" | "authorized_seller" => &[],
            "logo_recompressed" | "logo_in_scene" => &["r-velotrax-logo"],
            "design_copy" => &["r-trail-shoe-design"],
            "misspelled_mark" | "lookalike_chars" | "spacing_trick" | "exact_mark" => {
                &["r-velotrax-word"]
            }
            "chinese_same_sound" | "traditional_chinese" => &["r-yunbao-word"],
            other => panic!("unknown case {other}"),
        };
        assert_eq!(e.expected_rights, want, "{}", e.url_path);
        assert!(
            e.expected_rights
                .iter()
                .all(|r| rights.contains(r.as_str()))
        );
    }
}

/// Follows every same-host link from the entry pages, as the crawler would.
#[test]
fn every_linked_page_and_image_is_served_and_every_listing_is_reachable() {
    let site = &sample().site;
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = ["/", "/market/", "/fair/"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut external = BTreeSet::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let (content_type, body) = site
            .get(&path)
            .unwrap_or_else(|| panic!("linked {path} is served"));
        if !content_type.starts_with("text/html") {
            continue;
        }
        let html = std::str::from_utf8(body).expect("utf8");
        for link in attributes(html, "href")
            .into_iter()
            .chain(attributes(html, "src"))
        {
            if link.starts_with("http://") || link.starts_with("https://") {
                external.insert(link.to_owned());
            } else {
                assert!(link.starts_with('/'), "{path} links to {link}");
                queue.push_back(link.split('#').next().unwrap_or(link).to_owned());
            }
        }
    }
    assert!(external.contains("http://other.example/"), "{external:?}");
    for e in &sample().expected {
        let page = e.url_path.split('#').next().expect("path");
        assert!(
            seen.contains(page),
            "{} is not reachable by links",
            e.url_path
        );
    }
    // Nothing is served that no page links to, except robots.txt.
    let unlinked: Vec<&str> = site
        .paths()
        .filter(|p| !seen.contains(*p) && *p != "/robots.txt")
        .collect();
    assert!(unlinked.is_empty(), "{unlinked:?}");
    assert!(
        seen.iter()
            .any(|p| p.starts_with("/market/c/") && p.matches('/').count() == 4),
        "a category has a second page"
    );
    assert!(seen.contains("/fair/page/2"));
}

#[test]
fn pagination_uses_rel_next() {
    let first = page("/market/c/1");
    assert!(
        first.contains("<a rel=\"next\" href=\"/market/c/1/2\">"),
        "{first}"
    );
    assert!(page("/fair/").contains("<a rel=\"next\" href=\"/fair/page/2\">"));
    let index = page("/market/");
    for c in 1..=4 {
        assert!(index.contains(&format!("href=\"/market/c/{c}\"")));
    }
    assert!(index.contains("href=\"/market/about\""));
}

fn json_ld(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/ld+json\">";
    let head = html.split("</head>").next().expect("head");
    let start = head.find(open).expect("JSON-LD in <head>") + open.len();
    let end = start + head[start..].find("</script>").expect("script end");
    serde_json::from_str(&head[start..end]).expect("JSON-LD parses")
}

fn decodes_as(path: &str) -> image::DynamicImage {
    let (content_type, bytes) = sample()
        .site
        .get(path)
        .unwrap_or_else(|| panic!("{path} is served"));
    let format = image::guess_format(bytes).expect("known format");
    let want = match path.rsplit('.').next() {
        Some("jpg") => (image::ImageFormat::Jpeg, "image/jpeg"),
        Some("png") => (image::ImageFormat::Png, "image/png"),
        Some("webp") => (image::ImageFormat::WebP, "image/webp"),
        other => panic!("{path}: unexpected extension {other:?}"),
    };
    assert_eq!((format, content_type), want, "{path}");
    image::load_from_memory(bytes).expect("decodes")
}

#[test]
fn product_pages_carry_json_ld_title_images_and_seller() {
    let mut formats = BTreeMap::new();
    for e in sample().expected.iter().filter(|e| e.source == "market") {
        let html = page(&e.url_path);
        let ld = json_ld(html);
        assert_eq!(ld["@context"], "https://schema.org");
        assert_eq!(ld["@type"], "Product");
        let name = ld["name"].as_str().expect("name");
        let seller = ld["offers"]["seller"]["name"]
            .as_str()
            .expect("offers.seller.name");
        assert_eq!(ld["offers"]["@type"], "Offer");
        assert_eq!(ld["offers"]["priceCurrency"], "EUR");
        let price: f64 = ld["offers"]["price"]
            .as_str()
            .expect("offers.price")
            .parse()
            .expect("price is a number");
        assert!(price > 0.0);
        let images = ld["image"].as_array().expect("image list");
        assert!(!images.is_empty());
        let body = html.split("<body>").nth(1).expect("body");
        assert!(
            body.contains(&format!(
                "<h1 class=\"product-title\">{}</h1>",
                escape(name)
            )),
            "{}",
            e.url_path
        );
        assert!(body.contains(&escape(seller)));
        let img_tags = attributes(body, "src");
        for image in images {
            let src = image.as_str().expect("image path");
            assert!(src.starts_with("/market/img/"), "{src}");
            assert!(img_tags.contains(&src), "{src} is also an <img>");
            decodes_as(src);
            *formats
                .entry(src.rsplit('.').next().unwrap_or("").to_owned())
                .or_insert(0) += 1;
        }
        if e.case == "authorized_seller" {
            assert_eq!(seller, "Velotrax Official Store");
            assert!(name.contains("VELOTRAX"));
        } else {
            assert_ne!(seller, "Velotrax Official Store");
        }
    }
    for ext in ["jpg", "png", "webp"] {
        assert!(formats.get(ext).copied().unwrap_or(0) >= 1, "{formats:?}");
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn titles_plant_the_documented_variants() {
    let title = |case: &str| -> Vec<String> {
        sample()
            .expected
            .iter()
            .filter(|e| e.source == "market" && e.case == case)
            .map(|e| {
                json_ld(page(&e.url_path))["name"]
                    .as_str()
                    .expect("name")
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        title("misspelled_mark"),
        ["Velotrx running jacket", "Vellotrax trail socks"]
    );
    assert_eq!(
        title("lookalike_chars"),
        ["V\u{415}L\u{41E}TRAX cycling jersey"]
    );
    assert_eq!(title("spacing_trick"), ["V E L O T R A X windbreaker"]);
    assert_eq!(title("chinese_same_sound"), ["云暴 运动鞋 男款"]);
    assert_eq!(title("traditional_chinese"), ["雲豹 跑步鞋"]);
    let clean = title("clean");
    for resembling in [
        "Velvet tracksuit",
        "Velocity trainer shoes",
        "Trax racing bike bell",
        "豹纹围巾",
        "云南 登山杖",
    ] {
        assert!(clean.iter().any(|t| t == resembling), "{resembling}");
    }
    // Image-planted listings keep the mark out of their titles, so each case tests one thing.
    for case in ["logo_recompressed", "logo_in_scene", "design_copy"] {
        for t in title(case) {
            let t = t.to_lowercase();
            assert!(
                !t.contains("velo") && !t.contains("trax") && !t.contains('豹'),
                "{t}"
            );
        }
    }
}

#[test]
fn exhibitor_pages_have_the_catalog_structure() {
    for e in sample().expected.iter().filter(|e| e.source == "fair") {
        let (path, fragment) = e.url_path.split_once('#').expect("fragment");
        let html = page(path);
        assert!(html.contains("<div class=\"exhibitor\" data-fair=\"Sample Sports Fair 2026\"><h1 class=\"company\">"), "{path}");
        assert!(html.contains("<p class=\"booth\">Hall "), "{path}");
        let start = html
            .find(&format!("<div class=\"product\" id=\"{fragment}\">"))
            .expect("product div");
        let product = &html[start..start + html[start..].find("</div>").expect("end")];
        assert!(product.contains("<h2 class=\"product-name\">"));
        let srcs = attributes(product, "src");
        assert_eq!(srcs.len(), 1, "{product}");
        assert!(srcs[0].starts_with("/fair/img/"));
        decodes_as(srcs[0]);
    }
    let word = |case: &str| {
        sample()
            .expected
            .iter()
            .filter(|e| e.source == "fair" && e.case == case)
            .map(|e| e.url_path.clone())
            .collect::<Vec<_>>()
    };
    let exact = word("exact_mark");
    let (path, fragment) = exact[0].split_once('#').expect("fragment");
    let html = page(path);
    let start = html.find(&format!("id=\"{fragment}\"")).expect("product");
    assert!(
        html[start..]
            .split("</div>")
            .next()
            .expect("div")
            .contains("VELOTRAX")
    );
}

#[test]
fn scenes_and_views_have_the_documented_sizes() {
    for (file, bytes) in &sample().owner_images {
        let img = image::load_from_memory(bytes).expect("decode");
        let want = if file.contains("logo") {
            (256, 256)
        } else {
            (320, 240)
        };
        assert_eq!((img.width(), img.height()), want, "{file}");
    }
    for e in sample()
        .expected
        .iter()
        .filter(|e| e.case == "logo_in_scene")
    {
        let html = page(e.url_path.split('#').next().expect("path"));
        let scene = attributes(html, "src")
            .into_iter()
            .find(|s| s.contains("/img/"))
            .expect("image");
        let img = decodes_as(scene);
        assert_eq!((img.width(), img.height()), (640, 480), "{scene}");
    }
}

#[test]
fn owner_files_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("owner");
    let path = sample().write_owner_files(&target).expect("written");
    assert_eq!(path, target.join("owner.json"));
    let bytes = std::fs::read(&path).expect("reads back");
    let read = OwnerFile::from_json(&bytes).expect("parses back");
    assert_eq!(read, sample().owner);
    assert_eq!(read.owner.id, "acme");
    let ids: Vec<&str> = read.rights.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "r-velotrax-word",
            "r-velotrax-logo",
            "r-trail-shoe-design",
            "r-yunbao-word"
        ]
    );
    let mut files = 0;
    for right in &read.rights {
        for image in &right.images {
            let bytes = std::fs::read(image.path_in(&target)).expect("image exists");
            image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).expect("PNG");
            files += 1;
        }
    }
    assert_eq!(files, 3);
    let design = &read.rights[2];
    let views: Vec<&str> = design.images.iter().map(|i| i.view.as_str()).collect();
    assert_eq!(views, ["front", "side"]);
    // The documented shape, literally.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    assert_eq!(json["owner"]["kind"], "brand_owner");
    assert_eq!(json["rights"][0]["valid_from"], "2019-03-01");
    assert_eq!(json["rights"][0]["images"], serde_json::json!([]));
    assert_eq!(
        json["rights"][1]["images"][0],
        serde_json::json!({"view": "logo", "file": "velotrax-logo.png"})
    );
    assert_eq!(json["rights"][3]["name"], "云豹");
    assert_eq!(
        json["authorized_sellers"],
        serde_json::json!([{"platform": "sample-market", "seller": "Velotrax Official Store"}])
    );
}

async fn get(addr: std::net::SocketAddr, path: &str) -> (String, Vec<u8>) {
    request(addr, "GET", path).await
}

async fn request(addr: std::net::SocketAddr, method: &str, path: &str) -> (String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: sample\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    (head, response[split + 4..].to_vec())
}

#[tokio::test]
async fn serves_over_http_and_stops_on_shutdown() {
    let site = Arc::new(sample().site.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(takedown_sample::serve(site.clone(), listener, async {
        let _ = stopped.await;
    }));

    let (head, body) = get(addr, "/market/item/1").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert_eq!(
        Some(body.as_slice()),
        site.get("/market/item/1").map(|(_, b)| b)
    );

    let image = sample()
        .site
        .paths()
        .find(|p| p.ends_with(".jpg"))
        .expect("a jpeg");
    let (head, body) = get(addr, image).await;
    assert!(
        head.to_lowercase().contains("content-type: image/jpeg"),
        "{head}"
    );
    image::load_from_memory(&body).expect("served image decodes");

    let (head, _) = get(addr, "/market/item/99999").await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    let (head, _) = request(addr, "POST", "/market/item/1").await;
    assert!(head.starts_with("HTTP/1.1 405"), "{head}");
    let (head, body) = request(addr, "HEAD", "/market/").await;
    assert!(
        head.starts_with("HTTP/1.1 200") && body.is_empty(),
        "{head}"
    );

    // A client that keeps its connection alive (as a pooled HTTP client does) must not
    // hold the server open after shutdown.
    let mut idle = tokio::net::TcpStream::connect(addr).await.expect("connect");
    idle.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: sample\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 512];
    let n = idle.read(&mut buf).await.expect("read");
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );

    stop.send(()).expect("server still running");
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops after shutdown");
    result.expect("task").expect("serve returns Ok");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener is closed"
    );
}
