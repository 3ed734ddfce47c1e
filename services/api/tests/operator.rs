//! Operators: create tenants and their first keys, list and revoke tenants' keys (at once),
//! read every tenant's audit log without its bodies — and reach no tenant's data.

mod common;

use axum::http::StatusCode;
use common::{World, word_mark};
use takedown_model::TenantKind;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

async fn operators_manage_access_and_never_read_content(w: World) {
    let ops = w.operator("ops").await;
    let (s, body) = w.call("GET", "/v1/me", Some(&ops), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body)["kind"], "operator");

    // Creates a tenant; the key it is shown works for that tenant.
    let (s, body) = w
        .json(
            "POST",
            "/v1/operator/tenants",
            &ops,
            serde_json::json!({"kind": "brand_owner", "name": "Acme", "id": "acme"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let acme = json(&body)["key"].as_str().expect("key").to_owned();
    let (s, body) = w
        .json("POST", "/v1/rights", &acme, word_mark("r1", "SECRETMARK"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, body) = w
        .json(
            "POST",
            "/v1/operator/tenants",
            &ops,
            serde_json::json!({"kind": "operator", "name": "More Ops"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "operators come from the CLI only"
    );
    assert_eq!(json(&body)["field"], "kind");
    let (s, _) = w
        .json(
            "POST",
            "/v1/operator/tenants",
            &ops,
            serde_json::json!({"kind": "platform", "name": "Ops again", "id": "ops"}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a tenant cannot take an operator's id"
    );

    let (s, body) = w
        .call("GET", "/v1/operator/tenants", Some(&ops), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body)[0]["id"], "acme");
    assert_eq!(
        json(&body).as_array().expect("list").len(),
        1,
        "operators are not tenants"
    );

    // Lists and revokes the tenant's key: the very next request with it fails.
    let (s, body) = w
        .call("GET", "/v1/operator/tenants/acme/keys", Some(&ops), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(!body.contains(&acme[20..]), "never the key's secret");
    let key_id = json(&body)[0]["id"].as_str().expect("id").to_owned();
    let (s, _) = w
        .call(
            "DELETE",
            &format!("/v1/operator/tenants/acme/keys/{key_id}"),
            Some(&ops),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = w.call("GET", "/v1/rights", Some(&acme), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "revoked at once");
    let (s, _) = w
        .call(
            "DELETE",
            &format!("/v1/operator/tenants/ops/keys/{}", &ops[4..20]),
            Some(&ops),
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "an operator's keys are not a tenant's"
    );

    // The audit log across tenants: who did what, without the bodies.
    let (s, body) = w.call("GET", "/v1/operator/audit", Some(&ops), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!body.contains("SECRETMARK"), "no right's content: {body}");
    let log = json(&body);
    let entries = log.as_array().expect("entries");
    assert!(entries.iter().any(|e| e["tenant_id"] == "acme"
        && e["action"] == "create"
        && e["object_kind"] == "right"
        && e["object_id"].is_null()));
    let revoke = entries
        .iter()
        .find(|e| e["action"] == "revoke")
        .expect("the revocation is audited");
    assert_eq!(revoke["tenant_id"], "acme");
    assert_eq!(revoke["object_id"], key_id.as_str());
    assert!(
        revoke["actor"]
            .as_str()
            .expect("actor")
            .starts_with("operator:ops/")
    );
    let (_, only) = w
        .call("GET", "/v1/operator/audit?tenant=ops", Some(&ops), None)
        .await;
    assert!(
        json(&only)
            .as_array()
            .expect("entries")
            .iter()
            .all(|e| e["tenant_id"] == "ops")
    );

    // Tenant routes refuse an operator before looking at anything.
    for path in [
        "/v1/rights",
        "/v1/rights/r1",
        "/v1/cases",
        "/v1/inbox",
        "/v1/fairs",
    ] {
        let (s, body) = w.call("GET", path, Some(&ops), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        assert!(!body.contains("SECRETMARK"));
    }

    // And tenants cannot use operator routes.
    let (_, platform) =
        takedown_api::keys::create_tenant(&w.store, TenantKind::Platform, "Shop", Some("shop"))
            .await
            .expect("tenant");
    let (s, _) = w
        .call("GET", "/v1/operator/audit", Some(&platform), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

on_both_backends!(operators_manage_access_and_never_read_content);
