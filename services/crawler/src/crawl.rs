//! The crawl loop over the persistent frontier.

use std::{collections::BTreeMap, sync::Arc};

use futures::{StreamExt, stream};
use takedown_bus::{Bus, BusError, Topic};
use takedown_model::{Envelope, Exhibitor, ExhibitorRef, Listing, ListingImage, stable_id};
use takedown_store::{BlobStore, FrontierEntry, Store, StoreError};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::{
    extract::{ExtractedProduct, extract},
    fetch::{Expect, Fetcher},
    guard::{AddressPolicy, guarded_client},
    source::SourceConfig,
};

#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("source {source_id}: start URL {url:?} is not a valid URL: {reason}")]
    BadStartUrl {
        source_id: String,
        url: String,
        reason: String,
    },
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// What one crawl run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrawlReport {
    pub pages: u64,
    pub listings: u64,
    pub images: u64,
    /// Failed fetches by kind ("status", "network", "guard", …).
    pub errors: BTreeMap<String, u64>,
}

pub struct Crawler {
    source: SourceConfig,
    store: Store,
    fetcher: Fetcher,
    bus: Arc<dyn Bus>,
    allowed_hosts: Vec<String>,
}

impl Crawler {
    pub fn new(
        source: SourceConfig,
        store: Store,
        blobs: BlobStore,
        bus: Arc<dyn Bus>,
    ) -> Result<Self, CrawlError> {
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
        let client = guarded_client(policy, &source.user_agent)
            .map_err(|e| CrawlError::Client(e.to_string()))?;
        Ok(Self {
            fetcher: Fetcher {
                client,
                policy,
                blobs,
            },
            source,
            store,
            bus,
            allowed_hosts,
        })
    }

    /// Crawls until the frontier is empty, the page budget is spent, or `cancel` fires.
    /// Starting again after a crash resumes where the frontier stands.
    pub async fn run(&self, cancel: &CancellationToken) -> Result<CrawlReport, CrawlError> {
        for start in &self.source.start_urls {
            self.store.frontier_add(&self.source.id, start, 0).await?;
        }
        let mut report = CrawlReport::default();
        let concurrency = self.source.concurrency.max(1);
        while !cancel.is_cancelled() {
            let visited = self.store.frontier_visited(&self.source.id).await?;
            let budget = self
                .source
                .max_pages
                .saturating_sub(visited)
                .min(concurrency as u64) as u32;
            if budget == 0 {
                break;
            }
            let batch = self.store.frontier_pending(&self.source.id, budget).await?;
            if batch.is_empty() {
                break;
            }
            let outcomes: Vec<Result<PageOutcome, CrawlError>> = stream::iter(batch)
                .map(|entry| self.visit(entry))
                .buffer_unordered(concurrency)
                .collect()
                .await;
            for outcome in outcomes {
                let outcome = outcome?;
                report.pages += 1;
                report.listings += outcome.listings;
                report.images += outcome.images;
                for kind in outcome.errors {
                    *report.errors.entry(kind.to_owned()).or_default() += 1;
                }
            }
        }
        Ok(report)
    }

    async fn visit(&self, entry: FrontierEntry) -> Result<PageOutcome, CrawlError> {
        let mut outcome = PageOutcome::default();
        let url = match Url::parse(&entry.url) {
            Ok(url) => url,
            Err(e) => {
                self.fail(&entry.url, &format!("not a URL: {e}")).await?;
                outcome.errors.push("bad_url");
                return Ok(outcome);
            }
        };
        let fetched = match self
            .fetcher
            .fetch(&url, Expect::Page, self.source.max_page_bytes)
            .await
        {
            Ok(fetched) => fetched,
            Err(e) => {
                tracing::warn!(source = %self.source.id, url = %url, error = %e, "page fetch failed");
                self.fail(&entry.url, &e.to_string()).await?;
                outcome.errors.push(e.kind());
                return Ok(outcome);
            }
        };
        self.store.insert_capture(&fetched.capture).await?;
        let html = String::from_utf8_lossy(&fetched.body);
        let page = extract(&url, &html);

        let mut exhibitors: BTreeMap<String, Exhibitor> = BTreeMap::new();
        for product in page.products {
            let listing = self
                .listing(product, &fetched.capture.id, &mut outcome)
                .await?;
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
        if entry.depth < self.source.max_depth {
            for link in page.links.iter().filter(|l| self.in_scope(l)) {
                self.store
                    .frontier_add(&self.source.id, link.as_str(), entry.depth + 1)
                    .await?;
            }
        }
        self.store
            .frontier_finish(&self.source.id, &entry.url, None)
            .await?;
        Ok(outcome)
    }

    async fn listing(
        &self,
        product: ExtractedProduct,
        capture_id: &str,
        outcome: &mut PageOutcome,
    ) -> Result<Listing, CrawlError> {
        let mut images = Vec::new();
        for image_url in &product.image_urls {
            let image = match self
                .fetcher
                .fetch(image_url, Expect::Image, self.source.max_image_bytes)
                .await
            {
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
                    tracing::warn!(url = %image_url, error = %e, "image fetch failed");
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

#[derive(Default)]
struct PageOutcome {
    listings: u64,
    images: u64,
    errors: Vec<&'static str>,
}
