//! The isolation matrix: every documented route, called as no one, with a bad key, and as
//! every tenant that does not own the objects (and an operator), is refused and leaks nothing
//! — another tenant's object gives exactly the 404 body a missing id gives. The owner's own
//! call to the same route is not refused, so the refusals are about who calls, not about the
//! request. The operator's own routes work for it and return no tenant's content.
//!
//! Agents count among the strangers: the law firm acme delegated to, calling without
//! `Takedown-Act-For`, is just another brand owner; and a `Takedown-Act-For: acme` from a
//! tenant acme never delegated to (or for an owner who never delegated to the caller) gets,
//! on every route, exactly the 404 body a missing id gives.

mod common;

use axum::http::StatusCode;
use common::{World, word_mark};
use takedown_model::TenantKind;

/// Strings that only one tenant's data contains; no other caller may ever see one.
const ACME_MARKERS: &[&str] = &["acme", "ACMESECRETMARK", "mat-acme"];
const PLATFORM_MARKERS: &[&str] = &["https://platform-x.example/notices"];
const FAIR_MARKERS: &[&str] = &["Secret Fair Hall", "exh-secret", "fair1"];
/// Tenants' content (not their ids, which operators manage): never in an operator's answer.
const CONTENT_MARKERS: &[&str] = &[
    "ACMESECRETMARK",
    "acme-seller-zz",
    "https://platform-x.example/notices",
    "Secret Fair Hall",
    "exh-secret",
];
/// The certificate acme uploads: its bytes carry a marker too.
const CERTIFICATE: &str = "%PDF-1.7\nACMESECRETMARK certificate\n%%EOF\n";

struct Seeded {
    owner: String,
    platform: String,
    organizer: String,
    operator: String,
    /// acme's law firm: holds a delegation from acme (read and write).
    agent: String,
    /// A second key of the owner: the target of the key-revocation route.
    owner_spare_key_id: String,
    /// A third key of the owner: the target of the operator's key-revocation route.
    owner_spare_key_id_2: String,
    screening_id: String,
}

async fn seed(w: &World) -> Seeded {
    let owner = w.tenant(TenantKind::BrandOwner, "acme").await;
    let platform = w.tenant(TenantKind::Platform, "platform-x").await;
    let organizer = w.tenant(TenantKind::FairOrganizer, "fairco").await;
    let operator = w.operator("ops").await;
    // acme's law firm, and a second firm the delegation route grants to.
    let agent = w.tenant(TenantKind::BrandOwner, "lawfirm").await;
    w.tenant(TenantKind::BrandOwner, "agentco").await;
    // Approval files a notice, which names the owner's contact address.
    w.contact("acme", "legal@acme.example").await;

    let (s, _) = w
        .json(
            "POST",
            "/v1/rights",
            &owner,
            word_mark("r1", "ACMESECRETMARK"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = w
        .json(
            "POST",
            "/v1/authorized-sellers",
            &owner,
            serde_json::json!({"platform": "platform-x", "seller": "acme-seller-zz"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = w
        .json(
            "PUT",
            "/v1/policy",
            &owner,
            serde_json::json!({"auto_file_threshold": 0.42}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = w
        .json(
            "POST",
            "/v1/delegations",
            &owner,
            serde_json::json!({"agent_tenant_id": "lawfirm", "scopes": ["read", "write"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = w
        .json(
            "POST",
            "/v1/keys",
            &owner,
            serde_json::json!({"label": "spare", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let spare: serde_json::Value = serde_json::from_str(&body).expect("json");
    let (s, body) = w
        .json(
            "POST",
            "/v1/keys",
            &owner,
            serde_json::json!({"label": "spare 2", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let spare_2: serde_json::Value = serde_json::from_str(&body).expect("json");
    let (s, _) = w
        .call(
            "PUT",
            "/v1/rights/r1/certificate",
            Some(&owner),
            Some(("application/pdf", CERTIFICATE.to_owned())),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let found: takedown_model::Match = serde_json::from_value(serde_json::json!({
        "id": "mat-acme-1", "listing_id": "lst-1", "listing_url": "https://platform-x.example/l/1",
        "platform": "platform-x", "seller": "bad-seller", "right_id": "acme/r1", "owner_id": "acme",
        "kind": "word_mark", "score": 0.8,
        "reason": {"type": "text", "span": "ACMESECRETMARK", "normalized": "acmesecretmark", "variant": "exact", "distance": 0},
        "capture_id": "cap-1", "matched_at": "2026-01-01T00:00:00Z"
    }))
    .expect("match");
    w.store
        .upsert_match(&found, takedown_model::Decision::Review)
        .await
        .expect("match");
    let mut second = found.clone();
    second.id = "mat-acme-2".into();
    w.store
        .upsert_match(&second, takedown_model::Decision::Review)
        .await
        .expect("match");
    let notice: takedown_model::Notice = serde_json::from_value(serde_json::json!({
        "id": "ntc-acme-1", "match_id": "mat-acme-0", "owner_id": "acme", "owner_name": "Acme",
        "platform": "platform-x", "listing_url": "https://platform-x.example/l/0", "seller": "s",
        "right_id": "acme/r1", "right_kind": "word_mark", "registration_number": "EU-0001",
        "explanation": "ACMESECRETMARK", "evidence": [], "good_faith_statement": "g",
        "filed_at": "2026-01-01T00:00:00Z"
    }))
    .expect("notice");
    w.store.insert_notice(&notice).await.expect("notice");

    let (s, _) = w
        .json(
            "PUT",
            "/v1/endpoint",
            &platform,
            serde_json::json!({"url": "https://platform-x.example/notices"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = w
        .json(
            "POST",
            "/v1/fairs",
            &organizer,
            serde_json::json!({"id": "fair1", "name": "Secret Fair Hall"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = w
        .json("POST", "/v1/fairs/fair1/exhibitors", &organizer,
            serde_json::json!({"id": "exh-secret", "name": "Exhibitor", "filings": [], "pledge_signed_on": "2026-03-01"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = w
        .call("POST", "/v1/fairs/fair1/screenings", Some(&organizer), None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let run: serde_json::Value = serde_json::from_str(&body).expect("json");
    Seeded {
        owner,
        platform,
        organizer,
        operator,
        agent,
        owner_spare_key_id: spare["id"].as_str().expect("id").to_owned(),
        owner_spare_key_id_2: spare_2["id"].as_str().expect("id").to_owned(),
        screening_id: run["id"].as_str().expect("id").to_owned(),
    }
}

/// A body each writing route accepts from its owner.
fn body_for(method: &str, path: &str) -> Option<(&'static str, String)> {
    let json = |v: serde_json::Value| Some(("application/json", v.to_string()));
    match (method, path) {
        ("POST", "/v1/keys") => json(serde_json::json!({"scopes": ["read"]})),
        ("POST", "/v1/delegations") => {
            json(serde_json::json!({"agent_tenant_id": "agentco", "scopes": ["read"]}))
        }
        ("POST", "/v1/rights") => json(word_mark("r2", "Other")),
        ("PUT", "/v1/rights/{id}") => json(word_mark("r1", "ACMESECRETMARK")),
        ("POST", "/v1/rights/bulk") => Some((
            "text/csv",
            "id,kind,name,registration_number\nr3,word_mark,Third,N-3\n".to_owned(),
        )),
        ("POST", "/v1/authorized-sellers") => {
            json(serde_json::json!({"platform": "p", "seller": "s"}))
        }
        ("PUT", "/v1/policy") => json(serde_json::json!({"auto_file_threshold": 0.5})),
        ("POST", p) if p.starts_with("/v1/review/") => json(serde_json::json!({"reason": "ok"})),
        ("POST", "/v1/fairs") => json(serde_json::json!({"id": "fair2", "name": "F"})),
        ("POST", "/v1/fairs/{fair_id}/exhibitors") => {
            json(serde_json::json!({"id": "e2", "name": "E"}))
        }
        ("PUT", "/v1/endpoint") => json(serde_json::json!({"url": "https://x.example/n"})),
        ("PUT", "/v1/rights/{id}/certificate") => Some(("application/pdf", CERTIFICATE.to_owned())),
        ("POST", "/v1/rights/{id}/status") => {
            json(serde_json::json!({"status": "registered", "valid_until": "2035-01-01"}))
        }
        ("POST", "/v1/operator/tenants") => {
            json(serde_json::json!({"kind": "brand_owner", "name": "New Co"}))
        }
        _ => None,
    }
}

async fn every_route_refuses_everyone_but_the_owner_and_leaks_nothing(w: World) {
    let seeded = seed(&w).await;
    // Same-kind strangers, one per kind.
    let other_owner = w.tenant(TenantKind::BrandOwner, "rival").await;
    let other_platform = w.tenant(TenantKind::Platform, "platform-y").await;
    let other_organizer = w.tenant(TenantKind::FairOrganizer, "otherfairs").await;
    let (_, not_found_body) = w
        .call("GET", "/v1/rights/does-not-exist", Some(&other_owner), None)
        .await;

    let doc = takedown_api::api(takedown_api::AppState::new(w.store.clone())).1;
    let doc = serde_json::to_value(&doc).expect("doc");
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let tag = op["tags"][0].as_str().unwrap_or("common").to_owned();
            operations.push((method.to_uppercase(), path.clone(), tag));
        }
    }
    // Deleting routes last, so the owner's check of every other route still finds its objects.
    operations.sort_by_key(|(m, _, _)| m == "DELETE");
    assert!(
        operations.len() >= 30,
        "only {} operations",
        operations.len()
    );

    let mut checked = 0;
    for (method, template, tag) in &operations {
        let path = template
            .replace("{id}", "r1")
            .replace(
                "{key_id}",
                if template.starts_with("/v1/operator/") {
                    &seeded.owner_spare_key_id_2
                } else {
                    &seeded.owner_spare_key_id
                },
            )
            .replace("{tenant_id}", "acme")
            .replace("{agent_tenant_id}", "lawfirm")
            .replace("{platform}", "platform-x")
            .replace("{seller}", "acme-seller-zz")
            // Approve and reject each get a match of their own: a match is decided once.
            .replace(
                "{match_id}",
                if template.ends_with("/reject") {
                    "mat-acme-2"
                } else {
                    "mat-acme-1"
                },
            )
            .replace("{notice_id}", "ntc-acme-1")
            .replace("{fair_id}", "fair1")
            .replace("{exhibitor_id}", "exh-secret")
            .replace("{screening_id}", &seeded.screening_id);
        let (owner_key, owner_kind) = match tag.as_str() {
            "platform" => (&seeded.platform, "platform"),
            "fair_organizer" => (&seeded.organizer, "fair_organizer"),
            "operator" => (&seeded.operator, "operator"),
            _ => (&seeded.owner, "brand_owner"),
        };
        let has_params = template.contains('{');
        let body = || body_for(method, template);

        // No one, and a key that is not one.
        let (s, text) = w.call(method, &path, None, body()).await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "{method} {path} as no one: {text}"
        );
        let fake = format!("tdk_{}_{}", "0".repeat(16), "0".repeat(64));
        let (s, _) = w.call(method, &path, Some(&fake), body()).await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "{method} {path} with a fake key"
        );

        let strangers = [
            (&other_owner, "brand_owner"),
            (&other_platform, "platform"),
            (&other_organizer, "fair_organizer"),
            (&seeded.owner, "brand_owner"),
            (&seeded.platform, "platform"),
            (&seeded.organizer, "fair_organizer"),
            (&seeded.operator, "operator"),
            (&seeded.agent, "brand_owner"),
        ];
        for (key, kind) in strangers {
            if *key == *owner_key {
                continue;
            }
            let (s, text) = w.call(method, &path, Some(key), body()).await;
            let mut markers: Vec<String> = vec![
                seeded.owner_spare_key_id.clone(),
                seeded.owner_spare_key_id_2.clone(),
            ];
            for (holder, own) in [
                (&seeded.owner, ACME_MARKERS),
                (&seeded.platform, PLATFORM_MARKERS),
                (&seeded.organizer, FAIR_MARKERS),
            ] {
                if *holder != *key {
                    markers.extend(own.iter().map(|m| m.to_string()));
                }
            }
            for marker in &markers {
                assert!(
                    !text.contains(marker.as_str()),
                    "{method} {path} as a {kind} leaked {marker}: {text}"
                );
            }
            if tag != "common" && kind != owner_kind {
                assert_eq!(
                    s,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as a {kind}: {text}"
                );
            } else if has_params {
                assert_eq!(
                    s,
                    StatusCode::NOT_FOUND,
                    "{method} {path} as a {kind}: {text}"
                );
                assert_eq!(
                    text, not_found_body,
                    "{method} {path}: 404 body differs from a missing id's"
                );
            } else if s == StatusCode::NOT_FOUND {
                // A singleton (policy, endpoint) the stranger has not set: the plain 404.
                assert_eq!(text, not_found_body, "{method} {path} as a {kind}");
            } else {
                // A same-kind stranger on a collection route works on its own data.
                assert!(s.is_success(), "{method} {path} as a {kind}: {s} {text}");
            }
        }
        // Acting for acme without its delegation, or for rival (who delegated to no one) with
        // acme's: the plain 404, whatever the route.
        for (key, act_for) in [
            (&other_owner, "acme"),
            (&other_platform, "acme"),
            (&seeded.operator, "acme"),
            (&seeded.agent, "rival"),
            (&seeded.agent, "nobody"),
        ] {
            let (s, text) = w
                .call_acting(method, &path, Some(key), Some(act_for), body())
                .await;
            assert_eq!(
                s,
                StatusCode::NOT_FOUND,
                "{method} {path} acting for {act_for}: {text}"
            );
            assert_eq!(
                text, not_found_body,
                "{method} {path} acting for {act_for}: 404 body differs from a missing id's"
            );
        }
        // The owner is not refused.
        let (s, text) = w.call(method, &path, Some(owner_key), body()).await;
        assert!(s.is_success(), "{method} {path} as its owner: {s} {text}");
        if owner_kind == "operator" {
            for marker in CONTENT_MARKERS {
                assert!(
                    !text.contains(marker),
                    "{method} {path} showed the operator tenant content {marker}: {text}"
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, operations.len());
}

async fn rights_registered_before_the_api_are_reachable_by_their_owner_only(w: World) {
    let owner = w.tenant(TenantKind::BrandOwner, "acme").await;
    let rival = w.tenant(TenantKind::BrandOwner, "rival").await;
    // As `takedown rights import` stores them: the plain id, no owner prefix.
    let right: takedown_model::Right = serde_json::from_value(serde_json::json!({
        "id": "legacy-1", "owner_id": "acme", "kind": "word_mark", "name": "Acme",
        "registration_number": "1"
    }))
    .expect("right");
    w.store.upsert_right(&right).await.expect("store");
    let (s, _) = w
        .call("GET", "/v1/rights/legacy-1", Some(&owner), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = w
        .call("GET", "/v1/rights/legacy-1", Some(&rival), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = w
        .json(
            "PUT",
            "/v1/rights/legacy-1",
            &owner,
            word_mark("legacy-1", "Acme 2"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let stored = w.store.rights_of("acme").await.expect("rights");
    assert_eq!(stored.len(), 1, "the update kept the stored id");
    assert_eq!(stored[0].name, "Acme 2");
}

on_both_backends!(
    every_route_refuses_everyone_but_the_owner_and_leaks_nothing,
    rights_registered_before_the_api_are_reachable_by_their_owner_only,
);
