//! What a crawl run measured per host: requests, bytes, and response times (p50 and max),
//! gathered from every request the polite client sends.

use std::{collections::BTreeMap, sync::Mutex, time::Duration};

/// One host's numbers in a [`crate::CrawlReport`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Responses received (network failures included), retries and robots.txt counted.
    pub requests: u64,
    /// Body bytes read.
    pub bytes: u64,
    pub latency_p50_ms: u64,
    pub latency_max_ms: u64,
}

#[derive(Debug, Default)]
struct HostSamples {
    bytes: u64,
    latencies_ms: Vec<u64>,
}

#[derive(Debug, Default)]
pub struct Metrics {
    hosts: Mutex<BTreeMap<String, HostSamples>>,
}

impl Metrics {
    /// Starts a new run's numbers.
    pub fn clear(&self) {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Records one response from `origin`.
    pub fn response(&self, origin: &str, latency: Duration, bytes: u64) {
        // A poisoned lock only means a panic elsewhere; the samples are still good.
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        let host = hosts.entry(origin.to_owned()).or_default();
        host.bytes += bytes;
        host.latencies_ms
            .push(u64::try_from(latency.as_millis()).unwrap_or(u64::MAX));
    }

    /// Body bytes read so far from every host; cheap enough to call after each batch.
    pub fn total_bytes(&self) -> u64 {
        let hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts.values().map(|h| h.bytes).sum()
    }

    /// Per-origin summary so far.
    pub fn summary(&self) -> BTreeMap<String, HostStats> {
        let hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .iter()
            .map(|(origin, samples)| {
                let mut sorted = samples.latencies_ms.clone();
                sorted.sort_unstable();
                let stats = HostStats {
                    requests: sorted.len() as u64,
                    bytes: samples.bytes,
                    // The lower median: an actual sample, never an average of two.
                    latency_p50_ms: sorted
                        .get(sorted.len().saturating_sub(1) / 2)
                        .copied()
                        .unwrap_or(0),
                    latency_max_ms: sorted.last().copied().unwrap_or(0),
                };
                (origin.clone(), stats)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarizes_per_host() {
        let m = Metrics::default();
        for (ms, bytes) in [(30, 10), (10, 20), (20, 30), (400, 0)] {
            m.response("http://a", Duration::from_millis(ms), bytes);
        }
        m.response("http://b", Duration::from_millis(5), 7);
        let s = m.summary();
        assert_eq!(
            s["http://a"],
            HostStats {
                requests: 4,
                bytes: 60,
                latency_p50_ms: 20,
                latency_max_ms: 400
            }
        );
        assert_eq!(s["http://b"].requests, 1);
    }
}
