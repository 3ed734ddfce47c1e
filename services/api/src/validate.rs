//! Field rules shared by the request bodies; each failure names the field and the rule.

use crate::error::ApiError;

/// Client-chosen ids: 1–64 characters of `A-Z a-z 0-9 . _ -`.
pub fn ident(field: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > 64 {
        return Err(ApiError::invalid(field, "must be 1 to 64 characters"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(ApiError::invalid(
            field,
            "may contain only A-Z, a-z, 0-9, '.', '_', '-'",
        ));
    }
    Ok(())
}

pub fn required(field: &str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    if value.len() > 500 {
        return Err(ApiError::invalid(field, "must be at most 500 characters"));
    }
    Ok(())
}

pub fn date(field: &str, value: Option<&str>) -> Result<Option<chrono::NaiveDate>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, "must be a date YYYY-MM-DD")),
    }
}
