//! Tenant-scoped reads and writes for the API: every query names the owning tenant, so a
//! caller can only ever reach its own rows, and "not yours" is indistinguishable from
//! "does not exist".

use sqlx::Row;
use takedown_model::{AuthorizedSeller, NoticeStatus, Right};

use crate::{
    MatchRecord, NoticeRecord, Store, StoreError, StoreResult, from_json, now_text, to_json,
};

/// A brand owner's decision on a match held for review.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewDecision {
    pub match_id: String,
    pub owner_id: String,
    pub approved: bool,
    pub reason: String,
    pub actor: String,
    pub decided_at: String,
}

/// A JSON document a tenant owns (fair, exhibitor, screening run, policy, endpoint).
#[derive(Debug, Clone, PartialEq)]
pub struct TenantDoc {
    pub id: String,
    pub parent_id: String,
    pub body: serde_json::Value,
}

impl Store {
    pub async fn rights_of(&self, owner_id: &str) -> StoreResult<Vec<Right>> {
        let rows = sqlx::query("SELECT body FROM rights WHERE owner_id = ? ORDER BY id")
            .bind(owner_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| from_json("right", &r.get::<String, _>(0)))
            .collect()
    }

    pub async fn right_of(&self, owner_id: &str, id: &str) -> StoreResult<Option<Right>> {
        let row = sqlx::query("SELECT body FROM rights WHERE owner_id = ? AND id = ?")
            .bind(owner_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| from_json("right", &r.get::<String, _>(0)))
            .transpose()
    }

    /// Whether a right id is taken by any owner (ids are global in the `rights` table).
    pub async fn right_id_taken(&self, id: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 FROM rights WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    pub async fn delete_right_of(&self, owner_id: &str, id: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM rights WHERE owner_id = ? AND id = ?")
            .bind(owner_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Upserts many rights of one owner in a single transaction (bulk import). A row whose id
    /// belongs to another owner is left alone; its id is returned so the caller can report it.
    pub async fn upsert_rights_of(
        &self,
        owner_id: &str,
        rights: &[Right],
    ) -> StoreResult<Vec<String>> {
        let mut refused = Vec::new();
        let mut tx = self.pool.begin().await?;
        let now = now_text();
        for right in rights {
            let done = sqlx::query(
                "INSERT INTO rights (id, owner_id, kind, body, updated_at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
                     updated_at = excluded.updated_at
                 WHERE rights.owner_id = excluded.owner_id",
            )
            .bind(&right.id)
            .bind(owner_id)
            .bind(right.kind.as_str())
            .bind(to_json(right))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                refused.push(right.id.clone());
            }
        }
        tx.commit().await?;
        Ok(refused)
    }

    pub async fn authorized_sellers_of(
        &self,
        owner_id: &str,
    ) -> StoreResult<Vec<AuthorizedSeller>> {
        let rows = sqlx::query(
            "SELECT owner_id, platform, seller FROM authorized_sellers WHERE owner_id = ?
             ORDER BY platform, seller",
        )
        .bind(owner_id)
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

    pub async fn remove_authorized_seller(&self, seller: &AuthorizedSeller) -> StoreResult<bool> {
        let done = sqlx::query(
            "DELETE FROM authorized_sellers WHERE owner_id = ? AND platform = ? AND seller = ?",
        )
        .bind(&seller.owner_id)
        .bind(&seller.platform)
        .bind(&seller.seller)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Matches of `owner_id` held for review and not yet decided.
    pub async fn review_queue_of(&self, owner_id: &str) -> StoreResult<Vec<MatchRecord>> {
        let rows = sqlx::query(
            "SELECT m.body, m.decision FROM matches m
             LEFT JOIN review_decisions d ON d.match_id = m.id
             WHERE m.owner_id = ? AND m.decision = 'review' AND d.match_id IS NULL
             ORDER BY m.updated_at, m.id",
        )
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(match_from_row).collect()
    }

    pub async fn match_of(&self, owner_id: &str, id: &str) -> StoreResult<Option<MatchRecord>> {
        let row = sqlx::query("SELECT body, decision FROM matches WHERE owner_id = ? AND id = ?")
            .bind(owner_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(match_from_row).transpose()
    }

    /// Records a decision; false if the match was already decided (the first decision stands).
    pub async fn record_review_decision(&self, decision: &ReviewDecision) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO review_decisions
                 (match_id, owner_id, approved, reason, actor, decided_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&decision.match_id)
        .bind(&decision.owner_id)
        .bind(decision.approved)
        .bind(&decision.reason)
        .bind(&decision.actor)
        .bind(&decision.decided_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn review_decision(&self, match_id: &str) -> StoreResult<Option<ReviewDecision>> {
        let row = sqlx::query(
            "SELECT match_id, owner_id, approved, reason, actor, decided_at
             FROM review_decisions WHERE match_id = ?",
        )
        .bind(match_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| ReviewDecision {
            match_id: r.get(0),
            owner_id: r.get(1),
            approved: r.get(2),
            reason: r.get(3),
            actor: r.get(4),
            decided_at: r.get(5),
        }))
    }

    /// Notices filed by `owner_id` (`by_owner`) or addressed to platform `owner_id`.
    pub async fn notices_where(
        &self,
        column: NoticeParty,
        tenant_id: &str,
    ) -> StoreResult<Vec<NoticeRecord>> {
        let rows = sqlx::query(match column {
            NoticeParty::Owner => {
                "SELECT body, status, case_id FROM notices WHERE owner_id = ? ORDER BY updated_at, id"
            }
            NoticeParty::Platform => {
                "SELECT body, status, case_id FROM notices WHERE platform = ? ORDER BY updated_at, id"
            }
        })
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notice_from_row).collect()
    }

    pub async fn notice_where(
        &self,
        column: NoticeParty,
        tenant_id: &str,
        id: &str,
    ) -> StoreResult<Option<NoticeRecord>> {
        let row = sqlx::query(match column {
            NoticeParty::Owner => {
                "SELECT body, status, case_id FROM notices WHERE owner_id = ? AND id = ?"
            }
            NoticeParty::Platform => {
                "SELECT body, status, case_id FROM notices WHERE platform = ? AND id = ?"
            }
        })
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(notice_from_row).transpose()
    }

    pub async fn put_doc(&self, tenant_id: &str, kind: &str, doc: &TenantDoc) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO tenant_docs (tenant_id, kind, id, parent_id, body, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (tenant_id, kind, id) DO UPDATE SET parent_id = excluded.parent_id,
                 body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(tenant_id)
        .bind(kind)
        .bind(&doc.id)
        .bind(&doc.parent_id)
        .bind(to_json(&doc.body))
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn doc(
        &self,
        tenant_id: &str,
        kind: &str,
        id: &str,
    ) -> StoreResult<Option<TenantDoc>> {
        let row = sqlx::query(
            "SELECT id, parent_id, body FROM tenant_docs WHERE tenant_id = ? AND kind = ? AND id = ?",
        )
        .bind(tenant_id)
        .bind(kind)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(doc_from_row).transpose()
    }

    /// A tenant's documents of one kind, optionally only those under `parent_id`.
    pub async fn docs(
        &self,
        tenant_id: &str,
        kind: &str,
        parent_id: Option<&str>,
    ) -> StoreResult<Vec<TenantDoc>> {
        let rows = sqlx::query(
            "SELECT id, parent_id, body FROM tenant_docs
             WHERE tenant_id = ? AND kind = ? AND (? IS NULL OR parent_id = ?) ORDER BY id",
        )
        .bind(tenant_id)
        .bind(kind)
        .bind(parent_id)
        .bind(parent_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(doc_from_row).collect()
    }
}

/// Which side of a notice a tenant is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeParty {
    /// The brand owner that filed it.
    Owner,
    /// The platform it was sent to.
    Platform,
}

fn match_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<MatchRecord> {
    let decision: String = r.get(1);
    Ok(MatchRecord {
        found: from_json("match", &r.get::<String, _>(0))?,
        decision: from_json("decision", &format!("\"{decision}\""))?,
    })
}

fn notice_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<NoticeRecord> {
    let status: String = r.get(1);
    Ok(NoticeRecord {
        notice: from_json("notice", &r.get::<String, _>(0))?,
        status: NoticeStatus::parse(&status)
            .ok_or_else(|| StoreError::NotFound(format!("notice status {status:?}")))?,
        case_id: r.get(2),
    })
}

fn doc_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<TenantDoc> {
    Ok(TenantDoc {
        id: r.get(0),
        parent_id: r.get(1),
        body: from_json("tenant document", &r.get::<String, _>(2))?,
    })
}

#[cfg(test)]
mod tests {
    use takedown_model::{RightKind, Tenant, TenantKind};

    use super::*;

    fn right(id: &str, owner: &str) -> Right {
        Right {
            id: id.into(),
            owner_id: owner.into(),
            kind: RightKind::WordMark,
            name: "X".into(),
            registration_number: "1".into(),
            office: String::new(),
            classes: vec![],
            territories: vec![],
            valid_from: None,
            valid_until: None,
            images: vec![],
        }
    }

    #[tokio::test]
    async fn bulk_upsert_never_takes_over_another_owners_right() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("s.db")).await.expect("open");
        for id in ["a", "b"] {
            store
                .upsert_tenant(&Tenant {
                    id: id.into(),
                    kind: TenantKind::BrandOwner,
                    name: id.into(),
                    contact_email: None,
                })
                .await
                .expect("tenant");
        }
        store
            .upsert_right(&right("shared", "a"))
            .await
            .expect("right");
        let refused = store
            .upsert_rights_of("b", &[right("shared", "b"), right("own", "b")])
            .await
            .expect("bulk");
        assert_eq!(refused, ["shared"]);
        assert_eq!(store.rights_of("a").await.expect("a").len(), 1);
        let b: Vec<String> = store
            .rights_of("b")
            .await
            .expect("b")
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(b, ["own"]);
        assert!(store.right_of("b", "shared").await.expect("read").is_none());
    }
}
