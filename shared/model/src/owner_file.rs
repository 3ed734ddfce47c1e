//! The brand owner's rights file (`owner.json`): the canonical type for that format.
//!
//! The CLI's `rights import` reads it, the sample writes it. Reading the file from disk is
//! the reader's business (the CLI caps its size); this module parses bytes. Image files are named relative
//! to the folder of the owner file; [`OwnerFile::validate`] refuses names that would climb
//! out of it, because import reads whatever those names point at.
//!
//! ```json
//! {"owner": {"id": "acme", "kind": "brand_owner", "name": "…", "contact_email": "…"},
//!  "rights": [{"id": "r-…", "kind": "logo_mark", "name": "…", "registration_number": "…",
//!              "office": "EUIPO", "classes": ["25"], "territories": ["EU"],
//!              "valid_from": "2019-03-01", "valid_until": "2029-03-01",
//!              "images": [{"view": "logo", "file": "logo.png"}]}],
//!  "authorized_sellers": [{"platform": "sample-market", "seller": "…"}]}
//! ```

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::validate::{self as rules, FieldError};
use crate::{AuthorizedSeller, Right, RightImage, RightKind, Tenant, TenantKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The whole rights file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerFile {
    /// The brand owner the file registers (created, or its name and contact updated).
    pub owner: Tenant,
    /// The owner's rights.
    pub rights: Vec<OwnerRight>,
    /// Sellers the owner has licensed, whose listings are never flagged.
    #[serde(default)]
    pub authorized_sellers: Vec<OwnerSeller>,
}

/// One registered right as the file states it: like [`Right`], but with image *files*
/// (digests only exist once import has stored them) and no owner id (the file's owner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerRight {
    /// The right's id, unique across owners (safe alphabet, no `/`).
    pub id: String,
    /// Word mark, logo mark or design.
    pub kind: RightKind,
    /// The mark's text, or the design's title.
    pub name: String,
    /// The registration number at its office.
    pub registration_number: String,
    /// The registering office (`EUIPO`, `CNIPA`, `USPTO`, …).
    #[serde(default)]
    pub office: String,
    /// Nice classes for marks, Locarno classes for designs.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Where the right is registered: ISO 3166 codes, or `EU`.
    #[serde(default)]
    pub territories: Vec<String>,
    /// ISO date (`2019-03-01`); absent means no bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    /// ISO date of the last day in force; absent means no bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// The logo, or the design's views; none for a word mark.
    #[serde(default)]
    pub images: Vec<OwnerRightImage>,
}

/// A logo or one design view: `{"view": "front", "file": "shoe-front.png"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerRightImage {
    /// `logo`, or the design view's name (`front`, `side`, …).
    pub view: String,
    /// Relative to the folder holding the owner file.
    pub file: String,
}

/// A licensed seller: `{"platform": "shop", "seller": "Acme Store"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerSeller {
    /// The platform the seller sells on.
    pub platform: String,
    /// The seller's name as listings show it.
    pub seller: String,
}

/// Why an owner file was refused; nothing of it is registered.
#[derive(Debug, thiserror::Error)]
pub enum OwnerFileError {
    /// The file is not JSON of the owner-file shape.
    #[error("owner file is not valid: {0}")]
    Parse(#[from] serde_json::Error),
    /// A key nothing reads: refused, since ignoring it would register less than meant.
    #[error(
        "owner file has a key nothing reads: {path} (misspelt? the keys are documented in the owner-file format)"
    )]
    UnknownKey {
        /// Where the key is, as a JSON path (`rights[2].clases`).
        path: String,
    },
    /// A field breaks one of the model's field rules.
    #[error("owner file: {at}: {source}")]
    Field {
        /// Where the field is (`rights[2].id`).
        at: String,
        /// The rule it breaks.
        #[source]
        source: FieldError,
    },
    /// More rights or sellers than one file may hold.
    #[error("owner file has {count} {what}, more than the {max} one file may hold")]
    TooMany {
        /// What there is too much of (`rights`, `authorized sellers`).
        what: &'static str,
        /// How many the file holds.
        count: usize,
        /// How many one file may hold.
        max: usize,
    },
    /// The owner's `kind` is not `brand_owner`.
    #[error("owner {id} is not a brand owner")]
    NotBrandOwner {
        /// The owner's id.
        id: String,
    },
    /// Two rights in the file share an id.
    #[error("right id {0} appears more than once")]
    DuplicateRight(String),
    /// A right has images its kind does not allow, or lacks ones it needs.
    #[error("right {right}: a {kind} needs {need}")]
    Images {
        /// The right's id.
        right: String,
        /// The right's kind.
        kind: &'static str,
        /// What that kind needs (`no images`, `at least one image`).
        need: &'static str,
    },
    /// An image file name that could reach outside the owner file's folder.
    #[error(
        "right {right}: image file {file:?} must be a plain relative path inside the owner file's folder"
    )]
    UnsafeImagePath {
        /// The right's id.
        right: String,
        /// The file name as written.
        file: String,
    },
}

impl OwnerFile {
    /// Parses and validates. A key that nothing reads (a misspelt `authorised_sellers`, say)
    /// is refused and named: ignoring it would register an owner with none of what it meant.
    pub fn from_json(bytes: &[u8]) -> Result<Self, OwnerFileError> {
        let mut unknown = Vec::new();
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let file: OwnerFile =
            serde_ignored::deserialize(&mut deserializer, |path| unknown.push(path.to_string()))?;
        deserializer.end()?;
        if let Some(path) = unknown.into_iter().next() {
            return Err(OwnerFileError::UnknownKey { path });
        }
        file.validate()?;
        Ok(file)
    }

    /// Checks what serde cannot, with the rules every other path applies
    /// ([`crate::validate`]): the owner's kind, id and name, safe unique right ids,
    /// each right's fields, images that fit the kind of right, safe relative image paths,
    /// ordered validity dates, the sellers, and bounded counts.
    pub fn validate(&self) -> Result<(), OwnerFileError> {
        if self.owner.kind != TenantKind::BrandOwner {
            return Err(OwnerFileError::NotBrandOwner {
                id: self.owner.id.clone(),
            });
        }
        let at_owner = |source: FieldError| OwnerFileError::Field {
            at: "owner".into(),
            source,
        };
        rules::ident("id", &self.owner.id).map_err(at_owner)?;
        rules::required("name", &self.owner.name).map_err(at_owner)?;
        for (what, count, max) in [
            ("rights", self.rights.len(), rules::MAX_RIGHTS_PER_FILE),
            (
                "authorized sellers",
                self.authorized_sellers.len(),
                rules::MAX_SELLERS_PER_FILE,
            ),
        ] {
            if count > max {
                return Err(OwnerFileError::TooMany { what, count, max });
            }
        }
        for (i, seller) in self.authorized_sellers().iter().enumerate() {
            rules::seller(seller).map_err(|source| OwnerFileError::Field {
                at: format!("authorized_sellers[{i}]"),
                source,
            })?;
        }
        let mut seen = BTreeSet::new();
        for (i, right) in self.rights.iter().enumerate() {
            right
                .check_fields()
                .map_err(|source| OwnerFileError::Field {
                    at: format!("rights[{i}] ({:?})", right.id),
                    source,
                })?;
            if !seen.insert(right.id.as_str()) {
                return Err(OwnerFileError::DuplicateRight(right.id.clone()));
            }
            let need = match right.kind {
                RightKind::WordMark if !right.images.is_empty() => Some("no images"),
                RightKind::LogoMark | RightKind::Design if right.images.is_empty() => {
                    Some("at least one image")
                }
                _ => None,
            };
            if let Some(need) = need {
                return Err(OwnerFileError::Images {
                    right: right.id.clone(),
                    kind: right.kind.as_str(),
                    need,
                });
            }
            if let Some(image) = right
                .images
                .iter()
                .find(|image| !is_plain_relative(&image.file))
            {
                return Err(OwnerFileError::UnsafeImagePath {
                    right: right.id.clone(),
                    file: image.file.clone(),
                });
            }
        }
        Ok(())
    }

    /// The authorized sellers as the model states them.
    pub fn authorized_sellers(&self) -> Vec<AuthorizedSeller> {
        self.authorized_sellers
            .iter()
            .map(|s| AuthorizedSeller {
                owner_id: self.owner.id.clone(),
                platform: s.platform.clone(),
                seller: s.seller.clone(),
            })
            .collect()
    }
}

impl OwnerRight {
    /// The field rules a right obeys on every path, checked before its images are read.
    fn check_fields(&self) -> Result<(), FieldError> {
        rules::ident("id", &self.id)?;
        rules::required("name", &self.name)?;
        rules::required("registration_number", &self.registration_number)?;
        rules::optional_text("office", &self.office)?;
        rules::classes(self.kind, &self.classes)?;
        rules::territories(&self.territories)?;
        rules::validity(self.valid_from, self.valid_until)?;
        if self.images.len() > rules::MAX_IMAGES {
            rules::image_count(self.kind, self.images.len())?;
        }
        for (i, image) in self.images.iter().enumerate() {
            rules::required(&format!("images[{i}].view"), &image.view)?;
        }
        Ok(())
    }

    /// The model's right, once import has stored the images and knows their digests
    /// (in the order of [`OwnerRight::images`]).
    pub fn to_right(&self, owner_id: &str, images: Vec<RightImage>) -> Right {
        Right {
            id: self.id.clone(),
            owner_id: owner_id.to_owned(),
            kind: self.kind,
            name: self.name.clone(),
            registration_number: self.registration_number.clone(),
            office: self.office.clone(),
            classes: self.classes.clone(),
            territories: self.territories.clone(),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            images,
        }
    }
}

impl OwnerRightImage {
    /// Where the image lives, given the folder of the owner file. Only meaningful after
    /// [`OwnerFile::validate`] accepted the name.
    pub fn path_in(&self, dir: &Path) -> PathBuf {
        dir.join(&self.file)
    }
}

/// Names at least one file below the folder: no root, no drive prefix, no `..`.
fn is_plain_relative(file: &str) -> bool {
    let path = Path::new(file);
    path.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && path.components().any(|c| matches!(c, Component::Normal(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"owner": {"id": "acme", "kind": "brand_owner", "name": "Acme", "contact_email": "legal@x.example"},
        "rights": [{"id": "r-w", "kind": "word_mark", "name": "X", "registration_number": "1", "office": "EUIPO",
                    "classes": ["25"], "territories": ["EU"], "valid_from": "2019-03-01", "valid_until": "2029-03-01", "images": []},
                   {"id": "r-l", "kind": "logo_mark", "name": "X logo", "registration_number": "2",
                    "images": [{"view": "logo", "file": "imgs/logo.png"}]}],
        "authorized_sellers": [{"platform": "sample-market", "seller": "X Store"}]}"#;

    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Result<OwnerFile, OwnerFileError> {
        let mut value: serde_json::Value = serde_json::from_str(SAMPLE).expect("json");
        edit(&mut value);
        OwnerFile::from_json(value.to_string().as_bytes())
    }

    #[test]
    fn reads_the_documented_shape_with_optional_fields() {
        let file = OwnerFile::from_json(SAMPLE.as_bytes()).expect("valid");
        assert_eq!(
            file.rights[0].valid_from,
            NaiveDate::from_ymd_opt(2019, 3, 1)
        );
        assert_eq!(file.rights[1].valid_until, None);
        assert_eq!(
            file.rights[1].images[0].path_in(Path::new("/o")),
            PathBuf::from("/o/imgs/logo.png")
        );
        let right = file.rights[1].to_right(
            "acme",
            vec![RightImage {
                view: "logo".into(),
                digest: "d".into(),
            }],
        );
        assert_eq!(
            (right.owner_id.as_str(), right.kind),
            ("acme", RightKind::LogoMark)
        );
        assert_eq!(file.authorized_sellers()[0].owner_id, "acme");
        assert!(with(|v| v["rights"][1]["images"][0]["file"] = "./logo.png".into()).is_ok());
        // Optional dates stay absent on the way out, so a round trip is stable.
        let text = serde_json::to_string(&file).expect("json");
        assert!(!text.contains("null"), "{text}");
        assert_eq!(OwnerFile::from_json(text.as_bytes()).expect("again"), file);
    }

    #[test]
    fn refuses_what_import_must_not_trust() {
        for bad in ["../secret.png", "/etc/passwd", "", ".", "a/../../b.png"] {
            let err = with(|v| v["rights"][1]["images"][0]["file"] = bad.into()).unwrap_err();
            assert!(
                matches!(err, OwnerFileError::UnsafeImagePath { .. }),
                "{bad}: {err}"
            );
        }
        let err = with(|v| v["owner"]["kind"] = "platform".into()).unwrap_err();
        assert!(matches!(err, OwnerFileError::NotBrandOwner { .. }), "{err}");
        let err = with(|v| v["rights"][1]["id"] = "r-w".into()).unwrap_err();
        assert!(matches!(err, OwnerFileError::DuplicateRight(_)), "{err}");
        let err = with(|v| v["rights"][1]["images"] = serde_json::json!([])).unwrap_err();
        assert!(matches!(err, OwnerFileError::Images { .. }), "{err}");
        let err = with(|v| v["rights"][0]["valid_until"] = "2018-01-01".into()).unwrap_err();
        assert!(
            matches!(&err, OwnerFileError::Field { source, .. } if source.field == "valid_until"),
            "{err}"
        );
        let err = with(|v| v["rights"][0]["valid_from"] = "March 2019".into()).unwrap_err();
        assert!(matches!(err, OwnerFileError::Parse(_)), "{err}");
    }

    #[test]
    fn refuses_keys_nothing_reads_naming_them() {
        let err = with(|v| {
            let object = v.as_object_mut().expect("object");
            let sellers = object.remove("authorized_sellers").expect("sellers");
            object.insert("authorised_sellers".into(), sellers);
        })
        .unwrap_err();
        assert!(
            matches!(&err, OwnerFileError::UnknownKey { path } if path == "authorised_sellers"),
            "{err}"
        );
        let err = with(|v| v["rights"][1]["colour"] = "red".into()).unwrap_err();
        assert!(err.to_string().contains("rights.1.colour"), "{err}");
        let err = with(|v| v["owner"]["knd"] = "platform".into()).unwrap_err();
        assert!(err.to_string().contains("owner.knd"), "{err}");
    }

    #[test]
    fn applies_the_rules_of_every_other_path_naming_the_right_and_field() {
        /// An expected message and the edit that should produce it.
        type Case = (&'static str, fn(&mut serde_json::Value));
        let cases: [Case; 8] = [
            ("rights[0] (\"r-w\"): name: is required", |v| {
                v["rights"][0]["name"] = "".into()
            }),
            ("classes[0]: must be a Nice class 1 to 45", |v| {
                v["rights"][0]["classes"] = serde_json::json!(["99"])
            }),
            ("territories[0]: must be an ISO 3166-1", |v| {
                v["rights"][0]["territories"] = serde_json::json!(["ZZZ"])
            }),
            ("id: may contain only", |v| {
                v["rights"][0]["id"] = "bravo/r1".into()
            }),
            ("owner: id: may contain only", |v| {
                v["owner"]["id"] = "a/b".into()
            }),
            ("owner: name: is required", |v| {
                v["owner"]["name"] = " ".into()
            }),
            ("authorized_sellers[0]: seller: is required", |v| {
                v["authorized_sellers"][0]["seller"] = "".into()
            }),
            ("images[0].view: is required", |v| {
                v["rights"][1]["images"][0]["view"] = "".into()
            }),
        ];
        for (expected, edit) in cases {
            let err = with(edit).expect_err(expected);
            assert!(err.to_string().contains(expected), "{expected}: {err}");
        }
        let err = with(|v| {
            v["rights"][0]["classes"] =
                serde_json::json!((1..=300_000).map(|n| n.to_string()).collect::<Vec<_>>())
        })
        .unwrap_err();
        assert!(err.to_string().contains("at most 100 classes"), "{err}");
    }
}
