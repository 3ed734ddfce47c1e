//! A circuit breaker per platform: after `failure_threshold` consecutive failures it opens
//! and nothing is sent for `cool_down`; then one probe is let through (half-open); a
//! success closes it, a failure opens it again.
//!
//! Hand-written (a few lines of state) so that time is a parameter: tests drive it with
//! explicit instants instead of sleeping, and the notifier passes `tokio::time::Instant`.

use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// The cool-down has passed and one probe is out.
    HalfOpen,
}

#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    failure_threshold: u32,
    cool_down: Duration,
    state: BreakerState,
}

impl CircuitBreaker {
    pub fn new(failure_threshold: u32, cool_down: Duration) -> Self {
        Self {
            failure_threshold: failure_threshold.max(1),
            cool_down,
            state: BreakerState::Closed { failures: 0 },
        }
    }

    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// May a delivery go out at `now`? `Err(until)` while open; after the cool-down the
    /// first caller gets the probe and later ones wait for its result.
    pub fn allow(&mut self, now: Instant) -> Result<(), Instant> {
        match self.state {
            BreakerState::Closed { .. } => Ok(()),
            BreakerState::Open { until } if now >= until => {
                self.state = BreakerState::HalfOpen;
                Ok(())
            }
            BreakerState::Open { until } => Err(until),
            // The probe's answer decides; until then nobody else goes.
            BreakerState::HalfOpen => Err(now + self.cool_down),
        }
    }

    pub fn record_success(&mut self) {
        self.state = BreakerState::Closed { failures: 0 };
    }

    pub fn record_failure(&mut self, now: Instant) {
        self.state = match self.state {
            BreakerState::Closed { failures } if failures + 1 < self.failure_threshold => {
                BreakerState::Closed {
                    failures: failures + 1,
                }
            }
            _ => BreakerState::Open {
                until: now + self.cool_down,
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_n_failures_probes_after_cool_down_and_closes_on_success() {
        let t0 = Instant::now();
        let cool = Duration::from_secs(30);
        let mut b = CircuitBreaker::new(3, cool);
        for _ in 0..2 {
            assert!(b.allow(t0).is_ok());
            b.record_failure(t0);
        }
        assert!(b.allow(t0).is_ok(), "two failures of three keep it closed");
        b.record_failure(t0);
        assert_eq!(b.allow(t0 + Duration::from_secs(29)), Err(t0 + cool));
        // Cool-down over: exactly one probe.
        assert!(b.allow(t0 + cool).is_ok());
        assert!(b.allow(t0 + cool).is_err(), "only one probe at a time");
        b.record_failure(t0 + cool);
        assert!(
            b.allow(t0 + cool + Duration::from_secs(1)).is_err(),
            "failed probe reopens"
        );
        let later = t0 + cool * 2;
        assert!(b.allow(later).is_ok());
        b.record_success();
        assert_eq!(b.state(), BreakerState::Closed { failures: 0 });
        assert!(b.allow(later).is_ok());
    }

    #[test]
    fn a_success_resets_the_count() {
        let t0 = Instant::now();
        let mut b = CircuitBreaker::new(2, Duration::from_secs(1));
        b.record_failure(t0);
        b.record_success();
        b.record_failure(t0);
        assert!(b.allow(t0).is_ok(), "failures must be consecutive");
    }
}
