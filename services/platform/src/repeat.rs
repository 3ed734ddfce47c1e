//! Repeat infringers (DMCA 512(i), DSA art. 23, fair rules): upheld cases counted per
//! (platform, seller), a configurable threshold that flags a seller, an export for the
//! platform's enforcement team, and the seller's appeal shown beside the flag.

use serde::{Deserialize, Serialize};

use crate::cases::{CaseError, CaseStore};

/// When a seller counts as a repeat infringer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatPolicy {
    /// Upheld cases on one platform at or above which the seller is flagged.
    pub threshold: u32,
}

impl Default for RepeatPolicy {
    fn default() -> Self {
        // "Two strikes" is the fairs' rule (two consecutive editions); platforms set their own.
        Self { threshold: 2 }
    }
}

/// A seller with upheld cases on one platform, and whether that flags them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RepeatInfringer {
    pub platform: String,
    pub seller: String,
    pub upheld: u32,
    pub flagged: bool,
    pub appealed: bool,
    pub appeal_reason: Option<String>,
    pub appealed_at: Option<String>,
}

/// Every seller with at least one upheld case, most upheld first.
pub async fn repeat_infringers(
    store: &CaseStore,
    policy: RepeatPolicy,
) -> Result<Vec<RepeatInfringer>, CaseError> {
    Ok(store
        .upheld_counts()
        .await?
        .into_iter()
        .map(|count| {
            let (appeal_reason, appealed_at) = count.appeal.unzip();
            RepeatInfringer {
                flagged: count.upheld >= policy.threshold,
                appealed: appeal_reason.is_some(),
                platform: count.platform,
                seller: count.seller,
                upheld: count.upheld,
                appeal_reason,
                appealed_at,
            }
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the repeat-infringer CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("the repeat-infringer CSV is not UTF-8: {0}")]
    Utf8(#[from] std::string::FromUtf8Error),
    #[error("finishing the repeat-infringer CSV failed: {0}")]
    Finish(String),
}

/// The list as CSV with a header row (quoting handled by the csv crate).
pub fn to_csv(list: &[RepeatInfringer]) -> Result<String, ExportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in list {
        writer.serialize(row)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ExportError::Finish(e.to_string()))?;
    Ok(String::from_utf8(bytes)?)
}
