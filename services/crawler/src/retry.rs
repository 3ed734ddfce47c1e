//! When to retry a fetch and how long to wait: jittered exponential back-off for one
//! request, `Retry-After` (seconds or an HTTP date), and the back-off of a whole host that
//! keeps answering 429/503.
//!
//! Hand-written rather than `backon`: a wait here is not a sleep inside one request — a
//! `Retry-After` or a 429 blocks the whole host, and every request to it waits at the
//! host's gate ([`crate::politeness`]). `backon` schedules one future's retries and has no
//! place to share that state, so only the arithmetic would remain to borrow.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Statuses worth asking again: overload or a gateway's trouble, not the page's.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Statuses that say "slow down" to the whole host.
pub fn host_overloaded(status: u16) -> bool {
    matches!(status, 429 | 503)
}

/// Parses a `Retry-After` value, delay-seconds or an HTTP date, relative to `now`.
/// A date in the past means "now"; anything unparsable is ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Bounded attempts with full-jitter exponential back-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (attempt counts from 1): a uniform draw from
    /// the upper half of `base × 2^(attempt-1)`, capped — half-jitter keeps a floor so a
    /// retry never fires at once, and spreads retries of many URLs apart.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max_delay);
        let half = exp / 2;
        half + exp.saturating_sub(half).mul_f64(rng.random::<f64>())
    }
}

/// The back-off of one host after 429/503 (the StormCrawler/Heritrix policy): without a
/// `Retry-After`, block the host 60 s, doubling per incident up to a day, ±10% jitter; an
/// incident more than 30 quiet minutes after the last one starts again from 60 s.
#[derive(Debug, Clone, Default)]
pub struct HostBackoff {
    incidents: u32,
    last_incident: Option<Duration>,
}

pub const HOST_BACKOFF_FIRST: Duration = Duration::from_secs(60);
pub const HOST_BACKOFF_MAX: Duration = Duration::from_secs(24 * 60 * 60);
pub const HOST_BACKOFF_FORGIVE: Duration = Duration::from_secs(30 * 60);

impl HostBackoff {
    /// Records an incident at `now` (on the crawl's clock) and returns how long the host
    /// stays blocked.
    pub fn incident(
        &mut self,
        now: Duration,
        retry_after: Option<Duration>,
        rng: &mut impl Rng,
    ) -> Duration {
        if self
            .last_incident
            .is_some_and(|last| now.saturating_sub(last) > HOST_BACKOFF_FORGIVE)
        {
            self.incidents = 0;
        }
        self.last_incident = Some(now);
        self.incidents += 1;
        if let Some(wait) = retry_after {
            return wait.min(HOST_BACKOFF_MAX);
        }
        let exp = HOST_BACKOFF_FIRST
            .saturating_mul(1u32 << (self.incidents - 1).min(20))
            .min(HOST_BACKOFF_MAX);
        exp.mul_f64(rng.random_range(0.9..=1.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn request_delays_grow_with_jitter_and_stay_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
        };
        let mut rng = rand::rng();
        for _ in 0..50 {
            let first = policy.delay(1, &mut rng);
            assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
            let third = policy.delay(3, &mut rng);
            assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
            assert!(policy.delay(9, &mut rng) <= Duration::from_secs(8));
        }
    }

    #[test]
    fn host_backoff_doubles_caps_and_forgives() {
        let mut rng = rand::rng();
        let mut backoff = HostBackoff::default();
        let t0 = Duration::from_secs(1_000);
        let first = backoff.incident(t0, None, &mut rng);
        assert!(first >= Duration::from_secs(54) && first <= Duration::from_secs(66));
        let second = backoff.incident(t0 + Duration::from_secs(70), None, &mut rng);
        assert!(second >= Duration::from_secs(108) && second <= Duration::from_secs(132));
        for i in 0..30 {
            let wait = backoff.incident(t0 + Duration::from_secs(100 + i), None, &mut rng);
            assert!(wait <= HOST_BACKOFF_MAX.mul_f64(1.1));
        }
        let honoured = backoff.incident(
            t0 + Duration::from_secs(200),
            Some(Duration::from_secs(5)),
            &mut rng,
        );
        assert_eq!(honoured, Duration::from_secs(5));
        // Quiet for longer than the forgiveness window: back to the first step.
        let forgiven = backoff.incident(t0 + Duration::from_secs(200 + 31 * 60), None, &mut rng);
        assert!(forgiven <= Duration::from_secs(66));
    }
}
