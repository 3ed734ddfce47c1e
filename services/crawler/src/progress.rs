//! Progress of a running crawl, published for whoever wants to show it (a progress bar, a
//! periodic log line, a status endpoint). The crawler only publishes numbers; drawing them
//! is the caller's business, so no terminal code lives in this crate.
//!
//! A `tokio::sync::watch` channel carries the latest snapshot: a slow reader never holds
//! the crawl back and only ever sees the newest numbers.

use std::time::Duration;

/// The numbers of the run so far; the last snapshot of a run equals its
/// [`crate::CrawlReport`] in the fields both have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrawlProgress {
    /// Pages fetched and kept; failures are in `failed`, 304s in `not_modified`.
    pub pages: u64,
    /// Pages whose fetch failed.
    pub failed: u64,
    pub listings: u64,
    pub images: u64,
    /// Failed fetches of every kind.
    pub errors: u64,
    pub not_modified: u64,
    /// Body bytes read so far, every request included.
    pub bytes: u64,
    /// Wall time since the run started.
    pub elapsed: Duration,
    /// True once the run has finished (the frontier is empty, the budget spent, or it was
    /// cancelled).
    pub done: bool,
}

impl CrawlProgress {
    /// Pages (304s included) per second of wall time so far.
    pub fn pages_per_sec(&self) -> f64 {
        per_sec(self.pages + self.not_modified, self.elapsed)
    }

    /// Images per second of wall time so far.
    pub fn images_per_sec(&self) -> f64 {
        per_sec(self.images, self.elapsed)
    }
}

fn per_sec(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_count_pages_and_304s_over_wall_time() {
        let p = CrawlProgress {
            pages: 30,
            not_modified: 10,
            images: 20,
            elapsed: Duration::from_secs(4),
            ..CrawlProgress::default()
        };
        assert_eq!(p.pages_per_sec(), 10.0);
        assert_eq!(p.images_per_sec(), 5.0);
        assert_eq!(CrawlProgress::default().pages_per_sec(), 0.0);
    }
}
