//! What the tests that run the `takedown` binary against the sample site share: the
//! reference platform handler, a config for the sample's two sources, and the outcome as the
//! store holds it.
#![allow(dead_code)] // each test binary uses a different part

pub mod evidence;
pub mod s3;
pub mod tsa;

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::Duration,
};

use takedown::backends::Storage;
use takedown_platform::{CaseRow, CaseStore, HandlerState};
use takedown_store::Store;
use takedown_webhook::Secret;
use tokio::{net::TcpListener, process::Command};
use tokio_util::sync::CancellationToken;

/// (match id, decision) and (notice id, status, case id), as the store holds them.
pub type Outcome = (
    BTreeSet<(String, String)>,
    BTreeSet<(String, String, Option<String>)>,
);

pub const SECRET: &str = "kill-test-secret-0123456789abcdef";
/// Bounds every wait for a run, so a hung pipeline fails the test instead of CI.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(240);

pub struct Handler {
    pub cases: CaseStore,
    pub url: String,
}

pub async fn start_handler(dir: &Path, cancel: &CancellationToken) -> Handler {
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

/// A config for the sample's two sources delivering to `handler`; `extra` is appended
/// (e.g. a `[backends]` table).
pub fn write_config(
    dir: &Path,
    owner_file: &Path,
    site: &str,
    handler: &str,
    extra: &str,
) -> PathBuf {
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

{extra}
"#,
        owner = owner_file.display()
    );
    let path = dir.join("takedown.toml");
    std::fs::write(&path, config).expect("write config");
    path
}

pub fn run_command(config: &Path) -> Command {
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

pub async fn run_to_end(config: &Path) {
    let status = tokio::time::timeout(RUN_TIMEOUT, run_command(config).status())
        .await
        .expect("run finished in time")
        .expect("run started");
    assert!(status.success(), "takedown run failed: {status}");
}

/// (match id, decision) and (notice id, status, case id) as the store holds them.
pub async fn outcome(dir: &Path) -> Outcome {
    let data = Storage::open_dir(&dir.join("data"))
        .await
        .expect("data dir");
    outcome_of(&data.store).await
}

/// (match id, decision) and (notice id, status, case id) in `store`.
pub async fn outcome_of(store: &Store) -> Outcome {
    let matches = store.matches().await.expect("matches");
    let notices = store.notices().await.expect("notices");
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

pub fn assert_one_case_per_notice(
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

/// Serves the generated sample site on 127.0.0.1 until `cancel`; returns its URL and the
/// owner file registering the sample's rights (written under `dir`).
pub async fn start_site(dir: &Path, cancel: &CancellationToken) -> (String, PathBuf) {
    let sample = takedown_sample::generate();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind site");
    let site = format!("http://{}", listener.local_addr().expect("addr"));
    let stop = cancel.clone();
    tokio::spawn(takedown_sample::serve(
        Arc::new(sample.site.clone()),
        listener,
        async move { stop.cancelled().await },
    ));
    let owner_file = sample
        .write_owner_files(&dir.join("owner"))
        .expect("owner files");
    (site, owner_file)
}

/// `takedown run --until-idle` on the sample in `root/reference`, to compare other runs with:
/// its handler and its outcome (which must have filed notices).
pub async fn reference_run(
    root: &Path,
    site: &str,
    owner_file: &Path,
    cancel: &CancellationToken,
) -> (Handler, Outcome) {
    let dir = root.join("reference");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let handler = start_handler(&dir, cancel).await;
    let config = write_config(&dir, owner_file, site, &handler.url, "");
    run_to_end(&config).await;
    let expected = outcome(&dir).await;
    assert!(!expected.1.is_empty(), "the reference run filed no notices");
    (handler, expected)
}
