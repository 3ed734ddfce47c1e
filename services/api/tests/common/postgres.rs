//! A database of its own on the PostgreSQL server at `TAKEDOWN_POSTGRES_URL`, for one test
//! (the same scheme as takedown-store's private testkit, which other crates cannot reach).

use std::{
    str::FromStr,
    sync::atomic::{AtomicU32, Ordering},
};

use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor, postgres::PgConnectOptions};

/// A database created for one test; [`FreshDatabase::drop`] removes it.
pub struct FreshDatabase {
    admin: PgConnectOptions,
    name: String,
    pub url: String,
}

impl FreshDatabase {
    /// Creates the database; panics (failing the test) when `TAKEDOWN_POSTGRES_URL` is unset
    /// or the server is unreachable, so a CI run without the server cannot pass silently.
    pub async fn create() -> Self {
        let server = std::env::var("TAKEDOWN_POSTGRES_URL").expect(
            "TAKEDOWN_POSTGRES_URL is not set: this test needs a PostgreSQL server \
             (`eval \"$(.ci/services/postgres.sh start)\"` starts one)",
        );
        let admin = PgConnectOptions::from_str(&server).expect("TAKEDOWN_POSTGRES_URL parses");
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "takedown_api_test_{}_{}_{}",
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

    /// Drops the database (forcing out connections a pool may still hold).
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
