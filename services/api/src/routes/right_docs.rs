//! Brand-owner routes on one right beyond its fields: its registration status (changed only
//! through the rules in [`crate::status`]) and its registration certificate (an uploaded
//! PDF/PNG/JPEG kept in the blob store under its digest, metadata in the store).
//!
//! Every lookup goes through the owner-scoped [`find_right`], so another owner's right gives
//! the same 404 as a missing one, on every route here.

use axum::{
    Extension, Json,
    body::Body,
    extract::{Path, State, rejection::JsonRejection},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use takedown_store::owned::certificates::Certificate;
use utoipa::ToSchema;

use crate::{
    AppState, audit,
    auth::Caller,
    certificate,
    error::{ApiError, ApiResult, ErrorBody, body_error},
    routes::owner::{find_right, owner},
    status::{self, Status, Validity},
    validate,
};

/// A right's registration status and validity dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StatusDto {
    pub status: Status,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    /// When and by which key the status last changed (absent if it never did).
    pub changed_at: Option<String>,
    pub changed_by: Option<String>,
}

/// A requested status change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusChange {
    /// pending, registered, lapsed, cancelled or invalidated.
    pub status: String,
    /// The registration date (needed to register a pending right).
    #[serde(default)]
    pub valid_from: Option<String>,
    /// The new end of validity (needed to renew or restore).
    #[serde(default)]
    pub valid_until: Option<String>,
    /// Why (kept in the audit log).
    #[serde(default)]
    pub reason: String,
}

/// What is stored about a right's certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CertificateDto {
    /// Hex SHA-256 of the bytes.
    pub digest: String,
    pub size: i64,
    /// As sniffed from the bytes: application/pdf, image/png or image/jpeg.
    pub media_type: String,
    pub uploaded_at: String,
    /// The key that uploaded it.
    pub uploaded_by: String,
}

impl From<Certificate> for CertificateDto {
    fn from(c: Certificate) -> Self {
        CertificateDto {
            digest: c.digest,
            size: c.size,
            media_type: c.media_type,
            uploaded_at: c.uploaded_at,
            uploaded_by: c.uploaded_by,
        }
    }
}

fn status_dto(
    right: &takedown_model::Right,
    stored: &takedown_store::owned::status::RightStatus,
) -> ApiResult<StatusDto> {
    Ok(StatusDto {
        status: Status::parse(&stored.status).ok_or_else(|| {
            ApiError::Store(takedown_store::StoreError::NotFound(format!(
                "known status {:?}",
                stored.status
            )))
        })?,
        valid_from: right.valid_from.map(|d| d.to_string()),
        valid_until: right.valid_until.map(|d| d.to_string()),
        changed_at: Some(stored.changed_at.clone()).filter(|t| !t.is_empty()),
        changed_by: Some(stored.changed_by.clone()).filter(|t| !t.is_empty()),
    })
}

#[utoipa::path(get, path = "/v1/rights/{id}/status", tag = "brand_owner", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = StatusDto), (status = 404, body = ErrorBody)))]
pub async fn get_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<StatusDto>> {
    let owner = owner(&caller)?;
    let right = find_right(&state.store, owner, &id).await?;
    let stored = state
        .store
        .right_status_of(owner, &right.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(status_dto(&right, &stored)?))
}

/// Changes a right's status; an illegal transition is refused with 422 naming the rule.
#[utoipa::path(post, path = "/v1/rights/{id}/status", tag = "brand_owner", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = StatusChange,
    responses((status = 200, body = StatusDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Result<Json<StatusChange>, JsonRejection>,
) -> ApiResult<Json<StatusDto>> {
    let owner = owner(&caller)?;
    let before = find_right(&state.store, owner, &id).await?;
    let Json(change) = body.map_err(body_error)?;
    let to = Status::parse(change.status.trim()).ok_or_else(|| {
        ApiError::invalid(
            "status",
            "must be pending, registered, lapsed, cancelled or invalidated",
        )
    })?;
    if change.reason.len() > 500 {
        return Err(ApiError::invalid(
            "reason",
            "must be at most 500 characters",
        ));
    }
    let asked = Validity {
        from: validate::date("valid_from", change.valid_from.as_deref())?,
        until: validate::date("valid_until", change.valid_until.as_deref())?,
    };
    let stored = state
        .store
        .right_status_of(owner, &before.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let shown_before = status_dto(&before, &stored)?;
    let current = Validity {
        from: before.valid_from,
        until: before.valid_until,
    };
    let next = status::transition(shown_before.status, to, current, asked)?;
    let mut right = before.clone();
    right.valid_from = next.from;
    right.valid_until = next.until;
    if !state
        .store
        .set_right_status(&right, to.as_str(), &caller.actor())
        .await?
    {
        // Deleted between the lookup and the change.
        return Err(ApiError::NotFound);
    }
    let stored = state
        .store
        .right_status_of(owner, &right.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let shown = status_dto(&right, &stored)?;
    audit::record(
        &state.store,
        &caller,
        "status",
        "right",
        &id,
        Some(&shown_before),
        Some(&serde_json::json!({ "status": shown, "reason": change.reason.trim() })),
    )
    .await?;
    Ok(Json(shown))
}

/// Uploads (or replaces) the right's registration certificate: the raw bytes as the body,
/// `Content-Type` application/pdf, image/png or image/jpeg (checked against the bytes).
#[utoipa::path(put, path = "/v1/rights/{id}/certificate", tag = "brand_owner", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content(([u8] = "application/pdf"), ([u8] = "image/png"), ([u8] = "image/jpeg"))),
    responses((status = 200, body = CertificateDto), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn put_certificate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<CertificateDto>> {
    let owner = owner(&caller)?;
    let right = find_right(&state.store, owner, &id).await?;
    let blobs = state.blobs.clone().ok_or(ApiError::Unavailable(
        "this server keeps no documents (it has no blob store)",
    ))?;
    // Read at most one byte past the cap, so an oversized body is refused without being
    // held whole in memory.
    let bytes = axum::body::to_bytes(body, certificate::MAX_BYTES)
        .await
        .map_err(|_| ApiError::TooLarge {
            field: "body".into(),
            rule: format!("must be at most {} bytes", certificate::MAX_BYTES),
        })?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let media_type = certificate::accept(declared, &bytes)?;
    let size = bytes.len() as i64;
    let digest = tokio::task::spawn_blocking(move || blobs.put(&bytes))
        .await
        .map_err(|e| ApiError::Internal(format!("blob writer stopped: {e}")))??;
    let before = state.store.certificate_of(owner, &right.id).await?;
    let cert = Certificate {
        right_id: right.id.clone(),
        owner_id: owner.to_owned(),
        digest,
        size,
        media_type: media_type.to_owned(),
        uploaded_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        uploaded_by: caller.actor(),
    };
    if !state.store.put_certificate(&cert).await? {
        return Err(ApiError::NotFound);
    }
    let shown = CertificateDto::from(cert);
    audit::record(
        &state.store,
        &caller,
        if before.is_some() { "update" } else { "create" },
        "certificate",
        &id,
        before.map(CertificateDto::from).as_ref(),
        Some(&shown),
    )
    .await?;
    Ok(Json(shown))
}

/// Downloads the certificate as uploaded, with its sniffed media type.
#[utoipa::path(get, path = "/v1/rights/{id}/certificate", tag = "brand_owner", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, content(([u8] = "application/pdf"), ([u8] = "image/png"), ([u8] = "image/jpeg"))),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn get_certificate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let owner = owner(&caller)?;
    let right = find_right(&state.store, owner, &id).await?;
    let cert = state
        .store
        .certificate_of(owner, &right.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let blobs = state.blobs.clone().ok_or(ApiError::Unavailable(
        "this server keeps no documents (it has no blob store)",
    ))?;
    let digest = cert.digest.clone();
    let bytes = tokio::task::spawn_blocking(move || blobs.get(&digest))
        .await
        .map_err(|e| ApiError::Internal(format!("blob reader stopped: {e}")))??;
    let extension = match cert.media_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    // The stored type was sniffed from these very bytes; nosniff keeps browsers to it.
    for (name, value) in [
        (header::CONTENT_TYPE, cert.media_type.clone()),
        (header::ETAG, format!("\"{}\"", cert.digest)),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"certificate.{extension}\""),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    Ok(response)
}

#[utoipa::path(get, path = "/v1/rights/{id}/certificate/meta", tag = "brand_owner", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CertificateDto), (status = 404, body = ErrorBody)))]
pub async fn certificate_meta(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<CertificateDto>> {
    let owner = owner(&caller)?;
    let right = find_right(&state.store, owner, &id).await?;
    let cert = state
        .store
        .certificate_of(owner, &right.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(cert.into()))
}
