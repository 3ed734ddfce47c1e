//! Delegations: a brand owner lets another tenant (the agent or law firm acting for it) use
//! the owner's routes with the agent's own keys, within the scopes granted.
//!
//! One row per (owner, agent). Revoking stamps `revoked_at` rather than deleting, so the row
//! says when the agent lost access; granting again makes it live with the new scopes. Only
//! live delegations are ever handed out: the API looks the delegation up on every request,
//! so a revocation takes effect on the very next one. Which scopes may be granted, and who
//! may be an agent, is the API's decision (this module only keeps what it is told).

use crate::{Store, StoreResult, now_text};

/// A live delegation from `owner_id` to `agent_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delegation {
    /// The brand owner who granted it.
    pub owner_id: String,
    /// The tenant acting for the owner (an agent or law firm).
    pub agent_id: String,
    /// What the agent may do as the owner (`read`, `write`; never `keys`).
    pub scopes: Vec<String>,
    /// The actor (as the audit log names it) who granted it.
    pub granted_by: String,
    /// RFC 3339 time of the (latest) grant.
    pub granted_at: String,
}

/// A `delegations` row, its scopes still JSON text.
#[derive(sqlx::FromRow)]
struct DelegationRow {
    owner_id: String,
    agent_id: String,
    scopes: String,
    granted_by: String,
    granted_at: String,
}

impl DelegationRow {
    fn into_delegation(self) -> StoreResult<Delegation> {
        Ok(Delegation {
            owner_id: self.owner_id,
            agent_id: self.agent_id,
            scopes: crate::from_json("delegation scopes", &self.scopes)?,
            granted_by: self.granted_by,
            granted_at: self.granted_at,
        })
    }
}

impl Store {
    /// Grants (or re-grants, replacing the scopes) a delegation; the store stamps the time.
    pub async fn grant_delegation(
        &self,
        owner_id: &str,
        agent_id: &str,
        scopes: &[String],
        granted_by: &str,
    ) -> StoreResult<Delegation> {
        let granted_at = now_text();
        sqlx::query(
            "INSERT INTO delegations (owner_id, agent_id, scopes, granted_by, granted_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (owner_id, agent_id) DO UPDATE SET
                 scopes = excluded.scopes, granted_by = excluded.granted_by,
                 granted_at = excluded.granted_at, revoked_at = NULL",
        )
        .bind(owner_id)
        .bind(agent_id)
        .bind(crate::to_json(&scopes))
        .bind(granted_by)
        .bind(&granted_at)
        .execute(&self.pool)
        .await?;
        Ok(Delegation {
            owner_id: owner_id.to_owned(),
            agent_id: agent_id.to_owned(),
            scopes: scopes.to_vec(),
            granted_by: granted_by.to_owned(),
            granted_at,
        })
    }

    /// The live delegation from `owner_id` to `agent_id`, if there is one.
    pub async fn delegation(
        &self,
        owner_id: &str,
        agent_id: &str,
    ) -> StoreResult<Option<Delegation>> {
        let row: Option<DelegationRow> = sqlx::query_as(
            "SELECT owner_id, agent_id, scopes, granted_by, granted_at FROM delegations
             WHERE owner_id = $1 AND agent_id = $2 AND revoked_at IS NULL",
        )
        .bind(owner_id)
        .bind(agent_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(DelegationRow::into_delegation).transpose()
    }

    /// The owner's live delegations, by agent id.
    pub async fn delegations_of(&self, owner_id: &str) -> StoreResult<Vec<Delegation>> {
        let rows: Vec<DelegationRow> = sqlx::query_as(
            "SELECT owner_id, agent_id, scopes, granted_by, granted_at FROM delegations
             WHERE owner_id = $1 AND revoked_at IS NULL ORDER BY agent_id",
        )
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(DelegationRow::into_delegation)
            .collect()
    }

    /// Revokes the owner's live delegation to `agent_id`; false if there is none.
    pub async fn revoke_delegation(&self, owner_id: &str, agent_id: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE delegations SET revoked_at = $1
             WHERE owner_id = $2 AND agent_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_text())
        .bind(owner_id)
        .bind(agent_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::TenantKind;

    use super::*;
    use crate::testkit::{fixtures::tenant, on_both_backends};

    on_both_backends!(
        a_delegation_is_live_until_revoked_and_can_be_granted_again,
        delegations_are_per_owner,
    );

    fn scopes(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    async fn seed(store: &Store) {
        for id in ["acme", "globex", "lawfirm"] {
            store
                .upsert_tenant(&tenant(id, TenantKind::BrandOwner))
                .await
                .expect("tenant");
        }
    }

    async fn a_delegation_is_live_until_revoked_and_can_be_granted_again(store: Store) {
        seed(&store).await;
        assert_eq!(
            store.delegation("acme", "lawfirm").await.expect("read"),
            None
        );
        assert!(
            !store
                .revoke_delegation("acme", "lawfirm")
                .await
                .expect("revoke"),
            "nothing to revoke"
        );

        let granted = store
            .grant_delegation("acme", "lawfirm", &scopes(&["read"]), "k1")
            .await
            .expect("grant");
        assert_eq!(
            store.delegation("acme", "lawfirm").await.expect("read"),
            Some(granted.clone())
        );
        // Granting again replaces the scopes rather than adding a second row.
        let widened = store
            .grant_delegation("acme", "lawfirm", &scopes(&["read", "write"]), "k2")
            .await
            .expect("grant again");
        assert_eq!(store.delegations_of("acme").await.expect("list"), [widened]);

        assert!(
            store
                .revoke_delegation("acme", "lawfirm")
                .await
                .expect("revoke")
        );
        assert_eq!(
            store.delegation("acme", "lawfirm").await.expect("read"),
            None
        );
        assert!(store.delegations_of("acme").await.expect("list").is_empty());
        assert!(
            !store
                .revoke_delegation("acme", "lawfirm")
                .await
                .expect("revoke"),
            "revoked once"
        );

        let again = store
            .grant_delegation("acme", "lawfirm", &scopes(&["read"]), "k3")
            .await
            .expect("grant after revoking");
        assert_eq!(
            store.delegation("acme", "lawfirm").await.expect("read"),
            Some(again)
        );
    }

    async fn delegations_are_per_owner(store: Store) {
        seed(&store).await;
        store
            .grant_delegation("acme", "lawfirm", &scopes(&["read"]), "k1")
            .await
            .expect("grant");
        assert_eq!(
            store.delegation("globex", "lawfirm").await.expect("read"),
            None,
            "acme's grant is not globex's"
        );
        assert!(
            store
                .delegations_of("globex")
                .await
                .expect("list")
                .is_empty()
        );
        assert!(
            !store
                .revoke_delegation("globex", "lawfirm")
                .await
                .expect("revoke"),
            "another owner cannot revoke it"
        );
        assert!(
            store
                .delegation("acme", "lawfirm")
                .await
                .expect("read")
                .is_some()
        );
        assert!(
            store
                .grant_delegation("acme", "nobody", &scopes(&["read"]), "k1")
                .await
                .is_err(),
            "an agent must be a known tenant"
        );
    }
}
