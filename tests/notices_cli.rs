//! `takedown notices dead-letters` and `takedown notices requeue`, run as the binary over a
//! data directory whose outbox holds dead letters.

use std::process::Output;

use takedown::backends::Storage;
use takedown_model::Notice;

fn takedown(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .output()
        .expect("run takedown")
}

fn notice(id: &str, platform: &str) -> Notice {
    Notice {
        id: id.into(),
        match_id: format!("mat_{id}"),
        owner_id: "acme".into(),
        owner_name: "Acme GmbH".into(),
        platform: platform.into(),
        listing_url: format!("https://{platform}.test/{id}"),
        seller: "Seller".into(),
        right_id: "r1".into(),
        right_kind: "word_mark".into(),
        registration_number: "EUTM 1".into(),
        explanation: "uses the mark".into(),
        evidence: vec!["cap_1".into()],
        good_faith_statement: "good faith".into(),
        filed_at: chrono::Utc::now(),
    }
}

/// A data directory with three deliveries: two dead letters and one still pending.
async fn outbox(dir: &std::path::Path) -> Storage {
    let data = Storage::open_dir(dir).await.expect("data dir");
    for (id, platform) in [("ntc_a", "shop"), ("ntc_b", "fair"), ("ntc_c", "shop")] {
        data.store
            .enqueue_delivery(&notice(id, platform), "{}")
            .await
            .expect("enqueue");
    }
    data.store
        .dead_letter(
            "ntc_a",
            "platform answered 422 Unprocessable Entity: missing notifier.email",
        )
        .await
        .expect("dead letter");
    data.store
        .dead_letter("ntc_b", "endpoint disabled: platform answered 410 Gone")
        .await
        .expect("dead letter");
    data
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn dead_letters_are_listed_with_their_reason_and_requeued_by_id() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let data = outbox(&dir).await;
    let dir_arg = dir.to_str().expect("path");

    let listed = stdout(&takedown(&[
        "notices",
        "dead-letters",
        "--json",
        "--data-dir",
        dir_arg,
    ]));
    let rows: Vec<serde_json::Value> = listed
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 2, "{listed}");
    assert_eq!(rows[0]["notice_id"], "ntc_a");
    assert_eq!(rows[0]["platform"], "shop");
    assert_eq!(rows[0]["attempts"], 1);
    assert!(
        rows[0]["reason"]
            .as_str()
            .expect("reason")
            .contains("missing notifier.email")
    );
    assert_eq!(rows[1]["notice_id"], "ntc_b");

    let table = stdout(&takedown(&[
        "notices",
        "dead-letters",
        "--data-dir",
        dir_arg,
    ]));
    assert!(
        table.contains("ntc_b\tfair\t1 attempts\tendpoint disabled: platform answered 410 Gone"),
        "{table}"
    );

    let requeued = stdout(&takedown(&[
        "notices",
        "requeue",
        "ntc_a",
        "--data-dir",
        dir_arg,
    ]));
    assert_eq!(requeued.trim(), "requeued ntc_a");
    let (state, attempts, _) = data
        .store
        .delivery_state("ntc_a")
        .await
        .expect("state")
        .expect("row");
    assert_eq!((state.as_str(), attempts), ("pending", 0));
    let dead = data.store.dead_letters().await.expect("dead");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].notice_id, "ntc_b");
}

#[tokio::test]
async fn requeue_all_empties_the_dead_letters_and_an_unknown_id_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    let data = outbox(&dir).await;
    let dir_arg = dir.to_str().expect("path");

    // A pending delivery is not a dead letter: refused by name, nothing changed.
    let out = takedown(&["notices", "requeue", "ntc_c", "nope", "--data-dir", dir_arg]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not dead letters: ntc_c, nope"), "{stderr}");

    let out = stdout(&takedown(&[
        "notices",
        "requeue",
        "--all",
        "--data-dir",
        dir_arg,
    ]));
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(data.store.dead_letters().await.expect("dead").is_empty());
    assert_eq!(data.store.pending_deliveries().await.expect("pending"), 3);

    // Neither ids nor --all: clap says what is missing.
    let out = takedown(&["notices", "requeue", "--data-dir", dir_arg]);
    assert!(!out.status.success());
    // The plain listing still works beside the subcommands.
    stdout(&takedown(&["notices", "--data-dir", dir_arg]));
}
