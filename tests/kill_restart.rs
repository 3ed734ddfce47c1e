//! `takedown run --until-idle` killed with SIGKILL at random moments and started again ends
//! with the same matches and notices as an uninterrupted run: nothing lost, and the platform
//! opens exactly one case per notice.

use std::{
    collections::BTreeSet,
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use tokio_util::sync::CancellationToken;

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_nothing_and_delivers_nothing_twice() {
    let seed: u64 = std::env::var("TAKEDOWN_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("kill test seed: {seed} (set TAKEDOWN_KILL_SEED to replay)");
    let mut rng = StdRng::seed_from_u64(seed);
    let cancel = CancellationToken::new();

    let root = tempfile::tempdir().expect("tempdir");
    let (site, owner_file) = start_site(root.path(), &cancel).await;

    // The uninterrupted reference run.
    let reference_dir = root.path().join("reference");
    std::fs::create_dir_all(&reference_dir).expect("mkdir");
    let reference_handler = start_handler(&reference_dir, &cancel).await;
    let reference_config = write_config(
        &reference_dir,
        &owner_file,
        &site,
        &reference_handler.url,
        "",
    );
    run_to_end(&reference_config).await;
    let expected = outcome(&reference_dir).await;
    assert!(!expected.1.is_empty(), "the reference run filed no notices");

    // The same run, killed at random moments, then allowed to finish.
    let killed_dir = root.path().join("killed");
    std::fs::create_dir_all(&killed_dir).expect("mkdir");
    let handler = start_handler(&killed_dir, &cancel).await;
    let config = write_config(&killed_dir, &owner_file, &site, &handler.url, "");
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
