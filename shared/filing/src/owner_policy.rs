//! The filing policy a brand owner sets through the API (`PUT /v1/policy`), stored as the
//! owner's `policy` document: for that owner's matches it replaces the configured policy's
//! thresholds and can hold platforms back for review. The configured policy still supplies
//! the regimes, statements and identities a notice carries. Reading it from the store is the
//! reader's business (`takedown_actioner::owner_policy::Stored`).

use serde::Deserialize;
use takedown_model::{Decision, Match};

use crate::policy::{KindThresholds, Threshold};

/// The kind and id of the owner's policy document (`Store::doc`); the API writes it.
pub const POLICY_DOC: &str = "policy";

/// What the actioner reads of an owner's stored policy: the fields of the API's
/// `PolicyDto`, validated as the configured policy's are.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OwnerPolicy {
    pub auto_file_threshold: Threshold,
    #[serde(default)]
    pub auto_file_thresholds: KindThresholds,
    /// Platforms to which this owner's notices are never sent without review.
    #[serde(default)]
    pub review_only_platforms: Vec<String>,
}

impl OwnerPolicy {
    /// File at once when the match scores at least the owner's threshold for its kind and
    /// its platform is not held for review; otherwise review.
    pub fn decide(&self, found: &Match) -> Decision {
        if self.review_only_platforms.contains(&found.platform) {
            return Decision::Review;
        }
        let threshold = self
            .auto_file_thresholds
            .get(found.kind)
            .unwrap_or(self.auto_file_threshold);
        if found.score >= threshold.get() {
            Decision::AutoFile
        } else {
            Decision::Review
        }
    }
}
