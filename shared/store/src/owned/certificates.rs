//! Registration certificates: what a brand owner uploaded for one of its rights. The bytes
//! live in the blob store under their digest; this row holds the metadata, scoped by owner.

use crate::{Store, StoreResult};

/// One right's certificate as stored (the bytes are the blob `digest`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Certificate {
    /// The right it certifies.
    pub right_id: String,
    /// The owner of that right; every read and write is scoped by it.
    pub owner_id: String,
    /// SHA-256 of the file, its name in the blob store.
    pub digest: String,
    /// The file's size in bytes.
    pub size: i64,
    /// The sniffed media type (`application/pdf`, `image/png`, `image/jpeg`).
    pub media_type: String,
    /// RFC 3339 upload time.
    pub uploaded_at: String,
    /// The actor who uploaded it, as the audit log names actors.
    pub uploaded_by: String,
}

impl Store {
    /// Records (or replaces) the certificate of `cert.right_id`. False if the right is not
    /// the owner's, or its certificate row belongs to another owner (nothing is written).
    pub async fn put_certificate(&self, cert: &Certificate) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO right_certificates
                 (right_id, owner_id, digest, size, media_type, uploaded_at, uploaded_by)
             SELECT $1, $2, $3, $4, $5, $6, $7
             WHERE EXISTS (SELECT 1 FROM rights WHERE id = $1 AND owner_id = $2)
             ON CONFLICT (right_id) DO UPDATE SET digest = excluded.digest,
                 size = excluded.size, media_type = excluded.media_type,
                 uploaded_at = excluded.uploaded_at, uploaded_by = excluded.uploaded_by
             WHERE right_certificates.owner_id = excluded.owner_id",
        )
        .bind(&cert.right_id)
        .bind(&cert.owner_id)
        .bind(&cert.digest)
        .bind(cert.size)
        .bind(&cert.media_type)
        .bind(&cert.uploaded_at)
        .bind(&cert.uploaded_by)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The certificate of the owner's right, if one was uploaded.
    pub async fn certificate_of(
        &self,
        owner_id: &str,
        right_id: &str,
    ) -> StoreResult<Option<Certificate>> {
        let row: Option<Certificate> = sqlx::query_as(
            "SELECT right_id, owner_id, digest, size, media_type, uploaded_at, uploaded_by
             FROM right_certificates WHERE owner_id = $1 AND right_id = $2",
        )
        .bind(owner_id)
        .bind(right_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::TenantKind;

    use super::Certificate;
    use crate::{
        Store,
        testkit::{
            fixtures::{right, tenant},
            on_both_backends,
        },
    };

    on_both_backends!(a_certificate_is_recorded_for_its_owners_right_only);

    fn cert(right_id: &str, owner_id: &str, digest: &str) -> Certificate {
        Certificate {
            right_id: right_id.into(),
            owner_id: owner_id.into(),
            digest: digest.repeat(64),
            size: 1234,
            media_type: "application/pdf".into(),
            uploaded_at: "2026-01-01T00:00:00.000000Z".into(),
            uploaded_by: "k1".into(),
        }
    }

    async fn a_certificate_is_recorded_for_its_owners_right_only(store: Store) {
        for id in ["a", "b"] {
            store
                .upsert_tenant(&tenant(id, TenantKind::BrandOwner))
                .await
                .expect("tenant");
        }
        store.upsert_right(&right("r1", "a")).await.expect("right");
        assert!(
            !store
                .put_certificate(&cert("r1", "b", "b"))
                .await
                .expect("put"),
            "not b's right"
        );
        assert!(
            !store
                .put_certificate(&cert("nope", "a", "a"))
                .await
                .expect("put"),
            "no such right"
        );
        assert_eq!(store.certificate_of("a", "r1").await.expect("read"), None);
        assert!(
            store
                .put_certificate(&cert("r1", "a", "a"))
                .await
                .expect("put")
        );
        let replaced = cert("r1", "a", "c");
        assert!(store.put_certificate(&replaced).await.expect("replace"));
        assert_eq!(
            store.certificate_of("a", "r1").await.expect("read"),
            Some(replaced)
        );
        assert_eq!(store.certificate_of("b", "r1").await.expect("read"), None);
        assert!(store.delete_right_of("a", "r1").await.expect("delete"));
        assert_eq!(
            store.certificate_of("a", "r1").await.expect("read"),
            None,
            "a deleted right's certificate row goes with it"
        );
    }
}
