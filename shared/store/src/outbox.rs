//! The notifier's delivery outbox: one row per notice to send, with the exact payload, the
//! attempts made, when the next is due, and the claim (holder and lease) of the notifier
//! working on it. Deliveries given up are in [`crate::dead_letters`].

use chrono::{DateTime, Utc};
use takedown_model::Notice;

use crate::{
    Store, StoreResult,
    evidence_log::{LeafKind, notice_leaf, queue_leaf},
    now_text, time_text,
};

/// A notice waiting in the outbox.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Delivery {
    /// The notice to deliver (also the `webhook-id`, the platform's idempotency key).
    pub notice_id: String,
    /// The platform that receives it.
    pub platform: String,
    /// Attempts made so far (failed ones; postponing is not an attempt).
    #[sqlx(try_from = "i64")]
    pub attempts: u32,
    /// The exact bytes to send: the same on every retry.
    pub payload: String,
}

/// What [`Store::delivery_state`] reads of an outbox row.
#[derive(sqlx::FromRow)]
struct DeliveryStateRow {
    state: String,
    #[sqlx(try_from = "i64")]
    attempts: u32,
    last_error: Option<String>,
}

impl Store {
    /// Puts a notice in the outbox unless it is there already; true if it was new.
    pub async fn enqueue_delivery(&self, notice: &Notice, payload: &str) -> StoreResult<bool> {
        let result = sqlx::query(
            "INSERT INTO deliveries (notice_id, platform, state, next_attempt_at, payload)
             VALUES ($1, $2, 'pending', $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(&notice.id)
        .bind(&notice.platform)
        .bind(now_text())
        .bind(payload)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Pending deliveries whose next attempt is due.
    pub async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        let rows: Vec<Delivery> = sqlx::query_as(
            "SELECT notice_id, platform, attempts, payload FROM deliveries
             WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(crate::time_text(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// (state, attempts, last error) of a notice's delivery, if it is in the outbox.
    pub async fn delivery_state(
        &self,
        notice_id: &str,
    ) -> StoreResult<Option<(String, u32, Option<String>)>> {
        let row: Option<DeliveryStateRow> = sqlx::query_as(
            "SELECT state, attempts, last_error FROM deliveries WHERE notice_id = $1",
        )
        .bind(notice_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| (row.state, row.attempts, row.last_error)))
    }

    /// How many deliveries are still pending (claimed or not): zero means the outbox is
    /// drained.
    pub async fn pending_deliveries(&self) -> StoreResult<u64> {
        let pending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")
                .fetch_one(&self.pool)
                .await?;
        Ok(pending.max(0) as u64)
    }

    /// Claims for `claimant` up to `limit` pending deliveries due at `now` that nobody holds
    /// (never claimed, released, or whose claim lapsed before `now`), until `until`; returns
    /// them. One statement, so two notifiers claiming at once get disjoint rows: SQLite runs
    /// writers one at a time, and PostgreSQL re-checks the `WHERE` of a row another
    /// transaction changed meanwhile (the second claimant skips it), which is why the
    /// conditions are repeated outside the subquery that picks the rows.
    pub async fn claim_deliveries(
        &self,
        claimant: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        let rows: Vec<Delivery> = sqlx::query_as(
            "UPDATE deliveries SET claimed_by = $1, claimed_until = $2
             WHERE state = 'pending' AND next_attempt_at <= $3
               AND (claimed_until IS NULL OR claimed_until <= $3)
               AND notice_id IN (
                 SELECT notice_id FROM deliveries
                 WHERE state = 'pending' AND next_attempt_at <= $3
                   AND (claimed_until IS NULL OR claimed_until <= $3)
                 ORDER BY next_attempt_at LIMIT $4)
             RETURNING notice_id, platform, attempts, payload",
        )
        .bind(claimant)
        .bind(crate::time_text(until))
        .bind(crate::time_text(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Extends every claim `claimant` still holds on a pending delivery to `until` (never
    /// shortens one); returns how many. A live notifier calls it while it works, so only a
    /// dead one's claims lapse.
    pub async fn renew_claims(&self, claimant: &str, until: DateTime<Utc>) -> StoreResult<u64> {
        let until = crate::time_text(until);
        let result = sqlx::query(
            "UPDATE deliveries SET claimed_until = $1
             WHERE claimed_by = $2 AND state = 'pending' AND claimed_until < $1",
        )
        .bind(&until)
        .bind(claimant)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Ends a delivery `claimant` holds: `delivered` with the platform's case id, or
    /// `rejected` with why; releases the claim. False, changing nothing, when the claim is
    /// not (or no longer) `claimant`'s: its claim lapsed and another notifier took it over.
    pub async fn finish_delivery(
        &self,
        notice_id: &str,
        claimant: &str,
        case_id: Option<&str>,
        rejection: Option<&str>,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let result = sqlx::query(
            "UPDATE deliveries SET state = $1, case_id = $2, last_error = $3, attempts = attempts + 1,
                 claimed_by = NULL, claimed_until = NULL
             WHERE notice_id = $4 AND claimed_by = $5",
        )
        .bind(if rejection.is_some() {
            "rejected"
        } else {
            "delivered"
        })
        .bind(case_id)
        .bind(rejection)
        .bind(notice_id)
        .bind(claimant)
        .execute(&mut *tx)
        .await?;
        let finished = result.rows_affected() == 1;
        if finished {
            // The platform answered, so the notice was sent: its payload joins the evidence
            // log, in the transaction that records the answer.
            let (platform, payload): (String, String) =
                sqlx::query_as("SELECT platform, payload FROM deliveries WHERE notice_id = $1")
                    .bind(notice_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let leaf = notice_leaf(notice_id, &platform, &payload);
            queue_leaf(&mut tx, LeafKind::Notice, notice_id, &leaf).await?;
        }
        tx.commit().await?;
        Ok(finished)
    }

    /// Schedules another attempt after a failure that may pass (network, 5xx, 429) and
    /// releases `claimant`'s claim; false, changing nothing, when the claim is not theirs.
    pub async fn retry_delivery(
        &self,
        notice_id: &str,
        claimant: &str,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2,
                 claimed_by = NULL, claimed_until = NULL
             WHERE notice_id = $3 AND claimed_by = $4",
        )
        .bind(error)
        .bind(crate::time_text(next_attempt_at))
        .bind(notice_id)
        .bind(claimant)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Moves a pending delivery `claimant` holds to a later attempt without counting one
    /// (it was not tried) and releases the claim; false, changing nothing, when the claim is
    /// not theirs.
    pub async fn postpone_delivery(
        &self,
        notice_id: &str,
        claimant: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE deliveries SET next_attempt_at = $1, claimed_by = NULL, claimed_until = NULL
             WHERE notice_id = $2 AND state = 'pending' AND claimed_by = $3",
        )
        .bind(time_text(until))
        .bind(notice_id)
        .bind(claimant)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::testkit::{fixtures::notice, on_both_backends};

    on_both_backends!(
        a_delivery_ends_delivered_or_rejected,
        two_claimers_get_disjoint_deliveries,
        a_lapsed_claim_is_taken_over_and_its_old_holder_refused,
        a_renewed_claim_does_not_lapse,
        a_postponed_delivery_is_due_later_without_an_attempt,
    );

    async fn enqueue(store: &Store, ids: impl IntoIterator<Item = String>) {
        for id in ids {
            store
                .enqueue_delivery(&notice(&id, "acme", "shop"), "{}")
                .await
                .expect("enqueue");
        }
    }

    fn ids(deliveries: &[Delivery]) -> std::collections::BTreeSet<String> {
        deliveries.iter().map(|d| d.notice_id.clone()).collect()
    }

    async fn two_claimers_get_disjoint_deliveries(store: Store) {
        enqueue(&store, (0..12).map(|i| format!("ntc_{i:02}"))).await;
        let now = Utc::now();
        let until = now + chrono::Duration::minutes(1);
        // Both claim at once, each wanting more than half: neither may get a row the other got.
        let (a, b) = tokio::join!(
            store.claim_deliveries("a", now, until, 8),
            store.claim_deliveries("b", now, until, 8),
        );
        let (a, b) = (ids(&a.expect("claim a")), ids(&b.expect("claim b")));
        assert!(a.is_disjoint(&b), "both claimed {:?}", a.intersection(&b));
        assert!(!a.is_empty() || !b.is_empty());
        // A third claimant gets exactly the rest; the held ones stay held.
        let c = ids(&store
            .claim_deliveries("c", now, until, 100)
            .await
            .expect("claim c"));
        assert!(c.is_disjoint(&a) && c.is_disjoint(&b));
        assert_eq!(
            a.len() + b.len() + c.len(),
            12,
            "every delivery claimed once"
        );
        assert!(
            store
                .claim_deliveries("d", now, until, 100)
                .await
                .expect("claim d")
                .is_empty(),
            "nothing left to claim while the claims hold"
        );
    }

    async fn a_lapsed_claim_is_taken_over_and_its_old_holder_refused(store: Store) {
        enqueue(&store, ["ntc_1".to_owned()]).await;
        let now = Utc::now();
        let lease = chrono::Duration::seconds(30);
        let first = store
            .claim_deliveries("dead", now, now + lease, 10)
            .await
            .expect("claim");
        assert_eq!(ids(&first), ["ntc_1".to_owned()].into());
        assert!(
            store
                .claim_deliveries(
                    "live",
                    now + chrono::Duration::seconds(29),
                    now + lease * 2,
                    10
                )
                .await
                .expect("claim")
                .is_empty(),
            "a claim holds until it lapses"
        );
        let after = now + lease + chrono::Duration::seconds(1);
        let taken = store
            .claim_deliveries("live", after, after + lease, 10)
            .await
            .expect("claim");
        assert_eq!(
            ids(&taken),
            ["ntc_1".to_owned()].into(),
            "lapsed claim taken over"
        );

        // The old holder comes back: whatever it tries is refused and changes nothing.
        assert!(
            !store
                .finish_delivery("ntc_1", "dead", Some("case_1"), None)
                .await
                .expect("finish")
        );
        assert!(
            !store
                .retry_delivery("ntc_1", "dead", "down", after)
                .await
                .expect("retry")
        );
        assert!(
            !store
                .postpone_delivery("ntc_1", "dead", after)
                .await
                .expect("postpone")
        );
        assert!(
            !store
                .dead_letter_claimed("ntc_1", "dead", "gone")
                .await
                .expect("dead letter")
        );
        assert_eq!(
            store.delivery_state("ntc_1").await.expect("state"),
            Some(("pending".into(), 0, None))
        );
        assert!(
            store
                .finish_delivery("ntc_1", "live", Some("case_1"), None)
                .await
                .expect("finish")
        );
        assert_eq!(
            store.delivery_state("ntc_1").await.expect("state"),
            Some(("delivered".into(), 1, None))
        );
    }

    async fn a_renewed_claim_does_not_lapse(store: Store) {
        enqueue(&store, ["ntc_1".to_owned(), "ntc_2".to_owned()]).await;
        let now = Utc::now();
        let claimed = store
            .claim_deliveries("a", now, now + chrono::Duration::seconds(10), 1)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1);
        let later = now + chrono::Duration::seconds(60);
        assert_eq!(store.renew_claims("a", later).await.expect("renew"), 1);
        assert_eq!(
            store
                .renew_claims("a", now + chrono::Duration::seconds(5))
                .await
                .expect("renew"),
            0,
            "renewing never shortens a claim"
        );
        let at = now + chrono::Duration::seconds(30);
        let other = store
            .claim_deliveries("b", at, at + chrono::Duration::seconds(10), 10)
            .await
            .expect("claim");
        assert_eq!(other.len(), 1, "only the unclaimed one");
        assert_ne!(other[0].notice_id, claimed[0].notice_id);
    }

    async fn a_delivery_ends_delivered_or_rejected(store: Store) {
        let (ok, refused) = (
            notice("ntc_ok", "acme", "shop"),
            notice("ntc_no", "acme", "shop"),
        );
        for n in [&ok, &refused] {
            store.enqueue_delivery(n, "{}").await.expect("enqueue");
        }
        assert_eq!(store.delivery_state("ntc_x").await.expect("state"), None);
        let until = Utc::now() + chrono::Duration::minutes(1);
        let claimed = store
            .claim_deliveries("me", Utc::now(), until, 10)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 2);
        assert!(
            store
                .finish_delivery(&ok.id, "me", Some("case_9"), None)
                .await
                .expect("delivered")
        );
        assert!(
            store
                .finish_delivery(&refused.id, "me", None, Some("422: missing field"))
                .await
                .expect("rejected")
        );
        assert_eq!(
            store.delivery_state(&ok.id).await.expect("state"),
            Some(("delivered".into(), 1, None))
        );
        assert_eq!(
            store.delivery_state(&refused.id).await.expect("state"),
            Some(("rejected".into(), 1, Some("422: missing field".into())))
        );
        assert_eq!(store.pending_deliveries().await.expect("pending"), 0);
        assert!(
            store
                .due_deliveries(Utc::now() + chrono::Duration::days(1), 10)
                .await
                .expect("due")
                .is_empty()
        );
    }

    async fn a_postponed_delivery_is_due_later_without_an_attempt(store: Store) {
        store
            .enqueue_delivery(&notice("n1", "acme", "shop"), "{}")
            .await
            .expect("enqueue");
        let later = Utc::now() + Duration::minutes(5);
        let claimed = store
            .claim_deliveries("me", Utc::now(), later, 10)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1);
        assert!(
            store
                .postpone_delivery("n1", "me", later)
                .await
                .expect("postpone")
        );
        assert!(
            store
                .due_deliveries(Utc::now(), 10)
                .await
                .expect("due")
                .is_empty()
        );
        let due = store.due_deliveries(later, 10).await.expect("due");
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].attempts, 0, "postponing is not an attempt");
    }
}
