//! What an operator's tooling relies on: `serve api` stops on SIGTERM with exit 0, logs are
//! JSON lines with `--log-format json` (or `TAKEDOWN_LOG_FORMAT=json`), and text logs carry
//! no colour codes when stderr is not a terminal.

use std::{process::Stdio, time::Duration};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// Starts `serve api` on a free loopback port with extra arguments and environment, stderr
/// piped so the test reads its log lines.
fn serve_api(data_dir: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_takedown"));
    command
        .args(["serve", "api", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .env("RUST_LOG", "info")
        .env_remove("TAKEDOWN_LOG_FORMAT")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command.spawn().expect("spawn serve api")
}

/// Reads stderr lines until one contains `needle`; every line read is returned.
async fn lines_until(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStderr>>,
    needle: &str,
) -> Vec<String> {
    let mut seen = Vec::new();
    let wait = async {
        while let Some(line) = lines.next_line().await.expect("read stderr") {
            let found = line.contains(needle);
            seen.push(line);
            if found {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap_or_else(|_| panic!("no log line with {needle:?} in time; saw {seen:?}"));
    seen
}

fn send_sigterm(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM {pid}: {status}");
}

/// Sends SIGTERM and expects a prompt exit 0; returns the log lines written meanwhile.
async fn terminate(
    mut child: Child,
    mut lines: tokio::io::Lines<BufReader<tokio::process::ChildStderr>>,
) -> Vec<String> {
    send_sigterm(child.id().expect("pid"));
    let mut rest = Vec::new();
    while let Some(line) = lines.next_line().await.expect("read stderr") {
        rest.push(line);
    }
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("serve api stopped after SIGTERM")
        .expect("wait");
    assert!(
        status.success(),
        "SIGTERM must exit 0: {status}; log {rest:?}"
    );
    rest
}

#[tokio::test]
async fn serve_api_logs_json_lines_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = serve_api(&dir.path().join("data"), &["--log-format", "json"], &[]);
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let started = lines_until(&mut lines, "API listening").await;
    let rest = terminate(child, lines).await;
    for line in started.iter().chain(&rest) {
        let parsed: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(parsed["level"].is_string(), "no level in {line}");
    }
    assert!(
        rest.iter().any(|line| line.contains("SIGTERM")),
        "the stop names its signal: {rest:?}"
    );
}

#[tokio::test]
async fn the_log_format_comes_from_the_environment_and_text_has_no_colour_off_a_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = serve_api(
        &dir.path().join("data"),
        &[],
        &[("TAKEDOWN_LOG_FORMAT", "json")],
    );
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let started = lines_until(&mut lines, "API listening").await;
    assert!(
        started.iter().all(|line| line.starts_with('{')),
        "TAKEDOWN_LOG_FORMAT=json: {started:?}"
    );
    terminate(child, lines).await;

    let mut child = serve_api(&dir.path().join("data"), &["--log-format", "text"], &[]);
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let started = lines_until(&mut lines, "API listening").await;
    let rest = terminate(child, lines).await;
    for line in started.iter().chain(&rest) {
        assert!(!line.contains('\u{1b}'), "colour on a pipe: {line:?}");
    }
}

#[test]
fn an_unknown_log_format_is_a_usage_error() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["--log-format", "xml", "listings"])
        .output()
        .expect("run takedown");
    assert_eq!(output.status.code(), Some(2), "clap's usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("json") && stderr.contains("text"),
        "{stderr}"
    );
}

/// Runs the binary to completion with `RUST_LOG=warn`.
async fn takedown(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("run takedown")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_says_it_stopped_at_max_pages_and_sites_on_one_host_get_their_own_source() {
    let sample = takedown_sample::generate();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(takedown_sample::serve(
        std::sync::Arc::new(sample.site),
        listener,
        std::future::pending(),
    ));
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf8");
    let market = format!("{origin}/market/");
    let out = takedown(&[
        "crawl",
        &market,
        "--allow-loopback",
        "--max-pages",
        "3",
        "--data-dir",
        data,
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("stopped at --max-pages 3"), "{stderr}");
    assert!(stderr.contains("URLs left"), "{stderr}");

    // The fair catalog on the same host and port is another source, with its own frontier
    // and budget: the market's three pages do not use it up.
    let fair = format!("{origin}/fair/");
    let out = takedown(&[
        "crawl",
        &fair,
        "--allow-loopback",
        "--kind",
        "fair_catalog",
        "--max-pages",
        "3",
        "--data-dir",
        data,
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let port = origin.rsplit(':').next().expect("port");
    assert!(
        stderr.contains(&format!("source http_127.0.0.1_{port}_fair: ")),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&format!("source http_127.0.0.1_{port}_fair: 0 pages")),
        "{stderr}"
    );
}

#[tokio::test]
async fn read_commands_refuse_a_data_directory_that_does_not_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("typo");
    let missing_arg = missing.to_str().expect("utf8");
    for command in [
        vec!["listings", "--data-dir", missing_arg],
        vec!["matches", "--data-dir", missing_arg],
        vec!["notices", "--data-dir", missing_arg],
        vec!["notices", "dead-letters", "--data-dir", missing_arg],
        vec!["evidence", "show", "cap_x", "--data-dir", missing_arg],
    ] {
        let out = takedown(&command).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command:?}: {stderr}");
        assert!(
            stderr.contains("does not exist") && stderr.contains("typo"),
            "{command:?}: {stderr}"
        );
        assert!(!missing.exists(), "{command:?} created the directory");
    }
}

#[test]
fn help_lists_the_exit_codes_and_a_wrong_kind_is_a_usage_error() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .arg("--help")
        .output()
        .expect("run takedown");
    let text = String::from_utf8_lossy(&help.stdout);
    for line in [
        "Exit codes:",
        "2  usage error",
        "4  rights import",
        "5  crawl",
    ] {
        assert!(text.contains(line), "{line} missing in {text}");
    }
    let wrong = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["crawl", "https://shop.example/", "--kind", "bazaar"])
        .output()
        .expect("run takedown");
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("fair_catalog"), "{stderr}");
}

#[test]
fn completions_cover_the_commands_and_a_wrong_shell_is_refused() {
    for shell in ["bash", "zsh", "fish"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
            .args(["completions", shell])
            .output()
            .expect("run takedown");
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        for word in ["crawl", "dead-letters", "log-format", "fair_catalog"] {
            assert!(script.contains(word), "{shell}: {word} missing");
        }
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["completions", "cmd"])
        .output()
        .expect("run takedown");
    assert_eq!(out.status.code(), Some(2));
}
