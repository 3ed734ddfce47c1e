//! API keys and the audit log: who may act for a tenant, and what each actor changed.
//!
//! Keys are stored as the SHA-256 of their secret part only; comparing hashes is the API
//! crate's job (in constant time), so this module hands back the stored hash as text.

use sqlx::Row;

use crate::{Store, StoreResult, now_text};

/// One API key as stored: never the key itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub tenant_id: String,
    pub secret_hash: String,
    pub scopes: Vec<String>,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// One change in the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub seq: i64,
    pub tenant_id: String,
    pub actor: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: String,
}

/// What to append to the audit log (the store stamps the time and sequence).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditChange<'a> {
    pub tenant_id: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

fn key_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: r.get(0),
        tenant_id: r.get(1),
        secret_hash: r.get(2),
        scopes: crate::from_json("api key scopes", &r.get::<String, _>(3))?,
        label: r.get(4),
        created_at: r.get(5),
        revoked_at: r.get(6),
    })
}

impl Store {
    pub async fn insert_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, tenant_id, secret_hash, scopes, label, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.id)
        .bind(&key.tenant_id)
        .bind(&key.secret_hash)
        .bind(crate::to_json(&key.scopes))
        .bind(&key.label)
        .bind(&key.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The key with this public id, revoked or not.
    pub async fn api_key(&self, id: &str) -> StoreResult<Option<ApiKeyRecord>> {
        let row = sqlx::query(
            "SELECT id, tenant_id, secret_hash, scopes, label, created_at, revoked_at
             FROM api_keys WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    pub async fn api_keys_of(&self, tenant_id: &str) -> StoreResult<Vec<ApiKeyRecord>> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, secret_hash, scopes, label, created_at, revoked_at
             FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// Revokes a key of `tenant_id`; false if the tenant has no such live key.
    pub async fn revoke_api_key(&self, tenant_id: &str, id: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL",
        )
        .bind(now_text())
        .bind(tenant_id)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn tenants(&self) -> StoreResult<Vec<takedown_model::Tenant>> {
        let rows = sqlx::query("SELECT body FROM tenants ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| crate::from_json("tenant", &r.get::<String, _>(0)))
            .collect()
    }

    pub async fn append_audit(&self, change: &AuditChange<'_>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, actor, action, object_kind, object_id, before, after, at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(change.tenant_id)
        .bind(change.actor)
        .bind(change.action)
        .bind(change.object_kind)
        .bind(change.object_id)
        .bind(change.before.as_ref().map(crate::to_json))
        .bind(change.after.as_ref().map(crate::to_json))
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The tenant's audit log, oldest first, after sequence number `after_seq`.
    pub async fn audit_log_of(
        &self,
        tenant_id: &str,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT seq, tenant_id, actor, action, object_kind, object_id, before, after, at
             FROM audit_log WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(tenant_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let json = |i: usize| -> StoreResult<Option<serde_json::Value>> {
                    r.get::<Option<String>, _>(i)
                        .map(|t| crate::from_json("audit value", &t))
                        .transpose()
                };
                Ok(AuditEntry {
                    seq: r.get(0),
                    tenant_id: r.get(1),
                    actor: r.get(2),
                    action: r.get(3),
                    object_kind: r.get(4),
                    object_id: r.get(5),
                    before: json(6)?,
                    after: json(7)?,
                    at: r.get(8),
                })
            })
            .collect()
    }
}
