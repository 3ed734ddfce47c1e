//! Case-store tests written once, run on both backends, as the owner's store's are
//! (`takedown_store`'s testkit).
//!
//! `on_both_backends!(name, …)` turns each `async fn name()` into `name::sqlite` (the case
//! database a file in the test's temporary directory) and `name::postgres` (a fresh database
//! on the server at `TAKEDOWN_POSTGRES_URL`, ignored unless asked for, failing when the
//! variable is unset — `.ci/run` starts one). The test body opens its case store with
//! [`open_cases`], which picks the backend of the test it runs in. A PostgreSQL database is
//! dropped when the test passes (a failed test leaves it for inspection).

use std::{
    future::Future,
    path::Path,
    str::FromStr,
    sync::atomic::{AtomicU32, Ordering},
};

use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor, postgres::PgConnectOptions};
use takedown_platform::CaseStore;

/// The backend a twin runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    /// The PostgreSQL database of the running test; `None` on SQLite.
    static DATABASE_URL: Option<String>;
}

/// Runs `body` with [`open_cases`] opening case stores on `backend`.
pub async fn on(backend: Backend, body: impl Future<Output = ()>) {
    match backend {
        Backend::Sqlite => DATABASE_URL.scope(None, body).await,
        Backend::Postgres => {
            let db = FreshDatabase::create().await;
            DATABASE_URL.scope(Some(db.url.clone()), body).await;
            db.drop().await;
        }
    }
}

/// The running test's case store: `dir/platform.db` on SQLite, its own database on
/// PostgreSQL. Opened twice in one test, it is the same database both times.
#[allow(dead_code)] // Not every test file reopens; each uses it.
pub async fn open_cases(dir: &Path) -> CaseStore {
    match DATABASE_URL.try_with(Clone::clone).ok().flatten() {
        Some(url) => CaseStore::connect(&url)
            .await
            .expect("connect the PostgreSQL case database"),
        None => CaseStore::open(&dir.join("platform.db"))
            .await
            .expect("open the SQLite case database"),
    }
}

/// A database created for one test on the server at `TAKEDOWN_POSTGRES_URL`.
pub struct FreshDatabase {
    admin: PgConnectOptions,
    name: String,
    /// The database's address.
    pub url: String,
}

impl FreshDatabase {
    /// Creates a database no other test uses.
    pub async fn create() -> Self {
        let server = std::env::var("TAKEDOWN_POSTGRES_URL").expect(
            "TAKEDOWN_POSTGRES_URL is not set: this test needs a PostgreSQL server \
             (`eval \"$(.ci/services/postgres.sh start)\"` starts one)",
        );
        let admin = PgConnectOptions::from_str(&server).expect("TAKEDOWN_POSTGRES_URL parses");
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "takedown_desk_test_{}_{}_{}",
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

    /// Drops the database, closing whatever connections are left on it.
    pub async fn drop(self) {
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

/// Declares `$name::sqlite` and `$name::postgres` tests running `async fn $name()`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::common::on($crate::common::Backend::Sqlite, super::$name()).await;
            }

            #[tokio::test]
            #[ignore = "needs PostgreSQL: TAKEDOWN_POSTGRES_URL; .ci/run starts one"]
            async fn postgres() {
                $crate::common::on($crate::common::Backend::Postgres, super::$name()).await;
            }
        }
    )+};
}
pub(crate) use on_both_backends;
