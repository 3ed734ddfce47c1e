//! Dead letters: deliveries the platform refused or that ran out of attempts, kept in the
//! outbox table (state `dead`) with their reason until an operator re-queues them.

use crate::{Store, StoreResult, now_text};

/// A delivery that will not be retried until someone re-queues it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeadLetter {
    /// The notice whose delivery was given up.
    pub notice_id: String,
    /// The platform it was addressed to.
    pub platform: String,
    /// Attempts made, the one that failed included.
    #[sqlx(try_from = "i64")]
    pub attempts: u32,
    /// Why it was given up: the platform's refusal or the last error.
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
        let rows: Vec<DeadLetter> = sqlx::query_as(
            "SELECT notice_id, platform, attempts, COALESCE(last_error, '') AS reason FROM deliveries
             WHERE state = 'dead' ORDER BY notice_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
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
}

#[cfg(test)]
mod tests {
    use crate::{
        Store,
        testkit::{fixtures::notice, on_both_backends},
    };

    on_both_backends!(dead_letters_are_kept_listed_and_requeued,);

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
}
