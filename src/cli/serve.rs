//! `takedown serve COMPONENT`: one pipeline stage, the REST API or the reference platform
//! handler, in this process.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;

use super::DataArgs;
use crate::{
    admin,
    backends::Backends,
    config::Config,
    pipeline::{self, RunMode, Stage},
    shutdown,
};

/// What every `serve STAGE` takes.
#[derive(clap::Args)]
pub struct StageArgs {
    /// The TOML config (the same file `takedown run` reads; `[backends]` names PostgreSQL
    /// and Kafka for a scaled deployment).
    #[arg(long)]
    config: PathBuf,
    /// Exit once the stage has nothing left to do (its topics drained, its crawls done).
    #[arg(long)]
    until_idle: bool,
    /// Serve /healthz, /readyz and Prometheus /metrics on this address (off by default).
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<String>,
}

/// `takedown serve`'s subcommands.
#[derive(clap::Subcommand)]
pub enum ServeCommand {
    /// One pipeline stage: crawls the config's sources.
    Crawler(StageArgs),
    /// One pipeline stage: hashes listings' images.
    Hasher(StageArgs),
    /// One pipeline stage: matches hashed listings against the registered rights.
    Matcher(StageArgs),
    /// One pipeline stage: applies the owner's policy, files notices, tracks cases.
    Actioner(StageArgs),
    /// One pipeline stage: delivers notices and follows platforms' case feeds.
    Notifier(StageArgs),
    /// The multi-tenant REST API (OpenAPI document at /openapi.json). With --config it uses
    /// the store and bus of the config's [backends] table and its notice policy.
    Api(ApiArgs),
    /// The reference platform handler: receives signed notices, opens cases.
    Platform(PlatformArgs),
}

/// `takedown serve api`'s arguments.
#[derive(clap::Args)]
pub struct ApiArgs {
    /// The address and port to serve the API on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Serve /healthz, /readyz and Prometheus /metrics on this address too (off by
    /// default), apart from the API's port so they need no API key and stay internal.
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<String>,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// End a web-console session unused for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    session_idle_secs: u64,
    /// End a web-console session this many seconds after sign-in, however active.
    #[arg(long, value_name = "SECS", default_value_t = 12 * 60 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    session_max_secs: u64,
    #[command(flatten)]
    data: DataArgs,
}

/// `takedown serve platform`'s arguments.
#[derive(clap::Args)]
pub struct PlatformArgs {
    /// The address and port to serve the desk on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
    #[command(flatten)]
    db: super::operators::CaseDatabaseArgs,
    /// Environment variable holding the shared signing secret.
    #[arg(long, default_value = "TAKEDOWN_PLATFORM_SECRET")]
    secret_env: String,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Check only the common fields, not what the regime (CN ECL 42, EU DSA 16, US DMCA
    /// 512(c)(3), fair complaint) asks for.
    #[arg(long)]
    common_checks_only: bool,
    /// Take notices only under this regime (repeatable: cn_ecommerce, eu_dsa, us_dmca,
    /// trade_fair); without it every regime is taken. Each notice's case runs under the
    /// regime the notice names.
    #[arg(long = "regime", value_name = "REGIME", value_parser = parse_regime)]
    regimes: Vec<takedown_model::Regime>,
    /// The regime of a notice that names none.
    #[arg(long, value_name = "REGIME", default_value = "eu_dsa", value_parser = parse_regime)]
    default_regime: takedown_model::Regime,
    /// Environment variable holding the operators' bearer token (16+ characters); when it is
    /// set the desk's case routes (/cases, /case-events, /repeat-infringers, /metrics) are
    /// served.
    #[arg(long, default_value = "TAKEDOWN_OPERATOR_TOKEN")]
    operator_token_env: String,
    /// Where take-downs and restorations are POSTed; without it they are only recorded.
    #[arg(long)]
    listing_service: Option<String>,
    /// Where seller messages are POSTed; without it they are only recorded.
    #[arg(long)]
    seller_notifier: Option<String>,
    /// A holiday table to import at start (repeatable), as `takedown calendar import` does.
    #[arg(long = "calendar", value_name = "FILE")]
    calendars: Vec<PathBuf>,
    /// Serve /healthz, /readyz (the case database answers) and Prometheus /metrics (notices
    /// received and refused, cases by state and regime, time to measures, deadlines missed
    /// and unknown) on this address (off by default), apart from the desk's port.
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<String>,
    /// Seconds between ticks, which end the statutory windows that ran out.
    #[arg(long, default_value_t = takedown_platform::DEFAULT_TICK_EVERY.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    tick_every: u64,
}

/// A regime by its wire name (`cn_ecommerce`, `eu_dsa`, `us_dmca`, `trade_fair`).
fn parse_regime(name: &str) -> Result<takedown_model::Regime, String> {
    takedown_model::Regime::parse(name).ok_or_else(|| {
        let names: Vec<&str> = takedown_model::Regime::ALL
            .iter()
            .map(|r| r.as_str())
            .collect();
        format!("unknown regime {name:?}; one of {}", names.join(", "))
    })
}

/// Serves the chosen component until SIGINT or SIGTERM (a stage also until idle, if asked).
pub async fn run(command: ServeCommand) -> anyhow::Result<ExitCode> {
    match command {
        ServeCommand::Crawler(args) => stage(Stage::Crawler, args).await?,
        ServeCommand::Hasher(args) => stage(Stage::Hasher, args).await?,
        ServeCommand::Matcher(args) => stage(Stage::Matcher, args).await?,
        ServeCommand::Actioner(args) => stage(Stage::Actioner, args).await?,
        ServeCommand::Notifier(args) => stage(Stage::Notifier, args).await?,
        ServeCommand::Api(args) => api(args).await?,
        ServeCommand::Platform(args) => platform(args).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `takedown serve STAGE`: one stage of the pipeline in this process.
async fn stage(stage: Stage, args: StageArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config)?;
    let mode = RunMode::until_idle_if(args.until_idle);
    let admin = args.admin_listen.as_deref();
    pipeline::run_stages_with_admin(&config, &[stage], mode, admin).await
}

/// The API's state: the store, blobs and bus `--config`'s [backends] table names
/// (PostgreSQL and Kafka in deployment) and its notice policy; otherwise the data
/// directory's embedded ones and the default policy. Approved notices go on that bus,
/// where the notifier reads them.
async fn api_state(data: &DataArgs) -> anyhow::Result<(takedown_api::AppState, Backends)> {
    let config = data.config.as_deref().map(Config::load).transpose()?;
    let policy = config.map(|config| config.policy).unwrap_or_default();
    let backends = data.backends().await?;
    let state = takedown_api::AppState::new(backends.store.clone())
        .with_blobs(backends.blobs.clone())
        .with_filer(backends.bus.clone(), policy);
    Ok((state, backends))
}

async fn api(args: ApiArgs) -> anyhow::Result<()> {
    // Before anything is announced: a SIGTERM from then on is a clean stop.
    let (signal, stopping) = shutdown::shared_stop_signal();
    // Read the certificate before binding, so a bad file fails fast and says which.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(takedown_https::server_config(cert, key)?),
        _ => None,
    };
    let (state, backends) = api_state(&args.data).await?;
    let state = state.with_console(takedown_api::console::ConsoleConfig {
        idle_timeout: std::time::Duration::from_secs(args.session_idle_secs),
        lifetime: std::time::Duration::from_secs(args.session_max_secs),
        // serve_tls makes them Secure.
        secure_cookies: false,
    });
    let admin = match &args.admin_listen {
        Some(addr) => {
            let admin_state = admin::AdminState::new(Some(backends), Vec::new(), false)?;
            let mut stopped = stopping.clone();
            let until_stopped = async move {
                let _ = stopped.wait_for(|stopped| *stopped).await;
            };
            Some(admin::serve(addr, admin_state, until_stopped).await?)
        }
        None => None,
    };
    let listen = &args.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let scheme = if tls.is_some() { "HTTPS" } else { "HTTP" };
    tracing::info!(addr = %listener.local_addr()?, scheme, "API listening");
    match tls {
        Some(tls) => {
            let served = takedown_api::serve_tls(state, listener, tls, signal);
            shutdown::serve_until_stopped(served, stopping).await?
        }
        None => {
            shutdown::serve_until_stopped(takedown_api::serve(state, listener, signal), stopping)
                .await?
        }
    }
    if let Some(admin) = admin {
        let _ = shutdown::drain("admin routes", admin).await;
    }
    Ok(())
}

/// The desk's readiness and gauges, as the admin routes ask for them.
struct DeskAdminProbe(takedown_platform::DeskProbe);

impl admin::Probe for DeskAdminProbe {
    fn ready(&self) -> futures::future::BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            self.0
                .ready()
                .await
                .map_err(|e| format!("case database: {e}"))
        })
    }

    fn sample(&self) -> futures::future::BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Err(e) = self.0.sample().await {
                // The gauges keep their last values; /readyz says whether the database answers.
                tracing::warn!(error = %e, "desk gauges not sampled");
            }
        })
    }
}

async fn platform(args: PlatformArgs) -> anyhow::Result<()> {
    // Before anything is announced: a SIGTERM from then on is a clean stop.
    let (stop, stopping) = shutdown::shared_stop_signal();
    let secret_env = &args.secret_env;
    let secret_text = std::env::var(secret_env)
        .with_context(|| format!("environment variable {secret_env} is not set"))?;
    let secret = takedown_webhook::Secret::parse(&secret_text)?;
    let operator_token = match std::env::var(&args.operator_token_env) {
        Ok(token) => Some(
            takedown_platform::OperatorToken::new(&token)
                .with_context(|| format!("environment variable {}", args.operator_token_env))?,
        ),
        Err(_) => None,
    };
    let calendars = args
        .calendars
        .iter()
        .map(|file| super::calendar::read(file))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Read the certificate before binding, so a bad file fails fast and says which.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(takedown_platform::server_config(cert, key)?),
        _ => None,
    };
    let desk = takedown_platform::Desk::build(takedown_platform::DeskConfig {
        db: args.db.address()?,
        secret,
        regime_checks: !args.common_checks_only,
        default_regime: args.default_regime,
        accepted_regimes: args.regimes,
        operator_token,
        listing_service: args.listing_service,
        seller_notifier: args.seller_notifier,
        calendars,
        tick_every: std::time::Duration::from_secs(args.tick_every),
        repeat: takedown_platform::RepeatPolicy::default(),
    })
    .await?;
    let admin = match &args.admin_listen {
        Some(addr) => {
            let probe = std::sync::Arc::new(DeskAdminProbe(desk.probe()));
            let admin_state = admin::AdminState::new(None, Vec::new(), false)?.with_probe(probe);
            // After the recorder is installed (by `AdminState::new`), or the lines are lost.
            takedown_platform::telemetry::describe();
            let mut stopped = stopping.clone();
            let until_stopped = async move {
                let _ = stopped.wait_for(|stopped| *stopped).await;
            };
            Some(admin::serve(addr, admin_state, until_stopped).await?)
        }
        None => None,
    };
    let listen = &args.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "HTTPS" } else { "HTTP" };
    tracing::info!(%addr, scheme, "platform desk listening");
    desk.run(listener, tls, stop).await?;
    if let Some(admin) = admin {
        let _ = shutdown::drain("admin routes", admin).await;
    }
    Ok(())
}
