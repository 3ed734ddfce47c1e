//! `takedown run` with a platform configured in TOML: the notifier delivers through the
//! configured webhook (secret from the environment, its own safeguards) to the reference
//! handler, which checks the notice's EU DSA elements and opens a case; the configured
//! case-event feed then brings the platform's later steps back to the owner's notice.

use std::{sync::Arc, time::Duration};

use chrono::NaiveDate;
use takedown::backends::Backends;
use takedown_bus::Topic;
use takedown_model::{
    CaseEventKind, Envelope, Notice, NoticeStatus,
    notice::{Bilingual, EvidenceRef, FiledNotice, NoticeItem, Party, Regime, Signature},
};
use takedown_platform::{
    CaseFlow, CaseStore, Event, HandlerState, OperatorState, OperatorToken, RecordingListings,
    RecordingSellers, RepeatPolicy, SystemClock,
};
use takedown_webhook::Secret;

const SECRET: &str = "run-test-secret-0123456789abcdef";
const TOKEN: &str = "run-test-operator-token-0123456789";

/// A notice with everything the EU DSA art. 16(2) asks for.
fn dsa_notice(id: &str) -> FiledNotice {
    let notice = Notice {
        id: id.into(),
        match_id: "mat_run".into(),
        owner_id: "acme".into(),
        owner_name: "Acme GmbH".into(),
        platform: "shop".into(),
        listing_url: "https://shop.test/item/7".into(),
        seller: "Seller".into(),
        right_id: "r1".into(),
        right_kind: "word_mark".into(),
        registration_number: "EUTM 1".into(),
        explanation: "uses the mark".into(),
        evidence: vec!["cap_1".into()],
        good_faith_statement: "good faith".into(),
        filed_at: chrono::Utc::now(),
    };
    let mut filed = FiledNotice::from(notice);
    filed.regime = Regime::EuDsa;
    filed.notifier = Party {
        name: "Acme GmbH".into(),
        email: Some("ip@acme.test".into()),
        ..Party::default()
    };
    filed.rights_holder = filed.notifier.clone();
    filed.right.registration_number = "EUTM 1".into();
    filed.items = vec![NoticeItem {
        key: "mat_run".into(),
        listing_url: "https://shop.test/item/7".into(),
        booth: None,
        evidence: vec![EvidenceRef {
            capture_id: "cap_1".into(),
            body_digest: "ab".repeat(32),
            ..Default::default()
        }],
    }];
    let en = |text: &str| Bilingual {
        en: text.into(),
        zh: None,
    };
    filed.explanation_text = en("The title uses the registered mark.");
    filed.good_faith = en("In good faith.");
    filed.accuracy = en("Accurate and complete.");
    filed.signature = Some(Signature {
        name: "A. Counsel".into(),
        date: NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"),
    });
    filed
}

/// Polls `check` every 100 ms for at most 60 s.
async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn status(data: &Backends) -> Option<(NoticeStatus, Option<String>)> {
    status_of(data, "ntc_run").await
}

async fn status_of(data: &Backends, id: &str) -> Option<(NoticeStatus, Option<String>)> {
    let notices = data.store.notices().await.ok()?;
    let n = notices.into_iter().find(|n| n.notice.id == id)?;
    Some((n.status, n.case_id))
}

/// The platform's desk in this process and `takedown run` (the owner's side) in another,
/// with one filed notice waiting for delivery.
struct Loop {
    cases: CaseStore,
    flow: CaseFlow,
    data: Backends,
    run: tokio::process::Child,
    _dir: tempfile::TempDir,
}

impl Loop {
    /// Stops the run as Ctrl-C would; it exits cleanly.
    async fn stop(mut self) {
        let pid = self.run.id().expect("pid").to_string();
        let stopped = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill -INT");
        assert!(stopped.success());
        let exit = tokio::time::timeout(Duration::from_secs(30), self.run.wait())
            .await
            .expect("run stops after SIGINT")
            .expect("wait");
        assert!(exit.success(), "{exit:?}");
    }
}

async fn start_loop(notice_id: &str) -> Loop {
    let dir = tempfile::tempdir().expect("tempdir");

    // The platform: the reference handler with its operator routes (and so its feed).
    let cases = CaseStore::open(&dir.path().join("platform.db"))
        .await
        .expect("cases")
        .with_regime_checks(true);
    let flow = CaseFlow::new(
        cases.clone(),
        Arc::new(SystemClock),
        Arc::new(RecordingListings::default()),
        Arc::new(RecordingSellers::default()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(takedown_platform::serve_with_operations(
        HandlerState {
            cases: cases.clone(),
            secret: Secret::parse(SECRET).expect("secret"),
            tolerance_secs: 300,
        },
        OperatorState {
            flow: flow.clone(),
            token: Some(OperatorToken::new(TOKEN).expect("token")),
            repeat: RepeatPolicy::default(),
        },
        listener,
        std::future::pending(),
    ));

    // The owner's side: a filed notice waiting on the notices topic, as the actioner leaves it.
    let data = Backends::open_dir(&dir.path().join("data"))
        .await
        .expect("data");
    let filed = dsa_notice(notice_id);
    data.store
        .insert_notice(&filed.notice)
        .await
        .expect("notice");
    data.bus
        .publish(Topic::Notices, "shop", &Envelope::encode(&filed))
        .await
        .expect("publish");

    let config = dir.path().join("takedown.toml");
    std::fs::write(
        &config,
        format!(
            r#"data_dir = "data"
[[platforms]]
id = "shop"
endpoint = "{base}/notices"
secret_env = "RUN_TEST_SHOP_SECRET"
[platforms.safeguards]
max_attempts = 20
per_second = 5
burst = 5
[platforms.case_feed]
url = "{base}/case-events"
token_env = "RUN_TEST_SHOP_TOKEN"
interval_secs = 0.2
"#
        ),
    )
    .expect("config");
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["run", "--config", config.to_str().expect("path")])
        .env("RUN_TEST_SHOP_SECRET", SECRET)
        .env("RUN_TEST_SHOP_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("start takedown run");
    Loop {
        cases,
        flow,
        data,
        run,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_delivers_by_config_and_follows_the_case_feed() {
    let Loop {
        cases,
        flow,
        data,
        run,
        _dir,
    } = start_loop("ntc_run").await;

    // Delivered: the handler opened a case and the owner's notice knows its id.
    let acknowledged = eventually(|| async {
        matches!(
            status(&data).await,
            Some((NoticeStatus::Acknowledged, Some(_)))
        )
    })
    .await;
    assert!(acknowledged, "not delivered: {:?}", status(&data).await);
    let opened = cases.cases().await.expect("cases");
    assert_eq!(opened.len(), 1);
    let case_id = opened[0].case_id.clone();
    assert_eq!(
        status(&data).await.and_then(|(_, case)| case),
        Some(case_id.clone())
    );

    // The platform acts; the feed brings it back to the owner's notice.
    flow.apply(
        &case_id,
        Event::TakeMeasures {
            statement_of_reasons: Some("counterfeit of a registered EU trade mark".into()),
        },
        "operator",
    )
    .await
    .expect("take measures");
    let followed = eventually(|| async {
        matches!(status(&data).await, Some((NoticeStatus::MeasuresTaken, _)))
    })
    .await;
    assert!(followed, "feed not followed: {:?}", status(&data).await);

    Loop {
        cases,
        flow,
        data,
        run,
        _dir,
    }
    .stop()
    .await;
}

/// DSA art. 20 through the loop: the desk rejects the notice, the owner's complaint against
/// the rejection shows on the owner's notice while the desk reviews it, and the review's
/// outcome — here the rejection standing, a second `rejected` on the desk — ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_on_the_desk_and_its_review_show_on_the_owners_notice() {
    let desk = start_loop("ntc_complaint").await;
    let now = |id| {
        let data = &desk.data;
        async move { status_of(data, id).await.map(|(status, _)| status) }
    };
    let reached = |want: NoticeStatus| async move {
        eventually(|| async { now("ntc_complaint").await == Some(want) }).await
    };
    assert!(
        reached(NoticeStatus::Acknowledged).await,
        "not delivered: {:?}",
        now("ntc_complaint").await
    );
    let case_id = desk.cases.cases().await.expect("cases")[0].case_id.clone();
    let apply = |event| desk.flow.apply(&case_id, event, "operator");
    apply(Event::Reject {
        reason: "the registration number does not match the register".into(),
    })
    .await
    .expect("reject");
    assert!(
        reached(NoticeStatus::Rejected).await,
        "{:?}",
        now("ntc_complaint").await
    );

    apply(Event::Complaint {
        grounds: "the register shows the number; extract attached".into(),
        evidence: vec!["cap_register".into()],
    })
    .await
    .expect("complaint");
    assert!(
        reached(NoticeStatus::Complaint).await,
        "{:?}",
        now("ntc_complaint").await
    );

    apply(Event::ReviewDecided {
        upheld: false,
        reason: "the extract is of another mark".into(),
    })
    .await
    .expect("review");
    assert!(
        reached(NoticeStatus::Rejected).await,
        "{:?}",
        now("ntc_complaint").await
    );
    let events = desk
        .data
        .store
        .case_events("ntc_complaint")
        .await
        .expect("events");
    let kinds: Vec<CaseEventKind> = events.iter().map(|e| e.kind).collect();
    assert!(
        kinds.ends_with(&[
            CaseEventKind::Rejected,
            CaseEventKind::ComplaintReceived,
            CaseEventKind::ComplaintDismissed
        ]),
        "{kinds:?}"
    );
    desk.stop().await;
}
