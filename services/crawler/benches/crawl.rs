//! The crawler benchmark: a generated shop of N listings (schema.org JSON-LD, one image
//! each, category pages with pagination, a robots.txt with a disallowed path) served on
//! 127.0.0.1 by axum, crawled by `takedown crawl` and by Scrapy with the same limits, each
//! in a child process whose peak RSS is read from `wait4`'s rusage.
//!
//! ```text
//! cargo bench -p takedown-crawler --bench crawl -- --listings 10000 --runs 3
//! ```
//!
//! The Scrapy side is `bench/crawl/shop_spider.py` (found from the repository root
//! whatever the working directory; `--spider PATH` names another).
//!
//! Our side runs in a child process that is this binary again (`--crawl-child`): the same
//! `Crawler` with the same data-dir layout (SQLite store, blob store, embedded bus) as
//! `takedown crawl`, without needing the whole `takedown` binary to build. With
//! `--takedown PATH` the child is `takedown crawl` itself instead.
//!
//! Pages/s and images/s are the requests the *server* saw per second of the child's wall
//! time (process start to exit), so both crawlers are measured by the same counter. Every
//! listing must be found by both: the run fails otherwise.

// `unsafe` is allowed for `wait4`, the only way to read a child process's peak RSS
// (rusage) — what this benchmark measures; std's `wait` does not return it.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{Path as UrlPath, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

/// Listings per category; category pages show `PER_PAGE` of them each.
const CATEGORIES: usize = 20;
const PER_PAGE: usize = 24;
/// Distinct images, reused under every listing's own URL to keep generation cheap.
const DISTINCT_IMAGES: usize = 8;

struct Shop {
    listings: usize,
    images: Vec<Vec<u8>>,
    pages: AtomicU64,
    image_hits: AtomicU64,
    /// Requests for the path robots.txt disallows: must stay 0.
    disallowed: AtomicU64,
}

impl Shop {
    fn new(listings: usize) -> Self {
        let images = (0..DISTINCT_IMAGES).map(image).collect();
        Shop {
            listings,
            images,
            pages: AtomicU64::new(0),
            image_hits: AtomicU64::new(0),
            disallowed: AtomicU64::new(0),
        }
    }

    fn per_category(&self) -> usize {
        self.listings.div_ceil(CATEGORIES)
    }

    /// The listings of category `c`.
    fn category(&self, c: usize) -> std::ops::Range<usize> {
        let per = self.per_category();
        (c * per).min(self.listings)..((c + 1) * per).min(self.listings)
    }

    fn reset(&self) -> (u64, u64, u64) {
        (
            self.pages.swap(0, Ordering::Relaxed),
            self.image_hits.swap(0, Ordering::Relaxed),
            self.disallowed.swap(0, Ordering::Relaxed),
        )
    }
}

/// A 160×160 PNG with a pattern of its own (about 10–30 KB, like a small product photo).
fn image(seed: usize) -> Vec<u8> {
    let img = image::RgbImage::from_fn(160, 160, |x, y| {
        let s = seed as u32 + 1;
        image::Rgb([
            ((x * s + y * 3) % 256) as u8,
            ((x ^ y).wrapping_mul(s) % 256) as u8,
            ((x * y + s * 40) % 256) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("PNG of a generated image");
    out.into_inner()
}

fn nav() -> String {
    let mut s = String::from(r#"<header><nav class="menu"><a href="/">Home</a>"#);
    for c in 0..CATEGORIES {
        s.push_str(&format!(r#" <a href="/c/{c}?page=1">Category {c}</a>"#));
    }
    s.push_str("</nav></header>");
    s
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

async fn robots() -> &'static str {
    "User-agent: *\nDisallow: /cart\n"
}

async fn home(State(shop): State<Arc<Shop>>) -> Response {
    shop.pages.fetch_add(1, Ordering::Relaxed);
    html(format!(
        "<!doctype html><html><head><title>Bench shop</title></head><body>{}\
         <main><h1>Bench shop</h1><p>{} listings in {CATEGORIES} categories.</p></main></body></html>",
        nav(),
        shop.listings
    ))
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

async fn category(
    State(shop): State<Arc<Shop>>,
    UrlPath(c): UrlPath<usize>,
    Query(q): Query<PageQuery>,
) -> Response {
    let range = shop.category(c);
    let pages = range.len().div_ceil(PER_PAGE).max(1);
    let page = q.page.unwrap_or(1);
    if c >= CATEGORIES || page == 0 || page > pages {
        return StatusCode::NOT_FOUND.into_response();
    }
    shop.pages.fetch_add(1, Ordering::Relaxed);
    let mut s = format!(
        "<!doctype html><html><head><title>Category {c}, page {page}</title></head><body>{}\
         <main><h1>Category {c}</h1><div class=\"products\">",
        nav()
    );
    let first = range.start + (page - 1) * PER_PAGE;
    for id in first..(first + PER_PAGE).min(range.end) {
        s.push_str(&format!(
            r#"<div class="product-card"><a class="product-link" href="/listing/{id}"><img src="/img/{id}.png" alt="">
<span class="title">Bench item {id}</span></a><span class="price">€{}.99</span></div>"#,
            10 + id % 90
        ));
    }
    s.push_str(r#"</div><ul class="pagination">"#);
    for p in 1..=pages {
        s.push_str(&format!(r#"<li><a href="/c/{c}?page={p}">{p}</a></li>"#));
    }
    s.push_str("</ul></main></body></html>");
    html(s)
}

async fn listing(State(shop): State<Arc<Shop>>, UrlPath(id): UrlPath<usize>) -> Response {
    if id >= shop.listings {
        return StatusCode::NOT_FOUND.into_response();
    }
    shop.pages.fetch_add(1, Ordering::Relaxed);
    let price = format!("{}.99", 10 + id % 90);
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": format!("Bench item {id}"),
        "sku": format!("SKU-{id:06}"),
        "brand": {"@type": "Brand", "name": format!("Brand {}", id % 50)},
        "image": format!("/img/{id}.png"),
        "offers": {
            "@type": "Offer",
            "price": price,
            "priceCurrency": "EUR",
            "seller": {"@type": "Organization", "name": format!("Seller {}", id % 200)},
        },
    });
    let related = (1..=4).map(|k| (id + k * 97) % shop.listings);
    let mut s = format!(
        "<!doctype html><html><head><title>Bench item {id}</title>\
         <script type=\"application/ld+json\">{ld}</script></head><body>{}\
         <main><h1>Bench item {id}</h1><img src=\"/img/{id}.png\" alt=\"Bench item {id}\">\
         <p class=\"price\">€{price}</p><p>A generated listing for the crawler benchmark. \
         Sold by Seller {}.</p><a href=\"/cart?add={id}\">Add to cart</a>\
         <aside><h2>Related</h2>",
        nav(),
        id % 200
    );
    for r in related {
        s.push_str(&format!(r#" <a href="/listing/{r}">Bench item {r}</a>"#));
    }
    s.push_str("</aside></main></body></html>");
    html(s)
}

async fn img(State(shop): State<Arc<Shop>>, UrlPath(name): UrlPath<String>) -> Response {
    let Some(id) = name
        .strip_suffix(".png")
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    shop.image_hits.fetch_add(1, Ordering::Relaxed);
    (
        [(header::CONTENT_TYPE, "image/png")],
        shop.images[id % DISTINCT_IMAGES].clone(),
    )
        .into_response()
}

async fn cart(State(shop): State<Arc<Shop>>) -> Response {
    shop.disallowed.fetch_add(1, Ordering::Relaxed);
    html("<html><body>cart</body></html>".to_owned())
}

fn router(shop: Arc<Shop>) -> Router {
    Router::new()
        .route("/robots.txt", get(robots))
        .route("/", get(home))
        .route("/c/{c}", get(category))
        .route("/listing/{id}", get(listing))
        .route("/img/{name}", get(img))
        .route("/cart", get(cart))
        .with_state(shop)
}

/// What one crawl did, as the server and the crawler's own output saw it.
struct Run {
    wall: Duration,
    pages: u64,
    images: u64,
    disallowed: u64,
    peak_rss_kb: u64,
    listings_found: usize,
}

impl Run {
    fn pages_per_sec(&self) -> f64 {
        self.pages as f64 / self.wall.as_secs_f64()
    }
    fn images_per_sec(&self) -> f64 {
        self.images as f64 / self.wall.as_secs_f64()
    }
}

/// Runs `cmd` to its end, returning its wall time and peak RSS (KiB) from `wait4`.
fn run_measured(cmd: &mut Command, log: &Path) -> (Duration, u64) {
    let log_file = std::fs::File::create(log).expect("log file");
    let started = Instant::now();
    // Reaped below by wait4, not Child::wait: wait4 also returns the child's rusage.
    #[allow(clippy::zombie_processes)]
    let child = cmd.stderr(log_file).spawn().expect("spawn crawler");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child, which std has not
    // reaped (we never call Child::wait).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(reaped, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "crawler failed (status {status}); see {}",
        log.display()
    );
    // Linux reports ru_maxrss in KiB.
    (wall, usage.ru_maxrss as u64)
}

fn listing_ids(urls: impl Iterator<Item = String>) -> HashSet<usize> {
    urls.filter_map(|u| {
        u.split("/listing/")
            .nth(1)
            .and_then(|id| id.trim_end_matches('/').parse().ok())
    })
    .collect()
}

/// The child side of the self-hosted mode: crawls `base` into `data` like `takedown
/// crawl` does. With `seq_index`, first adds the index on `frontier(seq)` that a pending
/// store change brings (it turns `frontier_add`'s `MAX(seq)` scan into a lookup). With
/// `sqlite_heap_kb`, sets SQLite's soft heap limit (process-wide: every connection's page
/// cache recycles its pages rather than grow past it), standing in for a smaller
/// `cache_size` on the store's connections.
fn crawl_child(
    base: &str,
    data: &Path,
    concurrency: usize,
    seq_index: bool,
    sqlite_heap_kb: Option<u64>,
) {
    use takedown_crawler::{Crawler, SourceConfig};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        std::fs::create_dir_all(data).expect("data dir");
        let store = takedown_store::Store::open(&data.join("takedown.db"))
            .await
            .expect("store");
        let blobs = takedown_store::BlobStore::open(&data.join("blobs")).expect("blobs");
        let bus = takedown_bus::EmbeddedBus::open(&data.join("bus.db"))
            .await
            .expect("bus");
        if seq_index || sqlite_heap_kb.is_some() {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(data.join("takedown.db"))
                .busy_timeout(Duration::from_secs(10));
            let pool = sqlx::SqlitePool::connect_with(options)
                .await
                .expect("database");
            if seq_index {
                sqlx::query("CREATE INDEX IF NOT EXISTS frontier_seq ON frontier (seq)")
                    .execute(&pool)
                    .await
                    .expect("index");
            }
            if let Some(kb) = sqlite_heap_kb {
                // A number we formatted: nothing to inject.
                let pragma = format!("PRAGMA soft_heap_limit = {}", kb * 1024);
                sqlx::query(sqlx::AssertSqlSafe(pragma))
                    .execute(&pool)
                    .await
                    .expect("soft heap limit");
            }
            pool.close().await;
        }
        let mut config = SourceConfig::new(
            "bench",
            takedown_model::SourceKind::Marketplace,
            "bench",
            vec![base.to_owned()],
        );
        config.allow_loopback = true;
        config.max_pages = 1_000_000;
        config.max_pages_per_pattern = 1_000_000;
        config.concurrency = concurrency;
        config.per_host_concurrency = concurrency;
        config.min_host_delay_ms = 0;
        config.host_delay_factor = 0.0;
        let crawler = Crawler::new(config, store.clone(), blobs, Arc::new(bus)).expect("crawler");
        let report = crawler
            .run(&tokio_util::sync::CancellationToken::new())
            .await
            .expect("crawl");
        eprintln!("{report:?}");
    });
}

/// Prints the listing URLs a crawl child stored, one a line: in a process of its own, so
/// that loading every listing does not count in the crawl's peak memory (as with
/// `takedown listings` after `takedown crawl`).
fn list_child(data: &Path) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = takedown_store::Store::open(&data.join("takedown.db"))
            .await
            .expect("store");
        for listing in store.listings(Some("bench")).await.expect("listings") {
            println!("{}", listing.url);
        }
    });
}

/// How our side runs.
struct Ours {
    /// `takedown crawl` at this path instead of the in-bench child.
    takedown: Option<PathBuf>,
    /// Child flags: `--seq-index` (see [`crawl_child`]).
    seq_index: bool,
    /// `MALLOC_ARENA_MAX` for the child, if set.
    arena_max: Option<String>,
    /// Child flag `--sqlite-heap-kb` (see [`crawl_child`]).
    sqlite_heap_kb: Option<u64>,
}

fn ours(how: &Ours, base: &str, concurrency: usize, work: &Path) -> (Duration, u64, usize) {
    let data = work.join("takedown-data");
    let log = work.join("takedown.log");
    let Some(takedown) = how.takedown.as_deref() else {
        let own = std::env::current_exe().expect("own path");
        let mut child = Command::new(&own);
        child
            .args([
                "--crawl-child",
                base,
                "--concurrency",
                &concurrency.to_string(),
            ])
            .arg("--data")
            .arg(&data)
            .stdout(Stdio::null());
        if how.seq_index {
            child.arg("--seq-index");
        }
        if let Some(kb) = how.sqlite_heap_kb {
            child.args(["--sqlite-heap-kb", &kb.to_string()]);
        }
        if let Some(n) = &how.arena_max {
            child.env("MALLOC_ARENA_MAX", n);
        }
        let (wall, rss) = run_measured(&mut child, &log);
        let out = Command::new(&own)
            .arg("--list-child")
            .arg(&data)
            .output()
            .expect("list child");
        let text = String::from_utf8_lossy(&out.stdout);
        return (
            wall,
            rss,
            listing_ids(text.lines().map(str::to_owned)).len(),
        );
    };
    let mut child = Command::new(takedown);
    if let Some(n) = &how.arena_max {
        child.env("MALLOC_ARENA_MAX", n);
    }
    let (wall, rss) = run_measured(
        child
            .args(["crawl", base, "--allow-loopback", "--max-pages", "1000000"])
            .args(["--max-pages-per-pattern", "1000000"])
            .args(["--concurrency", &concurrency.to_string()])
            .args(["--per-host-concurrency", &concurrency.to_string()])
            .args(["--min-host-delay-ms", "0", "--host-delay-factor", "0"])
            .arg("--data-dir")
            .arg(&data)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null()),
        &log,
    );
    let out = Command::new(takedown)
        .args(["listings", "--json", "--data-dir"])
        .arg(&data)
        .output()
        .expect("takedown listings");
    let text = String::from_utf8_lossy(&out.stdout);
    let urls = text.lines().filter_map(|l| {
        serde_json::from_str::<serde_json::Value>(l)
            .ok()?
            .get("url")?
            .as_str()
            .map(str::to_owned)
    });
    (wall, rss, listing_ids(urls).len())
}

fn scrapy(
    python: &str,
    spider: &Path,
    base: &str,
    concurrency: usize,
    work: &Path,
) -> (Duration, u64, usize) {
    let out = work.join("scrapy-out.json");
    let log = work.join("scrapy.log");
    let n = concurrency.to_string();
    let (wall, rss) = run_measured(
        Command::new(python)
            .args(["-m", "scrapy", "runspider"])
            .arg(spider)
            .args(["-a", &format!("start={base}/")])
            .args(["-a", &format!("out={}", out.display())])
            .args(["-s", &format!("CONCURRENT_REQUESTS={n}")])
            .args(["-s", &format!("CONCURRENT_REQUESTS_PER_DOMAIN={n}")])
            .args([
                "-s",
                &format!("FILES_STORE={}", work.join("files").display()),
            ])
            .stdout(Stdio::null()),
        &log,
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("scrapy output")).expect("json");
    let urls = report["listing_urls"]
        .as_array()
        .expect("listing_urls")
        .iter()
        .filter_map(|u| u.as_str().map(str::to_owned));
    (wall, rss, listing_ids(urls).len())
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(base) = arg(&args, "--crawl-child") {
        let data = PathBuf::from(arg(&args, "--data").expect("--data"));
        let concurrency = arg(&args, "--concurrency").map_or(8, |n| n.parse().expect("N"));
        crawl_child(
            &base,
            &data,
            concurrency,
            args.iter().any(|a| a == "--seq-index"),
            arg(&args, "--sqlite-heap-kb").map(|n| n.parse().expect("KiB")),
        );
        return;
    }
    if let Some(data) = arg(&args, "--list-child") {
        list_child(Path::new(&data));
        return;
    }
    let how = Ours {
        takedown: arg(&args, "--takedown").map(PathBuf::from),
        seq_index: args.iter().any(|a| a == "--seq-index"),
        arena_max: arg(&args, "--malloc-arena-max"),
        sqlite_heap_kb: arg(&args, "--sqlite-heap-kb").map(|n| n.parse().expect("KiB")),
    };
    let spider = PathBuf::from(arg(&args, "--spider").unwrap_or_else(|| {
        // `cargo bench` runs in the crate's folder; the spider is beside the bench's results.
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../bench/crawl/shop_spider.py"
        )
        .into()
    }));
    let python = arg(&args, "--python").unwrap_or_else(|| "python3".into());
    let listings: usize = arg(&args, "--listings").map_or(10_000, |n| n.parse().expect("N"));
    let runs: usize = arg(&args, "--runs").map_or(3, |n| n.parse().expect("N"));
    let levels: Vec<usize> = arg(&args, "--concurrency")
        .unwrap_or_else(|| "8,32".into())
        .split(',')
        .map(|n| n.parse().expect("concurrency"))
        .collect();
    let only: Option<String> = arg(&args, "--only");

    let shop = Arc::new(Shop::new(listings));
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = router(shop.clone());
    server.spawn(async move { axum::serve(listener, app).await });
    eprintln!("shop of {listings} listings at {base}");
    if let Some(secs) = arg(&args, "--serve-secs") {
        // For profiling a crawler by hand: serve the shop for a while, crawl nothing.
        println!("{base}");
        std::thread::sleep(Duration::from_secs(secs.parse().expect("seconds")));
        return;
    }

    let mut rows = Vec::new();
    for &c in &levels {
        let mut results: Vec<(&str, Vec<Run>)> =
            vec![("takedown", Vec::new()), ("scrapy", Vec::new())];
        for r in 0..runs {
            for (name, runs_of) in results.iter_mut() {
                if only.as_deref().is_some_and(|o| o != *name) {
                    continue;
                }
                let work = tempfile::tempdir().expect("work dir");
                shop.reset();
                let (wall, peak_rss_kb, found) = if *name == "takedown" {
                    ours(&how, &base, c, work.path())
                } else {
                    scrapy(&python, &spider, &base, c, work.path())
                };
                let (pages, images, disallowed) = shop.reset();
                let run = Run {
                    wall,
                    pages,
                    images,
                    disallowed,
                    peak_rss_kb,
                    listings_found: found,
                };
                eprintln!(
                    "c={c} run {r} {name}: {:.1} s, {pages} pages ({:.0}/s), {images} images ({:.0}/s), \
                     peak RSS {:.1} MB, {found}/{listings} listings, {disallowed} disallowed hits",
                    wall.as_secs_f64(),
                    run.pages_per_sec(),
                    run.images_per_sec(),
                    peak_rss_kb as f64 / 1024.0
                );
                assert_eq!(
                    found,
                    listings,
                    "{name} missed listings; see {:?}",
                    work.keep()
                );
                runs_of.push(run);
            }
        }
        rows.push((c, results));
    }

    println!(
        "| concurrency | crawler | wall s | pages/s | images/s | peak RSS MB | listings found | robots-disallowed hits |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (c, results) in &rows {
        let mut medians = Vec::new();
        for (name, runs) in results {
            if runs.is_empty() {
                continue;
            }
            let m = (
                median(runs.iter().map(|r| r.wall.as_secs_f64()).collect()),
                median(runs.iter().map(Run::pages_per_sec).collect()),
                median(runs.iter().map(Run::images_per_sec).collect()),
                median(runs.iter().map(|r| r.peak_rss_kb as f64 / 1024.0).collect()),
            );
            let found = runs.iter().map(|r| r.listings_found).min().unwrap_or(0);
            let disallowed: u64 = runs.iter().map(|r| r.disallowed).sum();
            println!(
                "| {c} | {name} | {:.1} | {:.0} | {:.0} | {:.1} | {found}/{listings} | {disallowed} |",
                m.0, m.1, m.2, m.3
            );
            medians.push(m);
        }
        if let [ours, theirs] = medians[..] {
            println!(
                "| {c} | ratio ours/Scrapy | {:.2} | {:.2}× | {:.2}× | {:.2}× | | |",
                ours.0 / theirs.0,
                ours.1 / theirs.1,
                ours.2 / theirs.2,
                ours.3 / theirs.3
            );
        }
    }
}
