//! Tenants, rights and authorized sellers (operators, who are not tenants, are in `access`).

use sqlx::Row;
use takedown_model::{AuthorizedSeller, Right, Tenant};

use crate::{Store, StoreError, StoreResult, from_json, now_text, to_json};

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
        let row = sqlx::query("SELECT body FROM tenants WHERE id = $1 AND kind <> $2")
            .bind(id)
            .bind(crate::access::OPERATOR_KIND)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| from_json("tenant", &r.get::<String, _>(0)))
            .transpose()
    }

    /// Creates the right or updates it in place. A right's owner never changes: when the id
    /// is another owner's, nothing is written and [`StoreError::OwnedByAnother`] says so.
    pub async fn upsert_right(&self, right: &Right) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        upsert_right_in(&mut tx, right, &now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The rights the pipeline matches: every registered right of every owner. A right that
    /// is pending, lapsed, cancelled or invalidated (`owned::status`) is left out, so the
    /// matcher stops matching it once its status changes (which also moves
    /// [`Store::rights_version`]). An owner's own view of its rights is `rights_of`.
    pub async fn rights(&self) -> StoreResult<Vec<Right>> {
        let rows = sqlx::query(
            "SELECT r.body FROM rights r LEFT JOIN right_status s ON s.right_id = r.id
             WHERE s.status IS NULL OR s.status = $1 ORDER BY r.id",
        )
        .bind(crate::owned::status::MATCHED_STATUS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| from_json("right", &r.get::<String, _>(0)))
            .collect()
    }

    /// Changes whenever a right is added or updated: the matcher reloads when it moves.
    pub async fn rights_version(&self) -> StoreResult<String> {
        let row = sqlx::query("SELECT COUNT(*), COALESCE(MAX(updated_at), '') FROM rights")
            .fetch_one(&self.pool)
            .await?;
        Ok(format!(
            "{}@{}",
            row.get::<i64, _>(0),
            row.get::<String, _>(1)
        ))
    }

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

    pub async fn authorized_sellers(&self) -> StoreResult<Vec<AuthorizedSeller>> {
        let rows = sqlx::query(
            "SELECT owner_id, platform, seller FROM authorized_sellers ORDER BY owner_id, platform, seller",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| AuthorizedSeller {
                owner_id: r.get(0),
                platform: r.get(1),
                seller: r.get(2),
            })
            .collect())
    }
}

/// What [`Store::register_owner`] found before it wrote: the tenant as it was, if it existed.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerRegistration {
    /// The tenant before the registration; `None` when the registration created it.
    pub before: Option<Tenant>,
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
    let row = sqlx::query("SELECT kind, body FROM tenants WHERE id = $1")
        .bind(&tenant.id)
        .fetch_one(&mut **tx)
        .await?;
    let stored_kind: String = row.get(0);
    if stored_kind != kind {
        return Err(StoreError::TenantKindConflict {
            id: tenant.id.clone(),
            kind: stored_kind,
        });
    }
    let before = from_json::<Tenant>("tenant", &row.get::<String, _>(1))?;
    sqlx::query("UPDATE tenants SET body = $2 WHERE id = $1 AND kind = $3")
        .bind(&tenant.id)
        .bind(to_json(tenant))
        .bind(&kind)
        .execute(&mut **tx)
        .await?;
    Ok(Some(before))
}

/// Inserts the right or updates it in place, never across owners.
async fn upsert_right_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    right: &Right,
    now: &str,
) -> StoreResult<()> {
    let done = sqlx::query(
        "INSERT INTO rights (id, owner_id, kind, body, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
             updated_at = excluded.updated_at
         WHERE rights.owner_id = excluded.owner_id",
    )
    .bind(&right.id)
    .bind(&right.owner_id)
    .bind(right.kind.as_str())
    .bind(to_json(right))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::OwnedByAnother {
            what: "right",
            id: right.id.clone(),
        });
    }
    Ok(())
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
        tenants_and_rights_are_upserted_and_versioned,
        authorized_sellers_are_added_once,
        a_right_never_moves_to_another_owner,
        a_tenant_never_changes_kind,
        an_owner_registration_is_all_or_nothing,
    );

    async fn a_right_never_moves_to_another_owner(store: Store) {
        for id in ["a", "b"] {
            store
                .upsert_tenant(&tenant(id, TenantKind::BrandOwner))
                .await
                .expect("tenant");
        }
        store.upsert_right(&right("b/r1", "b")).await.expect("b's");
        let err = store
            .upsert_right(&right("b/r1", "a"))
            .await
            .expect_err("a may not take b's right");
        assert!(
            matches!(&err, StoreError::OwnedByAnother { id, .. } if id == "b/r1"),
            "{err}"
        );
        assert_eq!(
            store.right_of("b", "b/r1").await.expect("read"),
            Some(right("b/r1", "b")),
            "b's right is untouched"
        );
        assert_eq!(store.right_of("a", "b/r1").await.expect("read"), None);
    }

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

    async fn tenants_and_rights_are_upserted_and_versioned(store: Store) {
        assert_eq!(store.tenant("acme").await.expect("read"), None);
        store
            .upsert_tenant(&tenant("acme", TenantKind::BrandOwner))
            .await
            .expect("tenant");
        let mut renamed = tenant("acme", TenantKind::BrandOwner);
        renamed.name = "Acme Group".into();
        store.upsert_tenant(&renamed).await.expect("again");
        assert_eq!(store.tenant("acme").await.expect("read"), Some(renamed));

        let empty = store.rights_version().await.expect("version");
        store
            .upsert_right(&right("r2", "acme"))
            .await
            .expect("right");
        store
            .upsert_right(&right("r1", "acme"))
            .await
            .expect("right");
        let two = store.rights_version().await.expect("version");
        assert_ne!(two, empty);
        let mut changed = right("r2", "acme");
        changed.name = "Y".into();
        store.upsert_right(&changed).await.expect("update");
        let rights = store.rights().await.expect("rights");
        assert_eq!(
            rights,
            [right("r1", "acme"), changed],
            "one row per id, by id"
        );
        // The matcher reloads when the version moves; an update must move it even though
        // the count stays the same (the timestamp has microseconds).
        let updated = store.rights_version().await.expect("version");
        assert!(updated.starts_with("2@"), "{updated}");
        assert_ne!(updated, two);
    }

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
