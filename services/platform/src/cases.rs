//! The handler's own database of cases: the case rows, their flow columns (state, regime,
//! window), the audit trail of transitions, and repeat-infringer appeals. Holds state and
//! decides nothing; [`crate::engine`] decides.
//!
//! On SQLite (a file) or PostgreSQL (a URL), as the owner's store is: one `AnyPool`, every
//! query written once in the dialect both speak (`$N` placeholders, `ON CONFLICT`,
//! `RETURNING`, no JSON functions), and a migration set per backend (`migrations/`, whose
//! files stay byte-identical since databases in the field carry their checksums, and
//! `migrations-postgres/`, with the same numbering). Several desk replicas may share one
//! PostgreSQL database: transitions are conditional on the state they leave
//! ([`CaseStore::record`]), the audit trail is numbered in commit order, and the ticker runs
//! in one replica at a time under a lease ([`CaseStore::claim_lease`]).

use std::{collections::HashMap, path::Path, sync::Arc};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sqlx::{AnyPool, Row, any::AnyRow};
use takedown_model::{Notice, stable_id};
use takedown_store::Backend;

use crate::{
    calendar::{CalendarFile, CnCalendar, Period},
    clock::{Clock, SystemClock},
    flow::{EventKind, Regime, State},
};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations-postgres");

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("case database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("case database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The database holds migrations the desk did not write: another program's database
    /// (most often the owner's store, whose migration numbers overlap the desk's).
    #[error(
        "the case database holds migration {version} that the desk did not write: it belongs to \
         another program (the owner's store?); give the desk a database of its own"
    )]
    ForeignDatabase {
        /// The first migration version that is not the desk's.
        version: i64,
    },
    /// The case database's address could not be opened.
    #[error("opening the case database: {0}")]
    Open(#[from] takedown_store::StoreError),
    #[error("case {case_id} has an unreadable {column}: {value:?}")]
    Corrupt {
        case_id: String,
        column: &'static str,
        value: String,
    },
    #[error("case {case_id} is no longer in state {expected}: another change came first")]
    Conflict { case_id: String, expected: State },
    /// A value given by the caller was refused, e.g. an operator without a name.
    #[error("{0}")]
    Invalid(&'static str),
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

/// A case as the flow sees it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CaseRecord {
    pub case_id: String,
    pub notice_id: String,
    pub platform: String,
    pub seller: String,
    pub listing_url: String,
    /// The law the case runs under (`cn_ecommerce`, `eu_dsa`, `us_dmca`, `trade_fair`).
    #[schema(value_type = String)]
    pub regime: Regime,
    pub state: State,
    pub received_at: DateTime<Utc>,
    /// When the current state's window ends.
    pub deadline: Option<DateTime<Utc>>,
    pub measures_at: Option<DateTime<Utc>>,
    pub counter_at: Option<DateTime<Utc>>,
    /// DMCA: the latest day the listing may be restored.
    pub restore_by: Option<DateTime<Utc>>,
    /// DSA art. 20: until when an internal complaint about the decision is taken.
    pub complaint_until: Option<DateTime<Utc>>,
    pub statement_of_reasons: Option<String>,
    /// Windows whose end could not be computed yet (no holiday table for their year); the
    /// tick fills them in once the table is loaded.
    pub pending_windows: Vec<PendingWindow>,
}

/// Which of a case's window columns a [`PendingWindow`] will fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowField {
    /// [`CaseRecord::deadline`].
    Deadline,
    /// [`CaseRecord::restore_by`].
    RestoreBy,
    /// [`CaseRecord::complaint_until`].
    ComplaintUntil,
}

/// A window that started but whose end is unknown: kept with what computes it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PendingWindow {
    /// The column the end goes into.
    pub field: WindowField,
    /// The window's length and calendar.
    pub period: Period,
    /// When the window started.
    pub from: DateTime<Utc>,
    /// Why the end is unknown, e.g. "no CN calendar for 2027".
    pub reason: String,
}

/// One recorded transition.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EventRecord {
    pub seq: i64,
    pub case_id: String,
    pub notice_id: String,
    pub event: String,
    pub from: Option<String>,
    pub to: String,
    pub actor: String,
    pub at: String,
    pub detail: serde_json::Value,
}

/// Who did what when, for [`CaseStore::record`].
#[derive(Debug, Clone)]
pub struct Audit<'a> {
    pub event: EventKind,
    pub actor: &'a str,
    pub at: DateTime<Utc>,
    pub detail: serde_json::Value,
}

/// One line of the desk's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseSummary {
    /// The case.
    pub case_id: String,
    /// The notice it was opened for.
    pub notice_id: String,
    /// The platform the listing is on.
    pub platform: String,
    /// The seller the notice is against.
    pub seller: String,
    /// Who sent the notice (the owner's id in the notice).
    pub sender: String,
    /// The listing.
    pub listing_url: String,
    /// The law the case runs under.
    pub regime: String,
    /// Where the case is.
    pub state: String,
    /// When the notice arrived.
    pub received_at: String,
    /// When the current window ends, if it has one and it is known.
    pub deadline: Option<String>,
    /// A window's end is unknown (no holiday table for its year yet).
    pub deadline_unknown: bool,
}

/// Which cases to list; every field narrows the list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only cases in this state.
    pub state: Option<State>,
    /// Only cases under this regime.
    pub regime: Option<Regime>,
    /// Only cases against this seller.
    pub seller: Option<String>,
    /// Only notices from this sender (owner id).
    pub sender: Option<String>,
    /// Only cases whose window ends before this instant.
    pub deadline_before: Option<DateTime<Utc>>,
    /// Skip this many (for the next page).
    pub offset: u32,
    /// At most this many.
    pub limit: u32,
}

/// One of the desk's operators (never their token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorRow {
    /// The token's public id.
    pub id: String,
    /// Who they are, as the audit trail names them.
    pub name: String,
    /// When the token was made.
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// The prefix of an operator's token.
pub const OPERATOR_TOKEN_PREFIX: &str = "tdo_";

/// The longest operator name kept.
pub const MAX_OPERATOR_NAME_CHARS: usize = 64;

/// Upheld cases per (platform, seller), with the seller's appeal if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpheldCount {
    pub platform: String,
    pub seller: String,
    pub upheld: u32,
    pub appeal: Option<(String, String)>,
}

/// The fixed-width UTC form every flow column uses, so text order is time order.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Clone)]
struct Regimes {
    /// The regime of a notice that names none, on a platform without its own.
    default: Regime,
    /// The regime of a notice that names none, per platform.
    per_platform: HashMap<String, Regime>,
    /// The regimes this desk takes notices under; `None`: every regime.
    accepted: Option<Vec<Regime>>,
    /// Whether received notices must carry what their regime asks for (see `check`).
    checks: bool,
}

#[derive(Clone)]
pub struct CaseStore {
    pool: AnyPool,
    backend: Backend,
    clock: Arc<dyn Clock>,
    regimes: Arc<Regimes>,
}

impl CaseStore {
    /// Opens (and migrates) the SQLite file at `path`. Each case runs under the regime its
    /// notice names (its `regime` field); a notice that names none runs under the EU DSA
    /// unless configured otherwise with [`CaseStore::with_default_regime`] or
    /// [`CaseStore::with_platform_regime`].
    pub async fn open(path: &Path) -> Result<Self, CaseError> {
        let (pool, backend) = takedown_store::open_sqlite_any(path).await?;
        Self::migrated(pool, backend).await
    }

    /// Connects to (and migrates) the case database at `address`: a SQLite file path or
    /// `sqlite://PATH`, or `postgres://…` — a database of the desk's own (its migrations are
    /// not the owner's store's), which several desk replicas may share.
    pub async fn connect(address: &str) -> Result<Self, CaseError> {
        let (pool, backend) = takedown_store::connect_any(address).await?;
        Self::migrated(pool, backend).await
    }

    async fn migrated(pool: AnyPool, backend: Backend) -> Result<Self, CaseError> {
        Self::run_migrations(&pool, backend)
            .await
            .map_err(|error| match error {
                CaseError::Migration(
                    sqlx::migrate::MigrateError::VersionMissing(version)
                    | sqlx::migrate::MigrateError::VersionMismatch(version),
                ) => CaseError::ForeignDatabase { version },
                other => other,
            })?;
        Ok(Self::over(pool, backend))
    }

    async fn run_migrations(pool: &AnyPool, backend: Backend) -> Result<(), CaseError> {
        match backend {
            // PostgreSQL serialises migrations with an advisory lock.
            Backend::Postgres => POSTGRES_MIGRATOR.run(pool).await?,
            // Wait out another process holding the file locked (the store's rule for SQLite).
            Backend::Sqlite => {
                takedown_store::retry_while_busy(
                    || SQLITE_MIGRATOR.run(pool),
                    |e: &sqlx::migrate::MigrateError| {
                        use sqlx::migrate::MigrateError::{Execute, ExecuteMigration};
                        matches!(e, Execute(e) | ExecuteMigration(e, _) if takedown_store::is_sqlite_busy(e))
                    },
                )
                .await?
            }
        }
        Ok(())
    }

    fn over(pool: AnyPool, backend: Backend) -> Self {
        Self {
            pool,
            backend,
            clock: Arc::new(SystemClock),
            regimes: Arc::new(Regimes {
                default: Regime::EuDsa,
                per_platform: HashMap::new(),
                accepted: None,
                checks: false,
            }),
        }
    }

    /// Which database the cases are in.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection; later calls on this store (or its clones) fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The clock that stamps received notices (a manual one in tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Notices that name no regime open cases under `regime` (unless their platform has its
    /// own, [`CaseStore::with_platform_regime`]).
    pub fn with_default_regime(mut self, regime: Regime) -> Self {
        Arc::make_mut(&mut self.regimes).default = regime;
        self
    }

    /// Notices for `platform` that name no regime open cases under `regime`.
    pub fn with_platform_regime(mut self, platform: &str, regime: Regime) -> Self {
        Arc::make_mut(&mut self.regimes)
            .per_platform
            .insert(platform.to_owned(), regime);
        self
    }

    /// Refuse notices that lack an element their platform's regime asks for (China's
    /// E-Commerce Law art. 42, the DSA art. 16, the DMCA 512(c)(3), a fair complaint), on top
    /// of the common checks. Off by default, so a sender of only the common fields is served.
    pub fn with_regime_checks(mut self, on: bool) -> Self {
        Arc::make_mut(&mut self.regimes).checks = on;
        self
    }

    pub fn regime_checks(&self) -> bool {
        self.regimes.checks
    }

    /// Takes notices only under `regimes` (a platform that serves one jurisdiction); a notice
    /// under another is refused. Without this call every regime is taken.
    pub fn with_accepted_regimes(mut self, regimes: Vec<Regime>) -> Self {
        Arc::make_mut(&mut self.regimes).accepted = Some(regimes);
        self
    }

    /// Whether this desk takes notices under `regime`.
    pub fn accepts(&self, regime: Regime) -> bool {
        self.regimes
            .accepted
            .as_ref()
            .is_none_or(|accepted| accepted.contains(&regime))
    }

    /// The regime a notice for `platform` that names none runs under (and is checked against).
    pub fn regime_for(&self, platform: &str) -> Regime {
        self.regimes
            .per_platform
            .get(platform)
            .copied()
            .unwrap_or(self.regimes.default)
    }

    /// The regime a notice's case runs under: the one the notice names, else its platform's
    /// or the desk's default ([`CaseStore::regime_for`]).
    pub fn regime_of(&self, notice: &Notice, named: Option<Regime>) -> Regime {
        named.unwrap_or_else(|| self.regime_for(&notice.platform))
    }

    /// Opens a case for the notice under its platform's (or the default) regime, or finds the
    /// one already open; see [`CaseStore::open_case_under`].
    pub async fn open_case(
        &self,
        notice: &Notice,
        body: &str,
    ) -> Result<(String, bool), CaseError> {
        self.open_case_under(notice, self.regime_for(&notice.platform), body)
            .await
    }

    /// Opens a case for the notice under `regime`, or finds the one already open (whose
    /// regime stays the one it was opened under). Returns the case id and whether it was new.
    /// A new case starts its audit trail with `received`.
    pub async fn open_case_under(
        &self,
        notice: &Notice,
        regime: Regime,
        body: &str,
    ) -> Result<(String, bool), CaseError> {
        let case_id = stable_id("case", &[&notice.id]);
        let now = timestamp(self.clock.now());
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO cases
                 (case_id, notice_id, listing_url, status, body, received_at, platform, seller,
                  regime, sender)
             VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, $9)
             ON CONFLICT DO NOTHING",
        )
        .bind(&case_id)
        .bind(&notice.id)
        .bind(&notice.listing_url)
        .bind(body)
        .bind(&now)
        .bind(&notice.platform)
        .bind(&notice.seller)
        .bind(regime.as_str())
        .bind(&notice.owner_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            self.number_events_in_commit_order(&mut tx).await?;
            sqlx::query(
                "INSERT INTO case_events (case_id, event, from_state, to_state, actor, at, detail)
                 VALUES ($1, 'received', NULL, 'received', 'notifier', $2, $3)",
            )
            .bind(&case_id)
            .bind(&now)
            .bind(serde_json::json!({ "regime": regime }).to_string())
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query("UPDATE cases SET deliveries = deliveries + 1 WHERE notice_id = $1")
                .bind(&notice.id)
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query("SELECT case_id FROM cases WHERE notice_id = $1")
            .bind(&notice.id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((row.get("case_id"), inserted))
    }

    /// The body a notice was first received with, if it was received.
    pub async fn received_body(&self, notice_id: &str) -> Result<Option<String>, CaseError> {
        let row = sqlx::query("SELECT body FROM cases WHERE notice_id = $1")
            .bind(notice_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get("body")))
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
                case_id: r.get("case_id"),
                notice_id: r.get("notice_id"),
                listing_url: r.get("listing_url"),
                status: r.get("status"),
                received_at: r.get("received_at"),
                deliveries: r.get::<i64, _>("deliveries") as u32,
            })
            .collect())
    }

    /// One case with its flow columns, if it exists.
    pub async fn load(&self, case_id: &str) -> Result<Option<CaseRecord>, CaseError> {
        let row = sqlx::query(
            "SELECT case_id, notice_id, platform, seller, listing_url, regime, status, received_at,
                    deadline, measures_at, counter_at, restore_by, complaint_until, statement_of_reasons,
                    pending_windows
             FROM cases WHERE case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| record_from_row(&row)).transpose()
    }

    /// Moves a case from `before` to `after.state`, writing its flow columns and the audit
    /// entry in one transaction. Fails with [`CaseError::Conflict`] if the case left `before`
    /// meanwhile, so two operators cannot both apply an event to the same state.
    pub async fn record(
        &self,
        before: State,
        after: &CaseRecord,
        audit: &Audit<'_>,
    ) -> Result<i64, CaseError> {
        let opt = |t: Option<DateTime<Utc>>| t.map(timestamp);
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE cases SET status = $1, deadline = $2, measures_at = $3, counter_at = $4,
                    restore_by = $5, complaint_until = $6, statement_of_reasons = $7,
                    pending_windows = $8
             WHERE case_id = $9 AND status = $10",
        )
        .bind(after.state.as_str())
        .bind(opt(after.deadline))
        .bind(opt(after.measures_at))
        .bind(opt(after.counter_at))
        .bind(opt(after.restore_by))
        .bind(opt(after.complaint_until))
        .bind(&after.statement_of_reasons)
        .bind(pending_json(&after.pending_windows))
        .bind(&after.case_id)
        .bind(before.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            return Err(CaseError::Conflict {
                case_id: after.case_id.clone(),
                expected: before,
            });
        }
        self.number_events_in_commit_order(&mut tx).await?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO case_events (case_id, event, from_state, to_state, actor, at, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
        )
        .bind(&after.case_id)
        .bind(audit.event.as_str())
        .bind(before.as_str())
        .bind(after.state.as_str())
        .bind(audit.actor)
        .bind(timestamp(audit.at))
        .bind(audit.detail.to_string())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// A case's audit trail, oldest first.
    pub async fn events(&self, case_id: &str) -> Result<Vec<EventRecord>, CaseError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.case_id, c.notice_id, e.event, e.from_state, e.to_state, e.actor, e.at, e.detail
             FROM case_events e JOIN cases c ON c.case_id = e.case_id
             WHERE e.case_id = $1 ORDER BY e.seq",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(event_from_row).collect())
    }

    /// Every case's transitions after `seq`, oldest first: a feed a follower can resume.
    pub async fn events_after(&self, seq: i64, limit: u32) -> Result<Vec<EventRecord>, CaseError> {
        let rows = sqlx::query(
            "SELECT e.seq, e.case_id, c.notice_id, e.event, e.from_state, e.to_state, e.actor, e.at, e.detail
             FROM case_events e JOIN cases c ON c.case_id = e.case_id
             WHERE e.seq > $1 ORDER BY e.seq LIMIT $2",
        )
        .bind(seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(event_from_row).collect())
    }

    /// Cases whose window has ended by `now`.
    pub async fn due(&self, now: DateTime<Utc>) -> Result<Vec<String>, CaseError> {
        let rows = sqlx::query(
            "SELECT case_id FROM cases WHERE deadline IS NOT NULL AND deadline <= $1
             ORDER BY deadline, case_id",
        )
        .bind(timestamp(now))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get("case_id")).collect())
    }

    /// The cases that pass `filter`, nearest deadline first (cases without one after, oldest
    /// first).
    pub async fn list(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>, CaseError> {
        let rows = sqlx::query(
            "SELECT case_id, notice_id, platform, seller, sender,
                    listing_url, regime, status, received_at, deadline,
                    CASE WHEN pending_windows <> '[]' THEN 1 ELSE 0 END AS deadline_unknown
             FROM cases
             WHERE ($1 IS NULL OR status = $1)
               AND ($2 IS NULL OR regime = $2)
               AND ($3 IS NULL OR seller = $3)
               AND ($4 IS NULL OR sender = $4)
               AND ($5 IS NULL OR (deadline IS NOT NULL AND deadline < $5))
             ORDER BY CASE WHEN deadline IS NULL THEN 1 ELSE 0 END, deadline, received_at,
                      case_id
             LIMIT $6 OFFSET $7",
        )
        .bind(filter.state.map(State::as_str))
        .bind(filter.regime.map(Regime::as_str))
        .bind(filter.seller.as_deref())
        .bind(filter.sender.as_deref())
        .bind(filter.deadline_before.map(timestamp))
        .bind(i64::from(filter.limit))
        .bind(i64::from(filter.offset))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| CaseSummary {
                case_id: r.get("case_id"),
                notice_id: r.get("notice_id"),
                platform: r.get("platform"),
                seller: r.get("seller"),
                sender: r.get("sender"),
                listing_url: r.get("listing_url"),
                regime: r.get("regime"),
                state: r.get("status"),
                received_at: r.get("received_at"),
                deadline: r.get("deadline"),
                deadline_unknown: r.get::<i64, _>("deadline_unknown") != 0,
            })
            .collect())
    }

    /// Adds an operator and returns them with their token's text — the only time it exists
    /// outside its holder's hands.
    pub async fn add_operator(&self, name: &str) -> Result<(OperatorRow, String), CaseError> {
        let name: String = name
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_OPERATOR_NAME_CHARS)
            .collect();
        let name = name.trim().to_owned();
        if name.is_empty() {
            return Err(CaseError::Invalid("an operator needs a name"));
        }
        let issued = takedown_tokens::issue(OPERATOR_TOKEN_PREFIX);
        let row = OperatorRow {
            id: issued.id.clone(),
            name,
            created_at: timestamp(self.clock.now()),
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO operators (id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&row.id)
        .bind(&row.name)
        .bind(&issued.secret_hash)
        .bind(&row.created_at)
        .execute(&self.pool)
        .await?;
        Ok((row, issued.text))
    }

    /// Every operator, revoked ones included, oldest first.
    pub async fn operators(&self) -> Result<Vec<OperatorRow>, CaseError> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, revoked_at FROM operators ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| OperatorRow {
                id: r.get("id"),
                name: r.get("name"),
                created_at: r.get("created_at"),
                revoked_at: r.get("revoked_at"),
            })
            .collect())
    }

    /// Revokes an operator's token at once; false if there is no such operator.
    pub async fn revoke_operator(&self, id: &str) -> Result<bool, CaseError> {
        let changed =
            sqlx::query("UPDATE operators SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                .bind(timestamp(self.clock.now()))
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(changed == 1)
    }

    /// The name of the operator whose token `text` is, if it is a live one.
    pub async fn operator_for_token(&self, text: &str) -> Result<Option<String>, CaseError> {
        let Some(presented) = takedown_tokens::parse(OPERATOR_TOKEN_PREFIX, text) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT name, secret_hash FROM operators WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(presented.id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|r| {
            let hash: String = r.get("secret_hash");
            takedown_tokens::secret_matches(presented.secret, &hash).then(|| r.get("name"))
        }))
    }

    /// Cases with a window whose end is not known yet, oldest first.
    pub async fn with_pending_windows(&self) -> Result<Vec<String>, CaseError> {
        let rows = sqlx::query(
            "SELECT case_id FROM cases WHERE pending_windows <> '[]' ORDER BY received_at, case_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get("case_id")).collect())
    }

    /// Stores (or replaces) a year's holiday table; the flow loads it at its next tick.
    pub async fn import_calendar(&self, file: &CalendarFile) -> Result<(), CaseError> {
        let body = toml::to_string(file).map_err(|e| CaseError::Corrupt {
            case_id: String::new(),
            column: "calendars.body",
            value: e.to_string(),
        })?;
        sqlx::query(
            "INSERT INTO calendars (region, year, source, body, imported_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (region, year) DO UPDATE SET source = excluded.source,
                 body = excluded.body, imported_at = excluded.imported_at",
        )
        .bind(&file.region)
        .bind(file.year)
        .bind(&file.source)
        .bind(body)
        .bind(timestamp(self.clock.now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many cases have a window whose end is not known yet.
    pub async fn count_pending_windows(&self) -> Result<u64, CaseError> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE pending_windows <> '[]'")
                .fetch_one(&self.pool)
                .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// `base` with the years imported into this database laid over it: the Chinese calendar
    /// in force for this desk.
    pub async fn cn_calendar(&self, base: &CnCalendar) -> Result<CnCalendar, CaseError> {
        let mut cn = base.clone();
        for file in self.imported_calendars().await? {
            cn = cn.with_file(&file);
        }
        Ok(cn)
    }

    /// The holiday tables imported into this database, oldest year first. A stored table that
    /// no longer passes the checks is reported, not loaded.
    pub async fn imported_calendars(&self) -> Result<Vec<CalendarFile>, CaseError> {
        let rows = sqlx::query("SELECT region, year, body FROM calendars ORDER BY region, year")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let body: String = r.get("body");
                CalendarFile::parse(&body).map_err(|e| CaseError::Corrupt {
                    case_id: format!(
                        "calendar {}/{}",
                        r.get::<String, _>("region"),
                        r.get::<i64, _>("year")
                    ),
                    column: "calendars.body",
                    value: e.to_string(),
                })
            })
            .collect()
    }

    /// Cases in `state`, oldest first.
    pub async fn in_state(&self, state: State) -> Result<Vec<String>, CaseError> {
        let rows = sqlx::query(
            "SELECT case_id FROM cases WHERE status = $1 ORDER BY received_at, case_id",
        )
        .bind(state.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get("case_id")).collect())
    }

    /// Takes (or renews) the lease `name` for `holder` until `now + lease`: true when
    /// `holder` has it now — it was free, had lapsed, or was `holder`'s already. One statement,
    /// so two replicas asking at once cannot both get it.
    pub async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<bool, CaseError> {
        let claimed = sqlx::query(
            "INSERT INTO desk_leases (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
                 expires_at = excluded.expires_at
             WHERE desk_leases.holder = excluded.holder OR desk_leases.expires_at <= $4",
        )
        .bind(name)
        .bind(holder)
        .bind(timestamp(now + lease))
        .bind(timestamp(now))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    /// Gives up the lease `name` if `holder` has it, so another replica takes over at once.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), CaseError> {
        sqlx::query("DELETE FROM desk_leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Makes the audit trail's numbers follow commit order. On PostgreSQL an identity value
    /// is taken when a row is inserted, not when its transaction commits, so two replicas
    /// writing at once could commit seq 11 before seq 10, and a feed reader that has read
    /// "after 10" would never see 10: writers of the trail therefore take turns (the lock
    /// lasts until the transaction ends; readers are not blocked). SQLite has one writer at
    /// a time already.
    async fn number_events_in_commit_order(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> Result<(), CaseError> {
        if self.backend == Backend::Postgres {
            sqlx::query("LOCK TABLE case_events IN EXCLUSIVE MODE")
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Answers when the case database does (the desk's readiness).
    pub async fn ping(&self) -> Result<(), CaseError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// How many cases are in each (state, regime), as stored.
    pub async fn state_regime_counts(&self) -> Result<Vec<(String, String, u64)>, CaseError> {
        let rows = sqlx::query(
            "SELECT status, regime, COUNT(*) AS n FROM cases GROUP BY status, regime
             ORDER BY status, regime",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let n = u64::try_from(r.get::<i64, _>("n")).unwrap_or(0);
                (r.get("status"), r.get("regime"), n)
            })
            .collect())
    }

    /// (state, received_at, measures_at) of every case under `regime`, for the regimes that
    /// set a time for measures.
    pub async fn measure_moments(
        &self,
        regime: Regime,
    ) -> Result<Vec<(State, DateTime<Utc>, Option<DateTime<Utc>>)>, CaseError> {
        let rows = sqlx::query(
            "SELECT case_id, status, received_at, measures_at FROM cases WHERE regime = $1",
        )
        .bind(regime.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let case_id: String = r.get("case_id");
                let status: String = r.get("status");
                let state = State::parse(&status).ok_or_else(|| CaseError::Corrupt {
                    case_id: case_id.clone(),
                    column: "status",
                    value: status.clone(),
                })?;
                let received: String = r.get("received_at");
                let measures = r
                    .get::<Option<String>, _>("measures_at")
                    .map(|at| parse_time(&case_id, "measures_at", &at))
                    .transpose()?;
                Ok((
                    state,
                    parse_time(&case_id, "received_at", &received)?,
                    measures,
                ))
            })
            .collect()
    }

    /// Cases whose latest restoration day (DMCA 512(g)(2)(C): 14 business days) passed by
    /// `now` with the listing still down and no suit shown (an escalated case stays down by
    /// right).
    pub async fn restorations_overdue(&self, now: DateTime<Utc>) -> Result<u64, CaseError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases WHERE restore_by IS NOT NULL AND restore_by < $1
               AND status IN ($2, $3)",
        )
        .bind(timestamp(now))
        .bind(State::CounterForwarded.as_str())
        .bind(State::MeasuresEnded.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// How many cases are in each state.
    pub async fn state_counts(&self) -> Result<Vec<(String, u64)>, CaseError> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM cases GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get("status"), r.get::<i64, _>("n").max(0) as u64))
            .collect())
    }

    /// (platform, received_at, measures_at) of every case where measures were taken.
    pub async fn measure_times(
        &self,
    ) -> Result<Vec<(String, DateTime<Utc>, DateTime<Utc>)>, CaseError> {
        let rows = sqlx::query(
            "SELECT case_id, platform, received_at, measures_at FROM cases
             WHERE measures_at IS NOT NULL ORDER BY platform",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let case_id: String = r.get("case_id");
                let received: String = r.get("received_at");
                let measures: String = r.get("measures_at");
                Ok((
                    r.get("platform"),
                    parse_time(&case_id, "received_at", &received)?,
                    parse_time(&case_id, "measures_at", &measures)?,
                ))
            })
            .collect()
    }

    /// Upheld cases per (platform, seller), most first.
    pub async fn upheld_counts(&self) -> Result<Vec<UpheldCount>, CaseError> {
        let rows = sqlx::query(
            "SELECT c.platform, c.seller, COUNT(*) AS n, a.reason, a.appealed_at
             FROM cases c LEFT JOIN repeat_appeals a
               ON a.platform = c.platform AND a.seller = c.seller
             WHERE c.status = 'closed_upheld'
             GROUP BY c.platform, c.seller, a.reason, a.appealed_at
             ORDER BY n DESC, c.platform, c.seller",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let reason: Option<String> = r.get("reason");
                let at: Option<String> = r.get("appealed_at");
                UpheldCount {
                    platform: r.get("platform"),
                    seller: r.get("seller"),
                    upheld: r.get::<i64, _>("n").max(0) as u32,
                    appeal: reason.zip(at),
                }
            })
            .collect())
    }

    /// Records (or replaces) a seller's appeal against the repeat-infringer flag.
    pub async fn set_appeal(
        &self,
        platform: &str,
        seller: &str,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), CaseError> {
        sqlx::query(
            "INSERT INTO repeat_appeals (platform, seller, reason, appealed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (platform, seller) DO UPDATE SET reason = excluded.reason,
                 appealed_at = excluded.appealed_at",
        )
        .bind(platform)
        .bind(seller)
        .bind(reason)
        .bind(timestamp(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

fn pending_json(windows: &[PendingWindow]) -> String {
    // Plain data of our own types: serialising it cannot fail.
    serde_json::to_string(windows).unwrap_or_else(|_| "[]".to_owned())
}

fn parse_time(
    case_id: &str,
    column: &'static str,
    value: &str,
) -> Result<DateTime<Utc>, CaseError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.to_utc())
        .map_err(|_| CaseError::Corrupt {
            case_id: case_id.to_owned(),
            column,
            value: value.to_owned(),
        })
}

fn record_from_row(row: &AnyRow) -> Result<CaseRecord, CaseError> {
    let case_id: String = row.get("case_id");
    let corrupt = |column: &'static str, value: &str| CaseError::Corrupt {
        case_id: case_id.clone(),
        column,
        value: value.to_owned(),
    };
    let regime: String = row.get("regime");
    let state: String = row.get("status");
    let received: String = row.get("received_at");
    let optional = |column: &'static str| -> Result<Option<DateTime<Utc>>, CaseError> {
        row.get::<Option<String>, _>(column)
            .map(|v| parse_time(&case_id, column, &v))
            .transpose()
    };
    Ok(CaseRecord {
        notice_id: row.get("notice_id"),
        platform: row.get("platform"),
        seller: row.get("seller"),
        listing_url: row.get("listing_url"),
        regime: Regime::parse(&regime).ok_or_else(|| corrupt("regime", &regime))?,
        state: State::parse(&state).ok_or_else(|| corrupt("status", &state))?,
        received_at: parse_time(&case_id, "received_at", &received)?,
        deadline: optional("deadline")?,
        measures_at: optional("measures_at")?,
        counter_at: optional("counter_at")?,
        restore_by: optional("restore_by")?,
        complaint_until: optional("complaint_until")?,
        statement_of_reasons: row.get("statement_of_reasons"),
        pending_windows: {
            let text: String = row.get("pending_windows");
            serde_json::from_str(&text).map_err(|_| corrupt("pending_windows", &text))?
        },
        case_id: case_id.clone(),
    })
}

fn event_from_row(row: &AnyRow) -> EventRecord {
    let detail: String = row.get("detail");
    EventRecord {
        seq: row.get("seq"),
        case_id: row.get("case_id"),
        notice_id: row.get("notice_id"),
        event: row.get("event"),
        from: row.get("from_state"),
        to: row.get("to_state"),
        actor: row.get("actor"),
        at: row.get("at"),
        // Written by this crate as JSON; an unreadable detail is shown as its text.
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pointed at the owner's store by mistake, the desk says whose database it is instead
    /// of sqlx's bare "migration 5 was previously applied but is missing".
    #[tokio::test]
    async fn the_owner_store_is_refused_as_a_case_database_with_the_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("store.db");
        takedown_store::Store::open(&path)
            .await
            .expect("the owner's store");
        let error = CaseStore::open(&path).await.err().expect("refused");
        assert!(
            matches!(error, CaseError::ForeignDatabase { .. }),
            "{error}"
        );
        assert!(
            error.to_string().contains("a database of its own"),
            "{error}"
        );
    }

    /// SHA-384 of the SQLite migrations 0001–0003 as shipped (see the test below).
    const APPLIED_IN_THE_FIELD: [&str; 3] = [
        "d488bd3684c738760e440d6b228424828ad69e5401bd1e2b239b6104405771b8b47831ebb076b6d0945f0aa3f44e793f",
        "f07855167bc805b29c8e93a3699d80f5e672dd30a2b21bb8b9d273af157f848488f5a6118fc6edd79bc3e3b221f0b039",
        "6cd55493bee035f958d5495a212370689630035602d24c125cf1a8cfcf009fb28f9f245b4f90f2e5bac4a2a5a1963b9c",
    ];

    /// A database made before the flow existed gains platform, seller and a `received`
    /// event for each of its cases (and, with 0003, no pending windows; with 0004, its
    /// sender from the body).
    #[tokio::test]
    async fn migration_0002_backfills_cases_opened_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let (pool, backend) = takedown_store::open_sqlite_any(&dir.path().join("old.db"))
            .await
            .unwrap();
        sqlx::raw_sql(include_str!("../migrations/0001_cases.sql"))
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO cases (case_id, notice_id, listing_url, status, body, received_at)
             VALUES ('case_1', 'ntc_1', 'http://s/1', 'received', $1, '2026-01-05T10:00:00+00:00')",
        )
        .bind(r#"{"type":"notice.filed","data":{"platform":"shop","seller":"Old Seller","owner_id":"acme"}}"#)
        .execute(&pool)
        .await
        .unwrap();
        for migration in [
            include_str!("../migrations/0002_flow.sql"),
            include_str!("../migrations/0003_calendars_operators.sql"),
            include_str!("../migrations/0004_sender_leases.sql"),
        ] {
            sqlx::raw_sql(migration).execute(&pool).await.unwrap();
        }
        let store = CaseStore::over(pool, backend).with_default_regime(Regime::CnEcommerce);
        let case = store.load("case_1").await.unwrap().unwrap();
        assert_eq!(
            (case.platform.as_str(), case.seller.as_str(), case.regime),
            ("shop", "Old Seller", Regime::EuDsa)
        );
        assert_eq!(case.state, State::Received);
        assert!(case.pending_windows.is_empty());
        let events = store.events("case_1").await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].event.as_str(), events[0].actor.as_str()),
            ("received", "notifier")
        );
        let listed = store
            .list(&CaseFilter {
                sender: Some("acme".into()),
                limit: 10,
                ..CaseFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "the sender is backfilled from the body");
    }

    /// Databases made before PostgreSQL support carry SQLite migrations 0001–0003 with these
    /// checksums (SHA-384 of the files); sqlx refuses to open them if a file changes.
    #[test]
    fn the_sqlite_migrations_already_applied_in_the_field_are_unchanged() {
        let ours: Vec<String> = SQLITE_MIGRATOR
            .iter()
            .take(3)
            .map(|m| m.checksum.iter().map(|b| format!("{b:02x}")).collect())
            .collect();
        assert_eq!(ours, APPLIED_IN_THE_FIELD);
    }

    /// Both sets have the same versions, so a version names one schema on either backend.
    #[test]
    fn the_postgres_migrations_mirror_the_sqlite_ones() {
        let versions =
            |m: &sqlx::migrate::Migrator| m.iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(versions(&SQLITE_MIGRATOR), versions(&POSTGRES_MIGRATOR));
    }
}
