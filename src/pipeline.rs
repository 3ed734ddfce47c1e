//! The stages of the pipeline, supervised: a stage that fails is restarted from its
//! committed offsets. `takedown run` runs every stage in one process; `takedown serve STAGE`
//! runs one, so a deployment scales a stage by starting more processes of it. Which store
//! and bus they use (embedded defaults, or PostgreSQL and Kafka) is the config's
//! `[backends]` table ([`crate::backends`]); the stage code is the same either way.
//! The notifier delivers through each platform's configured adapter and safeguards, and a
//! poller per platform with a case feed brings the platform's case events back.
//!
//! Every stage has one shape: its configuration type in its own crate (`SourceConfig`,
//! `HasherConfig`, `MatcherConfig`, `ActionerConfig`, `NotifierConfig`), whose `build`
//! takes the backends it needs and returns the stage, whose `run(cancel)` loops are
//! supervised here. [`STAGES`] lists them once, for `takedown run` and `serve STAGE` alike.
//!
//! `until_idle` stops the run once every crawl has finished, every consumer group has
//! committed everything on its topic and the notifier's outbox is empty — checked twice in
//! a row, so a message in flight between two stages cannot be mistaken for quiet.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use takedown_bus::Topic;
use takedown_crawler::{Crawler, events::Event as CrawlerEvent};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::{
    admin,
    backends::Backends,
    config::Config,
    registry,
    shutdown::{self, StopSignal},
};

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
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 5] = [
        Stage::Crawler,
        Stage::Hasher,
        Stage::Matcher,
        Stage::Actioner,
        Stage::Notifier,
    ];

    /// This stage's row of [`STAGES`].
    pub fn entry(self) -> &'static StageEntry {
        // The table lists the stages in declaration order (a test checks it).
        &STAGES[self as usize]
    }
}

/// What a stage's start function is given: the config it builds from, the backends it
/// runs on, and the run's cancellation and mode.
struct StageContext<'a> {
    config: &'a Config,
    backends: &'a Backends,
    cancel: &'a CancellationToken,
    mode: RunMode,
    /// Crawls not yet finished: the crawler counts its sources down; idle needs zero.
    crawls_running: &'a Arc<AtomicUsize>,
}

/// The signature every stage's start function has: build from the config, spawn the
/// stage's supervised loops into the set.
type StartFn = fn(&StageContext<'_>, &mut JoinSet<()>) -> anyhow::Result<()>;

/// One row of the stage table.
pub struct StageEntry {
    /// The stage.
    pub stage: Stage,
    /// The (consumer group, topic) pairs it consumes: their lag must be zero for the stage
    /// to be idle.
    pub groups: &'static [(&'static str, Topic)],
    /// Builds the stage (`XConfig` → `build`) and spawns its `run` loops, supervised.
    start: StartFn,
}

/// Every stage of the pipeline, in order: what `takedown run` starts, and where
/// `takedown serve STAGE` finds its stage.
pub const STAGES: &[StageEntry] = &[
    StageEntry {
        stage: Stage::Crawler,
        groups: &[],
        start: start_crawlers,
    },
    StageEntry {
        stage: Stage::Hasher,
        groups: &[(takedown_hasher::GROUP, Topic::Listings)],
        start: start_hasher,
    },
    StageEntry {
        stage: Stage::Matcher,
        groups: &[(takedown_matcher::GROUP, Topic::HashedListings)],
        start: start_matcher,
    },
    StageEntry {
        stage: Stage::Actioner,
        groups: &[
            (takedown_actioner::GROUP, Topic::Matches),
            (takedown_actioner::CASE_GROUP, Topic::CaseEvents),
        ],
        start: start_actioner,
    },
    StageEntry {
        stage: Stage::Notifier,
        groups: &[(takedown_notifier::GROUP, Topic::Notices)],
        start: start_notifier,
    },
];

/// How long a failed stage waits before it is started again.
const RESTART_DELAY: Duration = Duration::from_millis(500);

/// When a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// Exit when everything is crawled and every topic is drained.
    UntilIdle,
    /// Run until SIGINT (Ctrl-C) or SIGTERM.
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
    run_stages_with_admin(config, stages, mode, None).await
}

/// As [`run_stages`], serving the admin routes ([`crate::admin`]: health, readiness,
/// Prometheus metrics) on `admin_listen` when given.
pub async fn run_stages_with_admin(
    config: &Config,
    stages: &[Stage],
    mode: RunMode,
    admin_listen: Option<&str>,
) -> anyhow::Result<()> {
    // Installed first, so a SIGTERM during start-up is a clean stop too.
    let stop = shutdown::stop_signal();
    let data = Backends::open(&config.backends, &config.data_dir).await?;
    let admin_stop = CancellationToken::new();
    let admin = match admin_listen {
        Some(addr) => {
            let groups = STAGES
                .iter()
                .filter(|entry| stages.contains(&entry.stage))
                .flat_map(|entry| entry.groups.iter().copied())
                .collect();
            let state = admin::AdminState::new(
                Some(data.clone()),
                groups,
                stages.contains(&Stage::Notifier),
            )?;
            let stopped = admin_stop.clone();
            Some(admin::serve(addr, state, async move { stopped.cancelled().await }).await?)
        }
        None => None,
    };
    // Registering is idempotent, so every process may do it; the matcher needs the rights.
    for file in &config.rights_files {
        registry::import_owner_file(&data.store, &data.blobs, file).await?;
    }
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let crawls = if stages.contains(&Stage::Crawler) {
        config.sources.len()
    } else {
        0
    };
    let crawls_running = Arc::new(AtomicUsize::new(crawls));
    let context = StageContext {
        config,
        backends: &data,
        cancel: &cancel,
        mode,
        crawls_running: &crawls_running,
    };
    for entry in STAGES.iter().filter(|entry| stages.contains(&entry.stage)) {
        (entry.start)(&context, &mut tasks)?;
    }
    // The notifier's processes sign the evidence log's checkpoints: notices leave there, and
    // one signer per deployment is the usual shape (concurrent signers of one tree with one
    // key write the same note: Ed25519 is deterministic).
    let checkpoints = if stages.contains(&Stage::Notifier) {
        Checkpointer::start(config, &data)
    } else {
        None
    };
    if let Some(checkpointer) = &checkpoints {
        let (checkpointer, cancel) = (checkpointer.clone(), cancel.clone());
        tasks.spawn(async move { checkpointer.every_interval(&cancel).await });
    }

    // SIGTERM stops a run exactly as Ctrl-C does, in either mode: the stages are cancelled,
    // finish or hand back (uncommitted) what they hold, and the process exits 0.
    match mode {
        RunMode::UntilIdle => tokio::select! {
            idle = wait_until_idle(&data, stages, &crawls_running) => idle?,
            signal = stop => Event::Stopping { signal }.emit(),
        },
        RunMode::Forever => {
            let signal = stop.await;
            Event::Stopping { signal }.emit();
        }
    }
    cancel.cancel();
    let joined = shutdown::drain("pipeline stages", async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if joined.is_none() {
        // Dropping the set aborts what is left; none of it was committed.
        tasks.abort_all();
    }
    // What the run added to the log is signed before it ends.
    if let Some(checkpointer) = &checkpoints {
        checkpointer.sign().await;
    }
    // The admin routes answer until the stages are down, so probes see the drain.
    admin_stop.cancel();
    if let Some(admin) = admin {
        let _ = shutdown::drain("admin routes", admin).await;
    }
    Ok(())
}

/// One crawler per source: its crawl, then (running forever) its recrawls.
fn start_crawlers(cx: &StageContext<'_>, tasks: &mut JoinSet<()>) -> anyhow::Result<()> {
    let data = cx.backends;
    for source in &cx.config.sources {
        let crawler =
            Arc::new(source.build(data.store.clone(), data.blobs.clone(), data.bus.clone())?);
        let (cancel, running) = (cx.cancel.clone(), cx.crawls_running.clone());
        let (id, mode) = (source.id.clone(), cx.mode);
        tasks.spawn(async move {
            supervise(&format!("crawler {id}"), &cancel, || {
                crawl_once_or_forever(crawler.clone(), cancel.clone(), id.clone(), mode)
            })
            .await;
            running.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(())
}

async fn crawl_once_or_forever(
    crawler: Arc<Crawler>,
    cancel: CancellationToken,
    id: String,
    mode: RunMode,
) -> anyhow::Result<()> {
    let log = |report: &takedown_crawler::CrawlReport| {
        CrawlerEvent::CrawlFinished {
            source: &id,
            report,
        }
        .emit();
        count_crawl(&id, report);
    };
    match mode {
        RunMode::UntilIdle => log(&crawler.run(&cancel).await?),
        // A long run crawls again whenever a source's recrawl interval passes.
        RunMode::Forever => crawler.run_until_cancelled(&cancel, log).await?,
    }
    Ok(())
}

/// Crawl fetches by outcome, and failures by kind, as Prometheus counters.
fn count_crawl(source: &str, report: &takedown_crawler::CrawlReport) {
    for (outcome, count) in [
        ("fetched", report.pages),
        ("not_modified", report.not_modified),
        ("failed", report.failed),
    ] {
        metrics::counter!("takedown_crawl_fetches_total", "source" => source.to_owned(), "outcome" => outcome)
            .increment(count);
    }
    for (kind, count) in &report.errors {
        metrics::counter!("takedown_crawl_errors_total", "source" => source.to_owned(), "kind" => kind.clone())
            .increment(*count);
    }
    metrics::counter!("takedown_crawl_listings_total", "source" => source.to_owned())
        .increment(report.listings);
}

fn start_hasher(cx: &StageContext<'_>, tasks: &mut JoinSet<()>) -> anyhow::Result<()> {
    let data = cx.backends;
    let hasher = cx
        .config
        .hasher()
        .build(data.bus.clone(), data.blobs.clone());
    spawn_supervised(
        tasks,
        "hasher",
        cx.cancel,
        Arc::new(hasher),
        |hasher, c| async move { Ok(hasher.run(&c).await?) },
    );
    Ok(())
}

fn start_matcher(cx: &StageContext<'_>, tasks: &mut JoinSet<()>) -> anyhow::Result<()> {
    let data = cx.backends;
    let matcher =
        cx.config
            .matcher()
            .build(data.bus.clone(), data.store.clone(), data.blobs.clone());
    spawn_supervised(
        tasks,
        "matcher",
        cx.cancel,
        Arc::new(matcher),
        |matcher, c| async move { Ok(matcher.run(&c).await?) },
    );
    Ok(())
}

/// The actioner's two loops: matches into notices, case events into notice status.
fn start_actioner(cx: &StageContext<'_>, tasks: &mut JoinSet<()>) -> anyhow::Result<()> {
    let data = cx.backends;
    let actioner = Arc::new(
        cx.config
            .actioner()
            .build(data.bus.clone(), data.store.clone()),
    );
    spawn_supervised(
        tasks,
        "actioner",
        cx.cancel,
        actioner.clone(),
        |actioner, c| async move { Ok(actioner.run(&c).await?) },
    );
    spawn_supervised(
        tasks,
        "case tracker",
        cx.cancel,
        actioner,
        |tracker, c| async move { Ok(tracker.track_cases(&c).await?) },
    );
    Ok(())
}

/// The notifier's two loops (topic into outbox, outbox to platforms) and a poller per
/// platform with a case feed.
fn start_notifier(cx: &StageContext<'_>, tasks: &mut JoinSet<()>) -> anyhow::Result<()> {
    let data = cx.backends;
    let stage = cx
        .config
        .notifier()
        .build(data.bus.clone(), data.store.clone())?;
    let notifier = stage.notifier;
    spawn_supervised(
        tasks,
        "notifier",
        cx.cancel,
        notifier.clone(),
        |notifier, c| async move { Ok(notifier.run(&c).await?) },
    );
    spawn_supervised(
        tasks,
        "notifier outbox",
        cx.cancel,
        notifier,
        |outbox, c| async move { Ok(outbox.deliver_loop(&c).await?) },
    );
    for (platform, poller, interval) in stage.feeds {
        let cancel = cx.cancel.clone();
        tasks.spawn(async move {
            // The poller logs a failed round and tries again; it ends only when cancelled.
            poller.run(interval, &cancel).await;
            Event::FeedPollerStopped {
                platform: &platform,
            }
            .emit();
        });
    }
    Ok(())
}

/// Spawns `run(stage, cancel)` supervised: restarted after a failure until cancelled.
fn spawn_supervised<S, F, Fut>(
    tasks: &mut JoinSet<()>,
    name: &'static str,
    cancel: &CancellationToken,
    stage: Arc<S>,
    run: F,
) where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, CancellationToken) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    spawn_stage(tasks, name, cancel, move |c| run(stage.clone(), c));
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
                Event::EndedDuringShutdown {
                    stage: name,
                    error: &e,
                }
                .emit();
                return;
            }
            Err(e) => {
                Event::Restarting {
                    stage: name,
                    error: &e,
                }
                .emit();
                tokio::select! {
                    () = tokio::time::sleep(RESTART_DELAY) => {}
                    () = cancel.cancelled() => return,
                }
            }
        }
    }
}

/// Signs checkpoints of the evidence log on the run's clock (`[evidence]`), with the key
/// `takedown evidence log-key` shows.
#[derive(Clone)]
struct Checkpointer {
    store: takedown_store::Store,
    key: Arc<takedown_tlog::LogKey>,
    every: Duration,
    /// The Time Stamping Authority that stamps each new checkpoint (`[evidence] tsa_url`).
    tsa: Option<Arc<crate::evidence_log::Tsa>>,
}

impl Checkpointer {
    /// None when checkpoints are off, or the key cannot be had (said once: the run goes on,
    /// the log still records, `takedown evidence checkpoint` can sign later).
    fn start(config: &Config, data: &Backends) -> Option<Self> {
        let every = config.evidence.checkpoint_every_secs;
        if every == 0 {
            return None;
        }
        // On a shared store every signer must hold the same key: a key made in one process's
        // own data directory would be a second log's, whose checkpoints the others refuse.
        let shared_store = !matches!(config.backends.store_url(), Ok(None));
        let key_given = std::env::var_os(crate::evidence_log::LOG_KEY_ENV)
            .is_some_and(|value| !value.is_empty());
        if shared_store && !key_given {
            let error = anyhow::anyhow!(
                "the store is shared: set {} to the deployment's log key to sign checkpoints here",
                crate::evidence_log::LOG_KEY_ENV
            );
            Event::CheckpointFailed { error: &error }.emit();
            return None;
        }
        // A TSA that cannot be set up is said once; checkpoints are still signed.
        let tsa = match crate::evidence_log::Tsa::configured(Some(&config.evidence), None, None) {
            Ok(tsa) => tsa.map(Arc::new),
            Err(error) => {
                Event::TimestampFailed { error: &error }.emit();
                None
            }
        };
        match crate::evidence_log::log_key(&config.data_dir) {
            Ok(key) => Some(Self {
                store: data.store.clone(),
                key: Arc::new(key),
                every: Duration::from_secs(every),
                tsa,
            }),
            Err(error) => {
                Event::CheckpointFailed { error: &error }.emit();
                None
            }
        }
    }

    /// Signs a checkpoint every interval until cancelled.
    async fn every_interval(&self, cancel: &CancellationToken) {
        let mut ticks = tokio::time::interval(self.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await; // the first tick is immediate: nothing to sign yet
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = ticks.tick() => self.sign().await,
            }
        }
    }

    /// Integrates what is queued and signs the tree if it grew; a failure (a rewritten log
    /// refused, the store away) is reported, never fatal to the run.
    async fn sign(&self) {
        let signed = match crate::evidence_log::checkpoint_now(&self.store, &self.key).await {
            Ok(signed) => signed,
            Err(error) => return Event::CheckpointFailed { error: &error }.emit(),
        };
        Event::Checkpointed {
            size: signed.size,
            root: &signed.root,
        }
        .emit();
        // An unreachable or refusing TSA leaves this checkpoint without third-party time;
        // the next one is stamped afresh.
        if let Some(tsa) = &self.tsa {
            match crate::evidence_log::timestamp_checkpoint(&self.store, tsa, &signed).await {
                Ok(stamp) => Event::Timestamped {
                    size: signed.size,
                    gen_time: &stamp.gen_time,
                    tsa: &stamp.tsa_url,
                }
                .emit(),
                Err(failure) => Event::TimestampFailed {
                    error: &anyhow::Error::from(failure),
                }
                .emit(),
            }
        }
    }
}

/// The supervisor's observable events, each with its level, message and fields named once
/// (a stage's own events are in its crate's `events` module).
enum Event<'a> {
    /// SIGINT or SIGTERM: the run stops its stages.
    Stopping { signal: StopSignal },
    /// A stage failed; it is started again after [`RESTART_DELAY`].
    Restarting {
        stage: &'a str,
        error: &'a anyhow::Error,
    },
    /// A stage ended with an error while the run was stopping (expected: its I/O was cut).
    EndedDuringShutdown {
        stage: &'a str,
        error: &'a anyhow::Error,
    },
    /// A platform's case-feed poller ended (the run is stopping).
    FeedPollerStopped { platform: &'a str },
    /// The evidence log's checkpoint of `size` leaves is signed (new or unchanged).
    Checkpointed { size: u64, root: &'a str },
    /// A checkpoint could not be signed.
    CheckpointFailed { error: &'a anyhow::Error },
    /// A checkpoint got a verified RFC 3161 timestamp.
    Timestamped {
        size: u64,
        gen_time: &'a str,
        tsa: &'a str,
    },
    /// A checkpoint got no timestamp (TSA unreachable, refusing, or its token refused).
    TimestampFailed { error: &'a anyhow::Error },
}

impl Event<'_> {
    fn emit(&self) {
        match self {
            Event::Stopping { signal } => {
                tracing::info!(signal = signal.name(), "stopping the stages")
            }
            Event::Restarting { stage, error } => {
                metrics::counter!("takedown_stage_restarts_total", "stage" => stage.to_string())
                    .increment(1);
                // `{:#}`: the error with its whole chain of causes on one line.
                let error = format!("{error:#}");
                tracing::error!(%stage, %error, "stage failed; restarting");
            }
            Event::EndedDuringShutdown { stage, error } => {
                let error = format!("{error:#}");
                tracing::debug!(%stage, %error, "stage ended during shutdown");
            }
            Event::FeedPollerStopped { platform } => {
                tracing::debug!(%platform, "case feed poller stopped");
            }
            Event::Checkpointed { size, root } => {
                metrics::gauge!("takedown_evidence_log_signed_size").set(*size as f64);
                tracing::info!(size, %root, "evidence log checkpoint signed");
            }
            Event::CheckpointFailed { error } => {
                metrics::counter!("takedown_evidence_checkpoint_failures_total").increment(1);
                let error = format!("{error:#}");
                tracing::error!(%error, "evidence log checkpoint not signed");
            }
            Event::Timestamped {
                size,
                gen_time,
                tsa,
            } => {
                metrics::gauge!("takedown_evidence_log_timestamped_size").set(*size as f64);
                tracing::info!(size, %gen_time, %tsa, "evidence log checkpoint timestamped");
            }
            Event::TimestampFailed { error } => {
                metrics::counter!("takedown_evidence_timestamp_failures_total").increment(1);
                let error = format!("{error:#}");
                tracing::error!(%error, "evidence log checkpoint not timestamped");
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
        for (group, topic) in stage.entry().groups {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_has_one_row_in_the_table() {
        for stage in Stage::ALL {
            assert_eq!(stage.entry().stage, stage, "STAGES is in declaration order");
        }
        assert_eq!(STAGES.len(), Stage::ALL.len(), "one row per stage");
    }
}
