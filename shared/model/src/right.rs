//! Registered rights and the sellers a brand owner has authorized.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kind of a registered right; decides how the matcher compares it with listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RightKind {
    /// A word mark: compared with listing titles.
    WordMark,
    /// A logo (figurative) mark: compared with listing images.
    LogoMark,
    /// A registered design, with several views: compared with listing images.
    Design,
}

impl RightKind {
    /// The kind with this name (`word_mark`, `logo_mark`, `design`), surrounding spaces
    /// ignored.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "word_mark" => Some(RightKind::WordMark),
            "logo_mark" => Some(RightKind::LogoMark),
            "design" => Some(RightKind::Design),
            _ => None,
        }
    }

    /// The kind's name as stored and written in CSVs.
    pub fn as_str(self) -> &'static str {
        match self {
            RightKind::WordMark => "word_mark",
            RightKind::LogoMark => "logo_mark",
            RightKind::Design => "design",
        }
    }
}

/// One registered image of a right: a logo, or one view of a design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RightImage {
    /// "logo", "front", "side", … — a design has several.
    pub view: String,
    /// SHA-256 of the image bytes in the blob store.
    pub digest: String,
}

/// A registered right of a brand owner, as the matcher uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Right {
    /// The right's id, chosen by the owner (safe alphabet, no `/`) or `<tenant>/<id>` through
    /// the API.
    pub id: String,
    /// The brand owner tenant that holds the right.
    pub owner_id: String,
    /// Word mark, logo mark or design.
    pub kind: RightKind,
    /// The mark's text for word marks; a title for logos and designs.
    pub name: String,
    /// The registration number at its office; shown in notices.
    pub registration_number: String,
    /// The registering office, e.g. "EUIPO", "CNIPA", "USPTO".
    #[serde(default)]
    pub office: String,
    /// Nice classes for marks, Locarno classes for designs.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Territories as ISO 3166 codes, or "EU".
    #[serde(default)]
    pub territories: Vec<String>,
    /// First day in force; `None`: since before anything the matcher sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// Last day in force; `None`: no end known. Out of force, the right is not matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// Logo images or design views; empty for a word mark.
    #[serde(default)]
    pub images: Vec<RightImage>,
}

impl Right {
    /// Whether the registration is in force on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= day)
            && self.valid_until.is_none_or(|until| day <= until)
    }
}

/// One row of a rights CSV:
/// `id,kind,name,registration_number,office,classes,territories,valid_from,valid_until,images`.
/// Lists are `;`-separated (see [`split_list`]); images are `view=…` pairs, naming a file for
/// `takedown rights import` and a blob digest for the API's bulk import.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RightCsvRow {
    /// The right's id (see [`Right::id`]).
    pub id: String,
    /// `word_mark`, `logo_mark` or `design`.
    pub kind: String,
    /// The mark's text or the design's title.
    pub name: String,
    /// The registration number.
    pub registration_number: String,
    /// The registering office.
    #[serde(default)]
    pub office: String,
    /// `;`-separated classes.
    #[serde(default)]
    pub classes: String,
    /// `;`-separated territories.
    #[serde(default)]
    pub territories: String,
    /// First day in force, `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub valid_from: String,
    /// Last day in force, `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub valid_until: String,
    /// `;`-separated `view=…` pairs.
    #[serde(default)]
    pub images: String,
}

/// A `;`-separated CSV cell as its trimmed, non-empty parts.
pub fn split_list(field: &str) -> Vec<String> {
    field
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A seller the owner has licensed: its listings are never flagged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizedSeller {
    /// The owner that licensed the seller.
    pub owner_id: String,
    /// The platform the seller sells on.
    pub platform: String,
    /// The seller's name as listings show it.
    pub seller: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn right(from: Option<&str>, until: Option<&str>) -> Right {
        Right {
            id: "r".into(),
            owner_id: "o".into(),
            kind: RightKind::WordMark,
            name: "X".into(),
            registration_number: "1".into(),
            office: String::new(),
            classes: vec![],
            territories: vec![],
            valid_from: from.map(|d| d.parse().expect("date")),
            valid_until: until.map(|d| d.parse().expect("date")),
            images: vec![],
        }
    }

    #[test]
    fn validity_bounds_are_inclusive_and_optional() {
        let day: NaiveDate = "2026-01-01".parse().expect("date");
        assert!(right(None, None).in_force_on(day));
        assert!(right(Some("2026-01-01"), Some("2026-01-01")).in_force_on(day));
        assert!(!right(Some("2026-01-02"), None).in_force_on(day));
        assert!(!right(None, Some("2025-12-31")).in_force_on(day));
    }
}
