//! Tenants (brand owners, platforms, fair organizers) and the registration of an owner file
//! in one transaction. Operators, who are not tenants, are in [`crate::access`].

use takedown_model::{AuthorizedSeller, Right, Tenant};

use crate::{
    Store, StoreError, StoreResult, from_json, now_text, rights::upsert_right_in, to_json,
};

/// What [`Store::register_owner`] found before it wrote: the tenant as it was, if it existed.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerRegistration {
    /// The tenant before the registration; `None` when the registration created it.
    pub before: Option<Tenant>,
}

/// A `tenants` row's kind (kept beside the JSON so SQL can filter on it) and body.
#[derive(sqlx::FromRow)]
struct TenantRow {
    kind: String,
    body: String,
}

/// Inserts the tenant or updates it in place (same kind only); returns it as it was.
///
/// The first statement is a write, so that on SQLite the transaction takes the write lock
/// at once (waiting for it under the busy timeout): a transaction that reads first and then
/// writes gets SQLITE_BUSY at once, unretried, when another process wrote in between — as
/// every stage process of a deployment registering the same owner files at start does.
async fn upsert_tenant_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    tenant: &Tenant,
) -> StoreResult<Option<Tenant>> {
    let kind = to_json(&tenant.kind).trim_matches('"').to_owned();
    let created = sqlx::query(
        "INSERT INTO tenants (id, kind, body) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&tenant.id)
    .bind(&kind)
    .bind(to_json(tenant))
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if created {
        return Ok(None);
    }
    let stored: TenantRow = sqlx::query_as("SELECT kind, body FROM tenants WHERE id = $1")
        .bind(&tenant.id)
        .fetch_one(&mut **tx)
        .await?;
    if stored.kind != kind {
        return Err(StoreError::TenantKindConflict {
            id: tenant.id.clone(),
            kind: stored.kind,
        });
    }
    let before = from_json::<Tenant>("tenant", &stored.body)?;
    sqlx::query("UPDATE tenants SET body = $2 WHERE id = $1 AND kind = $3")
        .bind(&tenant.id)
        .bind(to_json(tenant))
        .bind(&kind)
        .execute(&mut **tx)
        .await?;
    Ok(Some(before))
}

impl Store {
    /// Creates the tenant, or updates the name and contact of an existing tenant of the same
    /// kind. Never changes a tenant's kind: an existing tenant of another kind (or an
    /// operator) is refused with [`StoreError::TenantKindConflict`].
    pub async fn upsert_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        upsert_tenant_in(&mut tx, tenant).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Registers a brand owner's whole owner file at once: the owner (created, or its name
    /// and contact updated — never its kind), its rights and its authorized sellers, in one
    /// transaction. A right id that belongs to another owner, or an owner id that is another
    /// kind of tenant, fails the whole registration and writes nothing.
    pub async fn register_owner(
        &self,
        owner: &Tenant,
        rights: &[Right],
        sellers: &[AuthorizedSeller],
    ) -> StoreResult<OwnerRegistration> {
        let mut tx = self.pool.begin().await?;
        let before = upsert_tenant_in(&mut tx, owner).await?;
        let now = now_text();
        for right in rights {
            upsert_right_in(&mut tx, right, &now).await?;
        }
        for seller in sellers {
            sqlx::query(
                "INSERT INTO authorized_sellers (owner_id, platform, seller) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(&owner.id)
            .bind(&seller.platform)
            .bind(&seller.seller)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(OwnerRegistration { before })
    }

    /// The tenant with this id; never an operator (see `access`).
    pub async fn tenant(&self, id: &str) -> StoreResult<Option<Tenant>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM tenants WHERE id = $1 AND kind <> $2")
                .bind(id)
                .bind(crate::access::OPERATOR_KIND)
                .fetch_optional(&self.pool)
                .await?;
        body.map(|body| from_json("tenant", &body)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::{AuthorizedSeller, TenantKind};

    use crate::{
        Store, StoreError,
        testkit::{
            fixtures::{right, tenant},
            on_both_backends,
        },
    };

    on_both_backends!(
        a_tenant_never_changes_kind,
        an_owner_registration_is_all_or_nothing,
        tenants_are_created_and_updated_in_place,
    );

    async fn a_tenant_never_changes_kind(store: Store) {
        store
            .upsert_tenant(&tenant("shop-plat", TenantKind::Platform))
            .await
            .expect("platform");
        let err = store
            .upsert_tenant(&tenant("shop-plat", TenantKind::BrandOwner))
            .await
            .expect_err("kind change");
        assert!(
            matches!(&err, StoreError::TenantKindConflict { kind, .. } if kind == "platform"),
            "{err}"
        );
        let err = store
            .register_owner(&tenant("shop-plat", TenantKind::BrandOwner), &[], &[])
            .await
            .expect_err("an owner file over a platform");
        assert!(
            matches!(err, StoreError::TenantKindConflict { .. }),
            "{err}"
        );
        assert_eq!(
            store.tenant("shop-plat").await.expect("read"),
            Some(tenant("shop-plat", TenantKind::Platform))
        );
    }

    async fn an_owner_registration_is_all_or_nothing(store: Store) {
        store
            .upsert_tenant(&tenant("b", TenantKind::BrandOwner))
            .await
            .expect("tenant");
        store.upsert_right(&right("taken", "b")).await.expect("b's");
        let seller = AuthorizedSeller {
            owner_id: "a".into(),
            platform: "shop".into(),
            seller: "A Store".into(),
        };
        let err = store
            .register_owner(
                &tenant("a", TenantKind::BrandOwner),
                &[right("first", "a"), right("taken", "a")],
                std::slice::from_ref(&seller),
            )
            .await
            .expect_err("the second right is b's");
        assert!(matches!(err, StoreError::OwnedByAnother { .. }), "{err}");
        assert_eq!(store.tenant("a").await.expect("read"), None, "no tenant");
        assert_eq!(store.right_of("a", "first").await.expect("read"), None);
        assert!(
            store
                .authorized_sellers_of("a")
                .await
                .expect("read")
                .is_empty()
        );

        let done = store
            .register_owner(
                &tenant("a", TenantKind::BrandOwner),
                &[right("first", "a")],
                std::slice::from_ref(&seller),
            )
            .await
            .expect("registered");
        assert_eq!(done.before, None, "created");
        let again = store
            .register_owner(&tenant("a", TenantKind::BrandOwner), &[], &[])
            .await
            .expect("again");
        assert_eq!(again.before, Some(tenant("a", TenantKind::BrandOwner)));
        assert_eq!(
            store.authorized_sellers_of("a").await.expect("read"),
            [seller]
        );
    }

    async fn tenants_are_created_and_updated_in_place(store: Store) {
        assert_eq!(store.tenant("acme").await.expect("read"), None);
        store
            .upsert_tenant(&tenant("acme", TenantKind::BrandOwner))
            .await
            .expect("tenant");
        let mut renamed = tenant("acme", TenantKind::BrandOwner);
        renamed.name = "Acme Group".into();
        store.upsert_tenant(&renamed).await.expect("again");
        assert_eq!(store.tenant("acme").await.expect("read"), Some(renamed));
    }
}
