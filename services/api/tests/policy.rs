//! The owner's filing policy through the API: a default auto-file threshold and optional
//! per-kind thresholds, each checked to lie in 0..=1 with the offending field named, and read
//! back as written.

mod common;

use axum::http::StatusCode;
use common::World;
use takedown_model::TenantKind;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

async fn per_kind_thresholds_are_checked_stored_and_read_back(w: World) {
    let owner = w.tenant(TenantKind::BrandOwner, "acme").await;
    let policy = serde_json::json!({
        "auto_file_threshold": 0.8,
        "auto_file_thresholds": {"logo": 0.95, "word_mark": 0.9},
    });
    let (s, _) = w.json("PUT", "/v1/policy", &owner, policy.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = w.call("GET", "/v1/policy", Some(&owner), None).await;
    assert_eq!(s, StatusCode::OK);
    let read = json(&body);
    assert_eq!(read["auto_file_thresholds"]["logo"], 0.95);
    assert_eq!(read["auto_file_thresholds"]["word_mark"], 0.9);
    assert!(read["auto_file_thresholds"].get("design").is_none());

    let (s, body) = w
        .json(
            "PUT",
            "/v1/policy",
            &owner,
            serde_json::json!({"auto_file_threshold": 0.8, "auto_file_thresholds": {"design": 1.5}}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "auto_file_thresholds.design");

    // A kind that does not exist is refused rather than silently ignored.
    let (s, body) = w
        .json(
            "PUT",
            "/v1/policy",
            &owner,
            serde_json::json!({"auto_file_threshold": 0.8, "auto_file_thresholds": {"logos": 0.9}}),
        )
        .await;
    assert!(s.is_client_error(), "{s}: {body}");
    assert!(body.contains("logos"), "{body}");

    // The refused writes changed nothing.
    let (_, body) = w.call("GET", "/v1/policy", Some(&owner), None).await;
    assert_eq!(json(&body)["auto_file_thresholds"]["logo"], 0.95);
}

on_both_backends!(per_kind_thresholds_are_checked_stored_and_read_back);
