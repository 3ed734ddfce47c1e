//! Composing per regime: the union of fields, a validator per regime naming what is missing,
//! bilingual text for Chinese regimes, and grouping that never duplicates an item.

use takedown_actioner::{Policy, compose, validate};
use takedown_model::{
    Capture, Listing, Match, Right, Tenant,
    notice::{AgentAuthorization, Party, Regime},
};

fn found(listing: &str, seller: &str) -> Match {
    serde_json::from_value(serde_json::json!({
        "id": format!("mat_{listing}"),
        "listing_id": format!("lst_{listing}"),
        "listing_url": format!("http://shop.test/item/{listing}"),
        "platform": "shop",
        "seller": seller,
        "right_id": "rgt_1",
        "owner_id": "acme",
        "kind": "word_mark",
        "score": 0.95,
        "reason": {"type": "text", "span": "Acme", "normalized": "acme", "variant": "exact", "distance": 0},
        "capture_id": format!("cap_{listing}"),
        "matched_at": "2026-11-02T10:00:00Z"
    }))
    .expect("match")
}

fn right() -> Right {
    serde_json::from_value(serde_json::json!({
        "id": "rgt_1", "owner_id": "acme", "kind": "word_mark", "name": "ACME",
        "registration_number": "EUTM 018000001", "office": "EUIPO",
        "classes": ["25"], "territories": ["EU"], "images": []
    }))
    .expect("right")
}

fn owner(email: Option<&str>) -> Tenant {
    serde_json::from_value(serde_json::json!({
        "id": "acme", "kind": "brand_owner", "name": "Acme Ltd", "contact_email": email
    }))
    .expect("tenant")
}

fn capture(id: &str) -> Capture {
    serde_json::from_value(serde_json::json!({
        "id": id, "url": "http://shop.test/item/1", "final_url": "http://shop.test/item/1",
        "status": 200, "content_type": "text/html", "fetched_at": "2026-11-02T09:59:00Z",
        "body_digest": "ab".repeat(32), "body_len": 10
    }))
    .expect("capture")
}

fn fair_listing() -> Listing {
    serde_json::from_value(serde_json::json!({
        "id": "lst_1", "source_id": "fair", "source_kind": "fair_catalog", "platform": "shop",
        "url": "http://shop.test/item/1", "seller": "Knockoff Co", "title": "Acme bike",
        "images": [], "captured_at": "2026-11-02T09:59:00Z", "capture_id": "cap_1",
        "exhibitor": {"fair": "Canton Fair", "booth": "H3-12", "company": "Knockoff Co"}
    }))
    .expect("listing")
}

fn policy(regime: Regime) -> Policy {
    Policy {
        default_regime: regime,
        ..Policy::default()
    }
}

#[test]
fn eu_dsa_notice_carries_every_field_and_passes() {
    let filed = compose::filed(
        &found("1", "Knockoff Co"),
        &right(),
        &owner(Some("legal@acme.example")),
        None,
        &[capture("cap_1")],
        &policy(Regime::EuDsa),
    );
    assert_eq!(validate::missing_fields(&filed), Vec::<String>::new());
    assert_eq!(filed.regime, Regime::EuDsa);
    assert_eq!(filed.right.office, "EUIPO");
    assert_eq!(filed.items.len(), 1);
    assert_eq!(filed.items[0].key, "mat_1");
    assert_eq!(filed.items[0].evidence[0].body_digest, "ab".repeat(32));
    assert!(filed.automated_detection);
    assert_eq!(
        filed.signature.as_ref().map(|s| s.name.as_str()),
        Some("Acme Ltd")
    );
    // English only outside China.
    assert!(filed.explanation_text.zh.is_none());
}

#[test]
fn eu_dsa_names_a_missing_contact_email() {
    let filed = compose::filed(
        &found("1", "Knockoff Co"),
        &right(),
        &owner(None),
        None,
        &[],
        &policy(Regime::EuDsa),
    );
    let err = validate::validate(&filed).expect_err("incomplete");
    assert_eq!(err.missing, vec!["notifier.email".to_owned()]);
    assert!(err.to_string().contains("eu_dsa"), "{err}");
}

#[test]
fn chinese_notice_is_bilingual_and_needs_identity_proof() {
    let mut p = policy(Regime::CnEcommerce);
    let filed = compose::filed(
        &found("1", "Knockoff Co"),
        &right(),
        &owner(None),
        None,
        &[],
        &p,
    );
    assert!(
        filed
            .explanation_text
            .zh
            .as_deref()
            .is_some_and(|t| t.contains("注册号 EUTM 018000001"))
    );
    assert!(filed.good_faith.zh.is_some() && filed.accuracy.zh.is_some());
    assert_eq!(
        validate::missing_fields(&filed),
        vec!["rights_holder.identity_document".to_owned()],
        "an email is optional in China, identity proof is not"
    );
    p.identity_document = Some("USCC 91310000MA1FL0000X".into());
    let filed = compose::filed(
        &found("1", "Knockoff Co"),
        &right(),
        &owner(None),
        None,
        &[],
        &p,
    );
    assert!(validate::validate(&filed).is_ok());
    // A Chinese notice without its Chinese explanation is incomplete.
    let mut stripped = filed.clone();
    stripped.explanation_text.zh = None;
    assert_eq!(
        validate::missing_fields(&stripped),
        vec!["explanation_text.zh".to_owned()]
    );
}

#[test]
fn trade_fair_needs_the_booth_and_an_agents_authorization() {
    let mut p = policy(Regime::TradeFair);
    p.identity_document = Some("USCC 1".into());
    p.agent = Some(AgentAuthorization {
        agent: Party {
            name: "IP Agents LLP".into(),
            email: Some("desk@agents.example".into()),
            ..Party::default()
        },
        document: String::new(),
        valid_until: None,
    });
    let without_booth = compose::filed(
        &found("1", "Knockoff Co"),
        &right(),
        &owner(None),
        None,
        &[],
        &p,
    );
    assert_eq!(
        validate::missing_fields(&without_booth),
        vec![
            "items[0].booth".to_owned(),
            "agent_authorization".to_owned()
        ]
    );
    p.agent.as_mut().expect("agent").document = "poa-2026-001".into();
    let listing = fair_listing();
    let filed = compose::filed(
        &found("1", "Knockoff Co"),
        &right(),
        &owner(None),
        Some(&listing),
        &[],
        &p,
    );
    assert_eq!(filed.notifier.name, "IP Agents LLP");
    assert_eq!(filed.rights_holder.name, "Acme Ltd");
    assert_eq!(
        filed.items[0].booth.as_ref().map(|b| b.booth.as_str()),
        Some("H3-12")
    );
    assert!(
        validate::validate(&filed).is_ok(),
        "{:?}",
        validate::missing_fields(&filed)
    );
}

#[test]
fn us_dmca_needs_a_signature_and_names_every_gap_at_once() {
    let mut p = policy(Regime::UsDmca);
    p.accuracy_statement = String::new();
    let mut filed = compose::filed(
        &found("1", "Knockoff Co"),
        &right(),
        &owner(None),
        None,
        &[],
        &p,
    );
    filed.signature = None;
    assert_eq!(
        validate::missing_fields(&filed),
        vec![
            "notifier.email".to_owned(),
            "accuracy".to_owned(),
            "signature".to_owned()
        ]
    );
}

#[test]
fn grouping_combines_one_sellers_listings_and_never_duplicates_an_item() {
    let p = policy(Regime::EuDsa);
    let compose = |listing: &str, seller: &str| {
        compose::filed(
            &found(listing, seller),
            &right(),
            &owner(Some("a@b.example")),
            None,
            &[],
            &p,
        )
    };
    let a1 = compose("1", "Knockoff Co");
    let a2 = compose("2", "Knockoff Co");
    let b1 = compose("3", "Other Shop");
    // A redelivered match composes the same notice again (same id, same item key).
    let a1_again = compose("1", "Knockoff Co");
    assert_eq!(a1_again.notice.id, a1.notice.id);
    let groups = compose::group(&[a1.clone(), a2, b1, a1_again]);
    assert_eq!(groups.len(), 2);
    let knockoff = groups
        .iter()
        .find(|g| g.notice.seller == "Knockoff Co")
        .expect("group");
    let keys: Vec<&str> = knockoff.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, vec!["mat_1", "mat_2"]);
    assert_eq!(knockoff.group_id, a1.group_id);
}
