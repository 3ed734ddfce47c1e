//! `takedown run --until-idle` sent SIGTERM mid-run (as Kubernetes stops a pod) drains and
//! exits 0 within the drain deadline, and the next start resumes: the end state is the same
//! as an uninterrupted run's, with exactly one case per notice at the platform.

use std::time::Duration;

use takedown::shutdown::DRAIN_TIMEOUT;
use tokio_util::sync::CancellationToken;

mod common;

use common::*;

/// Sends SIGTERM with the system's `kill`, so the test needs no `unsafe` and no extra crate.
fn send_sigterm(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {pid} failed: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_run_exits_zero_loses_nothing_and_the_next_start_resumes() {
    let cancel = CancellationToken::new();
    let root = tempfile::tempdir().expect("tempdir");
    let (site, owner_file) = start_site(root.path(), &cancel).await;
    let (_reference_handler, expected) =
        reference_run(root.path(), &site, &owner_file, &cancel).await;

    let dir = root.path().join("terminated");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let handler = start_handler(&dir, &cancel).await;
    let config = write_config(&dir, &owner_file, &site, &handler.url, "");
    let mut terminated = 0;
    // Early (mid-crawl), then later in the run (hashing, matching, delivering).
    for delay_ms in [400, 900, 1500] {
        let mut child = run_command(&config).spawn().expect("spawn run");
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        send_sigterm(child.id().expect("pid of a running child"));
        let status = tokio::time::timeout(DRAIN_TIMEOUT + Duration::from_secs(10), child.wait())
            .await
            .expect("the run stopped within the drain deadline after SIGTERM")
            .expect("wait");
        assert!(
            status.success(),
            "SIGTERM is a clean stop and must exit 0: {status}"
        );
        terminated += 1;
    }
    assert!(
        terminated >= 1,
        "no run was terminated: the test proved nothing"
    );

    run_to_end(&config).await;
    let got = outcome(&dir).await;
    assert_eq!(
        got.0, expected.0,
        "matches differ from the uninterrupted run"
    );
    let ids = |notices: &std::collections::BTreeSet<(String, String, Option<String>)>| {
        notices
            .iter()
            .map(|n| (n.0.clone(), n.1.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&got.1),
        ids(&expected.1),
        "notices differ from the uninterrupted run"
    );
    assert_one_case_per_notice(&handler.cases.cases().await.expect("cases"), &got.1);
    cancel.cancel();
}
