//! The whole loop in separate processes: `takedown run` (the owner's side) delivers one
//! notice per regime — China's E-Commerce Law, the US DMCA, the EU DSA, a trade-fair
//! complaint — to a `takedown serve platform` desk, whose operators act over HTTP while the
//! run follows the desk's case feed. The desk is SIGKILLed mid-flow (two notices delivered,
//! one acted on, two still to come) and restarted on its database: every notice reaches the
//! desk exactly once (one case each, whatever was redelivered) and each owner's notice ends
//! in the state its case reached. Loopback only; every wait is bounded.

use std::time::Duration;

use serde_json::{Value, json};
use takedown::backends::Backends;
use takedown_bus::Topic;
use takedown_model::{Envelope, Notice, NoticeStatus, notice::FiledNotice, regime::Regime};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OPERATOR: &str = "loop-operator-token-0123456789";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// `serve platform` on `listen` over `db`, ticking every second; waits until it answers.
async fn start_desk(listen: &str, db: &std::path::Path) -> tokio::process::Child {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["serve", "platform", "--listen", listen])
        .args(["--db", db.to_str().expect("utf-8 path")])
        .args(["--common-checks-only", "--tick-every", "1"])
        .env("TAKEDOWN_PLATFORM_SECRET", SECRET)
        .env("TAKEDOWN_OPERATOR_TOKEN", OPERATOR)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("serve platform");
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if client
            .get(format!("http://{listen}/healthz"))
            .send()
            .await
            .is_ok()
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("serve platform did not answer on {listen}");
}

/// A notice under `regime`, filed as the actioner leaves it: stored, and on the notices topic.
async fn file(data: &Backends, id: &str, regime: Regime) {
    let notice = Notice {
        id: id.into(),
        match_id: format!("mat_{id}"),
        owner_id: "acme".into(),
        owner_name: "Acme".into(),
        platform: "shop".into(),
        listing_url: format!("https://shop.test/item/{id}"),
        seller: format!("seller-{id}"),
        right_id: "r1".into(),
        right_kind: "word_mark".into(),
        registration_number: "REG 1".into(),
        explanation: "uses the mark".into(),
        evidence: vec!["cap_1".into()],
        good_faith_statement: "good faith".into(),
        filed_at: chrono::Utc::now(),
    };
    let mut filed = FiledNotice::from(notice);
    filed.regime = regime;
    data.store
        .insert_notice(&filed.notice)
        .await
        .expect("notice");
    data.bus
        .publish(Topic::Notices, "shop", &Envelope::encode(&filed))
        .await
        .expect("publish");
}

async fn status(data: &Backends, id: &str) -> Option<(NoticeStatus, Option<String>)> {
    let notices = data.store.notices().await.ok()?;
    let n = notices.into_iter().find(|n| n.notice.id == id)?;
    Some((n.status, n.case_id))
}

/// Waits (at most two minutes) until the owner's notice `id` is in `want`; its case id.
async fn owner_sees(data: &Backends, id: &str, want: NoticeStatus) -> String {
    for _ in 0..1200 {
        if let Some((status, Some(case_id))) = status(data, id).await
            && status == want
        {
            return case_id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{id}: the owner sees {:?}, not {want:?}",
        status(data, id).await
    );
}

/// An operator's action on a case; the desk's answer must be 200.
async fn act(client: &reqwest::Client, base: &str, case_id: &str, action: &str, body: Value) {
    let response = client
        .post(format!("{base}/cases/{case_id}/{action}"))
        .bearer_auth(OPERATOR)
        .header("x-operator", "li.wei")
        .json(&body)
        .send()
        .await
        .expect("operator request");
    let status = response.status().as_u16();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{action} on {case_id}: {answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_regimes_through_a_desk_killed_mid_flow_each_reach_it_once_and_end_right() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listen = format!("127.0.0.1:{}", free_port());
    let base = format!("http://{listen}");
    let desk_db = dir.path().join("platform.db");
    let mut desk = start_desk(&listen, &desk_db).await;

    let data = Backends::open_dir(&dir.path().join("data"))
        .await
        .expect("data");
    let config = dir.path().join("takedown.toml");
    std::fs::write(
        &config,
        format!(
            r#"data_dir = "data"
[[platforms]]
id = "shop"
endpoint = "{base}/notices"
secret_env = "LOOP_TEST_SHOP_SECRET"
[platforms.safeguards]
max_attempts = 200
failure_threshold = 50
per_second = 20
burst = 20
[platforms.case_feed]
url = "{base}/case-events"
token_env = "LOOP_TEST_SHOP_TOKEN"
interval_secs = 0.2
"#
        ),
    )
    .expect("config");
    let mut run = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["run", "--config", config.to_str().expect("path")])
        .env("LOOP_TEST_SHOP_SECRET", SECRET)
        .env("LOOP_TEST_SHOP_TOKEN", OPERATOR)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("start takedown run");
    let client = reqwest::Client::new();

    // Two notices delivered; the CN one acted on.
    file(&data, "ntc_cn", Regime::CnEcommerce).await;
    file(&data, "ntc_dmca", Regime::UsDmca).await;
    let cn = owner_sees(&data, "ntc_cn", NoticeStatus::Acknowledged).await;
    let dmca = owner_sees(&data, "ntc_dmca", NoticeStatus::Acknowledged).await;
    act(&client, &base, &cn, "measures", json!({})).await;

    // The desk dies without a word while two more notices are filed.
    desk.kill().await.expect("SIGKILL the desk");
    file(&data, "ntc_dsa", Regime::EuDsa).await;
    file(&data, "ntc_fair", Regime::TradeFair).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut desk = start_desk(&listen, &desk_db).await;

    // Delivered after the restart; the operators go on.
    let dsa = owner_sees(&data, "ntc_dsa", NoticeStatus::Acknowledged).await;
    let fair = owner_sees(&data, "ntc_fair", NoticeStatus::Acknowledged).await;
    act(&client, &base, &dmca, "measures", json!({})).await;
    let counter = json!({ "declaration": "the goods are genuine", "evidence": ["invoice"] });
    act(&client, &base, &dmca, "counter-notice", counter).await;
    act(
        &client,
        &base,
        &dsa,
        "reject",
        json!({ "reason": "not a registered mark" }),
    )
    .await;
    let reasons = json!({ "statement_of_reasons": "counterfeit at booth H1" });
    act(&client, &base, &fair, "measures", reasons).await;

    // The owner's side follows each case to where it is.
    assert_eq!(
        owner_sees(&data, "ntc_cn", NoticeStatus::MeasuresTaken).await,
        cn
    );
    assert_eq!(
        owner_sees(&data, "ntc_dmca", NoticeStatus::CounterNotice).await,
        dmca
    );
    assert_eq!(
        owner_sees(&data, "ntc_dsa", NoticeStatus::Rejected).await,
        dsa
    );
    assert_eq!(
        owner_sees(&data, "ntc_fair", NoticeStatus::MeasuresTaken).await,
        fair
    );

    // Exactly once at the desk: one case per notice, under the notice's own regime.
    let response = client
        .get(format!("{base}/cases?limit=100"))
        .bearer_auth(OPERATOR)
        .header("x-operator", "li.wei")
        .send()
        .await
        .expect("inbox");
    let inbox: Value = response.json().await.expect("inbox json");
    let mut cases: Vec<(String, String)> = inbox
        .as_array()
        .expect("inbox")
        .iter()
        .map(|c| {
            (
                c["notice_id"].as_str().expect("notice").to_owned(),
                c["regime"].as_str().expect("regime").to_owned(),
            )
        })
        .collect();
    cases.sort();
    assert_eq!(
        cases,
        [
            ("ntc_cn", "cn_ecommerce"),
            ("ntc_dmca", "us_dmca"),
            ("ntc_dsa", "eu_dsa"),
            ("ntc_fair", "trade_fair"),
        ]
        .map(|(n, r)| (n.to_owned(), r.to_owned()))
    );

    // Stop both as an operator would.
    for child in [&mut run, &mut desk] {
        let pid = child.id().expect("pid").to_string();
        let stopped = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        assert!(stopped.success());
        let exit = tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .expect("stops after SIGTERM")
            .expect("wait");
        assert!(exit.success(), "{exit:?}");
    }
}
