//! Shared test setup: a store in a temp dir, tenants with keys, a request helper.

#![allow(dead_code)]

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use takedown_api::{AppState, keys, router};
use takedown_model::TenantKind;
use takedown_store::Store;
use tower::ServiceExt;

pub struct World {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub app: Router,
}

/// A world whose failure limiter never trips (tests that are not about it make many failed
/// calls from the same, unknown, address).
pub async fn world() -> World {
    world_with_limit(u32::MAX).await
}

pub async fn world_with_limit(max_failures: u32) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("t.db")).await.expect("store");
    let app = router(AppState::with_limit(
        store.clone(),
        max_failures,
        std::time::Duration::from_secs(60),
    ));
    World {
        _dir: dir,
        store,
        app,
    }
}

impl World {
    /// Creates a tenant with a fixed id; returns its first key.
    pub async fn tenant(&self, kind: TenantKind, id: &str) -> String {
        let (_, key) = keys::create_tenant(&self.store, kind, id, Some(id))
            .await
            .expect("tenant");
        key
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<(&str, String)>,
    ) -> (StatusCode, String) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let request = match body {
            Some((content_type, text)) => request
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(text)),
            None => request.body(Body::empty()),
        }
        .expect("request");
        let response = self.app.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn json(
        &self,
        method: &str,
        path: &str,
        key: &str,
        body: serde_json::Value,
    ) -> (StatusCode, String) {
        self.call(
            method,
            path,
            Some(key),
            Some(("application/json", body.to_string())),
        )
        .await
    }
}

pub fn word_mark(id: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "kind": "word_mark", "name": name, "registration_number": "EU-0001",
        "office": "EUIPO", "classes": ["25"], "territories": ["EU"],
        "valid_from": "2020-01-01", "valid_until": "2030-01-01"
    })
}
