//! The crawler stage: walks a source (a marketplace or a fair catalog) within its hosts,
//! keeps every page and image it fetches as evidence, extracts listings and exhibitor
//! products, and publishes each listing on the `listings` topic (key: listing URL).
//!
//! Module map:
//! - [`source`]: what to crawl and how (the source's configuration).
//! - [`guard`]: the address guard — no fetch reaches an internal address unless allowed.
//! - [`fetch`]: one bounded HTTP fetch, stored as a blob with its capture record.
//! - [`extract`]: links, schema.org products and exhibitor cards from a page.
//! - [`crawl`]: the loop over the persistent frontier.
//!
//! Resumable and at-least-once: the frontier lives in the store; a page is marked done only
//! after its listings are stored and published, so a crash re-fetches at most what was in
//! flight, and the same listing id comes out again.

pub mod crawl;
pub mod extract;
pub mod fetch;
pub mod guard;
pub mod source;

pub use crawl::{CrawlError, CrawlReport, Crawler};
pub use guard::{AddressPolicy, GuardError};
pub use source::SourceConfig;
