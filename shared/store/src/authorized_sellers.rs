//! Authorized sellers: the (platform, seller) pairs a brand owner has licensed, whose
//! listings the matcher never flags.

use takedown_model::AuthorizedSeller;

use crate::{Store, StoreResult};

/// An `authorized_sellers` row; the model's [`AuthorizedSeller`] knows nothing of storage.
#[derive(sqlx::FromRow)]
pub(crate) struct SellerRow {
    owner_id: String,
    platform: String,
    seller: String,
}

impl From<SellerRow> for AuthorizedSeller {
    fn from(row: SellerRow) -> Self {
        AuthorizedSeller {
            owner_id: row.owner_id,
            platform: row.platform,
            seller: row.seller,
        }
    }
}

impl Store {
    /// Licenses a seller on a platform for the owner; adding it again changes nothing.
    pub async fn add_authorized_seller(&self, seller: &AuthorizedSeller) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO authorized_sellers (owner_id, platform, seller) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(&seller.owner_id)
        .bind(&seller.platform)
        .bind(&seller.seller)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every owner's authorized sellers, by owner, platform and seller: what the matcher
    /// excludes.
    pub async fn authorized_sellers(&self) -> StoreResult<Vec<AuthorizedSeller>> {
        let rows: Vec<SellerRow> = sqlx::query_as(
            "SELECT owner_id, platform, seller FROM authorized_sellers ORDER BY owner_id, platform, seller",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuthorizedSeller::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::{AuthorizedSeller, TenantKind};

    use crate::{
        Store,
        testkit::{fixtures::tenant, on_both_backends},
    };

    on_both_backends!(authorized_sellers_are_added_once,);

    async fn authorized_sellers_are_added_once(store: Store) {
        store
            .upsert_tenant(&tenant("acme", TenantKind::BrandOwner))
            .await
            .expect("tenant");
        let seller = |platform: &str, name: &str| AuthorizedSeller {
            owner_id: "acme".into(),
            platform: platform.into(),
            seller: name.into(),
        };
        for s in [
            seller("shop", "zed"),
            seller("shop", "amy"),
            seller("bazaar", "zed"),
            seller("shop", "zed"),
        ] {
            store.add_authorized_seller(&s).await.expect("add");
        }
        assert_eq!(
            store.authorized_sellers().await.expect("sellers"),
            [
                seller("bazaar", "zed"),
                seller("shop", "amy"),
                seller("shop", "zed")
            ]
        );
    }
}
