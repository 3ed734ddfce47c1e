//! takedown's durable state, on SQLite or PostgreSQL.
//!
//! Module map:
//! - [`blobs`]: content-addressed files (pages, images, registered images), by SHA-256.
//! - [`tenants`]: tenants, and an owner file registered in one transaction.
//! - [`rights`]: the rights the pipeline matches, and their version.
//! - [`authorized_sellers`]: the sellers an owner has licensed.
//! - [`frontier`]: the crawl frontier, with conditional-GET validators.
//! - [`captures`]: the record of every fetch, the evidence notices cite.
//! - [`listings`]: the listings the crawler extracted.
//! - [`exhibitors`]: trade-fair exhibitors and their products.
//! - [`matches`](mod@matches): matches with the decision taken on each.
//! - [`notices`]: notices filed, their status, and the case events that moved it.
//! - [`outbox`]: the notifier's delivery outbox, with claims under a lease.
//! - [`dead_letters`]: deliveries given up, with their reason, until re-queued.
//! - [`case_feeds`]: the read position in each platform's case-event feed.
//! - [`hashes`]: listing image hashes kept for retro-hunts, and the retro-hunts done.
//! - [`access`]: API keys (hashes only) and the audit log.
//! - [`delegations`]: brand owners' grants to agents acting for them.
//! - [`evidence_log`]: the transparency log over captures and notices sent: leaves, the
//!   Merkle tree's hashes, signed checkpoints.
//! - [`owned`]: tenant-scoped reads and writes for the API (review decisions, tenant documents).
//! - [`sessions`]: the web console's sessions (token hashes only), with their expiry.
//! - `connect` (private): the URL → backend → pool → migrations path.
//!
//! Every write is an upsert or an insert-if-absent keyed by a content-derived id, so a stage
//! that handles a message twice leaves the same rows behind.
//!
//! ## Two backends, one set of queries
//!
//! [`Store::connect`] takes `sqlite://PATH`, a plain file path, or `postgres://…`;
//! [`Store::open`] opens a SQLite file. Both hand back the same `Store`, so no caller knows
//! which database it talks to.
//!
//! The pool is sqlx's `AnyPool` rather than an enum of the two native pools: with `Any`
//! every query is written and type-checked once, where an enum would need each query
//! spelled out (or macro-expanded) per backend, doubling the code that must agree. What
//! `Any` costs, and how the store pays it:
//! - **SQL in one portable dialect.** Numbered placeholders `$1, $2…` (sqlx's SQLite driver
//!   binds `$NNN` by number); `INSERT … ON CONFLICT … DO NOTHING / DO UPDATE` rather than
//!   `INSERT OR IGNORE`; `COUNT(*) FILTER (WHERE …)`; no SQLite-only functions.
//! - **Only the types `Any` maps:** `i64`, `String`, `bool`, `Option<…>`. Integers are
//!   `BIGINT` on PostgreSQL; a boolean column is read through `CASE WHEN … THEN 1 ELSE 0 END`
//!   because SQLite reports it as an integer and PostgreSQL as a boolean.
//! - **Connection settings through the URL.** `Any` connects from a URL only, so SQLite's
//!   pragmas (WAL, `synchronous=NORMAL`, busy timeout, foreign keys) are set by an
//!   `after_connect` hook instead of `SqliteConnectOptions`.
//! - **Migrations per backend:** `migrations/` (SQLite; its files stay byte-identical, since
//!   existing databases carry their checksums) and `migrations-postgres/` with the same
//!   numbering and equivalent DDL. Timestamps are fixed-width RFC 3339 text on both, and
//!   PostgreSQL's text columns are `COLLATE "C"`, so ordering and time comparisons are
//!   byte-wise on both backends, whatever the server's locale.
//!
//! **Architecture Invariant:** the store holds state; it does not decide anything. Policy
//! lives in the services.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod access;
pub mod authorized_sellers;
pub mod blobs;
pub mod captures;
pub mod case_feeds;
mod connect;
pub mod dead_letters;
pub mod delegations;
pub mod evidence_log;
pub mod exhibitors;
pub mod frontier;
pub mod hashes;
pub mod listings;
pub mod matches;
pub mod notices;
pub mod outbox;
pub mod owned;
pub mod rights;
pub mod sessions;
pub mod tenants;
#[cfg(test)]
mod testkit;

use std::{path::Path, time::Duration};

use serde::{Serialize, de::DeserializeOwned};
use sqlx::{
    AnyPool, SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use blobs::{BlobError, BlobStore, S3Config};
pub use connect::{Backend, SQLITE_OPEN_PATIENCE, is_sqlite_busy, retry_while_busy};
pub use dead_letters::DeadLetter;
pub use frontier::FrontierEntry;
pub use hashes::StoredImageHashes;
pub use matches::MatchRecord;
pub use notices::{NoticeOutcomes, NoticeRecord};
pub use outbox::Delivery;
pub use tenants::OwnerRegistration;

/// Why a store operation failed. A failed write has written nothing (each is one statement
/// or one transaction).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not run a query (connection lost, locked, constraint).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Bringing the schema up to date failed at open; the store is not usable.
    #[error("schema migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A row's JSON column does not decode into its type: the row was written by something
    /// else, or by an incompatible version.
    #[error("stored {what} is not valid JSON: {source}")]
    Corrupt {
        /// What the column holds ("match", "tenant document"…), for the message.
        what: &'static str,
        /// The decoder's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// A stored value names something the store does not know (an unknown notice status).
    #[error("{0} not found")]
    NotFound(String),
    /// A write would have moved another owner's row to this one; nothing was written.
    #[error("{what} id {id:?} belongs to another owner; choose another id")]
    OwnedByAnother {
        /// The kind of row ("right").
        what: &'static str,
        /// The id the caller chose, which another owner holds.
        id: String,
    },
    /// An owner file named a tenant that exists as another kind; nothing was written.
    #[error(
        "tenant {id:?} exists as a {kind}; an owner file registers or updates brand owners only"
    )]
    TenantKindConflict {
        /// The tenant id the owner file names.
        id: String,
        /// The kind the existing tenant has (it never changes).
        kind: String,
    },
    /// The evidence log's stored state does not add up (a hash missing or malformed, an
    /// index out of range): the tables were damaged or edited.
    #[error("evidence log: {0}")]
    Log(String),
    /// [`Store::connect`] was given an address it cannot open.
    #[error(
        "unsupported database address {url:?}: {reason} (expected sqlite://PATH, a file path, or postgres://…)"
    )]
    BadUrl {
        /// The address as given (PostgreSQL passwords included: do not log it elsewhere).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// The result of every store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// The owner-side database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and migrates it.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let (pool, backend) = connect::open_sqlite_any(path).await?;
        Self::migrated(pool, backend).await
    }

    /// Connects to the database at `url` and migrates it: `sqlite://PATH` or a plain path
    /// (created if missing), or `postgres://…` / `postgresql://…` (the database must exist).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let (pool, backend) = connect::connect_any(url).await?;
        Self::migrated(pool, backend).await
    }

    async fn migrated(pool: AnyPool, backend: Backend) -> StoreResult<Self> {
        let migrator = connect::migrator(backend);
        if backend == Backend::Postgres {
            // PostgreSQL serialises migrations with an advisory lock.
            migrator.run(&pool).await?;
            return Ok(Self { pool, backend });
        }
        // Stage processes sharing one SQLite file may start together and race to migrate it
        // (SQLite has no advisory lock). Each migration is one transaction, so the loser's
        // attempt rolls back; tried again, it finds the winner's work recorded. A locked
        // database is waited for (within SQLITE_OPEN_PATIENCE); any other failure of a
        // migration's SQL is what losing the race looks like ("table already exists") and
        // is tried again a few times before it is believed.
        let mut lost_races = 0;
        connect::retry_while_busy(
            || migrator.run(&pool),
            |e: &sqlx::migrate::MigrateError| {
                use sqlx::migrate::MigrateError::{Execute, ExecuteMigration};
                match e {
                    Execute(e) | ExecuteMigration(e, _) if connect::is_sqlite_busy(e) => true,
                    Execute(_) | ExecuteMigration(..) => {
                        lost_races += 1;
                        lost_races <= 8
                    }
                    _ => false,
                }
            },
        )
        .await?;
        Ok(Self { pool, backend })
    }

    /// Which database this store is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for queries the store does not offer. SQL sent here must run on both
    /// backends (see the module documentation).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection; later calls on this store (or its clones) fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Connects to the database at `url` as [`Store::connect`] reads it (`sqlite://PATH`, a plain
/// path, or `postgres://…`) without running the store's migrations: for a database beside
/// the store with its own schema and migrations, such as the platform desk's case database.
pub async fn connect_any(url: &str) -> StoreResult<(sqlx::AnyPool, Backend)> {
    connect::connect_any(url).await
}

/// Opens the SQLite file at `path` as [`Store::open`] does (created if missing, the store's
/// pragmas on every connection) without running the store's migrations; see [`connect_any`].
pub async fn open_sqlite_any(path: &Path) -> StoreResult<(sqlx::AnyPool, Backend)> {
    connect::open_sqlite_any(path).await
}

/// A SQLite pool with the settings every takedown database uses: WAL (readers never block
/// the writer), NORMAL sync (durable across a process crash), a generous busy timeout.
/// (For SQLite-only databases beside the store, such as the platform's case database.)
pub async fn open_sqlite(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    connect::retry_while_busy(
        || {
            SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options.clone())
        },
        connect::is_sqlite_busy,
    )
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
