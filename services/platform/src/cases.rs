//! The handler's own database of cases.

use std::path::Path;

use serde::Serialize;
use sqlx::{Row, SqlitePool};
use takedown_model::{Notice, stable_id};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("case database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("case database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseRow {
    pub case_id: String,
    pub notice_id: String,
    pub listing_url: String,
    pub status: String,
    pub received_at: String,
    /// How many times the notice arrived; more than one means a sender retried.
    pub deliveries: u32,
}

#[derive(Clone)]
pub struct CaseStore {
    pool: SqlitePool,
}

impl CaseStore {
    pub async fn open(path: &Path) -> Result<Self, CaseError> {
        let pool = takedown_store::open_sqlite(path).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Opens a case for the notice, or finds the one already open. Returns the case id and
    /// whether it was new.
    pub async fn open_case(
        &self,
        notice: &Notice,
        body: &str,
    ) -> Result<(String, bool), CaseError> {
        let case_id = stable_id("case", &[&notice.id]);
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT OR IGNORE INTO cases (case_id, notice_id, listing_url, status, body, received_at)
             VALUES (?, ?, ?, 'received', ?, ?)",
        )
        .bind(&case_id)
        .bind(&notice.id)
        .bind(&notice.listing_url)
        .bind(body)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            sqlx::query("UPDATE cases SET deliveries = deliveries + 1 WHERE notice_id = ?")
                .bind(&notice.id)
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query("SELECT case_id FROM cases WHERE notice_id = ?")
            .bind(&notice.id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((row.get(0), inserted))
    }

    pub async fn cases(&self) -> Result<Vec<CaseRow>, CaseError> {
        let rows = sqlx::query(
            "SELECT case_id, notice_id, listing_url, status, received_at, deliveries FROM cases ORDER BY received_at, case_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| CaseRow {
                case_id: r.get(0),
                notice_id: r.get(1),
                listing_url: r.get(2),
                status: r.get(3),
                received_at: r.get(4),
                deliveries: r.get::<i64, _>(5) as u32,
            })
            .collect())
    }
}
