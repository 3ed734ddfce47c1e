//! Captures: the record of each fetch (address, time, status, the digests of its body and
//! WARC records), written once and never overwritten — the evidence notices cite.

use takedown_model::Capture;

use crate::{
    Store, StoreResult,
    evidence_log::{LeafKind, capture_leaf, queue_leaf},
    from_json, to_json,
};

impl Store {
    /// Records a fetch and queues its leaf in the evidence log, together; a capture with this
    /// id already stored is kept as it was (evidence is never overwritten), and its leaf too.
    pub async fn insert_capture(&self, capture: &Capture) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO captures (id, url, body, fetched_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(&capture.id)
        .bind(&capture.url)
        .bind(to_json(capture))
        .bind(crate::time_text(capture.fetched_at))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            // The leaf describes the row as first written; a repeated write changes neither.
            queue_leaf(
                &mut tx,
                LeafKind::Capture,
                &capture.id,
                &capture_leaf(capture),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The capture with this id, if stored.
    pub async fn capture(&self, id: &str) -> StoreResult<Option<Capture>> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM captures WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        body.map(|body| from_json("capture", &body)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        Store,
        testkit::{fixtures, on_both_backends},
    };

    on_both_backends!(a_capture_is_written_once_and_never_overwritten,);

    async fn a_capture_is_written_once_and_never_overwritten(store: Store) {
        let capture = fixtures::capture("cap_1", "http://shop.test/1");
        store.insert_capture(&capture).await.expect("capture");
        let mut changed = capture.clone();
        changed.status = 500;
        store.insert_capture(&changed).await.expect("capture again");
        assert_eq!(
            store.capture("cap_1").await.expect("read"),
            Some(capture),
            "evidence is written once and never overwritten"
        );
        assert_eq!(store.capture("cap_2").await.expect("read"), None);
    }
}
