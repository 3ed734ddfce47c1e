//! robots.txt: what a host lets us fetch, how slowly, and which sitemaps it names.
//!
//! Parsed by `texting_robots` (it keeps `Crawl-delay` and `Sitemap` lines, which Google's
//! port ignores). Outcomes follow RFC 9309: a 4xx means there are no rules (allow all); a
//! 5xx, a timeout or a network error means the host cannot tell us, and we must assume
//! everything is disallowed — for this crawl run, since the answer is cached per host.

use std::{collections::HashMap, sync::Arc, time::Duration};

use texting_robots::Robot;
use tokio::sync::{Mutex, OnceCell};
use url::Url;

/// robots.txt files larger than this are cut (Google reads 500 KiB).
pub const MAX_ROBOTS_BYTES: u64 = 512 * 1024;

/// A host's rules, as far as this crawl knows them.
#[derive(Debug)]
pub enum Rules {
    /// No robots.txt (4xx), or one that does not parse: nothing is forbidden.
    AllowAll,
    /// robots.txt could not be fetched (5xx, network error): assume everything is.
    Unavailable {
        reason: String,
    },
    /// The host's certificate was refused when asking for robots.txt: nothing on the host
    /// can be fetched, and each page says so rather than blaming robots.txt.
    TlsRefused {
        reason: String,
    },
    /// The address guard refused robots.txt (the host resolves to, or redirects to, a
    /// refused address): nothing on the host can be fetched, and each page says why.
    GuardRefused {
        refusal: crate::guard::GuardError,
    },
    Parsed(Box<Robot>),
}

impl Rules {
    /// Rules from a robots.txt response: `status` and body, for the product token `agent`.
    pub fn from_response(status: u16, body: &[u8], agent: &str) -> Self {
        match status {
            200..=299 => match Robot::new(agent, body) {
                Ok(robot) => Rules::Parsed(Box::new(robot)),
                Err(e) => {
                    tracing::debug!(error = %e, "robots.txt does not parse; allowing all");
                    Rules::AllowAll
                }
            },
            400..=499 => Rules::AllowAll,
            _ => Rules::Unavailable {
                reason: format!("robots.txt answered HTTP {status}"),
            },
        }
    }

    pub fn allowed(&self, url: &Url) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::Unavailable { .. } | Rules::TlsRefused { .. } | Rules::GuardRefused { .. } => {
                false
            }
            Rules::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }

    /// The `Crawl-delay` for our agent, if the file sets one (uncapped: the gate caps it).
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            Rules::Parsed(robot) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(86_400.0))),
            _ => None,
        }
    }

    /// The `Sitemap:` lines.
    pub fn sitemaps(&self) -> &[String] {
        match self {
            Rules::Parsed(robot) => &robot.sitemaps,
            _ => &[],
        }
    }
}

/// The product token robots.txt groups are matched against: `takedown/0.1 (…)` → `takedown`.
pub fn agent_token(user_agent: &str) -> &str {
    user_agent
        .split(['/', ' '])
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or(user_agent)
}

/// `scheme://host[:port]`, the key robots.txt applies to.
pub fn origin_key(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The robots.txt URL for `url`'s origin.
pub fn robots_url(url: &Url) -> Option<Url> {
    Url::parse(&format!("{}/robots.txt", origin_key(url))).ok()
}

/// Each origin's rules, fetched at most once per crawl run even when many requests ask
/// at the same time.
#[derive(Debug, Default)]
pub struct RobotsCache {
    origins: Mutex<HashMap<String, Arc<OnceCell<Arc<Rules>>>>>,
}

impl RobotsCache {
    /// Forgets every host's rules: a new crawl run asks again.
    pub async fn clear(&self) {
        self.origins.lock().await.clear();
    }

    /// The rules of `url`'s origin, fetched by `fetch` the first time they are asked for.
    pub async fn get_or_fetch<F, Fut>(&self, url: &Url, fetch: F) -> Arc<Rules>
    where
        F: FnOnce(Url) -> Fut,
        Fut: Future<Output = Rules>,
    {
        let cell = {
            let mut origins = self.origins.lock().await;
            origins.entry(origin_key(url)).or_default().clone()
        };
        cell.get_or_init(|| async {
            match robots_url(url) {
                Some(robots) => Arc::new(fetch(robots).await),
                None => Arc::new(Rules::AllowAll),
            }
        })
        .await
        .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    const TXT: &[u8] = b"User-agent: *\nDisallow: /private/\nCrawl-delay: 2.5\n\n\
User-agent: takedown\nDisallow: /cart\nCrawl-delay: 4\n\nSitemap: https://shop.example/sitemap.xml\n";

    #[test]
    fn applies_our_group_its_delay_and_sitemaps() {
        let rules = Rules::from_response(200, TXT, agent_token("takedown/0.1 (IP crawler)"));
        assert!(!rules.allowed(&url("https://shop.example/cart?x=1")));
        assert!(rules.allowed(&url("https://shop.example/private/a")));
        assert_eq!(rules.crawl_delay(), Some(Duration::from_secs(4)));
        assert_eq!(rules.sitemaps(), ["https://shop.example/sitemap.xml"]);

        let other = Rules::from_response(200, TXT, "otherbot");
        assert!(!other.allowed(&url("https://shop.example/private/a")));
        assert_eq!(other.crawl_delay(), Some(Duration::from_millis(2_500)));
    }

    #[test]
    fn missing_allows_all_and_unreachable_disallows_all() {
        let missing = Rules::from_response(404, b"not found", "takedown");
        assert!(missing.allowed(&url("https://shop.example/anything")));
        let down = Rules::from_response(503, b"", "takedown");
        assert!(!down.allowed(&url("https://shop.example/")));
    }

    #[tokio::test]
    async fn fetches_once_per_origin() {
        let cache = RobotsCache::default();
        let fetched = std::sync::atomic::AtomicUsize::new(0);
        for path in ["/a", "/b", "/c"] {
            let rules = cache
                .get_or_fetch(&url(&format!("http://h.example:8080{path}")), |robots| {
                    assert_eq!(robots.as_str(), "http://h.example:8080/robots.txt");
                    fetched.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    async { Rules::from_response(200, b"User-agent: *\nDisallow: /b", "x") }
                })
                .await;
            assert!(!rules.allowed(&url("http://h.example:8080/b")));
        }
        assert_eq!(fetched.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
