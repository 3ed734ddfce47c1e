//! Exhibitors: a trade-fair catalog's companies with their booth and products, one row per
//! exhibitor id, rewritten on each recrawl.

use takedown_model::Exhibitor;

use crate::{Store, StoreResult, from_json, to_json};

impl Store {
    /// Stores the exhibitor, replacing what a previous crawl stored under its id.
    pub async fn upsert_exhibitor(&self, exhibitor: &Exhibitor) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO exhibitors (id, fair, body) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET fair = excluded.fair, body = excluded.body",
        )
        .bind(&exhibitor.id)
        .bind(&exhibitor.fair)
        .bind(to_json(exhibitor))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every exhibitor, by fair and id.
    pub async fn exhibitors(&self) -> StoreResult<Vec<Exhibitor>> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM exhibitors ORDER BY fair, id")
                .fetch_all(&self.pool)
                .await?;
        bodies
            .iter()
            .map(|body| from_json("exhibitor", body))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::Exhibitor;

    use crate::{Store, testkit::on_both_backends};

    on_both_backends!(exhibitors_read_back_as_written_one_row_each,);

    async fn exhibitors_read_back_as_written_one_row_each(store: Store) {
        let exhibitor = |id: &str, fair: &str, company: &str| Exhibitor {
            id: id.into(),
            fair: fair.into(),
            booth: "A1".into(),
            company: company.into(),
            products: vec![],
        };
        store
            .upsert_exhibitor(&exhibitor("x2", "fair-b", "Old"))
            .await
            .expect("exhibitor");
        store
            .upsert_exhibitor(&exhibitor("x2", "fair-a", "New"))
            .await
            .expect("exhibitor again");
        store
            .upsert_exhibitor(&exhibitor("x1", "fair-b", "Other"))
            .await
            .expect("exhibitor");
        assert_eq!(
            store.exhibitors().await.expect("exhibitors"),
            [
                exhibitor("x2", "fair-a", "New"),
                exhibitor("x1", "fair-b", "Other")
            ]
        );
    }
}
