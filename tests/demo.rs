//! The demo end to end: every planted infringement found, nothing else flagged, every
//! notice at the handler exactly once, and the `demo --json` contract.

use std::collections::BTreeSet;

use takedown::demo::{self, DemoOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_finds_every_planted_case_flags_nothing_else_and_delivers_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outcome = demo::run(&DemoOptions {
        dir: dir.path().join("demo"),
        report: None,
    })
    .await
    .expect("demo runs");

    assert!(
        outcome.listings_crawled >= 45,
        "crawled only {} listings",
        outcome.listings_crawled
    );
    assert!(
        outcome.planted_total >= 15,
        "the sample plants {} cases",
        outcome.planted_total
    );
    assert_eq!(
        outcome.missed,
        Vec::<String>::new(),
        "planted infringements missed"
    );
    assert_eq!(
        outcome.unexpected,
        Vec::<String>::new(),
        "clean or authorized listings flagged"
    );
    assert_eq!(outcome.planted_found, outcome.planted_total);

    // Every auto-filed match has a notice the platform acknowledged with a case.
    for row in outcome.rows.iter().filter(|r| r.decision == "auto_file") {
        assert_eq!(row.notice_status, "acknowledged", "{row:?}");
        assert!(row.case_id.is_some(), "{row:?}");
    }
    // Exactly once at the handler: one case per notice, each delivered once.
    let notice_ids: BTreeSet<_> = outcome
        .rows
        .iter()
        .filter_map(|r| r.notice_id.clone())
        .collect();
    let case_notices: BTreeSet<_> = outcome.cases.iter().map(|c| c.notice_id.clone()).collect();
    assert_eq!(notice_ids.len(), outcome.notices_filed);
    assert_eq!(case_notices, notice_ids);
    assert_eq!(outcome.cases.len(), notice_ids.len());
    assert!(
        outcome.cases.iter().all(|c| c.deliveries == 1),
        "{:?}",
        outcome.cases
    );

    let report = std::fs::read_to_string(&outcome.report).expect("report written");
    let images = report.matches("<img src=\"data:image/").count();
    let image_rows = outcome
        .rows
        .iter()
        .filter(|r| r.kind != "word_mark")
        .count();
    assert!(image_rows > 0);
    assert_eq!(
        images,
        2 * image_rows,
        "each image match shows the listing image beside the registered one"
    );

    let table = demo::table(&outcome);
    assert!(table.contains(&format!(
        "Planted infringements found: {0}/{0}",
        outcome.planted_total
    )));
}

#[test]
fn demo_json_is_the_documented_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["demo", "--json", "--dir"])
        .arg(dir.path().join("demo"))
        .output()
        .expect("run takedown demo --json");
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let rows = value["rows"].as_array().expect("rows");
    assert!(!rows.is_empty());
    for key in [
        "listing_url",
        "seller",
        "right_id",
        "kind",
        "score",
        "notice_id",
        "notice_status",
    ] {
        assert!(
            rows.iter().all(|r| r.get(key).is_some()),
            "every row has {key}"
        );
    }
    assert_eq!(value["planted_found"], value["planted_total"]);
    assert_eq!(value["unexpected"].as_array().map(Vec::len), Some(0));
    // A second run in the same directory replaces the first (the directory is the demo's).
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["demo", "--json", "--dir"])
        .arg(dir.path().join("demo"))
        .output()
        .expect("run again");
    assert!(
        again.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn demo_refuses_to_wipe_a_directory_it_did_not_make() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("precious.txt"), "keep me").expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["demo", "--dir"])
        .arg(dir.path())
        .output()
        .expect("run takedown demo");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not made by `takedown demo`"));
    assert!(dir.path().join("precious.txt").exists());
}
