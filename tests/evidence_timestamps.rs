//! RFC 3161 timestamps over the evidence log's checkpoints, against a real TSA: a test CA
//! and TSA certificate made with `openssl`, and `openssl ts -reply` behind a loopback HTTP
//! wrapper (`common::tsa`). A token that verifies is taken; a token from another TSA's CA,
//! for another imprint, with another nonce or altered is refused; `openssl ts -verify`
//! agrees with what we accept; and without a TSA the evidence says no third-party time
//! exists.

use std::{path::Path, process::Output};

use takedown_tlog::{
    TimestampError, TimestampQuery, TrustAnchors, checkpoint, timestamp::verify_reply,
};

mod common;

use common::{
    evidence::{ok, text},
    tsa::{self, TestTsa},
};

async fn takedown(args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("TAKEDOWN_LOG_KEY")
        .output()
        .await
        .expect("run takedown")
}

fn anchors(dir: &Path) -> TrustAnchors {
    TrustAnchors::from_pem_or_der(&std::fs::read(dir.join("ca.crt")).expect("ca")).expect("anchors")
}

#[test]
fn tokens_from_a_real_tsa_verify_and_forgeries_are_refused() {
    let root = tempfile::tempdir().expect("tempdir");
    let (ours, theirs) = (root.path().join("ours"), root.path().join("theirs"));
    tsa::make_tsa_files(&ours, "Ours");
    tsa::make_tsa_files(&theirs, "Theirs");
    let body = b"takedown/0123456789abcdef\n7\nq83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\n";
    let query = TimestampQuery::new(body).expect("query");
    let reply = tsa::reply(&ours, &query.der);

    let verified =
        verify_reply(&reply, &query.imprint, Some(query.nonce), &anchors(&ours)).expect("ours");
    assert!(verified.anchored);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(
        verified.gen_time_unix.abs_diff(now) < 120,
        "genTime {} is now",
        verified.gen_time
    );
    assert_eq!(verified.policy, "1.3.6.1.4.1.55555.1");

    // OpenSSL's own verifier agrees, from the data itself.
    std::fs::write(root.path().join("body"), body).expect("body");
    std::fs::write(root.path().join("reply.tsr"), &reply).expect("reply");
    let openssl = std::process::Command::new("openssl")
        .args([
            "ts",
            "-verify",
            "-data",
            "body",
            "-in",
            "reply.tsr",
            "-CAfile",
        ])
        .arg(ours.join("ca.crt"))
        .current_dir(root.path())
        .output()
        .expect("openssl ts -verify");
    assert!(
        openssl.status.success(),
        "{}",
        String::from_utf8_lossy(&openssl.stderr)
    );

    // A token from another TSA, under another CA.
    let foreign = tsa::reply(&theirs, &query.der);
    let refused = verify_reply(&foreign, &query.imprint, Some(query.nonce), &anchors(&ours));
    assert!(
        matches!(refused, Err(TimestampError::Untrusted(_))),
        "{refused:?}"
    );
    // Our token, judged by their CA.
    let refused = verify_reply(&reply, &query.imprint, Some(query.nonce), &anchors(&theirs));
    assert!(
        matches!(refused, Err(TimestampError::Untrusted(_))),
        "{refused:?}"
    );
    // A token for another imprint (another checkpoint's).
    let other = TimestampQuery::new(b"another checkpoint\n").expect("query");
    let refused = verify_reply(
        &tsa::reply(&ours, &other.der),
        &query.imprint,
        Some(other.nonce),
        &anchors(&ours),
    );
    assert!(
        matches!(refused, Err(TimestampError::WrongImprint { .. })),
        "{refused:?}"
    );
    // The right imprint with another query's nonce (a replayed reply).
    let again = TimestampQuery::new(body).expect("query");
    let refused = verify_reply(&reply, &again.imprint, Some(again.nonce), &anchors(&ours));
    assert!(
        matches!(refused, Err(TimestampError::WrongNonce { .. })),
        "{refused:?}"
    );
    // One digit of genTime changed: the signed digest no longer matches.
    let mut altered = reply.clone();
    let at = altered
        .windows(2)
        .position(|w| w == [0x18, 0x0f])
        .expect("a GeneralizedTime");
    altered[at + 2 + 3] ^= 0x01; // the year's last digit
    let refused = verify_reply(&altered, &query.imprint, Some(query.nonce), &anchors(&ours));
    assert!(
        matches!(refused, Err(TimestampError::BadSignature(_))),
        "{refused:?}"
    );
    // Without an anchor the signature is still checked, and the chain is said unchecked.
    let unanchored = verify_reply(
        &reply,
        &query.imprint,
        Some(query.nonce),
        &TrustAnchors::default(),
    )
    .expect("signature");
    assert!(!unanchored.anchored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_are_timestamped_through_the_binary() {
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
    let root = tempfile::tempdir().expect("tempdir");
    let ours = TestTsa::start(&root.path().join("ours"), "Ours");
    let theirs = TestTsa::start(&root.path().join("theirs"), "Theirs");
    let data = root.path().join("data");
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
            ok(&takedown(&args).await);
        }
    };
    let ca = ours.ca_file.to_str().expect("utf8");

    // No TSA: signed, and said plainly to have no third-party time.
    crawl("2").await;
    let out = takedown(&["evidence", "checkpoint", "--data-dir", d]).await;
    ok(&out);
    assert!(
        text(&out.stderr).contains("no trusted timestamp"),
        "{}",
        text(&out.stderr)
    );
    let capture: String = {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!(
            "sqlite://{}",
            data.join("takedown.db").display()
        ))
        .await
        .expect("open");
        let id = sqlx::query_scalar("SELECT ref_id FROM log_leaves WHERE kind = 'capture' LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .expect("a capture leaf");
        conn.close().await.expect("close");
        id
    };
    let proof: serde_json::Value = serde_json::from_str(&ok(&takedown(&[
        "evidence",
        "prove",
        &capture,
        "--data-dir",
        d,
    ])
    .await))
    .expect("json");
    assert!(proof["timestamp"].is_null());
    assert!(
        proof["time_source"]
            .as_str()
            .is_some_and(|s| s.contains("our own clock")),
        "{proof}"
    );

    // With our TSA: the new checkpoint's token is stored and verifies.
    crawl("4").await;
    let out = takedown(&[
        "evidence",
        "checkpoint",
        "--tsa-url",
        &ours.url,
        "--tsa-ca-file",
        ca,
        "--data-dir",
        d,
    ])
    .await;
    let note = ok(&out);
    assert!(
        text(&out.stderr).contains("timestamped by"),
        "{}",
        text(&out.stderr)
    );
    let proof: serde_json::Value = serde_json::from_str(&ok(&takedown(&[
        "evidence",
        "prove",
        &capture,
        "--tsa-ca-file",
        ca,
        "--data-dir",
        d,
    ])
    .await))
    .expect("json");
    assert_eq!(proof["checkpoint"].as_str(), Some(note.as_str()));
    assert_eq!(
        proof["timestamp"]["tsa_url"].as_str(),
        Some(ours.url.as_str())
    );
    assert_eq!(proof["timestamp"]["chain_checked"].as_bool(), Some(true));

    // The stored token, checked by OpenSSL against the checkpoint's signed text.
    let store = takedown_store::Store::open(&data.join("takedown.db"))
        .await
        .expect("store");
    let size = proof["tree_size"].as_u64().expect("size");
    let stamp = store
        .checkpoint_timestamp(size)
        .await
        .expect("read")
        .expect("stored");
    store.close().await;
    let signed = checkpoint::signed_text(&note).expect("signed text");
    std::fs::write(root.path().join("signed.txt"), signed).expect("write");
    std::fs::write(root.path().join("stored.tsr"), &stamp.reply).expect("write");
    std::fs::write(root.path().join("stored.tsq"), &stamp.query).expect("write");
    for args in [["-data", "signed.txt"], ["-queryfile", "stored.tsq"]] {
        let openssl = std::process::Command::new("openssl")
            .args(["ts", "-verify", "-in", "stored.tsr", "-CAfile"])
            .arg(&ours.ca_file)
            .args(args)
            .current_dir(root.path())
            .output()
            .expect("openssl ts -verify");
        assert!(
            openssl.status.success(),
            "{}",
            String::from_utf8_lossy(&openssl.stderr)
        );
    }

    // Judged by another CA, the same stored token does not verify.
    let out = takedown(&[
        "evidence",
        "prove",
        &capture,
        "--tsa-ca-file",
        theirs.ca_file.to_str().expect("utf8"),
        "--data-dir",
        d,
    ])
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("timestamp"),
        "{}",
        text(&out.stderr)
    );

    // Another TSA (not under our CA) is refused; an unreachable one fails: both exit 10,
    // with the checkpoint signed and printed all the same.
    crawl("6").await;
    let out = takedown(&[
        "evidence",
        "checkpoint",
        "--tsa-url",
        &theirs.url,
        "--tsa-ca-file",
        ca,
        "--data-dir",
        d,
    ])
    .await;
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("refused"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains('\u{2014}'),
        "the note is printed"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!("http://{}/tsa", closed.local_addr().expect("addr"));
    drop(closed);
    crawl("8").await;
    let out = takedown(&[
        "evidence",
        "checkpoint",
        "--tsa-url",
        &dead,
        "--tsa-ca-file",
        ca,
        "--data-dir",
        d,
    ])
    .await;
    assert_eq!(out.status.code(), Some(10), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("did not answer"),
        "{}",
        text(&out.stderr)
    );
}
