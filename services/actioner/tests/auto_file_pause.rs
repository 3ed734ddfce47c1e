//! The sender-side safeguard: when too many of an owner's recent notices on a platform ended
//! rejected or restored after a counter-notice (more than 10 % of at least 10, by default),
//! auto-filing pauses for that owner on that platform — a match that would have been filed
//! waits for review — while other platforms go on as before.

mod common;

use common::{Consumer, drain, found, world};
use takedown_bus::Topic;
use takedown_model::{CaseEvent, CaseEventKind, Decision, Envelope, Notice, NoticeStatus};
use takedown_store::Store;

/// A notice of "acme" on `platform`, filed earlier, which the platform then decided as
/// `ended`.
async fn past_notice(store: &Store, n: usize, platform: &str, ended: NoticeStatus) {
    let notice: Notice = serde_json::from_value(serde_json::json!({
        "id": format!("ntc_past_{platform}_{n}"), "match_id": format!("mat_past_{platform}_{n}"),
        "owner_id": "acme", "owner_name": "Acme Ltd", "platform": platform,
        "listing_url": format!("http://{platform}.test/item/{n}"), "seller": "someone",
        "right_id": "rgt_1", "right_kind": "word_mark", "registration_number": "EUTM 018000001",
        "explanation": "The title uses ACME.", "evidence": ["cap_past"],
        "good_faith_statement": "In good faith.", "filed_at": "2026-11-01T10:00:00Z"
    }))
    .expect("notice");
    assert!(store.insert_notice(&notice).await.expect("insert"));
    let kind = match ended {
        NoticeStatus::Rejected => CaseEventKind::Rejected,
        NoticeStatus::ClosedRestored => CaseEventKind::ClosedRestored,
        _ => CaseEventKind::MeasuresTaken,
    };
    let event = CaseEvent {
        notice_id: notice.id.clone(),
        kind,
        case_id: Some(format!("case_{n}")),
        detail: None,
        at: chrono::Utc::now(),
    };
    store.record_case_event(&event, ended).await.expect("event");
}

/// The decision stored for a 0.9 word-mark match on "shop" (the default policy files it
/// at 0.8) after "acme"'s past notices on "shop" ended: `bad` rejected or restored, the rest
/// of `decided` with measures taken.
async fn decision_after(decided: usize, bad: usize) -> (Decision, usize) {
    let w = world(Some("legal@acme.example")).await;
    for n in 0..decided {
        let ended = match n {
            n if n < bad / 2 => NoticeStatus::Rejected,
            n if n < bad => NoticeStatus::ClosedRestored,
            _ => NoticeStatus::MeasuresTaken,
        };
        past_notice(&w.store, n, "shop", ended).await;
    }
    // Another platform's bad record says nothing about "shop".
    for n in 0..20 {
        past_notice(&w.store, n, "elsewhere", NoticeStatus::Rejected).await;
    }
    w.bus
        .publish(Topic::Matches, "acme", &Envelope::encode(&found(0.9)))
        .await
        .expect("publish");
    drain(&w, Consumer::Matches).await;
    let matches = w.store.matches().await.expect("matches");
    assert_eq!(matches.len(), 1);
    let filed = w
        .store
        .notices()
        .await
        .expect("notices")
        .iter()
        .filter(|n| n.notice.match_id == "mat_1")
        .count();
    (matches[0].decision, filed)
}

#[tokio::test]
async fn three_bad_endings_of_ten_pause_auto_filing_on_that_platform() {
    assert_eq!(decision_after(10, 3).await, (Decision::Review, 0));
}

#[tokio::test]
async fn one_bad_ending_of_ten_is_within_the_share_and_the_match_is_filed() {
    assert_eq!(decision_after(10, 1).await, (Decision::AutoFile, 1));
}

#[tokio::test]
async fn too_few_decided_notices_do_not_pause_even_if_all_ended_badly() {
    assert_eq!(decision_after(5, 5).await, (Decision::AutoFile, 1));
}

#[test]
fn the_pause_is_read_from_the_policy_and_refuses_a_share_outside_0_to_1() {
    let policy: takedown_actioner::Policy = toml::from_str(
        "[auto_file_pause]\nmax_bad_share = 0.25\nwindow_days = 30\nmin_decided = 4\n",
    )
    .expect("policy");
    assert!(policy.auto_file_pause.pauses(4, 2));
    assert!(!policy.auto_file_pause.pauses(4, 1));
    assert!(!policy.auto_file_pause.pauses(3, 3));
    let err =
        toml::from_str::<takedown_actioner::Policy>("[auto_file_pause]\nmax_bad_share = 1.5\n")
            .expect_err("out of range")
            .to_string();
    assert!(err.contains("between 0 and 1"), "{err}");
}
