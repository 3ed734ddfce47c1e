//! A right's registration status and certificate through the API: transitions by the rules
//! (an illegal one is 422 naming the rule), audited, and a right that is no longer registered
//! is no longer handed to the matcher; certificates are sniffed, capped, stored by digest and
//! downloaded as uploaded.

mod common;

use axum::http::StatusCode;
use common::{World, word_mark};
use takedown_model::TenantKind;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

async fn status_changes_follow_the_rules_are_audited_and_stop_matching(w: World) {
    let owner = w.tenant(TenantKind::BrandOwner, "acme").await;
    let (s, _) = w
        .json("POST", "/v1/rights", &owner, word_mark("r1", "Acme"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = w
        .call("GET", "/v1/rights/r1/status", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body)["status"], "registered");
    assert_eq!(json(&body)["valid_until"], "2030-01-01");

    // A renewal must move valid_until later.
    let (s, body) = w
        .json(
            "POST",
            "/v1/rights/r1/status",
            &owner,
            serde_json::json!({"status": "registered", "valid_until": "2029-01-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "valid_until");
    assert!(
        json(&body)["rule"]
            .as_str()
            .expect("rule")
            .contains("later than 2030-01-01"),
        "{body}"
    );
    let (s, body) = w
        .json(
            "POST",
            "/v1/rights/r1/status",
            &owner,
            serde_json::json!({"status": "expired"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "status");

    let (s, body) = w
        .json(
            "POST",
            "/v1/rights/r1/status",
            &owner,
            serde_json::json!({"status": "registered", "valid_until": "2040-01-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["valid_until"], "2040-01-01");
    assert_eq!(
        w.store
            .right_of("acme", "acme/r1")
            .await
            .expect("read")
            .expect("right")
            .valid_until,
        "2040-01-01".parse().ok(),
        "the renewal moved the right's own validity"
    );
    assert_eq!(w.store.rights().await.expect("rights").len(), 1);

    let (s, body) = w
        .json(
            "POST",
            "/v1/rights/r1/status",
            &owner,
            serde_json::json!({"status": "lapsed", "reason": "not renewed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["status"], "lapsed");
    assert!(json(&body)["changed_by"].is_string());
    assert!(
        w.store.rights().await.expect("rights").is_empty(),
        "a lapsed right is no longer matched"
    );
    let (s, _) = w.call("GET", "/v1/rights/r1", Some(&owner), None).await;
    assert_eq!(s, StatusCode::OK, "the owner still sees it");

    let (s, _) = w
        .json(
            "POST",
            "/v1/rights/r1/status",
            &owner,
            serde_json::json!({"status": "invalidated"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = w
        .json(
            "POST",
            "/v1/rights/r1/status",
            &owner,
            serde_json::json!({"status": "registered", "valid_until": "2050-01-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "status");
    assert!(
        json(&body)["rule"]
            .as_str()
            .expect("rule")
            .contains("final"),
        "{body}"
    );

    let (_, log) = w.call("GET", "/v1/audit", Some(&owner), None).await;
    let log = json(&log);
    let changes: Vec<(&str, &str)> = log
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "status")
        .map(|e| {
            (
                e["before"]["status"].as_str().expect("before"),
                e["after"]["status"]["status"].as_str().expect("after"),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("registered", "registered"),
            ("registered", "lapsed"),
            ("lapsed", "invalidated")
        ],
        "each change audited, refused ones not"
    );
    let lapse = log
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["after"]["status"]["status"] == "lapsed")
        .expect("lapse");
    assert_eq!(lapse["after"]["reason"], "not renewed");
}

async fn a_right_created_pending_is_registered_with_its_date(w: World) {
    let owner = w.tenant(TenantKind::BrandOwner, "acme").await;
    let mut pending = word_mark("r1", "Acme");
    pending["status"] = "pending".into();
    pending["valid_from"] = serde_json::Value::Null;
    let (s, body) = w.json("POST", "/v1/rights", &owner, pending.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(json(&body)["status"], "pending");
    assert!(
        w.store.rights().await.expect("rights").is_empty(),
        "an application is not matched"
    );
    let (_, body) = w.call("GET", "/v1/rights", Some(&owner), None).await;
    assert_eq!(json(&body)[0]["status"], "pending");
    // PUT does not change a status.
    let mut registered = pending.clone();
    registered["status"] = "registered".into();
    let (s, body) = w.json("PUT", "/v1/rights/r1", &owner, registered).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "status");
    let mut lapsed = word_mark("r2", "Other");
    lapsed["status"] = "lapsed".into();
    let (s, body) = w.json("POST", "/v1/rights", &owner, lapsed).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "status");

    let (s, body) = w
        .json(
            "POST",
            "/v1/rights/r1/status",
            &owner,
            serde_json::json!({"status": "registered"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "valid_from");
    let (s, body) = w
        .json(
            "POST",
            "/v1/rights/r1/status",
            &owner,
            serde_json::json!({"status": "registered", "valid_from": "2026-02-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, body) = w.call("GET", "/v1/rights/r1", Some(&owner), None).await;
    assert_eq!(json(&body)["status"], "registered");
    assert_eq!(json(&body)["valid_from"], "2026-02-01");
    assert_eq!(
        w.store.rights().await.expect("rights").len(),
        1,
        "now matched"
    );
}

async fn certificates_are_sniffed_capped_stored_by_digest_and_downloaded(w: World) {
    let owner = w.tenant(TenantKind::BrandOwner, "acme").await;
    let rival = w.tenant(TenantKind::BrandOwner, "rival").await;
    let (s, _) = w
        .json("POST", "/v1/rights", &owner, word_mark("r1", "Acme"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let put = |body: String, content_type: &'static str| {
        let owner = owner.clone();
        let w = &w;
        async move {
            w.call(
                "PUT",
                "/v1/rights/r1/certificate",
                Some(&owner),
                Some((content_type, body)),
            )
            .await
        }
    };
    let (s, _) = w
        .call("GET", "/v1/rights/r1/certificate", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "none uploaded yet");

    // Declared PDF, but HTML: refused by what the bytes are.
    let (s, body) = put("<html><body>hi</body></html>".into(), "application/pdf").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "body");
    // A PDF declared as PNG: the declaration must agree.
    let pdf = "%PDF-1.7\nregistration certificate\n%%EOF\n".to_owned();
    let (s, body) = put(pdf.clone(), "image/png").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "content-type");
    let (s, body) = put(pdf.clone(), "text/plain").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "content-type");
    let too_big = format!(
        "%PDF-1.7\n{}",
        "x".repeat(takedown_api::certificate::MAX_BYTES)
    );
    let (s, body) = put(too_big, "application/pdf").await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json(&body)["field"], "body");

    let (s, body) = put(pdf.clone(), "application/pdf").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let meta = json(&body);
    let digest = takedown_model::digest_hex(pdf.as_bytes());
    assert_eq!(meta["digest"], digest.as_str());
    assert_eq!(meta["size"], pdf.len());
    assert_eq!(meta["media_type"], "application/pdf");
    let (s, body) = w
        .call("GET", "/v1/rights/r1/certificate/meta", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body), meta);

    let request = axum::http::Request::builder()
        .uri("/v1/rights/r1/certificate")
        .header("authorization", format!("Bearer {owner}"))
        .body(axum::body::Body::empty())
        .expect("request");
    let response = tower::ServiceExt::oneshot(w.app.clone(), request)
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("body")
        .to_bytes();
    assert_eq!(bytes, pdf.as_bytes(), "downloaded as uploaded");

    // A replacement is a PNG now; the audit log has the upload and the replacement.
    let mut png_bytes = vec![0x89u8];
    png_bytes.extend_from_slice(b"PNG\r\n\x1a\n\0\0\0\rIHDR");
    let request = axum::http::Request::builder()
        .method("PUT")
        .uri("/v1/rights/r1/certificate")
        .header("authorization", format!("Bearer {owner}"))
        .header("content-type", "image/png")
        .body(axum::body::Body::from(png_bytes.clone()))
        .expect("request");
    let response = tower::ServiceExt::oneshot(w.app.clone(), request)
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, body) = w
        .call("GET", "/v1/rights/r1/certificate/meta", Some(&owner), None)
        .await;
    assert_eq!(json(&body)["media_type"], "image/png");
    assert_eq!(
        json(&body)["digest"],
        takedown_model::digest_hex(&png_bytes).as_str()
    );
    let (_, log) = w.call("GET", "/v1/audit", Some(&owner), None).await;
    let uploads: Vec<String> = json(&log)
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["object_kind"] == "certificate")
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect();
    assert_eq!(uploads, ["create", "update"]);

    // The rival neither reads nor replaces it.
    for method in ["GET", "PUT"] {
        let body = (method == "PUT").then(|| ("application/pdf", pdf.clone()));
        let (s, _) = w
            .call(method, "/v1/rights/r1/certificate", Some(&rival), body)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} as the rival");
    }
}

on_both_backends!(
    status_changes_follow_the_rules_are_audited_and_stop_matching,
    a_right_created_pending_is_registered_with_its_date,
    certificates_are_sniffed_capped_stored_by_digest_and_downloaded,
);
