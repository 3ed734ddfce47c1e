//! What to crawl and how.

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
        }
    }
}
