//! A fair organizer's stored documents that the fair routes write and screening runs read:
//! exhibitors with their products and IP filings, and screening runs with their results.
//! Kept apart from both so that neither imports the other's internals.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The document kind of an exhibitor (its id includes its fair).
pub(crate) const EXHIBITOR: &str = "exhibitor";
/// The document kind of a screening run (its id includes its fair).
pub(crate) const SCREENING: &str = "screening";

/// An IP right an exhibitor declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FilingDto {
    pub registration_number: String,
    pub office: String,
}

/// A product an exhibitor brings; screening runs match its title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductDto {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExhibitorDto {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub booth: String,
    #[serde(default)]
    pub filings: Vec<FilingDto>,
    /// When the exhibitor signed the non-infringement pledge (YYYY-MM-DD), if it did.
    #[serde(default)]
    pub pledge_signed_on: Option<String>,
    /// The products the exhibitor brings (what screening runs check).
    #[serde(default)]
    pub products: Vec<ProductDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScreeningDto {
    pub id: String,
    /// queued, running, done or failed.
    pub status: String,
    pub requested_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// What matched (when done).
    #[serde(default)]
    pub results: Vec<ScreeningResult>,
    /// Why the run failed (when failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One exhibitor product that matched a registered mark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScreeningResult {
    pub exhibitor_id: String,
    pub exhibitor_name: String,
    pub product_id: String,
    pub product_title: String,
    /// The matched right, by its public registry facts.
    pub registration_number: String,
    pub office: String,
    pub mark: String,
    pub classes: Vec<String>,
    /// Whether the exhibitor declared this very registration among its own IP filings.
    pub declared_by_exhibitor: bool,
    /// Why: the part of the title that matched, normalized, and the kind of variant
    /// (exact, confusable, spacing, edit_distance, traditional_form, same_pinyin).
    pub span: String,
    pub normalized: String,
    pub variant: String,
    pub distance: u32,
    /// 0–1: how sure the variant makes the match.
    pub score: f32,
}
