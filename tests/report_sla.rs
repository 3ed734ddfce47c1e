//! `takedown report sla` over a data directory whose notices the test planted: per platform,
//! the time from the listing's capture to the platform's measures as p50 / p90 / max, and the
//! notices still waiting for measures; `--since` leaves older notices out.

use std::process::Output;

use chrono::{DateTime, Duration, Utc};
use takedown_model::{CaseEvent, CaseEventKind, Decision, Match, Notice, NoticeStatus};
use takedown_store::Store;

fn takedown(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .output()
        .expect("run takedown")
}

/// A match of a listing captured at `captured`, its notice to `platform` filed at `filed`,
/// and, after `measures_after` from the capture, the platform's measures.
async fn plant(
    store: &Store,
    n: usize,
    platform: &str,
    captured: DateTime<Utc>,
    filed: DateTime<Utc>,
    measures_after: Option<Duration>,
) {
    let found: Match = serde_json::from_value(serde_json::json!({
        "id": format!("mat_{n}"), "listing_id": format!("lst_{n}"),
        "listing_url": format!("http://{platform}.test/item/{n}"), "platform": platform,
        "seller": "Knockoff Co", "right_id": "rgt_1", "owner_id": "acme", "kind": "word_mark",
        "score": 0.9,
        "reason": {"type": "text", "span": "Acme", "normalized": "acme", "variant": "exact", "distance": 0},
        "capture_id": format!("cap_{n}"), "matched_at": captured
    }))
    .expect("match");
    store
        .upsert_match(&found, Decision::AutoFile)
        .await
        .expect("match");
    let notice: Notice = serde_json::from_value(serde_json::json!({
        "id": format!("ntc_{n}"), "match_id": format!("mat_{n}"), "owner_id": "acme",
        "owner_name": "Acme Ltd", "platform": platform,
        "listing_url": format!("http://{platform}.test/item/{n}"), "seller": "Knockoff Co",
        "right_id": "rgt_1", "right_kind": "word_mark", "registration_number": "EUTM 1",
        "explanation": "The title uses ACME.", "evidence": [format!("cap_{n}")],
        "good_faith_statement": "In good faith.", "filed_at": filed
    }))
    .expect("notice");
    store.insert_notice(&notice).await.expect("notice");
    if let Some(after) = measures_after {
        let event = CaseEvent {
            notice_id: notice.id.clone(),
            kind: CaseEventKind::MeasuresTaken,
            case_id: Some(format!("case_{n}")),
            detail: None,
            at: captured + after,
        };
        store
            .record_case_event(&event, NoticeStatus::MeasuresTaken)
            .await
            .expect("event");
    }
}

#[tokio::test]
async fn time_to_measures_per_platform_with_percentiles_and_waiting_notices() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let store = Store::open(&data.join("takedown.db")).await.expect("store");
    let captured: DateTime<Utc> = "2026-11-02T08:00:00Z".parse().expect("time");
    let filed = captured + Duration::minutes(5);
    // "shop": measures after 1 h, 2 h, 3 h, 4 h and 10 h; one still waiting.
    for (n, hours) in [1, 2, 3, 4, 10].into_iter().enumerate() {
        plant(
            &store,
            n,
            "shop",
            captured,
            filed,
            Some(Duration::hours(hours)),
        )
        .await;
    }
    plant(&store, 5, "shop", captured, filed, None).await;
    // "fair": one notice, measures after 30 minutes; and an old one left out by --since.
    plant(
        &store,
        6,
        "fair",
        captured,
        filed,
        Some(Duration::minutes(30)),
    )
    .await;
    let old = captured - Duration::days(60);
    plant(&store, 7, "fair", old, old, Some(Duration::days(9))).await;
    store.close().await;

    let data_arg = data.to_str().expect("utf8");
    let out = takedown(&[
        "report",
        "sla",
        "--json",
        "--since",
        "2026-11-01",
        "--data-dir",
        data_arg,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let fair = &rows[0];
    assert_eq!(fair["platform"], "fair");
    assert_eq!(fair["notices"], 1, "the old notice is before --since");
    assert_eq!(fair["max_secs"], 1800);
    let shop = &rows[1];
    assert_eq!(shop["platform"], "shop");
    assert_eq!(shop["regime"], "eu_dsa");
    assert_eq!(shop["notices"], 6);
    assert_eq!(shop["measures"], 5);
    assert_eq!(shop["waiting"], 1);
    assert_eq!(shop["p50_secs"], 3 * 3600);
    assert_eq!(shop["p90_secs"], 10 * 3600);
    assert_eq!(shop["max_secs"], 10 * 3600);

    // Without --since the old notice counts; the table is for people.
    let out = takedown(&["report", "sla", "--data-dir", data_arg]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("p90") && text.contains("shop"), "{text}");
    let fair_line = text.lines().find(|l| l.starts_with("fair")).expect("fair");
    assert!(fair_line.contains("9.0d"), "{fair_line}");
    // A --since that is not a time is a usage error naming it.
    let out = takedown(&["report", "sla", "--since", "soon", "--data-dir", data_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("soon"));
}
