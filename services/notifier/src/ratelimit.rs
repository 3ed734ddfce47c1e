//! A rate limit per platform: a token bucket of `burst` tokens refilled at `per_second`.
//!
//! Hand-written rather than `governor` because the notifier's clock must be a parameter
//! (`tokio::time::Instant`, so tests drive it without sleeping) and a bucket is a few lines.

use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct RateLimit {
    per_second: f64,
    burst: f64,
    tokens: f64,
    last: Option<Instant>,
}

impl RateLimit {
    /// `per_second` notices a second on average, up to `burst` at once.
    pub fn new(per_second: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            per_second: per_second.max(f64::MIN_POSITIVE),
            burst,
            tokens: burst,
            last: None,
        }
    }

    /// Takes a token at `now`, or says how long until one is there.
    pub fn try_acquire(&mut self, now: Instant) -> Result<(), Duration> {
        if let Some(last) = self.last {
            let elapsed = now.saturating_duration_since(last).as_secs_f64();
            self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        }
        self.last = Some(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / self.per_second;
            Err(Duration::from_secs_f64(wait.min(86_400.0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(2.0, 2);
        assert!(r.try_acquire(t0).is_ok());
        assert!(r.try_acquire(t0).is_ok());
        assert_eq!(r.try_acquire(t0), Err(Duration::from_millis(500)));
        assert!(r.try_acquire(t0 + Duration::from_millis(499)).is_err());
        assert!(r.try_acquire(t0 + Duration::from_millis(1000)).is_ok());
        // A long pause refills only up to the burst.
        let later = t0 + Duration::from_secs(60);
        assert!(r.try_acquire(later).is_ok());
        assert!(r.try_acquire(later).is_ok());
        assert!(r.try_acquire(later).is_err());
    }
}
