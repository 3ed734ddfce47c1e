//! The API's error type and its JSON body. A missing object and another tenant's object give
//! the very same 404 body, so a response never tells whether an id exists elsewhere.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or invalid API key")]
    Unauthorized,
    #[error("this key may not do that: {0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("{field}: {rule}")]
    Validation { field: String, rule: String },
    #[error("{0}")]
    Conflict(&'static str),
    #[error("too many failed authentication attempts; try again later")]
    RateLimited,
    #[error("{field}: {rule}")]
    TooLarge { field: String, rule: String },
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("storage failed: {0}")]
    Store(#[from] takedown_store::StoreError),
    #[error("document storage failed: {0}")]
    Blob(#[from] takedown_store::BlobError),
    #[error("publishing failed: {0}")]
    Bus(#[from] takedown_bus::BusError),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        ApiError::Validation {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

/// Every error response: `error` is a stable code, `message` a sentence; validation errors
/// also name the `field` and the `rule` it broke.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Validation { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Store(
                takedown_store::StoreError::OwnedByAnother { .. }
                | takedown_store::StoreError::TenantKindConflict { .. },
            ) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Store(e) => {
                tracing::error!(error = %e, "store failure behind an API request");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
            ApiError::Blob(e) => {
                tracing::error!(error = %e, "blob store failure behind an API request");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "failure behind an API request");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
            ApiError::Bus(e) => {
                tracing::error!(error = %e, "bus failure behind an API request");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
        };
        let (field, rule) = match &self {
            ApiError::Validation { field, rule } | ApiError::TooLarge { field, rule } => {
                (Some(field.clone()), Some(rule.clone()))
            }
            _ => (None, None),
        };
        let message = match &self {
            // The same words whoever holds the id: a caller learns only that it is taken.
            ApiError::Store(
                takedown_store::StoreError::OwnedByAnother { .. }
                | takedown_store::StoreError::TenantKindConflict { .. },
            ) => "this id is taken; choose another".to_owned(),
            // Never echo storage details to a caller.
            ApiError::Store(_) | ApiError::Blob(_) | ApiError::Internal(_) => {
                "internal error".to_owned()
            }
            ApiError::Bus(_) => {
                "the notice is stored but could not be published yet; approve again to retry"
                    .to_owned()
            }
            other => other.to_string(),
        };
        (
            status,
            Json(ErrorBody {
                error: code,
                message,
                field,
                rule,
            }),
        )
            .into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Maps a JSON body that does not parse to a validation error naming the rule serde broke,
/// and one over the size limit to 413.
pub fn body_error(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge {
            field: "body".into(),
            rule: rejection.body_text(),
        };
    }
    ApiError::invalid("body", rejection.body_text())
}

/// Rewrites an error response that is not already JSON (axum's own answers: no such route,
/// method not allowed, body too large, unsupported media type) into the JSON error shape,
/// keeping its status and its text as the message.
pub async fn json_error_shape(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    // The console's pages answer their errors as pages.
    let is_page = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_json || is_page {
        return response;
    }
    let (parts, body) = response.into_parts();
    // axum's own error texts are short; anything longer is cut rather than held.
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNAUTHORIZED => "unauthorized",
        s if s.is_server_error() => "internal",
        _ => "invalid",
    };
    let message = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if message.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        message
    };
    let mut rewritten = (
        status,
        Json(ErrorBody {
            error: code,
            message,
            field: None,
            rule: None,
        }),
    )
        .into_response();
    // Keep what the original said beyond its body (e.g. `Allow` on a 405).
    for (name, value) in parts.headers.iter() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}
