//! Delegation routes: a brand owner grants another brand-owner tenant (the agent or law firm
//! acting for it) `read` or `read`+`write` on its routes, lists its grants, and revokes them.
//!
//! Managing delegations is managing access, so it takes the `keys` scope, like managing keys;
//! a delegation never carries `keys` (`auth::DELEGABLE_SCOPES`), so an agent can neither
//! manage the owner's keys nor pass the owner's access on.

use axum::{
    Extension, Json,
    extract::{Path, State, rejection::JsonRejection},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use takedown_model::TenantKind;
use takedown_store::delegations::Delegation;
use utoipa::ToSchema;

use crate::{
    AppState, audit,
    auth::{Caller, DELEGABLE_SCOPES},
    error::{ApiError, ApiResult, ErrorBody, body_error},
    scopes::Scope,
};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewDelegation {
    /// The brand-owner tenant that will act for the caller.
    pub agent_tenant_id: String,
    /// `read`, or `read` and `write`.
    pub scopes: Vec<Scope>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DelegationDto {
    pub agent_tenant_id: String,
    pub scopes: Vec<String>,
    pub granted_by: String,
    pub granted_at: String,
}

impl From<Delegation> for DelegationDto {
    fn from(d: Delegation) -> Self {
        DelegationDto {
            agent_tenant_id: d.agent_id,
            scopes: d.scopes,
            granted_by: d.granted_by,
            granted_at: d.granted_at,
        }
    }
}

/// The brand owner managing its own access: its own key, with the `keys` scope.
fn granting_owner(caller: &Caller) -> ApiResult<&str> {
    caller.require_kind(TenantKind::BrandOwner)?;
    caller.require_scope(Scope::Keys)?;
    caller.require_own_keys()?;
    Ok(caller.tenant_id())
}

/// The scopes to grant, in a fixed order without repeats: read alone, or read and write.
fn delegable(scopes: &[Scope]) -> ApiResult<Vec<String>> {
    if scopes.iter().any(|s| !DELEGABLE_SCOPES.contains(s)) {
        return Err(ApiError::invalid("scopes", "may only be read and write"));
    }
    if !scopes.contains(&Scope::Read) {
        return Err(ApiError::invalid("scopes", "must include read"));
    }
    Ok(DELEGABLE_SCOPES
        .iter()
        .filter(|s| scopes.contains(s))
        .map(|s| s.as_str().to_owned())
        .collect())
}

#[utoipa::path(get, path = "/v1/delegations", tag = "brand_owner", security(("bearer" = [])),
    responses((status = 200, body = Vec<DelegationDto>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_delegations(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<DelegationDto>>> {
    let owner = granting_owner(&caller)?;
    let delegations = state.store.delegations_of(owner).await?;
    Ok(Json(
        delegations.into_iter().map(DelegationDto::from).collect(),
    ))
}

/// Grants (or re-grants, replacing the scopes) a delegation to another brand-owner tenant.
#[utoipa::path(post, path = "/v1/delegations", tag = "brand_owner", security(("bearer" = [])), request_body = NewDelegation,
    responses((status = 201, body = DelegationDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grant_delegation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<NewDelegation>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<DelegationDto>)> {
    let owner = granting_owner(&caller)?;
    let Json(new) = body.map_err(body_error)?;
    let scopes = delegable(&new.scopes)?;
    let agent = new.agent_tenant_id.trim();
    // One answer for an unknown id, a platform, a fair organizer or an operator, so the
    // route tells no more than "there is a brand owner with this id".
    let is_brand_owner = agent != owner
        && state
            .store
            .tenant(agent)
            .await?
            .is_some_and(|t| t.kind == TenantKind::BrandOwner);
    if !is_brand_owner {
        return Err(ApiError::invalid(
            "agent_tenant_id",
            "must name another brand-owner tenant",
        ));
    }
    let before = state.store.delegation(owner, agent).await?;
    let granted = state
        .store
        .grant_delegation(owner, agent, &scopes, &caller.actor())
        .await?;
    let shown = DelegationDto::from(granted);
    audit::record(
        &state.store,
        &caller,
        if before.is_some() { "update" } else { "create" },
        "delegation",
        agent,
        before.map(DelegationDto::from).as_ref(),
        Some(&shown),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// Revokes a delegation: the agent's very next request for this owner is refused.
#[utoipa::path(delete, path = "/v1/delegations/{agent_tenant_id}", tag = "brand_owner", security(("bearer" = [])),
    params(("agent_tenant_id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_delegation(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(agent): Path<String>,
) -> ApiResult<StatusCode> {
    let owner = granting_owner(&caller)?;
    let before = state
        .store
        .delegation(owner, &agent)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !state.store.revoke_delegation(owner, &agent).await? {
        // Revoked by a concurrent request.
        return Err(ApiError::NotFound);
    }
    audit::record::<DelegationDto, DelegationDto>(
        &state.store,
        &caller,
        "revoke",
        "delegation",
        &agent,
        Some(&DelegationDto::from(before)),
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
