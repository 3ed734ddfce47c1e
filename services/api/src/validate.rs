//! Field rules shared by the request bodies; each failure names the field and the rule.
//! The rules themselves are the model's ([`takedown_model::validate`]), so the API, owner
//! files and CSV imports refuse the same things; these wrappers give the API's error.

use takedown_model::validate::{self as rules, FieldError};

use crate::error::ApiError;

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Validation {
            field: e.field,
            rule: e.rule,
        }
    }
}

/// Client-chosen ids: 1–64 characters of `A-Z a-z 0-9 . _ -`.
pub fn ident(field: &str, value: &str) -> Result<(), ApiError> {
    Ok(rules::ident(field, value)?)
}

/// A required text of at most 500 characters.
pub fn required(field: &str, value: &str) -> Result<(), ApiError> {
    Ok(rules::required(field, value)?)
}

/// An optional ISO date; blank means absent.
pub fn date(field: &str, value: Option<&str>) -> Result<Option<chrono::NaiveDate>, ApiError> {
    Ok(rules::date(field, value)?)
}
