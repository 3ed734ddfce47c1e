//! A tenant's one-of-a-kind settings documents (a brand owner's filing policy, a platform's
//! endpoint): stored as the tenant's document whose kind and id are the same name, read
//! whole and replaced whole, every change audited with its before and after.

use serde::{Serialize, de::DeserializeOwned};
use takedown_store::owned::TenantDoc;

use crate::{
    AppState, audit,
    auth::Caller,
    error::{ApiError, ApiResult},
};

/// `tenant`'s setting `name`, read as `T`; 404 when it was never set.
pub(crate) async fn read<T: DeserializeOwned>(
    state: &AppState,
    tenant: &str,
    name: &str,
) -> ApiResult<T> {
    let doc = state
        .store
        .doc(tenant, name, name)
        .await?
        .ok_or(ApiError::NotFound)?;
    serde_json::from_value(doc.body).map_err(|e| {
        ApiError::Store(takedown_store::StoreError::NotFound(format!(
            "readable {name}: {e}"
        )))
    })
}

/// Replaces `tenant`'s setting `name` with `value` (already validated by the caller) and
/// audits the change as an `update` of `audit_kind`.
pub(crate) async fn write<T: Serialize>(
    state: &AppState,
    caller: &Caller,
    tenant: &str,
    name: &str,
    audit_kind: &str,
    value: &T,
) -> ApiResult<()> {
    let before = state.store.doc(tenant, name, name).await?.map(|d| d.body);
    let body = serde_json::to_value(value).unwrap_or_default();
    state
        .store
        .put_doc(
            tenant,
            name,
            &TenantDoc {
                id: name.into(),
                parent_id: String::new(),
                body,
            },
        )
        .await?;
    audit::record(
        &state.store,
        caller,
        "update",
        audit_kind,
        name,
        before.as_ref(),
        Some(value),
    )
    .await
}
