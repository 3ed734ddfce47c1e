//! Shared test setup: a fresh store on either backend, tenants with keys, a request helper.
//!
//! `on_both_backends!(name)` turns `async fn name(w: World)` into `name::sqlite` (a store file
//! in a temporary directory) and `name::postgres` (a fresh database on the server at
//! `TAKEDOWN_POSTGRES_URL`; ignored unless asked for, failing when the variable is unset).
//! Each PostgreSQL test gets a database of its own so parallel tests never see each other's
//! rows; it is dropped when the test passes (a failed one is left for inspection — the CI
//! server is throwaway).

#![allow(dead_code)]

mod postgres;

use std::future::Future;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use takedown_api::{AppState, keys, router};
use takedown_model::TenantKind;
use takedown_store::{Backend, Store};
use tower::ServiceExt;

pub struct World {
    /// Scratch space for files a test writes (and the SQLite store file).
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub app: Router,
    /// The PostgreSQL database this world owns, dropped by [`run`] when the test passes.
    db: Option<postgres::FreshDatabase>,
}

/// Runs `body` against a fresh world on `backend` whose failure limiter never trips (tests
/// that are not about it make many failed calls from the same, unknown, address).
pub async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(World) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with_limit(backend, u32::MAX, body).await
}

/// [`run`] with a failure limiter that trips after `max_failures`.
pub async fn run_with_limit<F, Fut>(backend: Backend, max_failures: u32, body: F)
where
    F: FnOnce(World) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut w = world_on(backend, max_failures).await;
    let store = w.store.clone();
    // Taken out so it outlives the body and is dropped only after a pass.
    let db = w.db.take();
    body(w).await;
    store.close().await;
    if let Some(db) = db {
        db.drop().await;
    }
}

/// A fresh world on the SQLite backend, for tests that run on one backend only.
pub async fn world() -> World {
    world_on(Backend::Sqlite, u32::MAX).await
}

pub async fn world_with_limit(max_failures: u32) -> World {
    world_on(Backend::Sqlite, max_failures).await
}

/// A fresh world on `backend`.
pub async fn world_on(backend: Backend, max_failures: u32) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, db) = match backend {
        Backend::Sqlite => (
            Store::open(&dir.path().join("t.db")).await.expect("store"),
            None,
        ),
        Backend::Postgres => {
            let db = postgres::FreshDatabase::create().await;
            let store = Store::connect(&db.url)
                .await
                .expect("connect PostgreSQL store");
            assert_eq!(store.backend(), Backend::Postgres);
            (store, Some(db))
        }
    };
    let blobs = takedown_store::BlobStore::open(&dir.path().join("blobs")).expect("blob store");
    let app = router(
        AppState::with_limit(
            store.clone(),
            max_failures,
            std::time::Duration::from_secs(60),
        )
        .with_blobs(blobs),
    );
    World {
        _dir: dir,
        store,
        app,
        db,
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

    /// Creates an operator with a fixed id (as `takedown tenants create --kind operator`
    /// does); returns its first key.
    pub async fn operator(&self, id: &str) -> String {
        let (_, key) = keys::create_operator(&self.store, id, Some(id))
            .await
            .expect("operator");
        key
    }

    /// Gives tenant `id` a contact e-mail: the notifier's address most notice regimes require.
    pub async fn contact(&self, id: &str, email: &str) {
        let mut tenant = self
            .store
            .tenant(id)
            .await
            .expect("read tenant")
            .expect("tenant exists");
        tenant.contact_email = Some(email.into());
        self.store
            .upsert_tenant(&tenant)
            .await
            .expect("store tenant");
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<(&str, String)>,
    ) -> (StatusCode, String) {
        self.call_acting(method, path, key, None, body).await
    }

    /// [`World::call`] as an agent: with `Takedown-Act-For: <act_for>` when it is given.
    pub async fn call_acting(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        act_for: Option<&str>,
        body: Option<(&str, String)>,
    ) -> (StatusCode, String) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(owner) = act_for {
            request = request.header("Takedown-Act-For", owner);
        }
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

/// Declares `$name::sqlite` and `$name::postgres` tests running `async fn $name(World)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::common::run(takedown_store::Backend::Sqlite, super::$name).await;
            }

            #[tokio::test]
            #[ignore = "needs PostgreSQL: TAKEDOWN_POSTGRES_URL; .ci/run starts one"]
            async fn postgres() {
                $crate::common::run(takedown_store::Backend::Postgres, super::$name).await;
            }
        }
    )+};
}
