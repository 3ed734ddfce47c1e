//! The stages of the pipeline, supervised: a stage that fails is restarted from its
//! committed offsets. `takedown run` runs every stage in one process; `takedown serve STAGE`
//! runs one, so a deployment scales a stage by starting more processes of it. Which store
//! and bus they use (embedded defaults, or PostgreSQL and Kafka) is the config's
//! `[backends]` table ([`crate::backends`]); the stage code is the same either way.
//! The notifier delivers through each platform's configured adapter and safeguards, and a
//! poller per platform with a case feed brings the platform's case events back.
//!
//! `until_idle` stops the run once every crawl has finished, every consumer group has
//! committed everything on its topic and the notifier's outbox is empty — checked twice in
//! a row, so a message in flight between two stages cannot be mistaken for quiet.

use std::{
    future::Future,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use anyhow::Context;
use takedown_actioner::Actioner;
use takedown_bus::{EmbeddedBus, Topic};
use takedown_crawler::Crawler;
use takedown_hasher::Hasher;
use takedown_matcher::Matcher;
use takedown_matching::ImageLimits;
use takedown_notifier::{Notifier, feed::CaseFeedPoller};
use takedown_store::{BlobStore, Store};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::{backends::Backends, config::Config, registry};

/// One stage of the pipeline, as `takedown serve STAGE` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Crawls the config's sources (each source's crawl, then its recrawls).
    Crawler,
    /// Hashes listings' images.
    Hasher,
    /// Matches hashed listings against the registered rights.
    Matcher,
    /// Applies the owner's policy, files notices, tracks cases.
    Actioner,
    /// Delivers notices (outbox, adapters, safeguards) and polls platforms' case feeds.
    Notifier,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Crawler,
        Stage::Hasher,
        Stage::Matcher,
        Stage::Actioner,
        Stage::Notifier,
    ];

    /// The (consumer group, topic) pairs this stage consumes: their lag must be zero for
    /// the stage to be idle.
    fn groups(self) -> &'static [(&'static str, Topic)] {
        match self {
            Stage::Crawler => &[],
            Stage::Hasher => &[(takedown_hasher::GROUP, Topic::Listings)],
            Stage::Matcher => &[(takedown_matcher::GROUP, Topic::HashedListings)],
            Stage::Actioner => &[
                (takedown_actioner::GROUP, Topic::Matches),
                (takedown_actioner::CASE_GROUP, Topic::CaseEvents),
            ],
            Stage::Notifier => &[(takedown_notifier::GROUP, Topic::Notices)],
        }
    }
}

/// How long a failed stage waits before it is started again.
const RESTART_DELAY: Duration = Duration::from_millis(500);

/// The files of a data directory.
#[derive(Clone)]
pub struct DataDir {
    pub store: Store,
    pub blobs: BlobStore,
    pub bus: EmbeddedBus,
}

impl DataDir {
    pub async fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating data dir {}", dir.display()))?;
        Ok(Self {
            store: Store::open(&dir.join("takedown.db"))
                .await
                .context("opening the store")?,
            blobs: BlobStore::open(&dir.join("blobs")).context("opening the blob store")?,
            bus: EmbeddedBus::open(&dir.join("bus.db"))
                .await
                .context("opening the bus")?,
        })
    }

    pub fn default_path() -> PathBuf {
        PathBuf::from("takedown-data")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// Exit when everything is crawled and every topic is drained.
    UntilIdle,
    /// Run until Ctrl-C.
    Forever,
}

impl RunMode {
    /// `UntilIdle` when `--until-idle` was given, else `Forever`.
    pub fn until_idle_if(until_idle: bool) -> Self {
        if until_idle {
            RunMode::UntilIdle
        } else {
            RunMode::Forever
        }
    }
}

/// Runs every stage of `config` in this process.
pub async fn run(config: &Config, mode: RunMode) -> anyhow::Result<()> {
    run_stages(config, &Stage::ALL, mode).await
}

/// Runs `stages` of `config` in this process, on the backends the config names.
pub async fn run_stages(config: &Config, stages: &[Stage], mode: RunMode) -> anyhow::Result<()> {
    let data = Backends::open(&config.backends, &config.data_dir).await?;
    // Registering is idempotent, so every process may do it; the matcher needs the rights.
    for file in &config.rights_files {
        registry::import_owner_file(&data.store, &data.blobs, file).await?;
    }
    let bus = data.bus.clone();
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let runs = |stage: Stage| stages.contains(&stage);

    let sources: &[_] = if runs(Stage::Crawler) {
        &config.sources
    } else {
        &[]
    };
    let crawls_running = Arc::new(AtomicUsize::new(sources.len()));
    for source in sources {
        let crawler = Arc::new(Crawler::new(
            source.clone(),
            data.store.clone(),
            data.blobs.clone(),
            bus.clone(),
        )?);
        let (cancel, running, id) = (cancel.clone(), crawls_running.clone(), source.id.clone());
        tasks.spawn(async move {
            supervise(&format!("crawler {id}"), &cancel, || {
                let crawler = crawler.clone();
                let cancel = cancel.clone();
                let id = id.clone();
                async move {
                    let log = |report: &takedown_crawler::CrawlReport| tracing::info!(source = %id, pages = report.pages, failed = report.failed, listings = report.listings, images = report.images, not_modified = report.not_modified, bytes = report.bytes, trapped = report.trapped, errors = ?report.errors, "crawl finished");
                    match mode {
                        RunMode::UntilIdle => log(&crawler.run(&cancel).await?),
                        // A long run crawls again whenever a source's recrawl interval passes.
                        RunMode::Forever => crawler.run_until_cancelled(&cancel, log).await?,
                    }
                    anyhow::Ok(())
                }
            })
            .await;
            running.fetch_sub(1, Ordering::SeqCst);
        });
    }

    if runs(Stage::Hasher) {
        spawn_hasher(&mut tasks, &cancel, &data);
    }
    if runs(Stage::Matcher) {
        spawn_matcher(&mut tasks, &cancel, &data);
    }
    if runs(Stage::Actioner) {
        spawn_actioner(&mut tasks, &cancel, &data, config);
    }
    if runs(Stage::Notifier) {
        spawn_notifier(&mut tasks, &cancel, &data, config)?;
    }

    match mode {
        RunMode::UntilIdle => wait_until_idle(&data, stages, &crawls_running).await?,
        RunMode::Forever => {
            tokio::signal::ctrl_c()
                .await
                .context("waiting for Ctrl-C")?;
            tracing::info!("stopping");
        }
    }
    cancel.cancel();
    while tasks.join_next().await.is_some() {}
    Ok(())
}

fn spawn_hasher(tasks: &mut JoinSet<()>, cancel: &CancellationToken, data: &Backends) {
    let hasher = Arc::new(Hasher {
        bus: data.bus.clone(),
        blobs: data.blobs.clone(),
        limits: ImageLimits::default(),
    });
    spawn_stage(tasks, "hasher", cancel, move |c| {
        let hasher = hasher.clone();
        async move { Ok(hasher.run(&c).await?) }
    });
}

fn spawn_matcher(tasks: &mut JoinSet<()>, cancel: &CancellationToken, data: &Backends) {
    let matcher = Arc::new(Matcher::new(
        data.bus.clone(),
        data.store.clone(),
        data.blobs.clone(),
    ));
    spawn_stage(tasks, "matcher", cancel, move |c| {
        let matcher = matcher.clone();
        async move { Ok(matcher.run(&c).await?) }
    });
}

fn spawn_actioner(
    tasks: &mut JoinSet<()>,
    cancel: &CancellationToken,
    data: &Backends,
    config: &Config,
) {
    let bus = data.bus.clone();
    let actioner = Arc::new(Actioner {
        bus: bus.clone(),
        store: data.store.clone(),
        policy: config.policy.clone(),
    });
    let tracker = actioner.clone();
    spawn_stage(tasks, "actioner", cancel, move |c| {
        let actioner = actioner.clone();
        async move { Ok(actioner.run(&c).await?) }
    });
    spawn_stage(tasks, "case tracker", cancel, move |c| {
        let tracker = tracker.clone();
        async move { Ok(tracker.track_cases(&c).await?) }
    });
}

fn spawn_notifier(
    tasks: &mut JoinSet<()>,
    cancel: &CancellationToken,
    data: &Backends,
    config: &Config,
) -> anyhow::Result<()> {
    let bus = data.bus.clone();
    let notifier = Arc::new(Notifier::with_routes(
        bus.clone(),
        data.store.clone(),
        config.routes()?,
    ));
    let outbox = notifier.clone();
    spawn_stage(tasks, "notifier", cancel, move |c| {
        let notifier = notifier.clone();
        async move { Ok(notifier.run(&c).await?) }
    });
    spawn_stage(tasks, "notifier outbox", cancel, move |c| {
        let outbox = outbox.clone();
        async move { Ok(outbox.deliver_loop(&c).await?) }
    });

    for feed in config.case_feeds()? {
        let platform = feed.endpoint.platform.clone();
        let poller = Arc::new(CaseFeedPoller::new(
            bus.clone(),
            data.store.clone(),
            feed.client,
            vec![feed.endpoint],
        ));
        let (cancel, interval) = (cancel.clone(), feed.interval);
        tasks.spawn(async move {
            // The poller logs a failed round and tries again; it ends only when cancelled.
            poller.run(interval, &cancel).await;
            tracing::debug!(%platform, "case feed poller stopped");
        });
    }
    Ok(())
}

fn spawn_stage<F, Fut>(
    tasks: &mut JoinSet<()>,
    name: &'static str,
    cancel: &CancellationToken,
    make: F,
) where
    F: Fn(CancellationToken) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let cancel = cancel.clone();
    tasks.spawn(async move {
        let inner = cancel.clone();
        supervise(name, &cancel, move || make(inner.clone())).await;
    });
}

/// Runs a stage until it ends cleanly or `cancel` fires; restarts it after a failure.
async fn supervise<F, Fut>(name: &str, cancel: &CancellationToken, mut start: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    loop {
        match start().await {
            Ok(()) => return,
            Err(e) if cancel.is_cancelled() => {
                tracing::debug!(stage = name, error = %format!("{e:#}"), "stage ended during shutdown");
                return;
            }
            Err(e) => {
                tracing::error!(stage = name, error = %format!("{e:#}"), "stage failed; restarting");
                tokio::select! {
                    () = tokio::time::sleep(RESTART_DELAY) => {}
                    () = cancel.cancelled() => return,
                }
            }
        }
    }
}

async fn is_idle(
    data: &Backends,
    stages: &[Stage],
    crawls_running: &AtomicUsize,
) -> anyhow::Result<bool> {
    if crawls_running.load(Ordering::SeqCst) > 0 {
        return Ok(false);
    }
    for stage in stages {
        for (group, topic) in stage.groups() {
            if data.bus.lag(group, *topic).await? > 0 {
                return Ok(false);
            }
        }
    }
    if stages.contains(&Stage::Notifier) && data.store.pending_deliveries().await? > 0 {
        return Ok(false);
    }
    Ok(true)
}

async fn wait_until_idle(
    data: &Backends,
    stages: &[Stage],
    crawls_running: &AtomicUsize,
) -> anyhow::Result<()> {
    let mut quiet_checks = 0;
    while quiet_checks < 2 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        quiet_checks = if is_idle(data, stages, crawls_running).await? {
            quiet_checks + 1
        } else {
            0
        };
    }
    Ok(())
}
