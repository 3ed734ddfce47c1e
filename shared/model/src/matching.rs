//! A match between a listing and a registered right, and why it was made.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a listing matched a right; each kind has its own calibration and threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The listing title carries a word mark or a variant of it.
    WordMark,
    /// A listing image carries a registered logo (whole image or a region).
    Logo,
    /// A listing image shows a registered design (any of its views).
    Design,
}

impl MatchKind {
    /// The kind's name as stored and configured (`word_mark`, `logo`, `design`).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::WordMark => "word_mark",
            MatchKind::Logo => "logo",
            MatchKind::Design => "design",
        }
    }
}

/// Why a match was made: enough for a reviewer, and for the notice's explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MatchReason {
    /// The title matched a word mark.
    Text {
        /// The span of the title that matched, as it stands in the title.
        span: String,
        /// The span after normalization.
        normalized: String,
        /// "exact", "confusable", "spacing", "edit_distance", "same_pinyin", …
        variant: String,
        /// Edit distance between normalized span and mark (0 for exact and same-sound).
        distance: u32,
    },
    /// An image matched a registered logo or design view.
    Image {
        /// Digest of the listing image that matched.
        listing_image: String,
        /// Digest of the registered image (logo or design view) it matched.
        right_image: String,
        /// The design view or "logo".
        view: String,
        /// The hash compared (`phash64`, `pdq`, …).
        algorithm: String,
        /// Bits that differed between the two hashes.
        distance: u32,
        /// The most bits that may differ for this kind of comparison.
        threshold: u32,
        /// The window of the listing image, or None for the whole image.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<[f32; 4]>,
        /// For a match confirmed by local features (algorithm `orb256-ransac`): how many of
        /// the registered image's keypoints were found in the listing image consistent with
        /// one perspective mapping; `distance` is then 0, `threshold` the fewest that count,
        /// and `region` the box where the registered image was found. None for hash matches.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inliers: Option<u32>,
    },
}

/// What the actioner decided to do with a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Above the owner's auto-file threshold: a notice is filed.
    AutoFile,
    /// Below it: waits for a reviewer.
    Review,
}

/// A listing found to infringe a right: one per (listing, right), rewritten on redelivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// `stable_id("mat", [listing_id, right_id])`: one match per listing and right.
    pub id: String,
    /// The listing that infringes.
    pub listing_id: String,
    /// Its address, for the notice.
    pub listing_url: String,
    /// The platform whose handler receives the notice.
    pub platform: String,
    /// The seller named on the listing.
    pub seller: String,
    /// The right infringed.
    pub right_id: String,
    /// The right's owner: whose policy decides, and who files.
    pub owner_id: String,
    /// Word mark, logo or design.
    pub kind: MatchKind,
    /// 0..=1, higher is surer; calibrated per kind.
    pub score: f32,
    /// Why: the span or image pair and its distance, for the reviewer and the notice.
    pub reason: MatchReason,
    /// The capture of the listing's page: the notice's evidence.
    pub capture_id: String,
    /// When the matcher found it.
    pub matched_at: DateTime<Utc>,
}
