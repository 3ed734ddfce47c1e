//! The evidence transparency log through the binary: crawl, take a checkpoint, crawl more,
//! prove a capture's inclusion (checked again here by an RFC 9162 verifier written from the
//! RFC's text, not the code under test), check consistency with the old checkpoint, then
//! tamper with the SQLite file and with checkpoints and see each caught.

use std::{path::Path, process::Output};

use base64::{Engine, prelude::BASE64_STANDARD};
use sqlx::{Connection, Executor};

mod common;

use common::evidence::{hash, ok, rfc9162_inclusion, text};

async fn takedown(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"));
    command
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("TAKEDOWN_LOG_KEY");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.expect("run takedown")
}

async fn sql(db: &Path, statement: &str) {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the SQLite file");
    conn.execute(sqlx::AssertSqlSafe(statement.to_owned()))
        .await
        .expect("tamper");
    conn.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captures_are_logged_proven_checkpointed_and_tampering_is_caught() {
    let sample = takedown_sample::generate();
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
    let d = data.to_str().expect("utf8");
    let crawl = |pages: &'static str| {
        let site = site.clone();
        async move {
            let args = [
                "crawl",
                &site,
                "--allow-loopback",
                "--source",
                "shop",
                "--max-pages",
                pages,
                "--data-dir",
                d,
            ];
            ok(&takedown(&args, &[]).await);
        }
    };

    crawl("4").await;
    // The key is made on first use, readable by its owner only, and printed as a verifier key.
    let verifier_key = ok(&takedown(&["evidence", "log-key", "--data-dir", d], &[]).await);
    let verifier_key = verifier_key.trim().to_owned();
    // The key's base64 may itself hold '+': only the first two separate fields.
    let parts: Vec<&str> = verifier_key.splitn(3, '+').collect();
    assert_eq!(parts.len(), 3, "<name>+<id>+<key>: {verifier_key}");
    assert_eq!(parts[1].len(), 8);
    assert_eq!(BASE64_STANDARD.decode(parts[2]).expect("base64")[0], 0x01);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("log-key"))
            .expect("key file")
            .permissions();
        assert_eq!(mode.mode() & 0o777, 0o600);
    }
    let key_file = std::fs::read_to_string(data.join("log-key")).expect("key");

    let old_note = ok(&takedown(&["evidence", "checkpoint", "--data-dir", d], &[]).await);
    let lines: Vec<&str> = old_note.lines().collect();
    assert_eq!(lines[0], parts[0], "origin is the key's name: {old_note}");
    let old_size: u64 = lines[1].parse().expect("tree size");
    assert!(old_size >= 4, "a leaf per capture: {old_note}");
    assert_eq!(lines[3], "");
    assert!(
        lines[4].starts_with(&format!("— {} ", parts[0])),
        "{old_note}"
    );
    assert!(
        !old_note.contains(key_file.trim()),
        "the private key is never printed"
    );
    // Nothing new: the same checkpoint.
    let again = ok(&takedown(&["evidence", "checkpoint", "--data-dir", d], &[]).await);
    assert_eq!(again, old_note);
    let old_path = dir.path().join("old.note");
    std::fs::write(&old_path, &old_note).expect("save");

    crawl("12").await;
    let db = data.join("takedown.db");
    assert!(db.exists(), "the embedded store's file");
    let first_capture: String = {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .expect("open");
        sqlx::query_scalar(
            "SELECT ref_id FROM log_leaves WHERE kind = 'capture' ORDER BY seq DESC LIMIT 1",
        )
        .fetch_one(&mut conn)
        .await
        .expect("a capture leaf")
    };

    // A capture crawled after the old checkpoint: proven against a new one.
    let out = takedown(&["evidence", "prove", &first_capture, "--data-dir", d], &[]).await;
    let proof: serde_json::Value = serde_json::from_str(&ok(&out)).expect("json");
    assert_eq!(proof["kind"], "capture");
    assert_eq!(proof["problems"], serde_json::json!([]));
    let size = proof["tree_size"].as_u64().expect("size");
    assert!(size > old_size, "{proof}");
    let leaf = proof["leaf"].as_str().expect("leaf text");
    assert!(leaf.contains(&format!("id {first_capture}\n")), "{leaf}");
    let root = BASE64_STANDARD
        .decode(proof["root_hash"].as_str().expect("root"))
        .expect("base64");
    let path: Vec<Vec<u8>> = proof["inclusion_proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(|h| {
            BASE64_STANDARD
                .decode(h.as_str().expect("hash"))
                .expect("base64")
        })
        .collect();
    let index = proof["leaf_index"].as_u64().expect("index");
    assert!(rfc9162_inclusion(
        index,
        size,
        leaf.as_bytes(),
        &path,
        &root
    ));
    assert!(!rfc9162_inclusion(
        index,
        size,
        b"another leaf",
        &path,
        &root
    ));
    // The checkpoint in the proof names the same root and size.
    let note = proof["checkpoint"].as_str().expect("note");
    assert!(note.starts_with(&format!(
        "{}\n{size}\n{}\n\n",
        parts[0],
        BASE64_STANDARD.encode(&root)
    )));

    // The log extends the old checkpoint.
    let out = takedown(
        &[
            "evidence",
            "verify-consistency",
            old_path.to_str().expect("utf8"),
            "--data-dir",
            d,
        ],
        &[],
    )
    .await;
    assert!(ok(&out).contains("consistent"), "{}", text(&out.stdout));

    // The key from the environment, as a file path: the same key, the same answer.
    let env_key = dir.path().join("env-key");
    std::fs::write(&env_key, &key_file).expect("key copy");
    let out = takedown(
        &["evidence", "log-key", "--data-dir", d],
        &[("TAKEDOWN_LOG_KEY", env_key.to_str().expect("utf8"))],
    )
    .await;
    assert_eq!(ok(&out).trim(), verifier_key);

    // A checkpoint re-signed with another key of the same name is not this log's: exit 3.
    let impostor = takedown_tlog::LogKey::generate(parts[0]).expect("key");
    let opened = takedown_tlog::checkpoint::open(old_note.as_bytes(), &verifier_key).expect("ours");
    let forged = impostor.sign(&opened).expect("sign");
    let forged_path = dir.path().join("forged.note");
    std::fs::write(&forged_path, forged).expect("write");
    let out = takedown(
        &[
            "evidence",
            "verify-consistency",
            forged_path.to_str().expect("utf8"),
            "--data-dir",
            d,
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not a checkpoint of this log"));

    // A capture row edited in the SQLite file: its proof fails and says why, exit 3.
    sql(
        &db,
        &format!(
            "UPDATE captures SET body = replace(body, '\"status\":200', '\"status\":404') WHERE id = '{first_capture}'"
        ),
    )
    .await;
    let out = takedown(&["evidence", "prove", &first_capture, "--data-dir", d], &[]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("was changed after it was logged"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("does not verify against checkpoint"));

    // The log rewritten without its first leaf (a capture quietly removed) and re-signed:
    // the old checkpoint exposes the fork, exit 6.
    sql(
        &db,
        "DELETE FROM log_leaves WHERE idx = 0; UPDATE log_leaves SET idx = NULL;
         DELETE FROM log_hashes; DELETE FROM log_checkpoints;",
    )
    .await;
    let out = takedown(
        &[
            "evidence",
            "verify-consistency",
            old_path.to_str().expect("utf8"),
            "--data-dir",
            d,
        ],
        &[],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("FORK"), "{}", text(&out.stderr));

    // A log rewritten under its latest checkpoint is refused, not re-signed: a leaf's row
    // edited and the tree rebuilt, then a leaf removed and the tree rebuilt.
    sql(
        &db,
        "UPDATE log_leaves SET data = data || 'edited' WHERE idx = 3;
         UPDATE log_leaves SET idx = NULL; DELETE FROM log_hashes;",
    )
    .await;
    let out = takedown(&["evidence", "checkpoint", "--data-dir", d], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("no longer holds the tree of checkpoint"),
        "{}",
        text(&out.stderr)
    );
    sql(
        &db,
        "DELETE FROM log_leaves WHERE idx = 0; UPDATE log_leaves SET idx = NULL;
         DELETE FROM log_hashes;",
    )
    .await;
    let out = takedown(&["evidence", "checkpoint", "--data-dir", d], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("refusing to sign"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_notice_the_demo_sent_is_in_the_log_with_its_exact_payload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outcome = takedown::demo::run(&takedown::demo::DemoOptions {
        dir: dir.path().join("demo"),
        report: None,
    })
    .await
    .expect("demo runs");
    let data = dir.path().join("demo").join("data");
    let d = data.to_str().expect("utf8");
    let notices: Vec<String> = outcome
        .rows
        .iter()
        .filter_map(|r| r.notice_id.clone())
        .collect();
    assert!(!notices.is_empty(), "the demo files notices");
    let mut conn = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        data.join("takedown.db").display()
    ))
    .await
    .expect("open");
    for notice in &notices {
        let out = takedown(&["evidence", "prove", notice, "--data-dir", d], &[]).await;
        let proof: serde_json::Value = serde_json::from_str(&ok(&out)).expect("json");
        assert_eq!(proof["kind"], "notice", "{proof}");
        let payload: String =
            sqlx::query_scalar("SELECT payload FROM deliveries WHERE notice_id = $1")
                .bind(notice)
                .fetch_one(&mut conn)
                .await
                .expect("the payload sent");
        let digest: String = hash(&[payload.as_bytes()])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let leaf = proof["leaf"].as_str().expect("leaf");
        assert!(
            leaf.contains(&format!("payload_sha256 {digest}\n")),
            "{leaf}"
        );
    }
    // And every capture and case event the demo recorded is a leaf too, one per row.
    let counts: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM captures),
                (SELECT COUNT(*) FROM log_leaves WHERE kind = 'capture'),
                (SELECT COUNT(*) FROM notice_events),
                (SELECT COUNT(*) FROM log_leaves WHERE kind = 'case_event')",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(counts.0, counts.1, "captures and their leaves");
    assert_eq!(counts.2, counts.3, "case events and their leaves");
    assert!(counts.2 > 0, "the platform's cases came back as events");
    let (notice, kind, case): (String, String, String) =
        sqlx::query_as("SELECT notice_id, kind, case_id FROM notice_events LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .expect("an event");
    let event = format!("{notice}/{kind}/{case}");
    let out = takedown(&["evidence", "prove", &event, "--data-dir", d], &[]).await;
    let proof: serde_json::Value = serde_json::from_str(&ok(&out)).expect("json");
    assert_eq!(proof["kind"], "case_event", "{proof}");
}
