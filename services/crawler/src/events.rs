//! The crawler's observable events. Each variant names its level, message and fields once:
//! `source` is the source id, `url` the page or image concerned, `error` what failed.

use std::fmt::Display;

use crate::CrawlReport;

/// Something the crawler did that an operator may want to see.
pub enum Event<'a> {
    /// A run starts over pages whose recrawl interval passed.
    RecrawlDue {
        /// The source id.
        source: &'a str,
        /// Pages queued again.
        due: u64,
    },
    /// A run retries the pages that failed transiently last time.
    RetryingTransient {
        /// The source id.
        source: &'a str,
        /// Pages queued again.
        retried: u64,
    },
    /// A sitemap could not be fetched or read; the crawl goes on without it.
    SitemapSkipped {
        /// The sitemap's URL.
        url: &'a str,
        /// Why.
        error: &'a dyn Display,
    },
    /// A URL kept out of the frontier by a crawler-trap guard.
    Trapped {
        /// The URL.
        url: &'a str,
        /// Which guard.
        reason: &'a dyn Display,
    },
    /// A page could not be fetched.
    PageFetchFailed {
        /// The source id.
        source: &'a str,
        /// The page's URL.
        url: &'a str,
        /// Why.
        error: &'a dyn Display,
    },
    /// An exhibitor list (CSV or XLSX) could not be read at all.
    ExhibitorListUnreadable {
        /// The list's URL.
        url: &'a str,
        /// Why.
        error: &'a dyn Display,
    },
    /// One row of an exhibitor list was refused (the others are kept).
    ExhibitorRowRefused {
        /// The list's URL.
        url: &'a str,
        /// The row's number.
        row: usize,
        /// Why.
        reason: &'a dyn Display,
    },
    /// A listing's image could not be fetched (the listing is kept, the image marked).
    ImageFetchFailed {
        /// The image's URL.
        url: &'a str,
        /// Why.
        error: &'a dyn Display,
    },
    /// A crawl run ended: its numbers.
    CrawlFinished {
        /// The source id.
        source: &'a str,
        /// The run's report.
        report: &'a CrawlReport,
    },
}

impl Event<'_> {
    /// Writes the event to the `tracing` subscriber at its level.
    pub fn emit(&self) {
        match self {
            Event::RecrawlDue { source, due } => {
                tracing::info!(%source, due, "pages due for a recrawl");
            }
            Event::RetryingTransient { source, retried } => {
                tracing::info!(%source, retried, "retrying transient failures");
            }
            Event::SitemapSkipped { url, error } => {
                tracing::warn!(%url, %error, "sitemap skipped");
            }
            Event::Trapped { url, reason } => {
                tracing::debug!(%url, %reason, "kept out of the frontier");
            }
            Event::PageFetchFailed { source, url, error } => {
                tracing::warn!(%source, %url, %error, "page fetch failed");
            }
            Event::ExhibitorListUnreadable { url, error } => {
                tracing::warn!(%url, %error, "exhibitor list not readable");
            }
            Event::ExhibitorRowRefused { url, row, reason } => {
                tracing::warn!(%url, row, %reason, "exhibitor row refused");
            }
            Event::ImageFetchFailed { url, error } => {
                tracing::warn!(%url, %error, "image fetch failed");
            }
            Event::CrawlFinished { source, report } => tracing::info!(
                %source,
                pages = report.pages,
                failed = report.failed,
                listings = report.listings,
                images = report.images,
                not_modified = report.not_modified,
                bytes = report.bytes,
                trapped = report.trapped,
                errors = ?report.errors,
                "crawl finished"
            ),
        }
    }
}
