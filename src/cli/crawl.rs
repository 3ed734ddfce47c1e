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
    #[arg(long, default_value_t = 1000)]
    max_pages: u64,
    /// Allow 127.0.0.0/8 and ::1 (refused by default, like every internal address).
    #[arg(long)]
    allow_loopback: bool,
    /// The source id (default: the URL's host).
    #[arg(long)]
    source: Option<String>,
    /// marketplace or fair_catalog.
    #[arg(long, default_value = "marketplace")]
    kind: String,
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

impl CrawlArgs {
    /// The source these flags describe: the URL's host as its id unless `--source` names
    /// one, and every flag given laid over the source defaults.
    pub fn source_config(&self) -> anyhow::Result<SourceConfig> {
        let parsed =
            url::Url::parse(&self.url).with_context(|| format!("{:?} is not a URL", self.url))?;
        let id = match &self.source {
            Some(id) => id.clone(),
            None => parsed.host_str().unwrap_or("source").to_owned(),
        };
        let kind: SourceKind = serde_json::from_value(serde_json::Value::String(self.kind.clone()))
            .with_context(|| {
                format!(
                    "--kind {:?}: expected marketplace or fair_catalog",
                    self.kind
                )
            })?;
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
    Ok(ExitCode::SUCCESS)
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
