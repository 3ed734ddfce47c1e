//! Per-host politeness: each host owns its state (the StormCrawler/Heritrix model) — a cap
//! on requests in flight to it, a minimum gap between request starts, and a block while it
//! is backed off. Every request, robots.txt and sitemaps included, passes a host's gate.
//!
//! The gap is the largest of the source's configured minimum, the host's robots.txt
//! `Crawl-delay` (capped) and a multiple of the host's last response time (AutoThrottle:
//! a slow host is asked less often). Waits run on an injectable [`Clock`].
//!
//! Hand-written rather than `governor`: its keyed limiter gives every key one quota, while
//! here each host has its own delay and its own back-off.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{clock::Clock, retry::HostBackoff};

/// The cap on a robots.txt `Crawl-delay` (and on the adaptive gap): a site asking for more
/// would take days to crawl; we stay at one request per this interval.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolitenessConfig {
    pub per_host_concurrency: usize,
    pub min_delay: Duration,
    /// The gap is at least this multiple of the host's last response time.
    pub latency_factor: f64,
}

#[derive(Debug, Default)]
struct HostInner {
    next_start: Option<Duration>,
    crawl_delay: Duration,
    last_latency: Duration,
    backoff: HostBackoff,
}

#[derive(Debug)]
struct HostState {
    slots: Arc<Semaphore>,
    inner: Mutex<HostInner>,
}

impl HostState {
    fn inner(&self) -> MutexGuard<'_, HostInner> {
        // A poisoned lock means a panic elsewhere mid-update; the timing state is still a
        // usable (if slightly stale) answer.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The gates of every host one crawl talks to.
#[derive(Debug)]
pub struct Politeness {
    config: PolitenessConfig,
    clock: Arc<dyn Clock>,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
}

/// Held while one request to a host is in flight.
#[derive(Debug)]
pub struct HostPermit {
    _slot: Option<OwnedSemaphorePermit>,
    state: Arc<HostState>,
    /// When the request started, on the crawl's clock.
    pub started: Duration,
    // Response time is measured in real time whatever the clock: it is what the host did.
    real_start: std::time::Instant,
}

impl HostPermit {
    /// Records how long the response took; the adaptive gap follows it.
    pub fn finish(self) -> Duration {
        let latency = self.real_start.elapsed();
        self.state.inner().last_latency = latency;
        latency
    }
}

impl Politeness {
    pub fn new(config: PolitenessConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            clock,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn host(&self, host: &str) -> Arc<HostState> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(host.to_ascii_lowercase())
            .or_insert_with(|| {
                Arc::new(HostState {
                    slots: Arc::new(Semaphore::new(self.config.per_host_concurrency.max(1))),
                    inner: Mutex::new(HostInner::default()),
                })
            })
            .clone()
    }

    /// Sets the host's robots.txt `Crawl-delay`, capped at [`MAX_CRAWL_DELAY`]. The
    /// request that fetched robots.txt counts: the next one waits the delay from now.
    pub fn set_crawl_delay(&self, host: &str, delay: Duration) {
        let state = self.host(host);
        let mut inner = state.inner();
        inner.crawl_delay = delay.min(MAX_CRAWL_DELAY);
        let earliest = self.clock.now() + inner.crawl_delay;
        inner.next_start = Some(inner.next_start.map_or(earliest, |at| at.max(earliest)));
    }

    /// Waits for a free slot and for the host's gap, then reserves the next start.
    pub async fn acquire(&self, host: &str) -> HostPermit {
        let state = self.host(host);
        // The semaphore is never closed, so this is always Some; were it closed we would
        // go on without a slot rather than stall the crawl.
        let slot = state.slots.clone().acquire_owned().await.ok();
        loop {
            let wait_until = {
                let mut inner = state.inner();
                let now = self.clock.now();
                match inner.next_start {
                    Some(at) if at > now => at,
                    _ => {
                        let gap = self.gap(&inner);
                        inner.next_start = Some(now + gap);
                        break;
                    }
                }
            };
            self.clock.sleep_until(wait_until).await;
        }
        HostPermit {
            _slot: slot,
            state,
            started: self.clock.now(),
            real_start: std::time::Instant::now(),
        }
    }

    fn gap(&self, inner: &HostInner) -> Duration {
        let adaptive = inner
            .last_latency
            .mul_f64(self.config.latency_factor.max(0.0))
            .min(MAX_CRAWL_DELAY);
        self.config.min_delay.max(inner.crawl_delay).max(adaptive)
    }

    /// Backs the host off after a 429/503: no request starts before the returned instant.
    pub fn back_off(&self, host: &str, retry_after: Option<Duration>) -> Duration {
        let state = self.host(host);
        let mut inner = state.inner();
        let now = self.clock.now();
        let wait = inner.backoff.incident(now, retry_after, &mut rand::rng());
        let until = (now + wait).max(inner.next_start.unwrap_or(now));
        inner.next_start = Some(until);
        until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::TokioClock;

    fn politeness(per_host: usize, min_delay_ms: u64) -> Politeness {
        Politeness::new(
            PolitenessConfig {
                per_host_concurrency: per_host,
                min_delay: Duration::from_millis(min_delay_ms),
                latency_factor: 0.0,
            },
            Arc::new(TokioClock::default()),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_to_one_host_but_not_across_hosts() {
        let p = politeness(4, 1_000);
        let t0 = Duration::ZERO;
        let mut starts = Vec::new();
        for _ in 0..3 {
            let permit = p.acquire("a.example").await;
            starts.push(permit.started - t0);
            permit.finish();
        }
        assert_eq!(
            starts,
            [0, 1_000, 2_000].map(Duration::from_millis).to_vec()
        );
        let other = p.acquire("b.example").await;
        assert_eq!(other.started - t0, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn crawl_delay_raises_the_gap_up_to_the_cap() {
        let p = politeness(1, 100);
        // Set when robots.txt has just been fetched: the next request waits the delay.
        p.set_crawl_delay("a.example", Duration::from_secs(5));
        let first = p.acquire("a.example").await;
        assert_eq!(first.started, Duration::from_secs(5));
        first.finish();
        let second = p.acquire("a.example").await;
        assert_eq!(second.started, Duration::from_secs(10));
        second.finish();
        // A Crawl-delay of an hour is capped at 30 s.
        p.set_crawl_delay("a.example", Duration::from_secs(3_600));
        let third = p.acquire("a.example").await;
        assert_eq!(third.started, Duration::from_secs(40));
        third.finish();
        let fourth = p.acquire("a.example").await;
        assert_eq!(fourth.started, Duration::from_secs(70));
    }

    #[tokio::test(start_paused = true)]
    async fn limits_requests_in_flight_per_host() {
        let p = Arc::new(politeness(2, 0));
        let first = p.acquire("a.example").await;
        let _second = p.acquire("a.example").await;
        let p2 = p.clone();
        let third = tokio::spawn(async move { p2.acquire("a.example").await.finish() });
        tokio::task::yield_now().await;
        assert!(!third.is_finished(), "a third request must wait for a slot");
        // Another host is not held up by this one's slots.
        p.acquire("b.example").await.finish();
        first.finish();
        third.await.expect("third ran");
    }

    #[tokio::test(start_paused = true)]
    async fn a_backed_off_host_waits_for_retry_after() {
        let p = politeness(1, 0);
        let t0 = Duration::ZERO;
        p.back_off("a.example", Some(Duration::from_secs(7)));
        let permit = p.acquire("a.example").await;
        assert_eq!(permit.started - t0, Duration::from_secs(7));
    }
}
