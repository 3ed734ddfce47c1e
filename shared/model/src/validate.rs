//! The one set of field rules for what callers hand us: API bodies, owner files, rights CSVs
//! (`takedown rights import` and `rights bulk`) and the bulk route all refuse the same things,
//! with the same words. Each failure names the field and the rule it broke.
//!
//! Ids chosen by callers are kept to a safe alphabet with no separator, so that an id from
//! a file can never equal the `<tenant>/<id>` form the API stores, and a tenant id can never
//! contain the separator that form relies on.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::{AuthorizedSeller, Right, RightKind};

/// A refused field: which one, and the rule it broke (`"classes[2]"`, `"must be a Nice
/// class 1 to 45"`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{field}: {rule}")]
pub struct FieldError {
    /// The field's path within the checked value (`name`, `classes[2]`, `images[0].view`).
    pub field: String,
    /// What the value must be.
    pub rule: String,
}

impl FieldError {
    /// A refusal of `field` for breaking `rule`.
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The same refusal, its field placed under `parent` (`rights[3]` + `name` →
    /// `rights[3].name`).
    pub fn within(self, parent: &str) -> Self {
        Self {
            field: format!("{parent}.{}", self.field),
            rule: self.rule,
        }
    }
}

/// Longest caller-chosen id.
pub const MAX_ID_LEN: usize = 64;
/// Longest free-text field (names, registration numbers, seller names).
pub const MAX_TEXT_LEN: usize = 500;
/// Most classes one right may list (Nice has 45; Locarno subclasses are more, but a single
/// registration names a handful).
pub const MAX_CLASSES: usize = 100;
/// Most territories one right may list (every ISO 3166 code and the regional ones).
pub const MAX_TERRITORIES: usize = 260;
/// Most images (logo variants or design views) one right may have.
pub const MAX_IMAGES: usize = 50;
/// Most rights one owner file may hold (larger sets go through `rights bulk`).
pub const MAX_RIGHTS_PER_FILE: usize = 10_000;
/// Most authorized sellers one owner file may hold.
pub const MAX_SELLERS_PER_FILE: usize = 10_000;

/// Territories that are not ISO 3166-1 countries but are registered in: the EU (EUIPO) and
/// WIPO's international registrations.
const REGIONAL_TERRITORIES: [&str; 2] = ["EU", "WO"];

/// Caller-chosen ids (rights, tenants): 1–64 characters of `A-Z a-z 0-9 . _ -`, not `.` or
/// `..` alone.
pub fn ident(field: &str, value: &str) -> Result<(), FieldError> {
    if value.is_empty() || value.len() > MAX_ID_LEN {
        return Err(FieldError::new(field, "must be 1 to 64 characters"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(FieldError::new(
            field,
            "may contain only A-Z, a-z, 0-9, '.', '_', '-'",
        ));
    }
    if value == "." || value == ".." {
        return Err(FieldError::new(field, "must not be '.' or '..'"));
    }
    Ok(())
}

/// A required text: not blank, at most [`MAX_TEXT_LEN`] bytes.
pub fn required(field: &str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    optional_text(field, value)
}

/// An optional text: at most [`MAX_TEXT_LEN`] bytes, no control characters.
pub fn optional_text(field: &str, value: &str) -> Result<(), FieldError> {
    if value.len() > MAX_TEXT_LEN {
        return Err(FieldError::new(field, "must be at most 500 characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// An optional ISO date (`2019-03-01`); blank means absent.
pub fn date(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| FieldError::new(field, format!("must be a date YYYY-MM-DD, not {v:?}"))),
    }
}

/// The kind of right named by `value`.
pub fn right_kind(field: &str, value: &str) -> Result<RightKind, FieldError> {
    RightKind::parse(value)
        .ok_or_else(|| FieldError::new(field, "must be word_mark, logo_mark or design"))
}

/// Every rule on a right except its id (callers check ids with [`ident`] before they
/// compose the stored id): name and registration number present, classes that fit the
/// kind (Nice 1–45 for marks, Locarno `NN-NN` for designs) and no repeats, real territory
/// codes, validity in order, images that fit the kind (none for a word mark, 1 to
/// [`MAX_IMAGES`] for a logo or design) with a view and a SHA-256 digest each.
pub fn right(right: &Right) -> Result<(), FieldError> {
    required("name", &right.name)?;
    required("registration_number", &right.registration_number)?;
    optional_text("office", &right.office)?;
    classes(right.kind, &right.classes)?;
    territories(&right.territories)?;
    validity(right.valid_from, right.valid_until)?;
    image_count(right.kind, right.images.len())?;
    for (i, image) in right.images.iter().enumerate() {
        required(&format!("images[{i}].view"), &image.view)?;
        if !is_sha256_hex(&image.digest) {
            return Err(FieldError::new(
                format!("images[{i}].digest"),
                "must be a lowercase hex SHA-256 of a stored image",
            ));
        }
    }
    Ok(())
}

/// Nice classes (1–45) for marks, Locarno classes (`NN-NN`, class 01–32) for designs; at
/// most [`MAX_CLASSES`], none repeated.
pub fn classes(kind: RightKind, classes: &[String]) -> Result<(), FieldError> {
    if classes.len() > MAX_CLASSES {
        return Err(FieldError::new(
            "classes",
            format!("must list at most {MAX_CLASSES} classes"),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, class) in classes.iter().enumerate() {
        let field = format!("classes[{i}]");
        let ok = if kind == RightKind::Design {
            is_locarno(class)
        } else {
            class.parse::<u8>().is_ok_and(|n| (1..=45).contains(&n)) && !class.starts_with('+')
        };
        if !ok {
            let rule = if kind == RightKind::Design {
                "must be a Locarno class NN-NN (class 01 to 32)"
            } else {
                "must be a Nice class 1 to 45"
            };
            return Err(FieldError::new(field, rule));
        }
        if !seen.insert(class.trim_start_matches('0')) {
            return Err(FieldError::new(field, format!("repeats class {class}")));
        }
    }
    Ok(())
}

fn is_locarno(class: &str) -> bool {
    let bytes = class.as_bytes();
    bytes.len() == 5
        && bytes[2] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(j, b)| j == 2 || b.is_ascii_digit())
        && class[..2]
            .parse::<u8>()
            .is_ok_and(|n| (1..=32).contains(&n))
}

/// ISO 3166-1 alpha-2 country codes (upper case), or EU / WO; at most [`MAX_TERRITORIES`],
/// none repeated.
pub fn territories(territories: &[String]) -> Result<(), FieldError> {
    if territories.len() > MAX_TERRITORIES {
        return Err(FieldError::new(
            "territories",
            format!("must list at most {MAX_TERRITORIES} territories"),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, code) in territories.iter().enumerate() {
        let field = format!("territories[{i}]");
        let known = REGIONAL_TERRITORIES.contains(&code.as_str())
            || (code.len() == 2
                && code.bytes().all(|b| b.is_ascii_uppercase())
                && isocountry::CountryCode::for_alpha2(code).is_ok());
        if !known {
            return Err(FieldError::new(
                field,
                format!(
                    "must be an ISO 3166-1 alpha-2 code in upper case (or EU, WO), not {code:?}"
                ),
            ));
        }
        if !seen.insert(code.as_str()) {
            return Err(FieldError::new(field, format!("repeats territory {code}")));
        }
    }
    Ok(())
}

/// `valid_until` not before `valid_from`.
pub fn validity(from: Option<NaiveDate>, until: Option<NaiveDate>) -> Result<(), FieldError> {
    match (from, until) {
        (Some(f), Some(u)) if u < f => Err(FieldError::new(
            "valid_until",
            format!("must not be before valid_from ({u} is before {f})"),
        )),
        _ => Ok(()),
    }
}

/// A word mark has no images; a logo mark or design has 1 to [`MAX_IMAGES`].
pub fn image_count(kind: RightKind, count: usize) -> Result<(), FieldError> {
    match kind {
        RightKind::WordMark if count > 0 => Err(FieldError::new(
            "images",
            "a word mark has no images (register a logo as a logo_mark)",
        )),
        RightKind::LogoMark | RightKind::Design if count == 0 => Err(FieldError::new(
            "images",
            "a logo mark or design needs at least one image",
        )),
        _ if count > MAX_IMAGES => Err(FieldError::new(
            "images",
            format!("must have at most {MAX_IMAGES} images"),
        )),
        _ => Ok(()),
    }
}

/// An authorized seller: a platform id and the seller's name as the platform shows it.
pub fn seller(seller: &AuthorizedSeller) -> Result<(), FieldError> {
    required("platform", &seller.platform)?;
    required("seller", &seller.seller)
}

fn is_sha256_hex(digest: &str) -> bool {
    digest.len() == 64
        && digest
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RightImage;

    fn logo() -> Right {
        Right {
            id: "r1".into(),
            owner_id: "acme".into(),
            kind: RightKind::LogoMark,
            name: "Acme logo".into(),
            registration_number: "1".into(),
            office: "EUIPO".into(),
            classes: vec!["25".into()],
            territories: vec!["EU".into(), "CN".into()],
            valid_from: NaiveDate::from_ymd_opt(2019, 1, 1),
            valid_until: NaiveDate::from_ymd_opt(2029, 1, 1),
            images: vec![RightImage {
                view: "logo".into(),
                digest: "a".repeat(64),
            }],
        }
    }

    fn refused(edit: impl FnOnce(&mut Right)) -> FieldError {
        let mut r = logo();
        edit(&mut r);
        right(&r).expect_err("refused")
    }

    #[test]
    fn a_complete_right_passes() {
        right(&logo()).expect("valid");
    }

    #[test]
    fn each_rule_names_its_field() {
        assert_eq!(refused(|r| r.name = " ".into()).field, "name");
        assert_eq!(
            refused(|r| r.classes = vec!["99".into()]).field,
            "classes[0]"
        );
        assert_eq!(
            refused(|r| r.classes = vec!["25".into(), "025".into()]).field,
            "classes[1]"
        );
        assert_eq!(
            refused(|r| r.classes = (1..=101).map(|n| n.to_string()).collect()).field,
            "classes"
        );
        assert_eq!(
            refused(|r| r.territories = vec!["ZZZ".into()]).field,
            "territories[0]"
        );
        assert_eq!(
            refused(|r| r.territories = vec!["ZZ".into()]).field,
            "territories[0]"
        );
        assert_eq!(
            refused(|r| r.territories = vec!["de".into()]).field,
            "territories[0]"
        );
        assert_eq!(
            refused(|r| r.valid_from = NaiveDate::from_ymd_opt(2030, 1, 1)).field,
            "valid_until"
        );
        assert_eq!(refused(|r| r.images.clear()).field, "images");
        assert_eq!(
            refused(|r| r.images[0].digest = "not-a-digest".into()).field,
            "images[0].digest"
        );
        assert_eq!(refused(|r| r.name = "a\u{0}b".into()).field, "name");
    }

    #[test]
    fn designs_take_locarno_classes_and_word_marks_take_no_images() {
        let err = refused(|r| {
            r.kind = RightKind::Design;
            r.classes = vec!["33-01".into()];
        });
        assert_eq!(err.field, "classes[0]");
        let mut design = logo();
        design.kind = RightKind::Design;
        design.classes = vec!["02-04".into()];
        right(&design).expect("a Locarno class");
        assert_eq!(refused(|r| r.kind = RightKind::WordMark).field, "images");
    }

    #[test]
    fn ids_have_no_separator() {
        ident("id", "r-1.a_B").expect("safe");
        for bad in ["", "a/b", "..", ".", "a b", "ü", &"x".repeat(65)] {
            assert!(ident("id", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_nested_error_names_its_path() {
        let err = FieldError::new("name", "is required").within("rights[2]");
        assert_eq!(err.to_string(), "rights[2].name: is required");
    }
}
