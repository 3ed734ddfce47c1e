//! Matches: one row per (listing, right) the matcher found, with the decision the actioner
//! took on it (file automatically, or hold for the owner's review).

use takedown_model::{Decision, Match};

use crate::{Store, StoreResult, from_json, now_text, to_json};

/// A match as stored, with the decision taken on it.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRecord {
    /// The match as the matcher emitted it.
    pub found: Match,
    /// What the actioner decided: file automatically, or hold for review.
    pub decision: Decision,
}

/// A `matches` row as every match query selects it: the match as JSON and its decision.
#[derive(sqlx::FromRow)]
pub(crate) struct MatchRow {
    body: String,
    decision: String,
}

impl MatchRow {
    /// Decodes the stored JSON; a row that does not decode is [`crate::StoreError::Corrupt`].
    pub(crate) fn into_record(self) -> StoreResult<MatchRecord> {
        Ok(MatchRecord {
            found: from_json("match", &self.body)?,
            decision: from_json("decision", &format!("\"{}\"", self.decision))?,
        })
    }
}

impl Store {
    /// Stores the match, or rewrites it with the new decision when its id is known (a
    /// redelivered or re-decided match leaves one row).
    pub async fn upsert_match(&self, found: &Match, decision: Decision) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO matches (id, listing_id, right_id, owner_id, decision, body, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET decision = excluded.decision, body = excluded.body,
                 updated_at = excluded.updated_at",
        )
        .bind(&found.id)
        .bind(&found.listing_id)
        .bind(&found.right_id)
        .bind(&found.owner_id)
        .bind(to_json(&decision).trim_matches('"'))
        .bind(to_json(found))
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every match, by id.
    pub async fn matches(&self) -> StoreResult<Vec<MatchRecord>> {
        let rows: Vec<MatchRow> = sqlx::query_as("SELECT body, decision FROM matches ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(MatchRow::into_record).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{fixtures::found, on_both_backends};

    on_both_backends!(matches_keep_one_row_with_the_latest_decision,);

    async fn matches_keep_one_row_with_the_latest_decision(store: Store) {
        let (a, b) = (found("mat_a", "acme"), found("mat_b", "acme"));
        store
            .upsert_match(&b, Decision::Review)
            .await
            .expect("match");
        store
            .upsert_match(&a, Decision::AutoFile)
            .await
            .expect("match");
        store
            .upsert_match(&b, Decision::AutoFile)
            .await
            .expect("match again");
        assert_eq!(
            store.matches().await.expect("matches"),
            [
                MatchRecord {
                    found: a,
                    decision: Decision::AutoFile
                },
                MatchRecord {
                    found: b,
                    decision: Decision::AutoFile
                },
            ]
        );
    }
}
