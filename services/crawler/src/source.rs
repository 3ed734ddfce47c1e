//! What to crawl and how: a source's configuration, and the checks it must pass before a
//! crawl starts.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use takedown_model::SourceKind;

fn default_max_pages() -> u64 {
    1_000
}
fn default_max_depth() -> u32 {
    8
}
fn default_concurrency() -> usize {
    4
}
fn default_user_agent() -> String {
    format!(
        "takedown/{} (IP-protection crawler)",
        env!("CARGO_PKG_VERSION")
    )
}
fn default_max_page_bytes() -> u64 {
    5 * 1024 * 1024
}
fn default_max_image_bytes() -> u64 {
    20 * 1024 * 1024
}
fn default_per_host_concurrency() -> usize {
    2
}
fn default_host_delay_factor() -> f64 {
    2.0
}
fn default_max_attempts() -> u32 {
    4
}
fn default_max_url_len() -> usize {
    2_048
}
fn default_max_query_params() -> usize {
    12
}
fn default_max_pages_per_pattern() -> u32 {
    500
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Stable id of the source; listings and the frontier are keyed by it.
    pub id: String,
    pub kind: SourceKind,
    /// The platform (or fair) whose handler receives notices about this source's listings.
    pub platform: String,
    pub start_urls: Vec<String>,
    /// Hosts the crawl may enter; empty means the hosts of the start URLs.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    #[serde(default = "default_max_pages")]
    pub max_pages: u64,
    #[serde(default = "default_max_depth")]
    pub max_depth: u32,
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    #[serde(default = "default_user_agent")]
    pub user_agent: String,
    /// Loopback addresses are refused unless this is set (tests and the demo set it).
    #[serde(default)]
    pub allow_loopback: bool,
    #[serde(default = "default_max_page_bytes")]
    pub max_page_bytes: u64,
    #[serde(default = "default_max_image_bytes")]
    pub max_image_bytes: u64,
    /// Requests in flight to one host at most (the crawl's total is `concurrency`).
    #[serde(default = "default_per_host_concurrency")]
    pub per_host_concurrency: usize,
    /// Minimum gap between request starts to one host, in milliseconds. The gap used is
    /// the largest of this, the host's robots.txt Crawl-delay (capped at 30 s), and
    /// `host_delay_factor` × the host's last response time.
    #[serde(default)]
    pub min_host_delay_ms: u64,
    #[serde(default = "default_host_delay_factor")]
    pub host_delay_factor: f64,
    /// Attempts per request, the first included, for 429/502/503/504 and network errors.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Sitemaps (or sitemap indexes, plain or .gz) to seed the frontier with, besides those
    /// the hosts' robots.txt names.
    #[serde(default)]
    pub sitemaps: Vec<String>,
    /// URLs longer than this are not queued (trap guard).
    #[serde(default = "default_max_url_len")]
    pub max_url_len: usize,
    /// URLs with more query parameters than this are not queued (faceted-filter guard).
    #[serde(default = "default_max_query_params")]
    pub max_query_params: usize,
    /// Pages queued per path pattern (digits folded, query keys only) per crawl run: bounds
    /// calendars and filters that go on for ever.
    #[serde(default = "default_max_pages_per_pattern")]
    pub max_pages_per_pattern: u32,
    /// If set, a page fetched longer ago than this many seconds is due again when the crawl
    /// runs; it is asked for with If-None-Match / If-Modified-Since.
    #[serde(default)]
    pub recrawl_after_secs: Option<u64>,
    /// PEM files of certificate authorities (or self-signed certificates) trusted for
    /// HTTPS besides the system's roots: a private CA, a test server.
    #[serde(default)]
    pub extra_root_certs: Vec<PathBuf>,
    /// The market the source's listings are offered on: an ISO 3166 alpha-2 country code
    /// (`"DE"`, `"CN"`; any case, published in capitals) or `"EU"`. A fair catalog's market
    /// is the fair's country. The matcher applies a right only where it is registered, so
    /// a listing on a known market matches only rights whose territories cover it; unset,
    /// the market is unknown and every right applies. Checked by [`SourceConfig::check`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
}

/// Why a source's configuration cannot be crawled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceConfigError {
    #[error(
        "source {source_id}: market {market:?} is neither an ISO 3166 alpha-2 country code \
         (such as \"DE\" or \"CN\"; the United Kingdom is \"GB\") nor \"EU\""
    )]
    BadMarket { source_id: String, market: String },
}

impl SourceConfig {
    /// A source with defaults for everything but what identifies it.
    pub fn new(id: &str, kind: SourceKind, platform: &str, start_urls: Vec<String>) -> Self {
        Self {
            id: id.to_owned(),
            kind,
            platform: platform.to_owned(),
            start_urls,
            allowed_hosts: Vec::new(),
            max_pages: default_max_pages(),
            max_depth: default_max_depth(),
            concurrency: default_concurrency(),
            user_agent: default_user_agent(),
            allow_loopback: false,
            max_page_bytes: default_max_page_bytes(),
            max_image_bytes: default_max_image_bytes(),
            per_host_concurrency: default_per_host_concurrency(),
            min_host_delay_ms: 0,
            host_delay_factor: default_host_delay_factor(),
            max_attempts: default_max_attempts(),
            sitemaps: Vec::new(),
            max_url_len: default_max_url_len(),
            max_query_params: default_max_query_params(),
            max_pages_per_pattern: default_max_pages_per_pattern(),
            recrawl_after_secs: None,
            extra_root_certs: Vec::new(),
            market: None,
        }
    }

    /// The checks serde cannot make field by field: each error names the source.
    pub fn check(&self) -> Result<(), SourceConfigError> {
        if let Some(market) = &self.market
            && !is_market_code(market)
        {
            return Err(SourceConfigError::BadMarket {
                source_id: self.id.clone(),
                market: market.clone(),
            });
        }
        Ok(())
    }

    /// The market as listings carry it: in capitals (`check` has accepted it).
    pub fn market_code(&self) -> Option<String> {
        self.market.as_deref().map(str::to_ascii_uppercase)
    }
}

/// An ISO 3166-1 alpha-2 code (the `celes` crate's table: officially assigned codes, and
/// Kosovo's XK) or "EU", in any case.
fn is_market_code(code: &str) -> bool {
    code.eq_ignore_ascii_case("EU") || celes::Country::from_alpha2(code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_configs_still_load_with_polite_defaults() {
        let old = r#"{"id":"shop","kind":"marketplace","platform":"shop",
            "start_urls":["https://shop.example/"],"max_pages":10,"concurrency":4}"#;
        let source: SourceConfig = serde_json::from_str(old).expect("old config");
        let mut expected = SourceConfig::new(
            "shop",
            SourceKind::Marketplace,
            "shop",
            vec!["https://shop.example/".into()],
        );
        expected.max_pages = 10;
        assert_eq!(source, expected);
        assert_eq!(source.per_host_concurrency, 2);
        assert_eq!(source.recrawl_after_secs, None);

        let typo = old.replace("\"max_pages\"", "\"max_pagez\"");
        assert!(serde_json::from_str::<SourceConfig>(&typo).is_err());
        assert_eq!(source.market, None, "no market: unknown");
        assert_eq!(source.check(), Ok(()));
    }

    fn with_market(market: &str) -> SourceConfig {
        let json = format!(
            r#"{{"id":"fair","kind":"fair_catalog","platform":"fair",
                "start_urls":["https://fair.example/"],"market":{market:?}}}"#
        );
        serde_json::from_str(&json).expect("config")
    }

    #[test]
    fn country_codes_and_eu_are_markets() {
        for (given, published) in [("DE", "DE"), ("CN", "CN"), ("cn", "CN"), ("EU", "EU")] {
            let source = with_market(given);
            assert_eq!(source.check(), Ok(()), "{given}");
            assert_eq!(source.market_code().as_deref(), Some(published));
        }
    }

    #[test]
    fn anything_else_is_refused_naming_the_source() {
        for bad in ["UK", "XX", "DEU", "Germany", "", "E U", "\u{0130}T"] {
            let err = with_market(bad).check().expect_err(bad);
            assert_eq!(
                err,
                SourceConfigError::BadMarket {
                    source_id: "fair".into(),
                    market: bad.into()
                }
            );
            let text = err.to_string();
            assert!(text.starts_with("source fair: market "), "{text}");
            assert!(text.contains("ISO 3166 alpha-2"), "{text}");
        }
    }
}
