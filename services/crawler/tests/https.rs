//! HTTPS sources: a shop on 127.0.0.1 served over TLS with a certificate made in the test.
//! Trusted through the source's `extra_root_certs`, its listing and image are fetched and
//! kept like over http; not trusted, every fetch fails with a TLS error that says so.

use std::sync::Arc;

use axum::{Router, http::header, response::IntoResponse, routing::get};
use takedown_bus::EmbeddedBus;
use takedown_crawler::{
    AddressPolicy, CrawlReport, Crawler, SourceConfig, fetch::Fetcher, guard::guarded_client,
};
use takedown_model::SourceKind;
use takedown_store::{BlobStore, Store};
use tokio_util::sync::CancellationToken;

/// Bytes the server sends as the listing's image (the crawler checks the content type and
/// keeps the bytes; it does not decode them).
const IMAGE: &[u8] = b"\x89PNG\r\n\x1a\nnot really a picture";

struct World {
    store: Store,
    blobs: BlobStore,
    bus: EmbeddedBus,
    /// `https://127.0.0.1:PORT`
    base: String,
    /// The server's self-signed certificate, as a PEM file.
    cert_file: std::path::PathBuf,
    dir: tempfile::TempDir,
}

fn shop() -> Router {
    let page = r#"<!doctype html><html><head><title>Secure item</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product",
"name":"Secure item","image":"/img/1.png",
"offers":{"@type":"Offer","price":"12.50","priceCurrency":"EUR",
"seller":{"@type":"Organization","name":"TLS Seller"}}}</script></head>
<body><h1>Secure item</h1></body></html>"#;
    Router::new()
        .route(
            "/",
            get(move || async move { ([(header::CONTENT_TYPE, "text/html")], page) }),
        )
        .route(
            "/img/1.png",
            get(|| async { ([(header::CONTENT_TYPE, "image/png")], IMAGE).into_response() }),
        )
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
        .expect("self-signed certificate");
    let cert_pem = certified.cert.pem();
    let cert_file = dir.path().join("server.pem");
    std::fs::write(&cert_file, &cert_pem).expect("write certificate");
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem(
        cert_pem.into_bytes(),
        certified.signing_key.serialize_pem().into_bytes(),
    )
    .await
    .expect("TLS config");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let base = format!("https://{}", listener.local_addr().expect("addr"));
    let server = axum_server::from_tcp_rustls(listener, tls).expect("TLS server");
    tokio::spawn(server.serve(shop().into_make_service()));
    World {
        store: Store::open(&dir.path().join("s.db")).await.expect("store"),
        blobs: BlobStore::open(&dir.path().join("blobs")).expect("blobs"),
        bus: EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
        base,
        cert_file,
        dir,
    }
}

fn source(w: &World) -> SourceConfig {
    let mut source = SourceConfig::new(
        "secure",
        SourceKind::Marketplace,
        "secure",
        vec![format!("{}/", w.base)],
    );
    source.allow_loopback = true;
    // One attempt: a refused certificate is not retried anyway, and a test needs no waits.
    source.max_attempts = 1;
    source
}

async fn crawl(w: &World, source: SourceConfig) -> CrawlReport {
    Crawler::new(
        source,
        w.store.clone(),
        w.blobs.clone(),
        Arc::new(w.bus.clone()),
    )
    .expect("crawler")
    .run(&CancellationToken::new())
    .await
    .expect("crawl")
}

#[tokio::test]
async fn an_https_shop_trusted_through_an_extra_root_is_crawled_and_captured() {
    let w = world().await;
    let mut source = source(&w);
    source.extra_root_certs = vec![w.cert_file.clone()];
    let report = crawl(&w, source).await;
    assert_eq!(
        (report.pages, report.failed, report.listings, report.images),
        (1, 0, 1, 1),
        "{report:?}"
    );
    assert!(report.errors.is_empty(), "{report:?}");

    let listings = w.store.listings(Some("secure")).await.expect("listings");
    let [listing] = &listings[..] else {
        panic!("one listing expected: {listings:?}")
    };
    assert_eq!(listing.title, "Secure item");
    assert_eq!(listing.seller, "TLS Seller");
    let image = &listing.images[0];
    assert_eq!(image.url, format!("{}/img/1.png", w.base));
    // The image kept is the bytes served, under their digest, cited by a capture of the
    // https URL.
    let digest = image.digest.as_deref().expect("image digest");
    assert_eq!(w.blobs.get(digest).expect("image blob"), IMAGE);
    let capture = w
        .store
        .capture(&listing.capture_id)
        .await
        .expect("store")
        .expect("page capture");
    assert_eq!(capture.url, format!("{}/", w.base));
    assert!(capture.warc_digest.is_some(), "{capture:?}");
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error_not_a_page() {
    let w = world().await;
    // The system's roots only: the self-signed certificate is refused.
    let report = crawl(&w, source(&w)).await;
    assert_eq!(
        (report.pages, report.failed, report.listings, report.images),
        (0, 1, 0, 0),
        "{report:?}"
    );
    assert_eq!(
        report.errors.into_iter().collect::<Vec<_>>(),
        vec![("tls".to_owned(), 1)]
    );
    let (pending, done, failed) = w.store.frontier_counts("secure").await.expect("counts");
    assert_eq!((pending, done, failed), (0, 0, 1));

    // What a user reads: the certificate named as the reason, and no retry promised.
    let policy = AddressPolicy {
        allow_loopback: true,
    };
    let fetcher = Fetcher {
        client: guarded_client(policy, "takedown-test", Vec::new()).expect("client"),
        policy,
        blobs: w.blobs.clone(),
    };
    let url = url::Url::parse(&format!("{}/", w.base)).expect("url");
    let err = fetcher.get(&url, 1 << 20, None).await.expect_err("refused");
    assert_eq!(err.kind(), "tls", "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(!err.is_transient(), "{err}");
}

#[tokio::test]
async fn a_missing_extra_root_file_is_named_when_the_crawler_is_made() {
    let w = world().await;
    let mut source = source(&w);
    let missing = w.dir.path().join("nowhere.pem");
    source.extra_root_certs = vec![missing];
    let err = Crawler::new(
        source,
        w.store.clone(),
        w.blobs.clone(),
        Arc::new(w.bus.clone()),
    )
    .err()
    .expect("refused");
    assert!(err.to_string().contains("nowhere.pem"), "{err}");
}
