//! The store reaches PostgreSQL over TLS as a managed database asks: `sslmode=verify-full`
//! with the server's CA given by `sslrootcert` connects (and the session is encrypted); a CA
//! that did not sign the server's certificate is refused; `sslmode=require` encrypts
//! without checking the CA. Needs the server `.ci/services/postgres.sh` starts (ssl=on with
//! a throwaway CA).

use std::str::FromStr;

use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor, postgres::PgConnectOptions};
use takedown_store::Store;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: `eval \"$(.ci/services/postgres.sh start)\"` sets it")
    })
}

/// A fresh database on the test server; returns its URL (no TLS parameters yet).
async fn fresh_database() -> String {
    let admin = PgConnectOptions::from_str(&env("TAKEDOWN_POSTGRES_URL")).expect("url parses");
    let name = format!(
        "takedown_tls_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    let mut conn = admin.connect().await.expect("connect as admin");
    conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create database");
    conn.close().await.expect("close");
    admin.database(&name).to_url_lossy().to_string()
}

/// Whether the store's session is encrypted, as the server sees it.
async fn encrypted(store: &Store) -> bool {
    let n: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl")
            .fetch_one(store.pool())
            .await
            .expect("pg_stat_ssl");
    n == 1
}

fn with_params(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

#[tokio::test]
#[ignore = "needs PostgreSQL with TLS: TAKEDOWN_POSTGRES_URL and TAKEDOWN_POSTGRES_CA; .ci/run starts one"]
async fn verify_full_with_the_servers_ca_connects_encrypted_and_another_ca_is_refused() {
    let url = fresh_database().await;
    let ca = env("TAKEDOWN_POSTGRES_CA");
    let verified = Store::connect(&with_params(
        &url,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .expect("verify-full with the server's CA connects");
    assert!(encrypted(&verified).await, "the session is over TLS");
    verified.close().await;

    let other = env("TAKEDOWN_POSTGRES_OTHER_CA");
    let refused = Store::connect(&with_params(
        &url,
        &format!("sslmode=verify-full&sslrootcert={other}"),
    ))
    .await;
    let Err(error) = refused else {
        panic!("a server whose certificate the given CA did not sign must be refused");
    };
    let message = error.to_string().to_lowercase();
    assert!(message.contains("certificate"), "{message}");

    let required = Store::connect(&with_params(&url, "sslmode=require"))
        .await
        .expect("require connects");
    assert!(encrypted(&required).await);
    required.close().await;
}
