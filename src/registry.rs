//! Registering rights: an owner file (`owner.json`, see `takedown_model::OwnerFile`) or a
//! CSV of rights for one owner. Images are copied into the blob store; registering the same
//! file twice changes nothing.
//!
//! Both apply the field rules every other path applies (`takedown_model::validate`), and
//! every image is decoded before anything is written, so a text file named as a logo is
//! refused. An owner file is one document: it is registered whole or not at all. A CSV is a
//! list of independent rows, as the API's bulk import treats it: valid rows are registered,
//! refused rows are reported with their line, field and rule.

use std::path::Path;

use anyhow::{Context, bail};
use takedown_matching::ImageLimits;
use takedown_model::validate::{self as rules, FieldError};
use takedown_model::{OwnerFile, Right, RightCsvRow, RightImage, Tenant, split_list};
use takedown_store::{BlobStore, Store};

/// What an import registered and what it refused.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ImportReport {
    pub rights: usize,
    pub authorized_sellers: usize,
    /// (line, error) for CSV rows that were refused; the other rows are imported.
    pub row_errors: Vec<(usize, String)>,
    /// For an owner file naming an existing owner whose name or contact differ: what the
    /// file changed, said so the operator sees it.
    pub owner_changed: Option<String>,
    /// (right id, view) of registered images judged too generic to match by image alone
    /// (`takedown_matching::TOO_GENERIC`): registered, but the matcher will not match them.
    pub too_generic: Vec<(String, String)>,
}

/// Registers everything in an owner file, or nothing: the owner (created, or its name and
/// contact updated — never its kind), its rights and its authorized sellers.
pub async fn import_owner_file(
    store: &Store,
    blobs: &BlobStore,
    path: &Path,
) -> anyhow::Result<ImportReport> {
    let file = read_owner_file(path).with_context(|| format!("owner file {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut rights = Vec::with_capacity(file.rights.len());
    let mut too_generic = Vec::new();
    for right in &file.rights {
        let mut images = Vec::with_capacity(right.images.len());
        for image in &right.images {
            let stored = store_image(blobs, base, &image.file)
                .with_context(|| format!("right {}: image {}", right.id, image.file))?;
            if stored.too_generic {
                too_generic.push((right.id.clone(), image.view.clone()));
            }
            let digest = stored.digest;
            images.push(RightImage {
                view: image.view.clone(),
                digest,
            });
        }
        rights.push(right.to_right(&file.owner.id, images));
    }
    let sellers = file.authorized_sellers();
    let registered = store
        .register_owner(&file.owner, &rights, &sellers)
        .await
        .with_context(|| format!("owner file {}: nothing was registered", path.display()))?;
    Ok(ImportReport {
        rights: rights.len(),
        authorized_sellers: sellers.len(),
        row_errors: Vec::new(),
        owner_changed: registered
            .before
            .filter(|before| *before != file.owner)
            .map(|before| owner_change(&before, &file.owner)),
        too_generic,
    })
}

/// Reads (size-capped), parses and validates the owner file at `path`.
fn read_owner_file(path: &Path) -> anyhow::Result<OwnerFile> {
    let bytes = takedown_fsread::read(path, takedown_fsread::DOCUMENT_MAX_BYTES)
        .context("cannot read owner file")?;
    Ok(OwnerFile::from_json(&bytes)?)
}

/// "owner acme: name "Acme" → "Acme Group"; contact …" for an existing owner a file updates.
fn owner_change(before: &Tenant, after: &Tenant) -> String {
    let mut changes = Vec::new();
    if before.name != after.name {
        changes.push(format!("name {:?} → {:?}", before.name, after.name));
    }
    if before.contact_email != after.contact_email {
        changes.push(format!(
            "contact {:?} → {:?}",
            before.contact_email.as_deref().unwrap_or(""),
            after.contact_email.as_deref().unwrap_or("")
        ));
    }
    format!("owner {} existed; updated {}", after.id, changes.join("; "))
}

/// A registered image as stored: its digest, and whether it is too generic to match by
/// image alone (its hashes sit near many unrelated images':
/// `takedown_matching::image_hash::specificity`).
struct StoredImage {
    digest: String,
    too_generic: bool,
}

/// Hashes the image `file` of `folder` as the matcher will (so that a file that is not an
/// image is refused here, not silently unmatched later), judges its specificity, and stores
/// its bytes. The file is read bounded and must stay inside the folder.
fn store_image(blobs: &BlobStore, folder: &Path, file: &str) -> anyhow::Result<StoredImage> {
    let limits = ImageLimits::default();
    let path = folder.join(file);
    let bytes = takedown_fsread::read_in(folder, Path::new(file), takedown_fsread::IMAGE_MAX_BYTES)
        .with_context(|| format!("reading {}", path.display()))?;
    let views = takedown_matching::hash_reference_views(&bytes, &limits)
        .with_context(|| format!("{} is not a usable image", path.display()))?;
    let too_generic =
        takedown_matching::image_hash::specificity(&views.core, &views.variants).too_generic;
    Ok(StoredImage {
        digest: blobs.put(&bytes)?,
        too_generic,
    })
}

/// Registers the rights of a CSV file for `owner_id` (an existing brand owner). Each row is
/// checked with the rules of every other path; valid rows are registered, refused rows
/// reported with their line. A file with no rows, or one that is not UTF-8 CSV text, is an
/// error.
pub async fn import_rights_csv(
    store: &Store,
    blobs: &BlobStore,
    owner_id: &str,
    path: &Path,
) -> anyhow::Result<ImportReport> {
    match store.tenant(owner_id).await? {
        None => bail!("owner {owner_id:?} is not registered; import its owner file first"),
        Some(tenant) if tenant.kind != takedown_model::TenantKind::BrandOwner => {
            bail!("tenant {owner_id:?} is not a brand owner; only brand owners hold rights")
        }
        Some(_) => {}
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let text = takedown_fsread::read(path, takedown_fsread::CSV_MAX_BYTES)
        .with_context(|| format!("reading {}", path.display()))?;
    if std::str::from_utf8(&text).is_err() || text.contains(&0) {
        bail!("{} is not CSV text (not UTF-8)", path.display());
    }
    let mut reader = csv::Reader::from_reader(text.as_slice());
    let headers = reader
        .headers()
        .with_context(|| format!("{}: reading the header line", path.display()))?
        .clone();
    for column in ["id", "kind", "name", "registration_number"] {
        if !headers.iter().any(|h| h == column) {
            bail!(
                "{}: the header line has no {column:?} column (columns: \
                 id,kind,name,registration_number,office,classes,territories,valid_from,\
                 valid_until,images)",
                path.display()
            );
        }
    }
    let mut report = ImportReport::default();
    let mut rows = 0;
    for (index, row) in reader.deserialize::<RightCsvRow>().enumerate() {
        let line = index + 2; // 1-based, after the header
        rows += 1;
        let mut generic = Vec::new();
        let result = async {
            let row = row.context("row does not fit the columns")?;
            let right = csv_right(owner_id, row, |view, file| {
                if Path::new(file).is_absolute() || file.contains("..") {
                    bail!(
                        "images: file {file:?} must be relative and stay inside the CSV's folder"
                    );
                }
                let stored = store_image(blobs, base, file)?;
                if stored.too_generic {
                    generic.push(view.to_owned());
                }
                Ok(stored.digest)
            })?;
            store.upsert_right(&right).await?;
            anyhow::Ok(right.id)
        }
        .await;
        match result {
            Ok(id) => {
                report.rights += 1;
                report
                    .too_generic
                    .extend(generic.into_iter().map(|view| (id.clone(), view)));
            }
            Err(e) => report.row_errors.push((line, format!("{e:#}"))),
        }
    }
    if rows == 0 {
        bail!("{} has a header line but no rows", path.display());
    }
    Ok(report)
}

/// A CSV row as a right of `owner_id`, checked with the common rules; `image` stores the
/// file a `view=file` pair names (given the view and the file) and returns its digest.
fn csv_right(
    owner_id: &str,
    row: RightCsvRow,
    mut image: impl FnMut(&str, &str) -> anyhow::Result<String>,
) -> anyhow::Result<Right> {
    rules::ident("id", row.id.trim())?;
    let kind = rules::right_kind("kind", &row.kind)?;
    let valid_from = rules::date("valid_from", Some(&row.valid_from))?;
    let valid_until = rules::date("valid_until", Some(&row.valid_until))?;
    let pairs = split_list(&row.images);
    rules::image_count(kind, pairs.len())?;
    let mut images = Vec::with_capacity(pairs.len());
    for (i, pair) in pairs.iter().enumerate() {
        let (view, file) = pair.split_once('=').ok_or_else(|| {
            FieldError::new(format!("images[{i}]"), format!("{pair:?} is not view=file"))
        })?;
        images.push(RightImage {
            view: view.trim().to_owned(),
            digest: image(view.trim(), file.trim())?,
        });
    }
    let right = Right {
        id: row.id.trim().to_owned(),
        owner_id: owner_id.to_owned(),
        kind,
        name: row.name.trim().to_owned(),
        registration_number: row.registration_number.trim().to_owned(),
        office: row.office.trim().to_owned(),
        classes: split_list(&row.classes),
        territories: split_list(&row.territories),
        valid_from,
        valid_until,
        images,
    };
    rules::right(&right)?;
    Ok(right)
}
