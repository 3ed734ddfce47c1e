//! Agents and law firms acting for a brand owner: the owner grants a delegation, the agent
//! calls the owner's routes with its own key and `Takedown-Act-For`, the owner's audit log
//! names the agent, and every way of not holding the delegation gives the stranger's 404.

mod common;

use axum::http::StatusCode;
use common::{World, word_mark};
use takedown_model::TenantKind;

fn parse(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

struct Parties {
    owner: String,
    agent: String,
    /// The 404 body of an id that exists nowhere: what every refusal must look like.
    not_found: String,
}

/// acme (with a right), lawfirm (its agent, with a right of its own), and `scopes` granted.
async fn parties(w: &World, scopes: &[&str]) -> Parties {
    let owner = w.tenant(TenantKind::BrandOwner, "acme").await;
    let agent = w.tenant(TenantKind::BrandOwner, "lawfirm").await;
    let (s, _) = w
        .json("POST", "/v1/rights", &owner, word_mark("r1", "ACMEMARK"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = w
        .json("POST", "/v1/rights", &agent, word_mark("own", "FIRMMARK"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = w
        .json(
            "POST",
            "/v1/delegations",
            &owner,
            serde_json::json!({"agent_tenant_id": "lawfirm", "scopes": scopes}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, not_found) = w
        .call("GET", "/v1/rights/does-not-exist", Some(&agent), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    Parties {
        owner,
        agent,
        not_found,
    }
}

async fn key_id(w: &World, key: &str) -> String {
    let (_, me) = w.call("GET", "/v1/me", Some(key), None).await;
    parse(&me)["key_id"].as_str().expect("key id").to_owned()
}

async fn an_agent_reads_and_writes_the_owners_rights_and_the_audit_names_it(w: World) {
    let p = parties(&w, &["read", "write"]).await;

    let (s, body) = w
        .call_acting("GET", "/v1/rights", Some(&p.agent), Some("acme"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body.contains("ACMEMARK"), "{body}");
    assert!(
        !body.contains("FIRMMARK"),
        "the agent's own rights stay apart"
    );
    // Without the header the agent is itself.
    let (_, own) = w.call("GET", "/v1/rights", Some(&p.agent), None).await;
    assert!(
        own.contains("FIRMMARK") && !own.contains("ACMEMARK"),
        "{own}"
    );

    let (s, me) = w
        .call_acting("GET", "/v1/me", Some(&p.agent), Some("acme"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let me = parse(&me);
    assert_eq!(me["tenant_id"], "acme");
    assert_eq!(me["agent_tenant_id"], "lawfirm");

    let (s, body) = w
        .call_acting(
            "POST",
            "/v1/rights",
            Some(&p.agent),
            Some("acme"),
            Some((
                "application/json",
                word_mark("r2", "FILEDBYFIRM").to_string(),
            )),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let acme: Vec<String> = w
        .store
        .rights_of("acme")
        .await
        .expect("rights")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert!(acme.contains(&"FILEDBYFIRM".to_owned()), "{acme:?}");
    let firm = w.store.rights_of("lawfirm").await.expect("rights");
    assert_eq!(firm.len(), 1, "nothing was written as the agent itself");

    let agent_key_id = key_id(&w, &p.agent).await;
    let (_, log) = w.call("GET", "/v1/audit", Some(&p.owner), None).await;
    let log = parse(&log);
    let entries = log.as_array().expect("entries");
    let grant = entries
        .iter()
        .find(|e| e["object_kind"] == "delegation")
        .expect("the grant is audited");
    assert_eq!(grant["action"], "create");
    assert_eq!(grant["object_id"], "lawfirm");
    let last = entries.last().expect("an entry");
    assert_eq!(last["action"], "create");
    assert_eq!(last["object_id"], "r2");
    assert_eq!(
        last["actor"],
        format!("agent:lawfirm/{agent_key_id}"),
        "the owner's log names the agent tenant and its key"
    );
    // The change is the owner's, not in the agent's own log.
    let (_, firm_log) = w.call("GET", "/v1/audit", Some(&p.agent), None).await;
    assert!(!firm_log.contains("FILEDBYFIRM"), "{firm_log}");
}

async fn a_revoked_delegation_refuses_the_next_request(w: World) {
    let p = parties(&w, &["read", "write"]).await;
    let (s, _) = w
        .call_acting("GET", "/v1/rights/r1", Some(&p.agent), Some("acme"), None)
        .await;
    assert_eq!(s, StatusCode::OK);

    let (s, _) = w
        .call("DELETE", "/v1/delegations/lawfirm", Some(&p.owner), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, body) = w
        .call_acting("GET", "/v1/rights/r1", Some(&p.agent), Some("acme"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body, p.not_found);
    let (_, list) = w.call("GET", "/v1/delegations", Some(&p.owner), None).await;
    assert_eq!(parse(&list), serde_json::json!([]));
    let (_, log) = w.call("GET", "/v1/audit", Some(&p.owner), None).await;
    let log = parse(&log);
    let last = log.as_array().and_then(|a| a.last()).expect("an entry");
    assert_eq!(
        (&last["action"], &last["object_kind"]),
        (
            &serde_json::json!("revoke"),
            &serde_json::json!("delegation")
        )
    );
    // Revoking twice: nothing live, so 404.
    let (s, _) = w
        .call("DELETE", "/v1/delegations/lawfirm", Some(&p.owner), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn a_read_only_delegation_refuses_a_write(w: World) {
    let p = parties(&w, &["read"]).await;
    let (s, _) = w
        .call_acting("GET", "/v1/rights", Some(&p.agent), Some("acme"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    for (method, path, body) in [
        ("POST", "/v1/rights", word_mark("r2", "Sneaky")),
        ("PUT", "/v1/rights/r1", word_mark("r1", "Sneaky")),
        ("DELETE", "/v1/rights/r1", serde_json::Value::Null),
    ] {
        let body = (!body.is_null()).then(|| ("application/json", body.to_string()));
        let (s, text) = w
            .call_acting(method, path, Some(&p.agent), Some("acme"), body)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(text, p.not_found, "{method} {path}");
    }
    let names: Vec<String> = w
        .store
        .rights_of("acme")
        .await
        .expect("rights")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["ACMEMARK"], "nothing changed");
}

async fn whoever_holds_no_delegation_gets_the_strangers_refusal(w: World) {
    let p = parties(&w, &["read", "write"]).await;
    let rival = w.tenant(TenantKind::BrandOwner, "rival").await;
    let platform = w.tenant(TenantKind::Platform, "shop").await;
    let organizer = w.tenant(TenantKind::FairOrganizer, "fairco").await;
    let operator = w.operator("ops").await;
    let cases = [
        (&rival, "acme", "a tenant acme never delegated to"),
        (&p.agent, "nobody", "an owner that does not exist"),
        (&p.agent, "shop", "a platform"),
        (&p.agent, "fairco", "a fair organizer"),
        (&p.agent, "lawfirm", "itself"),
        (&p.agent, "ops", "an operator"),
        (&platform, "acme", "a platform's key"),
        (&organizer, "acme", "a fair organizer's key"),
        (&operator, "acme", "an operator's key"),
    ];
    for (key, act_for, what) in cases {
        for path in ["/v1/rights", "/v1/rights/r1", "/v1/me"] {
            let (s, text) = w
                .call_acting("GET", path, Some(key), Some(act_for), None)
                .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{what}: GET {path}");
            assert_eq!(text, p.not_found, "{what}: GET {path}");
        }
    }
}

async fn a_delegation_from_one_owner_does_not_reach_another(w: World) {
    let p = parties(&w, &["read", "write"]).await;
    let other = w.tenant(TenantKind::BrandOwner, "globex").await;
    let (s, _) = w
        .json("POST", "/v1/rights", &other, word_mark("g1", "GLOBEXMARK"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    for path in ["/v1/rights", "/v1/rights/g1"] {
        let (s, text) = w
            .call_acting("GET", path, Some(&p.agent), Some("globex"), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "GET {path}");
        assert_eq!(text, p.not_found);
    }
    // Acting for acme, globex's right is another tenant's object: the plain 404.
    let (s, text) = w
        .call_acting("GET", "/v1/rights/g1", Some(&p.agent), Some("acme"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(text, p.not_found);
}

async fn an_agent_never_manages_the_owners_access(w: World) {
    let p = parties(&w, &["read", "write"]).await;
    let grant = |agent: &str, scopes: &[&str]| {
        Some((
            "application/json",
            serde_json::json!({"agent_tenant_id": agent, "scopes": scopes}).to_string(),
        ))
    };
    for (method, path, body) in [
        ("GET", "/v1/keys", None),
        (
            "POST",
            "/v1/keys",
            Some(("application/json", r#"{"scopes":["read"]}"#.to_owned())),
        ),
        ("GET", "/v1/delegations", None),
        ("POST", "/v1/delegations", grant("rival", &["read"])),
        ("DELETE", "/v1/delegations/lawfirm", None),
    ] {
        let (s, text) = w
            .call_acting(method, path, Some(&p.agent), Some("acme"), body)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}: {text}");
    }
    // The delegation still stands, unchanged.
    let (_, list) = w.call("GET", "/v1/delegations", Some(&p.owner), None).await;
    assert_eq!(
        parse(&list)[0]["scopes"],
        serde_json::json!(["read", "write"])
    );

    // And the owner cannot grant what an agent may never hold, nor to a non-brand-owner.
    w.tenant(TenantKind::Platform, "shop").await;
    for (body, field) in [
        (grant("lawfirm", &["read", "keys"]), "scopes"),
        (grant("lawfirm", &["write"]), "scopes"),
        (grant("shop", &["read"]), "agent_tenant_id"),
        (grant("nobody", &["read"]), "agent_tenant_id"),
        (grant("acme", &["read"]), "agent_tenant_id"),
    ] {
        let (s, text) = w
            .call("POST", "/v1/delegations", Some(&p.owner), body)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert_eq!(parse(&text)["field"], field, "{text}");
    }
}

on_both_backends!(
    an_agent_reads_and_writes_the_owners_rights_and_the_audit_names_it,
    a_revoked_delegation_refuses_the_next_request,
    a_read_only_delegation_refuses_a_write,
    whoever_holds_no_delegation_gets_the_strangers_refusal,
    a_delegation_from_one_owner_does_not_reach_another,
    an_agent_never_manages_the_owners_access,
);
