//! Tests written once, run on both backends.
//!
//! `on_both_backends!(name)` turns `async fn name(store: Store)` into two tests,
//! `name::sqlite` (a fresh file in a temporary directory) and `name::postgres` (a fresh
//! database on the server at `TAKEDOWN_POSTGRES_URL`, ignored unless asked for, and failing
//! when the variable is unset). A PostgreSQL test gets a database of its own so tests running
//! in parallel never see each other's rows; it is dropped when the test passes (a failed
//! test leaves it for inspection — the CI server is throwaway).

use std::{
    future::Future,
    str::FromStr,
    sync::atomic::{AtomicU32, Ordering},
};

use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor, postgres::PgConnectOptions};

use crate::{Backend, Store};

/// Runs `body` against a fresh store on `backend`.
pub(crate) async fn run<F, Fut>(backend: Backend, body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = Store::open(&dir.path().join("store.db"))
                .await
                .expect("open SQLite store");
            body(store.clone()).await;
            store.close().await;
        }
        Backend::Postgres => {
            let db = FreshDatabase::create().await;
            let store = Store::connect(&db.url)
                .await
                .expect("connect PostgreSQL store");
            assert_eq!(store.backend(), Backend::Postgres);
            body(store.clone()).await;
            store.close().await;
            db.drop().await;
        }
    }
}

/// A database created for one test on the server at `TAKEDOWN_POSTGRES_URL`.
struct FreshDatabase {
    admin: PgConnectOptions,
    name: String,
    url: String,
}

impl FreshDatabase {
    async fn create() -> Self {
        let server = std::env::var("TAKEDOWN_POSTGRES_URL").expect(
            "TAKEDOWN_POSTGRES_URL is not set: this test needs a PostgreSQL server \
             (`eval \"$(.ci/services/postgres.sh start)\"` starts one)",
        );
        let admin = PgConnectOptions::from_str(&server).expect("TAKEDOWN_POSTGRES_URL parses");
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "takedown_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_micros()
        );
        let mut conn = admin
            .connect()
            .await
            .expect("connect to TAKEDOWN_POSTGRES_URL");
        conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create a test database");
        conn.close().await.expect("close admin connection");
        let url = admin.clone().database(&name).to_url_lossy().to_string();
        Self { admin, name, url }
    }

    async fn drop(self) {
        let mut conn = self.admin.connect().await.expect("connect to drop");
        conn.execute(AssertSqlSafe(format!(
            "DROP DATABASE {} WITH (FORCE)",
            self.name
        )))
        .await
        .expect("drop the test database");
        conn.close().await.expect("close admin connection");
    }
}

/// Declares `$name::sqlite` and `$name::postgres` tests running `async fn $name(Store)`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::testkit::run($crate::Backend::Sqlite, super::$name).await;
            }

            #[tokio::test]
            #[ignore = "needs PostgreSQL: TAKEDOWN_POSTGRES_URL; .ci/run starts one"]
            async fn postgres() {
                $crate::testkit::run($crate::Backend::Postgres, super::$name).await;
            }
        }
    )+};
}
pub(crate) use on_both_backends;

/// Model values the tests store and read back.
pub(crate) mod fixtures {
    use chrono::Utc;
    use takedown_model::{
        Capture, Match, MatchKind, MatchReason, Notice, Right, RightKind, Tenant, TenantKind,
    };

    pub(crate) fn tenant(id: &str, kind: TenantKind) -> Tenant {
        Tenant {
            id: id.into(),
            kind,
            name: format!("{id} Ltd"),
            contact_email: None,
        }
    }

    pub(crate) fn right(id: &str, owner: &str) -> Right {
        Right {
            id: id.into(),
            owner_id: owner.into(),
            kind: RightKind::WordMark,
            name: "X".into(),
            registration_number: "1".into(),
            office: String::new(),
            classes: vec![],
            territories: vec![],
            valid_from: None,
            valid_until: None,
            images: vec![],
        }
    }

    pub(crate) fn notice(id: &str, owner: &str, platform: &str) -> Notice {
        Notice {
            id: id.into(),
            match_id: format!("m_{id}"),
            owner_id: owner.into(),
            owner_name: "Acme".into(),
            platform: platform.into(),
            listing_url: "http://shop.test/1".into(),
            seller: "s".into(),
            right_id: "r".into(),
            right_kind: "word_mark".into(),
            registration_number: "1".into(),
            explanation: "x".into(),
            evidence: vec!["cap".into()],
            good_faith_statement: "gf".into(),
            filed_at: Utc::now(),
        }
    }

    pub(crate) fn found(id: &str, owner: &str) -> Match {
        Match {
            id: id.into(),
            listing_id: format!("lst_{id}"),
            listing_url: format!("http://shop.test/{id}"),
            platform: "shop".into(),
            seller: "s".into(),
            right_id: "r".into(),
            owner_id: owner.into(),
            kind: MatchKind::WordMark,
            score: 0.75,
            reason: MatchReason::Text {
                span: "Acme".into(),
                normalized: "acme".into(),
                variant: "exact".into(),
                distance: 0,
            },
            capture_id: "cap".into(),
            matched_at: Utc::now(),
        }
    }

    pub(crate) fn capture(id: &str, url: &str) -> Capture {
        Capture {
            id: id.into(),
            url: url.into(),
            final_url: url.into(),
            status: 200,
            content_type: "text/html".into(),
            fetched_at: Utc::now(),
            body_digest: "0".repeat(64),
            body_len: 3,
            remote_addr: Some("127.0.0.1:80".into()),
            warc_digest: None,
            warc_record_id: None,
        }
    }
}
