//! Rights (word marks, logos, designs) as the pipeline matches them, and the version the
//! matcher watches to know when to reload. A right's owner never changes. Tenant-scoped reads
//! and writes for the API are in [`crate::owned`].

use takedown_model::Right;

use crate::{Store, StoreError, StoreResult, from_json, now_text, to_json};

/// Inserts the right or updates it in place, never across owners.
pub(crate) async fn upsert_right_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    right: &Right,
    now: &str,
) -> StoreResult<()> {
    let done = sqlx::query(
        "INSERT INTO rights (id, owner_id, kind, body, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
             updated_at = excluded.updated_at
         WHERE rights.owner_id = excluded.owner_id",
    )
    .bind(&right.id)
    .bind(&right.owner_id)
    .bind(right.kind.as_str())
    .bind(to_json(right))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::OwnedByAnother {
            what: "right",
            id: right.id.clone(),
        });
    }
    Ok(())
}

/// What [`Store::rights_version`] is made of: how many rights, and the latest update.
#[derive(sqlx::FromRow)]
struct RightsVersionRow {
    count: i64,
    last_updated_at: String,
}

impl Store {
    /// Creates the right or updates it in place. A right's owner never changes: when the id
    /// is another owner's, nothing is written and [`StoreError::OwnedByAnother`] says so.
    pub async fn upsert_right(&self, right: &Right) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        upsert_right_in(&mut tx, right, &now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The rights the pipeline matches: every registered right of every owner. A right that
    /// is pending, lapsed, cancelled or invalidated (`owned::status`) is left out, so the
    /// matcher stops matching it once its status changes (which also moves
    /// [`Store::rights_version`]). An owner's own view of its rights is `rights_of`.
    pub async fn rights(&self) -> StoreResult<Vec<Right>> {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT r.body FROM rights r LEFT JOIN right_status s ON s.right_id = r.id
             WHERE s.status IS NULL OR s.status = $1 ORDER BY r.id",
        )
        .bind(crate::owned::status::MATCHED_STATUS)
        .fetch_all(&self.pool)
        .await?;
        bodies.iter().map(|body| from_json("right", body)).collect()
    }

    /// Changes whenever a right is added or updated: the matcher reloads when it moves.
    pub async fn rights_version(&self) -> StoreResult<String> {
        let version: RightsVersionRow = sqlx::query_as(
            "SELECT COUNT(*) AS count, COALESCE(MAX(updated_at), '') AS last_updated_at
             FROM rights",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(format!("{}@{}", version.count, version.last_updated_at))
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::TenantKind;

    use crate::{
        Store, StoreError,
        testkit::{
            fixtures::{right, tenant},
            on_both_backends,
        },
    };

    on_both_backends!(
        rights_are_upserted_and_versioned,
        a_right_never_moves_to_another_owner,
    );

    async fn rights_are_upserted_and_versioned(store: Store) {
        store
            .upsert_tenant(&tenant("acme", TenantKind::BrandOwner))
            .await
            .expect("tenant");

        let empty = store.rights_version().await.expect("version");
        store
            .upsert_right(&right("r2", "acme"))
            .await
            .expect("right");
        store
            .upsert_right(&right("r1", "acme"))
            .await
            .expect("right");
        let two = store.rights_version().await.expect("version");
        assert_ne!(two, empty);
        let mut changed = right("r2", "acme");
        changed.name = "Y".into();
        store.upsert_right(&changed).await.expect("update");
        let rights = store.rights().await.expect("rights");
        assert_eq!(
            rights,
            [right("r1", "acme"), changed],
            "one row per id, by id"
        );
        // The matcher reloads when the version moves; an update must move it even though
        // the count stays the same (the timestamp has microseconds).
        let updated = store.rights_version().await.expect("version");
        assert!(updated.starts_with("2@"), "{updated}");
        assert_ne!(updated, two);
    }

    async fn a_right_never_moves_to_another_owner(store: Store) {
        for id in ["a", "b"] {
            store
                .upsert_tenant(&tenant(id, TenantKind::BrandOwner))
                .await
                .expect("tenant");
        }
        store.upsert_right(&right("b/r1", "b")).await.expect("b's");
        let err = store
            .upsert_right(&right("b/r1", "a"))
            .await
            .expect_err("a may not take b's right");
        assert!(
            matches!(&err, StoreError::OwnedByAnother { id, .. } if id == "b/r1"),
            "{err}"
        );
        assert_eq!(
            store.right_of("b", "b/r1").await.expect("read"),
            Some(right("b/r1", "b")),
            "b's right is untouched"
        );
        assert_eq!(store.right_of("a", "b/r1").await.expect("read"), None);
    }
}
