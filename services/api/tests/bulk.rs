//! Bulk import of rights: many rows with a row-level error report, from a file (the CLI's
//! path) and over HTTP.
//!
//! The file test imports 10,000 rows; for the 100,000:
//! `TAKEDOWN_BULK_ROWS=100000 cargo test -p takedown-api --release --test bulk`.

mod common;

use std::fmt::Write;

use axum::http::StatusCode;
use common::{World, world};
use takedown_model::TenantKind;

/// A CSV of `rows` word marks where every 1000th row has a bad Nice class.
fn marks_csv(rows: usize) -> String {
    let mut csv = String::from(
        "id,kind,name,registration_number,office,classes,territories,valid_from,valid_until,images\n",
    );
    for i in 0..rows {
        let class = if i % 1000 == 999 { "99" } else { "25;18" };
        writeln!(
            csv,
            "m{i},word_mark,Mark {i},REG-{i},EUIPO,{class},EU;CN,2020-01-01,2030-12-31,"
        )
        .expect("write");
    }
    csv
}

#[tokio::test]
async fn a_large_csv_imports_with_every_bad_row_reported() {
    let rows: usize = std::env::var("TAKEDOWN_BULK_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let w = world().await;
    w.tenant(TenantKind::BrandOwner, "acme").await;
    let path = w._dir.path().join("marks.csv");
    std::fs::write(&path, marks_csv(rows)).expect("write csv");

    let report = takedown_api::bulk::import_file(&w.store, "acme", &path, false)
        .await
        .expect("import");
    let bad = rows / 1000;
    assert_eq!(report.imported, rows - bad);
    assert_eq!(report.errors.len(), bad);
    // Row numbers are file lines: data row i is on line i + 2.
    assert_eq!(report.errors[0].row, 999 + 2);
    assert_eq!(report.errors[0].field, "classes[0]");
    assert_eq!(
        w.store.rights_of("acme").await.expect("rights").len(),
        rows - bad
    );

    // Importing the same file again changes nothing (ids are upserted).
    let again = takedown_api::bulk::import_file(&w.store, "acme", &path, false)
        .await
        .expect("import");
    assert_eq!(again.imported, rows - bad);
    assert_eq!(
        w.store.rights_of("acme").await.expect("rights").len(),
        rows - bad
    );
}

async fn bulk_import_refuses_a_tenant_that_is_not_a_brand_owner(w: World) {
    w.tenant(TenantKind::Platform, "plat").await;
    let path = w._dir.path().join("marks.csv");
    std::fs::write(&path, marks_csv(3)).expect("write csv");
    let err = takedown_api::bulk::import_file(&w.store, "plat", &path, false).await;
    assert!(matches!(
        err,
        Err(takedown_api::bulk::BulkError::NotOwner(_))
    ));
}

async fn json_bulk_over_http_reports_rows_by_index(w: World) {
    let key = w.tenant(TenantKind::BrandOwner, "acme").await;
    let body = serde_json::json!([
        common::word_mark("a", "Alpha"),
        {"id": "b", "kind": "sticker", "name": "B", "registration_number": "1"},
        common::word_mark("c", "Gamma"),
        {"id": 7},
    ]);
    let (s, text) = w.json("POST", "/v1/rights/bulk", &key, body).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(report["imported"], 2);
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["row"], 2);
    assert_eq!(errors[0]["field"], "kind");
    assert_eq!(errors[1]["row"], 4);
    let (_, list) = w.call("GET", "/v1/rights", Some(&key), None).await;
    assert!(list.contains("Alpha") && list.contains("Gamma"));

    let (s, text) = w
        .call(
            "POST",
            "/v1/rights/bulk",
            Some(&key),
            Some(("text/plain", "x".into())),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
}

on_both_backends!(
    bulk_import_refuses_a_tenant_that_is_not_a_brand_owner,
    json_bulk_over_http_reports_rows_by_index,
);
