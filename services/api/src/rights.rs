//! Rights as the API shows them, their validation, and bulk import (JSON array or CSV) with
//! a per-row error report.
//!
//! A right's stored id is `<owner>/<id>`: ids are unique per owner only, so one owner can
//! never learn, by a collision, that another owner used an id.

use serde::{Deserialize, Serialize};
use takedown_model::{Right, RightCsvRow, RightImage, RightKind, split_list};
use utoipa::ToSchema;

use crate::{error::ApiError, validate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImageDto {
    /// "logo", "front", "side", …
    pub view: String,
    /// SHA-256 (hex) of the image in the blob store.
    pub digest: String,
}

/// A word mark, logo mark or design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RightDto {
    pub id: String,
    /// word_mark, logo_mark or design.
    pub kind: String,
    pub name: String,
    pub registration_number: String,
    #[serde(default)]
    pub office: String,
    /// Nice classes (1–45) for marks, Locarno classes (NN-NN) for designs.
    #[serde(default)]
    pub classes: Vec<String>,
    /// ISO 3166 alpha-2 codes, or EU / WO.
    #[serde(default)]
    pub territories: Vec<String>,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
    #[serde(default)]
    pub images: Vec<ImageDto>,
    /// The registration status (see `status`): shown on reads; on creation it may be
    /// pending or registered (the default); later changes go through
    /// `POST /v1/rights/{id}/status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

pub fn stored_id(owner_id: &str, id: &str) -> String {
    format!("{owner_id}/{id}")
}

impl RightDto {
    /// Checks every rule and builds the stored right; the error names the first bad field.
    pub fn validate(&self, owner_id: &str) -> Result<Right, ApiError> {
        validate::ident("id", &self.id)?;
        let kind = match self.kind.as_str() {
            "word_mark" => RightKind::WordMark,
            "logo_mark" => RightKind::LogoMark,
            "design" => RightKind::Design,
            _ => {
                return Err(ApiError::invalid(
                    "kind",
                    "must be word_mark, logo_mark or design",
                ));
            }
        };
        validate::required("name", &self.name)?;
        validate::required("registration_number", &self.registration_number)?;
        for (i, class) in self.classes.iter().enumerate() {
            let ok = if kind == RightKind::Design {
                // Locarno: class-subclass, e.g. "02-04".
                class.len() == 5
                    && class.as_bytes()[2] == b'-'
                    && class
                        .bytes()
                        .enumerate()
                        .all(|(j, b)| j == 2 || b.is_ascii_digit())
            } else {
                class.parse::<u8>().is_ok_and(|n| (1..=45).contains(&n))
            };
            if !ok {
                let rule = if kind == RightKind::Design {
                    "must be a Locarno class NN-NN"
                } else {
                    "must be a Nice class 1 to 45"
                };
                return Err(ApiError::invalid(format!("classes[{i}]"), rule));
            }
        }
        for (i, t) in self.territories.iter().enumerate() {
            if !(t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase())) {
                return Err(ApiError::invalid(
                    format!("territories[{i}]"),
                    "must be an ISO 3166 alpha-2 code (or EU, WO)",
                ));
            }
        }
        let from = validate::date("valid_from", self.valid_from.as_deref())?;
        let until = validate::date("valid_until", self.valid_until.as_deref())?;
        if let (Some(f), Some(u)) = (from, until)
            && u < f
        {
            return Err(ApiError::invalid(
                "valid_until",
                "must not be before valid_from",
            ));
        }
        if kind != RightKind::WordMark && self.images.is_empty() {
            return Err(ApiError::invalid(
                "images",
                "a logo mark or design needs at least one image",
            ));
        }
        for (i, image) in self.images.iter().enumerate() {
            validate::required(&format!("images[{i}].view"), &image.view)?;
            if !(image.digest.len() == 64
                && image
                    .digest
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            {
                return Err(ApiError::invalid(
                    format!("images[{i}].digest"),
                    "must be a lowercase hex SHA-256 of a stored image",
                ));
            }
        }
        Ok(Right {
            id: stored_id(owner_id, &self.id),
            owner_id: owner_id.to_owned(),
            kind,
            name: self.name.trim().to_owned(),
            registration_number: self.registration_number.trim().to_owned(),
            office: self.office.trim().to_owned(),
            classes: self.classes.clone(),
            territories: self.territories.clone(),
            valid_from: from,
            valid_until: until,
            images: self
                .images
                .iter()
                .map(|i| RightImage {
                    view: i.view.clone(),
                    digest: i.digest.clone(),
                })
                .collect(),
        })
    }

    pub fn from_right(right: &Right) -> Self {
        let prefix = format!("{}/", right.owner_id);
        RightDto {
            id: right
                .id
                .strip_prefix(&prefix)
                .unwrap_or(&right.id)
                .to_owned(),
            kind: right.kind.as_str().to_owned(),
            name: right.name.clone(),
            registration_number: right.registration_number.clone(),
            office: right.office.clone(),
            classes: right.classes.clone(),
            territories: right.territories.clone(),
            valid_from: right.valid_from.map(|d| d.to_string()),
            valid_until: right.valid_until.map(|d| d.to_string()),
            images: right
                .images
                .iter()
                .map(|i| ImageDto {
                    view: i.view.clone(),
                    digest: i.digest.clone(),
                })
                .collect(),
            status: None,
        }
    }

    /// The shown right with its status.
    pub fn with_status(mut self, status: &str) -> Self {
        self.status = Some(status.to_owned());
        self
    }
}

/// One refused row of a bulk import: 1-based row number (CSV: the line, header is line 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub rule: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub imported: usize,
    pub errors: Vec<RowError>,
}

fn row_error(row: usize, e: ApiError) -> RowError {
    match e {
        ApiError::Validation { field, rule } => RowError { row, field, rule },
        other => RowError {
            row,
            field: "row".into(),
            rule: other.to_string(),
        },
    }
}

/// Parses and validates CSV text: the valid rights and the refused rows.
pub fn parse_csv(owner_id: &str, text: &[u8]) -> (Vec<Right>, Vec<RowError>) {
    let mut reader = csv::Reader::from_reader(text);
    let mut rights = Vec::new();
    let mut errors = Vec::new();
    for (index, row) in reader.deserialize::<RightCsvRow>().enumerate() {
        let line = index + 2;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                errors.push(RowError {
                    row: line,
                    field: "row".into(),
                    rule: format!("does not fit the columns: {e}"),
                });
                continue;
            }
        };
        let mut images = Vec::new();
        let mut bad = None;
        for pair in split_list(&row.images) {
            match pair.split_once('=') {
                Some((view, digest)) => images.push(ImageDto {
                    view: view.into(),
                    digest: digest.into(),
                }),
                None => {
                    bad = Some(RowError {
                        row: line,
                        field: "images".into(),
                        rule: "must be view=digest pairs".into(),
                    })
                }
            }
        }
        if let Some(e) = bad {
            errors.push(e);
            continue;
        }
        let dto = RightDto {
            id: row.id,
            kind: row.kind,
            name: row.name,
            registration_number: row.registration_number,
            office: row.office,
            classes: split_list(&row.classes),
            territories: split_list(&row.territories),
            valid_from: Some(row.valid_from),
            valid_until: Some(row.valid_until),
            images,
            status: None,
        };
        match dto.validate(owner_id) {
            Ok(right) => rights.push(right),
            Err(e) => errors.push(row_error(line, e)),
        }
    }
    (rights, errors)
}

/// Parses and validates a JSON array of rights (row = 1-based array index).
pub fn parse_json(owner_id: &str, text: &[u8]) -> Result<(Vec<Right>, Vec<RowError>), ApiError> {
    let rows: Vec<serde_json::Value> = serde_json::from_slice(text)
        .map_err(|e| ApiError::invalid("body", format!("must be a JSON array of rights: {e}")))?;
    let mut rights = Vec::new();
    let mut errors = Vec::new();
    for (index, value) in rows.into_iter().enumerate() {
        let row = index + 1;
        match serde_json::from_value::<RightDto>(value) {
            Ok(dto) if dto.status.as_deref().is_some_and(|s| s != "registered") => {
                errors.push(RowError {
                    row,
                    field: "status".into(),
                    rule: "bulk import registers rights; other statuses are set per right".into(),
                })
            }
            Ok(dto) => match dto.validate(owner_id) {
                Ok(right) => rights.push(right),
                Err(e) => errors.push(row_error(row, e)),
            },
            Err(e) => errors.push(RowError {
                row,
                field: "row".into(),
                rule: e.to_string(),
            }),
        }
    }
    Ok((rights, errors))
}
