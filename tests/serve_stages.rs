//! Every stage in its own process (`takedown serve STAGE`) ends with the same matches and
//! notices as `takedown run`, each notice delivered once: on the embedded defaults (the
//! processes share one data directory) and — with a real broker and database — on Kafka and
//! PostgreSQL, where a second hasher process shares the hasher group and one of them is
//! SIGKILLed mid-run; and the kill matrix there: every stage as two processes, a seeded
//! random schedule SIGKILLing and restarting them (`TAKEDOWN_KILL_SEED` replays one).

mod common;

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use common::*;
use rand::{Rng, SeedableRng, rngs::StdRng};
use takedown_store::Store;
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

const STAGES: [&str; 5] = ["crawler", "hasher", "matcher", "actioner", "notifier"];

/// `takedown serve STAGE`; on Kafka, in the topic/group `namespace` of its test run.
fn serve(stage: &str, config: &Path, namespace: Option<&str>) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_takedown"));
    if let Some(namespace) = namespace {
        command.env(takedown_bus_kafka::NAMESPACE_ENV, namespace);
    }
    command
        .args(["serve", stage, "--config"])
        .arg(config)
        // TAKEDOWN_STAGE_LOG raises the stages' log level when chasing a failure.
        .env(
            "RUST_LOG",
            std::env::var("TAKEDOWN_STAGE_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("spawn serve {stage}: {e}"))
}

/// Polls `store` until it holds `expected` — every notice acknowledged — or `RUN_TIMEOUT`.
async fn wait_for(store: &Store, expected: &Outcome, children: &mut [Child]) -> Outcome {
    wait_within(store, expected, children, RUN_TIMEOUT).await
}

/// [`wait_for`] with its own bound.
async fn wait_within(
    store: &Store,
    expected: &Outcome,
    children: &mut [Child],
    timeout: Duration,
) -> Outcome {
    let started = Instant::now();
    loop {
        let got = outcome_of(store).await;
        let acknowledged = got.1.iter().all(|n| n.1 == "acknowledged");
        if got.0 == expected.0 && got.1.len() == expected.1.len() && acknowledged {
            return got;
        }
        for child in children.iter_mut() {
            if let Some(status) = child.try_wait().expect("try_wait") {
                panic!("a stage process exited early: {status}");
            }
        }
        assert!(
            started.elapsed() < timeout,
            "stages did not reach the reference outcome in time: {} matches / {} notices of {} / {}; \
             matches missing: {:?}, unexpected: {:?}",
            got.0.len(),
            got.1.len(),
            expected.0.len(),
            expected.1.len(),
            expected.0.difference(&got.0).collect::<Vec<_>>(),
            got.0.difference(&expected.0).collect::<Vec<_>>(),
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Waits for the reference outcome, stops the stages, and checks that the notices are the
/// reference run's and each reached the handler exactly once.
async fn expect_reference_outcome(
    store: &Store,
    expected: &Outcome,
    children: &mut [Child],
    handler: &Handler,
) {
    let got = wait_for(store, expected, children).await;
    for child in children.iter_mut() {
        child.kill().await.expect("stop stage");
    }
    assert_eq!(notice_ids(&got.1), notice_ids(&expected.1));
    let cases = handler.cases.cases().await.expect("cases");
    assert_one_case_per_notice(&cases, &got.1);
    assert!(
        cases.iter().all(|c| c.deliveries == 1),
        "a notice was delivered twice"
    );
}

fn notice_ids(
    notices: &std::collections::BTreeSet<(String, String, Option<String>)>,
) -> std::collections::BTreeSet<String> {
    notices.iter().map(|n| n.0.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_stage_in_its_own_process_matches_the_single_process_run() {
    let cancel = CancellationToken::new();
    let root = tempfile::tempdir().expect("tempdir");
    let (site, owner_file) = start_site(root.path(), &cancel).await;

    let (_reference_handler, expected) =
        reference_run(root.path(), &site, &owner_file, &cancel).await;

    let staged_dir = root.path().join("staged");
    std::fs::create_dir_all(&staged_dir).expect("mkdir");
    let handler = start_handler(&staged_dir, &cancel).await;
    let config = write_config(&staged_dir, &owner_file, &site, &handler.url, "");
    let mut children: Vec<Child> = STAGES.iter().map(|s| serve(s, &config, None)).collect();
    // The stage processes make the data directory too; whoever comes first wins.
    std::fs::create_dir_all(staged_dir.join("data")).expect("mkdir data");
    let store = Store::open(&staged_dir.join("data").join("takedown.db"))
        .await
        .expect("store");
    expect_reference_outcome(&store, &expected, &mut children, &handler).await;
    cancel.cancel();
}

/// A fresh database on the server `TAKEDOWN_POSTGRES_URL` points at, made with `psql`.
fn fresh_postgres_database(name: &str) -> String {
    let server = std::env::var("TAKEDOWN_POSTGRES_URL")
        .expect("TAKEDOWN_POSTGRES_URL must name a PostgreSQL server (.ci/run starts one)");
    let status = std::process::Command::new("psql")
        .arg(&server)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c"])
        .arg(format!("DROP DATABASE IF EXISTS {name}"))
        .arg("-c")
        .arg(format!("CREATE DATABASE {name}"))
        .status()
        .expect("run psql");
    assert!(status.success(), "creating database {name} failed");
    let (base, _) = server
        .rsplit_once('/')
        .expect("TAKEDOWN_POSTGRES_URL ends in /DATABASE");
    format!("{base}/{name}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Kafka (TAKEDOWN_KAFKA_BROKERS) and PostgreSQL (TAKEDOWN_POSTGRES_URL); .ci/run starts them"]
async fn stages_on_kafka_and_postgres_survive_a_killed_hasher() {
    let brokers = std::env::var("TAKEDOWN_KAFKA_BROKERS")
        .expect("TAKEDOWN_KAFKA_BROKERS must name a Kafka broker (.ci/run starts one)");
    let store_url = fresh_postgres_database("takedown_serve_stages");

    let cancel = CancellationToken::new();
    let root = tempfile::tempdir().expect("tempdir");
    let (site, owner_file) = start_site(root.path(), &cancel).await;

    let (_reference_handler, expected) =
        reference_run(root.path(), &site, &owner_file, &cancel).await;

    let scaled_dir = root.path().join("scaled");
    std::fs::create_dir_all(&scaled_dir).expect("mkdir");
    let handler = start_handler(&scaled_dir, &cancel).await;
    let backends = format!(
        "[backends]\nstore_url = \"{store_url}\"\n[backends.bus]\nkind = \"kafka\"\nbrokers = \"{brokers}\"\n"
    );
    let config = write_config(&scaled_dir, &owner_file, &site, &handler.url, &backends);
    let ns = run_namespace("killed-hasher");
    let mut children: Vec<Child> = STAGES
        .iter()
        .map(|s| serve(s, &config, Some(&ns)))
        .collect();
    // A second hasher joins the group; then the first is killed while the crawl is running.
    children.push(serve("hasher", &config, Some(&ns)));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    children[1].kill().await.expect("SIGKILL the first hasher");
    children.remove(1);

    let store = Store::connect(&store_url).await.expect("store");
    expect_reference_outcome(&store, &expected, &mut children, &handler).await;
    cancel.cancel();
}

/// A topic/group namespace of this test run alone: the tests of this file run at the same
/// time on one broker, and a broker may hold what an earlier run left in flight.
fn run_namespace(test: &str) -> String {
    format!(
        "{test}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// The `[backends]` table for Kafka at `TAKEDOWN_KAFKA_BROKERS` and a fresh database `name`,
/// and the database's URL.
fn kafka_and_postgres(name: &str) -> (String, String) {
    let brokers = std::env::var("TAKEDOWN_KAFKA_BROKERS")
        .expect("TAKEDOWN_KAFKA_BROKERS must name a Kafka broker (.ci/run starts one)");
    let store_url = fresh_postgres_database(name);
    let backends = format!(
        "[backends]\nstore_url = \"{store_url}\"\n[backends.bus]\nkind = \"kafka\"\nbrokers = \"{brokers}\"\n"
    );
    (backends, store_url)
}

/// One stage process of the kill matrix and how it came to be.
struct Slot {
    stage: &'static str,
    child: Child,
    /// Set on the first hasher once it is killed for good (see the test).
    retired: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Kafka (TAKEDOWN_KAFKA_BROKERS), PostgreSQL (TAKEDOWN_POSTGRES_URL) and S3 (TAKEDOWN_S3_ENDPOINT); .ci/run starts them"]
async fn every_stage_twice_on_kafka_and_postgres_survives_random_sigkills() {
    let seed: u64 = std::env::var("TAKEDOWN_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("kill matrix seed: {seed} (set TAKEDOWN_KILL_SEED to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    let (backends, store_url) = kafka_and_postgres("takedown_kill_matrix");
    // The deployment's whole set of servers: blobs (pages, images, WARC records) in S3 too.
    let s3 = common::s3::endpoint();
    let bucket = common::s3::create_bucket(&s3, "kill-matrix").await;
    let backends = format!(
        "{backends}{}",
        common::s3::blobs_table(&s3, &bucket, "blobs")
    );

    let cancel = CancellationToken::new();
    let root = tempfile::tempdir().expect("tempdir");
    let (site, owner_file) = start_site(root.path(), &cancel).await;
    let (_reference_handler, expected) =
        reference_run(root.path(), &site, &owner_file, &cancel).await;

    let dir = root.path().join("matrix");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let handler = start_handler(&dir, &cancel).await;
    let config = write_config(&dir, &owner_file, &site, &handler.url, &backends);
    let started = Instant::now();
    let ns = run_namespace("kill-matrix");
    eprintln!("kill matrix: Kafka namespace {ns}");

    // The first process of every stage, then — once they run — the second of every stage,
    // joining groups that already have a member.
    let mut slots: Vec<Slot> = STAGES
        .iter()
        .map(|&stage| Slot {
            stage,
            child: serve(stage, &config, Some(&ns)),
            retired: false,
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(rng.random_range(300..1200))).await;
    for &stage in &STAGES {
        slots.push(Slot {
            stage,
            child: serve(stage, &config, Some(&ns)),
            retired: false,
        });
    }

    // The observable that a joining process takes partitions over: the first hasher is
    // killed for good, so every listing from then on — those on its partitions included —
    // can only be hashed by processes that joined the group after it.
    tokio::time::sleep(Duration::from_millis(rng.random_range(300..1500))).await;
    slots[1]
        .child
        .kill()
        .await
        .expect("SIGKILL the first hasher");
    slots[1].retired = true;
    eprintln!("kill matrix: the first hasher is gone for good");

    // Random SIGKILLs of the others, each restarted after a random pause.
    let mut killed: Vec<&'static str> = Vec::new();
    for _ in 0..rng.random_range(4..8) {
        tokio::time::sleep(Duration::from_millis(rng.random_range(200..2000))).await;
        let live: Vec<usize> = (0..slots.len()).filter(|&i| !slots[i].retired).collect();
        let victim = live[rng.random_range(0..live.len())];
        let slot = &mut slots[victim];
        if let Some(status) = slot.child.try_wait().expect("try_wait") {
            panic!("a {} process exited by itself: {status}", slot.stage);
        }
        slot.child.kill().await.expect("SIGKILL");
        killed.push(slot.stage);
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..1500))).await;
        slot.child = serve(slot.stage, &config, Some(&ns));
    }
    eprintln!(
        "kill matrix: killed and restarted {killed:?} within {:?}",
        started.elapsed()
    );

    let mut children: Vec<Child> = slots
        .into_iter()
        .filter(|s| !s.retired)
        .map(|s| s.child)
        .collect();
    let store = Store::connect(&store_url).await.expect("store");
    // Bounded: a killed member's partitions wait out the session timeout (10 s) and a
    // killed notifier's claims their lease (10 s); the whole test takes about a minute.
    let got = wait_within(&store, &expected, &mut children, Duration::from_secs(150)).await;
    for child in &mut children {
        child.kill().await.expect("stop stage");
    }
    eprintln!("kill matrix: done in {:?}", started.elapsed());

    assert_eq!(got.0, expected.0, "matches differ from the reference run");
    assert_eq!(notice_ids(&got.1), notice_ids(&expected.1));
    let cases = handler.cases.cases().await.expect("cases");
    assert_one_case_per_notice(&cases, &got.1);
    // A notifier killed between its POST and recording it sends that notice again once its
    // claim lapses (the platform answers with the case it opened): only then may a notice
    // arrive twice.
    let resent = cases.iter().filter(|c| c.deliveries > 1).count();
    if !killed.contains(&"notifier") {
        assert_eq!(resent, 0, "a notice was delivered twice");
    }
    eprintln!("kill matrix: {resent} notices re-sent after a killed notifier");
    cancel.cancel();
}
