//! Measures `takedown rights bulk` on a generated CSV of word marks (default 100,000 rows),
//! on SQLite (a fresh file) or on PostgreSQL (a fresh database on the server at `--postgres
//! URL` or `TAKEDOWN_POSTGRES_URL`):
//!
//! ```sh
//! cargo run -p takedown-api --example bulk_import -- [ROWS] [--postgres] [--row-by-row]
//! ```
//!
//! Prints the time to parse and validate, and the time to store, separately: the second is
//! what batching changes. Every 1000th row is invalid, so the row-error report is exercised.
//! `--row-by-row` stores the way the store did before batching (one statement per row in
//! one transaction), for a comparison under the same load.

#![forbid(unsafe_code)]

use std::{fmt::Write as _, str::FromStr, time::Instant};

use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor, postgres::PgConnectOptions};
use takedown_model::TenantKind;
use takedown_store::Store;

fn marks_csv(rows: usize) -> String {
    let mut csv = String::from(
        "id,kind,name,registration_number,office,classes,territories,valid_from,valid_until,images\n",
    );
    for i in 0..rows {
        let class = if i % 1000 == 999 { "99" } else { "25;18" };
        let _ = writeln!(
            csv,
            "m{i},word_mark,Mark {i},REG-{i},EUIPO,{class},EU;CN,2020-01-01,2030-12-31,"
        );
    }
    csv
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let postgres = args.iter().any(|a| a == "--postgres");
    let row_by_row = args.iter().any(|a| a == "--row-by-row");
    let dir = tempfile::tempdir()?;
    let (store, dropper) = if postgres {
        let server = std::env::var("TAKEDOWN_POSTGRES_URL")
            .map_err(|_| "TAKEDOWN_POSTGRES_URL is not set (.ci/services/postgres.sh start)")?;
        let admin = PgConnectOptions::from_str(&server)?;
        let name = format!("takedown_bulk_bench_{}", std::process::id());
        let mut conn = admin.connect().await?;
        conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await?;
        conn.close().await?;
        let url = admin.clone().database(&name).to_url_lossy().to_string();
        (Store::connect(&url).await?, Some((admin, name)))
    } else {
        (Store::open(&dir.path().join("bench.db")).await?, None)
    };
    takedown_api::keys::create_tenant(&store, TenantKind::BrandOwner, "acme", Some("acme")).await?;

    let text = marks_csv(rows);
    let started = Instant::now();
    let takedown_api::rights::ParsedRights { rights, errors, .. } =
        takedown_api::rights::parse_csv("acme", text.as_bytes())?;
    let parsed = started.elapsed();
    let started = Instant::now();
    let refused = if row_by_row {
        let mut tx = store.pool().begin().await?;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        for right in &rights {
            sqlx::query(
                "INSERT INTO rights (id, owner_id, kind, body, updated_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
                     updated_at = excluded.updated_at
                 WHERE rights.owner_id = excluded.owner_id",
            )
            .bind(&right.id)
            .bind("acme")
            .bind(right.kind.as_str())
            .bind(serde_json::to_string(right)?)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Vec::new()
    } else {
        store.upsert_rights_of("acme", &rights).await?
    };
    let stored = started.elapsed();
    let backend = match (postgres, row_by_row) {
        (true, false) => "PostgreSQL",
        (true, true) => "PostgreSQL row by row",
        (false, false) => "SQLite",
        (false, true) => "SQLite row by row",
    };
    println!(
        "{backend}: {rows} rows, {} valid, {} row errors, {} refused; parse+validate {:.2?}, store {:.2?} ({:.0} rows/s)",
        rights.len(),
        errors.len(),
        refused.len(),
        parsed,
        stored,
        rights.len() as f64 / stored.as_secs_f64()
    );
    assert_eq!(store.rights_of("acme").await?.len(), rights.len());
    store.close().await;
    if let Some((admin, name)) = dropper {
        let mut conn = admin.connect().await?;
        conn.execute(AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
            .await?;
        conn.close().await?;
    }
    Ok(())
}
