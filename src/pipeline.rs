//! Every stage in one process on the embedded defaults (SQLite store, local blobs, the
//! embedded bus), supervised: a stage that fails is restarted from its committed offsets.
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
use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_crawler::Crawler;
use takedown_hasher::Hasher;
use takedown_matcher::Matcher;
use takedown_matching::ImageLimits;
use takedown_notifier::Notifier;
use takedown_store::{BlobStore, Store};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::{config::Config, registry};

/// The (consumer group, topic) pairs whose lag must be zero for the pipeline to be idle.
const GROUPS: [(&str, Topic); 5] = [
    (takedown_hasher::GROUP, Topic::Listings),
    (takedown_matcher::GROUP, Topic::HashedListings),
    (takedown_actioner::GROUP, Topic::Matches),
    (takedown_notifier::GROUP, Topic::Notices),
    (takedown_actioner::CASE_GROUP, Topic::CaseEvents),
];

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

/// Runs every stage of `config` in this process.
pub async fn run(config: &Config, mode: RunMode) -> anyhow::Result<()> {
    let data = DataDir::open(&config.data_dir).await?;
    for file in &config.rights_files {
        registry::import_owner_file(&data.store, &data.blobs, file).await?;
    }
    let bus: Arc<dyn Bus> = Arc::new(data.bus.clone());
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();

    let crawls_running = Arc::new(AtomicUsize::new(config.sources.len()));
    for source in &config.sources {
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
                    let report = crawler.run(&cancel).await?;
                    tracing::info!(source = %id, pages = report.pages, listings = report.listings, images = report.images, not_modified = report.not_modified, bytes = report.bytes, trapped = report.trapped, errors = ?report.errors, "crawl finished");
                    anyhow::Ok(())
                }
            })
            .await;
            running.fetch_sub(1, Ordering::SeqCst);
        });
    }

    let hasher = Arc::new(Hasher {
        bus: bus.clone(),
        blobs: data.blobs.clone(),
        limits: ImageLimits::default(),
    });
    spawn_stage(&mut tasks, "hasher", &cancel, move |c| {
        let hasher = hasher.clone();
        async move { Ok(hasher.run(&c).await?) }
    });
    let matcher = Arc::new(Matcher::new(
        bus.clone(),
        data.store.clone(),
        data.blobs.clone(),
    ));
    spawn_stage(&mut tasks, "matcher", &cancel, move |c| {
        let matcher = matcher.clone();
        async move { Ok(matcher.run(&c).await?) }
    });
    let actioner = Arc::new(Actioner {
        bus: bus.clone(),
        store: data.store.clone(),
        policy: config.policy.clone(),
    });
    let tracker = actioner.clone();
    spawn_stage(&mut tasks, "actioner", &cancel, move |c| {
        let actioner = actioner.clone();
        async move { Ok(actioner.run(&c).await?) }
    });
    spawn_stage(&mut tasks, "case tracker", &cancel, move |c| {
        let tracker = tracker.clone();
        async move { Ok(tracker.track_cases(&c).await?) }
    });
    let notifier = Arc::new(Notifier::new(
        bus.clone(),
        data.store.clone(),
        config.endpoints()?,
    )?);
    let outbox = notifier.clone();
    spawn_stage(&mut tasks, "notifier", &cancel, move |c| {
        let notifier = notifier.clone();
        async move { Ok(notifier.run(&c).await?) }
    });
    spawn_stage(&mut tasks, "notifier outbox", &cancel, move |c| {
        let outbox = outbox.clone();
        async move { Ok(outbox.deliver_loop(&c).await?) }
    });

    match mode {
        RunMode::UntilIdle => wait_until_idle(&data, &crawls_running).await?,
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

async fn is_idle(data: &DataDir, crawls_running: &AtomicUsize) -> anyhow::Result<bool> {
    if crawls_running.load(Ordering::SeqCst) > 0 {
        return Ok(false);
    }
    for (group, topic) in GROUPS {
        if data.bus.lag(group, topic).await? > 0 {
            return Ok(false);
        }
    }
    Ok(data.store.pending_deliveries().await? == 0)
}

async fn wait_until_idle(data: &DataDir, crawls_running: &AtomicUsize) -> anyhow::Result<()> {
    let mut quiet_checks = 0;
    while quiet_checks < 2 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        quiet_checks = if is_idle(data, crawls_running).await? {
            quiet_checks + 1
        } else {
            0
        };
    }
    Ok(())
}
