//! `takedown run --until-idle` killed with SIGKILL at random moments and started again ends
//! with the same matches and notices as an uninterrupted run: nothing lost, and the platform
//! opens exactly one case per notice.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use takedown::pipeline::DataDir;
use takedown_platform::{CaseRow, CaseStore, HandlerState};
use takedown_webhook::Secret;
use tokio::{net::TcpListener, process::Command};
use tokio_util::sync::CancellationToken;

const SECRET: &str = "kill-test-secret-0123456789abcdef";
/// Bounds every wait for a run, so a hung pipeline fails the test instead of CI.
const RUN_TIMEOUT: Duration = Duration::from_secs(240);

struct Handler {
    cases: CaseStore,
    url: String,
}

async fn start_handler(dir: &Path, cancel: &CancellationToken) -> Handler {
    let cases = CaseStore::open(&dir.join("platform.db"))
        .await
        .expect("case store");
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind handler");
    let url = format!("http://{}/notices", listener.local_addr().expect("addr"));
    let state = HandlerState {
        cases: cases.clone(),
        secret: Secret::parse(SECRET).expect("secret"),
        tolerance_secs: 300,
    };
    let stop = cancel.clone();
    tokio::spawn(takedown_platform::serve(state, listener, async move {
        stop.cancelled().await
    }));
    Handler { cases, url }
}

fn write_config(dir: &Path, owner_file: &Path, site: &str, handler: &str) -> PathBuf {
    let config = format!(
        r#"data_dir = "data"
rights_files = ["{owner}"]

[policy]
auto_file_threshold = 0.7

[[sources]]
id = "sample-market"
kind = "marketplace"
platform = "sample-market"
start_urls = ["{site}/market/"]
allow_loopback = true
concurrency = 2

[[sources]]
id = "sample-fair"
kind = "fair_catalog"
platform = "sample-fair"
start_urls = ["{site}/fair/"]
allow_loopback = true
concurrency = 2

[[platforms]]
id = "sample-market"
endpoint = "{handler}"
secret = "{SECRET}"

[[platforms]]
id = "sample-fair"
endpoint = "{handler}"
secret = "{SECRET}"
"#,
        owner = owner_file.display()
    );
    let path = dir.join("takedown.toml");
    std::fs::write(&path, config).expect("write config");
    path
}

fn run_command(config: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_takedown"));
    command
        .args(["run", "--until-idle", "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    command
}

async fn run_to_end(config: &Path) {
    let status = tokio::time::timeout(RUN_TIMEOUT, run_command(config).status())
        .await
        .expect("run finished in time")
        .expect("run started");
    assert!(status.success(), "takedown run failed: {status}");
}

/// (match id, decision) and (notice id, status, case id) as the store holds them.
async fn outcome(
    dir: &Path,
) -> (
    BTreeSet<(String, String)>,
    BTreeSet<(String, String, Option<String>)>,
) {
    let data = DataDir::open(&dir.join("data")).await.expect("data dir");
    let matches = data.store.matches().await.expect("matches");
    let notices = data.store.notices().await.expect("notices");
    (
        matches
            .iter()
            .map(|m| (m.found.id.clone(), format!("{:?}", m.decision)))
            .collect(),
        notices
            .iter()
            .map(|n| {
                (
                    n.notice.id.clone(),
                    n.status.as_str().to_owned(),
                    n.case_id.clone(),
                )
            })
            .collect(),
    )
}

fn assert_one_case_per_notice(
    cases: &[CaseRow],
    notices: &BTreeSet<(String, String, Option<String>)>,
) {
    let case_notices: Vec<&str> = cases.iter().map(|c| c.notice_id.as_str()).collect();
    let unique: BTreeSet<&str> = case_notices.iter().copied().collect();
    assert_eq!(
        unique.len(),
        case_notices.len(),
        "a notice opened two cases"
    );
    let notice_ids: BTreeSet<&str> = notices.iter().map(|n| n.0.as_str()).collect();
    assert_eq!(unique, notice_ids, "cases and notices differ");
    for (id, status, case_id) in notices {
        assert_eq!(status, "acknowledged", "notice {id}");
        let case = cases.iter().find(|c| &c.notice_id == id).expect("case");
        assert_eq!(
            case_id.as_deref(),
            Some(case.case_id.as_str()),
            "notice {id} carries its case id"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_nothing_and_delivers_nothing_twice() {
    let seed: u64 = std::env::var("TAKEDOWN_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("kill test seed: {seed} (set TAKEDOWN_KILL_SEED to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    let cancel = CancellationToken::new();

    let sample = takedown_sample::generate();
    let site_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind site");
    let site = format!("http://{}", site_listener.local_addr().expect("addr"));
    let stop = cancel.clone();
    tokio::spawn(takedown_sample::serve(
        Arc::new(sample.site.clone()),
        site_listener,
        async move { stop.cancelled().await },
    ));

    let root = tempfile::tempdir().expect("tempdir");
    let owner_file = sample
        .write_owner_files(&root.path().join("owner"))
        .expect("owner files");

    // The uninterrupted reference run.
    let reference_dir = root.path().join("reference");
    std::fs::create_dir_all(&reference_dir).expect("mkdir");
    let reference_handler = start_handler(&reference_dir, &cancel).await;
    let reference_config = write_config(&reference_dir, &owner_file, &site, &reference_handler.url);
    run_to_end(&reference_config).await;
    let expected = outcome(&reference_dir).await;
    assert!(!expected.1.is_empty(), "the reference run filed no notices");

    // The same run, killed at random moments, then allowed to finish.
    let killed_dir = root.path().join("killed");
    std::fs::create_dir_all(&killed_dir).expect("mkdir");
    let handler = start_handler(&killed_dir, &cancel).await;
    let config = write_config(&killed_dir, &owner_file, &site, &handler.url);
    let mut kills = 0;
    let started = Instant::now();
    for round in 0..8 {
        let mut child = run_command(&config).spawn().expect("spawn run");
        // The first kill comes early (mid-crawl), later ones anywhere in the run.
        let delay = if round == 0 {
            rng.random_range(300..1200)
        } else {
            rng.random_range(150..1500)
        };
        tokio::time::sleep(Duration::from_millis(delay)).await;
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        child.kill().await.expect("SIGKILL");
        kills += 1;
        assert!(started.elapsed() < RUN_TIMEOUT, "kill rounds took too long");
    }
    run_to_end(&config).await;
    assert!(kills >= 1, "no run was killed: the test proved nothing");
    eprintln!("killed {kills} times");

    let got = outcome(&killed_dir).await;
    assert_eq!(
        got.0, expected.0,
        "matches differ from the uninterrupted run"
    );
    let ids = |n: &BTreeSet<(String, String, Option<String>)>| {
        n.iter()
            .map(|x| (x.0.clone(), x.1.clone()))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        ids(&got.1),
        ids(&expected.1),
        "notices differ from the uninterrupted run"
    );

    assert_one_case_per_notice(&handler.cases.cases().await.expect("cases"), &got.1);
    let reference_cases = reference_handler.cases.cases().await.expect("cases");
    assert_one_case_per_notice(&reference_cases, &expected.1);
    assert!(
        reference_cases.iter().all(|c| c.deliveries == 1),
        "an uninterrupted run re-sent a notice"
    );
    cancel.cancel();
}
