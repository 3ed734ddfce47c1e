//! Tenants, rights and authorized sellers (operators, who are not tenants, are in `access`).

use sqlx::Row;
use takedown_model::{AuthorizedSeller, Right, Tenant};

use crate::{Store, StoreResult, from_json, now_text, to_json};

impl Store {
    pub async fn upsert_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO tenants (id, kind, body) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body",
        )
        .bind(&tenant.id)
        .bind(to_json(&tenant.kind).trim_matches('"'))
        .bind(to_json(tenant))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The tenant with this id; never an operator (see `access`).
    pub async fn tenant(&self, id: &str) -> StoreResult<Option<Tenant>> {
        let row = sqlx::query("SELECT body FROM tenants WHERE id = $1 AND kind <> $2")
            .bind(id)
            .bind(crate::access::OPERATOR_KIND)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| from_json("tenant", &r.get::<String, _>(0)))
            .transpose()
    }

    pub async fn upsert_right(&self, right: &Right) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO rights (id, owner_id, kind, body, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, kind = excluded.kind,
                 body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(&right.id)
        .bind(&right.owner_id)
        .bind(right.kind.as_str())
        .bind(to_json(right))
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The rights the pipeline matches: every registered right of every owner. A right that
    /// is pending, lapsed, cancelled or invalidated (`owned::status`) is left out, so the
    /// matcher stops matching it once its status changes (which also moves
    /// [`Store::rights_version`]). An owner's own view of its rights is `rights_of`.
    pub async fn rights(&self) -> StoreResult<Vec<Right>> {
        let rows = sqlx::query(
            "SELECT r.body FROM rights r LEFT JOIN right_status s ON s.right_id = r.id
             WHERE s.status IS NULL OR s.status = $1 ORDER BY r.id",
        )
        .bind(crate::owned::status::MATCHED_STATUS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| from_json("right", &r.get::<String, _>(0)))
            .collect()
    }

    /// Changes whenever a right is added or updated: the matcher reloads when it moves.
    pub async fn rights_version(&self) -> StoreResult<String> {
        let row = sqlx::query("SELECT COUNT(*), COALESCE(MAX(updated_at), '') FROM rights")
            .fetch_one(&self.pool)
            .await?;
        Ok(format!(
            "{}@{}",
            row.get::<i64, _>(0),
            row.get::<String, _>(1)
        ))
    }

    pub async fn add_authorized_seller(&self, seller: &AuthorizedSeller) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO authorized_sellers (owner_id, platform, seller) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(&seller.owner_id)
        .bind(&seller.platform)
        .bind(&seller.seller)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn authorized_sellers(&self) -> StoreResult<Vec<AuthorizedSeller>> {
        let rows = sqlx::query(
            "SELECT owner_id, platform, seller FROM authorized_sellers ORDER BY owner_id, platform, seller",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| AuthorizedSeller {
                owner_id: r.get(0),
                platform: r.get(1),
                seller: r.get(2),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::{AuthorizedSeller, TenantKind};

    use crate::{
        Store,
        testkit::{
            fixtures::{right, tenant},
            on_both_backends,
        },
    };

    on_both_backends!(
        tenants_and_rights_are_upserted_and_versioned,
        authorized_sellers_are_added_once,
    );

    async fn tenants_and_rights_are_upserted_and_versioned(store: Store) {
        assert_eq!(store.tenant("acme").await.expect("read"), None);
        store
            .upsert_tenant(&tenant("acme", TenantKind::BrandOwner))
            .await
            .expect("tenant");
        let mut renamed = tenant("acme", TenantKind::BrandOwner);
        renamed.name = "Acme Group".into();
        store.upsert_tenant(&renamed).await.expect("again");
        assert_eq!(store.tenant("acme").await.expect("read"), Some(renamed));

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

    async fn authorized_sellers_are_added_once(store: Store) {
        store
            .upsert_tenant(&tenant("acme", TenantKind::BrandOwner))
            .await
            .expect("tenant");
        let seller = |platform: &str, name: &str| AuthorizedSeller {
            owner_id: "acme".into(),
            platform: platform.into(),
            seller: name.into(),
        };
        for s in [
            seller("shop", "zed"),
            seller("shop", "amy"),
            seller("bazaar", "zed"),
            seller("shop", "zed"),
        ] {
            store.add_authorized_seller(&s).await.expect("add");
        }
        assert_eq!(
            store.authorized_sellers().await.expect("sellers"),
            [
                seller("bazaar", "zed"),
                seller("shop", "amy"),
                seller("shop", "zed")
            ]
        );
    }
}
