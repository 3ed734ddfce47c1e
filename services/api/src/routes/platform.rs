//! Platform routes: the notice inbox (notices addressed to this platform, with their case
//! status) and the platform's delivery endpoint. A platform tenant's id is the platform
//! name notices carry.

use axum::{
    Extension, Json,
    extract::{Path, State, rejection::JsonRejection},
};
use serde::{Deserialize, Serialize};
use takedown_model::TenantKind;
use takedown_store::owned::NoticeParty;
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiResult, ErrorBody, body_error},
    routes::{
        owner::{CaseDto, case_dto},
        settings,
    },
};

const ENDPOINT: &str = "endpoint";

fn platform(caller: &Caller) -> ApiResult<&str> {
    caller.require_kind(TenantKind::Platform)?;
    Ok(caller.tenant_id())
}

#[utoipa::path(get, path = "/v1/inbox", tag = "platform", security(("bearer" = [])),
    responses((status = 200, body = Vec<CaseDto>), (status = 403, body = ErrorBody)))]
pub async fn inbox(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<CaseDto>>> {
    let me = platform(&caller)?;
    let notices = state.store.notices_where(NoticeParty::Platform, me).await?;
    Ok(Json(notices.iter().map(|n| case_dto(n, None)).collect()))
}

#[utoipa::path(get, path = "/v1/inbox/{notice_id}", tag = "platform", security(("bearer" = [])),
    params(("notice_id" = String, Path)),
    responses((status = 200, body = CaseDto), (status = 404, body = ErrorBody)))]
pub async fn inbox_notice(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(notice_id): Path<String>,
) -> ApiResult<Json<CaseDto>> {
    let me = platform(&caller)?;
    let notice = state
        .store
        .notice_where(NoticeParty::Platform, me, &notice_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let history = state.store.case_events(&notice_id).await?;
    Ok(Json(case_dto(&notice, Some(history))))
}

/// Where the platform receives signed notices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EndpointDto {
    /// An https URL (http allowed only for 127.0.0.1 / localhost, for testing).
    pub url: String,
}

#[utoipa::path(get, path = "/v1/endpoint", tag = "platform", security(("bearer" = [])),
    responses((status = 200, body = EndpointDto), (status = 404, body = ErrorBody)))]
pub async fn get_endpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<EndpointDto>> {
    let me = platform(&caller)?;
    settings::read(&state, me, ENDPOINT).await.map(Json)
}

#[utoipa::path(put, path = "/v1/endpoint", tag = "platform", security(("bearer" = [])), request_body = EndpointDto,
    responses((status = 200, body = EndpointDto), (status = 422, body = ErrorBody)))]
pub async fn put_endpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<EndpointDto>, JsonRejection>,
) -> ApiResult<Json<EndpointDto>> {
    let me = platform(&caller)?;
    let Json(endpoint) = body.map_err(body_error)?;
    let local = ["http://127.0.0.1", "http://localhost"]
        .iter()
        .any(|p| endpoint.url.starts_with(p));
    if !(endpoint.url.starts_with("https://") || local) || endpoint.url.len() > 2000 {
        return Err(ApiError::invalid(
            "url",
            "must be an https URL of at most 2000 characters",
        ));
    }
    settings::write(&state, &caller, me, ENDPOINT, ENDPOINT, &endpoint).await?;
    Ok(Json(endpoint))
}
