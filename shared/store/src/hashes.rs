//! The perceptual hashes of listing images already seen, and the record of retro-hunts done.
//!
//! The matcher writes a listing's image hashes when it handles the listing; when a right is
//! registered later it pages through them (retro-hunt) and records that the right, as
//! registered, has been hunted, so a second pass finds nothing left to do.

use std::collections::HashSet;

use takedown_model::{HashedImage, RegionHash};

use crate::{Store, StoreResult, from_json, now_text, to_json};

/// One stored image of a listing with its hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredImageHashes {
    /// The listing the image appears on.
    pub listing_id: String,
    /// The image's place among the listing's images.
    pub position: u32,
    /// The image's digest and hashes (never refused: refused images are not stored).
    pub image: HashedImage,
}

/// One stored image's digest and hashes (JSON text), as both hash queries select them.
#[derive(sqlx::FromRow)]
struct ImageHashesRow {
    image_digest: String,
    hashes: String,
}

impl ImageHashesRow {
    fn into_image(self) -> StoreResult<HashedImage> {
        let hashes: Vec<RegionHash> = from_json("listing image hashes", &self.hashes)?;
        Ok(HashedImage {
            digest: self.image_digest,
            hashes,
            refused: None,
        })
    }
}

/// A `listing_image_hashes` row with the listing it belongs to and its place there.
#[derive(sqlx::FromRow)]
struct StoredImageHashesRow {
    listing_id: String,
    position: i64,
    #[sqlx(flatten)]
    image: ImageHashesRow,
}

/// A `retro_hunts` row: the right hunted, as registered.
#[derive(sqlx::FromRow)]
struct RetroHuntRow {
    right_id: String,
    fingerprint: String,
}

impl Store {
    /// Replaces the stored hashes of `listing_id` with those of `images` (images refused by
    /// the hasher have none and are left out). Writing the same listing twice leaves the
    /// same rows; a recrawl that dropped an image drops its row, so a retro-hunt never
    /// cites an image the listing no longer shows.
    pub async fn put_listing_image_hashes(
        &self,
        listing_id: &str,
        images: &[HashedImage],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM listing_image_hashes WHERE listing_id = $1")
            .bind(listing_id)
            .execute(&mut *tx)
            .await?;
        let now = now_text();
        for (position, image) in images.iter().enumerate() {
            if image.hashes.is_empty() {
                continue;
            }
            // The same picture shown twice is one row, at its first place.
            sqlx::query(
                "INSERT INTO listing_image_hashes
                     (listing_id, image_digest, position, hashes, stored_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
            )
            .bind(listing_id)
            .bind(&image.digest)
            .bind(position as i64)
            .bind(to_json(&image.hashes))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stored images of one listing, in their order on the listing.
    pub async fn listing_image_hashes(&self, listing_id: &str) -> StoreResult<Vec<HashedImage>> {
        let rows: Vec<ImageHashesRow> = sqlx::query_as(
            "SELECT image_digest, hashes FROM listing_image_hashes
             WHERE listing_id = $1 ORDER BY position",
        )
        .bind(listing_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ImageHashesRow::into_image).collect()
    }

    /// Up to `limit` stored images after the (listing id, image digest) `after`, in that
    /// order: the pages a retro-hunt reads, each one index range scan.
    pub async fn listing_image_hashes_page(
        &self,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> StoreResult<Vec<StoredImageHashes>> {
        let (listing, digest) = after.unwrap_or(("", ""));
        let rows: Vec<StoredImageHashesRow> = sqlx::query_as(
            "SELECT listing_id, image_digest, position, hashes FROM listing_image_hashes
             WHERE listing_id > $1 OR (listing_id = $1 AND image_digest > $2)
             ORDER BY listing_id, image_digest LIMIT $3",
        )
        .bind(listing)
        .bind(digest)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(StoredImageHashes {
                    listing_id: row.listing_id,
                    position: u32::try_from(row.position).unwrap_or(u32::MAX),
                    image: row.image.into_image()?,
                })
            })
            .collect()
    }

    /// Number of stored listing images.
    pub async fn listing_image_hash_count(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM listing_image_hashes")
            .fetch_one(&self.pool)
            .await?;
        Ok(n.max(0) as u64)
    }

    /// Records that the right `right_id`, registered as `fingerprint`, was hunted against
    /// every stored listing hash and gave `matches` matches. Recording it again keeps the
    /// first record.
    pub async fn finish_retro_hunt(
        &self,
        right_id: &str,
        fingerprint: &str,
        matches: u64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO retro_hunts (right_id, fingerprint, matches, finished_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(right_id)
        .bind(fingerprint)
        .bind(i64::try_from(matches).unwrap_or(i64::MAX))
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every (right id, fingerprint) already hunted.
    pub async fn retro_hunts_done(&self) -> StoreResult<HashSet<(String, String)>> {
        let rows: Vec<RetroHuntRow> =
            sqlx::query_as("SELECT right_id, fingerprint FROM retro_hunts")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|hunt| (hunt.right_id, hunt.fingerprint))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::{HashedImage, RegionHash};

    use crate::{Store, testkit::on_both_backends};

    on_both_backends!(
        listing_hashes_are_replaced_per_listing_and_paged_in_key_order,
        retro_hunts_are_recorded_once,
    );

    fn image(digest: &str, bits: &str) -> HashedImage {
        HashedImage {
            digest: digest.into(),
            hashes: vec![
                RegionHash {
                    algorithm: "phash64".into(),
                    bits: bits.into(),
                    region: None,
                },
                RegionHash {
                    algorithm: "phash64".into(),
                    bits: bits.into(),
                    region: Some([0.0, 0.25, 0.5, 0.5]),
                },
            ],
            refused: None,
        }
    }

    async fn listing_hashes_are_replaced_per_listing_and_paged_in_key_order(store: Store) {
        let refused = HashedImage {
            digest: "bad".into(),
            hashes: vec![],
            refused: Some("too small".into()),
        };
        let first = [
            image("d2", "00000000000000ff"),
            refused,
            image("d1", "0000000000000001"),
        ];
        store
            .put_listing_image_hashes("lst_b", &first)
            .await
            .expect("put");
        store
            .put_listing_image_hashes("lst_b", &first)
            .await
            .expect("put again");
        assert_eq!(
            store.listing_image_hashes("lst_b").await.expect("read"),
            [first[0].clone(), first[2].clone()],
            "listing order, refused image left out, no duplicates"
        );
        store
            .put_listing_image_hashes("lst_a", &[image("d9", "ffffffffffffffff")])
            .await
            .expect("put");
        assert_eq!(store.listing_image_hash_count().await.expect("count"), 3);

        let mut seen = Vec::new();
        let mut after: Option<(String, String)> = None;
        for _ in 0..10 {
            let page = store
                .listing_image_hashes_page(after.as_ref().map(|(l, d)| (l.as_str(), d.as_str())), 2)
                .await
                .expect("page");
            let Some(last) = page.last() else { break };
            after = Some((last.listing_id.clone(), last.image.digest.clone()));
            seen.extend(
                page.iter()
                    .map(|s| (s.listing_id.clone(), s.image.digest.clone(), s.position)),
            );
        }
        let key = |l: &str, d: &str, p: u32| (l.to_owned(), d.to_owned(), p);
        assert_eq!(
            seen,
            [
                key("lst_a", "d9", 0),
                key("lst_b", "d1", 2),
                key("lst_b", "d2", 0)
            ]
        );

        // A recrawl without d2: its row goes.
        store
            .put_listing_image_hashes("lst_b", &[image("d1", "0000000000000001")])
            .await
            .expect("replace");
        let digests: Vec<String> = store
            .listing_image_hashes("lst_b")
            .await
            .expect("read")
            .into_iter()
            .map(|i| i.digest)
            .collect();
        assert_eq!(digests, ["d1"]);
    }

    async fn retro_hunts_are_recorded_once(store: Store) {
        assert!(store.retro_hunts_done().await.expect("read").is_empty());
        store
            .finish_retro_hunt("r1", "fp1", 3)
            .await
            .expect("finish");
        store
            .finish_retro_hunt("r1", "fp1", 3)
            .await
            .expect("again");
        store
            .finish_retro_hunt("r1", "fp2", 0)
            .await
            .expect("changed right");
        let done = store.retro_hunts_done().await.expect("read");
        assert_eq!(done.len(), 2);
        assert!(done.contains(&("r1".to_owned(), "fp1".to_owned())));
        assert!(done.contains(&("r1".to_owned(), "fp2".to_owned())));
    }
}
