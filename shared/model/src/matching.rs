//! A match between a listing and a registered right, and why it was made.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    Image {
        /// Digest of the listing image that matched.
        listing_image: String,
        /// Digest of the registered image (logo or design view) it matched.
        right_image: String,
        /// The design view or "logo".
        view: String,
        algorithm: String,
        distance: u32,
        threshold: u32,
        /// The window of the listing image, or None for the whole image.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<[f32; 4]>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Above the owner's auto-file threshold: a notice is filed.
    AutoFile,
    /// Below it: waits for a reviewer.
    Review,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// `stable_id("mat", [listing_id, right_id])`: one match per listing and right.
    pub id: String,
    pub listing_id: String,
    pub listing_url: String,
    pub platform: String,
    pub seller: String,
    pub right_id: String,
    pub owner_id: String,
    pub kind: MatchKind,
    /// 0..=1, higher is surer; calibrated per kind.
    pub score: f32,
    pub reason: MatchReason,
    pub capture_id: String,
    pub matched_at: DateTime<Utc>,
}
