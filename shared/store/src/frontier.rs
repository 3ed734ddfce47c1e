//! The crawl frontier: every URL a source's crawl has found, in discovery order, with its
//! state (pending, done, failed) and the validators (ETag, Last-Modified) it was served with.

use crate::{Store, StoreResult, now_text};

/// A URL waiting in the frontier.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FrontierEntry {
    /// The URL as the crawler normalized it.
    pub url: String,
    /// Links followed from a start URL to reach it; the crawler stops following at its maximum.
    #[sqlx(try_from = "i64")]
    pub depth: u32,
}

/// The validators a URL was last served with, for a conditional GET.
#[derive(sqlx::FromRow)]
struct ValidatorsRow {
    etag: Option<String>,
    last_modified: Option<String>,
}

/// A source's frontier counted by state (see [`Store::frontier_counts`]).
#[derive(sqlx::FromRow)]
struct FrontierCountsRow {
    pending: i64,
    done: i64,
    failed: i64,
}

impl Store {
    /// Adds `url` to the source's frontier unless it is already known; true if it was new.
    pub async fn frontier_add(&self, source_id: &str, url: &str, depth: u32) -> StoreResult<bool> {
        let result = sqlx::query(
            // MAX(seq) is one probe of the `frontier_seq` index (migration 0005), not a scan.
            "INSERT INTO frontier (source_id, url, depth, state, seq)
             VALUES ($1, $2, $3, 'pending', COALESCE((SELECT MAX(seq) FROM frontier), 0) + 1)
             ON CONFLICT DO NOTHING",
        )
        .bind(source_id)
        .bind(url)
        .bind(i64::from(depth))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The next pending URLs in discovery order. What was in flight at a crash is still
    /// pending, so a restart fetches it again; what was done is never fetched again.
    pub async fn frontier_pending(
        &self,
        source_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<FrontierEntry>> {
        let rows: Vec<FrontierEntry> = sqlx::query_as(
            "SELECT url, depth FROM frontier WHERE source_id = $1 AND state = 'pending'
             ORDER BY seq LIMIT $2",
        )
        .bind(source_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// Marks a URL as finished: `failed` with the reason, or `done`.
    pub async fn frontier_finish(
        &self,
        source_id: &str,
        url: &str,
        failure: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE frontier SET state = $1, detail = $2 WHERE source_id = $3 AND url = $4",
        )
        .bind(if failure.is_some() { "failed" } else { "done" })
        .bind(failure)
        .bind(source_id)
        .bind(url)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks a URL as done, keeping the validators it was served with (ETag,
    /// Last-Modified) and the time, for a later conditional recrawl.
    pub async fn frontier_done(
        &self,
        source_id: &str,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE frontier SET state = 'done', detail = NULL, etag = $1, last_modified = $2,
                    fetched_at = $3
             WHERE source_id = $4 AND url = $5",
        )
        .bind(etag)
        .bind(last_modified)
        .bind(now_text())
        .bind(source_id)
        .bind(url)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The (ETag, Last-Modified) a URL was last served with, if any.
    pub async fn frontier_validators(
        &self,
        source_id: &str,
        url: &str,
    ) -> StoreResult<(Option<String>, Option<String>)> {
        let row: Option<ValidatorsRow> = sqlx::query_as(
            "SELECT etag, last_modified FROM frontier WHERE source_id = $1 AND url = $2",
        )
        .bind(source_id)
        .bind(url)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|row| (row.etag, row.last_modified))
            .unwrap_or_default())
    }

    /// Makes done URLs fetched before `cutoff` (or at an unknown time) pending again, for a
    /// recrawl; returns how many.
    pub async fn frontier_requeue_done_before(
        &self,
        source_id: &str,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<u64> {
        let result = sqlx::query(
            "UPDATE frontier SET state = 'pending'
             WHERE source_id = $1 AND state = 'done' AND (fetched_at IS NULL OR fetched_at < $2)",
        )
        .bind(source_id)
        .bind(crate::time_text(cutoff))
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Makes failed URLs whose failure detail starts with `detail_prefix` pending again
    /// (the crawler marks transient failures so); returns how many.
    pub async fn frontier_requeue_failed(
        &self,
        source_id: &str,
        detail_prefix: &str,
    ) -> StoreResult<u64> {
        let result = sqlx::query(
            "UPDATE frontier SET state = 'pending'
             WHERE source_id = $1 AND state = 'failed'
               AND substr(detail, 1, length($2)) = $2",
        )
        .bind(source_id)
        .bind(detail_prefix)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// (pending, done, failed) counts of a source's frontier.
    pub async fn frontier_counts(&self, source_id: &str) -> StoreResult<(u64, u64, u64)> {
        let counts: FrontierCountsRow = sqlx::query_as(
            "SELECT COUNT(*) FILTER (WHERE state = 'pending') AS pending,
                    COUNT(*) FILTER (WHERE state = 'done') AS done,
                    COUNT(*) FILTER (WHERE state = 'failed') AS failed
             FROM frontier WHERE source_id = $1",
        )
        .bind(source_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((
            counts.pending.max(0) as u64,
            counts.done.max(0) as u64,
            counts.failed.max(0) as u64,
        ))
    }

    /// Pages fetched so far by a source (done or failed): the page budget counts these.
    pub async fn frontier_visited(&self, source_id: &str) -> StoreResult<u64> {
        let (_, done, failed) = self.frontier_counts(source_id).await?;
        Ok(done + failed)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Backend, FrontierEntry, Store, testkit::on_both_backends};

    on_both_backends!(
        new_urls_are_queued_once_in_discovery_order,
        done_urls_keep_validators_and_fall_due_after_the_cutoff,
        the_next_frontier_number_is_an_index_probe,
    );

    fn entry(url: &str, depth: u32) -> FrontierEntry {
        FrontierEntry {
            url: url.into(),
            depth,
        }
    }

    async fn new_urls_are_queued_once_in_discovery_order(store: Store) {
        assert!(store.frontier_add("s", "http://h/b", 0).await.expect("add"));
        assert!(store.frontier_add("s", "http://h/a", 1).await.expect("add"));
        assert!(store.frontier_add("t", "http://h/a", 0).await.expect("add"));
        assert!(store.frontier_add("s", "http://h/c", 2).await.expect("add"));
        assert!(
            !store
                .frontier_add("s", "http://h/a", 5)
                .await
                .expect("again"),
            "a known URL is not queued again"
        );
        assert_eq!(
            store.frontier_pending("s", 2).await.expect("pending"),
            [entry("http://h/b", 0), entry("http://h/a", 1)],
            "discovery order, not URL order; the first depth stands"
        );
        store
            .frontier_finish("s", "http://h/b", None)
            .await
            .expect("done");
        store
            .frontier_finish("s", "http://h/a", Some("404"))
            .await
            .expect("failed");
        assert_eq!(
            store.frontier_pending("s", 10).await.expect("pending"),
            [entry("http://h/c", 2)]
        );
        assert_eq!(store.frontier_counts("s").await.expect("counts"), (1, 1, 1));
        assert_eq!(store.frontier_visited("s").await.expect("visited"), 2);
        assert_eq!(store.frontier_counts("t").await.expect("counts"), (1, 0, 0));
        assert_eq!(
            store.frontier_counts("none").await.expect("counts"),
            (0, 0, 0)
        );
    }

    async fn done_urls_keep_validators_and_fall_due_after_the_cutoff(store: Store) {
        store.frontier_add("s", "http://h/a", 0).await.expect("add");
        store.frontier_add("s", "http://h/b", 0).await.expect("add");
        store
            .frontier_done(
                "s",
                "http://h/a",
                Some("\"e1\""),
                Some("Wed, 21 Oct 2015 07:28:00 GMT"),
            )
            .await
            .expect("done");
        assert_eq!(
            store
                .frontier_validators("s", "http://h/a")
                .await
                .expect("validators"),
            (
                Some("\"e1\"".to_owned()),
                Some("Wed, 21 Oct 2015 07:28:00 GMT".to_owned())
            )
        );
        assert_eq!(
            store
                .frontier_validators("s", "http://h/b")
                .await
                .expect("validators"),
            (None, None)
        );

        // Fetched after the cutoff: not due yet.
        let before = chrono::Utc::now() - chrono::Duration::hours(1);
        assert_eq!(
            store
                .frontier_requeue_done_before("s", before)
                .await
                .expect("requeue"),
            0
        );
        let after = chrono::Utc::now() + chrono::Duration::seconds(1);
        assert_eq!(
            store
                .frontier_requeue_done_before("s", after)
                .await
                .expect("requeue"),
            1
        );
        assert_eq!(store.frontier_counts("s").await.expect("counts"), (2, 0, 0));
        store
            .frontier_finish("s", "http://h/b", Some("transient: 503"))
            .await
            .expect("fail");
        store
            .frontier_finish("s", "http://h/a", Some("404"))
            .await
            .expect("fail");
        assert_eq!(
            store
                .frontier_requeue_failed("s", "transient:")
                .await
                .expect("requeue"),
            1
        );
        assert_eq!(store.frontier_counts("s").await.expect("counts"), (1, 0, 1));
        // A requeued URL keeps its validators for the conditional GET.
        assert!(
            store
                .frontier_validators("s", "http://h/a")
                .await
                .expect("v")
                .0
                .is_some()
        );
    }

    /// The crawler numbers every new URL MAX(seq) + 1: that must be answered from the
    /// `frontier_seq` index, not by scanning the frontier once per URL.
    async fn the_next_frontier_number_is_an_index_probe(store: Store) {
        let next = "SELECT COALESCE((SELECT MAX(seq) FROM frontier), 0) + 1";
        let mut conn = store.pool().acquire().await.expect("connection");
        let plan: Vec<String> = match store.backend() {
            Backend::Sqlite => {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {next}")))
                    .fetch_all(&mut *conn)
                    .await
                    .expect("explain");
                rows.iter()
                    .map(|r| sqlx::Row::get::<String, _>(r, "detail"))
                    .collect()
            }
            Backend::Postgres => {
                // On a near-empty table the planner rightly prefers a scan; forbid it to
                // see whether the index can answer at all.
                sqlx::query("SET enable_seqscan = off")
                    .execute(&mut *conn)
                    .await
                    .expect("set");
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("EXPLAIN {next}")))
                    .fetch_all(&mut *conn)
                    .await
                    .expect("explain")
            }
        };
        let plan = plan.join("\n");
        assert!(plan.contains("frontier_seq"), "plan: {plan}");
    }
}
