//! The notifier's own bookkeeping beyond the outbox: dead letters (deliveries the platform
//! refused or that ran out of attempts, kept with their reason until re-queued), postponing
//! a delivery without counting an attempt (circuit open, rate limit), and the read position
//! in each platform's case-event feed.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{Store, StoreResult, now_text, time_text};

/// A delivery that will not be retried until someone re-queues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub notice_id: String,
    pub platform: String,
    pub attempts: u32,
    pub reason: String,
}

impl Store {
    /// Moves a delivery to the dead letters with `reason` (counting the attempt that failed),
    /// whoever holds it: an operator's action. The notifier uses [`Store::dead_letter_claimed`].
    pub async fn dead_letter(&self, notice_id: &str, reason: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE deliveries SET state = 'dead', last_error = $1, attempts = attempts + 1,
                 claimed_by = NULL, claimed_until = NULL
             WHERE notice_id = $2",
        )
        .bind(reason)
        .bind(notice_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every dead letter, by notice id.
    pub async fn dead_letters(&self) -> StoreResult<Vec<DeadLetter>> {
        let rows = sqlx::query(
            "SELECT notice_id, platform, attempts, COALESCE(last_error, '') FROM deliveries
             WHERE state = 'dead' ORDER BY notice_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| DeadLetter {
                notice_id: r.get(0),
                platform: r.get(1),
                attempts: r.get::<i64, _>(2) as u32,
                reason: r.get(3),
            })
            .collect())
    }

    /// Puts a dead letter back in the outbox, due now, with its attempts reset; true if it
    /// was a dead letter.
    pub async fn requeue(&self, notice_id: &str) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1
             WHERE notice_id = $2 AND state = 'dead'",
        )
        .bind(now_text())
        .bind(notice_id)
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

    /// [`Store::dead_letter`] for the notifier that holds the delivery's claim; releases it.
    /// False, changing nothing, when the claim is not `claimant`'s.
    pub async fn dead_letter_claimed(
        &self,
        notice_id: &str,
        claimant: &str,
        reason: &str,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE deliveries SET state = 'dead', last_error = $1, attempts = attempts + 1,
                 claimed_by = NULL, claimed_until = NULL
             WHERE notice_id = $2 AND claimed_by = $3",
        )
        .bind(reason)
        .bind(notice_id)
        .bind(claimant)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The last case-feed sequence number published for `platform` (0 before the first).
    pub async fn case_feed_position(&self, platform: &str) -> StoreResult<i64> {
        let row = sqlx::query("SELECT last_seq FROM case_feeds WHERE platform = $1")
            .bind(platform)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get(0)).unwrap_or(0))
    }

    /// Records that everything up to `seq` was published; never moves backwards.
    pub async fn set_case_feed_position(&self, platform: &str, seq: i64) -> StoreResult<()> {
        sqlx::query(
            // A conditional update rather than SQLite's two-argument MAX (PostgreSQL's is
            // GREATEST): the row is only touched when the position moves forward.
            "INSERT INTO case_feeds (platform, last_seq) VALUES ($1, $2)
             ON CONFLICT (platform) DO UPDATE SET last_seq = excluded.last_seq
             WHERE excluded.last_seq > case_feeds.last_seq",
        )
        .bind(platform)
        .bind(seq)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use crate::{
        Store,
        testkit::{fixtures::notice, on_both_backends},
    };

    on_both_backends!(
        dead_letters_are_kept_listed_and_requeued,
        the_feed_position_survives_and_never_moves_back,
        a_postponed_delivery_is_due_later_without_an_attempt,
    );

    async fn dead_letters_are_kept_listed_and_requeued(store: Store) {
        store
            .enqueue_delivery(&notice("n1", "acme", "shop"), "{}")
            .await
            .expect("enqueue");
        store
            .enqueue_delivery(&notice("n2", "acme", "shop"), "{}")
            .await
            .expect("enqueue");
        store
            .dead_letter("n1", "platform answered 422")
            .await
            .expect("dead");
        let dead = store.dead_letters().await.expect("list");
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].reason, "platform answered 422");
        assert_eq!(dead[0].attempts, 1);
        assert_eq!(store.pending_deliveries().await.expect("pending"), 1);
        assert!(store.requeue("n1").await.expect("requeue"));
        assert!(!store.requeue("n2").await.expect("not dead"));
        assert!(store.dead_letters().await.expect("list").is_empty());
        assert_eq!(store.pending_deliveries().await.expect("pending"), 2);
        assert_eq!(
            store
                .delivery_state("n1")
                .await
                .expect("state")
                .map(|s| s.1),
            Some(0),
            "a requeued delivery starts its attempts afresh"
        );
    }

    async fn the_feed_position_survives_and_never_moves_back(store: Store) {
        assert_eq!(store.case_feed_position("shop").await.expect("pos"), 0);
        store.set_case_feed_position("shop", 7).await.expect("set");
        store.set_case_feed_position("shop", 3).await.expect("set");
        assert_eq!(store.case_feed_position("shop").await.expect("pos"), 7);
        store.set_case_feed_position("shop", 9).await.expect("set");
        assert_eq!(store.case_feed_position("shop").await.expect("pos"), 9);
        assert_eq!(store.case_feed_position("bazaar").await.expect("pos"), 0);
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
