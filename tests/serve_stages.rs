//! Every stage in its own process (`takedown serve STAGE`) ends with the same matches and
//! notices as `takedown run`, each notice delivered once: on the embedded defaults (the
//! processes share one data directory) and — with a real broker and database — on Kafka and
//! PostgreSQL, where a second hasher process shares the hasher group and one of them is
//! SIGKILLed mid-run.

mod common;

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use common::*;
use takedown_store::Store;
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

const STAGES: [&str; 5] = ["crawler", "hasher", "matcher", "actioner", "notifier"];

fn serve(stage: &str, config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["serve", stage, "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("spawn serve {stage}: {e}"))
}

/// Polls `store` until it holds `expected` — every notice acknowledged — or `RUN_TIMEOUT`.
async fn wait_for(store: &Store, expected: &Outcome, children: &mut [Child]) -> Outcome {
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
            started.elapsed() < RUN_TIMEOUT,
            "stages did not reach the reference outcome in time: {} matches / {} notices of {} / {}",
            got.0.len(),
            got.1.len(),
            expected.0.len(),
            expected.1.len()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
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
    let mut children: Vec<Child> = STAGES.iter().map(|s| serve(s, &config)).collect();
    // The stage processes make the data directory too; whoever comes first wins.
    std::fs::create_dir_all(staged_dir.join("data")).expect("mkdir data");
    let store = Store::open(&staged_dir.join("data").join("takedown.db"))
        .await
        .expect("store");
    let got = wait_for(&store, &expected, &mut children).await;
    for child in &mut children {
        child.kill().await.expect("stop stage");
    }

    assert_eq!(notice_ids(&got.1), notice_ids(&expected.1));
    let cases = handler.cases.cases().await.expect("cases");
    assert_one_case_per_notice(&cases, &got.1);
    assert!(
        cases.iter().all(|c| c.deliveries == 1),
        "a notice was delivered twice"
    );
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
    let mut children: Vec<Child> = STAGES.iter().map(|s| serve(s, &config)).collect();
    // A second hasher joins the group; then the first is killed while the crawl is running.
    children.push(serve("hasher", &config));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    children[1].kill().await.expect("SIGKILL the first hasher");
    children.remove(1);

    let store = Store::connect(&store_url).await.expect("store");
    let got = wait_for(&store, &expected, &mut children).await;
    for child in &mut children {
        child.kill().await.expect("stop stage");
    }
    assert_eq!(notice_ids(&got.1), notice_ids(&expected.1));
    let cases = handler.cases.cases().await.expect("cases");
    assert_one_case_per_notice(&cases, &got.1);
    assert!(
        cases.iter().all(|c| c.deliveries == 1),
        "a notice was delivered twice"
    );
    cancel.cancel();
}
