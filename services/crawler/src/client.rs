//! The polite client: every request of a crawl goes through here — the address guard, the
//! host's robots.txt (fetched once per host and cached), the host's politeness gate, and
//! bounded retries with back-off — and is counted in the crawl's metrics.

use std::time::{Duration, SystemTime};

use url::Url;

use crate::{
    clock::Clock,
    fetch::{FetchError, Fetcher, RawResponse, Validators},
    metrics::Metrics,
    politeness::Politeness,
    retry::{RetryPolicy, host_overloaded, parse_retry_after, retryable_status},
    robots::{MAX_ROBOTS_BYTES, RobotsCache, Rules, origin_key},
};

/// What a request is for: pages and images obey robots.txt; robots.txt itself and the
/// sitemaps it or the source names do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Content,
    Sitemap,
}

pub struct PoliteClient {
    pub fetcher: Fetcher,
    pub clock: std::sync::Arc<dyn Clock>,
    pub politeness: Politeness,
    pub robots: RobotsCache,
    pub retry: RetryPolicy,
    pub metrics: Metrics,
    /// The product token robots.txt groups are matched against.
    pub agent: String,
}

impl PoliteClient {
    /// GETs `url`. Ok is a 2xx (body read under `max_bytes`) or, for a conditional request,
    /// a 304; every other status is an error after the retries retryable ones deserve.
    pub async fn get(
        &self,
        url: &Url,
        purpose: Purpose,
        max_bytes: u64,
        conditional: Option<&Validators>,
    ) -> Result<RawResponse, FetchError> {
        // The guard first: a refused address is never contacted, not even for robots.txt.
        self.fetcher.policy.check_url(url)?;
        if purpose == Purpose::Content {
            let rules = self.robots_for(url).await;
            match &*rules {
                Rules::Unavailable { reason } => {
                    return Err(FetchError::RobotsUnavailable {
                        url: url.to_string(),
                        reason: reason.clone(),
                    });
                }
                Rules::TlsRefused { reason } => {
                    return Err(FetchError::Tls {
                        url: url.to_string(),
                        reason: reason.clone(),
                    });
                }
                Rules::GuardRefused { refusal } => return Err(FetchError::Guard(refusal.clone())),
                Rules::AllowAll | Rules::Parsed(_) => {}
            }
            if !rules.allowed(url) {
                return Err(FetchError::Disallowed {
                    url: url.to_string(),
                });
            }
        }
        let raw = self.with_retries(url, max_bytes, conditional).await?;
        match raw.status {
            200..=299 => Ok(raw),
            304 if conditional.is_some() => Ok(raw),
            status => Err(FetchError::Status {
                url: url.to_string(),
                status,
            }),
        }
    }

    /// The rules of `url`'s host; the first ask fetches robots.txt and applies its
    /// Crawl-delay to the host's gate.
    pub async fn robots_for(&self, url: &Url) -> std::sync::Arc<Rules> {
        self.robots
            .get_or_fetch(url, |robots_url| async move {
                let rules = match self.with_retries(&robots_url, MAX_ROBOTS_BYTES, None).await {
                    Ok(raw) => Rules::from_response(raw.status, &raw.body, &self.agent),
                    Err(FetchError::Tls { reason, .. }) => Rules::TlsRefused { reason },
                    Err(FetchError::Guard(refusal)) => Rules::GuardRefused { refusal },
                    // A robots.txt too large to read is treated like one that is not there
                    // to read at all: we cannot know the rules.
                    Err(e) => Rules::Unavailable {
                        reason: e.to_string(),
                    },
                };
                if let Rules::Unavailable { reason } = &rules {
                    tracing::warn!(robots = %robots_url, %reason, "robots.txt unavailable: host disallowed for this crawl");
                }
                if let (Some(delay), Some(host)) = (rules.crawl_delay(), robots_url.host_str()) {
                    self.politeness.set_crawl_delay(host, delay);
                }
                rules
            })
            .await
    }

    /// Sends the request through the host's gate, retrying 429/502/503/504 and network
    /// errors with jittered back-off and `Retry-After`; 429/503 back the whole host off.
    /// Returns the last response, whatever its status.
    async fn with_retries(
        &self,
        url: &Url,
        max_bytes: u64,
        conditional: Option<&Validators>,
    ) -> Result<RawResponse, FetchError> {
        let host = url.host_str().unwrap_or_default().to_owned();
        let origin = origin_key(url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let permit = self.politeness.acquire(&host).await;
            let result = self.fetcher.get(url, max_bytes, conditional).await;
            let latency = permit.finish();
            if let Err(FetchError::Http { .. }) = &result {
                self.metrics.response(&origin, latency, 0);
            }
            let last = attempt >= self.retry.max_attempts.max(1);
            let backoff = self.retry.delay(attempt, &mut rand::rng());
            match result {
                Ok(raw) => {
                    self.metrics
                        .response(&origin, latency, raw.body.len() as u64);
                    if !retryable_status(raw.status) {
                        return Ok(raw);
                    }
                    let retry_after = raw
                        .retry_after
                        .as_deref()
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    let overloaded = host_overloaded(raw.status);
                    if overloaded {
                        // The gate holds every request to the host until the back-off ends,
                        // also when this request has no attempt left.
                        self.politeness.back_off(&host, retry_after);
                    }
                    if last {
                        return Ok(raw);
                    }
                    tracing::info!(url = %url, status = raw.status, attempt, ?retry_after, "retrying");
                    if !overloaded {
                        self.clock
                            .sleep(retry_after.unwrap_or(Duration::ZERO).max(backoff))
                            .await;
                    }
                }
                Err(e @ FetchError::Http { .. }) if !last => {
                    tracing::info!(url = %url, error = %e, attempt, "retrying after a network error");
                    self.clock.sleep(backoff).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
