//! Operator routes: the people who run the service create tenants and their first keys,
//! list and revoke any tenant's keys, and read the audit log of every tenant.
//!
//! **The operator rule:** an operator manages *access*, never *content*. Its routes return
//! tenant ids, kinds and names, key metadata (never a key or its hash) and audit entries
//! without their before/after bodies (which carry rights, policies, decisions); and every
//! tenant route refuses an operator (403), because an operator is no kind of tenant (see
//! [`crate::auth::Role`]). So an operator can never read a tenant's rights, matches, notices,
//! fairs or endpoints. The isolation matrix checks both halves.

use axum::{
    Extension, Json,
    extract::{Path, Query, State, rejection::JsonRejection},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use takedown_model::TenantKind;
use takedown_store::access::AuditChange;
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState,
    auth::{Caller, Role},
    error::{ApiError, ApiResult, ErrorBody, body_error},
    keys,
    routes::common::KeyInfo,
    scopes::Scope,
};

fn operator(caller: &Caller) -> ApiResult<()> {
    caller.require_role(Role::Operator)
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TenantInfo {
    pub id: String,
    /// brand_owner, platform or fair_organizer.
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewTenant {
    /// brand_owner, platform or fair_organizer (operators are created with the CLI only).
    pub kind: String,
    pub name: String,
    /// Default: made from the name. A platform's id is the platform name notices carry.
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedTenant {
    pub id: String,
    pub kind: String,
    pub name: String,
    /// The tenant's first key (every scope): shown only in this response, never again.
    pub key: String,
}

/// An audit entry as operators see it: who did what to which kind of object and when,
/// without the before/after bodies (those are the tenant's content). The object's id is
/// shown only for access objects (keys, tenants, operators): other ids are the tenant's own
/// naming (a right's id, a seller's name) and so its content.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OperatorAuditEntry {
    pub seq: i64,
    pub tenant_id: String,
    pub actor: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: Option<String>,
    pub at: String,
}

/// The object kinds whose ids operators see.
const ACCESS_OBJECTS: &[&str] = &["api_key", "tenant", "operator"];

#[derive(Debug, Deserialize, IntoParams)]
pub struct OperatorAuditQuery {
    /// Only this tenant's entries.
    pub tenant: Option<String>,
    /// Only entries after this sequence number.
    #[serde(default)]
    pub after: i64,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
}

fn kind_name(kind: TenantKind) -> String {
    Role::Tenant(kind).as_str().to_owned()
}

#[utoipa::path(get, path = "/v1/operator/tenants", tag = "operator", security(("bearer" = [])),
    responses((status = 200, body = Vec<TenantInfo>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_tenants(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<TenantInfo>>> {
    operator(&caller)?;
    let tenants = state.store.tenants().await?;
    Ok(Json(
        tenants
            .into_iter()
            .map(|t| TenantInfo {
                id: t.id,
                kind: kind_name(t.kind),
                name: t.name,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/v1/operator/tenants", tag = "operator", security(("bearer" = [])), request_body = NewTenant,
    responses((status = 201, body = CreatedTenant), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_tenant(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<NewTenant>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedTenant>)> {
    operator(&caller)?;
    caller.require_scope(Scope::Keys)?;
    let Json(new) = body.map_err(body_error)?;
    let kind = [
        TenantKind::BrandOwner,
        TenantKind::Platform,
        TenantKind::FairOrganizer,
    ]
    .into_iter()
    .find(|k| kind_name(*k) == new.kind)
    .ok_or_else(|| ApiError::invalid("kind", "must be brand_owner, platform or fair_organizer"))?;
    let (tenant, key) = keys::create_tenant_by(
        &state.store,
        kind,
        &new.name,
        new.id.as_deref(),
        &caller.key_id,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTenant {
            id: tenant.id,
            kind: kind_name(tenant.kind),
            name: tenant.name,
            key,
        }),
    ))
}

/// A tenant's keys (never the keys themselves). An unknown tenant has none: the list is empty.
#[utoipa::path(get, path = "/v1/operator/tenants/{tenant_id}/keys", tag = "operator", security(("bearer" = [])),
    params(("tenant_id" = String, Path)),
    responses((status = 200, body = Vec<KeyInfo>), (status = 403, body = ErrorBody)))]
pub async fn tenant_keys(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(tenant_id): Path<String>,
) -> ApiResult<Json<Vec<KeyInfo>>> {
    operator(&caller)?;
    caller.require_scope(Scope::Keys)?;
    if state.store.tenant(&tenant_id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let keys = state.store.api_keys_of(&tenant_id).await?;
    Ok(Json(keys.into_iter().map(KeyInfo::from).collect()))
}

/// Revokes a tenant's key; it stops working on the very next request.
#[utoipa::path(delete, path = "/v1/operator/tenants/{tenant_id}/keys/{key_id}", tag = "operator", security(("bearer" = [])),
    params(("tenant_id" = String, Path), ("key_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_tenant_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((tenant_id, key_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    operator(&caller)?;
    caller.require_scope(Scope::Keys)?;
    // Operators manage tenants' keys; another operator's keys are not theirs to revoke.
    if state.store.tenant(&tenant_id).await?.is_none()
        || !state.store.revoke_api_key(&tenant_id, &key_id).await?
    {
        return Err(ApiError::NotFound);
    }
    // In the tenant's own log, so the tenant sees who revoked its key.
    let actor = format!("operator:{}/{}", caller.id, caller.key_id);
    state
        .store
        .append_audit(&AuditChange {
            tenant_id: &tenant_id,
            actor: &actor,
            action: "revoke",
            object_kind: "api_key",
            object_id: &key_id,
            before: Some(serde_json::json!({ "revoked": false })),
            after: Some(serde_json::json!({ "revoked": true })),
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/operator/audit", operation_id = "operator_audit_log", tag = "operator", security(("bearer" = [])), params(OperatorAuditQuery),
    responses((status = 200, body = Vec<OperatorAuditEntry>), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<OperatorAuditQuery>,
) -> ApiResult<Json<Vec<OperatorAuditEntry>>> {
    operator(&caller)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store
        .audit_log_all(query.tenant.as_deref(), query.after, limit)
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| OperatorAuditEntry {
                seq: e.seq,
                tenant_id: e.tenant_id,
                actor: e.actor,
                action: e.action,
                object_id: ACCESS_OBJECTS
                    .contains(&e.object_kind.as_str())
                    .then_some(e.object_id),
                object_kind: e.object_kind,
                at: e.at,
            })
            .collect(),
    ))
}
