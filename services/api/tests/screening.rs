//! Screening runs are executed: a fair organizer's run matches its exhibitors' products
//! against every brand owner's registered word marks and stores results the organizer reads,
//! naming the right only by its public registry facts.

mod common;

use axum::http::StatusCode;
use common::{World, word_mark};
use takedown_model::TenantKind;
use takedown_store::owned::TenantDoc;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

/// Reads the run until it leaves queued/running; bounded so a stuck run fails the test.
async fn finished(w: &World, key: &str, fair: &str, run_id: &str) -> serde_json::Value {
    for _ in 0..1000 {
        let (s, body) = w
            .call(
                "GET",
                &format!("/v1/fairs/{fair}/screenings/{run_id}"),
                Some(key),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let run = json(&body);
        if run["status"] != "queued" && run["status"] != "running" {
            return run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("screening run {run_id} did not finish");
}

async fn request(w: &World, key: &str, fair: &str) -> String {
    let (s, body) = w
        .call(
            "POST",
            &format!("/v1/fairs/{fair}/screenings"),
            Some(key),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{body}");
    let run = json(&body);
    assert_eq!(run["status"], "queued");
    run["id"].as_str().expect("id").to_owned()
}

async fn a_run_matches_products_against_every_owners_registered_marks(w: World) {
    let acme = w.tenant(TenantKind::BrandOwner, "acme").await;
    let rival = w.tenant(TenantKind::BrandOwner, "rival").await;
    let org = w.tenant(TenantKind::FairOrganizer, "fairco").await;
    let (s, _) = w
        .json(
            "POST",
            "/v1/rights",
            &acme,
            word_mark("acme-secret-id", "VELOTRAX"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = w
        .json("POST", "/v1/rights", &rival, word_mark("z1", "ZENTRO"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // The rival's mark lapses: no longer screened.
    let (s, _) = w
        .json(
            "POST",
            "/v1/rights/z1/status",
            &rival,
            serde_json::json!({"status": "lapsed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let (s, _) = w
        .json(
            "POST",
            "/v1/fairs",
            &org,
            serde_json::json!({"id": "f1", "name": "Fair"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, body) = w
        .json(
            "POST",
            "/v1/fairs/f1/exhibitors",
            &org,
            serde_json::json!({"id": "e1", "name": "Bikes Ltd", "products": [
                {"id": "p1", "title": "VELOTRAX racing helmet"},
                {"id": "p2", "title": "Zentro watch"},
                {"id": "p3", "title": "Plain bottle"}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, body) = w
        .json(
            "POST",
            "/v1/fairs/f1/exhibitors",
            &org,
            serde_json::json!({"id": "e2", "name": "X", "products": [{"id": "p 1", "title": "t"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&body)["field"], "products[0].id");

    let run_id = request(&w, &org, "f1").await;
    let run = finished(&w, &org, "f1", &run_id).await;
    assert_eq!(run["status"], "done", "{run}");
    assert!(run["started_at"].is_string() && run["finished_at"].is_string());
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{run}");
    let hit = &results[0];
    assert_eq!(hit["exhibitor_id"], "e1");
    assert_eq!(hit["product_id"], "p1");
    assert_eq!(hit["mark"], "VELOTRAX");
    assert_eq!(hit["registration_number"], "EU-0001");
    assert_eq!(hit["office"], "EUIPO");
    assert_eq!(hit["variant"], "exact");
    assert!(hit["score"].as_f64().expect("score") > 0.5);
    let text = run.to_string();
    for leak in ["acme", "acme-secret-id", "rival"] {
        assert!(!text.contains(leak), "the run leaked {leak}: {text}");
    }
    let (_, list) = w
        .call("GET", "/v1/fairs/f1/screenings", Some(&org), None)
        .await;
    assert_eq!(json(&list)[0]["status"], "done");

    // Another organizer reads nothing of it.
    let other = w.tenant(TenantKind::FairOrganizer, "otherfairs").await;
    let (s, _) = w
        .call(
            "GET",
            &format!("/v1/fairs/f1/screenings/{run_id}"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn a_run_that_cannot_read_an_exhibitor_fails_naming_it(w: World) {
    let org = w.tenant(TenantKind::FairOrganizer, "fairco").await;
    let (s, _) = w
        .json(
            "POST",
            "/v1/fairs",
            &org,
            serde_json::json!({"id": "f1", "name": "Fair"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    w.store
        .put_doc(
            "fairco",
            "exhibitor",
            &TenantDoc {
                id: "f1/broken".into(),
                parent_id: "f1".into(),
                body: serde_json::json!({"id": 7}),
            },
        )
        .await
        .expect("put");
    let run_id = request(&w, &org, "f1").await;
    let run = finished(&w, &org, "f1", &run_id).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert!(
        run["error"].as_str().expect("error").contains("f1/broken"),
        "{run}"
    );
}

on_both_backends!(
    a_run_matches_products_against_every_owners_registered_marks,
    a_run_that_cannot_read_an_exhibitor_fails_naming_it,
);
