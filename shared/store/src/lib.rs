//! takedown's durable state.
//!
//! Module map:
//! - [`blobs`]: content-addressed files (pages, images, registered images), by SHA-256.
//! - [`registry`]: tenants, rights, authorized sellers.
//! - [`crawl`]: the crawl frontier, captures, listings, exhibitors.
//! - [`cases`]: matches, notices, case events, the delivery outbox.
//! - [`access`]: API keys (hashes only) and the audit log.
//! - [`owned`]: tenant-scoped reads and writes for the API (review decisions, tenant documents).
//!
//! Every write is an upsert or an insert-if-absent keyed by a content-derived id, so a stage
//! that handles a message twice leaves the same rows behind.
//!
//! **Architecture Invariant:** the store holds state; it does not decide anything. Policy
//! lives in the services.

pub mod access;
pub mod blobs;
pub mod cases;
pub mod crawl;
pub mod feeds;
pub mod owned;
pub mod registry;

use std::{path::Path, time::Duration};

use serde::{Serialize, de::DeserializeOwned};
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use blobs::{BlobError, BlobStore};
pub use cases::{Delivery, MatchRecord, NoticeRecord};
pub use crawl::FrontierEntry;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("schema migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored {what} is not valid JSON: {source}")]
    Corrupt {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("{0} not found")]
    NotFound(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The owner-side database.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and migrates it.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let pool = open_sqlite(path).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// A SQLite pool with the settings every takedown database uses: WAL (readers never block
/// the writer), NORMAL sync (durable across a process crash), a generous busy timeout.
pub async fn open_sqlite(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Our model types are plain data: serializing them to a String cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn from_json<T: DeserializeOwned>(what: &'static str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|source| StoreError::Corrupt { what, source })
}

/// Timestamps as fixed-width RFC 3339 UTC text, so SQL compares them in time order.
pub(crate) fn time_text(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn now_text() -> String {
    time_text(chrono::Utc::now())
}
