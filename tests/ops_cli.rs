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
