//! Listings: what the crawler extracted from each product page (seller, title, price, images,
//! the capture it came from), one row per listing id, rewritten on each recrawl.

use takedown_model::Listing;

use crate::{Store, StoreResult, from_json, now_text, to_json};

impl Store {
    /// Stores the listing, replacing what a previous crawl stored under its id.
    pub async fn upsert_listing(&self, listing: &Listing) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO listings (id, source_id, url, body, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(&listing.id)
        .bind(&listing.source_id)
        .bind(&listing.url)
        .bind(to_json(listing))
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The listing with this id, if stored.
    pub async fn listing(&self, id: &str) -> StoreResult<Option<Listing>> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM listings WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        body.map(|body| from_json("listing", &body)).transpose()
    }

    /// Listings, optionally of one source, in URL order.
    pub async fn listings(&self, source_id: Option<&str>) -> StoreResult<Vec<Listing>> {
        let bodies: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM listings WHERE $1 IS NULL OR source_id = $1 ORDER BY url",
        )
        .bind(source_id)
        .fetch_all(&self.pool)
        .await?;
        bodies
            .iter()
            .map(|body| from_json("listing", body))
            .collect()
    }

    /// Up to `limit` listings with ids after `after_id`, in id order: the pages a word-mark
    /// retro-hunt reads. Keyset paging on the primary key, so each page is one index range
    /// scan however deep into the table it is, and memory stays one page whatever the size.
    pub async fn listings_page(
        &self,
        after_id: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Listing>> {
        // Every listing id is longer than "" (`stable_id` output), so "" starts at the top.
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM listings WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after_id.unwrap_or(""))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        bodies
            .iter()
            .map(|body| from_json("listing", body))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::{Listing, SourceKind};

    use crate::{Store, testkit::on_both_backends};

    on_both_backends!(
        listings_read_back_as_written_one_row_each,
        listings_are_paged_by_id_after_a_key,
    );

    fn listing(source: &str, url: &str, title: &str) -> Listing {
        Listing {
            id: takedown_model::stable_id("lst", &[source, url]),
            source_id: source.into(),
            source_kind: SourceKind::Marketplace,
            platform: "shop".into(),
            url: url.into(),
            seller: "s".into(),
            title: title.into(),
            price: Some("9.99".into()),
            currency: Some("EUR".into()),
            images: vec![],
            captured_at: chrono::Utc::now(),
            capture_id: "cap".into(),
            exhibitor: None,
            market: None,
            provenance: Default::default(),
        }
    }

    async fn listings_read_back_as_written_one_row_each(store: Store) {
        let b = listing("s", "http://shop.test/b", "first");
        store.upsert_listing(&b).await.expect("listing");
        let b = listing("s", "http://shop.test/b", "second");
        store.upsert_listing(&b).await.expect("listing again");
        let a = listing("s", "http://shop.test/a", "A");
        store.upsert_listing(&a).await.expect("listing");
        let other = listing("t", "http://other.test/0", "other");
        store.upsert_listing(&other).await.expect("listing");
        assert_eq!(store.listing(&b.id).await.expect("read"), Some(b.clone()));
        assert_eq!(store.listing("lst_missing").await.expect("read"), None);
        assert_eq!(
            store.listings(Some("s")).await.expect("of s"),
            [a.clone(), b.clone()],
            "one row per listing, in URL order"
        );
        assert_eq!(
            store.listings(None).await.expect("all"),
            [other, a, b],
            "every source, in URL order"
        );
    }

    async fn listings_are_paged_by_id_after_a_key(store: Store) {
        assert!(
            store
                .listings_page(None, 10)
                .await
                .expect("page")
                .is_empty(),
            "an empty store has one empty page"
        );
        let mut written = Vec::new();
        for n in 0..7 {
            let mut l = listing("s", &format!("http://shop.test/{n}"), &format!("item {n}"));
            if n == 3 {
                l.market = Some("DE".into());
            }
            store.upsert_listing(&l).await.expect("listing");
            written.push(l);
        }
        // Rewritten: still one row.
        store.upsert_listing(&written[0]).await.expect("again");
        written.sort_by(|a, b| a.id.cmp(&b.id));

        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        for _ in 0..10 {
            let page = store
                .listings_page(after.as_deref(), 3)
                .await
                .expect("page");
            let Some(last) = page.last() else { break };
            assert!(page.len() <= 3, "a page holds at most the limit");
            after = Some(last.id.clone());
            seen.extend(page);
            pages += 1;
        }
        assert_eq!(pages, 3, "7 listings in pages of 3");
        assert_eq!(seen, written, "each listing once, in id order, as written");
        assert_eq!(
            store
                .listings_page(Some(&written[4].id), 100)
                .await
                .expect("page"),
            written[5..],
            "strictly after the key"
        );
    }
}
