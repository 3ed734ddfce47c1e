//! The scriptable subcommands: registering rights from an owner file and a CSV (with a
//! row-level error report), and listing what the store holds as JSON lines.

use std::process::{Command, Output};

fn takedown(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .output()
        .expect("run takedown")
}

#[test]
fn rights_import_reports_bad_rows_by_line_and_keeps_the_good_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8 path");
    let owner = takedown_sample::generate()
        .write_owner_files(&dir.path().join("owner"))
        .expect("owner files");

    let out = takedown(&[
        "rights",
        "import",
        owner.to_str().expect("path"),
        "--data-dir",
        data_arg,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("registered 4 rights and 1 authorized sellers")
    );

    let csv = dir.path().join("owner").join("marks.csv");
    std::fs::write(
        &csv,
        "id,kind,name,registration_number,office,classes,territories,valid_from,valid_until,images\n\
         r-extra,word_mark,ZEPHRONIX,EUTM 2,EUIPO,25;28,EU,2020-01-01,,\n\
         r-bad,word_mark,BROKEN,EUTM 3,EUIPO,25,EU,not-a-date,,\n\
         r-logo2,logo_mark,Logo,EUTM 4,EUIPO,25,EU,,,logo=velotrax-logo.png\n\
         r-escape,logo_mark,Logo,EUTM 5,EUIPO,25,EU,,,logo=../../etc/passwd\n",
    )
    .expect("write csv");
    let out = takedown(&[
        "rights",
        "import",
        csv.to_str().expect("path"),
        "--owner",
        "acme",
        "--data-dir",
        data_arg,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 4: rows refused (2 is a usage error).
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("marks.csv:3: valid_from: must be a date YYYY-MM-DD, not \"not-a-date\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("marks.csv:5:") && stderr.contains("must be relative"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("registered 2 rights"));

    let out = takedown(&[
        "rights",
        "import",
        csv.to_str().expect("path"),
        "--owner",
        "nobody",
        "--data-dir",
        data_arg,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"nobody\" is not registered"));

    // Nothing crawled yet: the listing commands print no lines, and succeed.
    for command in ["matches", "notices", "listings"] {
        let out = takedown(&[command, "--data-dir", data_arg]);
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{command}");
    }
}

#[test]
fn run_names_a_missing_or_invalid_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = takedown(&[
        "run",
        "--config",
        dir.path().join("nope.toml").to_str().expect("path"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading config"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "data_dir = 'd'\n[[platforms]]\nid = 'p'\nendpoint = 'http://127.0.0.1:1/'\n",
    )
    .expect("write");
    let out = takedown(&[
        "run",
        "--until-idle",
        "--config",
        bad.to_str().expect("path"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("give exactly one of secret or secret_env"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_from_the_command_line_then_list_as_json() {
    let sample = takedown_sample::generate();
    let market = sample
        .expected
        .iter()
        .filter(|e| e.source == "market")
        .count();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let site = format!("http://{}/market/", listener.local_addr().expect("addr"));
    tokio::spawn(takedown_sample::serve(
        std::sync::Arc::new(sample.site),
        listener,
        std::future::pending(),
    ));
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf8");
    let run = |args: Vec<&str>| {
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        async move {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
                .args(&args)
                .env("RUST_LOG", "warn")
                .output()
                .await
                .expect("run takedown")
        }
    };

    // Without --allow-loopback the address guard refuses the site.
    let out = run(vec![
        "crawl",
        &site,
        "--source",
        "strict",
        "--data-dir",
        data_arg,
    ])
    .await;
    // Every fetch failed: exit 5, said so (it used to exit 0).
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("every fetch failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("guard 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A refused page is a failure, not a page crawled.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("0 pages, 1 failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(vec![
        "crawl",
        &site,
        "--allow-loopback",
        "--source",
        "shop",
        "--data-dir",
        data_arg,
    ])
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(vec![
        "listings",
        "--source",
        "shop",
        "--json",
        "--data-dir",
        data_arg,
    ])
    .await;
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), market);
    for listing in &lines {
        for key in ["url", "title", "seller", "capture_id"] {
            assert!(
                listing[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key} in {listing}"
            );
        }
        let images = listing["images"].as_array().expect("images");
        assert!(
            images
                .iter()
                .all(|i| i["digest"].as_str().is_some_and(|d| d.len() == 64)),
            "{listing}"
        );
    }
    let out = run(vec![
        "listings",
        "--source",
        "strict",
        "--json",
        "--data-dir",
        data_arg,
    ])
    .await;
    assert!(out.stdout.is_empty());

    // The evidence of a listing's page verifies, and stops verifying once tampered with.
    let capture = lines[0]["capture_id"]
        .as_str()
        .expect("capture id")
        .to_owned();
    let out = run(vec!["evidence", "show", &capture, "--data-dir", data_arg]).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("verified: body and WARC digests match"),
        "{text}"
    );
    for record in ["warc response", "warc request", "warc metadata"] {
        assert!(text.contains(record), "{record} missing in {text}");
    }
    let out = run(vec![
        "evidence",
        "show",
        &capture,
        "--json",
        "--data-dir",
        data_arg,
    ])
    .await;
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let warc_digest = shown["capture"]["warc_digest"]
        .as_str()
        .expect("warc digest")
        .to_owned();
    let warc_path = data
        .join("blobs")
        .join(&warc_digest[..2])
        .join(&warc_digest);
    let mut bytes = std::fs::read(&warc_path).expect("warc blob");
    let at = bytes
        .windows(5)
        .position(|w| w == b"<html")
        .expect("the page in the WARC");
    bytes[at + 1] = b'H';
    std::fs::write(&warc_path, bytes).expect("tamper");
    let out = run(vec!["evidence", "show", &capture, "--data-dir", data_arg]).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("NOT VERIFIED"), "{text}");

    let out = run(vec!["evidence", "show", "cap_nope", "--data-dir", data_arg]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no capture \"cap_nope\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_key_works_on_the_api_until_it_is_revoked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_arg = dir.path().join("data").to_str().expect("utf8").to_owned();
    let out = takedown(&[
        "tenants",
        "create",
        "--kind",
        "brand_owner",
        "--name",
        "Acme",
        "--id",
        "acme",
        "--data-dir",
        &data_arg,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let key = stdout
        .split_whitespace()
        .find(|w| w.starts_with("tdk_"))
        .expect("the key is printed once")
        .to_owned();
    let key_id = key.split('_').nth(1).expect("key id").to_owned();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["serve", "api", "--listen", &listen, "--data-dir", &data_arg])
        .kill_on_drop(true)
        .spawn()
        .expect("serve api");
    let client = reqwest::Client::new();
    let me = format!("http://{listen}/v1/me");
    let mut status = None;
    for _ in 0..100 {
        if let Ok(response) = client.get(&me).bearer_auth(&key).send().await {
            status = Some(response.status().as_u16());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, Some(200), "the new key authenticates");
    let anonymous = client
        .get(&me)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16();
    assert_eq!(anonymous, 401);

    let out = takedown(&[
        "tenants",
        "revoke-key",
        "--tenant",
        "acme",
        &key_id,
        "--data-dir",
        &data_arg,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = client
        .get(&me)
        .bearer_auth(&key)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16();
    assert_eq!(after, 401, "a revoked key stops working at once");
    server.kill().await.expect("stop the api");
}
