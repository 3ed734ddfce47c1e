//! Registering a logo's or design's image by uploading it: `PUT /v1/rights/{id}/images/{view}`
//! with the PNG or JPEG bytes as the body. The bytes are kept in the blob store under their
//! digest and the right's image for that view is set to it (added, or replacing the view's
//! earlier image), so the matcher compares listings with it from the next rights version on.
//! Until now the API took only digests of images already in the blob store.

use axum::{
    Extension, Json,
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, header},
};
use takedown_model::{RightImage, RightKind};

use crate::{
    AppState, audit,
    auth::Caller,
    certificate,
    error::{ApiError, ApiResult, ErrorBody},
    rights::RightDto,
    routes::owner::{find_right, owner},
    validate,
};

/// The largest image accepted: a registered logo or design view is one picture.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// Uploads the image of one view (`logo`, `front`, `side`, …) of a logo or design right;
/// `Content-Type` image/png or image/jpeg, checked against the bytes.
#[utoipa::path(put, path = "/v1/rights/{id}/images/{view}", tag = "brand_owner", security(("bearer" = [])),
    params(("id" = String, Path), ("view" = String, Path, description = "logo, front, side, …")),
    request_body(content(([u8] = "image/png"), ([u8] = "image/jpeg"))),
    responses((status = 200, body = RightDto), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn put_right_image(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, view)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<RightDto>> {
    let owner = owner(&caller)?;
    let before = find_right(&state.store, owner, &id).await?;
    if before.kind == RightKind::WordMark {
        return Err(ApiError::invalid(
            "id",
            "a word mark has no images; upload to a logo or design",
        ));
    }
    validate::ident("view", &view)?;
    let blobs = state.blobs.clone().ok_or(ApiError::Unavailable(
        "this server keeps no images (it has no blob store)",
    ))?;
    // Read at most one byte past the cap, so an oversized body is refused without being
    // held whole in memory.
    let bytes = axum::body::to_bytes(body, MAX_IMAGE_BYTES)
        .await
        .map_err(|_| ApiError::TooLarge {
            field: "body".into(),
            rule: format!("must be at most {MAX_IMAGE_BYTES} bytes"),
        })?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    // The certificate's sniffing, without its PDF: an image is a PNG or a JPEG.
    if certificate::accept(declared, &bytes)? == "application/pdf" {
        return Err(ApiError::invalid(
            "content-type",
            "must be image/png or image/jpeg",
        ));
    }
    let digest = tokio::task::spawn_blocking(move || blobs.put(&bytes))
        .await
        .map_err(|e| ApiError::Internal(format!("blob writer stopped: {e}")))??;
    let mut right = before.clone();
    match right.images.iter_mut().find(|image| image.view == view) {
        Some(image) => image.digest = digest,
        None => right.images.push(RightImage { view, digest }),
    }
    state.store.upsert_right(&right).await?;
    let shown = RightDto::from_right(&right);
    audit::record(
        &state.store,
        &caller,
        "update",
        "right",
        &id,
        Some(&RightDto::from_right(&before)),
        Some(&shown),
    )
    .await?;
    Ok(Json(shown))
}
