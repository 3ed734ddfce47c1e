//! `takedown run` signs the evidence log's checkpoints itself: a run that ends leaves the log
//! signed up to its last leaf with the data directory's key (made 0600 on first use), which
//! `takedown evidence log-key` names; `[evidence] checkpoint_every_secs = 0` turns it off.

use std::os::unix::fs::PermissionsExt;

use tokio_util::sync::CancellationToken;

mod common;

use common::*;

/// Runs the sample pipeline to its end with `extra` in the config and `env` set; returns the
/// data dir.
async fn run_with_env(
    root: &std::path::Path,
    extra: &str,
    env: &[(&str, &std::path::Path)],
) -> std::path::PathBuf {
    let cancel = CancellationToken::new();
    let (site, owner_file) = start_site(root, &cancel).await;
    let handler = start_handler(root, &cancel).await;
    let config = write_config(root, &owner_file, &site, &handler.url, extra);
    let mut command = run_command(&config);
    command.env_remove("TAKEDOWN_LOG_KEY");
    for (name, value) in env {
        command.env(name, value);
    }
    let status = command.status().await.expect("run started");
    assert!(status.success(), "takedown run failed: {status}");
    cancel.cancel();
    root.join("data")
}

async fn run_with(root: &std::path::Path, extra: &str) -> std::path::PathBuf {
    run_with_env(root, extra, &[]).await
}

async fn latest_checkpoint(
    db: &std::path::Path,
) -> Option<takedown_store::evidence_log::StoredCheckpoint> {
    let store = takedown_store::Store::open(db).await.expect("store");
    let latest = store.latest_checkpoint().await.expect("read");
    store.close().await;
    latest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_run_leaves_the_log_signed_to_its_last_leaf() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = run_with(root.path(), "").await;

    let key_file = data.join("log-key");
    let mode = std::fs::metadata(&key_file)
        .expect("the key was made")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the key file is its owner's only");

    let store = takedown_store::Store::open(&data.join("takedown.db"))
        .await
        .expect("store");
    let size = store.log_size().await.expect("size");
    assert!(size > 0, "captures, notices and case events are in the log");
    let signed = store
        .latest_checkpoint()
        .await
        .expect("checkpoint")
        .expect("the run signed a checkpoint");
    assert_eq!(signed.size, size, "signed up to the last leaf");
    store.close().await;

    // The note is signed by the key `evidence log-key` names.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["evidence", "log-key", "--data-dir"])
        .arg(&data)
        .env_remove("TAKEDOWN_LOG_KEY")
        .output()
        .expect("log-key");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verifier = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let name = verifier.split('+').next().expect("key name");
    assert!(
        signed.note.contains(&format!("\u{2014} {name} ")),
        "{verifier} / {}",
        signed.note
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_off_leaves_the_log_unsigned() {
    let root = tempfile::tempdir().expect("tempdir");
    let data = run_with(root.path(), "[evidence]\ncheckpoint_every_secs = 0\n").await;
    let store = takedown_store::Store::open(&data.join("takedown.db"))
        .await
        .expect("store");
    assert!(store.latest_checkpoint().await.expect("read").is_none());
    assert!(
        !data.join("log-key").exists(),
        "no key is made when nothing signs"
    );
    store.close().await;
}

/// On a store named by URL (shared by processes that may not share a data directory) the run
/// signs only with the deployment's key from `TAKEDOWN_LOG_KEY`, never one of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_shared_store_only_the_deployments_key_signs() {
    let root = tempfile::tempdir().expect("tempdir");
    let shared = |name: &str| {
        let db = root.path().join(name);
        let table = format!("[backends]\nstore_url = \"sqlite://{}\"\n", db.display());
        (db, table)
    };

    let (db, table) = shared("without-key.db");
    let first = root.path().join("first");
    std::fs::create_dir_all(&first).expect("dir");
    let data = run_with(&first, &table).await;
    assert!(
        latest_checkpoint(&db).await.is_none(),
        "no key of its own signs"
    );
    assert!(!data.join("log-key").exists(), "and none is made");

    let keys = root.path().join("keys");
    std::fs::create_dir_all(&keys).expect("dir");
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["evidence", "log-key", "--data-dir"])
        .arg(&keys)
        .env_remove("TAKEDOWN_LOG_KEY")
        .output()
        .expect("log-key");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (db, table) = shared("with-key.db");
    let second = root.path().join("second");
    std::fs::create_dir_all(&second).expect("dir");
    let key_file = keys.join("log-key");
    run_with_env(&second, &table, &[("TAKEDOWN_LOG_KEY", &key_file)]).await;
    assert!(
        latest_checkpoint(&db).await.is_some(),
        "the deployment's key signs"
    );
}

/// With `[evidence] tsa_url` the run's checkpoints are time-stamped by the TSA (a real one:
/// `openssl ts -reply` on 127.0.0.1); a TSA that does not answer leaves the checkpoint
/// signed without a timestamp, and the run goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_timestamps_its_checkpoints_and_survives_a_dead_tsa() {
    let root = tempfile::tempdir().expect("tempdir");
    let tsa = common::tsa::TestTsa::start(&root.path().join("tsa"), "Run");
    let live = root.path().join("live");
    std::fs::create_dir_all(&live).expect("dir");
    let table = format!(
        "[evidence]\ntsa_url = \"{}\"\ntsa_ca_file = \"{}\"\n",
        tsa.url,
        tsa.ca_file.display()
    );
    let data = run_with(&live, &table).await;
    let db = data.join("takedown.db");
    let signed = latest_checkpoint(&db).await.expect("signed");
    let store = takedown_store::Store::open(&db).await.expect("store");
    let stamp = store
        .checkpoint_timestamp(signed.size)
        .await
        .expect("read")
        .expect("the last checkpoint is time-stamped");
    store.close().await;
    assert_eq!(stamp.tsa_url, tsa.url);
    let text = takedown_tlog::checkpoint::signed_text(&signed.note).expect("text");
    let query = takedown_tlog::TimestampQuery::from_der(&stamp.query).expect("query");
    let anchors =
        takedown_tlog::TrustAnchors::from_pem_or_der(&std::fs::read(&tsa.ca_file).expect("ca"))
            .expect("anchors");
    takedown_tlog::timestamp::verify_reply(
        &stamp.reply,
        &takedown_tlog::timestamp::imprint_of(text.as_bytes()),
        Some(query.nonce),
        &anchors,
    )
    .expect("the stored token verifies");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!("http://{}/tsa", closed.local_addr().expect("addr"));
    drop(closed);
    let unstamped = root.path().join("dead");
    std::fs::create_dir_all(&unstamped).expect("dir");
    let data = run_with(&unstamped, &format!("[evidence]\ntsa_url = \"{dead}\"\n")).await;
    let db = data.join("takedown.db");
    let signed = latest_checkpoint(&db).await.expect("still signed");
    let store = takedown_store::Store::open(&db).await.expect("store");
    assert!(
        store
            .checkpoint_timestamp(signed.size)
            .await
            .expect("read")
            .is_none()
    );
    store.close().await;
}
