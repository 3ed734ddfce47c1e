//! `takedown run` signs the evidence log's checkpoints itself: a run that ends leaves the log
//! signed up to its last leaf with the data directory's key (made 0600 on first use), which
//! `takedown evidence log-key` names; `[evidence] checkpoint_every_secs = 0` turns it off.

use std::os::unix::fs::PermissionsExt;

use tokio_util::sync::CancellationToken;

mod common;

use common::*;

/// Runs the sample pipeline to its end with `extra` in the config; returns the data dir.
async fn run_with(root: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let cancel = CancellationToken::new();
    let (site, owner_file) = start_site(root, &cancel).await;
    let handler = start_handler(root, &cancel).await;
    let config = write_config(root, &owner_file, &site, &handler.url, extra);
    run_to_end(&config).await;
    cancel.cancel();
    root.join("data")
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
