//! The whole platform desk as one long-running process: the signed notice route, the
//! operators' routes over the case flow, and the ticker that ends windows by the clock — what
//! `takedown serve platform` runs. [`DeskConfig`] → [`Desk::build`] → [`Desk::run`].

use std::{future::Future, sync::Arc, time::Duration};

use axum::Router;
use takedown_webhook::Secret;

use crate::{
    calendar::CalendarFile,
    cases::{CaseError, CaseStore},
    clock::SystemClock,
    engine::{CaseFlow, FlowError, spawn_ticker},
    flow::Regime,
    http::{HandlerState, router_with_operations},
    measures::{
        HttpListingService, HttpSellerNotifier, ListingService, MeasureError, RecordOnly,
        SellerNotifier,
    },
    operator::{OperatorState, OperatorToken},
    repeat::RepeatPolicy,
    tls::{TlsError, serve_tls},
};

/// How often the ticker runs when not configured: deadlines fire within this of their time.
pub const DEFAULT_TICK_EVERY: Duration = Duration::from_secs(30);

/// Why the desk could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The case database.
    #[error(transparent)]
    Cases(#[from] CaseError),
    /// Loading the calendars into the flow.
    #[error(transparent)]
    Flow(#[from] FlowError),
    /// A listing service or seller notifier could not be set up.
    #[error(transparent)]
    Measures(#[from] MeasureError),
    /// Serving over HTTPS.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// Serving.
    #[error("serving the platform desk: {0}")]
    Serve(#[from] std::io::Error),
}

/// What the desk needs; the binary fills it from its flags and environment.
pub struct DeskConfig {
    /// The case database: a SQLite file path (or `sqlite://PATH`), or `postgres://…` — a
    /// database of the desk's own, which several desk replicas may share.
    pub db: String,
    /// The webhook secret notices are signed with.
    pub secret: Secret,
    /// Refuse notices that lack what their regime asks for.
    pub regime_checks: bool,
    /// The regime of a notice that names none (each notice's case otherwise runs under the
    /// regime in its own `regime` field).
    pub default_regime: Regime,
    /// Take notices only under these regimes; empty: every regime.
    pub accepted_regimes: Vec<Regime>,
    /// A shared operators' token, besides the operators' own (`takedown operators add`).
    pub operator_token: Option<OperatorToken>,
    /// Where take-downs and restorations are sent; without one they are recorded only.
    pub listing_service: Option<String>,
    /// Where seller messages are sent; without one they are recorded only.
    pub seller_notifier: Option<String>,
    /// Holiday tables to import into the case database at start (`--calendar FILE`).
    pub calendars: Vec<CalendarFile>,
    /// How often the ticker runs.
    pub tick_every: Duration,
    /// How many upheld cases flag a seller as a repeat infringer.
    pub repeat: RepeatPolicy,
}

/// A running desk's health as the admin routes see it: whether its case database answers,
/// and its Prometheus gauges ([`crate::telemetry`]) sampled per scrape.
#[derive(Clone)]
pub struct DeskProbe {
    flow: CaseFlow,
}

impl DeskProbe {
    /// Ok when the case database answers.
    pub async fn ready(&self) -> Result<(), CaseError> {
        self.flow.store().ping().await
    }

    /// Sets the desk's gauges from the case database, just before a scrape renders them.
    pub async fn sample(&self) -> Result<(), CaseError> {
        crate::telemetry::sample_gauges(&self.flow).await
    }
}

/// A built desk, ready to serve.
pub struct Desk {
    flow: CaseFlow,
    router: Router,
    tick_every: Duration,
}

impl Desk {
    /// Opens the case database, imports the given calendars, and builds the routes.
    pub async fn build(config: DeskConfig) -> Result<Self, DeskError> {
        let mut cases = CaseStore::connect(&config.db)
            .await?
            .with_regime_checks(config.regime_checks)
            .with_default_regime(config.default_regime);
        if !config.accepted_regimes.is_empty() {
            cases = cases.with_accepted_regimes(config.accepted_regimes.clone());
        }
        for file in &config.calendars {
            cases.import_calendar(file).await?;
        }
        let listings: Arc<dyn ListingService> = match &config.listing_service {
            Some(url) => Arc::new(HttpListingService::new(url.clone())?),
            None => Arc::new(RecordOnly),
        };
        let sellers: Arc<dyn SellerNotifier> = match &config.seller_notifier {
            Some(url) => Arc::new(HttpSellerNotifier::new(url.clone())?),
            None => Arc::new(RecordOnly),
        };
        let flow = CaseFlow::new(cases.clone(), Arc::new(SystemClock), listings, sellers);
        flow.reload_calendars().await?;
        for (year, source) in flow.cn_calendar().years() {
            tracing::info!(year, source, "CN holiday table loaded");
        }
        let handler = HandlerState {
            cases,
            secret: config.secret,
            tolerance_secs: 300,
        };
        let router = router_with_operations(
            handler,
            OperatorState {
                flow: flow.clone(),
                token: config.operator_token,
                repeat: config.repeat,
            },
        );
        Ok(Self {
            flow,
            router,
            tick_every: config.tick_every,
        })
    }

    /// What the admin routes (`--admin-listen`) ask of this desk: readiness and its gauges.
    pub fn probe(&self) -> DeskProbe {
        DeskProbe {
            flow: self.flow.clone(),
        }
    }

    /// The desk's routes (for tests that serve them themselves).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Serves on `listener` (over HTTPS with `tls`) and ticks until `shutdown` resolves.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        tls: Option<rustls::ServerConfig>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), DeskError> {
        let (stop_ticker, ticker_stopped) = tokio::sync::oneshot::channel::<()>();
        let ticker = spawn_ticker(self.flow.clone(), self.tick_every, async move {
            let _ = ticker_stopped.await;
        });
        let served = match tls {
            Some(tls) => serve_tls(self.router, listener, tls, shutdown)
                .await
                .map_err(DeskError::from),
            None => axum::serve(listener, self.router)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(DeskError::from),
        };
        let _ = stop_ticker.send(());
        // The ticker ends at its next select; a panic in it is logged by tokio, not fatal here.
        let _ = ticker.await;
        served
    }
}
