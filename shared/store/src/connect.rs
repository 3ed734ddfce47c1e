//! From a database address to an `AnyPool` and the migrations that belong to its backend.
//!
//! sqlx's `Any` driver connects from a URL only, so a SQLite file path is turned into sqlx's
//! own `sqlite://` URL (and checked to read back as the same path), and SQLite's connection
//! pragmas are applied by an `after_connect` hook.

use std::{
    future::Future,
    path::Path,
    str::FromStr,
    time::{Duration, Instant},
};

use sqlx::{
    AnyPool, ConnectOptions, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    sqlite::SqliteConnectOptions,
};

use crate::{StoreError, StoreResult};

/// Which database a [`crate::Store`] is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file, with the store's pragmas set on every connection.
    Sqlite,
    /// A PostgreSQL server (the database must exist).
    Postgres,
}

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations-postgres");

/// The migration set of a backend (same version numbers, each in its own dialect).
pub(crate) fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATOR,
        Backend::Postgres => &POSTGRES_MIGRATOR,
    }
}

/// Pragmas every takedown SQLite connection runs with: WAL (readers never block the
/// writer), NORMAL sync (durable across a process crash), a generous busy timeout, and
/// foreign keys enforced. The busy timeout comes first so switching to WAL can wait.
const SQLITE_PRAGMAS: [&str; 4] = [
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
];

/// SQLite allows one writer at a time; a few connections serve concurrent readers.
const SQLITE_CONNECTIONS: u32 = 4;
/// PostgreSQL handles concurrent writers; the server's connection limit is shared by every
/// process of every stage, so each keeps a modest pool.
const POSTGRES_CONNECTIONS: u32 = 8;

pub(crate) async fn connect_any(url: &str) -> StoreResult<(AnyPool, Backend)> {
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("postgres" | "postgresql") => connect_postgres(url).await,
        Some("sqlite") => {
            let mut options = SqliteConnectOptions::from_str(url).map_err(|e| bad(url, e))?;
            // `sqlite://PATH` behaves like `Store::open`: the file is created if missing.
            // Explicit query parameters (`?mode=ro`, …) are taken as given.
            if !url.contains('?') {
                options = options.create_if_missing(true);
            }
            connect_sqlite(url, options).await
        }
        _ if url.contains("://") => Err(StoreError::BadUrl {
            url: url.to_owned(),
            reason: "unknown scheme".to_owned(),
        }),
        // No scheme: a file path (a Windows drive letter would look like a scheme but
        // has no "//").
        _ => open_sqlite_any(Path::new(url)).await,
    }
}

pub(crate) async fn open_sqlite_any(path: &Path) -> StoreResult<(AnyPool, Backend)> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    connect_sqlite(&path.display().to_string(), options).await
}

async fn connect_sqlite(
    given: &str,
    options: SqliteConnectOptions,
) -> StoreResult<(AnyPool, Backend)> {
    let url = options.to_url_lossy();
    // sqlx's URL form of a path is "lossy" (a '%' in a file name, for one, reads back
    // decoded): refuse a path that would silently open a different file.
    let reread = SqliteConnectOptions::from_url(&url).map_err(|e| bad(given, e))?;
    if reread.get_filename() != options.get_filename() {
        return Err(bad(
            given,
            format!(
                "the path {:?} cannot be expressed as a sqlx SQLite URL",
                options.get_filename()
            ),
        ));
    }
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_url(&url)?;
    let pool = retry_while_busy(
        || {
            AnyPoolOptions::new()
                .max_connections(SQLITE_CONNECTIONS)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        for pragma in SQLITE_PRAGMAS {
                            conn.execute(pragma).await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(options.clone())
        },
        is_sqlite_busy,
    )
    .await?;
    Ok((pool, Backend::Sqlite))
}

/// How long opening a SQLite database (connecting, switching to WAL, migrating) keeps
/// trying while other processes hold it locked. Stage processes started together on one
/// data directory all open the same files at the same instant.
pub const SQLITE_OPEN_PATIENCE: Duration = Duration::from_secs(60);

/// Whether `error` is SQLite's SQLITE_BUSY or SQLITE_LOCKED ("database is locked"): another
/// connection holds a lock this one needs. The busy timeout waits for most of these, but
/// SQLite returns some at once, without calling the busy handler: switching a new database
/// to WAL while another connection does the same, reading while another recovers the WAL,
/// and upgrading a read transaction to a write one after another writer committed.
pub fn is_sqlite_busy(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    // sqlx reports SQLite's extended result code; its low byte is the primary code.
    let primary = db
        .code()
        .and_then(|code| code.parse::<i32>().ok())
        .map(|code| code & 0xff);
    matches!(primary, Some(5 | 6))
        || db.message().contains("database is locked")
        || db.message().contains("database table is locked")
}

/// Runs `attempt` until it succeeds, fails with an error `busy` does not accept, or
/// [`SQLITE_OPEN_PATIENCE`] has passed; between tries it sleeps a growing, jittered delay
/// (20 ms doubling to 500 ms) so that processes started together do not retry in step.
pub async fn retry_while_busy<T, E, F, Fut>(
    mut attempt: F,
    mut busy: impl FnMut(&E) -> bool,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let mut tries: u32 = 0;
    loop {
        match attempt().await {
            Err(e) if busy(&e) && started.elapsed() < SQLITE_OPEN_PATIENCE => {
                tries += 1;
                tokio::time::sleep(backoff(tries)).await;
            }
            result => return result,
        }
    }
}

/// The delay before retry number `tries` (from 1): 20 ms doubling up to 500 ms, plus up to
/// half as much again. The jitter comes from the process id and the try number (processes
/// started together differ in their ids), which is all it needs to be: no RNG dependency.
pub(crate) fn backoff(tries: u32) -> Duration {
    let base = 20u64.saturating_mul(1 << tries.min(5)).min(500);
    let mixed = u64::from(std::process::id())
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(u64::from(tries).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    Duration::from_millis(base + (mixed >> 33) % (base / 2 + 1))
}

async fn connect_postgres(url: &str) -> StoreResult<(AnyPool, Backend)> {
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_str(url).map_err(|e| bad(url, e))?;
    let pool = AnyPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .connect_with(options)
        .await?;
    Ok((pool, Backend::Postgres))
}

fn bad(url: &str, reason: impl ToString) -> StoreError {
    StoreError::BadUrl {
        url: url.to_owned(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_path_and_a_sqlite_url_open_the_same_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("with space #1.db");
        let (pool, backend) = open_sqlite_any(&path).await.expect("open by path");
        assert_eq!(backend, Backend::Sqlite);
        sqlx::query("CREATE TABLE t (x BIGINT)")
            .execute(&pool)
            .await
            .expect("create");
        pool.close().await;
        assert!(path.exists(), "the file is created at the given path");

        let url = format!(
            "sqlite://{}",
            dir.path().join("with%20space%20%231.db").display()
        );
        let (pool, _) = connect_any(&url).await.expect("open by url");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .expect("pragma");
        assert_eq!(mode, "wal");
        sqlx::query("SELECT x FROM t")
            .execute(&pool)
            .await
            .expect("the table made through the path is there");
    }

    /// Databases made before PostgreSQL support carry SQLite migrations 0001–0004 with
    /// these checksums (SHA-384 of the files); sqlx refuses to open them if a file changes.
    #[test]
    fn the_sqlite_migrations_already_applied_in_the_field_are_unchanged() {
        let applied = [
            "2d464ba8209977cb13eba81110357a10630604184b99c243baf9e4533318a52d5c0104a63f1c7a8cb9e5dea1511c3f8a",
            "fbcbec77e640722554766e23f7d12127610dc6dfcb3f996da6e630c9c853a439caf4d5ab45dbc5477cdabe6b6c8a911c",
            "fd5befd10b86273881667045793dfd5bb5828c9df33bdd4d51c4f7d922084b1b56ceb8efcdc1188ec0e1e277e4c10360",
            "4aecb9c509074047a6a7114878678454d4884925e178efb1396f2c38654fc13f8c4af87d8ccba9051f6d8fd0e796a37e",
        ];
        let ours: Vec<String> = migrator(Backend::Sqlite)
            .iter()
            .take(applied.len())
            .map(|m| m.checksum.iter().map(|b| format!("{b:02x}")).collect())
            .collect();
        assert_eq!(ours, applied);
    }

    /// A copy, under `dir`, of the SQLite migrations numbered below `version`: the schema as
    /// an older store left it.
    fn sqlite_migrations_before(version: &str, dir: &Path) -> std::path::PathBuf {
        let before = dir.join(format!("migrations-before-{version}"));
        std::fs::create_dir(&before).expect("mkdir");
        for file in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
            .expect("migrations")
        {
            let file = file.expect("entry").path();
            let name = file
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string();
            if name.as_str() < version {
                std::fs::copy(&file, before.join(&name)).expect("copy");
            }
        }
        before
    }

    #[tokio::test]
    async fn a_database_made_by_the_sqlite_only_store_opens_and_gains_migration_5() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The previous store: a native SQLite pool migrated with 0001–0004.
        let old = sqlite_migrations_before("0005", dir.path());
        let path = dir.path().join("owner.db");
        let pool = crate::open_sqlite(&path).await.expect("native pool");
        Migrator::new(old.as_path())
            .await
            .expect("old migrator")
            .run(&pool)
            .await
            .expect("old migrations");
        sqlx::query("INSERT INTO tenants (id, kind, body) VALUES ('acme', 'brand_owner', ?)")
            .bind(r#"{"id":"acme","kind":"brand_owner","name":"Acme"}"#)
            .execute(&pool)
            .await
            .expect("old row");
        pool.close().await;

        let store = crate::Store::open(&path)
            .await
            .expect("the new store opens it");
        assert_eq!(
            store.tenant("acme").await.expect("read").map(|t| t.name),
            Some("Acme".to_owned())
        );
        let index: Option<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'frontier_seq'",
        )
        .fetch_optional(store.pool())
        .await
        .expect("schema");
        assert_eq!(index.as_deref(), Some("frontier_seq"));
    }

    /// Migration 0010: word marks hunted before titles were hunted are hunted again; the
    /// hunts of logos and designs stay recorded.
    #[tokio::test]
    async fn word_mark_hunts_recorded_before_title_hunts_are_forgotten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let before = sqlite_migrations_before("0010", dir.path());
        let path = dir.path().join("hunts.db");
        let pool = crate::open_sqlite(&path).await.expect("native pool");
        Migrator::new(before.as_path())
            .await
            .expect("migrator up to 0009")
            .run(&pool)
            .await
            .expect("migrations up to 0009");
        for statement in [
            r#"INSERT INTO tenants (id, kind, body) VALUES ('acme', 'brand_owner', '{}')"#,
            "INSERT INTO rights (id, owner_id, kind, body, updated_at) VALUES
                ('word', 'acme', 'word_mark', '{}', 'now'), ('logo', 'acme', 'logo', '{}', 'now')",
            "INSERT INTO retro_hunts (right_id, fingerprint, matches, finished_at) VALUES
                ('word', 'f1', 0, 'then'), ('logo', 'f2', 3, 'then')",
        ] {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .expect("a row as 0009 knew it");
        }
        pool.close().await;

        let store = crate::Store::open(&path).await.expect("opens and migrates");
        let hunted: Vec<String> = sqlx::query_scalar("SELECT right_id FROM retro_hunts")
            .fetch_all(store.pool())
            .await
            .expect("read");
        assert_eq!(hunted, ["logo"]);
    }

    #[tokio::test]
    async fn unusable_addresses_are_refused_by_name() {
        for url in ["mysql://h/db", "redis://h"] {
            match connect_any(url).await {
                Err(StoreError::BadUrl { url: named, .. }) => assert_eq!(named, url),
                other => panic!("{url}: expected BadUrl, got {:?}", other.map(|_| ())),
            }
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let odd = dir.path().join("100%41.db");
        assert!(matches!(
            open_sqlite_any(&odd).await,
            Err(StoreError::BadUrl { .. })
        ));
    }
}
