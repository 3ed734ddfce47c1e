//! The operators' routes over real HTTP on 127.0.0.1, next to the unchanged signed
//! `POST /notices`: bearer-token access, a case moved through measures, counter-notice,
//! forwarding and expiry, with the HTTP listing service calling a local listing endpoint.

mod common;

use std::sync::{Arc, Mutex};

use axum::{Json, Router, http::StatusCode, routing::post};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use takedown_platform::{
    CaseFlow, HandlerState, HttpListingService, ManualClock, OperatorState, OperatorToken,
    RecordingSellers, Regime, RepeatPolicy,
};
use takedown_webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Secret};

const SECRET: &str = "handler-test-secret-0123456789";
const TOKEN: &str = "operator-token-0123456789";

type Calls = Arc<Mutex<Vec<Value>>>;

/// A listing service that records each call and refuses listings whose URL says "refuse".
async fn listing_endpoint() -> (String, Calls) {
    let calls: Calls = Arc::default();
    let seen = calls.clone();
    let app = Router::new().route(
        "/listings",
        post(move |Json(body): Json<Value>| {
            let seen = seen.clone();
            async move {
                let refuse = body["listing_url"]
                    .as_str()
                    .unwrap_or("")
                    .contains("refuse");
                seen.lock().unwrap().push(body);
                if refuse {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/listings", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

struct Running {
    base: String,
    clock: ManualClock,
    listing_calls: Calls,
    _dir: tempfile::TempDir,
}

async fn start() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(
        DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z")
            .unwrap()
            .to_utc(),
    );
    let cases = common::open_cases(dir.path())
        .await
        .with_clock(Arc::new(clock.clone()))
        .with_platform_regime("shop", Regime::CnEcommerce);
    let (listing_url, listing_calls) = listing_endpoint().await;
    let flow = CaseFlow::new(
        cases.clone(),
        Arc::new(clock.clone()),
        Arc::new(HttpListingService::new(listing_url).unwrap()),
        Arc::new(RecordingSellers::default()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = HandlerState {
        cases,
        secret: Secret::parse(SECRET).unwrap(),
        tolerance_secs: 300,
    };
    let operations = OperatorState {
        flow,
        token: Some(OperatorToken::new(TOKEN).unwrap()),
        repeat: RepeatPolicy::default(),
    };
    tokio::spawn(takedown_platform::serve_with_operations(
        state,
        operations,
        listener,
        std::future::pending(),
    ));
    Running {
        base,
        clock,
        listing_calls,
        _dir: dir,
    }
}

async fn file_notice(base: &str, id: &str, listing_url: &str) -> String {
    let body = json!({
        "type": "notice.filed",
        "timestamp": "2026-03-02T02:00:00Z",
        "data": {
            "id": id, "match_id": "mat_1", "owner_id": "acme", "owner_name": "Acme GmbH",
            "platform": "shop", "listing_url": listing_url, "seller": "S",
            "right_id": "r1", "right_kind": "word_mark", "registration_number": "CN 1234567",
            "explanation": "uses the mark", "evidence": ["cap_1"],
            "good_faith_statement": "good faith", "filed_at": "2026-03-02T02:00:00Z"
        }
    })
    .to_string();
    let ts = Utc::now().timestamp();
    let signature = Secret::parse(SECRET).unwrap().sign(id, ts, body.as_bytes());
    let response = reqwest::Client::new()
        .post(format!("{base}/notices"))
        .header(HEADER_ID, id)
        .header(HEADER_TIMESTAMP, ts.to_string())
        .header(HEADER_SIGNATURE, signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], "received");
    answer["case_id"].as_str().unwrap().to_owned()
}

async fn call(method: &str, url: String, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = match method {
        "GET" => client.get(url),
        _ => client.post(url),
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request = request.header("x-operator", "alice");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn operator_routes_need_the_bearer_token() {
    let handler = start().await;
    for token in [None, Some("operator-token-012345678X"), Some("short")] {
        let (status, answer) = call("GET", format!("{}/metrics", handler.base), token, None).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (401, Some("unauthorized"))
        );
    }
    let (status, _) = call(
        "GET",
        format!("{}/metrics", handler.base),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

async fn an_operator_moves_a_case_from_notice_to_restoration() {
    let handler = start().await;
    let base = &handler.base;
    let case = file_notice(base, "ntc_op1", "http://shop.test/item/1").await;
    let url = |action: &str| format!("{base}/cases/{case}/{action}");

    let (status, view) = call("POST", url("measures"), Some(TOKEN), None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["state"], "seller_notified");
    assert_eq!(
        handler.listing_calls.lock().unwrap().clone(),
        vec![json!({ "action": "take_down", "listing_url": "http://shop.test/item/1" })]
    );

    let counter = json!({ "declaration": "genuine goods", "evidence": ["invoice.pdf"] });
    let (status, view) = call("POST", url("counter-notice"), Some(TOKEN), Some(counter)).await;
    assert_eq!(
        (status, view["state"].as_str()),
        (200, Some("counter_notice_received"))
    );

    // An event the state does not allow names both.
    let (status, answer) = call("POST", url("acknowledge"), Some(TOKEN), None).await;
    assert_eq!(status, 409);
    assert_eq!(
        (answer["state"].as_str(), answer["event"].as_str()),
        (Some("counter_notice_received"), Some("acknowledge"))
    );
    let (status, _) = call("POST", url("expire"), Some(TOKEN), None).await;
    assert_eq!(status, 404);
    let (status, answer) = call("POST", url("escalation"), Some(TOKEN), Some(json!([1]))).await;
    assert_eq!((status, answer["error"].as_str()), (422, Some("malformed")));

    let reached = json!({ "reached_at": "2026-03-03T10:00:00+08:00" });
    let (status, view) = call("POST", url("forwarded"), Some(TOKEN), Some(reached)).await;
    assert_eq!(
        (status, view["state"].as_str()),
        (200, Some("counter_forwarded"))
    );
    assert_eq!(view["deadline"], "2026-03-18T16:00:00Z");

    handler.clock.advance(Duration::days(20));
    let (status, report) = call("POST", format!("{base}/tick"), Some(TOKEN), None).await;
    assert_eq!(status, 200);
    assert_eq!(report["expired"], json!([case]));
    assert_eq!(
        handler.listing_calls.lock().unwrap().last(),
        Some(&json!({ "action": "restore", "listing_url": "http://shop.test/item/1" }))
    );

    let (status, view) = call("GET", format!("{base}/cases/{case}"), Some(TOKEN), None).await;
    assert_eq!(
        (status, view["state"].as_str()),
        (200, Some("closed_restored"))
    );
    let events = view["events"].as_array().unwrap();
    let names: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(
        names,
        vec![
            "received",
            "take_measures",
            "seller_notified",
            "counter_notice",
            "counter_forwarded",
            "window_expired",
            "restored"
        ]
    );
    assert_eq!(events[1]["actor"], "alice");
    assert_eq!(events[1]["from"], "received");

    // The feed of every case's events, resumable after a sequence number.
    let (status, feed) = call(
        "GET",
        format!("{base}/case-events?after=2"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let feed = feed.as_array().unwrap();
    assert_eq!(feed.len(), 5);
    assert_eq!(feed[0]["notice_id"], "ntc_op1");
    assert_eq!(feed[0]["seq"], 3);

    let (status, metrics) = call("GET", format!("{base}/metrics"), Some(TOKEN), None).await;
    assert_eq!(status, 200);
    assert_eq!(metrics["states"]["closed_restored"], 1);
    assert_eq!(metrics["time_to_measures"][0]["platform"], "shop");
}

async fn a_refusing_listing_service_leaves_the_case_untouched() {
    let handler = start().await;
    let base = &handler.base;
    let case = file_notice(base, "ntc_op2", "http://shop.test/item/refuse").await;
    let (status, answer) = call(
        "POST",
        format!("{base}/cases/{case}/measures"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (502, Some("measure_failed"))
    );
    assert!(
        answer["message"].as_str().unwrap().contains("500"),
        "{answer}"
    );
    let (_, view) = call("GET", format!("{base}/cases/{case}"), Some(TOKEN), None).await;
    assert_eq!(view["state"], "received");
}

async fn repeat_infringers_export_as_csv_and_take_appeals() {
    let handler = start().await;
    let base = &handler.base;
    for id in ["ntc_r1", "ntc_r2"] {
        let case = file_notice(base, id, &format!("http://shop.test/item/{id}")).await;
        call(
            "POST",
            format!("{base}/cases/{case}/measures"),
            Some(TOKEN),
            None,
        )
        .await;
    }
    handler.clock.advance(Duration::days(30));
    call("POST", format!("{base}/tick"), Some(TOKEN), None).await;
    let appeal = json!({ "platform": "shop", "seller": "S", "reason": "genuine stock" });
    let (status, _) = call(
        "POST",
        format!("{base}/repeat-infringers/appeal"),
        Some(TOKEN),
        Some(appeal),
    )
    .await;
    assert_eq!(status, 204);
    let (status, list) = call(
        "GET",
        format!("{base}/repeat-infringers?flagged=true"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["seller"], "S");
    assert_eq!(
        (list[0]["upheld"].as_u64(), list[0]["appealed"].as_bool()),
        (Some(2), Some(true))
    );
    let (status, csv) = call(
        "GET",
        format!("{base}/repeat-infringers?format=csv"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let csv = csv.as_str().unwrap();
    assert!(
        csv.starts_with("platform,seller,upheld,flagged,appealed"),
        "{csv}"
    );
    assert!(csv.contains("shop,S,2,true,true,genuine stock,"), "{csv}");
}

common::on_both_backends!(
    operator_routes_need_the_bearer_token,
    an_operator_moves_a_case_from_notice_to_restoration,
    a_refusing_listing_service_leaves_the_case_untouched,
    repeat_infringers_export_as_csv_and_take_appeals,
);
