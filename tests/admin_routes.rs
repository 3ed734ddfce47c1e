//! The admin routes over loopback: `takedown run --admin-listen` answers `/healthz`,
//! `/readyz` and a Prometheus `/metrics` that parses and carries the pipeline's gauges and
//! counters (consumer lag, outbox, crawl fetches, messages handled per stage, images hashed,
//! matcher decisions by kind and evidence), and still stops with exit 0 on SIGTERM.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

mod common;
mod prometheus;

use common::*;

/// A loopback address that was free a moment ago.
fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").to_string()
}

/// The text parses as the Prometheus exposition format (the strict parser the desk's test
/// uses too).
fn assert_prometheus_text(text: &str) {
    if let Err(problem) = prometheus::parse(text) {
        panic!("not Prometheus text: {problem}\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_serves_health_readiness_and_prometheus_metrics() {
    let cancel = CancellationToken::new();
    let root = tempfile::tempdir().expect("tempdir");
    let (site, owner_file) = start_site(root.path(), &cancel).await;
    let handler = start_handler(root.path(), &cancel).await;
    let config = write_config(root.path(), &owner_file, &site, &handler.url, "");
    let admin = free_addr();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["run", "--admin-listen", &admin, "--config"])
        .arg(&config)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("spawn run");
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let request = client.get(format!("http://{admin}{path}")).send();
        async move {
            let response = request.await.ok()?;
            let status = response.status().as_u16();
            Some((status, response.text().await.ok()?))
        }
    };

    let started = Instant::now();
    let mut metrics = String::new();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the stages' series did not all appear in /metrics: {metrics}"
        );
        if let Some((200, text)) = get("/metrics").await {
            metrics = text;
            // Each stage's series appear once it has handled something: the crawl's fetches,
            // every consuming stage's messages, the hasher's images, the matcher's decisions.
            if [
                "takedown_crawl_fetches_total",
                "takedown_messages_handled_total{group=\"matcher\"",
                "takedown_messages_handled_total{group=\"actioner\"",
                "takedown_images_hashed_total{outcome=\"hashed\"}",
                "takedown_matches_total{kind=",
                "takedown_listings_matched_total",
            ]
            .iter()
            .all(|name| metrics.contains(name))
            {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_prometheus_text(&metrics);
    for name in [
        "takedown_consumer_lag",
        "takedown_consumer_partition_lag{group=",
        "takedown_outbox_depth",
        "takedown_crawl_fetches_total",
    ] {
        assert!(metrics.contains(name), "{name} missing in {metrics}");
    }
    assert_eq!(get("/healthz").await.expect("healthz").0, 200);
    let (status, text) = get("/readyz").await.expect("readyz");
    assert_eq!(status, 200, "{text}");

    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(40), child.wait())
        .await
        .expect("stopped after SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status}");
    cancel.cancel();
}

#[tokio::test]
async fn serve_api_serves_the_admin_routes_on_their_own_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    let admin = free_addr();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args([
            "serve",
            "api",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            &admin,
        ])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("spawn serve api");
    let client = reqwest::Client::new();
    let started = Instant::now();
    let health = loop {
        assert!(started.elapsed() < Duration::from_secs(60), "no /healthz");
        if let Ok(response) = client.get(format!("http://{admin}/healthz")).send().await {
            break response;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(health.status().as_u16(), 200);
    let ready = client
        .get(format!("http://{admin}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status().as_u16(), 200);
    let metrics = client
        .get(format!("http://{admin}/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(metrics.status().as_u16(), 200);
    assert_prometheus_text(&metrics.text().await.expect("text"));
    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(40), child.wait())
        .await
        .expect("stopped after SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status}");
}
