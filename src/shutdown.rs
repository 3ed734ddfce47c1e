//! Stopping on a signal: every long-running process (`run`, `serve api|platform|STAGE`,
//! `crawl`) stops on SIGTERM exactly as on SIGINT (Ctrl-C), because Kubernetes, systemd and
//! `docker stop` send SIGTERM. The process then stops taking work, lets what is in flight
//! finish (or be handed back uncommitted, to be redelivered on the next start), and exits 0
//! — within [`DRAIN_TIMEOUT`], after which what is still running is abandoned: it was never
//! committed, so the next start does it again.

use std::{future::Future, time::Duration};

/// How long a stopping process waits for its in-flight work before it exits anyway. Below
/// Kubernetes' default 30 s grace period, so the process exits on its own before SIGKILL.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(25);

/// Which signal asked the process to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGINT: Ctrl-C at a terminal.
    Interrupt,
    /// SIGTERM: a service manager or orchestrator stopping the process.
    Terminate,
}

impl StopSignal {
    /// The signal's conventional name, for the log.
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
        }
    }
}

/// A future that resolves at the first SIGINT or SIGTERM, saying which. The handlers are
/// installed when this is called, not when the future is first polled, so a signal that
/// arrives in between is not lost (nor left to its default action, which kills with 143).
/// Call it before the process announces it is up. If a handler cannot be installed (no
/// signal support), that signal is simply never awaited.
pub fn stop_signal() -> impl Future<Output = StopSignal> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).ok();
        let mut terminate = signal(SignalKind::terminate()).ok();
        async move {
            tokio::select! {
                _ = recv_or_pending(interrupt.as_mut()) => StopSignal::Interrupt,
                _ = recv_or_pending(terminate.as_mut()) => StopSignal::Terminate,
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        StopSignal::Interrupt
    }
}

/// The next delivery of `signal`, or never if its handler could not be installed.
#[cfg(unix)]
async fn recv_or_pending(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// [`stop_signal`] as the `()` future a server's graceful shutdown takes; logs the signal.
/// Installs the handlers at once, like [`stop_signal`].
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    let stop = stop_signal();
    async move {
        let signal = stop.await;
        tracing::info!(
            signal = signal.name(),
            "stopping: finishing the requests in flight"
        );
    }
}

/// Runs `work` (a server or pipeline already told to stop) for at most [`DRAIN_TIMEOUT`];
/// returns `None` when the deadline passed first, after logging it.
pub async fn drain<T>(what: &str, work: impl Future<Output = T>) -> Option<T> {
    match tokio::time::timeout(DRAIN_TIMEOUT, work).await {
        Ok(done) => Some(done),
        Err(_) => {
            tracing::warn!(
                %what,
                timeout_secs = DRAIN_TIMEOUT.as_secs(),
                "work still in flight at the drain deadline; abandoned uncommitted, it is redone on the next start"
            );
            None
        }
    }
}

/// Runs a server future whose graceful shutdown waits on [`shutdown_signal`]: once a stop
/// signal arrived, the server gets [`DRAIN_TIMEOUT`] to finish its open requests.
pub async fn serve_until_stopped<E>(
    serve: impl Future<Output = Result<(), E>>,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> Result<(), E> {
    tokio::pin!(serve);
    let mut stopping = stopping;
    tokio::select! {
        served = &mut serve => return served,
        _ = stopping.wait_for(|stopped| *stopped) => {}
    }
    drain("server", serve).await.unwrap_or(Ok(()))
}

/// A stop signal shared by a server (its graceful-shutdown future) and the drain deadline
/// ([`serve_until_stopped`]): the returned future resolves at SIGINT/SIGTERM and flips the
/// receiver to `true`.
pub fn shared_stop_signal() -> (
    impl Future<Output = ()> + Send + 'static,
    tokio::sync::watch::Receiver<bool>,
) {
    let (tell, stopping) = tokio::sync::watch::channel(false);
    let stop = shutdown_signal();
    let signal = async move {
        stop.await;
        let _ = tell.send(true);
    };
    (signal, stopping)
}
