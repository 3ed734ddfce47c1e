//! The clock politeness and retries wait on, injectable so tests can skip the waits.
//!
//! Why not `tokio::time::pause()`: the store's SQLite pool runs on its own threads and
//! keeps tokio timers for its acquire timeout; a paused runtime that waits on those
//! threads auto-advances into the timeout. [`VirtualClock`] instead moves only when the
//! crawler waits, and only as far as it waits.

use std::{
    future::Future,
    pin::Pin,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

/// Time as an offset from the clock's own start.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Duration;
    /// Waits until `now()` is at least `at`.
    fn sleep_until(&self, at: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;

    fn sleep(&self, wait: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.sleep_until(self.now() + wait)
    }
}

/// tokio's clock (real time, or paused time in a test that pauses it).
#[derive(Debug)]
pub struct TokioClock {
    start: tokio::time::Instant,
}

impl Default for TokioClock {
    fn default() -> Self {
        Self {
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn sleep_until(&self, at: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep_until(self.start + at))
    }
}

/// A clock that jumps to the end of every wait at once: waiting costs no wall time, and
/// the order and spacing of what waited are kept. For tests.
#[derive(Debug, Default)]
pub struct VirtualClock {
    nanos: AtomicU64,
}

impl VirtualClock {
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }

    fn sleep_until(&self, at: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            // fetch_max: two waiters never move the clock backwards.
            let at = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX);
            self.nanos.fetch_max(at, Ordering::SeqCst);
            // Let the other tasks run, as a real wait would.
            tokio::task::yield_now().await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn virtual_time_moves_only_by_waits_and_never_back() {
        let clock = VirtualClock::default();
        assert_eq!(clock.now(), Duration::ZERO);
        clock.sleep(Duration::from_secs(60)).await;
        assert_eq!(clock.now(), Duration::from_secs(60));
        clock.sleep_until(Duration::from_secs(10)).await;
        assert_eq!(clock.now(), Duration::from_secs(60));
        clock.advance(Duration::from_millis(5));
        assert_eq!(clock.now(), Duration::from_millis(60_005));
    }
}
