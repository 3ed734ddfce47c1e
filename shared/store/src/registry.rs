//! Tenants, rights and authorized sellers.

use sqlx::Row;
use takedown_model::{AuthorizedSeller, Right, Tenant};

use crate::{Store, StoreResult, from_json, now_text, to_json};

impl Store {
    pub async fn upsert_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO tenants (id, kind, body) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body",
        )
        .bind(&tenant.id)
        .bind(to_json(&tenant.kind).trim_matches('"'))
        .bind(to_json(tenant))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn tenant(&self, id: &str) -> StoreResult<Option<Tenant>> {
        let row = sqlx::query("SELECT body FROM tenants WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| from_json("tenant", &r.get::<String, _>(0)))
            .transpose()
    }

    pub async fn upsert_right(&self, right: &Right) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO rights (id, owner_id, kind, body, updated_at) VALUES (?, ?, ?, ?, ?)
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

    pub async fn rights(&self) -> StoreResult<Vec<Right>> {
        let rows = sqlx::query("SELECT body FROM rights ORDER BY id")
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
            "INSERT OR IGNORE INTO authorized_sellers (owner_id, platform, seller) VALUES (?, ?, ?)",
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
