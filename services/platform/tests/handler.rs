//! The reference handler over real HTTP on 127.0.0.1: accepts a signed, complete notice once,
//! and refuses tampered, replayed, incomplete and malformed ones with the right error; with
//! regime checks on, a notice lacking what its platform's regime asks for is refused with the
//! missing element named.

mod common;

use serde_json::{Value, json};
use takedown_platform::{CaseStore, HandlerState, Regime};
use takedown_webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, Secret};

const SECRET: &str = "handler-test-secret-0123456789";

struct Running {
    url: String,
    cases: CaseStore,
    _dir: tempfile::TempDir,
}

async fn start() -> Running {
    start_with(|cases| cases).await
}

async fn start_with(configure: impl FnOnce(CaseStore) -> CaseStore) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = configure(common::open_cases(dir.path()).await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/notices", listener.local_addr().expect("addr"));
    let state = HandlerState {
        cases: cases.clone(),
        secret: Secret::parse(SECRET).expect("secret"),
        tolerance_secs: 300,
    };
    tokio::spawn(takedown_platform::serve(
        state,
        listener,
        std::future::pending(),
    ));
    Running {
        url,
        cases,
        _dir: dir,
    }
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

async fn post(
    url: &str,
    id: &str,
    body: &str,
    timestamp: i64,
    signature: Option<String>,
) -> (u16, Value) {
    let signature = signature.unwrap_or_else(|| {
        Secret::parse(SECRET)
            .expect("secret")
            .sign(id, timestamp, body.as_bytes())
    });
    let response = reqwest::Client::new()
        .post(url)
        .header(HEADER_ID, id)
        .header(HEADER_TIMESTAMP, timestamp.to_string())
        .header(HEADER_SIGNATURE, signature)
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn opens_one_case_per_notice_and_answers_duplicates_with_it() {
    let handler = start().await;
    let body = notice("ntc_1").to_string();
    let (status, first) = post(&handler.url, "ntc_1", &body, now(), None).await;
    assert_eq!(status, 201, "{first}");
    let case_id = first["case_id"].as_str().expect("case id").to_owned();
    let (status, again) = post(&handler.url, "ntc_1", &body, now(), None).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["case_id"], case_id.as_str());
    assert_eq!(again["duplicate"], true);
    let cases = handler.cases.cases().await.expect("cases");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].deliveries, 2);
    assert_eq!(cases[0].case_id, case_id);
}

async fn refuses_tampered_replayed_and_foreign_signatures() {
    let handler = start().await;
    let body = notice("ntc_2").to_string();
    let ts = now();
    let good = Secret::parse(SECRET)
        .expect("secret")
        .sign("ntc_2", ts, body.as_bytes());
    let tampered = body.replace("EUTM 1", "EUTM 2");
    let (status, answer) = post(&handler.url, "ntc_2", &tampered, ts, Some(good)).await;
    assert_eq!((status, answer["error"].as_str()), (401, Some("signature")));

    let (status, answer) = post(&handler.url, "ntc_2", &body, ts - 3600, None).await;
    assert_eq!(status, 401);
    assert!(
        answer["message"].as_str().unwrap_or("").contains("window"),
        "{answer}"
    );

    let foreign = Secret::parse("some-other-secret-of-length")
        .expect("secret")
        .sign("ntc_2", ts, body.as_bytes());
    let (status, _) = post(&handler.url, "ntc_2", &body, ts, Some(foreign)).await;
    assert_eq!(status, 401);
    assert!(
        handler.cases.cases().await.expect("cases").is_empty(),
        "a refused notice opened a case"
    );
}

async fn names_each_missing_field_of_an_incomplete_notice() {
    let handler = start().await;
    let mut value = notice("ntc_3");
    value["data"]["registration_number"] = json!("");
    value["data"]["evidence"] = json!([]);
    value["data"]["listing_url"] = json!("javascript:alert(1)");
    let (status, answer) = post(&handler.url, "ntc_3", &value.to_string(), now(), None).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = answer["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        vec!["registration_number", "evidence", "listing_url"]
    );

    let (status, answer) = post(&handler.url, "ntc_4", "{not json", now(), None).await;
    assert_eq!((status, answer["error"].as_str()), (422, Some("malformed")));

    // The webhook id must be the notice's own id (it is the idempotency key).
    let (status, answer) = post(
        &handler.url,
        "ntc_other",
        &notice("ntc_5").to_string(),
        now(),
        None,
    )
    .await;
    assert_eq!((status, answer["error"].as_str()), (422, Some("id")));
    assert!(handler.cases.cases().await.expect("cases").is_empty());
}

/// A notice carrying every element any regime asks for.
fn full_notice(id: &str) -> Value {
    let mut value = notice(id);
    let both = |en: &str, zh: &str| json!({ "en": en, "zh": zh });
    let extra = json!({
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

async fn each_regime_names_its_own_missing_element() {
    // (regime, what to take away, the field the answer must name, the law it must cite)
    let cases: [(Regime, &str, &str, &str); 4] = [
        (
            Regime::CnEcommerce,
            "/rights_holder/identity_document",
            "rights_holder.identity_document",
            "E-Commerce Law art. 42",
        ),
        (
            Regime::EuDsa,
            "/notifier/email",
            "notifier.email",
            "art. 16(2)",
        ),
        (Regime::UsDmca, "/signature", "signature", "512(c)(3)(A)"),
        (
            Regime::TradeFair,
            "/items/0/booth",
            "items[0].booth",
            "exhibition",
        ),
    ];
    // One case database for the whole test on PostgreSQL: each regime's notice has its own id.
    for (opened, (regime, remove, field, law)) in cases.into_iter().enumerate() {
        let handler = start_with(|c| c.with_default_regime(regime).with_regime_checks(true)).await;
        let id = format!("ntc_full_{opened}");
        let complete = full_notice(&id).to_string();
        let (status, answer) = post(&handler.url, &id, &complete, now(), None).await;
        assert_eq!(status, 201, "{regime:?}: {answer}");

        let mut value = full_notice("ntc_gap");
        let (parent, key) = remove.rsplit_once('/').expect("path");
        let target = value["data"].pointer_mut(parent).expect("parent");
        match target {
            Value::Object(map) => {
                map.remove(key);
            }
            other => panic!("{other}"),
        }
        let (status, answer) = post(&handler.url, "ntc_gap", &value.to_string(), now(), None).await;
        assert_eq!(status, 422, "{regime:?}: {answer}");
        assert_eq!(answer["regime"], regime.as_str());
        let errors = answer["fields"].as_array().expect("fields");
        assert_eq!(errors.len(), 1, "{regime:?}: {answer}");
        assert_eq!(errors[0]["field"], field);
        let rule = errors[0]["rule"].as_str().expect("rule");
        assert!(rule.contains(law), "{regime:?}: {rule}");
        // The complete notice opened its case; the incomplete one none.
        let bodies = (
            handler.cases.received_body(&id).await.expect("body"),
            handler.cases.received_body("ntc_gap").await.expect("body"),
        );
        assert!(matches!(bodies, (Some(_), None)), "{regime:?}");
    }
}

async fn without_regime_checks_the_common_fields_suffice() {
    let handler = start_with(|c| c.with_default_regime(Regime::CnEcommerce)).await;
    let (status, answer) = post(
        &handler.url,
        "ntc_plain",
        &notice("ntc_plain").to_string(),
        now(),
        None,
    )
    .await;
    assert_eq!(status, 201, "{answer}");
}

async fn a_malformed_notice_is_answered_with_every_problem_and_where_it_is() {
    let handler = start().await;
    let mut value = notice("ntc_6");
    let data = value["data"].as_object_mut().expect("data");
    data.remove("listing_url");
    data.remove("seller");
    data.insert("right_id".into(), json!(42));
    let (status, answer) = post(&handler.url, "ntc_6", &value.to_string(), now(), None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (422, Some("malformed")),
        "{answer}"
    );
    let problems: Vec<&str> = answer["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in ["\"listing_url\"", "\"seller\"", "/data/right_id"] {
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected} is named: {problems:?}"
        );
    }
    assert!(handler.cases.cases().await.expect("cases").is_empty());
}

async fn the_same_notice_id_with_other_content_is_refused_as_a_conflict() {
    let handler = start().await;
    let body = notice("ntc_7").to_string();
    let (status, first) = post(&handler.url, "ntc_7", &body, now(), None).await;
    assert_eq!(status, 201, "{first}");
    let mut changed = notice("ntc_7");
    changed["data"]["seller"] = json!("Someone Else Ltd");
    let (status, answer) = post(&handler.url, "ntc_7", &changed.to_string(), now(), None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (409, Some("conflict")),
        "{answer}"
    );
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("different content"),
        "{answer}"
    );
    let cases = handler.cases.cases().await.expect("cases");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].deliveries, 1, "a conflicting body is no delivery");
    // The same content again (formatted differently) is still a duplicate.
    let reformatted = serde_json::to_string_pretty(&notice("ntc_7")).expect("json");
    let (status, again) = post(&handler.url, "ntc_7", &reformatted, now(), None).await;
    assert_eq!(
        (status, again["duplicate"].as_bool()),
        (200, Some(true)),
        "{again}"
    );
}

common::on_both_backends!(
    opens_one_case_per_notice_and_answers_duplicates_with_it,
    refuses_tampered_replayed_and_foreign_signatures,
    names_each_missing_field_of_an_incomplete_notice,
    each_regime_names_its_own_missing_element,
    without_regime_checks_the_common_fields_suffice,
    a_malformed_notice_is_answered_with_every_problem_and_where_it_is,
    the_same_notice_id_with_other_content_is_refused_as_a_conflict,
);
