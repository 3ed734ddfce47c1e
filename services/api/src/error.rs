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

/// Maps a JSON body that does not parse to a validation error naming the rule serde broke.
pub fn body_error(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
    ApiError::invalid("body", rejection.body_text())
}
