//! `takedown serve platform` as a platform's IP desk would use it, through the built binary on
//! 127.0.0.1: a signed notice opens a case, the operator reads it and takes measures, the case
//! feed and metrics follow, and a holiday table is imported with `takedown calendar import`.

use std::{path::Path, process::Output, time::Duration};

mod prometheus;

use serde_json::{Value, json};
use takedown_webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Secret};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OPERATOR: &str = "op-token-0123456789abcdef";

fn takedown(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(args)
        .output()
        .expect("run takedown")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn notice(id: &str) -> Value {
    json!({
        "type": "notice.filed",
        "timestamp": "2026-11-22T10:00:00Z",
        "data": {
            "id": id, "match_id": "mat_1", "owner_id": "acme", "owner_name": "Acme GmbH",
            "platform": "shop", "listing_url": "http://shop.test/item/1", "seller": "S",
            "right_id": "r1", "right_kind": "word_mark", "registration_number": "EUTM 1",
            "explanation": "uses the mark", "evidence": ["cap_1"],
            "good_faith_statement": "good faith", "filed_at": "2026-11-22T10:00:00Z"
        }
    })
}

/// A notice of `regime` carrying what every regime asks for (so regime checks pass).
fn full_notice(id: &str, regime: &str) -> Value {
    let mut value = notice(id);
    let both = |en: &str, zh: &str| json!({ "en": en, "zh": zh });
    let extra = json!({
        "regime": regime,
        "notifier": { "name": "Acme GmbH", "email": "ip@acme.test" },
        "rights_holder": { "name": "Acme GmbH", "identity_document": "HRB 12345" },
        "right": { "kind": "word_mark", "name": "ACME", "registration_number": "EUTM 1",
                   "office": "EUIPO", "classes": ["25"], "territories": ["EU"] },
        "items": [{ "key": "mat_1", "listing_url": "http://shop.test/item/1",
                    "booth": { "fair": "Fair", "booth": "H1 A2", "exhibitor": "S" },
                    "evidence": [{ "capture_id": "cap_1", "body_digest": "ab" }] }],
        "explanation_text": both("uses the mark", "使用了商标"),
        "good_faith": both("good faith", "善意"),
        "accuracy": both("accurate", "真实"),
        "signature": { "name": "A. Counsel", "date": "2026-11-22" },
    });
    for (key, field) in extra.as_object().expect("object") {
        value["data"][key] = field.clone();
    }
    value
}

async fn start_desk(db: &Path, shared_token: bool) -> (tokio::process::Child, String) {
    start_desk_with(db, shared_token, &["--common-checks-only"]).await
}

/// Starts `serve platform` on a free port with `flags` besides the listen address, database
/// and a one-second tick; waits until it answers.
async fn start_desk_with(
    db: &Path,
    shared_token: bool,
    flags: &[&str],
) -> (tokio::process::Child, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let db = db.to_str().expect("utf-8 path");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"));
    command
        .args(["serve", "platform", "--listen", &listen, "--db", db])
        .args(flags)
        .args(["--tick-every", "1"])
        .env("TAKEDOWN_PLATFORM_SECRET", SECRET)
        .env_remove("TAKEDOWN_OPERATOR_TOKEN");
    if shared_token {
        command.env("TAKEDOWN_OPERATOR_TOKEN", OPERATOR);
    }
    let child = command.kill_on_drop(true).spawn().expect("serve platform");
    let base = format!("http://{listen}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("serve platform did not answer on {base}");
}

async fn file_notice(client: &reqwest::Client, base: &str, id: &str) -> String {
    let (status, opened) = post_notice(client, base, &notice(id)).await;
    assert_eq!(status, 201, "{opened}");
    opened["case_id"].as_str().expect("case id").to_owned()
}

/// Signs and posts a notice payload; the status and the JSON answer.
async fn post_notice(client: &reqwest::Client, base: &str, payload: &Value) -> (u16, Value) {
    let id = payload["data"]["id"].as_str().expect("notice id");
    let body = payload.to_string();
    let ts = chrono::Utc::now().timestamp();
    let signature = Secret::parse(SECRET)
        .expect("secret")
        .sign(id, ts, body.as_bytes());
    let response = client
        .post(format!("{base}/notices"))
        .header(HEADER_ID, id)
        .header(HEADER_TIMESTAMP, ts.to_string())
        .header(HEADER_SIGNATURE, signature)
        .body(body)
        .send()
        .await
        .expect("post notice");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

/// One operator request: `GET` without a body, `POST` with one; the status and the JSON
/// answer (null when there is none). Every request says `x-operator: li.wei`, which only the
/// shared token honours.
async fn call(
    client: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = match body {
        Some(body) => client.post(url).json(&body),
        None => client.get(url),
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .header("x-operator", "li.wei")
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_desk_serves_the_case_flow_to_operators() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("platform.db");
    let (mut desk, base) = start_desk(&db, true).await;
    let client = reqwest::Client::new();
    let case_id = file_notice(&client, &base, "ntc_desk").await;
    let op = Some(OPERATOR);

    // Operators' routes need the operator's token.
    let (status, _) = call(&client, format!("{base}/cases/{case_id}"), None, None).await;
    assert_eq!(status, 401);
    let (_, case) = call(&client, format!("{base}/cases/{case_id}"), op, None).await;
    assert_eq!(case["state"], "received", "{case}");

    let reasons = json!({ "statement_of_reasons": "counterfeit logo" });
    let measures = format!("{base}/cases/{case_id}/measures");
    let (_, after) = call(&client, measures, op, Some(reasons)).await;
    // No listing service or seller channel configured: both are recorded, and the seller is
    // told at once, so the case waits for a counter-notice.
    assert_eq!(after["state"], "seller_notified", "{after}");
    let actors: Vec<&str> = after["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert!(actors.contains(&"li.wei"), "{after}");

    let (_, feed) = call(&client, format!("{base}/case-events"), op, None).await;
    assert!(feed.to_string().contains("take_measures"), "{feed}");
    // The inbox: filtered on the server, with the case that now waits on a deadline.
    let filter = "state=seller_notified&sender=acme&regime=eu_dsa";
    let (_, inbox) = call(&client, format!("{base}/cases?{filter}"), op, None).await;
    assert_eq!(inbox.as_array().map(Vec::len), Some(1), "{inbox}");
    assert_eq!(inbox[0]["case_id"], case_id.as_str());
    assert!(inbox[0]["deadline"].is_string(), "{inbox}");
    let (_, none) = call(
        &client,
        format!("{base}/cases?sender=someone-else"),
        op,
        None,
    )
    .await;
    assert_eq!(none.as_array().map(Vec::len), Some(0), "{none}");
    let (status, bad) = call(&client, format!("{base}/cases?state=nonsense"), op, None).await;
    assert_eq!(status, 422);
    assert!(
        bad["message"].as_str().unwrap_or("").contains("state"),
        "{bad}"
    );

    let (status, _) = call(&client, format!("{base}/metrics"), op, None).await;
    assert_eq!(status, 200);
    desk.kill().await.expect("stop");
}

#[test]
fn calendar_import_adds_a_year_and_names_what_is_wrong_with_a_bad_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("platform.db");
    let db = db.to_str().expect("utf-8");
    let good = dir.path().join("cn-2027.toml");
    std::fs::write(
        &good,
        "region = \"CN\"\nyear = 2027\nsource = \"test table, not the official arrangement\"\n\
         holidays = [{ name = \"New Year's Day\", from = \"2027-01-01\", to = \"2027-01-01\" }]\n",
    )
    .expect("write");
    let out = takedown(&[
        "calendar",
        "import",
        good.to_str().expect("utf-8"),
        "--db",
        db,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("CN 2027"), "{stdout}");

    let out = takedown(&["calendar", "list", "--db", db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    for year in ["2025", "2026", "2027"] {
        assert!(listed.contains(year), "{year} listed: {listed}");
    }

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "region = \"CN\"\nyear = 2027\nsource = \"s\"\nholidays = []\nworkdays = [\"2027-01-06\"]\n",
    )
    .expect("write");
    let out = takedown(&[
        "calendar",
        "import",
        bad.to_str().expect("utf-8"),
        "--db",
        db,
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("2027-01-06 is not a Saturday or Sunday"),
        "{stderr}"
    );
}

#[tokio::test]
async fn operators_own_tokens_name_them_in_the_trail_and_revocation_is_immediate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("platform.db");
    let db_arg = db.to_str().expect("utf-8");
    let out = takedown(&["operators", "add", "--name", "Li Wei", "--db", db_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let token = stdout
        .split_whitespace()
        .find(|w| w.starts_with("tdo_"))
        .expect("the token is printed once")
        .to_owned();
    let id = token.split('_').nth(1).expect("token id").to_owned();
    let listed = takedown(&["operators", "list", "--json", "--db", db_arg]);
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed.contains("Li Wei") && !listed.contains(&token),
        "{listed}"
    );

    // No shared token: only operators' own tokens open the desk.
    let (mut desk, base) = start_desk(&db, false).await;
    let client = reqwest::Client::new();
    let case_id = file_notice(&client, &base, "ntc_op").await;
    let case_url = format!("{base}/cases/{case_id}");
    let (status, _) = call(&client, case_url.clone(), Some(OPERATOR), None).await;
    assert_eq!(status, 401, "no shared token is configured");
    // The request also says `x-operator: li.wei`: a header cannot make an operator's token
    // speak for someone else.
    let ack = format!("{base}/cases/{case_id}/acknowledge");
    let (_, acted) = call(&client, ack, Some(&token), Some(json!({}))).await;
    assert_eq!(acted["state"], "acknowledged", "{acted}");
    let last = acted["events"]
        .as_array()
        .and_then(|e| e.last())
        .expect("events");
    assert_eq!(last["actor"], "Li Wei", "{acted}");

    let out = takedown(&["operators", "revoke", &id, "--db", db_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, _) = call(&client, case_url, Some(&token), None).await;
    assert_eq!(status, 401, "a revoked token stops at once");
    let out = takedown(&["operators", "revoke", "0000000000000000", "--db", db_arg]);
    assert!(!out.status.success());
    desk.kill().await.expect("stop");
}

/// The time in an RFC 3339 string of the desk's answers.
fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    let text = value.as_str().unwrap_or_else(|| panic!("a time: {value}"));
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .to_utc()
}

#[tokio::test]
async fn one_desk_runs_each_notice_under_the_regime_it_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("platform.db");
    // Regime checks on; the desk takes three regimes and no fair complaints.
    let flags = [
        "--regime",
        "us_dmca",
        "--regime",
        "eu_dsa",
        "--regime",
        "cn_ecommerce",
    ];
    let (mut desk, base) = start_desk_with(&db, true, &flags).await;
    let client = reqwest::Client::new();
    let op = Some(OPERATOR);

    let mut opened = Vec::new();
    for (id, regime) in [
        ("ntc_dmca", "us_dmca"),
        ("ntc_dsa", "eu_dsa"),
        ("ntc_cn", "cn_ecommerce"),
    ] {
        let (status, answer) = post_notice(&client, &base, &full_notice(id, regime)).await;
        assert_eq!(
            (status, answer["regime"].as_str()),
            (201, Some(regime)),
            "{answer}"
        );
        opened.push((answer["case_id"].as_str().expect("case").to_owned(), regime));
    }
    // Checked against the regime the notice names: a DMCA notice without its signature.
    let mut unsigned = full_notice("ntc_unsigned", "us_dmca");
    unsigned["data"]
        .as_object_mut()
        .expect("data")
        .remove("signature");
    let (status, answer) = post_notice(&client, &base, &unsigned).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["regime"], "us_dmca", "{answer}");
    assert!(answer.to_string().contains("512(c)(3)"), "{answer}");
    // A regime the desk does not take.
    let (status, answer) =
        post_notice(&client, &base, &full_notice("ntc_fair", "trade_fair")).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (422, Some("regime")),
        "{answer}"
    );

    // Measures on each: the seller's window is its own regime's.
    let reasons = json!({ "statement_of_reasons": "counterfeit logo" });
    for (case_id, regime) in &opened {
        let measures = format!("{base}/cases/{case_id}/measures");
        let (status, case) = call(&client, measures, op, Some(reasons.clone())).await;
        assert_eq!(status, 200, "{case}");
        assert_eq!(case["regime"], *regime, "{case}");
        assert_eq!(case["state"], "seller_notified", "{case}");
        let told = case["events"]
            .as_array()
            .and_then(|events| events.iter().find(|e| e["event"] == "seller_notified"))
            .expect("seller_notified event");
        let from = time(&told["at"]);
        match *regime {
            // Practice: 14 calendar days for a counter-notice.
            // (The trail's times are kept to the millisecond, the answer's to the nanosecond.)
            "us_dmca" => assert_eq!(
                (time(&case["deadline"]) - from).num_seconds(),
                chrono::Duration::days(14).num_seconds()
            ),
            // DSA art. 20: six months for an internal complaint.
            "eu_dsa" => {
                let six_months = from.checked_add_months(chrono::Months::new(6));
                let end = time(&case["deadline"]);
                assert_eq!(six_months.map(|t| (end - t).num_seconds()), Some(0));
            }
            // CN: 15 days by the Civil Code's counting, ending at 24:00 Beijing time (16:00
            // UTC); or unknown when the year has no holiday table.
            _ => match case["deadline"].as_str() {
                Some(_) => {
                    let end = time(&case["deadline"]);
                    assert!(end - from >= chrono::Duration::days(15), "{case}");
                    assert_eq!(end.format("%H:%M").to_string(), "16:00", "{case}");
                }
                None => assert!(case["deadline_unknown"].is_string(), "{case}"),
            },
        }
    }
    let (_, inbox) = call(&client, format!("{base}/cases?regime=us_dmca"), op, None).await;
    assert_eq!(inbox.as_array().map(Vec::len), Some(1), "{inbox}");
    desk.kill().await.expect("stop");
}

#[tokio::test]
async fn a_dsa_internal_complaint_reverses_a_rejection_on_the_served_desk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("platform.db");
    let (mut desk, base) = start_desk(&db, true).await;
    let client = reqwest::Client::new();
    let op = Some(OPERATOR);
    // The desk's default regime is the DSA; this notice names none.
    let case_id = file_notice(&client, &base, "ntc_art20").await;
    let action = |name: &str| format!("{base}/cases/{case_id}/{name}");

    let reject = json!({ "reason": "no registration found for EUTM 1" });
    let (_, rejected) = call(&client, action("reject"), op, Some(reject)).await;
    assert_eq!(rejected["state"], "rejected", "{rejected}");
    assert!(rejected["complaint_until"].is_string(), "{rejected}");

    let grounds = json!({ "grounds": "EUTM 1 is registered", "evidence": ["extract.pdf"] });
    let (status, lodged) = call(&client, action("complaint"), op, Some(grounds)).await;
    assert_eq!(status, 200, "{lodged}");
    assert_eq!(lodged["state"], "complaint_received", "{lodged}");
    // A decision needs its reasons.
    let bare = json!({ "upheld": true, "reason": "" });
    let (status, _) = call(&client, action("review"), op, Some(bare)).await;
    assert_eq!(status, 422);
    let decision = json!({ "upheld": true, "reason": "registration confirmed; counterfeit" });
    let (_, reversed) = call(&client, action("review"), op, Some(decision)).await;
    assert_eq!(reversed["state"], "seller_notified", "{reversed}");
    assert_eq!(
        reversed["statement_of_reasons"], "registration confirmed; counterfeit",
        "{reversed}"
    );
    // The reversal is a new decision: the seller may in turn complain about its measures.
    let again = json!({ "grounds": "again" });
    let (status, _) = call(
        &client,
        format!("{base}/cases/{case_id}/complaint"),
        op,
        Some(again),
    )
    .await;
    assert_eq!(
        status, 200,
        "the seller may complain about the new measures"
    );

    // On the timeline and in the feed, with who decided and what it reversed.
    let (_, feed) = call(&client, format!("{base}/case-events"), op, None).await;
    let events: Vec<&Value> = feed
        .as_array()
        .expect("feed")
        .iter()
        .filter(|e| e["case_id"] == case_id.as_str())
        .collect();
    let names: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(
        names,
        [
            "received",
            "reject",
            "complaint",
            "review_decided",
            "seller_notified",
            "complaint"
        ],
        "{feed}"
    );
    assert_eq!(events[2]["detail"]["complainant"], "notifier");
    assert_eq!(events[3]["detail"]["reverses"], "rejection");
    assert_eq!(events[3]["actor"], "li.wei");
    assert_eq!(events[5]["detail"]["complainant"], "seller");
    desk.kill().await.expect("stop");
}

#[tokio::test]
async fn the_desk_serves_health_readiness_and_prometheus_metrics_on_its_admin_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("platform.db");
    let admin = format!("127.0.0.1:{}", free_port());
    let flags = ["--common-checks-only", "--admin-listen", admin.as_str()];
    let (mut desk, base) = start_desk_with(&db, true, &flags).await;
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let request = client.get(format!("http://{admin}{path}"));
        async move {
            let response = request.send().await.expect("admin request");
            let status = response.status().as_u16();
            (status, response.text().await.expect("text"))
        }
    };
    assert_eq!(get("/healthz").await.0, 200);
    assert_eq!(get("/readyz").await, (200, "ready\n".to_owned()));

    let measured = file_notice(&client, &base, "ntc_m1").await;
    file_notice(&client, &base, "ntc_m2").await;
    let mut dmca = full_notice("ntc_m3", "us_dmca");
    dmca["data"]["owner_id"] = json!("globex");
    let (status, _) = post_notice(&client, &base, &dmca).await;
    assert_eq!(status, 201);
    // Refused at the door: a bad signature, and a payload that is not a notice.
    let forged = client
        .post(format!("{base}/notices"))
        .header(HEADER_ID, "ntc_forged")
        .header(HEADER_TIMESTAMP, chrono::Utc::now().timestamp().to_string())
        .header(HEADER_SIGNATURE, "v1,AAAA")
        .body(notice("ntc_forged").to_string())
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status().as_u16(), 401);
    let (status, _) = post_notice(
        &client,
        &base,
        &json!({ "type": "notice.filed", "data": { "id": "ntc_bare" } }),
    )
    .await;
    assert_eq!(status, 422);
    let reasons = json!({ "statement_of_reasons": "counterfeit logo" });
    let measures = format!("{base}/cases/{measured}/measures");
    let (status, _) = call(&client, measures, Some(OPERATOR), Some(reasons)).await;
    assert_eq!(status, 200);

    let (status, text) = get("/metrics").await;
    assert_eq!(status, 200);
    let samples = prometheus::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(text.contains("# HELP takedown_desk_cases "), "{text}");
    let value = |name: &str, labels: &[(&str, &str)]| prometheus::value(&samples, name, labels);
    let received = "takedown_desk_notices_received_total";
    assert_eq!(
        value(received, &[("regime", "eu_dsa"), ("sender", "acme")]),
        Some(2.0)
    );
    assert_eq!(
        value(received, &[("regime", "us_dmca"), ("sender", "globex")]),
        Some(1.0)
    );
    let refused = "takedown_desk_notices_refused_total";
    assert_eq!(
        value(refused, &[("reason", "signature")]),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        value(refused, &[("reason", "malformed")]),
        Some(1.0),
        "{text}"
    );
    let cases = "takedown_desk_cases";
    let dsa = |state| [("state", state), ("regime", "eu_dsa")];
    assert_eq!(value(cases, &dsa("seller_notified")), Some(1.0), "{text}");
    assert_eq!(value(cases, &dsa("received")), Some(1.0), "{text}");
    assert_eq!(
        value(cases, &[("state", "received"), ("regime", "us_dmca")]),
        Some(1.0)
    );
    assert_eq!(value(cases, &dsa("rejected")), Some(0.0), "{text}");
    assert_eq!(value("takedown_desk_deadlines_unknown", &[]), Some(0.0));
    let missed = "takedown_desk_deadlines_missed";
    assert_eq!(value(missed, &[("kind", "measures")]), Some(0.0), "{text}");
    assert_eq!(
        value(missed, &[("kind", "restoration")]),
        Some(0.0),
        "{text}"
    );
    let timed = "takedown_desk_time_to_measures_seconds_count";
    assert_eq!(value(timed, &[("regime", "eu_dsa")]), Some(1.0), "{text}");

    // The operators' JSON /metrics on the desk's own port is unchanged.
    let (status, json) = call(&client, format!("{base}/metrics"), Some(OPERATOR), None).await;
    assert_eq!(status, 200);
    assert!(json["states"].is_object(), "{json}");
    desk.kill().await.expect("stop");
}

#[tokio::test]
async fn the_desk_describes_every_route_it_serves_in_openapi_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("platform.db");
    let (mut desk, base) = start_desk(&db, true).await;
    let client = reqwest::Client::new();
    // Public, like the API's: the document holds no case data.
    let response = client
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .expect("openapi");
    assert_eq!(response.status().as_u16(), 200);
    let doc: Value = response.json().await.expect("json");
    assert!(
        doc["openapi"].as_str().unwrap_or("").starts_with("3."),
        "{doc}"
    );
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/notices", "post"),
        ("/healthz", "get"),
        ("/cases", "get"),
        ("/cases/{case_id}", "get"),
        ("/cases/{case_id}/events", "get"),
        ("/cases/{case_id}/{action}", "post"),
        ("/case-events", "get"),
        ("/tick", "post"),
        ("/repeat-infringers", "get"),
        ("/repeat-infringers/appeal", "post"),
        ("/metrics", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} in {doc}");
    }
    // Every documented operator route needs the operator's token, and says so.
    let (status, _) = call(&client, format!("{base}/tick"), None, Some(json!({}))).await;
    assert_eq!(status, 401);
    assert_eq!(paths["/tick"]["post"]["security"][0]["operator"], json!([]));
    assert!(doc["components"]["securitySchemes"]["operator"].is_object());
    // The actions the route takes are the ones the document lists.
    let actions = paths["/cases/{case_id}/{action}"]["post"]["parameters"][1]["description"]
        .as_str()
        .expect("action described");
    for action in ["measures", "complaint", "review", "counter-notice"] {
        assert!(actions.contains(action), "{actions}");
    }
    for schema in [
        "CaseView",
        "CaseSummary",
        "EventRecord",
        "ErrorBody",
        "ActionBody",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} in {doc}"
        );
    }
    desk.kill().await.expect("stop");
}
