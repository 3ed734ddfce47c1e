//! Tenant-scoped reads and writes for the API: every query names the owning tenant, so a
//! caller can only ever reach its own rows, and "not yours" is indistinguishable from
//! "does not exist".
//!
//! Submodules: [`status`] (a right's registration status) and [`certificates`] (its
//! registration certificate's metadata).

pub mod certificates;
pub mod status;

use takedown_model::{AuthorizedSeller, Right};

use crate::{
    MatchRecord, NoticeRecord, Store, StoreResult, authorized_sellers::SellerRow, from_json,
    matches::MatchRow, notices::NoticeRow, now_text, to_json,
};

/// A brand owner's decision on a match held for review.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewDecision {
    /// The match decided on.
    pub match_id: String,
    /// The owner of the match; the decision is only ever read back within it.
    pub owner_id: String,
    /// True: file the notice; false: dismiss the match.
    pub approved: bool,
    /// The owner's reason, kept for the audit.
    pub reason: String,
    /// Who decided, as the audit log names actors.
    pub actor: String,
    /// RFC 3339 time of the decision.
    pub decided_at: String,
}

/// A JSON document a tenant owns (fair, exhibitor, screening run, policy, endpoint).
#[derive(Debug, Clone, PartialEq)]
pub struct TenantDoc {
    /// The document's id within its tenant and kind (chosen by the caller or derived).
    pub id: String,
    /// The document it belongs under (a fair's exhibitor names the fair); empty at the top.
    pub parent_id: String,
    /// The document itself; the store keeps it as JSON and reads nothing in it.
    pub body: serde_json::Value,
}

impl Store {
    /// The owner's rights, whatever their status, by id.
    pub async fn rights_of(&self, owner_id: &str) -> StoreResult<Vec<Right>> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM rights WHERE owner_id = $1 ORDER BY id")
                .bind(owner_id)
                .fetch_all(&self.pool)
                .await?;
        bodies.iter().map(|body| from_json("right", body)).collect()
    }

    /// The owner's right with this id; `None` if missing or another owner's.
    pub async fn right_of(&self, owner_id: &str, id: &str) -> StoreResult<Option<Right>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM rights WHERE owner_id = $1 AND id = $2")
                .bind(owner_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        body.map(|body| from_json("right", &body)).transpose()
    }

    /// Whether a right id is taken by any owner (ids are global in the `rights` table).
    pub async fn right_id_taken(&self, id: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 FROM rights WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Deletes the owner's right with its status and certificate rows (the certificate's
    /// blob stays: blobs are content-addressed and may be shared).
    pub async fn delete_right_of(&self, owner_id: &str, id: &str) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM rights WHERE owner_id = $1 AND id = $2")
            .bind(owner_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        for table in [
            "DELETE FROM right_status WHERE owner_id = $1 AND right_id = $2",
            "DELETE FROM right_certificates WHERE owner_id = $1 AND right_id = $2",
        ] {
            sqlx::query(table)
                .bind(owner_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Upserts many rights of one owner in a single transaction (bulk import). A row whose id
    /// belongs to another owner is left alone; its id is returned so the caller can report
    /// it. When an id repeats, its last row wins, as if the rows were upserted in turn.
    ///
    /// On PostgreSQL, as multi-row INSERTs of [`UPSERT_CHUNK`] rows each: one round trip per
    /// chunk, not per row. On SQLite, row by row with one prepared statement: there is no
    /// round trip to save in-process, and measured, the multi-row statement was ~8× slower
    /// there (100k marks: 1.5 s row by row, 11.7 s in chunks; `examples/bulk_import.rs`).
    pub async fn upsert_rights_of(
        &self,
        owner_id: &str,
        rights: &[Right],
    ) -> StoreResult<Vec<String>> {
        // Keep the last row of each id: one statement may not touch a row twice (PostgreSQL
        // refuses it), and sequential upserts would have left the last one.
        let mut last = std::collections::HashMap::new();
        for (i, right) in rights.iter().enumerate() {
            last.insert(right.id.as_str(), i);
        }
        let rows: Vec<&Right> = rights
            .iter()
            .enumerate()
            .filter(|(i, r)| last.get(r.id.as_str()) == Some(i))
            .map(|(_, r)| r)
            .collect();
        if self.backend == crate::Backend::Sqlite {
            return self.upsert_rights_row_by_row(owner_id, &rows).await;
        }
        let mut refused = Vec::new();
        let mut tx = self.pool.begin().await?;
        let now = now_text();
        for chunk in rows.chunks(UPSERT_CHUNK) {
            let mut sql =
                String::from("INSERT INTO rights (id, owner_id, kind, body, updated_at) VALUES ");
            for i in 0..chunk.len() {
                let n = i * 5;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5
                ));
            }
            // RETURNING lists only the rows written; a row skipped by the WHERE (another
            // owner's id) is missing from it, which is how it is reported.
            sql.push_str(
                " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
                     updated_at = excluded.updated_at
                 WHERE rights.owner_id = excluded.owner_id
                 RETURNING id",
            );
            let mut query = sqlx::query_as::<_, IdRow>(sqlx::AssertSqlSafe(sql));
            for right in chunk {
                query = query
                    .bind(&right.id)
                    .bind(owner_id)
                    .bind(right.kind.as_str())
                    .bind(to_json(right))
                    .bind(&now);
            }
            let written: std::collections::HashSet<String> = query
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|written| written.id)
                .collect();
            refused.extend(
                chunk
                    .iter()
                    .filter(|r| !written.contains(&r.id))
                    .map(|r| r.id.clone()),
            );
        }
        tx.commit().await?;
        Ok(refused)
    }

    /// [`Store::upsert_rights_of`] on SQLite: one statement per row, in one transaction.
    async fn upsert_rights_row_by_row(
        &self,
        owner_id: &str,
        rights: &[&Right],
    ) -> StoreResult<Vec<String>> {
        let mut refused = Vec::new();
        let mut tx = self.pool.begin().await?;
        let now = now_text();
        for right in rights {
            let done = sqlx::query(
                "INSERT INTO rights (id, owner_id, kind, body, updated_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
                     updated_at = excluded.updated_at
                 WHERE rights.owner_id = excluded.owner_id",
            )
            .bind(&right.id)
            .bind(owner_id)
            .bind(right.kind.as_str())
            .bind(to_json(*right))
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

    /// The owner's authorized sellers, by platform and seller.
    pub async fn authorized_sellers_of(
        &self,
        owner_id: &str,
    ) -> StoreResult<Vec<AuthorizedSeller>> {
        let rows: Vec<SellerRow> = sqlx::query_as(
            "SELECT owner_id, platform, seller FROM authorized_sellers WHERE owner_id = $1
             ORDER BY platform, seller",
        )
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuthorizedSeller::from).collect())
    }

    /// Removes one of the owner's authorized sellers; false if there was no such seller.
    pub async fn remove_authorized_seller(&self, seller: &AuthorizedSeller) -> StoreResult<bool> {
        let done = sqlx::query(
            "DELETE FROM authorized_sellers WHERE owner_id = $1 AND platform = $2 AND seller = $3",
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
        let rows: Vec<MatchRow> = sqlx::query_as(
            "SELECT m.body, m.decision FROM matches m
             LEFT JOIN review_decisions d ON d.match_id = m.id
             WHERE m.owner_id = $1 AND m.decision = 'review' AND d.match_id IS NULL
             ORDER BY m.updated_at, m.id",
        )
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(MatchRow::into_record).collect()
    }

    /// The owner's match with this id; `None` if missing or another owner's.
    pub async fn match_of(&self, owner_id: &str, id: &str) -> StoreResult<Option<MatchRecord>> {
        let row: Option<MatchRow> =
            sqlx::query_as("SELECT body, decision FROM matches WHERE owner_id = $1 AND id = $2")
                .bind(owner_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(MatchRow::into_record).transpose()
    }

    /// Every match of `owner_id`, whatever was decided on it, newest first.
    pub async fn matches_of(&self, owner_id: &str) -> StoreResult<Vec<MatchRecord>> {
        let rows: Vec<MatchRow> = sqlx::query_as(
            "SELECT body, decision FROM matches WHERE owner_id = $1 ORDER BY updated_at DESC, id",
        )
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(MatchRow::into_record).collect()
    }

    /// Records a decision; false if the match was already decided (the first decision stands).
    pub async fn record_review_decision(&self, decision: &ReviewDecision) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO review_decisions
                 (match_id, owner_id, approved, reason, actor, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT DO NOTHING",
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

    /// The decision taken on a match, if any.
    pub async fn review_decision(&self, match_id: &str) -> StoreResult<Option<ReviewDecision>> {
        let row: Option<ReviewDecisionRow> = sqlx::query_as(
            // SQLite hands the flag back as an integer and PostgreSQL as a boolean; the
            // CASE gives an integer on both.
            "SELECT match_id, owner_id, CASE WHEN approved THEN 1 ELSE 0 END AS approved,
                    reason, actor, decided_at
             FROM review_decisions WHERE match_id = $1",
        )
        .bind(match_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(ReviewDecision::from))
    }

    /// Notices filed by `owner_id` (`by_owner`) or addressed to platform `owner_id`.
    pub async fn notices_where(
        &self,
        column: NoticeParty,
        tenant_id: &str,
    ) -> StoreResult<Vec<NoticeRecord>> {
        let rows: Vec<NoticeRow> = sqlx::query_as(match column {
            NoticeParty::Owner => {
                "SELECT body, status, case_id FROM notices WHERE owner_id = $1 ORDER BY updated_at, id"
            }
            NoticeParty::Platform => {
                "SELECT body, status, case_id FROM notices WHERE platform = $1 ORDER BY updated_at, id"
            }
        })
            .bind(tenant_id)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(NoticeRow::into_record).collect()
    }

    /// The notice with this id filed by (or addressed to) `tenant_id`; `None` if missing or
    /// another's.
    pub async fn notice_where(
        &self,
        column: NoticeParty,
        tenant_id: &str,
        id: &str,
    ) -> StoreResult<Option<NoticeRecord>> {
        let row: Option<NoticeRow> = sqlx::query_as(match column {
            NoticeParty::Owner => {
                "SELECT body, status, case_id FROM notices WHERE owner_id = $1 AND id = $2"
            }
            NoticeParty::Platform => {
                "SELECT body, status, case_id FROM notices WHERE platform = $1 AND id = $2"
            }
        })
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(NoticeRow::into_record).transpose()
    }

    /// Stores a tenant's document of `kind`, replacing the one with the same id.
    pub async fn put_doc(&self, tenant_id: &str, kind: &str, doc: &TenantDoc) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO tenant_docs (tenant_id, kind, id, parent_id, body, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
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

    /// The tenant's document of `kind` with this id; `None` if missing or another tenant's.
    pub async fn doc(
        &self,
        tenant_id: &str,
        kind: &str,
        id: &str,
    ) -> StoreResult<Option<TenantDoc>> {
        let row: Option<DocRow> = sqlx::query_as(
            "SELECT id, parent_id, body FROM tenant_docs WHERE tenant_id = $1 AND kind = $2 AND id = $3",
        )
        .bind(tenant_id)
        .bind(kind)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(DocRow::into_doc).transpose()
    }

    /// A tenant's documents of one kind, optionally only those under `parent_id`.
    pub async fn docs(
        &self,
        tenant_id: &str,
        kind: &str,
        parent_id: Option<&str>,
    ) -> StoreResult<Vec<TenantDoc>> {
        let rows: Vec<DocRow> = sqlx::query_as(
            "SELECT id, parent_id, body FROM tenant_docs
             WHERE tenant_id = $1 AND kind = $2 AND ($3 IS NULL OR parent_id = $3) ORDER BY id",
        )
        .bind(tenant_id)
        .bind(kind)
        .bind(parent_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(DocRow::into_doc).collect()
    }
}

/// Rows per multi-row INSERT in [`Store::upsert_rights_of`]: 5 parameters a row keeps a chunk
/// at 5,000 parameters, far below SQLite's 32,766 and PostgreSQL's 65,535.
pub const UPSERT_CHUNK: usize = 1_000;

/// Which side of a notice a tenant is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeParty {
    /// The brand owner that filed it.
    Owner,
    /// The platform it was sent to.
    Platform,
}

/// The id a multi-row upsert's `RETURNING id` hands back for each row it wrote.
#[derive(sqlx::FromRow)]
struct IdRow {
    id: String,
}

/// A `review_decisions` row, the flag read as an integer (see [`Store::review_decision`]).
#[derive(sqlx::FromRow)]
struct ReviewDecisionRow {
    match_id: String,
    owner_id: String,
    approved: i64,
    reason: String,
    actor: String,
    decided_at: String,
}

impl From<ReviewDecisionRow> for ReviewDecision {
    fn from(row: ReviewDecisionRow) -> Self {
        ReviewDecision {
            match_id: row.match_id,
            owner_id: row.owner_id,
            approved: row.approved != 0,
            reason: row.reason,
            actor: row.actor,
            decided_at: row.decided_at,
        }
    }
}

/// A `tenant_docs` row, its body still JSON text.
#[derive(sqlx::FromRow)]
struct DocRow {
    id: String,
    parent_id: String,
    body: String,
}

impl DocRow {
    fn into_doc(self) -> StoreResult<TenantDoc> {
        Ok(TenantDoc {
            id: self.id,
            parent_id: self.parent_id,
            body: from_json("tenant document", &self.body)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use takedown_model::{Decision, NoticeStatus, TenantKind};

    use super::*;
    use crate::testkit::{
        fixtures::{found, notice, right, tenant},
        on_both_backends,
    };

    on_both_backends!(
        bulk_upsert_never_takes_over_another_owners_right,
        rights_and_sellers_are_reached_only_through_their_owner,
        the_review_queue_holds_undecided_matches_and_the_first_decision_stands,
        notices_are_listed_for_the_owner_and_the_platform,
        tenant_documents_are_keyed_by_tenant_kind_and_parent,
    );

    async fn owners(store: &Store, ids: &[&str]) {
        for id in ids {
            store
                .upsert_tenant(&tenant(id, TenantKind::BrandOwner))
                .await
                .expect("tenant");
        }
    }

    async fn bulk_upsert_never_takes_over_another_owners_right(store: Store) {
        owners(&store, &["a", "b"]).await;
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

        // Past one chunk, with a repeated id (its last row wins) and another owner's id in
        // the middle: every other row is written, the foreign one reported.
        let mut many: Vec<_> = (0..super::UPSERT_CHUNK * 2 + 500)
            .map(|i| right(&format!("m{i:05}"), "b"))
            .collect();
        many[1500] = right("shared", "b");
        let mut renamed = right("m00007", "b");
        renamed.name = "last wins".into();
        many.push(renamed.clone());
        let refused = store.upsert_rights_of("b", &many).await.expect("bulk");
        assert_eq!(refused, ["shared"]);
        let stored = store.rights_of("b").await.expect("b");
        assert_eq!(
            stored.len(),
            super::UPSERT_CHUNK * 2 + 500,
            "own + the rest"
        );
        assert_eq!(
            store.right_of("b", "m00007").await.expect("read"),
            Some(renamed)
        );
        assert_eq!(
            store.rights_of("a").await.expect("a"),
            [right("shared", "a")]
        );
    }

    async fn rights_and_sellers_are_reached_only_through_their_owner(store: Store) {
        owners(&store, &["a", "b"]).await;
        store.upsert_right(&right("r1", "a")).await.expect("right");
        assert!(store.right_id_taken("r1").await.expect("taken"));
        assert!(!store.right_id_taken("r2").await.expect("taken"));
        assert_eq!(
            store.right_of("a", "r1").await.expect("read"),
            Some(right("r1", "a"))
        );
        assert!(
            !store.delete_right_of("b", "r1").await.expect("delete"),
            "not b's to delete"
        );
        assert!(store.delete_right_of("a", "r1").await.expect("delete"));
        assert!(!store.delete_right_of("a", "r1").await.expect("again"));
        assert!(!store.right_id_taken("r1").await.expect("taken"));

        let seller = |owner: &str, platform: &str, name: &str| AuthorizedSeller {
            owner_id: owner.into(),
            platform: platform.into(),
            seller: name.into(),
        };
        for s in [
            seller("a", "shop", "zed"),
            seller("a", "bazaar", "amy"),
            seller("b", "shop", "zed"),
        ] {
            store.add_authorized_seller(&s).await.expect("add");
        }
        assert_eq!(
            store.authorized_sellers_of("a").await.expect("sellers"),
            [seller("a", "bazaar", "amy"), seller("a", "shop", "zed")]
        );
        assert!(
            store
                .remove_authorized_seller(&seller("a", "shop", "zed"))
                .await
                .expect("remove")
        );
        assert!(
            !store
                .remove_authorized_seller(&seller("a", "shop", "zed"))
                .await
                .expect("again")
        );
        assert_eq!(
            store.authorized_sellers_of("b").await.expect("sellers"),
            [seller("b", "shop", "zed")]
        );
    }

    async fn the_review_queue_holds_undecided_matches_and_the_first_decision_stands(store: Store) {
        let (m1, m2, auto, theirs) = (
            found("m1", "acme"),
            found("m2", "acme"),
            found("m3", "acme"),
            found("m4", "other"),
        );
        for (m, decision) in [
            (&m1, Decision::Review),
            (&m2, Decision::Review),
            (&auto, Decision::AutoFile),
            (&theirs, Decision::Review),
        ] {
            store.upsert_match(m, decision).await.expect("match");
        }
        let queue: Vec<String> = store
            .review_queue_of("acme")
            .await
            .expect("queue")
            .into_iter()
            .map(|r| r.found.id)
            .collect();
        assert_eq!(queue, ["m1", "m2"]);
        assert_eq!(
            store.match_of("acme", "m4").await.expect("read"),
            None,
            "another owner's match is not found"
        );
        assert_eq!(
            store
                .match_of("other", "m4")
                .await
                .expect("read")
                .map(|r| r.decision),
            Some(Decision::Review)
        );

        let decide = |match_id: &str, approved: bool, reason: &str| ReviewDecision {
            match_id: match_id.into(),
            owner_id: "acme".into(),
            approved,
            reason: reason.into(),
            actor: "k1".into(),
            decided_at: "2026-01-01T00:00:00.000000Z".into(),
        };
        let approve = decide("m1", true, "counterfeit");
        let reject = decide("m2", false, "parallel import");
        assert!(
            store
                .record_review_decision(&approve)
                .await
                .expect("decide")
        );
        assert!(store.record_review_decision(&reject).await.expect("decide"));
        assert!(
            !store
                .record_review_decision(&decide("m1", false, "changed mind"))
                .await
                .expect("again"),
            "the first decision stands"
        );
        assert_eq!(
            store.review_decision("m1").await.expect("read"),
            Some(approve)
        );
        assert_eq!(
            store.review_decision("m2").await.expect("read"),
            Some(reject)
        );
        assert_eq!(store.review_decision("m3").await.expect("read"), None);
        assert!(
            store
                .review_queue_of("acme")
                .await
                .expect("queue")
                .is_empty()
        );
    }

    async fn notices_are_listed_for_the_owner_and_the_platform(store: Store) {
        let mine = notice("n1", "acme", "shop");
        let elsewhere = notice("n2", "acme", "bazaar");
        let theirs = notice("n3", "other", "shop");
        for n in [&mine, &elsewhere, &theirs] {
            store.insert_notice(n).await.expect("notice");
        }
        let ids = |records: Vec<NoticeRecord>| -> Vec<String> {
            records.into_iter().map(|r| r.notice.id).collect()
        };
        let mut of_owner = ids(store
            .notices_where(NoticeParty::Owner, "acme")
            .await
            .expect("owner"));
        of_owner.sort();
        assert_eq!(of_owner, ["n1", "n2"]);
        let mut to_platform = ids(store
            .notices_where(NoticeParty::Platform, "shop")
            .await
            .expect("platform"));
        to_platform.sort();
        assert_eq!(to_platform, ["n1", "n3"]);

        let record = store
            .notice_where(NoticeParty::Platform, "shop", "n3")
            .await
            .expect("read")
            .expect("the platform sees a notice sent to it");
        assert_eq!(record.notice, theirs);
        assert_eq!(record.status, NoticeStatus::Filed);
        assert_eq!(record.case_id, None);
        assert_eq!(
            store
                .notice_where(NoticeParty::Owner, "acme", "n3")
                .await
                .expect("read"),
            None
        );
        assert_eq!(
            store
                .notice_where(NoticeParty::Platform, "bazaar", "n1")
                .await
                .expect("read"),
            None
        );
    }

    async fn tenant_documents_are_keyed_by_tenant_kind_and_parent(store: Store) {
        owners(&store, &["org", "rival"]).await;
        let doc = |id: &str, parent: &str, n: i64| TenantDoc {
            id: id.into(),
            parent_id: parent.into(),
            body: json!({"name": id, "n": n, "tags": ["a", "b"]}),
        };
        store
            .put_doc("org", "fair", &doc("f1", "", 1))
            .await
            .expect("put");
        store
            .put_doc("org", "exhibitor", &doc("e2", "f1", 2))
            .await
            .expect("put");
        store
            .put_doc("org", "exhibitor", &doc("e1", "f1", 1))
            .await
            .expect("put");
        store
            .put_doc("org", "exhibitor", &doc("e3", "f2", 3))
            .await
            .expect("put");
        store
            .put_doc("org", "exhibitor", &doc("e1", "f1", 10))
            .await
            .expect("overwrite");
        store
            .put_doc("rival", "fair", &doc("f1", "", 99))
            .await
            .expect("same id, other tenant");

        assert_eq!(
            store.doc("org", "fair", "f1").await.expect("read"),
            Some(doc("f1", "", 1))
        );
        assert_eq!(
            store.doc("rival", "fair", "f1").await.expect("read"),
            Some(doc("f1", "", 99))
        );
        assert_eq!(
            store.doc("org", "exhibitor", "f1").await.expect("read"),
            None
        );
        assert_eq!(
            store
                .docs("org", "exhibitor", Some("f1"))
                .await
                .expect("list"),
            [doc("e1", "f1", 10), doc("e2", "f1", 2)]
        );
        assert_eq!(
            store
                .docs("org", "exhibitor", None)
                .await
                .expect("list")
                .len(),
            3
        );
        assert!(
            store
                .docs("rival", "exhibitor", None)
                .await
                .expect("list")
                .is_empty()
        );
    }
}
