//! Keys, revocation, scopes, the failure limiter, the audit log and validation errors, as a
//! client sees them over HTTP (the review queue's decisions: `approval.rs`).

mod common;

use axum::http::StatusCode;
use common::{World, word_mark, world_with_limit};
use takedown_model::TenantKind;

fn parse(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

async fn a_revoked_key_stops_working_on_the_next_request(w: World) {
    let first = w.tenant(TenantKind::BrandOwner, "acme").await;
    let (s, body) = w
        .json(
            "POST",
            "/v1/keys",
            &first,
            serde_json::json!({"scopes": ["read", "write"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let created = parse(&body);
    let second = created["key"].as_str().expect("key").to_owned();
    let second_id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(
        w.call("GET", "/v1/rights", Some(&second), None).await.0,
        StatusCode::OK
    );

    // The key text is never shown again: the listing has ids only.
    let (_, listing) = w.call("GET", "/v1/keys", Some(&first), None).await;
    assert!(listing.contains(&second_id));
    assert!(!listing.contains(&second));

    let (s, _) = w
        .call(
            "DELETE",
            &format!("/v1/keys/{second_id}"),
            Some(&first),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        w.call("GET", "/v1/rights", Some(&second), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Revoking twice: the live key is gone, so 404.
    let (s, _) = w
        .call(
            "DELETE",
            &format!("/v1/keys/{second_id}"),
            Some(&first),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn scopes_limit_what_a_key_may_do(w: World) {
    let first = w.tenant(TenantKind::BrandOwner, "acme").await;
    let (_, body) = w
        .json(
            "POST",
            "/v1/keys",
            &first,
            serde_json::json!({"scopes": ["read"]}),
        )
        .await;
    let reader = parse(&body)["key"].as_str().expect("key").to_owned();
    assert_eq!(
        w.call("GET", "/v1/rights", Some(&reader), None).await.0,
        StatusCode::OK
    );
    let (s, _) = w
        .json("POST", "/v1/rights", &reader, word_mark("r1", "Acme"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Reading keys needs the keys scope.
    assert_eq!(
        w.call("GET", "/v1/keys", Some(&reader), None).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn repeated_failures_are_refused_for_a_while_even_with_a_good_key() {
    let w = world_with_limit(3).await;
    let good = w.tenant(TenantKind::BrandOwner, "acme").await;
    for _ in 0..3 {
        let (s, _) = w.call("GET", "/v1/me", Some("tdk_nonsense"), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, body) = w.call("GET", "/v1/me", Some(&good), None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

async fn the_audit_log_records_each_change_with_before_and_after(w: World) {
    let key = w.tenant(TenantKind::BrandOwner, "acme").await;
    let (s, _) = w
        .json("POST", "/v1/rights", &key, word_mark("r1", "Acme"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = w
        .json("PUT", "/v1/rights/r1", &key, word_mark("r1", "Acme Two"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = w.call("DELETE", "/v1/rights/r1", Some(&key), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);

    let (_, me) = w.call("GET", "/v1/me", Some(&key), None).await;
    let key_id = parse(&me)["key_id"].as_str().expect("key id").to_owned();
    let (s, body) = w.call("GET", "/v1/audit", Some(&key), None).await;
    assert_eq!(s, StatusCode::OK);
    let log = parse(&body);
    let rights: Vec<&serde_json::Value> = log
        .as_array()
        .expect("array")
        .iter()
        .filter(|e| e["object_kind"] == "right")
        .collect();
    let actions: Vec<&str> = rights
        .iter()
        .map(|e| e["action"].as_str().expect("a"))
        .collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    assert!(
        rights
            .iter()
            .all(|e| e["actor"] == key_id.as_str() && e["object_id"] == "r1")
    );
    assert_eq!(rights[0]["before"], serde_json::Value::Null);
    assert_eq!(rights[1]["before"]["name"], "Acme");
    assert_eq!(rights[1]["after"]["name"], "Acme Two");
    assert_eq!(rights[2]["after"], serde_json::Value::Null);
    // The tenant's creation and first key are there too, made by the CLI.
    assert!(
        log.as_array()
            .expect("array")
            .iter()
            .any(|e| e["object_kind"] == "tenant" && e["actor"] == "cli")
    );
}

async fn validation_errors_name_the_field_and_the_rule(w: World) {
    let key = w.tenant(TenantKind::BrandOwner, "acme").await;
    let mut bad = word_mark("r1", "Acme");
    bad["classes"] = serde_json::json!(["25", "99"]);
    let (s, body) = w.json("POST", "/v1/rights", &key, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let error = parse(&body);
    assert_eq!(error["field"], "classes[1]");
    assert_eq!(error["rule"], "must be a Nice class 1 to 45");

    let mut bad = word_mark("r1", "Acme");
    bad["valid_until"] = serde_json::json!("2019-01-01");
    let (_, body) = w.json("POST", "/v1/rights", &key, bad).await;
    assert_eq!(parse(&body)["field"], "valid_until");

    let mut logo = word_mark("r1", "Acme");
    logo["kind"] = serde_json::json!("logo_mark");
    let (_, body) = w.json("POST", "/v1/rights", &key, logo).await;
    assert_eq!(parse(&body)["field"], "images");

    let (s, body) = w
        .call(
            "POST",
            "/v1/rights",
            Some(&key),
            Some(("application/json", "{\"id\": 3}".into())),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(parse(&body)["field"], "body");
}

on_both_backends!(
    a_revoked_key_stops_working_on_the_next_request,
    scopes_limit_what_a_key_may_do,
    the_audit_log_records_each_change_with_before_and_after,
    validation_errors_name_the_field_and_the_rule,
);
