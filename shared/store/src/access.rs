//! API keys, operators and the audit log: who may act for a tenant, and what each actor
//! changed.
//!
//! Operators run the service: they hold API keys like tenants do (their row is in the
//! `tenants` table with kind `operator`, so keys and the audit log reference them the same
//! way), but they are not tenants: [`Store::tenant`] and [`Store::tenants`] never return one,
//! so no code that works on a tenant's data can be handed an operator.
//!
//! Keys are stored as the SHA-256 of their secret part only; comparing hashes is the API
//! crate's job (in constant time), so this module hands back the stored hash as text.

use crate::{Store, StoreResult, now_text};

/// One API key as stored: never the key itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyRecord {
    /// The key's public id, the `<id>` of `tdk_<id>_<secret>`: how a request's key is looked
    /// up.
    pub id: String,
    /// The tenant (or operator) the key acts for.
    pub tenant_id: String,
    /// Hex SHA-256 of the secret part; the secret itself is shown once at creation and never
    /// stored.
    pub secret_hash: String,
    /// What the key may do (`read`, `write`, `keys`).
    pub scopes: Vec<String>,
    /// The holder's own name for the key, to tell keys apart when revoking.
    pub label: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// When the key was revoked; `None` while it is live. Revoked keys are kept for the audit
    /// log's sake.
    pub revoked_at: Option<String>,
}

/// One change in the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Position in the log, increasing: the cursor a reader pages with.
    pub seq: i64,
    /// The tenant whose object changed.
    pub tenant_id: String,
    /// Who changed it: the API key's id, `agent:<agent tenant>/<key id>` for an agent acting
    /// through a delegation, or `cli` for the command line.
    pub actor: String,
    /// What was done (`create`, `update`, `delete`, …).
    pub action: String,
    /// The kind of object changed (`right`, `policy`, …).
    pub object_kind: String,
    /// The object's id within its kind.
    pub object_id: String,
    /// The object before the change; `None` for a creation.
    pub before: Option<serde_json::Value>,
    /// The object after the change; `None` for a deletion.
    pub after: Option<serde_json::Value>,
    /// RFC 3339 time the store recorded the change.
    pub at: String,
}

/// What to append to the audit log (the store stamps the time and sequence).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditChange<'a> {
    /// The tenant whose object changed.
    pub tenant_id: &'a str,
    /// Who changed it (see [`AuditEntry::actor`]).
    pub actor: &'a str,
    /// What was done (see [`AuditEntry::action`]).
    pub action: &'a str,
    /// The kind of object changed.
    pub object_kind: &'a str,
    /// The object's id within its kind.
    pub object_id: &'a str,
    /// The object before the change; `None` for a creation.
    pub before: Option<serde_json::Value>,
    /// The object after the change; `None` for a deletion.
    pub after: Option<serde_json::Value>,
}

/// Someone who runs the service (see the module documentation).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Operator {
    /// The operator's id, unique across tenants and operators (one id space).
    pub id: String,
    /// A human-readable name, for the audit log's readers.
    pub name: String,
}

/// The `tenants.kind` of an operator's row.
pub const OPERATOR_KIND: &str = "operator";

/// An `api_keys` row, its scopes still JSON text.
#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    id: String,
    tenant_id: String,
    secret_hash: String,
    scopes: String,
    label: String,
    created_at: String,
    revoked_at: Option<String>,
}

impl ApiKeyRow {
    fn into_record(self) -> StoreResult<ApiKeyRecord> {
        Ok(ApiKeyRecord {
            id: self.id,
            tenant_id: self.tenant_id,
            secret_hash: self.secret_hash,
            scopes: crate::from_json("api key scopes", &self.scopes)?,
            label: self.label,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

impl Store {
    /// Stores a new key; an id already taken is a database error (ids are random and never
    /// reused).
    pub async fn insert_api_key(&self, key: &ApiKeyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, tenant_id, secret_hash, scopes, label, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
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
        let row: Option<ApiKeyRow> = sqlx::query_as(
            "SELECT id, tenant_id, secret_hash, scopes, label, created_at, revoked_at
             FROM api_keys WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(ApiKeyRow::into_record).transpose()
    }

    /// Every key of the tenant, revoked ones included, oldest first.
    pub async fn api_keys_of(&self, tenant_id: &str) -> StoreResult<Vec<ApiKeyRecord>> {
        let rows: Vec<ApiKeyRow> = sqlx::query_as(
            "SELECT id, tenant_id, secret_hash, scopes, label, created_at, revoked_at
             FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id",
        )
        .bind(tenant_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ApiKeyRow::into_record).collect()
    }

    /// Revokes a key of `tenant_id`; false if the tenant has no such live key.
    pub async fn revoke_api_key(&self, tenant_id: &str, id: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1
             WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(now_text())
        .bind(tenant_id)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Every tenant (never an operator), by id.
    pub async fn tenants(&self) -> StoreResult<Vec<takedown_model::Tenant>> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM tenants WHERE kind <> $1 ORDER BY id")
                .bind(OPERATOR_KIND)
                .fetch_all(&self.pool)
                .await?;
        bodies
            .iter()
            .map(|body| crate::from_json("tenant", body))
            .collect()
    }

    /// Whether a tenant or an operator has this id (they share one id space).
    pub async fn account_id_taken(&self, id: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Records an operator; false (and nothing written) if the id is taken by anyone.
    pub async fn insert_operator(&self, operator: &Operator) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO tenants (id, kind, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(&operator.id)
        .bind(OPERATOR_KIND)
        .bind(crate::to_json(operator))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The operator with this id; never a tenant.
    pub async fn operator(&self, id: &str) -> StoreResult<Option<Operator>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM tenants WHERE id = $1 AND kind = $2")
                .bind(id)
                .bind(OPERATOR_KIND)
                .fetch_optional(&self.pool)
                .await?;
        body.map(|body| crate::from_json("operator", &body))
            .transpose()
    }

    /// Every operator, by id.
    pub async fn operators(&self) -> StoreResult<Vec<Operator>> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM tenants WHERE kind = $1 ORDER BY id")
                .bind(OPERATOR_KIND)
                .fetch_all(&self.pool)
                .await?;
        bodies
            .iter()
            .map(|body| crate::from_json("operator", body))
            .collect()
    }

    /// Appends one change to the audit log, stamping its time and sequence number.
    pub async fn append_audit(&self, change: &AuditChange<'_>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, actor, action, object_kind, object_id, before, after, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
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

    /// Every tenant's audit log (the operators' view), oldest first, after `after_seq`;
    /// only `tenant_id`'s entries when it is given.
    pub async fn audit_log_all(
        &self,
        tenant_id: Option<&str>,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT seq, tenant_id, actor, action, object_kind, object_id, before, after, at
             FROM audit_log WHERE ($1 IS NULL OR tenant_id = $1) AND seq > $2
             ORDER BY seq LIMIT $3",
        )
        .bind(tenant_id)
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AuditRow::into_entry).collect()
    }

    /// The tenant's audit log, oldest first, after sequence number `after_seq`.
    pub async fn audit_log_of(
        &self,
        tenant_id: &str,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT seq, tenant_id, actor, action, object_kind, object_id, before, after, at
             FROM audit_log WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(tenant_id)
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(AuditRow::into_entry).collect()
    }
}

/// An `audit_log` row, its before and after values still JSON text.
#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    tenant_id: String,
    actor: String,
    action: String,
    object_kind: String,
    object_id: String,
    before: Option<String>,
    after: Option<String>,
    at: String,
}

impl AuditRow {
    fn into_entry(self) -> StoreResult<AuditEntry> {
        let json = |text: Option<String>| -> StoreResult<Option<serde_json::Value>> {
            text.map(|t| crate::from_json("audit value", &t))
                .transpose()
        };
        Ok(AuditEntry {
            seq: self.seq,
            tenant_id: self.tenant_id,
            actor: self.actor,
            action: self.action,
            object_kind: self.object_kind,
            object_id: self.object_id,
            before: json(self.before)?,
            after: json(self.after)?,
            at: self.at,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use takedown_model::TenantKind;

    use super::*;
    use crate::testkit::{fixtures::tenant, on_both_backends};

    on_both_backends!(
        keys_are_kept_as_hashes_and_revoked_by_their_tenant_only,
        the_audit_log_is_per_tenant_in_order_and_pages,
        operators_hold_keys_but_are_never_tenants,
    );

    async fn operators_hold_keys_but_are_never_tenants(store: Store) {
        store
            .upsert_tenant(&tenant("acme", TenantKind::BrandOwner))
            .await
            .expect("tenant");
        let ops = Operator {
            id: "ops".into(),
            name: "Ops".into(),
        };
        assert!(store.insert_operator(&ops).await.expect("operator"));
        assert!(
            !store
                .insert_operator(&Operator {
                    id: "acme".into(),
                    name: "Takeover".into()
                })
                .await
                .expect("operator"),
            "a tenant's id is taken"
        );
        assert!(!store.insert_operator(&ops).await.expect("again"));
        assert!(store.account_id_taken("ops").await.expect("taken"));
        assert!(!store.account_id_taken("nobody").await.expect("taken"));
        assert_eq!(
            store.operator("ops").await.expect("read"),
            Some(ops.clone())
        );
        assert_eq!(store.operator("acme").await.expect("read"), None);
        assert_eq!(store.operators().await.expect("list"), [ops]);
        assert_eq!(store.tenant("ops").await.expect("read"), None);
        let ids: Vec<String> = store
            .tenants()
            .await
            .expect("tenants")
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, ["acme"], "an operator is not a tenant");
        store
            .insert_api_key(&key("k9", "ops", "2026-01-01T00:00:00.000000Z"))
            .await
            .expect("an operator's key");
        assert_eq!(store.api_keys_of("ops").await.expect("keys").len(), 1);

        for tenant_id in ["acme", "ops", "acme"] {
            store
                .append_audit(&AuditChange {
                    tenant_id,
                    actor: "k1",
                    action: "create",
                    object_kind: "right",
                    object_id: "r",
                    before: None,
                    after: None,
                })
                .await
                .expect("append");
        }
        let all = store.audit_log_all(None, 0, 10).await.expect("all");
        let tenants: Vec<&str> = all.iter().map(|e| e.tenant_id.as_str()).collect();
        assert_eq!(tenants, ["acme", "ops", "acme"]);
        let acme = store
            .audit_log_all(Some("acme"), all[0].seq, 10)
            .await
            .expect("acme");
        assert_eq!(acme, all[2..]);
    }

    fn key(id: &str, tenant_id: &str, created_at: &str) -> ApiKeyRecord {
        ApiKeyRecord {
            id: id.into(),
            tenant_id: tenant_id.into(),
            secret_hash: format!("{id}-hash"),
            scopes: vec!["read".into(), "write".into()],
            label: "ci".into(),
            created_at: created_at.into(),
            revoked_at: None,
        }
    }

    async fn keys_are_kept_as_hashes_and_revoked_by_their_tenant_only(store: Store) {
        for (id, kind) in [
            ("acme", TenantKind::BrandOwner),
            ("shop", TenantKind::Platform),
        ] {
            store
                .upsert_tenant(&tenant(id, kind))
                .await
                .expect("tenant");
        }
        let ids: Vec<String> = store
            .tenants()
            .await
            .expect("tenants")
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, ["acme", "shop"]);

        let newer = key("k2", "acme", "2026-01-02T00:00:00.000000Z");
        let older = key("k1", "acme", "2026-01-01T00:00:00.000000Z");
        let theirs = key("k3", "shop", "2026-01-01T00:00:00.000000Z");
        for k in [&newer, &older, &theirs] {
            store.insert_api_key(k).await.expect("insert");
        }
        assert!(
            store.insert_api_key(&older).await.is_err(),
            "a key id is never reused"
        );
        assert_eq!(
            store.api_key("k1").await.expect("read"),
            Some(older.clone())
        );
        assert_eq!(store.api_key("nope").await.expect("read"), None);
        assert_eq!(
            store.api_keys_of("acme").await.expect("keys"),
            [older.clone(), newer.clone()],
            "oldest first"
        );

        assert!(
            !store.revoke_api_key("shop", "k1").await.expect("revoke"),
            "another tenant's key cannot be revoked"
        );
        assert!(store.revoke_api_key("acme", "k1").await.expect("revoke"));
        assert!(
            !store.revoke_api_key("acme", "k1").await.expect("again"),
            "a revoked key stays revoked at its first time"
        );
        let revoked = store.api_key("k1").await.expect("read").expect("kept");
        assert!(revoked.revoked_at.is_some());
        assert_eq!(store.api_key("k3").await.expect("read"), Some(theirs));
    }

    async fn the_audit_log_is_per_tenant_in_order_and_pages(store: Store) {
        let change = |tenant_id: &'static str, object_id: &'static str| AuditChange {
            tenant_id,
            actor: "k1",
            action: "update",
            object_kind: "right",
            object_id,
            before: Some(json!({"name": "old", "classes": [25]})),
            after: None,
        };
        for (tenant_id, object_id) in [
            ("acme", "r1"),
            ("other", "x"),
            ("acme", "r2"),
            ("acme", "r3"),
        ] {
            store
                .append_audit(&change(tenant_id, object_id))
                .await
                .expect("append");
        }
        let all = store.audit_log_of("acme", 0, 100).await.expect("log");
        let objects: Vec<&str> = all.iter().map(|e| e.object_id.as_str()).collect();
        assert_eq!(
            objects,
            ["r1", "r2", "r3"],
            "the tenant's own, oldest first"
        );
        assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(all[0].before, Some(json!({"name": "old", "classes": [25]})));
        assert_eq!(all[0].after, None);
        assert_eq!(
            (all[0].actor.as_str(), all[0].action.as_str()),
            ("k1", "update")
        );

        let first = store.audit_log_of("acme", 0, 2).await.expect("page");
        let rest = store
            .audit_log_of("acme", first[1].seq, 2)
            .await
            .expect("page");
        assert_eq!(first, all[..2]);
        assert_eq!(rest, all[2..]);
        assert_eq!(
            store.audit_log_of("other", 0, 10).await.expect("log").len(),
            1
        );
    }
}
