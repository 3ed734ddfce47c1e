//! The OpenAPI document matches the routes: every documented operation is routed (it answers
//! 401 without a key, not 404/405), and on every documented path each undocumented method is
//! refused with 405 (to a valid key). The `/v1` router is built only through utoipa-axum's `routes!`, which
//! registers a handler and documents it in one step, so a route cannot exist undocumented.

mod common;

use axum::http::StatusCode;
use common::world;

#[tokio::test]
async fn every_route_is_documented_and_every_documented_route_exists() {
    let w = world().await;
    let key = w
        .tenant(takedown_model::TenantKind::BrandOwner, "acme")
        .await;
    let (s, body) = w.call("GET", "/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 20);
    for (template, item) in paths {
        let path = template.replace('{', "x").replace('}', "");
        let documented: Vec<String> = item
            .as_object()
            .expect("item")
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if documented.iter().any(|m| m == method) {
                let (s, text) = w.call(method, &path, None, None).await;
                assert_eq!(s, StatusCode::UNAUTHORIZED, "{method} {template}: {text}");
                let op = &item[method.to_lowercase()];
                assert!(
                    op["security"].is_array(),
                    "{method} {template} documents no security"
                );
            } else {
                // Authenticated, since authentication runs before method routing.
                let (s, _) = w.call(method, &path, Some(&key), None).await;
                assert_eq!(
                    s,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {template} is routed but undocumented"
                );
            }
        }
    }
    // And nothing answers outside the document (to a valid key: without one, every path
    // answers 401, so a stranger cannot even probe which routes exist).
    let (s, _) = w.call("GET", "/v1/undocumented", Some(&key), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// `Takedown-Act-For` is documented where an agent may use it (brand-owner and common routes)
/// and not on the routes that manage access or belong to other kinds of tenant.
#[tokio::test]
async fn the_act_for_header_is_documented_where_an_agent_may_use_it() {
    let w = world().await;
    let (_, body) = w.call("GET", "/openapi.json", None, None).await;
    let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
    let has_header = |path: &str, method: &str| {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["name"] == "Takedown-Act-For" && p["in"] == "header")
            })
    };
    for (path, method) in [
        ("/v1/rights", "get"),
        ("/v1/rights", "post"),
        ("/v1/rights/{id}", "delete"),
        ("/v1/review", "get"),
        ("/v1/me", "get"),
    ] {
        assert!(has_header(path, method), "{method} {path}");
    }
    for (path, method) in [
        ("/v1/keys", "get"),
        ("/v1/delegations", "post"),
        ("/v1/delegations/{agent_tenant_id}", "delete"),
        ("/v1/endpoint", "put"),
        ("/v1/fairs", "get"),
        ("/v1/operator/tenants", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} exists"
        );
        assert!(!has_header(path, method), "{method} {path}");
    }
}

/// Generated clients name a method per operationId: two operations sharing one break them
/// (and OpenAPI validators refuse the document). `.ci/run` also runs an OpenAPI validator
/// over the document the binary serves.
#[tokio::test]
async fn every_operation_id_is_unique() {
    let w = world().await;
    let (s, body) = w.call("GET", "/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            if let Some(first) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id} is used by {first} and {method} {path}");
            }
        }
    }
    assert!(seen.contains_key("operator_audit_log"), "{seen:?}");
}
