//! The crawler against the bundled sample sites on 127.0.0.1: every listing found with its
//! images fetched and captured, a finished crawl not fetched again, the address guard.

use std::sync::Arc;

use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_crawler::{Crawler, SourceConfig};
use takedown_model::SourceKind;
use takedown_store::{BlobStore, Store};
use tokio_util::sync::CancellationToken;

struct World {
    store: Store,
    blobs: BlobStore,
    bus: EmbeddedBus,
    site: String,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let sample = takedown_sample::generate();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let site = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(takedown_sample::serve(
        Arc::new(sample.site),
        listener,
        std::future::pending(),
    ));
    World {
        store: Store::open(&dir.path().join("s.db")).await.expect("store"),
        blobs: BlobStore::open(&dir.path().join("blobs")).expect("blobs"),
        bus: EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
        site,
        _dir: dir,
    }
}

fn crawler(w: &World, source: SourceConfig) -> Crawler {
    let bus: Arc<dyn Bus> = Arc::new(w.bus.clone());
    Crawler::new(source, w.store.clone(), w.blobs.clone(), bus).expect("crawler")
}

#[tokio::test]
async fn finds_every_listing_with_captured_images_and_resumes_without_refetching() {
    let w = world().await;
    let expected = takedown_sample::generate()
        .expected
        .iter()
        .filter(|e| e.source == "market")
        .count();
    let mut source = SourceConfig::new(
        "market",
        SourceKind::Marketplace,
        "sample-market",
        vec![format!("{}/market/", w.site)],
    );
    source.allow_loopback = true;
    source.market = Some("de".into());
    let first = crawler(&w, source.clone());
    let progress = first.progress();
    let report = first.run(&CancellationToken::new()).await.expect("crawl");
    assert_eq!(report.listings as usize, expected, "{report:?}");
    assert!(report.errors.is_empty(), "{report:?}");
    // The last progress snapshot is the report's numbers, marked done.
    let last = progress.borrow().clone();
    assert!(last.done);
    assert_eq!(
        (
            last.pages,
            last.listings,
            last.images,
            last.errors,
            last.bytes
        ),
        (
            report.pages,
            report.listings,
            report.images,
            0,
            report.bytes
        )
    );

    let listings = w.store.listings(Some("market")).await.expect("listings");
    assert_eq!(listings.len(), expected);
    for listing in &listings {
        assert!(
            !listing.title.is_empty() && !listing.seller.is_empty(),
            "{listing:?}"
        );
        assert!(
            w.store
                .capture(&listing.capture_id)
                .await
                .expect("capture")
                .is_some()
        );
        assert!(!listing.images.is_empty());
        assert_eq!(
            listing.market.as_deref(),
            Some("DE"),
            "the source's market, in capitals"
        );
        for image in &listing.images {
            let digest = image.digest.as_deref().expect("image fetched");
            let bytes = w.blobs.get(digest).expect("image stored");
            assert_eq!(takedown_model::digest_hex(&bytes), digest);
        }
        assert!(
            !listing.url.contains("other.example"),
            "left the source's host: {}",
            listing.url
        );
    }
    assert_eq!(
        w.bus.lag("nobody-yet", Topic::Listings).await.expect("lag") as usize,
        expected
    );

    // Run again: the frontier is finished, nothing is fetched or published again.
    let again = crawler(&w, source)
        .run(&CancellationToken::new())
        .await
        .expect("crawl again");
    assert_eq!((again.pages, again.listings), (0, 0));
    assert_eq!(
        w.bus.lag("nobody-yet", Topic::Listings).await.expect("lag") as usize,
        expected
    );
}

#[tokio::test]
async fn refuses_loopback_unless_the_source_allows_it() {
    let w = world().await;
    let source = SourceConfig::new(
        "strict",
        SourceKind::Marketplace,
        "p",
        vec![format!("{}/market/", w.site)],
    );
    let report = crawler(&w, source)
        .run(&CancellationToken::new())
        .await
        .expect("crawl");
    assert_eq!(report.errors.get("guard"), Some(&1), "{report:?}");
    assert_eq!(report.listings, 0);
    let (pending, done, failed) = w.store.frontier_counts("strict").await.expect("counts");
    assert_eq!((pending, done, failed), (0, 0, 1));
}

#[tokio::test]
async fn caps_page_bodies() {
    let w = world().await;
    let mut source = SourceConfig::new(
        "capped",
        SourceKind::Marketplace,
        "p",
        vec![format!("{}/market/", w.site)],
    );
    source.allow_loopback = true;
    source.max_page_bytes = 64;
    let report = crawler(&w, source)
        .run(&CancellationToken::new())
        .await
        .expect("crawl");
    assert_eq!(report.errors.get("too_large"), Some(&1), "{report:?}");
}

#[tokio::test]
async fn reads_an_exhibitor_list_published_as_csv() {
    use axum::{Router, http::header, routing::get};
    let sample = takedown_sample::generate();
    let png_path = sample
        .site
        .paths()
        .find(|p| p.ends_with(".png"))
        .expect("a png")
        .to_owned();
    let (_, png) = sample.site.get(&png_path).expect("png");
    let png = png.to_vec();
    let csv = "Company,Hall,Booth,Products,Image\n\
               Foo Sports Ltd,Hall 3,B12,\"Trail shoe; Running cap\",/img/a.png\n\
               ,Hall 4,C1,Nameless,/img/a.png\n\
               Bar Outdoor Co,Hall 5,D7,,\n";
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<a href='/list.csv'>exhibitors</a>",
                )
            }),
        )
        .route(
            "/list.csv",
            get(move || async move { ([(header::CONTENT_TYPE, "text/csv")], csv) }),
        )
        .route(
            "/img/a.png",
            get(move || async move { ([(header::CONTENT_TYPE, "image/png")], png) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let w = world().await;
    let mut source = SourceConfig::new(
        "fair-csv",
        SourceKind::FairCatalog,
        "fair",
        vec![format!("{base}/")],
    );
    source.allow_loopback = true;
    let report = crawler(&w, source)
        .run(&CancellationToken::new())
        .await
        .expect("crawl");
    assert_eq!(
        report.errors.get("exhibitor_row"),
        Some(&1),
        "the row without a company is refused: {report:?}"
    );

    let listings = w.store.listings(Some("fair-csv")).await.expect("listings");
    let found: Vec<(String, String, String)> = listings
        .iter()
        .map(|l| {
            let booth = l
                .exhibitor
                .as_ref()
                .map(|e| e.booth.clone())
                .unwrap_or_default();
            (
                l.url.trim_start_matches(&base).to_owned(),
                l.title.clone(),
                booth,
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "/list.csv#row-2-product-1".to_owned(),
                "Trail shoe".to_owned(),
                "Hall 3, B12".to_owned()
            ),
            (
                "/list.csv#row-2-product-2".to_owned(),
                "Running cap".to_owned(),
                "Hall 3, B12".to_owned()
            ),
            (
                "/list.csv#row-4".to_owned(),
                "Bar Outdoor Co".to_owned(),
                "Hall 5, D7".to_owned()
            ),
        ]
    );
    let shoe = &listings[0];
    assert_eq!(shoe.seller, "Foo Sports Ltd");
    // The listing says which rule named its seller (kept through the store's JSON).
    assert_eq!(
        shoe.provenance.get("seller").map(String::as_str),
        Some("exhibitor table: company")
    );
    assert!(
        shoe.images[0].digest.is_some(),
        "the row's image was fetched relative to the list"
    );
    assert_eq!(w.store.exhibitors().await.expect("exhibitors").len(), 2);
}

#[tokio::test]
async fn a_source_with_an_unknown_market_is_refused_before_crawling() {
    let w = world().await;
    let mut source = SourceConfig::new(
        "fair",
        SourceKind::FairCatalog,
        "sample-fair",
        vec![format!("{}/fair/", w.site)],
    );
    source.market = Some("UK".into());
    let bus: Arc<dyn Bus> = Arc::new(w.bus.clone());
    let refused = Crawler::new(source, w.store.clone(), w.blobs.clone(), bus)
        .err()
        .expect("refused");
    assert!(
        refused
            .to_string()
            .starts_with("source fair: market \"UK\""),
        "{refused}"
    );
    assert_eq!(
        w.store.frontier_counts("fair").await.expect("counts"),
        (0, 0, 0)
    );
}
