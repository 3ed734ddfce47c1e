//! `takedown rights bulk`: imports a CSV or JSON file of rights for one brand owner with the
//! API's validation and row-level error report, showing a progress bar on stderr.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use takedown_model::TenantKind;
use takedown_store::{Store, access::AuditChange};

use crate::{
    error::ApiError,
    rights::{self, ImportReport},
};

/// Rows per transaction: large enough to be fast, small enough that progress moves.
const BATCH: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("reading the import file: {0}")]
    Read(#[from] takedown_fsread::ReadError),
    #[error("tenant {0:?} is not a registered brand owner")]
    NotOwner(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] takedown_store::StoreError),
}

/// Imports `path` (`.json` = an array of rights, anything else = CSV) for `owner_id`.
pub async fn import_file(
    store: &Store,
    owner_id: &str,
    path: &Path,
    progress: bool,
) -> Result<ImportReport, BulkError> {
    match store.tenant(owner_id).await? {
        Some(t) if t.kind == TenantKind::BrandOwner => {}
        _ => return Err(BulkError::NotOwner(owner_id.to_owned())),
    }
    let bytes = takedown_fsread::read(path, takedown_fsread::BULK_MAX_BYTES)?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let mut parsed = if is_json {
        rights::parse_json(owner_id, &bytes)?
    } else {
        rights::parse_csv(owner_id, &bytes)?
    };
    let bar = if progress {
        let bar = ProgressBar::new(parsed.rights.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} rights {per_sec} eta {eta}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut refused = Vec::new();
    for chunk in parsed.rights.chunks(BATCH) {
        // Ids are owner-prefixed, so no row should be refused; any that is (a right stored
        // under that id by another owner) is reported with its row, never counted.
        refused.extend(store.upsert_rights_of(owner_id, chunk).await?);
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    parsed.refuse_stored(&refused);
    let report = ImportReport {
        imported: parsed.rights.len() - refused.len(),
        errors: parsed.errors,
    };
    store
        .append_audit(&AuditChange {
            tenant_id: owner_id,
            actor: "cli",
            action: "import",
            object_kind: "right",
            object_id: "bulk",
            before: None,
            after: Some(serde_json::json!({
                "file": path.display().to_string(),
                "imported": report.imported,
                "refused": report.errors.len(),
            })),
        })
        .await?;
    Ok(report)
}
