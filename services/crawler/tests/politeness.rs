//! Crawling politely against small sites on 127.0.0.1: robots.txt (rules, Crawl-delay,
//! Sitemap lines, 404 and 5xx), retries with Retry-After and host back-off, sitemaps
//! (indexes, gzip), trap sites that never end, and conditional recrawls.
//!
//! The crawler waits on a virtual clock that jumps to the end of every wait, so a 60 s
//! back-off costs no wall time; the server records request times on the same clock.

use std::{
    collections::BTreeMap,
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    http::{HeaderMap, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use std::time::Duration as At;
use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_crawler::{CrawlReport, Crawler, SourceConfig};
use takedown_model::SourceKind;
use takedown_store::{BlobStore, Store};

use takedown_crawler::clock::{Clock, VirtualClock};
use tokio_util::sync::CancellationToken;

/// One request the test server saw.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    at: At,
    if_none_match: Option<String>,
}

/// What the server answers: status, headers, body.
type Reply = (StatusCode, Vec<(&'static str, String)>, Vec<u8>);
type Handler = Arc<dyn Fn(&str, &HeaderMap, usize) -> Reply + Send + Sync>;

struct World {
    store: Store,
    blobs: BlobStore,
    bus: EmbeddedBus,
    base: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    clock: Arc<VirtualClock>,
    _dir: tempfile::TempDir,
}

impl World {
    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("hits").clone()
    }
    fn count(&self, path: &str) -> usize {
        self.hits().iter().filter(|h| h.path == path).count()
    }
    fn source(&self, id: &str) -> SourceConfig {
        let mut source = SourceConfig::new(
            id,
            SourceKind::Marketplace,
            "p",
            vec![format!("{}/", self.base)],
        );
        source.allow_loopback = true;
        source.host_delay_factor = 0.0;
        source
    }
    async fn crawl(&self, source: SourceConfig) -> CrawlReport {
        let bus: Arc<dyn Bus> = Arc::new(self.bus.clone());
        Crawler::new(source, self.store.clone(), self.blobs.clone(), bus)
            .expect("crawler")
            .with_clock(self.clock.clone())
            .run(&CancellationToken::new())
            .await
            .expect("crawl")
    }
}

/// Serves `handler` on 127.0.0.1; it gets the path (with query), the request headers and
/// how many times this path was asked for before.
async fn world(handler: Handler) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let recorded = hits.clone();
    let clock = Arc::new(VirtualClock::default());
    let server_clock = clock.clone();
    let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let hits = recorded.clone();
        let handler = handler.clone();
        let clock = server_clock.clone();
        async move {
            let path = uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            let before = {
                let mut hits = hits.lock().expect("hits");
                let before = hits.iter().filter(|h| h.path == path).count();
                hits.push(Hit {
                    path: path.clone(),
                    at: clock.now(),
                    if_none_match: headers
                        .get(header::IF_NONE_MATCH)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                });
                before
            };
            let (status, extra, body) = handler(&path, &headers, before);
            let mut response: Response = (status, body).into_response();
            for (name, value) in extra {
                response
                    .headers_mut()
                    .insert(name, value.parse().expect("header value"));
            }
            response
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    World {
        store: Store::open(&dir.path().join("s.db")).await.expect("store"),
        blobs: BlobStore::open(&dir.path().join("blobs")).expect("blobs"),
        bus: EmbeddedBus::open(&dir.path().join("bus.db"))
            .await
            .expect("bus"),
        base,
        hits,
        clock,
        _dir: dir,
    }
}

fn html(body: &str) -> Reply {
    (
        StatusCode::OK,
        vec![("content-type", "text/html; charset=utf-8".into())],
        format!("<!doctype html><html><body>{body}</body></html>").into_bytes(),
    )
}

fn text(status: StatusCode, body: &str) -> Reply {
    (
        status,
        vec![("content-type", "text/plain".into())],
        body.as_bytes().to_vec(),
    )
}

fn not_found() -> Reply {
    text(StatusCode::NOT_FOUND, "not found")
}

fn links(paths: &[&str]) -> String {
    paths
        .iter()
        .map(|p| format!(r#"<a href="{p}">{p}</a>"#))
        .collect()
}

fn product(name: &str) -> String {
    format!(
        r#"<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Product",
        "name":"{name}","offers":{{"@type":"Offer","price":"10","priceCurrency":"EUR",
        "seller":{{"@type":"Organization","name":"Seller"}}}}}}</script>"#
    )
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("write");
    enc.finish().expect("finish")
}

#[tokio::test]
async fn honours_robots_rules_and_crawl_delay_fetching_robots_once() {
    let w = world(Arc::new(|path, _, _| match path {
        "/robots.txt" => text(
            StatusCode::OK,
            "User-agent: *\nDisallow: /private\nCrawl-delay: 3\n",
        ),
        "/" => html(&links(&["/a", "/b", "/private/secret", "/private"])),
        "/a" | "/b" => html("leaf"),
        _ => html("should not be fetched"),
    }))
    .await;
    let mut source = w.source("robots");
    // One request at a time, so the server's arrival times are the crawler's start times
    // (the virtual clock jumps as soon as any task waits).
    source.concurrency = 1;
    let report = w.crawl(source).await;

    assert_eq!(w.count("/robots.txt"), 1, "{:?}", w.hits());
    assert_eq!(w.count("/private/secret") + w.count("/private"), 0);
    // Five pages visited, two of them refused by robots.txt without a request.
    assert_eq!((report.pages, report.failed), (3, 2), "{report:?}");
    assert_eq!(report.errors.get("robots"), Some(&2), "{report:?}");
    // Crawl-delay: 3 s between the starts of any two requests to the host.
    let hits = w.hits();
    for pair in hits.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_secs(3), "{pair:?}");
    }
    let origin = &report.hosts[&w.base];
    assert_eq!(origin.requests, 4, "{report:?}");
    assert!(report.bytes > 0);
}

#[tokio::test]
async fn a_missing_robots_allows_all_and_a_failing_one_disallows_all() {
    let open = world(Arc::new(|path, _, _| match path {
        "/robots.txt" => not_found(),
        "/" => html(&links(&["/a"])),
        _ => html("leaf"),
    }))
    .await;
    let report = open.crawl(open.source("open")).await;
    assert_eq!((report.pages, report.errors.len()), (2, 0), "{report:?}");

    // robots.txt fails in the first run (500 is not retried), then is simply missing.
    let down = world(Arc::new(|path, _, before| match (path, before) {
        ("/robots.txt", 0) => text(StatusCode::INTERNAL_SERVER_ERROR, "oops"),
        ("/robots.txt", _) => not_found(),
        _ => html("fetched once robots.txt can be read"),
    }))
    .await;
    let report = down.crawl(down.source("down")).await;
    assert_eq!(down.count("/"), 0, "{:?}", down.hits());
    assert_eq!((report.pages, report.failed), (0, 1), "{report:?}");
    assert_eq!(report.errors.get("robots_unavailable"), Some(&1));
    // The next run asks for robots.txt again and retries what it held back.
    let report = down.crawl(down.source("down")).await;
    assert_eq!(down.count("/"), 1, "{:?}", down.hits());
    assert_eq!((report.pages, report.errors.len()), (1, 0), "{report:?}");
}

#[tokio::test]
async fn retries_honour_retry_after_and_back_the_host_off() {
    let w = world(Arc::new(|path, _, before| match (path, before) {
        ("/robots.txt", _) => not_found(),
        ("/", _) => html(&links(&["/slow", "/busy", "/broken"])),
        // 503 with Retry-After in seconds, then an HTTP date, then fine.
        ("/slow", 0) => (
            StatusCode::SERVICE_UNAVAILABLE,
            vec![("retry-after", "7".into())],
            Vec::new(),
        ),
        ("/slow", 1) => (
            StatusCode::SERVICE_UNAVAILABLE,
            vec![(
                "retry-after",
                // A date in the past: retry as soon as the back-off allows.
                "Wed, 21 Oct 2015 07:28:00 GMT".into(),
            )],
            Vec::new(),
        ),
        ("/slow", _) => html("finally"),
        // 429 without Retry-After: the host is blocked for about a minute.
        ("/busy", 0) => (StatusCode::TOO_MANY_REQUESTS, Vec::new(), Vec::new()),
        ("/busy", _) => html("ok now"),
        // Always failing: bounded attempts.
        ("/broken", _) => (StatusCode::BAD_GATEWAY, Vec::new(), Vec::new()),
        _ => not_found(),
    }))
    .await;
    let mut source = w.source("retry");
    source.concurrency = 1;
    let report = w.crawl(source).await;

    assert_eq!(w.count("/slow"), 3);
    assert_eq!(w.count("/busy"), 2);
    assert_eq!(w.count("/broken"), 4, "max_attempts is 4 by default");
    // /broken gave up after its attempts: a failure, not a page.
    assert_eq!((report.pages, report.failed), (3, 1), "{report:?}");
    assert_eq!(report.errors.get("status"), Some(&1), "{report:?}");

    let hits = w.hits();
    let at = |path: &str, nth: usize| {
        hits.iter()
            .filter(|h| h.path == path)
            .nth(nth)
            .expect("hit")
            .at
    };
    assert!(at("/slow", 1) - at("/slow", 0) >= Duration::from_secs(7));
    let busy_wait = at("/busy", 1) - at("/busy", 0);
    assert!(
        busy_wait >= Duration::from_secs(54),
        "host back-off after 429: {busy_wait:?}"
    );
}

/// `http://127.0.0.1:PORT` as the client addressed the server.
fn base_of(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    format!("http://{host}")
}

fn xml(content_type: &str, body: Vec<u8>) -> Reply {
    (
        StatusCode::OK,
        vec![("content-type", content_type.into())],
        body,
    )
}

#[tokio::test]
async fn sitemaps_from_robots_and_config_seed_the_frontier() {
    let w = world(Arc::new(|path, headers, _| {
        let base = base_of(headers);
        match path {
            "/robots.txt" => text(
                StatusCode::OK,
                &format!("User-agent: *\nAllow: /\nSitemap: {base}/index.xml\n"),
            ),
            "/index.xml" => xml(
                "application/xml",
                format!(
                    r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
                    <sitemap><loc>{base}/s1.xml.gz</loc></sitemap></sitemapindex>"#
                )
                .into_bytes(),
            ),
            "/s1.xml.gz" => xml(
                "application/gzip",
                gzip(
                    format!(
                        r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
                        <url><loc>{base}/hidden/1?utm_source=x</loc></url>
                        <url><loc>{base}/hidden/2</loc></url>
                        <url><loc>http://elsewhere.example/x</loc></url></urlset>"#
                    )
                    .as_bytes(),
                ),
            ),
            "/configured.xml" => xml(
                "text/xml",
                format!(
                    r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
                    <url><loc>{base}/hidden/3</loc></url></urlset>"#
                )
                .into_bytes(),
            ),
            "/" => html("no links"),
            p if p.starts_with("/hidden/") => html("found via sitemap"),
            _ => not_found(),
        }
    }))
    .await;
    let mut source = w.source("maps");
    source.sitemaps = vec![format!("{}/configured.xml", w.base)];
    let report = w.crawl(source).await;

    assert_eq!(report.sitemap_urls, 3, "{report:?}");
    // Tracking parameters are dropped before the URL is queued and fetched.
    for path in ["/hidden/1", "/hidden/2", "/hidden/3", "/"] {
        assert_eq!(w.count(path), 1, "{path}: {:?}", w.hits());
    }
    assert_eq!(report.pages, 4, "{report:?}");
    assert!(report.errors.is_empty(), "{report:?}");
}

#[tokio::test]
async fn an_endless_calendar_and_faceted_filter_stay_bounded() {
    // Every calendar page links to the next and previous month, forever; every filter page
    // links to itself with one more facet; every page links a nested relative path.
    let w = world(Arc::new(|path, _, _| {
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        match route {
            "/robots.txt" => not_found(),
            "/" => html(&links(&["/cal/2026/1", "/shop?color=red", "deeper/"])),
            r if r.starts_with("/cal/") => {
                let parts: Vec<u32> = r
                    .trim_start_matches("/cal/")
                    .split('/')
                    .filter_map(|p| p.parse().ok())
                    .collect();
                let (year, month) = (parts[0], parts[1]);
                let next = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                let prev = if month == 1 {
                    (year - 1, 12)
                } else {
                    (year, month - 1)
                };
                html(&links(&[
                    &format!("/cal/{}/{}", next.0, next.1),
                    &format!("/cal/{}/{}", prev.0, prev.1),
                ]))
            }
            "/shop" => {
                let facets = [
                    "size=m", "size=l", "brand=x", "brand=y", "sort=asc", "page=2",
                ];
                let more: Vec<String> = facets
                    .iter()
                    .map(|f| format!("/shop?{query}&{f}"))
                    .collect();
                html(&links(&more.iter().map(String::as_str).collect::<Vec<_>>()))
            }
            r if r.ends_with("deeper/") => html(&links(&["deeper/"])),
            _ => not_found(),
        }
    }))
    .await;
    let mut source = w.source("traps");
    source.max_pages = 100_000;
    source.max_depth = 10_000;
    source.max_pages_per_pattern = 20;
    source.max_query_params = 4;
    source.concurrency = 8;
    source.per_host_concurrency = 8;
    let report = w.crawl(source).await;

    // One root, at most 20 per pattern: calendar, and per facet-key set of the shop.
    let calendar = w
        .hits()
        .iter()
        .filter(|h| h.path.starts_with("/cal/"))
        .count();
    assert!(calendar <= 20, "{calendar} calendar pages");
    let shop = w
        .hits()
        .iter()
        .filter(|h| h.path.starts_with("/shop"))
        .count();
    // Facet-key sets with at most 4 keys over {color, size, brand, sort, page}: 16
    // patterns containing color, 20 pages each at most.
    assert!(shop <= 16 * 20, "{shop} shop pages");
    let deeper = w
        .hits()
        .iter()
        .filter(|h| h.path.contains("deeper"))
        .count();
    assert!(deeper <= 3, "{deeper} nested pages");
    assert!(report.trapped > 0, "{report:?}");
    assert_eq!(
        w.hits().len() as u64,
        report.pages + 1,
        "every page fetched once, plus robots.txt"
    );
}

/// A home page linking two products, every answer with an ETag; 304 when asked with it.
fn etag_site() -> Handler {
    Arc::new(|path, headers, _| {
        let etag = format!("\"v1{}\"", path.len());
        if headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            == Some(etag.as_str())
        {
            return (StatusCode::NOT_MODIFIED, vec![("etag", etag)], Vec::new());
        }
        let (status, mut extra, body) = match path {
            "/robots.txt" => return not_found(),
            "/" => html(&links(&["/item/1", "/item/2"])),
            "/item/1" => html(&product("Gadget one")),
            "/item/2" => html(&product("Gadget two")),
            _ => return not_found(),
        };
        extra.push(("etag", etag));
        (status, extra, body)
    })
}

#[tokio::test]
async fn a_recrawl_asks_conditionally_and_counts_not_modified() {
    let w = world(etag_site()).await;
    let first = w.crawl(w.source("re")).await;
    assert_eq!((first.pages, first.listings), (3, 2), "{first:?}");
    let published = w.bus.lag("nobody", Topic::Listings).await.expect("lag");
    assert_eq!(published, 2);

    // Without a recrawl interval, a finished crawl fetches nothing again.
    let idle = w.crawl(w.source("re")).await;
    assert_eq!((idle.pages, idle.not_modified), (0, 0), "{idle:?}");

    let mut source = w.source("re");
    source.recrawl_after_secs = Some(0);
    let again = w.crawl(source).await;
    assert_eq!(again.not_modified, 3, "{again:?}");
    assert_eq!((again.pages, again.listings), (0, 0), "{again:?}");
    assert_eq!(
        w.bus.lag("nobody", Topic::Listings).await.expect("lag"),
        published,
        "nothing re-published"
    );
    let conditional: BTreeMap<String, Option<String>> = w
        .hits()
        .into_iter()
        .filter(|h| h.path != "/robots.txt")
        .map(|h| (h.path, h.if_none_match))
        .collect();
    assert_eq!(conditional["/item/1"].as_deref(), Some("\"v17\""));
    let (pending, done, failed) = w.store.frontier_counts("re").await.expect("counts");
    assert_eq!((pending, done, failed), (0, 3, 0));
}

#[tokio::test]
async fn network_errors_are_retried_and_redirects_stay_guarded() {
    // A port nobody listens on: connection refused on every attempt.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let dead = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let w = world(Arc::new(move |path, _, _| match path {
        // robots.txt (and the page) redirect to a private address: the guard refuses it.
        "/robots.txt" | "/" => (
            StatusCode::FOUND,
            vec![("location", "http://10.0.0.1/robots.txt".into())],
            Vec::new(),
        ),
        _ => not_found(),
    }))
    .await;

    let mut source = w.source("dead");
    source.start_urls = vec![format!("{dead}/")];
    let report = w.crawl(source).await;
    assert_eq!(
        report.errors.get("robots_unavailable"),
        Some(&1),
        "{report:?}"
    );
    assert_eq!(
        report.hosts[&dead].requests, 4,
        "every attempt counted: {report:?}"
    );
    // A dead host's page is a failure, not a page.
    assert_eq!((report.pages, report.failed), (0, 1), "{report:?}");

    // A redirect the guard refuses is the guard's refusal, final: not a network error, not
    // retried, and the host's pages say why.
    let report = w.crawl(w.source("redirected")).await;
    assert_eq!(report.errors.get("guard"), Some(&1), "{report:?}");
    assert_eq!(w.count("/"), 0, "the page is not asked for: {:?}", w.hits());
    assert_eq!(
        w.count("/robots.txt"),
        1,
        "asked once, not retried: {:?}",
        w.hits()
    );
}

#[tokio::test]
async fn a_host_the_guard_refuses_by_name_is_a_guard_refusal_not_a_dns_error() {
    let w = world(Arc::new(|_, _, _| not_found())).await;
    // `localhost` resolves to loopback, which this source does not allow.
    let port = w.base.rsplit(':').next().expect("port").to_owned();
    let mut source = w.source("by-name");
    source.allow_loopback = false;
    source.start_urls = vec![format!("http://localhost:{port}/")];
    let report = w.crawl(source).await;
    assert_eq!(report.errors.get("guard"), Some(&1), "{report:?}");
    assert!(w.hits().is_empty(), "nothing was requested: {:?}", w.hits());
}

/// Runs `crawler.run_until_cancelled` until `runs` reports came (a bounded wait), lets it
/// go on for `more` short waits, then cancels it; returns the reports.
async fn periodic(crawler: Crawler, runs: usize, more: usize) -> Vec<CrawlReport> {
    let crawler = Arc::new(crawler);
    let reports: Arc<Mutex<Vec<CrawlReport>>> = Arc::default();
    let cancel = CancellationToken::new();
    let task = tokio::spawn({
        let (crawler, reports, cancel) = (crawler.clone(), reports.clone(), cancel.clone());
        async move {
            crawler
                .run_until_cancelled(&cancel, |r| {
                    reports.lock().expect("reports").push(r.clone())
                })
                .await
        }
    });
    for _ in 0..1_000 {
        if reports.lock().expect("reports").len() >= runs {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for _ in 0..more {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Asked to stop while waiting for the next interval (or mid-run), it returns.
    cancel.cancel();
    task.await.expect("task").expect("periodic crawl");
    reports.lock().expect("reports").clone()
}

#[tokio::test]
async fn run_until_cancelled_recrawls_once_per_interval_with_conditional_gets() {
    let w = world(etag_site()).await;
    let mut source = w.source("periodic");
    source.recrawl_after_secs = Some(3_600);
    let bus: Arc<dyn Bus> = Arc::new(w.bus.clone());
    let crawler = Crawler::new(source, w.store.clone(), w.blobs.clone(), bus)
        .expect("crawler")
        .with_clock(w.clock.clone());
    let reports = periodic(crawler, 3, 0).await;
    assert!(reports.len() >= 3, "{reports:?}");
    assert_eq!(
        (
            reports[0].pages,
            reports[0].listings,
            reports[0].not_modified
        ),
        (3, 2, 0)
    );
    // (A run that had started when the test cancelled may have visited nothing.)
    for again in &reports[1..3] {
        // Every page asked for again, conditionally, and found unchanged.
        assert_eq!(
            (again.pages, again.listings, again.not_modified),
            (0, 0, 3),
            "{again:?}"
        );
    }
    // The product page was asked for once per interval: first plainly, then with its ETag.
    let item: Vec<Hit> = w
        .hits()
        .into_iter()
        .filter(|h| h.path == "/item/1")
        .collect();
    assert!(item.len() >= 3, "{item:?}");
    assert_eq!(item[0].if_none_match, None);
    for (k, hit) in item.iter().enumerate().skip(1) {
        assert_eq!(hit.if_none_match.as_deref(), Some("\"v17\""), "{hit:?}");
        let gap = hit.at - item[k - 1].at;
        assert!(
            gap >= Duration::from_secs(3_600) && gap < Duration::from_secs(3_660),
            "recrawl {k} came {gap:?} after the previous one"
        );
    }
}

#[tokio::test]
async fn without_an_interval_run_until_cancelled_crawls_once_then_waits() {
    let w = world(etag_site()).await;
    let bus: Arc<dyn Bus> = Arc::new(w.bus.clone());
    let crawler = Crawler::new(w.source("once"), w.store.clone(), w.blobs.clone(), bus)
        .expect("crawler")
        .with_clock(w.clock.clone());
    // On the virtual clock, a second run would come at once if one were due.
    let reports = periodic(crawler, 1, 20).await;
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(w.count("/item/1"), 1);
}
