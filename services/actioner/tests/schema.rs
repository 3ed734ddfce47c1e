//! The published JSON Schemas (`schemas/*.schema.json`, draft 2020-12) are generated from the
//! Rust types; this test fails when a committed file differs from what the types generate,
//! so the published contract stays true. `UPDATE_SCHEMAS=1 cargo test -p takedown-actioner
//! --test schema` rewrites them.
//!
//! It also validates real payloads against the committed schemas.

use std::path::PathBuf;

use takedown_actioner::{Policy, compose};
use takedown_model::{CaseEvent, CaseEventKind, notice::FiledNotice};

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

fn generated<T: schemars::JsonSchema>() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut text = serde_json::to_string_pretty(&schema).expect("schema serializes");
    text.push('\n');
    text
}

fn check(file: &str, text: &str) {
    let path = schemas_dir().join(file);
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::create_dir_all(schemas_dir()).expect("schemas dir");
        std::fs::write(&path, text).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}); run with UPDATE_SCHEMAS=1",
            path.display()
        )
    });
    assert!(
        committed == text,
        "{} differs from the schema the Rust types generate; run with UPDATE_SCHEMAS=1 and commit it",
        path.display()
    );
}

fn committed(file: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(schemas_dir().join(file)).expect("schema file");
    serde_json::from_str(&text).expect("schema is JSON")
}

#[test]
fn committed_schemas_match_the_rust_types() {
    check("notice.schema.json", &generated::<FiledNotice>());
    check("case-event.schema.json", &generated::<CaseEvent>());
}

fn composed() -> FiledNotice {
    let found = serde_json::from_value(serde_json::json!({
        "id": "mat_1", "listing_id": "lst_1", "listing_url": "http://shop.test/item/1",
        "platform": "shop", "seller": "Knockoff Co", "right_id": "rgt_1", "owner_id": "acme",
        "kind": "logo", "score": 0.9,
        "reason": {"type": "image", "listing_image": "aa", "right_image": "bb", "view": "logo",
                   "algorithm": "pdq", "distance": 12, "threshold": 31, "region": [0.0, 0.0, 0.5, 0.5]},
        "capture_id": "cap_1", "matched_at": "2026-11-02T10:00:00Z"
    }))
    .expect("match");
    let right = serde_json::from_value(serde_json::json!({
        "id": "rgt_1", "owner_id": "acme", "kind": "logo_mark", "name": "ACME",
        "registration_number": "CN 12345678", "office": "CNIPA", "classes": ["12"],
        "territories": ["CN"], "images": []
    }))
    .expect("right");
    let owner = serde_json::from_value(serde_json::json!({
        "id": "acme", "kind": "brand_owner", "name": "Acme Ltd", "contact_email": "legal@acme.example"
    }))
    .expect("owner");
    let policy = Policy {
        default_regime: takedown_model::notice::Regime::CnEcommerce,
        identity_document: Some("USCC 1".into()),
        ..Policy::default()
    };
    compose::filed(&found, &right, &owner, None, &[], &policy)
}

#[test]
fn a_composed_notice_and_a_case_event_validate_against_the_published_schemas() {
    let notice_schema = jsonschema::draft202012::new(&committed("notice.schema.json"))
        .expect("notice schema compiles");
    let notice = serde_json::to_value(composed()).expect("json");
    let errors: Vec<String> = notice_schema
        .iter_errors(&notice)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The schema has teeth: a notice without its id is refused.
    let mut broken = notice.clone();
    broken.as_object_mut().expect("object").remove("id");
    assert!(!notice_schema.is_valid(&broken));

    let event_schema = jsonschema::draft202012::new(&committed("case-event.schema.json"))
        .expect("event schema compiles");
    let event = CaseEvent {
        notice_id: "ntc_1".into(),
        kind: CaseEventKind::Acknowledged,
        case_id: Some("case_1".into()),
        detail: None,
        at: chrono::Utc::now(),
    };
    let event = serde_json::to_value(event).expect("json");
    assert!(event_schema.is_valid(&event));
    let mut unknown = event.clone();
    unknown["kind"] = serde_json::json!("teleported");
    assert!(!event_schema.is_valid(&unknown));
}
