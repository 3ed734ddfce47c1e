//! Routes for every tenant: who am I, my keys, my audit log.

use axum::{
    Extension, Json,
    extract::{Path, Query, State, rejection::JsonRejection},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    AppState, audit,
    auth::Caller,
    error::{ApiError, ApiResult, ErrorBody, body_error},
    keys,
    scopes::Scope,
};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub tenant_id: String,
    /// brand_owner, platform, fair_organizer or operator.
    pub kind: String,
    pub name: String,
    pub key_id: String,
    pub scopes: Vec<Scope>,
    /// When an agent acts for `tenant_id` (`Takedown-Act-For`): the agent's own tenant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_tenant_id: Option<String>,
}

#[utoipa::path(get, path = "/v1/me", tag = "common", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(Extension(caller): Extension<Caller>) -> Json<Me> {
    Json(Me {
        tenant_id: caller.id.clone(),
        kind: caller.role.as_str().to_owned(),
        name: caller.name.clone(),
        key_id: caller.key_id.clone(),
        scopes: caller.scopes.clone(),
        agent_tenant_id: caller.agent.as_ref().map(|a| a.tenant_id.clone()),
    })
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KeyInfo {
    pub id: String,
    pub label: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl From<takedown_store::access::ApiKeyRecord> for KeyInfo {
    fn from(k: takedown_store::access::ApiKeyRecord) -> Self {
        KeyInfo {
            id: k.id,
            label: k.label,
            scopes: k.scopes,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewKey {
    #[serde(default)]
    pub label: String,
    pub scopes: Vec<Scope>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedKey {
    pub id: String,
    /// The full key: shown only in this response, never again.
    pub key: String,
    pub scopes: Vec<Scope>,
}

#[utoipa::path(get, path = "/v1/keys", tag = "common", security(("bearer" = [])),
    responses((status = 200, body = Vec<KeyInfo>), (status = 401, body = ErrorBody)))]
pub async fn list_keys(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<KeyInfo>>> {
    caller.require_scope(Scope::Keys)?;
    caller.require_own_keys()?;
    let keys = state.store.api_keys_of(caller.tenant_id()).await?;
    Ok(Json(keys.into_iter().map(KeyInfo::from).collect()))
}

#[utoipa::path(post, path = "/v1/keys", tag = "common", security(("bearer" = [])), request_body = NewKey,
    responses((status = 201, body = CreatedKey), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<NewKey>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<CreatedKey>)> {
    caller.require_scope(Scope::Keys)?;
    caller.require_own_keys()?;
    let Json(new) = body.map_err(body_error)?;
    if new.scopes.is_empty() {
        return Err(ApiError::invalid("scopes", "must name at least one scope"));
    }
    if new.label.len() > 200 {
        return Err(ApiError::invalid("label", "must be at most 200 characters"));
    }
    let (record, key) = keys::issue_key(
        &state.store,
        caller.tenant_id(),
        &new.scopes,
        &new.label,
        &caller.key_id,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            id: record.id,
            key,
            scopes: new.scopes,
        }),
    ))
}

#[utoipa::path(delete, path = "/v1/keys/{key_id}", tag = "common", security(("bearer" = [])),
    params(("key_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(key_id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require_scope(Scope::Keys)?;
    caller.require_own_keys()?;
    if !state
        .store
        .revoke_api_key(caller.tenant_id(), &key_id)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    audit::record(
        &state.store,
        &caller,
        "revoke",
        "api_key",
        &key_id,
        Some(&serde_json::json!({ "revoked": false })),
        Some(&serde_json::json!({ "revoked": true })),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryDto {
    pub seq: i64,
    pub actor: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only entries after this sequence number.
    #[serde(default)]
    pub after: i64,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/v1/audit", tag = "common", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntryDto>), (status = 401, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntryDto>>> {
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store
        .audit_log_of(caller.tenant_id(), query.after, limit)
        .await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| AuditEntryDto {
                seq: e.seq,
                actor: e.actor,
                action: e.action,
                object_kind: e.object_kind,
                object_id: e.object_id,
                before: e.before,
                after: e.after,
                at: e.at,
            })
            .collect(),
    ))
}
