//! Fair-organizer routes: fairs, their exhibitors (with their products, IP filings and
//! non-infringement pledges), and screening runs, executed in the background by
//! [`crate::screening`]. Stored as the organizer's own documents; an exhibitor's and a
//! screening run's document id includes its fair, so fairs never share them.

use axum::{
    Extension, Json,
    extract::{Path, State, rejection::JsonRejection},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use takedown_model::TenantKind;
use takedown_store::owned::TenantDoc;
use utoipa::ToSchema;

use crate::fair_docs::{EXHIBITOR, SCREENING};
pub use crate::fair_docs::{ExhibitorDto, FilingDto, ProductDto, ScreeningDto};
use crate::{
    AppState, audit,
    auth::Caller,
    error::{ApiError, ApiResult, ErrorBody, body_error},
    validate,
};

const FAIR: &str = "fair";

fn organizer(caller: &Caller) -> ApiResult<&str> {
    caller.require_kind(TenantKind::FairOrganizer)?;
    Ok(caller.tenant_id())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FairDto {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub venue: String,
    #[serde(default)]
    pub starts_on: Option<String>,
    #[serde(default)]
    pub ends_on: Option<String>,
}

async fn fair_exists(state: &AppState, org: &str, fair_id: &str) -> ApiResult<()> {
    state
        .store
        .doc(org, FAIR, fair_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(())
}

fn parse<T: serde::de::DeserializeOwned>(doc: TenantDoc) -> ApiResult<T> {
    serde_json::from_value(doc.body).map_err(|e| {
        ApiError::Store(takedown_store::StoreError::NotFound(format!(
            "readable document: {e}"
        )))
    })
}

#[utoipa::path(get, path = "/v1/fairs", tag = "fair_organizer", security(("bearer" = [])),
    responses((status = 200, body = Vec<FairDto>), (status = 403, body = ErrorBody)))]
pub async fn list_fairs(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Vec<FairDto>>> {
    let org = organizer(&caller)?;
    let docs = state.store.docs(org, FAIR, None).await?;
    Ok(Json(docs.into_iter().map(parse).collect::<ApiResult<_>>()?))
}

#[utoipa::path(post, path = "/v1/fairs", tag = "fair_organizer", security(("bearer" = [])), request_body = FairDto,
    responses((status = 201, body = FairDto), (status = 422, body = ErrorBody)))]
pub async fn put_fair(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<FairDto>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<FairDto>)> {
    let org = organizer(&caller)?;
    let Json(fair) = body.map_err(body_error)?;
    validate::ident("id", &fair.id)?;
    validate::required("name", &fair.name)?;
    let from = validate::date("starts_on", fair.starts_on.as_deref())?;
    let until = validate::date("ends_on", fair.ends_on.as_deref())?;
    if let (Some(f), Some(u)) = (from, until)
        && u < f
    {
        return Err(ApiError::invalid("ends_on", "must not be before starts_on"));
    }
    let before = state.store.doc(org, FAIR, &fair.id).await?.map(|d| d.body);
    let body = serde_json::to_value(&fair).unwrap_or_default();
    state
        .store
        .put_doc(
            org,
            FAIR,
            &TenantDoc {
                id: fair.id.clone(),
                parent_id: String::new(),
                body,
            },
        )
        .await?;
    let action = if before.is_some() { "update" } else { "create" };
    audit::record(
        &state.store,
        &caller,
        action,
        FAIR,
        &fair.id,
        before.as_ref(),
        Some(&fair),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(fair)))
}

#[utoipa::path(get, path = "/v1/fairs/{fair_id}", tag = "fair_organizer", security(("bearer" = [])),
    params(("fair_id" = String, Path)),
    responses((status = 200, body = FairDto), (status = 404, body = ErrorBody)))]
pub async fn get_fair(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(fair_id): Path<String>,
) -> ApiResult<Json<FairDto>> {
    let org = organizer(&caller)?;
    let doc = state
        .store
        .doc(org, FAIR, &fair_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(parse(doc)?))
}

#[utoipa::path(get, path = "/v1/fairs/{fair_id}/exhibitors", tag = "fair_organizer", security(("bearer" = [])),
    params(("fair_id" = String, Path)),
    responses((status = 200, body = Vec<ExhibitorDto>), (status = 404, body = ErrorBody)))]
pub async fn list_exhibitors(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(fair_id): Path<String>,
) -> ApiResult<Json<Vec<ExhibitorDto>>> {
    let org = organizer(&caller)?;
    fair_exists(&state, org, &fair_id).await?;
    let docs = state.store.docs(org, EXHIBITOR, Some(&fair_id)).await?;
    Ok(Json(docs.into_iter().map(parse).collect::<ApiResult<_>>()?))
}

#[utoipa::path(post, path = "/v1/fairs/{fair_id}/exhibitors", tag = "fair_organizer", security(("bearer" = [])),
    params(("fair_id" = String, Path)), request_body = ExhibitorDto,
    responses((status = 201, body = ExhibitorDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_exhibitor(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(fair_id): Path<String>,
    body: Result<Json<ExhibitorDto>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ExhibitorDto>)> {
    let org = organizer(&caller)?;
    fair_exists(&state, org, &fair_id).await?;
    let Json(ex) = body.map_err(body_error)?;
    validate::ident("id", &ex.id)?;
    validate::required("name", &ex.name)?;
    for (i, f) in ex.filings.iter().enumerate() {
        validate::required(
            &format!("filings[{i}].registration_number"),
            &f.registration_number,
        )?;
        validate::required(&format!("filings[{i}].office"), &f.office)?;
    }
    validate::date("pledge_signed_on", ex.pledge_signed_on.as_deref())?;
    if ex.products.len() > 1000 {
        return Err(ApiError::invalid("products", "must be at most 1000"));
    }
    for (i, p) in ex.products.iter().enumerate() {
        validate::ident(&format!("products[{i}].id"), &p.id)?;
        validate::required(&format!("products[{i}].title"), &p.title)?;
    }
    let doc_id = format!("{fair_id}/{}", ex.id);
    let before = state
        .store
        .doc(org, EXHIBITOR, &doc_id)
        .await?
        .map(|d| d.body);
    let body = serde_json::to_value(&ex).unwrap_or_default();
    state
        .store
        .put_doc(
            org,
            EXHIBITOR,
            &TenantDoc {
                id: doc_id.clone(),
                parent_id: fair_id,
                body,
            },
        )
        .await?;
    let action = if before.is_some() { "update" } else { "create" };
    audit::record(
        &state.store,
        &caller,
        action,
        EXHIBITOR,
        &doc_id,
        before.as_ref(),
        Some(&ex),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ex)))
}

#[utoipa::path(get, path = "/v1/fairs/{fair_id}/screenings", tag = "fair_organizer", security(("bearer" = [])),
    params(("fair_id" = String, Path)),
    responses((status = 200, body = Vec<ScreeningDto>), (status = 404, body = ErrorBody)))]
pub async fn list_screenings(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(fair_id): Path<String>,
) -> ApiResult<Json<Vec<ScreeningDto>>> {
    let org = organizer(&caller)?;
    fair_exists(&state, org, &fair_id).await?;
    let docs = state.store.docs(org, SCREENING, Some(&fair_id)).await?;
    Ok(Json(docs.into_iter().map(parse).collect::<ApiResult<_>>()?))
}

#[utoipa::path(get, path = "/v1/fairs/{fair_id}/screenings/{screening_id}", tag = "fair_organizer", security(("bearer" = [])),
    params(("fair_id" = String, Path), ("screening_id" = String, Path)),
    responses((status = 200, body = ScreeningDto), (status = 404, body = ErrorBody)))]
pub async fn get_screening(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((fair_id, screening_id)): Path<(String, String)>,
) -> ApiResult<Json<ScreeningDto>> {
    let org = organizer(&caller)?;
    let doc = state
        .store
        .doc(org, SCREENING, &format!("{fair_id}/{screening_id}"))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(parse(doc)?))
}

/// Requests a screening run of the fair's exhibitors' products against every brand owner's
/// registered word marks; it runs in the background (queued → running → done or failed).
#[utoipa::path(post, path = "/v1/fairs/{fair_id}/screenings", tag = "fair_organizer", security(("bearer" = [])),
    params(("fair_id" = String, Path)),
    responses((status = 202, body = ScreeningDto), (status = 404, body = ErrorBody)))]
pub async fn request_screening(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(fair_id): Path<String>,
) -> ApiResult<(StatusCode, Json<ScreeningDto>)> {
    let org = organizer(&caller)?;
    fair_exists(&state, org, &fair_id).await?;
    let now = chrono::Utc::now();
    let run = ScreeningDto {
        id: format!("{}", now.format("%Y%m%dT%H%M%S%6f")),
        status: "queued".into(),
        requested_at: now.to_rfc3339(),
        started_at: None,
        finished_at: None,
        results: Vec::new(),
        error: None,
    };
    let doc_id = format!("{fair_id}/{}", run.id);
    let fair_id_for_run = fair_id.clone();
    let body = serde_json::to_value(&run).unwrap_or_default();
    state
        .store
        .put_doc(
            org,
            SCREENING,
            &TenantDoc {
                id: doc_id.clone(),
                parent_id: fair_id,
                body,
            },
        )
        .await?;
    audit::record(
        &state.store,
        &caller,
        "create",
        SCREENING,
        &doc_id,
        None::<&()>,
        Some(&run),
    )
    .await?;
    tokio::spawn(crate::screening::execute(
        state.store.clone(),
        org.to_owned(),
        fair_id_for_run,
        run.clone(),
    ));
    Ok((StatusCode::ACCEPTED, Json(run)))
}
