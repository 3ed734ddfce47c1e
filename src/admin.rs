//! The admin routes every long-running process serves, as one reusable router:
//! `/healthz` (the process is alive and answering), `/readyz` (its store, bus and blobs answer;
//! the store applies its migrations when it opens, so an open store that answers has them)
//! and `/metrics` (Prometheus text, through the `metrics` facade and
//! `metrics-exporter-prometheus`). `takedown run` and `serve STAGE` serve it on
//! `--admin-listen`; `serve api` and `serve platform` on `--admin-listen` too (the desk adds
//! its own readiness check and gauges as a [`Probe`]).
//!
//! Gauges that describe shared state (consumer lag, outbox depth, dead letters) are sampled
//! when `/metrics` is scraped, so every replica reports the same numbers and no timer runs
//! when nobody scrapes. Counters (crawl fetches, stage restarts) are bumped where the event
//! happens.

use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;

use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use takedown_bus::Topic;

use crate::backends::Backends;

/// Why the admin routes could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Another metrics recorder was installed in this process first.
    #[error("installing the Prometheus metrics recorder: {0}")]
    Recorder(String),
    /// The admin address could not be bound.
    #[error("binding the admin address {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// The process's Prometheus recorder, installed on first use (one per process).
static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder's handle; installs it the first time.
pub fn metrics_handle() -> Result<PrometheusHandle, AdminError> {
    if let Some(handle) = RECORDER.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| AdminError::Recorder(e.to_string()))?;
    Ok(RECORDER.get_or_init(|| handle).clone())
}

/// A process's own readiness check and gauges, beside the backends' (the platform desk's
/// case database, which is no [`Backends`]).
pub trait Probe: Send + Sync {
    /// `Err(why)` while the process cannot serve.
    fn ready(&self) -> BoxFuture<'_, Result<(), String>>;
    /// Sets the process's gauges just before `/metrics` renders.
    fn sample(&self) -> BoxFuture<'_, ()>;
}

/// What the admin routes look at.
#[derive(Clone)]
pub struct AdminState {
    /// Renders `/metrics`.
    metrics: PrometheusHandle,
    /// The backends `/readyz` checks and the gauges sample; `None` for a process without
    /// them (alive and ready as soon as it serves).
    backends: Option<Backends>,
    /// The (consumer group, topic) pairs whose lag `/metrics` reports.
    groups: Arc<Vec<(&'static str, Topic)>>,
    /// Whether `/metrics` reports the notifier's outbox depth and dead letters.
    outbox: bool,
    /// The process's own check and gauges, if it has any.
    probe: Option<Arc<dyn Probe>>,
}

impl AdminState {
    /// Admin state for a process on `backends`, reporting the lag of `groups` and, when
    /// `outbox` is set, the outbox depth and dead letters.
    pub fn new(
        backends: Option<Backends>,
        groups: Vec<(&'static str, Topic)>,
        outbox: bool,
    ) -> Result<Self, AdminError> {
        Ok(Self {
            metrics: metrics_handle()?,
            backends,
            groups: Arc::new(groups),
            outbox,
            probe: None,
        })
    }

    /// Also asks `probe` at `/readyz` and samples its gauges at `/metrics`.
    pub fn with_probe(mut self, probe: Arc<dyn Probe>) -> Self {
        self.probe = Some(probe);
        self
    }
}

/// `/healthz`, `/readyz` and `/metrics` over `state`.
pub fn router(state: AdminState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Binds `addr` and serves [`router`] until `shutdown` resolves.
pub async fn serve(
    addr: &str,
    state: AdminState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<tokio::task::JoinHandle<std::io::Result<()>>, AdminError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| AdminError::Bind {
            addr: addr.to_owned(),
            source,
        })?;
    if let Ok(local) = listener.local_addr() {
        tracing::info!(addr = %local, "admin routes listening (/healthz, /readyz, /metrics)");
    }
    Ok(tokio::spawn(async move {
        axum::serve(listener, router(state))
            .with_graceful_shutdown(shutdown)
            .await
    }))
}

/// A digest no blob has (SHA-256 of nothing is a real digest, so use all zeros): reading it
/// answers "missing" from a reachable blob store and an error from an unreachable one.
const PROBE_DIGEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

async fn readyz(State(state): State<AdminState>) -> impl IntoResponse {
    let mut problems = Vec::new();
    if let Some(probe) = &state.probe
        && let Err(why) = probe.ready().await
    {
        problems.push(why);
    }
    let Some(backends) = &state.backends else {
        return readiness(problems);
    };
    if let Err(e) = backends.store.pending_deliveries().await {
        problems.push(format!("store: {e}"));
    }
    for (group, topic) in state.groups.iter() {
        if let Err(e) = backends.bus.lag(group, *topic).await {
            problems.push(format!("bus ({group} on {topic:?}): {e}"));
            break;
        }
    }
    let blobs = backends.blobs.clone();
    // The blob store's calls block (a file read or one S3 request).
    match tokio::task::spawn_blocking(move || blobs.get(PROBE_DIGEST)).await {
        Ok(Ok(_)) | Ok(Err(takedown_store::BlobError::Missing(_))) => {}
        Ok(Err(e)) => problems.push(format!("blobs: {e}")),
        Err(e) => problems.push(format!("blobs: the check panicked: {e}")),
    }
    readiness(problems)
}

/// 200 "ready", or 503 with every problem found.
fn readiness(problems: Vec<String>) -> (StatusCode, String) {
    if problems.is_empty() {
        (StatusCode::OK, "ready\n".to_owned())
    } else {
        let text = format!("not ready\n{}\n", problems.join("\n"));
        (StatusCode::SERVICE_UNAVAILABLE, text)
    }
}

async fn metrics(State(state): State<AdminState>) -> impl IntoResponse {
    if let Some(probe) = &state.probe {
        probe.sample().await;
    }
    if let Some(backends) = &state.backends {
        sample_gauges(&state, backends).await;
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// Sets the gauges of shared state; a backend that does not answer leaves its gauge as it
/// was (`/readyz` says why).
async fn sample_gauges(state: &AdminState, backends: &Backends) {
    for (group, topic) in state.groups.iter() {
        // One read gives both series: the group's total (the series dashboards already
        // use) and each partition's, where a partition stuck behind a dead member shows.
        if let Ok(lags) = backends.bus.partition_lags(group, *topic).await {
            metrics::gauge!(
                "takedown_consumer_lag",
                "group" => *group,
                "topic" => format!("{topic:?}")
            )
            .set(lags.values().sum::<u64>() as f64);
            for (partition, lag) in lags {
                metrics::gauge!(
                    "takedown_consumer_partition_lag",
                    "group" => *group,
                    "topic" => format!("{topic:?}"),
                    "partition" => partition.to_string()
                )
                .set(lag as f64);
            }
        }
    }
    if state.outbox {
        if let Ok(depth) = backends.store.pending_deliveries().await {
            metrics::gauge!("takedown_outbox_depth").set(depth as f64);
        }
        if let Ok(letters) = backends.store.dead_letters().await {
            let mut by_platform = std::collections::BTreeMap::<String, u64>::new();
            for letter in &letters {
                *by_platform.entry(letter.platform.clone()).or_default() += 1;
            }
            for (platform, count) in by_platform {
                metrics::gauge!("takedown_dead_letters", "platform" => platform).set(count as f64);
            }
        }
    }
}
