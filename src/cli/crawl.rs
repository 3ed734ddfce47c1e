//! `takedown crawl URL`: one source from the command line, with a progress display and the
//! run's metrics on stderr.

use std::{io::IsTerminal, process::ExitCode, time::Duration};

use anyhow::Context;
use takedown_crawler::{CrawlProgress, CrawlReport, SourceConfig};
use takedown_model::SourceKind;
use tokio_util::sync::CancellationToken;

use super::DataArgs;

/// `takedown crawl`'s arguments: a source's settings, the rest at the source defaults.
#[derive(clap::Args)]
pub struct CrawlArgs {
    /// Where to start.
    url: String,
    /// The source's page budget: the crawl stops after this many pages (in this and earlier
    /// runs of the same source) and says how many URLs it left.
    #[arg(long, default_value_t = 1000)]
    max_pages: u64,
    /// Allow 127.0.0.0/8 and ::1 (refused by default, like every internal address).
    #[arg(long)]
    allow_loopback: bool,
    /// The source id, which keys its frontier (default: from the URL's scheme, host, port
    /// and path prefix, e.g. `http_127.0.0.1_8080_market`, so another site on the same host
    /// gets a frontier of its own).
    #[arg(long)]
    source: Option<String>,
    /// What the site is.
    #[arg(long, value_enum, default_value_t = KindArg::Marketplace)]
    kind: KindArg,
    /// The platform whose handler would receive notices (default: the source id).
    #[arg(long)]
    platform: Option<String>,
    /// Requests in flight in all.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Requests in flight to one host at most (default: the source default, 2).
    #[arg(long)]
    per_host_concurrency: Option<usize>,
    /// Minimum gap between request starts to one host, in milliseconds (default 0).
    #[arg(long)]
    min_host_delay_ms: Option<u64>,
    /// The gap to a host is at least this multiple of its last response time (default
    /// 2.0; 0 turns the adaptive delay off).
    #[arg(long)]
    host_delay_factor: Option<f64>,
    /// Pages queued per URL pattern per run, a crawler-trap guard (default 500).
    #[arg(long)]
    max_pages_per_pattern: Option<u32>,
    /// Links followed this many hops from the start URL at most (default 8).
    #[arg(long)]
    max_depth: Option<u32>,
    #[command(flatten)]
    data: DataArgs,
}

/// `--kind`: the source kinds, as the config's `kind` spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// An online marketplace: listing pages with a title, seller, price and images.
    Marketplace,
    /// A trade fair's exhibitor catalog: exhibitors and their products.
    #[value(name = "fair_catalog")]
    FairCatalog,
}

impl From<KindArg> for SourceKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Marketplace => SourceKind::Marketplace,
            KindArg::FairCatalog => SourceKind::FairCatalog,
        }
    }
}

/// The default source id of a start URL: scheme, host, port (when not the scheme's
/// default) and the path's directory, joined by `_`, with anything outside
/// `A-Z a-z 0-9 . _ -` made `-`. Two sites on one host (another port, another path) get
/// two ids, so neither reuses the other's frontier.
pub fn default_source_id(url: &url::Url) -> String {
    let mut parts = vec![url.scheme().to_owned()];
    parts.extend(url.host_str().map(str::to_owned));
    parts.extend(url.port().map(|port| port.to_string()));
    // The directory: `/market/item/2` → `market/item`; the last segment names a page.
    let path = url.path();
    let directory = path.rsplit_once('/').map_or("", |(directory, _)| directory);
    parts.extend(
        directory
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(str::to_owned),
    );
    parts
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

impl CrawlArgs {
    /// The source these flags describe: [`default_source_id`] as its id unless `--source`
    /// names one, and every flag given laid over the source defaults.
    pub fn source_config(&self) -> anyhow::Result<SourceConfig> {
        let parsed =
            url::Url::parse(&self.url).with_context(|| format!("{:?} is not a URL", self.url))?;
        let id = match &self.source {
            Some(id) => id.clone(),
            None => default_source_id(&parsed),
        };
        let kind = SourceKind::from(self.kind);
        let platform = self.platform.as_deref().unwrap_or(&id);
        let mut config = SourceConfig::new(&id, kind, platform, vec![self.url.clone()]);
        self.overlay(&mut config);
        Ok(config)
    }

    /// Sets the fields the flags give; an absent optional flag keeps the source default.
    fn overlay(&self, config: &mut SourceConfig) {
        config.max_pages = self.max_pages;
        config.allow_loopback = self.allow_loopback;
        config.concurrency = self.concurrency;
        let per_host = self.per_host_concurrency;
        config.per_host_concurrency = per_host.unwrap_or(config.per_host_concurrency);
        let min_delay = self.min_host_delay_ms;
        config.min_host_delay_ms = min_delay.unwrap_or(config.min_host_delay_ms);
        let factor = self.host_delay_factor;
        config.host_delay_factor = factor.unwrap_or(config.host_delay_factor);
        let per_pattern = self.max_pages_per_pattern;
        config.max_pages_per_pattern = per_pattern.unwrap_or(config.max_pages_per_pattern);
        config.max_depth = self.max_depth.unwrap_or(config.max_depth);
    }
}

/// Crawls the source until done or SIGINT/SIGTERM, then prints the run's metrics.
pub async fn run(args: CrawlArgs) -> anyhow::Result<ExitCode> {
    let config = args.source_config()?;
    let id = config.id.clone();
    let backends = args.data.backends().await?;
    let crawler = config.build(
        backends.store.clone(),
        backends.blobs.clone(),
        backends.bus.clone(),
    )?;
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let stop_signal = crate::shutdown::shutdown_signal();
    tokio::spawn(async move {
        stop_signal.await;
        stop.cancel();
    });
    let display = tokio::spawn(show_progress(crawler.progress(), args.max_pages));
    let started = std::time::Instant::now();
    let report = crawler.run(&cancel).await?;
    // The display ends on the run's last snapshot; a panicked display loses nothing.
    let _ = display.await;
    print_report(&id, &report, started.elapsed());
    let (left, done, failed) = backends
        .store
        .frontier_counts(&id)
        .await
        .context("counting the frontier")?;
    if left > 0 && done + failed >= args.max_pages {
        eprintln!(
            "stopped at --max-pages {}: {left} URLs left in source {id}'s frontier \
             (run again with a larger --max-pages to continue)",
            args.max_pages
        );
    } else if left > 0 && cancel.is_cancelled() {
        eprintln!("stopped on a signal: {left} URLs left in source {id}'s frontier");
    }
    if every_fetch_failed(&report) {
        eprintln!(
            "every fetch failed ({} pages): nothing was crawled",
            report.failed
        );
        return Ok(ExitCode::from(super::exit_codes::NOTHING_FETCHED));
    }
    Ok(ExitCode::SUCCESS)
}

/// True when the run tried pages and not one came back (fetched or unchanged).
fn every_fetch_failed(report: &CrawlReport) -> bool {
    report.failed > 0 && report.pages == 0 && report.not_modified == 0
}

/// One line of numbers: the progress bar's message and the periodic log line.
fn progress_line(p: &CrawlProgress) -> String {
    format!(
        "{} pages, {} listings, {} images, {} errors, {:.1} MB, {:.1} pages/s",
        p.pages + p.not_modified,
        p.listings,
        p.images,
        p.errors,
        p.bytes as f64 / 1e6,
        p.pages_per_sec()
    )
}

/// A progress bar when stderr is a terminal, a log line every 5 s otherwise; returns when
/// the crawl says it is done (or the crawler is gone).
async fn show_progress(progress: tokio::sync::watch::Receiver<CrawlProgress>, max_pages: u64) {
    if std::io::stderr().is_terminal() {
        progress_bar(progress, max_pages).await;
    } else {
        progress_log(progress).await;
    }
}

async fn progress_bar(mut progress: tokio::sync::watch::Receiver<CrawlProgress>, max_pages: u64) {
    let bar = indicatif::ProgressBar::new(max_pages);
    // The template is a constant; should it not parse, the default bar does.
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} budget  {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    while progress.changed().await.is_ok() {
        let p = progress.borrow_and_update().clone();
        bar.set_position(p.pages + p.not_modified);
        bar.set_message(progress_line(&p));
        if p.done {
            break;
        }
    }
    bar.finish_and_clear();
}

async fn progress_log(mut progress: tokio::sync::watch::Receiver<CrawlProgress>) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    every.tick().await;
    loop {
        tokio::select! {
            _ = every.tick() => {
                eprintln!("crawl: {}", progress_line(&progress.borrow()));
            }
            changed = progress.changed() => {
                if changed.is_err() || progress.borrow().done {
                    break;
                }
            }
        }
    }
}

/// The run's metrics: totals, errors by kind, and per-host requests and latency.
fn print_report(id: &str, report: &CrawlReport, elapsed: Duration) {
    let secs = elapsed.as_secs_f64().max(f64::EPSILON);
    eprintln!(
        "source {id}: {} pages, {} failed, {} listings, {} images, {:.1} MB in {:.1} s \
         ({:.1} pages/s, {:.1} images/s)",
        report.pages,
        report.failed,
        report.listings,
        report.images,
        report.bytes as f64 / 1e6,
        secs,
        (report.pages + report.not_modified) as f64 / secs,
        report.images as f64 / secs,
    );
    eprintln!(
        "not modified (304): {}, kept out by trap guards: {}, from sitemaps: {}",
        report.not_modified, report.trapped, report.sitemap_urls
    );
    if report.errors.is_empty() {
        eprintln!("errors: none");
    } else {
        let errors: Vec<String> = report
            .errors
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        eprintln!("errors: {}", errors.join(", "));
    }
    for (host, stats) in &report.hosts {
        eprintln!(
            "host {host}: {} requests, {:.1} MB, latency p50 {} ms, max {} ms",
            stats.requests,
            stats.bytes as f64 / 1e6,
            stats.latency_p50_ms,
            stats.latency_max_ms
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(url: &str) -> String {
        default_source_id(&url::Url::parse(url).expect("url"))
    }

    #[test]
    fn the_default_source_id_tells_sites_on_one_host_apart() {
        assert_eq!(id("https://shop.example/"), "https_shop.example");
        assert_eq!(id("https://shop.example:8443/"), "https_shop.example_8443");
        assert_eq!(id("https://shop.example:443/"), "https_shop.example");
        assert_eq!(id("http://shop.example/"), "http_shop.example");
        assert_eq!(
            id("http://127.0.0.1:8080/market/"),
            "http_127.0.0.1_8080_market"
        );
        assert_eq!(
            id("http://127.0.0.1:8080/market/item/2"),
            "http_127.0.0.1_8080_market_item"
        );
        assert_eq!(id("http://[::1]:81/a b/"), "http_---1-_81_a-20b");
        assert_ne!(id("http://h/one/"), id("http://h/two/"));
    }
}
