//! The matcher's configuration: the `[matcher]` table of `takedown.toml`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use takedown_bus::Bus;
use takedown_matching::verify::VerifyPolicy;
use takedown_store::{BlobStore, Store};

use crate::Matcher;

/// What the matcher stage is built from. The thresholds are the matching crate's (fitted on
/// the calibration split); what is configurable is when the verification stage runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatcherConfig {
    /// When a listing photo is checked against registered images by local features.
    #[serde(default)]
    pub verification: ImageVerification,
}

/// When the verification stage (local features matched under one perspective mapping)
/// runs: `[matcher] verification = "off" | "weak" | "weak_then_all" | "confirmed"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageVerification {
    /// Never: the hashes alone decide (and registered images' features are not computed).
    Off,
    /// On the rights the hashes paired with a photo without the pair standing (at most
    /// eight per photo, closest first): the default before `confirmed`.
    Weak,
    /// As `weak`, and against every registered image when the hashes found nothing in a
    /// photo: finds more logos in scenes, at a cost that grows with the registry.
    WeakThenAll,
    /// Every photo is verified against the registrations its local features vote for (an
    /// index over every registered image's descriptors, at most eight per photo) and the
    /// weak candidates; a hash hit below the score fitted for "≤ 1 % flagged" stands only
    /// when verified. Every listing photo is read from the blob store for its features.
    /// The default (`bench/matching/REPORT.md`).
    #[default]
    Confirmed,
}

impl From<ImageVerification> for VerifyPolicy {
    fn from(v: ImageVerification) -> Self {
        match v {
            ImageVerification::Off => VerifyPolicy::Off,
            ImageVerification::Weak => VerifyPolicy::Weak,
            ImageVerification::WeakThenAll => VerifyPolicy::WeakThenAll,
            ImageVerification::Confirmed => VerifyPolicy::Confirmed,
        }
    }
}

impl MatcherConfig {
    /// The stage: reads hashed listings from `bus` and the rights from `store` (registered
    /// images, and the listing photos it verifies, from `blobs`), publishes matches on `bus`.
    pub fn build(&self, bus: Arc<dyn Bus>, store: Store, blobs: BlobStore) -> Matcher {
        Matcher::with_verification(bus, store, blobs, self.verification.into())
    }
}
