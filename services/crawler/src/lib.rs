//! The crawler stage: walks a source (a marketplace or a fair catalog) within its hosts,
//! keeps every page and image it fetches as evidence, extracts listings and exhibitor
//! products, and publishes each listing on the `listings` topic (key: listing URL).
//!
//! Module map:
//! - [`source`]: what to crawl and how (the source's configuration).
//! - [`guard`]: the address guard — no fetch reaches an internal address unless allowed.
//! - [`tls`]: HTTPS trust — extra root certificates, certificate refusals named.
//! - [`fetch`]: one bounded HTTP fetch (conditional if validators are known); the body kept
//!   as a blob with its capture record.
//! - [`robots`]: robots.txt rules, Crawl-delay and Sitemap lines, cached per host.
//! - [`politeness`]: per-host gates — requests in flight, gap between starts, back-off.
//! - [`retry`]: which failures are retried, jittered back-off, Retry-After, host back-off.
//! - [`client`]: the polite client every request goes through (guard, robots, gate,
//!   retries, metrics).
//! - [`clock`]: the clock waits run on, injectable for tests.
//! - [`metrics`]: requests, bytes and response times per host.
//! - [`progress`]: the running crawl's numbers, published for a progress display.
//! - [`sitemap`]: sitemaps and sitemap indexes, gzipped or not, under a size cap.
//! - [`urls`]: URL canonicalisation and crawler-trap guards.
//! - [`extract`]: links, schema.org products and exhibitor cards from a page.
//! - [`crawl`]: the loop over the persistent frontier.
//! - [`events`]: every event the crawler logs, its level and fields named once.
//!
//! Resumable and at-least-once: the frontier lives in the store; a page is marked done only
//! after its listings are stored and published, so a crash re-fetches at most what was in
//! flight, and the same listing id comes out again.

#![forbid(unsafe_code)]

pub mod client;
pub mod clock;
pub mod crawl;
pub mod events;
pub mod extract;
pub mod fetch;
pub mod guard;
pub mod metrics;
pub mod politeness;
pub mod progress;
pub mod retry;
pub mod robots;
pub mod sitemap;
pub mod source;
pub mod tls;
pub mod urls;

pub use crawl::{CrawlError, CrawlReport, Crawler};
pub use guard::{AddressPolicy, GuardError};
pub use metrics::HostStats;
pub use progress::CrawlProgress;
pub use source::{SourceConfig, SourceConfigError};
