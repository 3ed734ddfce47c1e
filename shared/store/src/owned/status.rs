//! A right's registration status (pending, registered, lapsed, cancelled, invalidated),
//! stored beside the right and changed together with its validity dates in one transaction.
//!
//! The store keeps the status as text and enforces no transition rule (the API does); what it
//! does decide is only what "no row" means: a right without a status row is registered,
//! because every right stored before statuses existed was imported as a registration.

use takedown_model::Right;

use crate::{Store, StoreResult, now_text, to_json};

/// The status every right has until it is changed.
pub const DEFAULT_STATUS: &str = "registered";

/// The only status whose rights are matched (see [`Store::rights`]).
pub const MATCHED_STATUS: &str = "registered";

/// A right's current status and who set it (`changed_at` / `changed_by` are empty for a
/// right whose status was never changed).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RightStatus {
    /// The right whose status this is.
    pub right_id: String,
    /// `pending`, `registered`, `lapsed`, `cancelled` or `invalidated`; only `registered`
    /// rights are matched.
    pub status: String,
    /// RFC 3339 time of the last change; empty if never changed.
    pub changed_at: String,
    /// The actor who made the last change; empty if never changed.
    pub changed_by: String,
}

impl Store {
    /// The status of the owner's right `right_id`; None if the owner has no such right.
    pub async fn right_status_of(
        &self,
        owner_id: &str,
        right_id: &str,
    ) -> StoreResult<Option<RightStatus>> {
        let row: Option<RightStatus> = sqlx::query_as(
            "SELECT r.id AS right_id, COALESCE(s.status, $3) AS status,
                    COALESCE(s.changed_at, '') AS changed_at,
                    COALESCE(s.changed_by, '') AS changed_by
             FROM rights r LEFT JOIN right_status s ON s.right_id = r.id
             WHERE r.owner_id = $1 AND r.id = $2",
        )
        .bind(owner_id)
        .bind(right_id)
        .bind(DEFAULT_STATUS)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// Every right of the owner with its status, by right id.
    pub async fn right_statuses_of(&self, owner_id: &str) -> StoreResult<Vec<RightStatus>> {
        let rows: Vec<RightStatus> = sqlx::query_as(
            "SELECT r.id AS right_id, COALESCE(s.status, $2) AS status,
                    COALESCE(s.changed_at, '') AS changed_at,
                    COALESCE(s.changed_by, '') AS changed_by
             FROM rights r LEFT JOIN right_status s ON s.right_id = r.id
             WHERE r.owner_id = $1 ORDER BY r.id",
        )
        .bind(owner_id)
        .bind(DEFAULT_STATUS)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Stores `right` (its new validity dates) and its new `status` in one transaction; the
    /// right's `updated_at` moves, so the matcher's registry version moves and it reloads.
    /// False if `right` is not a right of its `owner_id` (nothing is written).
    pub async fn set_right_status(
        &self,
        right: &Right,
        status: &str,
        actor: &str,
    ) -> StoreResult<bool> {
        let now = now_text();
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE rights SET body = $1, updated_at = $2 WHERE owner_id = $3 AND id = $4",
        )
        .bind(to_json(right))
        .bind(&now)
        .bind(&right.owner_id)
        .bind(&right.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO right_status (right_id, owner_id, status, changed_at, changed_by)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (right_id) DO UPDATE SET status = excluded.status,
                 changed_at = excluded.changed_at, changed_by = excluded.changed_by",
        )
        .bind(&right.id)
        .bind(&right.owner_id)
        .bind(status)
        .bind(&now)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::TenantKind;

    use crate::{
        Store,
        testkit::{
            fixtures::{right, tenant},
            on_both_backends,
        },
    };

    on_both_backends!(
        a_status_change_is_owner_scoped_moves_the_registry_version_and_stops_matching,
    );

    async fn a_status_change_is_owner_scoped_moves_the_registry_version_and_stops_matching(
        store: Store,
    ) {
        for id in ["a", "b"] {
            store
                .upsert_tenant(&tenant(id, TenantKind::BrandOwner))
                .await
                .expect("tenant");
        }
        store.upsert_right(&right("r1", "a")).await.expect("right");
        store.upsert_right(&right("r2", "a")).await.expect("right");
        let first = store
            .right_status_of("a", "r1")
            .await
            .expect("read")
            .expect("a's right");
        assert_eq!(
            first.status, "registered",
            "the status of an untouched right"
        );
        assert_eq!(store.right_status_of("b", "r1").await.expect("read"), None);

        let mut stolen = right("r1", "b");
        stolen.name = "taken".into();
        assert!(
            !store
                .set_right_status(&stolen, "cancelled", "k-b")
                .await
                .expect("set"),
            "b cannot change a's right"
        );
        assert_eq!(store.rights().await.expect("rights").len(), 2);

        let version = store.rights_version().await.expect("version");
        let mut lapsed = right("r1", "a");
        lapsed.valid_until = chrono::NaiveDate::from_ymd_opt(2024, 1, 1);
        assert!(
            store
                .set_right_status(&lapsed, "lapsed", "k-a")
                .await
                .expect("set")
        );
        assert_ne!(store.rights_version().await.expect("version"), version);
        let now = store
            .right_status_of("a", "r1")
            .await
            .expect("read")
            .expect("a's right");
        assert_eq!(
            (now.status.as_str(), now.changed_by.as_str()),
            ("lapsed", "k-a")
        );
        let matched: Vec<String> = store
            .rights()
            .await
            .expect("rights")
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(
            matched,
            ["r2"],
            "a lapsed right is not handed to the matcher"
        );
        assert_eq!(
            store.right_of("a", "r1").await.expect("read"),
            Some(lapsed),
            "the owner still sees it, with its new dates"
        );
        let statuses: Vec<(String, String)> = store
            .right_statuses_of("a")
            .await
            .expect("statuses")
            .into_iter()
            .map(|s| (s.right_id, s.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("r1".into(), "lapsed".into()),
                ("r2".into(), "registered".into())
            ]
        );

        assert!(store.delete_right_of("a", "r1").await.expect("delete"));
        store.upsert_right(&right("r1", "a")).await.expect("again");
        assert_eq!(
            store
                .right_status_of("a", "r1")
                .await
                .expect("read")
                .expect("right")
                .status,
            "registered",
            "a deleted right's status goes with it"
        );
    }
}
