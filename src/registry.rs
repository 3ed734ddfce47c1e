//! Registering rights: an owner file (`owner.json`, see `takedown_sample::OwnerFile`) or a
//! CSV of rights for one owner. Images are copied into the blob store; registering the same
//! file twice changes nothing.

use std::path::Path;

use anyhow::{Context, bail};
use takedown_model::{AuthorizedSeller, Right, RightCsvRow, RightImage, RightKind, split_list};
use takedown_sample::OwnerFile;
use takedown_store::{BlobStore, Store};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub rights: usize,
    pub authorized_sellers: usize,
    /// (line, error) for CSV rows that were refused; the other rows are imported.
    pub row_errors: Vec<(usize, String)>,
}

/// Registers everything in an owner file.
pub async fn import_owner_file(
    store: &Store,
    blobs: &BlobStore,
    path: &Path,
) -> anyhow::Result<ImportReport> {
    let text = takedown_fsread::read_to_string(path, takedown_fsread::DOCUMENT_MAX_BYTES)
        .with_context(|| format!("reading owner file {}", path.display()))?;
    let file: OwnerFile = serde_json::from_str(&text)
        .with_context(|| format!("owner file {} is not valid", path.display()))?;
    file.validate()
        .with_context(|| format!("owner file {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    store.upsert_tenant(&file.owner).await?;
    let mut report = ImportReport::default();
    for right in &file.rights {
        let mut images = Vec::new();
        for image in &right.images {
            let image_path = base.join(&image.file);
            let bytes = takedown_fsread::read_in(
                base,
                Path::new(&image.file),
                takedown_fsread::IMAGE_MAX_BYTES,
            )
            .with_context(|| {
                format!("right {}: reading image {}", right.id, image_path.display())
            })?;
            images.push(RightImage {
                view: image.view.clone(),
                digest: blobs.put(&bytes)?,
            });
        }
        store
            .upsert_right(&Right {
                id: right.id.clone(),
                owner_id: file.owner.id.clone(),
                kind: right.kind,
                name: right.name.clone(),
                registration_number: right.registration_number.clone(),
                office: right.office.clone(),
                classes: right.classes.clone(),
                territories: right.territories.clone(),
                valid_from: right.valid_from,
                valid_until: right.valid_until,
                images,
            })
            .await?;
        report.rights += 1;
    }
    for seller in &file.authorized_sellers {
        store
            .add_authorized_seller(&AuthorizedSeller {
                owner_id: file.owner.id.clone(),
                platform: seller.platform.clone(),
                seller: seller.seller.clone(),
            })
            .await?;
        report.authorized_sellers += 1;
    }
    Ok(report)
}

fn date(field: &str, name: &str) -> anyhow::Result<Option<chrono::NaiveDate>> {
    let field = field.trim();
    if field.is_empty() {
        return Ok(None);
    }
    Ok(Some(field.parse().with_context(|| {
        format!("{name} {field:?} is not a date (YYYY-MM-DD)")
    })?))
}

/// Registers the rights of a CSV file for `owner_id` (an existing tenant).
pub async fn import_rights_csv(
    store: &Store,
    blobs: &BlobStore,
    owner_id: &str,
    path: &Path,
) -> anyhow::Result<ImportReport> {
    if store.tenant(owner_id).await?.is_none() {
        bail!("owner {owner_id:?} is not registered; import its owner file first");
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut reader = csv::Reader::from_reader(std::io::Cursor::new(
        takedown_fsread::read(path, takedown_fsread::CSV_MAX_BYTES)
            .with_context(|| format!("reading {}", path.display()))?,
    ));
    let mut report = ImportReport::default();
    for (index, row) in reader.deserialize::<RightCsvRow>().enumerate() {
        let line = index + 2; // 1-based, after the header
        let result = async {
            let row = row.context("row does not fit the columns")?;
            if row.id.trim().is_empty() {
                bail!("id is required");
            }
            let kind = RightKind::parse(&row.kind).with_context(|| {
                format!("kind {:?} is not word_mark, logo_mark or design", row.kind)
            })?;
            let mut images = Vec::new();
            for pair in split_list(&row.images) {
                let (view, file) = pair
                    .split_once('=')
                    .with_context(|| format!("image {pair:?} is not view=file"))?;
                if Path::new(file).is_absolute() || file.contains("..") {
                    bail!("image file {file:?} must be relative and stay inside the CSV's folder");
                }
                let bytes = takedown_fsread::read_in(
                    base,
                    Path::new(file),
                    takedown_fsread::IMAGE_MAX_BYTES,
                )
                .with_context(|| format!("reading image {file}"))?;
                images.push(RightImage {
                    view: view.to_owned(),
                    digest: blobs.put(&bytes)?,
                });
            }
            let right = Right {
                id: row.id,
                owner_id: owner_id.to_owned(),
                kind,
                name: row.name,
                registration_number: row.registration_number,
                office: row.office,
                classes: split_list(&row.classes),
                territories: split_list(&row.territories),
                valid_from: date(&row.valid_from, "valid_from")?,
                valid_until: date(&row.valid_until, "valid_until")?,
                images,
            };
            store.upsert_right(&right).await?;
            anyhow::Ok(())
        }
        .await;
        match result {
            Ok(()) => report.rights += 1,
            Err(e) => report.row_errors.push((line, format!("{e:#}"))),
        }
    }
    Ok(report)
}
