//! The crawl loop over the persistent frontier.

use std::{
    collections::{BTreeMap, HashSet, VecDeque},
    sync::Arc,
    time::Duration,
};

use futures::{StreamExt, stream::FuturesUnordered};
use takedown_bus::{Bus, BusError, Topic};
use takedown_model::{Envelope, Exhibitor, ExhibitorRef, Listing, ListingImage, stable_id};
use takedown_store::{BlobStore, FrontierEntry, Store, StoreError};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::events::Event;

use crate::{
    client::{PoliteClient, Purpose},
    clock::{Clock, TokioClock},
    extract::{
        ExtractedExhibitor, ExtractedPage, ExtractedProduct, ProductSource, exhibitors_from_csv,
        exhibitors_from_xlsx, extract,
    },
    fetch::{Expect, FetchError, Fetched, Fetcher, TableFormat, Validators, keep, table_format},
    guard::{AddressPolicy, guarded_client},
    metrics::{HostStats, Metrics},
    politeness::{Politeness, PolitenessConfig},
    progress::CrawlProgress,
    retry::RetryPolicy,
    robots::{RobotsCache, agent_token},
    sitemap::{self, SitemapKind},
    source::{SourceConfig, SourceConfigError},
    tls::{TlsError, load_root_certs},
    urls::{TrapGuard, TrapLimits, normalize},
};

/// Sitemap files read per run at most (indexes included): an index of indexes cannot
/// make the crawl read sitemaps for ever.
const MAX_SITEMAPS_PER_RUN: usize = 100;

/// Prefix of the frontier's failure detail for failures worth another try next run.
const TRANSIENT: &str = "transient: ";

/// Bodies being stored at once, at most (each a blocking-pool thread writing and fsyncing
/// blobs). fsync throughput on our disk rose up to 8 writers in parallel (~3,500/s) and
/// no further; more writers only add threads, and every thread costs memory.
const MAX_STORE_WRITERS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("source {source_id}: start URL {url:?} is not a valid URL: {reason}")]
    BadStartUrl {
        source_id: String,
        url: String,
        reason: String,
    },
    #[error(transparent)]
    Config(#[from] SourceConfigError),
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// What one crawl run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrawlReport {
    /// Pages fetched and kept (HTML pages and exhibitor lists), 304s and failures not
    /// included.
    pub pages: u64,
    /// Pages whose fetch failed (network, status, robots, guard, caps, content type): marked
    /// failed in the frontier, their kinds counted in `errors`.
    pub failed: u64,
    pub listings: u64,
    pub images: u64,
    /// Failed fetches by kind ("status", "network", "guard", "robots", …).
    pub errors: BTreeMap<String, u64>,
    /// Pages a conditional recrawl found unchanged (HTTP 304): no capture, no re-publish.
    pub not_modified: u64,
    /// Body bytes read, every request included (robots.txt, sitemaps, retries).
    pub bytes: u64,
    /// URLs the trap guards kept out of the frontier.
    pub trapped: u64,
    /// Page URLs the sitemaps named that were new to the frontier.
    pub sitemap_urls: u64,
    /// Requests, bytes and response times per origin (`scheme://host[:port]`).
    pub hosts: BTreeMap<String, HostStats>,
}

pub struct Crawler {
    source: SourceConfig,
    store: Store,
    client: PoliteClient,
    bus: Arc<dyn Bus>,
    allowed_hosts: Vec<String>,
    traps: TrapGuard,
    progress: tokio::sync::watch::Sender<CrawlProgress>,
    /// URLs this run already offered to the frontier (queued or found there): every page
    /// links the same menus, and asking SQLite again for each was most of a page's cost.
    /// True for a URL this run added: never fetched, so it has no validators to look up.
    known: std::sync::Mutex<std::collections::HashMap<String, bool>>,
    /// Permits to store a body ([`MAX_STORE_WRITERS`]).
    store_writers: tokio::sync::Semaphore,
}

impl SourceConfig {
    /// The crawler stage for this source, storing into `store` and `blobs` and publishing
    /// listings on `bus`.
    pub fn build(
        &self,
        store: Store,
        blobs: BlobStore,
        bus: Arc<dyn Bus>,
    ) -> Result<Crawler, CrawlError> {
        Crawler::new(self.clone(), store, blobs, bus)
    }
}

impl Crawler {
    pub fn new(
        source: SourceConfig,
        store: Store,
        blobs: BlobStore,
        bus: Arc<dyn Bus>,
    ) -> Result<Self, CrawlError> {
        source.check()?;
        let mut allowed_hosts = source.allowed_hosts.clone();
        for start in &source.start_urls {
            let url = Url::parse(start).map_err(|e| CrawlError::BadStartUrl {
                source_id: source.id.clone(),
                url: start.clone(),
                reason: e.to_string(),
            })?;
            if let Some(host) = url.host_str().filter(|_| source.allowed_hosts.is_empty()) {
                allowed_hosts.push(host.to_owned());
            }
        }
        let policy = AddressPolicy {
            allow_loopback: source.allow_loopback,
        };
        let extra_roots = load_root_certs(&source.extra_root_certs)?;
        let client = guarded_client(policy, &source.user_agent, extra_roots)
            .map_err(|e| CrawlError::Client(e.to_string()))?;
        let clock: Arc<dyn Clock> = Arc::new(TokioClock::default());
        let politeness = Politeness::new(politeness_config(&source), clock.clone());
        let traps = TrapGuard::new(TrapLimits {
            max_url_len: source.max_url_len,
            max_query_params: source.max_query_params,
            max_pages_per_pattern: source.max_pages_per_pattern,
        });
        Ok(Self {
            client: PoliteClient {
                fetcher: Fetcher {
                    client,
                    policy,
                    blobs,
                },
                clock,
                politeness,
                robots: RobotsCache::default(),
                retry: RetryPolicy {
                    max_attempts: source.max_attempts,
                    ..RetryPolicy::default()
                },
                metrics: Metrics::default(),
                agent: agent_token(&source.user_agent).to_owned(),
            },
            traps,
            source,
            store,
            bus,
            allowed_hosts,
            progress: tokio::sync::watch::Sender::new(CrawlProgress::default()),
            known: std::sync::Mutex::default(),
            store_writers: tokio::sync::Semaphore::new(MAX_STORE_WRITERS),
        })
    }

    /// Waits for politeness and retries on `clock` instead of tokio's (tests use a
    /// [`crate::clock::VirtualClock`] so that waiting costs no wall time).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.client.politeness = Politeness::new(politeness_config(&self.source), clock.clone());
        self.client.clock = clock;
        self
    }

    /// The running crawl's numbers, updated after each batch of pages and once more, with
    /// `done` set, when a run ends.
    pub fn progress(&self) -> tokio::sync::watch::Receiver<CrawlProgress> {
        self.progress.subscribe()
    }

    /// Publishes the numbers so far; nobody listening is fine.
    fn publish_progress(&self, report: &CrawlReport, started: std::time::Instant, done: bool) {
        self.progress.send_replace(CrawlProgress {
            pages: report.pages,
            failed: report.failed,
            listings: report.listings,
            images: report.images,
            errors: report.errors.values().sum(),
            not_modified: report.not_modified,
            bytes: self.client.metrics.total_bytes(),
            elapsed: started.elapsed(),
            done,
        });
    }

    /// Crawls until the frontier is empty, the page budget is spent, or `cancel` fires.
    /// Starting again after a crash resumes where the frontier stands. Each run fetches
    /// robots.txt and the sitemaps again, and first makes pages older than
    /// `recrawl_after_secs` due again.
    pub async fn run(&self, cancel: &CancellationToken) -> Result<CrawlReport, CrawlError> {
        self.run_with_cutoff(cancel, self.interval_cutoff()).await
    }

    /// Now less the recrawl interval: done pages fetched before it are due again. None
    /// without an interval, or with one too long to subtract from now (nothing is due).
    fn interval_cutoff(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let secs = self.source.recrawl_after_secs?;
        let interval = chrono::Duration::try_seconds(i64::try_from(secs).ok()?)?;
        chrono::Utc::now().checked_sub_signed(interval)
    }

    /// Crawls the source now, and again each time its recrawl interval has passed since
    /// the previous run started (conditional GETs for what was fetched before), until
    /// `cancel` fires; `each` is handed every run's report. A source without
    /// `recrawl_after_secs` is crawled once, then this waits for `cancel`. For the
    /// long-running `takedown run`; the interval is counted on the crawler's clock.
    pub async fn run_until_cancelled(
        &self,
        cancel: &CancellationToken,
        mut each: impl FnMut(&CrawlReport),
    ) -> Result<(), CrawlError> {
        let interval = self.source.recrawl_after_secs.map(Duration::from_secs);
        // The first run recrawls what is older than the interval, as `run` does.
        let mut due_before = self.interval_cutoff();
        loop {
            let run_started = self.client.clock.now();
            let report = self.run_with_cutoff(cancel, due_before).await?;
            each(&report);
            let Some(interval) = interval else {
                cancel.cancelled().await;
                return Ok(());
            };
            // Every page fetched so far is due when the next run starts. Wall time: the
            // store stamps `fetched_at` with it.
            due_before = Some(chrono::Utc::now());
            tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                () = self.client.clock.sleep_until(run_started + interval) => {}
            }
        }
    }

    /// One run; done pages fetched before `due_before` are made pending first.
    async fn run_with_cutoff(
        &self,
        cancel: &CancellationToken,
        due_before: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<CrawlReport, CrawlError> {
        let mut report = CrawlReport::default();
        // Wall time for the progress rate only; the crawl's waits run on `self.client.clock`.
        let started = std::time::Instant::now();
        self.publish_progress(&report, started, false);
        // A Crawler may run again (the pipeline's supervisor reuses it): robots.txt, the
        // trap counts and the metrics belong to one run.
        self.client.robots.clear().await;
        self.client.metrics.clear();
        self.traps.clear();
        self.known_urls().clear();
        if let Some(cutoff) = due_before {
            let due = self
                .store
                .frontier_requeue_done_before(&self.source.id, cutoff)
                .await?;
            Event::RecrawlDue {
                source: &self.source.id,
                due,
            }
            .emit();
        }
        let retried = self
            .store
            .frontier_requeue_failed(&self.source.id, TRANSIENT)
            .await?;
        if retried > 0 {
            Event::RetryingTransient {
                source: &self.source.id,
                retried,
            }
            .emit();
        }
        for start in &self.source.start_urls {
            // Start URLs parsed in `new`; they are queued whatever the trap guards say.
            if let Ok(url) = Url::parse(start) {
                self.store
                    .frontier_add(&self.source.id, normalize(&url).as_str(), 0)
                    .await?;
            }
        }
        self.seed_from_sitemaps(&mut report, cancel).await?;
        self.visit_frontier(&mut report, started, cancel).await?;
        report.hosts = self.client.metrics.summary();
        report.bytes = report.hosts.values().map(|h| h.bytes).sum();
        self.publish_progress(&report, started, true);
        Ok(report)
    }

    /// Visits pending pages with `concurrency` of them always in flight (a page that ends
    /// frees its slot for the next at once, so one slow page holds up nobody), until the
    /// frontier is empty, the page budget is spent, or `cancel` fires (pages in flight
    /// then finish).
    ///
    /// Page visits and frontier reads are polled together in one set: awaiting a read
    /// apart from the visits would leave visits that hold a pooled database connection
    /// unpolled while the read waits for a connection — a deadlock.
    async fn visit_frontier(
        &self,
        report: &mut CrawlReport,
        started: std::time::Instant,
        cancel: &CancellationToken,
    ) -> Result<(), CrawlError> {
        let concurrency = self.source.concurrency.max(1);
        // Counted once, then kept up to date here: every visit ends done or failed.
        let mut visited = self.store.frontier_visited(&self.source.id).await?;
        // Pages taken from the frontier and not finished (queued here or in flight): they
        // stay pending in the store until done, so a later read returns them again.
        let mut taken: HashSet<String> = HashSet::new();
        let mut queue: VecDeque<FrontierEntry> = VecDeque::new();
        let mut work: FuturesUnordered<Work<'_>> = FuturesUnordered::new();
        let mut visiting = 0;
        // A frontier read is under way; pages that finish meanwhile may be in its answer.
        let mut reading = false;
        let mut finished_during_read: HashSet<String> = HashSet::new();
        // The last read found nothing new; a page that finishes may have queued links.
        let mut drained = false;
        loop {
            let open = |visited: u64| !cancel.is_cancelled() && visited < self.source.max_pages;
            while visiting < concurrency && open(visited) {
                let Some(entry) = queue.pop_front() else {
                    break;
                };
                visited += 1;
                visiting += 1;
                work.push(Box::pin(async move {
                    let url = entry.url.clone();
                    Done::Visited(url, self.visit(entry).await)
                }));
            }
            // Read ahead while the queue still holds less than a slot per page, so that
            // slots do not wait for the read.
            if !reading && !drained && queue.len() < concurrency && open(visited) {
                reading = true;
                finished_during_read.clear();
                // Enough for every slot twice over beyond what is taken.
                let limit = u32::try_from(taken.len() + 2 * concurrency).unwrap_or(u32::MAX);
                work.push(Box::pin(async move {
                    Done::Pending(self.store.frontier_pending(&self.source.id, limit).await)
                }));
            }
            let Some(done) = work.next().await else {
                return Ok(());
            };
            match done {
                Done::Pending(entries) => {
                    reading = false;
                    let before = queue.len();
                    for entry in entries? {
                        if !finished_during_read.contains(&entry.url)
                            && taken.insert(entry.url.clone())
                        {
                            queue.push_back(entry);
                        }
                    }
                    drained = queue.len() == before;
                }
                Done::Visited(url, outcome) => {
                    visiting -= 1;
                    taken.remove(&url);
                    if reading {
                        finished_during_read.insert(url);
                    }
                    drained = false;
                    let outcome = outcome?;
                    match outcome.result {
                        PageResult::Fetched => report.pages += 1,
                        PageResult::NotModified => report.not_modified += 1,
                        PageResult::Failed => report.failed += 1,
                    }
                    report.listings += outcome.listings;
                    report.images += outcome.images;
                    report.trapped += outcome.trapped;
                    for kind in outcome.errors {
                        *report.errors.entry(kind.to_owned()).or_default() += 1;
                    }
                    self.publish_progress(report, started, false);
                }
            }
        }
    }

    /// Queues the page URLs of the source's sitemaps and of those its start hosts'
    /// robots.txt names, following sitemap indexes, within the allowed hosts.
    async fn seed_from_sitemaps(
        &self,
        report: &mut CrawlReport,
        cancel: &CancellationToken,
    ) -> Result<(), CrawlError> {
        let mut queue: Vec<Url> = self
            .source
            .sitemaps
            .iter()
            .filter_map(|s| Url::parse(s).ok())
            .collect();
        for start in &self.source.start_urls {
            let Ok(url) = Url::parse(start) else { continue };
            if self.client.fetcher.policy.check_url(&url).is_err() {
                continue;
            }
            let rules = self.client.robots_for(&url).await;
            queue.extend(rules.sitemaps().iter().filter_map(|s| Url::parse(s).ok()));
        }
        let mut seen = std::collections::HashSet::new();
        let mut read = 0;
        while let Some(sitemap_url) = queue.pop() {
            if cancel.is_cancelled() || read >= MAX_SITEMAPS_PER_RUN {
                break;
            }
            if !self.in_scope(&sitemap_url) || !seen.insert(sitemap_url.clone()) {
                continue;
            }
            read += 1;
            let parsed = match self
                .client
                .get(
                    &sitemap_url,
                    Purpose::Sitemap,
                    sitemap::MAX_SITEMAP_BYTES,
                    None,
                )
                .await
            {
                Ok(raw) => sitemap::parse(&raw.body, sitemap::MAX_SITEMAP_BYTES)
                    .map_err(|e| (e.to_string(), "sitemap")),
                Err(e) => Err((e.to_string(), e.kind())),
            };
            let sitemap = match parsed {
                Ok(sitemap) => sitemap,
                Err((error, kind)) => {
                    Event::SitemapSkipped {
                        url: sitemap_url.as_str(),
                        error: &error,
                    }
                    .emit();
                    *report.errors.entry(kind.to_owned()).or_default() += 1;
                    continue;
                }
            };
            let locs = sitemap.locs.iter().filter_map(|l| Url::parse(l).ok());
            match sitemap.kind {
                SitemapKind::Index => queue.extend(locs),
                SitemapKind::UrlSet => {
                    for loc in locs {
                        // No use queuing more than the crawl may visit.
                        if report.sitemap_urls >= self.source.max_pages {
                            break;
                        }
                        match self.enqueue(&loc, 0).await? {
                            Enqueued::New => report.sitemap_urls += 1,
                            Enqueued::Trapped => report.trapped += 1,
                            Enqueued::Known | Enqueued::OutOfScope => {}
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The URLs this run already offered to the frontier.
    fn known_urls(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, bool>> {
        // A poisoned lock means a panic elsewhere; the set is still a correct cache.
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Normalizes `url` and queues it if it is in scope and passes the trap guards.
    async fn enqueue(&self, url: &Url, depth: u32) -> Result<Enqueued, CrawlError> {
        let url = normalize(url);
        if !self.in_scope(&url) {
            return Ok(Enqueued::OutOfScope);
        }
        if self.known_urls().contains_key(url.as_str()) {
            return Ok(Enqueued::Known);
        }
        let pattern = match self.traps.reserve(&url) {
            Ok(pattern) => pattern,
            Err(reason) => {
                Event::Trapped {
                    url: url.as_str(),
                    reason: &reason,
                }
                .emit();
                return Ok(Enqueued::Trapped);
            }
        };
        if self
            .store
            .frontier_add(&self.source.id, url.as_str(), depth)
            .await?
        {
            self.known_urls().insert(url.into(), true);
            Ok(Enqueued::New)
        } else {
            self.traps.release(&pattern);
            self.known_urls().insert(url.into(), false);
            Ok(Enqueued::Known)
        }
    }

    async fn visit(&self, entry: FrontierEntry) -> Result<PageOutcome, CrawlError> {
        let mut outcome = PageOutcome::default();
        let url = match Url::parse(&entry.url) {
            Ok(url) => url,
            Err(e) => {
                self.fail(&entry.url, &format!("not a URL: {e}")).await?;
                outcome.errors.push("bad_url");
                outcome.result = PageResult::Failed;
                return Ok(outcome);
            }
        };
        let known = self.known_validators(&entry.url).await?;
        let conditional = (!known.is_empty()).then_some(&known);
        let fetched = match self
            .fetch(&url, Expect::Page, self.source.max_page_bytes, conditional)
            .await
        {
            Ok(Some(fetched)) => fetched,
            Ok(None) => {
                // 304: the page is as it was; what it yielded is stored and published.
                self.store
                    .frontier_done(
                        &self.source.id,
                        &entry.url,
                        known.etag.as_deref(),
                        known.last_modified.as_deref(),
                    )
                    .await?;
                outcome.result = PageResult::NotModified;
                return Ok(outcome);
            }
            Err(e) => {
                self.page_fetch_failed(&entry.url, &url, &e).await?;
                outcome.errors.push(e.kind());
                outcome.result = PageResult::Failed;
                return Ok(outcome);
            }
        };
        self.store.insert_capture(&fetched.capture).await?;
        let page = match table_format(&fetched.capture.content_type) {
            Some(format) => self.exhibitor_list(&url, &fetched.body, format, &mut outcome),
            None => extract(&url, &String::from_utf8_lossy(&fetched.body)),
        };
        self.store_products(page.products, &fetched.capture.id, &mut outcome)
            .await?;
        if entry.depth < self.source.max_depth {
            for link in &page.links {
                if self.enqueue(link, entry.depth + 1).await? == Enqueued::Trapped {
                    outcome.trapped += 1;
                }
            }
        }
        self.store
            .frontier_done(
                &self.source.id,
                &entry.url,
                fetched.validators.etag.as_deref(),
                fetched.validators.last_modified.as_deref(),
            )
            .await?;
        Ok(outcome)
    }

    /// The validators stored for a page from an earlier run, for a conditional fetch; none
    /// for a page this run added (it has none yet).
    async fn known_validators(&self, page_url: &str) -> Result<Validators, CrawlError> {
        let added_by_this_run = self.known_urls().get(page_url) == Some(&true);
        let (etag, last_modified) = if added_by_this_run {
            (None, None)
        } else {
            self.store
                .frontier_validators(&self.source.id, page_url)
                .await?
        };
        Ok(Validators {
            etag,
            last_modified,
        })
    }

    /// Logs a page that could not be fetched and finishes its frontier entry with the reason
    /// (marked transient when a later run may succeed).
    async fn page_fetch_failed(
        &self,
        entry_url: &str,
        url: &Url,
        error: &FetchError,
    ) -> Result<(), CrawlError> {
        Event::PageFetchFailed {
            source: &self.source.id,
            url: url.as_str(),
            error,
        }
        .emit();
        let detail = if error.is_transient() {
            format!("{TRANSIENT}{error}")
        } else {
            error.to_string()
        };
        self.fail(entry_url, &detail).await
    }

    /// Stores and publishes one listing per product of the page captured as `capture_id`,
    /// and stores each exhibitor they name with the ids of its listings.
    async fn store_products(
        &self,
        products: Vec<ExtractedProduct>,
        capture_id: &str,
        outcome: &mut PageOutcome,
    ) -> Result<(), CrawlError> {
        let mut exhibitors: BTreeMap<String, Exhibitor> = BTreeMap::new();
        for product in products {
            let listing = self.listing(product, capture_id, outcome).await?;
            if let Some(ex) = &listing.exhibitor {
                let id = stable_id("exh", &[&self.source.id, &ex.fair, &ex.company]);
                exhibitors
                    .entry(id.clone())
                    .or_insert_with(|| Exhibitor {
                        id,
                        fair: ex.fair.clone(),
                        booth: ex.booth.clone(),
                        company: ex.company.clone(),
                        products: Vec::new(),
                    })
                    .products
                    .push(listing.id.clone());
            }
            self.store.upsert_listing(&listing).await?;
            self.bus
                .publish(Topic::Listings, &listing.url, &Envelope::encode(&listing))
                .await?;
            outcome.listings += 1;
        }
        for exhibitor in exhibitors.values() {
            self.store.upsert_exhibitor(exhibitor).await?;
        }
        Ok(())
    }

    /// The products of an exhibitor list published as CSV or XLSX, as a page without links:
    /// one listing per product at `<file>#row-R-product-K` (`#row-R` for a row naming no
    /// product), the booth as `hall, booth`. Refused rows are logged and counted.
    fn exhibitor_list(
        &self,
        url: &Url,
        body: &[u8],
        format: TableFormat,
        outcome: &mut PageOutcome,
    ) -> ExtractedPage {
        let table = match format {
            TableFormat::Csv => exhibitors_from_csv(body),
            TableFormat::Xlsx => exhibitors_from_xlsx(body),
        };
        let table = match table {
            Ok(table) => table,
            Err(e) => {
                Event::ExhibitorListUnreadable {
                    url: url.as_str(),
                    error: &e,
                }
                .emit();
                outcome.errors.push("exhibitor_list");
                return ExtractedPage::default();
            }
        };
        for error in &table.errors {
            Event::ExhibitorRowRefused {
                url: url.as_str(),
                row: error.row,
                reason: &error.reason,
            }
            .emit();
            outcome.errors.push("exhibitor_row");
        }
        let mut products = Vec::new();
        for row in table.rows {
            let booth = match &row.hall {
                Some(hall) if !hall.is_empty() => format!("{hall}, {}", row.booth),
                _ => row.booth.clone(),
            };
            let exhibitor = ExtractedExhibitor {
                fair: self.source.id.clone(),
                booth,
                company: row.company.clone(),
            };
            let image_urls: Vec<Url> = row
                .image_urls
                .iter()
                .filter_map(|u| url.join(u).ok())
                .collect();
            let names: Vec<Option<&String>> = if row.products.is_empty() {
                vec![None]
            } else {
                row.products.iter().map(Some).collect()
            };
            for (k, name) in names.into_iter().enumerate() {
                let mut product_url = url.clone();
                product_url.set_fragment(Some(&match name {
                    Some(_) => format!("row-{}-product-{}", row.row, k + 1),
                    None => format!("row-{}", row.row),
                }));
                products.push(ExtractedProduct {
                    url: product_url,
                    title: name.cloned().unwrap_or_else(|| row.company.clone()),
                    seller: row.company.clone(),
                    price: None,
                    currency: None,
                    image_urls: image_urls.clone(),
                    exhibitor: Some(exhibitor.clone()),
                    brand: None,
                    sku: None,
                    source: ProductSource::ExhibitorTable,
                    provenance: [("seller".to_owned(), "exhibitor table: company".to_owned())]
                        .into(),
                });
            }
        }
        ExtractedPage {
            products,
            ..ExtractedPage::default()
        }
    }

    /// Fetches through the polite client and keeps the body as a capture; None for a 304.
    async fn fetch(
        &self,
        url: &Url,
        expect: Expect,
        max_bytes: u64,
        conditional: Option<&Validators>,
    ) -> Result<Option<Fetched>, FetchError> {
        let raw = self
            .client
            .get(url, Purpose::Content, max_bytes, conditional)
            .await?;
        if raw.status == 304 {
            return Ok(None);
        }
        // Storing the body fsyncs two blobs (body and WARC record); on the async workers
        // that stalled every other fetch, so it runs on the blocking pool.
        let blobs = self.client.fetcher.blobs.clone();
        // The semaphore is never closed, so a permit always comes.
        let _writer = self.store_writers.acquire().await.ok();
        match tokio::task::spawn_blocking(move || keep(&blobs, raw, expect)).await {
            Ok(kept) => kept.map(Some),
            // Only a panic in `keep` gets here (blocking tasks are not cancelled): pass it on.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    async fn listing(
        &self,
        product: ExtractedProduct,
        capture_id: &str,
        outcome: &mut PageOutcome,
    ) -> Result<Listing, CrawlError> {
        let mut images = Vec::new();
        for image_url in &product.image_urls {
            let fetched = self
                .fetch(image_url, Expect::Image, self.source.max_image_bytes, None)
                .await
                .and_then(|f| {
                    f.ok_or_else(|| FetchError::Status {
                        url: image_url.to_string(),
                        status: 304,
                    })
                });
            let image = match fetched {
                Ok(fetched) => {
                    self.store.insert_capture(&fetched.capture).await?;
                    outcome.images += 1;
                    ListingImage {
                        url: image_url.to_string(),
                        digest: Some(fetched.capture.body_digest.clone()),
                        capture_id: Some(fetched.capture.id.clone()),
                        error: None,
                    }
                }
                Err(e) => {
                    Event::ImageFetchFailed {
                        url: image_url.as_str(),
                        error: &e,
                    }
                    .emit();
                    outcome.errors.push(e.kind());
                    ListingImage {
                        url: image_url.to_string(),
                        digest: None,
                        capture_id: None,
                        error: Some(e.to_string()),
                    }
                }
            };
            images.push(image);
        }
        let url = product.url.to_string();
        Ok(Listing {
            id: stable_id("lst", &[&self.source.id, &url]),
            source_id: self.source.id.clone(),
            source_kind: self.source.kind,
            platform: self.source.platform.clone(),
            url,
            seller: product.seller,
            title: product.title,
            price: product.price,
            currency: product.currency,
            images,
            captured_at: chrono::Utc::now(),
            capture_id: capture_id.to_owned(),
            exhibitor: product.exhibitor.map(|e| ExhibitorRef {
                fair: e.fair,
                booth: e.booth,
                company: e.company,
            }),
            market: self.source.market_code(),
            provenance: product.provenance,
        })
    }

    fn in_scope(&self, url: &Url) -> bool {
        url.host_str()
            .is_some_and(|h| self.allowed_hosts.iter().any(|a| a.eq_ignore_ascii_case(h)))
    }

    async fn fail(&self, url: &str, reason: &str) -> Result<(), CrawlError> {
        Ok(self
            .store
            .frontier_finish(&self.source.id, url, Some(reason))
            .await?)
    }
}

fn politeness_config(source: &SourceConfig) -> PolitenessConfig {
    PolitenessConfig {
        per_host_concurrency: source.per_host_concurrency,
        min_delay: Duration::from_millis(source.min_host_delay_ms),
        latency_factor: source.host_delay_factor,
    }
}

/// What [`Crawler::visit_frontier`] waits on: a page visit or a frontier read.
type Work<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Done> + Send + 'a>>;

/// What one piece of [`Work`] ended with.
enum Done {
    Visited(String, Result<PageOutcome, CrawlError>),
    Pending(Result<Vec<FrontierEntry>, StoreError>),
}

/// How a page visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum PageResult {
    #[default]
    Fetched,
    NotModified,
    Failed,
}

#[derive(Default)]
struct PageOutcome {
    result: PageResult,
    listings: u64,
    images: u64,
    trapped: u64,
    errors: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Enqueued {
    New,
    Known,
    OutOfScope,
    Trapped,
}
