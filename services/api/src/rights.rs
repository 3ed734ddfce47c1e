//! Rights as the API shows them, their validation, and bulk import (JSON array or CSV) with
//! a per-row error report.
//!
//! A right's stored id is `<owner>/<id>`: ids are unique per owner only, so one owner can
//! never learn, by a collision, that another owner used an id.

use serde::{Deserialize, Serialize};
use takedown_model::{Right, RightCsvRow, RightImage, split_list};
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
    /// Checks every rule ([`takedown_model::validate::right`], the same for every path a
    /// right comes by) and builds the stored right; the error names the first bad field.
    pub fn validate(&self, owner_id: &str) -> Result<Right, ApiError> {
        validate::ident("id", &self.id)?;
        let kind = takedown_model::validate::right_kind("kind", &self.kind)?;
        let right = Right {
            id: stored_id(owner_id, &self.id),
            owner_id: owner_id.to_owned(),
            kind,
            name: self.name.trim().to_owned(),
            registration_number: self.registration_number.trim().to_owned(),
            office: self.office.trim().to_owned(),
            classes: self.classes.clone(),
            territories: self.territories.clone(),
            valid_from: validate::date("valid_from", self.valid_from.as_deref())?,
            valid_until: validate::date("valid_until", self.valid_until.as_deref())?,
            images: self
                .images
                .iter()
                .map(|i| RightImage {
                    view: i.view.clone(),
                    digest: i.digest.clone(),
                })
                .collect(),
        };
        takedown_model::validate::right(&right)?;
        Ok(right)
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

/// The rights of a bulk import that passed validation, each with its row, and the rows that
/// did not.
#[derive(Debug, Default)]
pub struct ParsedRights {
    /// Valid rights, in file order.
    pub rights: Vec<Right>,
    /// The row of each right in [`ParsedRights::rights`] (same index).
    pub rows: Vec<usize>,
    /// Refused rows.
    pub errors: Vec<RowError>,
}

impl ParsedRights {
    fn accept(&mut self, row: usize, right: Right) {
        self.rows.push(row);
        self.rights.push(right);
    }

    /// Reports the rights the store refused to write (their ids belong to another owner) as
    /// refused rows, so the import's report never counts them as imported.
    pub fn refuse_stored(&mut self, refused_ids: &[String]) {
        let refused: std::collections::HashSet<&str> =
            refused_ids.iter().map(String::as_str).collect();
        for (right, &row) in self.rights.iter().zip(&self.rows) {
            if refused.contains(right.id.as_str()) {
                self.errors.push(RowError {
                    row,
                    field: "id".into(),
                    rule: "belongs to another owner; choose another id".into(),
                });
            }
        }
        self.errors.sort_by_key(|e| e.row);
    }
}

/// Parses and validates CSV text: the valid rights and the refused rows. Text that is not
/// UTF-8, has no header or has no rows is refused whole.
pub fn parse_csv(owner_id: &str, text: &[u8]) -> Result<ParsedRights, ApiError> {
    if std::str::from_utf8(text).is_err() || text.contains(&0) {
        return Err(ApiError::invalid("body", "must be CSV text (UTF-8)"));
    }
    let mut reader = csv::Reader::from_reader(text);
    let headers = reader
        .headers()
        .map_err(|e| ApiError::invalid("body", format!("has no readable header line: {e}")))?;
    for column in ["id", "kind", "name", "registration_number"] {
        if !headers.iter().any(|h| h == column) {
            return Err(ApiError::invalid(
                "body",
                format!(
                    "the header line has no {column:?} column (columns: id,kind,name,\
                     registration_number,office,classes,territories,valid_from,valid_until,images)"
                ),
            ));
        }
    }
    let mut parsed = ParsedRights::default();
    let mut rows = 0;
    for (index, row) in reader.deserialize::<RightCsvRow>().enumerate() {
        let line = index + 2;
        rows += 1;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                parsed.errors.push(RowError {
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
            parsed.errors.push(e);
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
            Ok(right) => parsed.accept(line, right),
            Err(e) => parsed.errors.push(row_error(line, e)),
        }
    }
    if rows == 0 {
        return Err(ApiError::invalid("body", "has a header line but no rows"));
    }
    Ok(parsed)
}

/// Parses and validates a JSON array of rights (row = 1-based array index).
pub fn parse_json(owner_id: &str, text: &[u8]) -> Result<ParsedRights, ApiError> {
    let rows: Vec<serde_json::Value> = serde_json::from_slice(text)
        .map_err(|e| ApiError::invalid("body", format!("must be a JSON array of rights: {e}")))?;
    if rows.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "is an empty array: no rights to import",
        ));
    }
    let mut parsed = ParsedRights::default();
    for (index, value) in rows.into_iter().enumerate() {
        let row = index + 1;
        match serde_json::from_value::<RightDto>(value) {
            Ok(dto) if dto.status.as_deref().is_some_and(|s| s != "registered") => {
                parsed.errors.push(RowError {
                    row,
                    field: "status".into(),
                    rule: "bulk import registers rights; other statuses are set per right".into(),
                })
            }
            Ok(dto) => match dto.validate(owner_id) {
                Ok(right) => parsed.accept(row, right),
                Err(e) => parsed.errors.push(row_error(row, e)),
            },
            Err(e) => parsed.errors.push(RowError {
                row,
                field: "row".into(),
                rule: e.to_string(),
            }),
        }
    }
    Ok(parsed)
}
