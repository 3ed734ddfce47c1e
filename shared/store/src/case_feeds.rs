//! The read position in each platform's case-event feed: the last sequence number the
//! notifier's feed poller published, so a restart resumes after it.

use crate::{Store, StoreResult};

impl Store {
    /// The last case-feed sequence number published for `platform` (0 before the first).
    pub async fn case_feed_position(&self, platform: &str) -> StoreResult<i64> {
        let last_seq: Option<i64> =
            sqlx::query_scalar("SELECT last_seq FROM case_feeds WHERE platform = $1")
                .bind(platform)
                .fetch_optional(&self.pool)
                .await?;
        Ok(last_seq.unwrap_or(0))
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
    use crate::{Store, testkit::on_both_backends};

    on_both_backends!(the_feed_position_survives_and_never_moves_back,);

    async fn the_feed_position_survives_and_never_moves_back(store: Store) {
        assert_eq!(store.case_feed_position("shop").await.expect("pos"), 0);
        store.set_case_feed_position("shop", 7).await.expect("set");
        store.set_case_feed_position("shop", 3).await.expect("set");
        assert_eq!(store.case_feed_position("shop").await.expect("pos"), 7);
        store.set_case_feed_position("shop", 9).await.expect("set");
        assert_eq!(store.case_feed_position("shop").await.expect("pos"), 9);
        assert_eq!(store.case_feed_position("bazaar").await.expect("pos"), 0);
    }
}
