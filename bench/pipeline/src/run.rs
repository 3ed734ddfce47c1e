//! One measured run: a fresh handler, data directory (and, on Kafka, a fresh broker and
//! database), the stages as processes, a bounded wait for every expected notice to be
//! accepted and the pipeline to drain, then the numbers from the timestamps the system
//! records: each listing's `captured_at` (the store) and each case's `received_at` (the
//! handler, when it accepted the notice).

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;
use takedown_bus::{Bus, EmbeddedBus, Topic};
use takedown_bus_kafka::{KafkaBus, KafkaConfig};
use takedown_platform::{CaseRow, CaseStore, HandlerState};
use takedown_store::Store;
use takedown_webhook::Secret;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::market::Market;
use crate::services::{self, Broker};
use crate::stages::{self, ConfigSpec, StageProcess};
use crate::stats::percentile;

/// The stages' consumer groups and their topics (the stage crates' `GROUP` constants,
/// spelled out so the bench does not link the stage crates): all at zero lag = drained.
const GROUPS: [(&str, Topic); 5] = [
    ("hasher", Topic::Listings),
    ("matcher", Topic::HashedListings),
    ("actioner", Topic::Matches),
    ("case-tracker", Topic::CaseEvents),
    ("notifier", Topic::Notices),
];
/// How often the bench looks at the handler and the lags; bounds the error of the
/// "drained" time when a clean listing, not a notice, is the last thing processed.
const POLL: Duration = Duration::from_millis(100);
/// A run that has been drained this long without every expected notice stops as failed.
const STALL: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Embedded,
    Kafka,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Embedded => "embedded",
            Backend::Kafka => "kafka",
        }
    }
}

/// What every run shares.
pub struct Env {
    pub takedown: PathBuf,
    pub tansu: PathBuf,
    /// A PostgreSQL server URL (`postgres://…/DB`) to make per-run databases on.
    pub postgres: Option<String>,
    pub site: String,
    pub owner_file: PathBuf,
    pub market: Arc<Market>,
    pub out: PathBuf,
    pub timeout: Duration,
    pub crawl_concurrency: usize,
    pub host_delay_ms: u64,
    pub keep: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub backend: Backend,
    pub hashers: usize,
    pub run: usize,
    pub listings: usize,
    pub listings_in_store: usize,
    pub expected_notices: usize,
    pub accepted: usize,
    pub missing: Vec<String>,
    pub unexpected: Vec<String>,
    pub delivered_twice: usize,
    /// Stage processes spawned → drained and every notice accepted (start-up included).
    pub wall_secs: f64,
    /// First listing fetched → the later of last notice accepted and drained.
    pub pipeline_secs: f64,
    pub listings_per_sec: f64,
    /// First listing fetched → last notice accepted.
    pub to_last_notice_secs: f64,
    /// First listing fetched → last listing fetched: how long the crawl itself took.
    pub crawl_secs: f64,
    /// Which of the two ended `pipeline_secs`: `notice` or `drained` (±100 ms poll).
    pub ended_by: &'static str,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
    /// CPU seconds (user + system) per stage, summed over its processes; `bench` is this
    /// process (site + handler), `broker` the tansu process.
    pub cpu_secs: BTreeMap<String, f64>,
    pub ok: bool,
    pub error: Option<String>,
}

/// What the bench reads while a run goes on.
struct Observer {
    store: Store,
    bus: Arc<dyn Bus>,
}

impl Observer {
    /// Opens the run's store and bus: PostgreSQL and Kafka when given, else the embedded
    /// ones in `data_dir`.
    async fn open(
        store_url: Option<&str>,
        broker: Option<&Broker>,
        data_dir: &Path,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            store: match store_url {
                Some(url) => Store::connect(url).await?,
                None => Store::open(&data_dir.join("takedown.db")).await?,
            },
            bus: match broker {
                Some(b) => Arc::new(KafkaBus::new(KafkaConfig::new(b.brokers.clone()))?),
                None => Arc::new(EmbeddedBus::open(&data_dir.join("bus.db")).await?),
            },
        })
    }

    async fn drained(&self) -> anyhow::Result<bool> {
        let (pending, done, _) = self.store.frontier_counts(stages::SOURCE).await?;
        if pending > 0 || done == 0 {
            return Ok(false);
        }
        for (group, topic) in GROUPS {
            if self.bus.lag(group, topic).await? > 0 {
                return Ok(false);
            }
        }
        Ok(self.store.pending_deliveries().await? == 0)
    }
}

struct Handler {
    cases: CaseStore,
    url: String,
    cancel: CancellationToken,
}

async fn start_handler(dir: &Path) -> anyhow::Result<Handler> {
    let cases = CaseStore::open(&dir.join("platform.db"))
        .await
        .context("opening the handler's case store")?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/notices", listener.local_addr()?);
    let state = HandlerState {
        cases: cases.clone(),
        secret: Secret::parse(stages::SECRET).context("handler secret")?,
        tolerance_secs: 300,
    };
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        if let Err(e) =
            takedown_platform::serve(state, listener, async move { stop.cancelled().await }).await
        {
            eprintln!("handler stopped: {e}");
        }
    });
    Ok(Handler { cases, url, cancel })
}

/// Runs one configuration once. Failures of the pipeline (a stall, a missing notice, a
/// stage exiting) come back as a result with `ok = false`; only set-up errors are `Err`.
pub async fn run(
    env: &Env,
    backend: Backend,
    hashers: usize,
    run_no: usize,
) -> anyhow::Result<RunResult> {
    let name = format!("{}-h{hashers}-r{run_no}", backend.name());
    let dir = env.out.join("runs").join(&name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs)?;
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir)?;
    let handler = start_handler(&dir).await?;

    let db_name = format!("bench_pipeline_{}_h{hashers}_r{run_no}", std::process::id());
    let (broker, store_url) = start_backend(env, backend, &logs, &db_name).await?;
    let scaled = match (&store_url, &broker) {
        (Some(store), Some(broker)) => Some((store.as_str(), broker.brokers.as_str())),
        _ => None,
    };
    let config_text = stages::config(&ConfigSpec {
        data_dir: &data_dir,
        owner_file: &env.owner_file,
        site: &env.site,
        handler: &handler.url,
        listings: env.market.listings,
        crawl_concurrency: env.crawl_concurrency,
        host_delay_ms: env.host_delay_ms,
        scaled,
    });
    let config = dir.join("takedown.toml");
    std::fs::write(&config, config_text)?;

    // This process serves the site and the handler for every run: count only this run.
    let bench_cpu_before = stages::cpu_seconds(std::process::id());
    let started = Instant::now();
    let mut processes = spawn_stages(env, hashers, &config, &logs)?;
    let observer = Observer::open(store_url.as_deref(), broker.as_ref(), &data_dir).await?;
    let expected = env.market.infringing.len();
    let waited = wait(env, &observer, &handler, expected, &mut processes, started).await;

    // CPU before stopping anything: /proc goes away with the process.
    let cpu_secs = stage_cpu_seconds(&processes, broker.as_ref(), bench_cpu_before);
    for p in &mut processes {
        let _ = p.child.start_kill();
    }
    for p in &mut processes {
        let _ = p.child.wait().await;
    }

    let result = measure(
        env, &observer, &handler, backend, hashers, run_no, waited, cpu_secs,
    )
    .await;
    handler.cancel.cancel();
    observer.store.close().await;
    drop(observer);
    if let Some(mut b) = broker {
        let _ = b.child.start_kill();
        let _ = b.child.wait().await;
        if let Some(server) = &env.postgres {
            services::drop_database(server, &db_name)?;
        }
    }
    if !env.keep {
        // The blobs and WARC records are most of a run's disk; logs and config stay.
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    result
}

/// For a Kafka run, a fresh broker and a fresh PostgreSQL database (its URL); nothing for
/// an embedded run.
async fn start_backend(
    env: &Env,
    backend: Backend,
    logs: &Path,
    db_name: &str,
) -> anyhow::Result<(Option<Broker>, Option<String>)> {
    if backend != Backend::Kafka {
        return Ok((None, None));
    }
    let server = env
        .postgres
        .as_deref()
        .context("a Kafka run needs --postgres (a PostgreSQL server URL)")?;
    let broker = services::start_broker(&env.tansu, &logs.join("tansu.log")).await?;
    let store_url = services::fresh_database(server, db_name)?;
    Ok((Some(broker), Some(store_url)))
}

/// Starts `hashers` hashers, then the matcher, actioner, notifier and crawler.
fn spawn_stages(
    env: &Env,
    hashers: usize,
    config: &Path,
    logs: &Path,
) -> anyhow::Result<Vec<StageProcess>> {
    let stage_list = (0..hashers)
        .map(|h| ("hasher", h))
        .chain(["matcher", "actioner", "notifier", "crawler"].map(|stage| (stage, 0)));
    let mut processes = Vec::new();
    for (stage, index) in stage_list {
        processes.push(
            stages::serve(&env.takedown, stage, index, config, logs)
                .with_context(|| format!("starting {}", env.takedown.display()))?,
        );
    }
    Ok(processes)
}

/// CPU seconds per stage (summed over its processes), of this process since
/// `bench_cpu_before` (`bench`) and of the broker; read while the processes still run.
fn stage_cpu_seconds(
    processes: &[StageProcess],
    broker: Option<&Broker>,
    bench_cpu_before: Option<f64>,
) -> BTreeMap<String, f64> {
    let mut cpu_secs: BTreeMap<String, f64> = BTreeMap::new();
    for p in processes {
        if let Some(cpu) = p.child.id().and_then(stages::cpu_seconds) {
            *cpu_secs.entry(p.stage.to_owned()).or_default() += cpu;
        }
    }
    if let (Some(before), Some(now)) = (bench_cpu_before, stages::cpu_seconds(std::process::id())) {
        cpu_secs.insert("bench".into(), now - before);
    }
    if let Some(cpu) = broker.and_then(Broker::pid).and_then(stages::cpu_seconds) {
        cpu_secs.insert("broker".into(), cpu);
    }
    cpu_secs
}

/// How the wait ended: when drained with every notice in (or why not), and the wall time.
struct Waited {
    drained_at: Option<DateTime<Utc>>,
    wall_secs: f64,
    error: Option<String>,
}

async fn wait(
    env: &Env,
    observer: &Observer,
    handler: &Handler,
    expected: usize,
    processes: &mut [StageProcess],
    started: Instant,
) -> Waited {
    let mut drained_since: Option<Instant> = None;
    let mut last_check = Instant::now() - Duration::from_secs(1);
    loop {
        let outcome = async {
            for p in processes.iter_mut() {
                if let Some(status) = p.child.try_wait()? {
                    bail!("a {} process exited: {status}", p.stage);
                }
            }
            let accepted = handler.cases.cases().await?.len();
            // Lags are cheap on the embedded bus, a round trip on Kafka: look every poll
            // once the notices are in, every second before.
            if accepted < expected && last_check.elapsed() < Duration::from_secs(1) {
                return Ok(None);
            }
            last_check = Instant::now();
            let drained = observer.drained().await?;
            if drained && accepted >= expected {
                return Ok(Some(Utc::now()));
            }
            if drained {
                let since = *drained_since.get_or_insert_with(Instant::now);
                if since.elapsed() > STALL {
                    bail!("drained for {STALL:?} with {accepted} of {expected} notices accepted");
                }
            } else {
                drained_since = None;
            }
            Ok(None)
        }
        .await;
        match outcome {
            Ok(Some(at)) => {
                return Waited {
                    drained_at: Some(at),
                    wall_secs: started.elapsed().as_secs_f64(),
                    error: None,
                };
            }
            Ok(None) => {}
            Err(e) => {
                return Waited {
                    drained_at: None,
                    wall_secs: started.elapsed().as_secs_f64(),
                    error: Some(format!("{e:#}")),
                };
            }
        }
        if started.elapsed() > env.timeout {
            return Waited {
                drained_at: None,
                wall_secs: started.elapsed().as_secs_f64(),
                error: Some(format!("not done within {:?}", env.timeout)),
            };
        }
        tokio::time::sleep(POLL).await;
    }
}

#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
async fn measure(
    env: &Env,
    observer: &Observer,
    handler: &Handler,
    backend: Backend,
    hashers: usize,
    run_no: usize,
    waited: Waited,
    cpu_secs: BTreeMap<String, f64>,
) -> anyhow::Result<RunResult> {
    let listings = observer.store.listings(Some(stages::SOURCE)).await?;
    let fetched: BTreeMap<String, DateTime<Utc>> = listings
        .iter()
        .map(|l| (path_of(&l.url, &env.site), l.captured_at))
        .collect();
    let cases: Vec<CaseRow> = handler.cases.cases().await?;
    let mut latencies = Vec::new();
    let mut accepted_paths = BTreeSet::new();
    let mut last_accept: Option<DateTime<Utc>> = None;
    for case in &cases {
        let received = DateTime::parse_from_rfc3339(&case.received_at)
            .with_context(|| format!("case {} received_at {:?}", case.case_id, case.received_at))?
            .with_timezone(&Utc);
        last_accept = last_accept.max(Some(received));
        let path = path_of(&case.listing_url, &env.site);
        if let Some(at) = fetched.get(&path) {
            latencies.push((received - *at).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e3);
        }
        accepted_paths.insert(path);
    }
    let expected = &env.market.infringing;
    let missing: Vec<String> = expected.difference(&accepted_paths).cloned().collect();
    let unexpected: Vec<String> = accepted_paths.difference(expected).cloned().collect();
    let first_fetch = listings.iter().map(|l| l.captured_at).min();
    let crawl_secs = match (first_fetch, listings.iter().map(|l| l.captured_at).max()) {
        (Some(first), Some(last)) => (last - first).num_milliseconds() as f64 / 1e3,
        _ => 0.0,
    };
    let (pipeline_secs, to_last_notice_secs, ended_by) = match (first_fetch, last_accept) {
        (Some(first), Some(last)) => {
            let end = waited.drained_at.map_or(last, |d| d.max(last));
            let secs = |to: DateTime<Utc>| (to - first).num_milliseconds() as f64 / 1e3;
            let by = if end > last { "drained" } else { "notice" };
            (secs(end), secs(last), by)
        }
        _ => (0.0, 0.0, "nothing"),
    };
    let mut error = waited.error;
    if error.is_none() && listings.len() != env.market.listings {
        error = Some(format!(
            "{} listings in the store, {} served",
            listings.len(),
            env.market.listings
        ));
    }
    let delivered_twice = cases.iter().filter(|c| c.deliveries > 1).count();
    let ok = error.is_none() && missing.is_empty() && unexpected.is_empty();
    Ok(RunResult {
        backend,
        hashers,
        run: run_no,
        listings: env.market.listings,
        listings_in_store: listings.len(),
        expected_notices: expected.len(),
        accepted: cases.len(),
        missing,
        unexpected,
        delivered_twice,
        wall_secs: waited.wall_secs,
        pipeline_secs,
        listings_per_sec: if pipeline_secs > 0.0 {
            listings.len() as f64 / pipeline_secs
        } else {
            0.0
        },
        to_last_notice_secs,
        crawl_secs,
        ended_by,
        latency_p50_ms: percentile(&latencies, 50.0),
        latency_p99_ms: percentile(&latencies, 99.0),
        latency_max_ms: percentile(&latencies, 100.0),
        cpu_secs,
        ok,
        error,
    })
}

/// The path (and fragment) of a listing URL on the bench's site.
fn path_of(url: &str, site: &str) -> String {
    url.strip_prefix(site).unwrap_or(url).to_owned()
}
