//! The owner's filing policy: when to file, under which regime per platform, and the
//! statements and identities a notice carries.
//!
//! A match's score is the estimated precision of matches like it (calibrated per kind of
//! comparison on the development dataset: `takedown_matching::score`), so a threshold reads
//! "file at once what is right at least this often". One threshold holds for every kind of
//! match unless `auto_file_thresholds` names a kind:
//!
//! ```toml
//! [policy]
//! auto_file_threshold = 0.8                                # every kind not named below
//! auto_file_thresholds = { logo = 0.95, design = 0.97 }    # word marks stay at 0.8
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use takedown_model::{
    Decision, Match, MatchKind,
    notice::{AgentAuthorization, Regime},
};

fn default_threshold() -> Threshold {
    Threshold(0.8)
}
fn default_statement() -> String {
    "I have a good faith belief that use of the material in the manner complained of is not \
     authorized by the rights holder, its agent, or the law. The information in this notice \
     is accurate, and I am authorized to act on behalf of the rights holder."
        .to_owned()
}

fn default_statement_zh() -> String {
    "本人善意相信，被投诉的使用方式未经权利人、其代理人或法律许可。本通知所载信息准确无误，\
     本人有权代表权利人行事。"
        .to_owned()
}
fn default_accuracy() -> String {
    "Under penalty of perjury, the information in this notice is accurate and I am the \
     rights holder or authorized to act on its behalf."
        .to_owned()
}
fn default_accuracy_zh() -> String {
    "本人保证本通知内容真实、准确，并对通知内容的真实性承担法律责任。".to_owned()
}

/// A score threshold, which must lie in 0..=1: a threshold of 1.5 would silently send
/// everything to review, so it is refused when the policy is read.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f32", into = "f32")]
pub struct Threshold(f32);

/// A threshold outside 0..=1 (or not a number).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("a score threshold must lie between 0 and 1, not {0}")]
pub struct ThresholdOutOfRange(pub f32);

impl TryFrom<f32> for Threshold {
    type Error = ThresholdOutOfRange;

    fn try_from(value: f32) -> Result<Self, Self::Error> {
        if (0.0..=1.0).contains(&value) {
            Ok(Threshold(value))
        } else {
            Err(ThresholdOutOfRange(value))
        }
    }
}

impl From<Threshold> for f32 {
    fn from(t: Threshold) -> f32 {
        t.0
    }
}

impl Threshold {
    /// The threshold `value`, if it lies in 0..=1.
    pub fn new(value: f32) -> Result<Self, ThresholdOutOfRange> {
        Self::try_from(value)
    }

    /// The threshold as a score.
    pub fn get(self) -> f32 {
        self.0
    }
}

/// Auto-file thresholds for some kinds of match; a kind left out uses the policy's
/// `auto_file_threshold`. The kinds are those of `MatchKind`: a misspelt kind is refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindThresholds {
    /// A word mark (or a variant of it) in the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub word_mark: Option<Threshold>,
    /// A registered logo in a listing image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<Threshold>,
    /// A view of a registered design in a listing image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<Threshold>,
}

impl KindThresholds {
    pub fn get(&self, kind: MatchKind) -> Option<Threshold> {
        match kind {
            MatchKind::WordMark => self.word_mark,
            MatchKind::Logo => self.logo,
            MatchKind::Design => self.design,
        }
    }
}

/// When auto-filing pauses for an owner on one platform: too many of the owner's recent
/// notices there ended rejected, or restored after a counter-notice. A sender that keeps
/// filing at such a rate sends false notices (DMCA 512(f), DSA art. 23); while paused, new
/// matches for that owner and platform wait for a person's review.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoFilePause {
    /// Above this share of decided notices ending rejected or restored, auto-filing pauses
    /// (default 0.10).
    #[serde(default = "default_bad_share")]
    pub max_bad_share: Threshold,
    /// How many days back notices count, by when their status last moved (default 90).
    #[serde(default = "default_pause_window_days")]
    pub window_days: u32,
    /// The fewest decided notices in the window before the share counts (default 10): one
    /// rejection of one notice says little.
    #[serde(default = "default_min_decided")]
    pub min_decided: u32,
}

fn default_bad_share() -> Threshold {
    Threshold(0.10)
}
fn default_pause_window_days() -> u32 {
    90
}
fn default_min_decided() -> u32 {
    10
}

impl Default for AutoFilePause {
    fn default() -> Self {
        Self {
            max_bad_share: default_bad_share(),
            window_days: default_pause_window_days(),
            min_decided: default_min_decided(),
        }
    }
}

impl AutoFilePause {
    /// Whether `bad` of `decided` recent notices pause auto-filing.
    pub fn pauses(&self, decided: u64, bad: u64) -> bool {
        decided >= u64::from(self.min_decided)
            && decided > 0
            && (bad as f64 / decided as f64) > f64::from(self.max_bad_share.get())
    }
}

/// The configured filing policy (`[policy]` of `takedown.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Matches scoring at least this are filed at once; the rest wait for review. A score is
    /// the estimated precision of matches like it, so 0.8 files what is right 4 times in 5.
    /// In 0..=1: a value outside (or not a number) is refused when the policy is read.
    #[serde(default = "default_threshold")]
    pub auto_file_threshold: Threshold,
    /// Per kind of match, a threshold replacing `auto_file_threshold`, e.g.
    /// `auto_file_thresholds = { logo = 0.95, word_mark = 0.9 }`: an owner may trust a word
    /// mark in a title more readily than a logo found in a window of a photo.
    #[serde(default, skip_serializing_if = "is_default")]
    pub auto_file_thresholds: KindThresholds,
    #[serde(default = "default_statement")]
    pub good_faith_statement: String,
    #[serde(default = "default_statement_zh")]
    pub good_faith_statement_zh: String,
    /// The accuracy statement (DSA "accurate", DMCA "under penalty of perjury").
    #[serde(default = "default_accuracy")]
    pub accuracy_statement: String,
    #[serde(default = "default_accuracy_zh")]
    pub accuracy_statement_zh: String,
    /// The regime per platform id, e.g. `regimes = { "sample-market" = "eu_dsa" }`.
    #[serde(default)]
    pub regimes: BTreeMap<String, Regime>,
    /// The regime of a platform not named in `regimes`.
    #[serde(default)]
    pub default_regime: Regime,
    /// The rights holder's identity proof (business licence number), which Chinese regimes
    /// require.
    #[serde(default)]
    pub identity_document: Option<String>,
    /// Set when an agent files for the owner; the agent is then the notifier.
    #[serde(default)]
    pub agent: Option<AgentAuthorization>,
    /// Who signs; the owner's (or agent's) name when unset.
    #[serde(default)]
    pub signatory: Option<String>,
    /// Whether notices disclose that the listing was found by automated matching.
    #[serde(default = "default_true")]
    pub disclose_automated_detection: bool,
    /// When auto-filing pauses for an owner on a platform (`[policy.auto_file_pause]`).
    #[serde(default)]
    pub auto_file_pause: AutoFilePause,
    /// Flood control: at most this many notices an owner files against one seller on one
    /// platform in 24 hours; past it that seller's further matches wait for review (unset:
    /// no cap). A platform flooded with one seller's notices reads them as abuse (DSA
    /// art. 23), and a person should look at a seller that many matches point to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_notices_per_seller_per_day: Option<u32>,
}

fn default_true() -> bool {
    true
}

fn is_default(t: &KindThresholds) -> bool {
    *t == KindThresholds::default()
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            auto_file_threshold: default_threshold(),
            auto_file_thresholds: KindThresholds::default(),
            good_faith_statement: default_statement(),
            good_faith_statement_zh: default_statement_zh(),
            accuracy_statement: default_accuracy(),
            accuracy_statement_zh: default_accuracy_zh(),
            regimes: BTreeMap::new(),
            default_regime: Regime::default(),
            identity_document: None,
            agent: None,
            signatory: None,
            disclose_automated_detection: true,
            auto_file_pause: AutoFilePause::default(),
            max_notices_per_seller_per_day: None,
        }
    }
}

impl Policy {
    /// The regime notices to `platform` are written for (EU DSA unless configured).
    pub fn regime_for(&self, platform: &str) -> Regime {
        self.regimes
            .get(platform)
            .copied()
            .unwrap_or(self.default_regime)
    }

    /// The auto-file threshold for matches of `kind`: its own, or the policy's.
    pub fn auto_file_threshold_for(&self, kind: MatchKind) -> f32 {
        self.auto_file_thresholds
            .get(kind)
            .map_or(self.auto_file_threshold.get(), Threshold::get)
    }

    /// File at once when the match scores at least its kind's threshold; otherwise review.
    pub fn decide(&self, found: &Match) -> Decision {
        if found.score >= self.auto_file_threshold_for(found.kind) {
            Decision::AutoFile
        } else {
            Decision::Review
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regime_is_chosen_per_platform_with_eu_dsa_by_default() {
        let policy: Policy = toml::from_str(
            r#"
            auto_file_threshold = 0.7
            regimes = { "tmall" = "cn_ecommerce", "canton-fair" = "trade_fair" }
            "#,
        )
        .expect("policy");
        assert_eq!(policy.regime_for("tmall"), Regime::CnEcommerce);
        assert_eq!(policy.regime_for("canton-fair"), Regime::TradeFair);
        assert_eq!(policy.regime_for("sample-market"), Regime::EuDsa);
        assert!(toml::from_str::<Policy>("regimes = { x = \"nowhere\" }").is_err());
    }

    fn found(kind: &str, score: f32) -> Match {
        serde_json::from_value(serde_json::json!({
            "id": "mat_1", "listing_id": "lst_1", "listing_url": "http://shop.test/item/1",
            "platform": "shop", "seller": "Knockoff Co", "right_id": "rgt_1", "owner_id": "acme",
            "kind": kind, "score": score,
            "reason": {"type": "text", "span": "Acme", "normalized": "acme", "variant": "exact", "distance": 0},
            "capture_id": "cap_1", "matched_at": "2026-11-02T10:00:00Z"
        }))
        .expect("match")
    }

    #[test]
    fn one_threshold_decides_every_kind_when_no_kind_has_its_own() {
        let policy: Policy = toml::from_str("auto_file_threshold = 0.9").expect("policy");
        for kind in ["word_mark", "logo", "design"] {
            assert_eq!(
                policy.decide(&found(kind, 0.9)),
                Decision::AutoFile,
                "{kind}"
            );
            assert_eq!(
                policy.decide(&found(kind, 0.89)),
                Decision::Review,
                "{kind}"
            );
        }
        assert_eq!(
            Policy::default().auto_file_threshold_for(MatchKind::Logo),
            0.8
        );
    }

    #[test]
    fn a_kind_named_in_auto_file_thresholds_uses_its_own_threshold() {
        let policy: Policy = toml::from_str(
            r#"
            auto_file_threshold = 0.8
            auto_file_thresholds = { logo = 0.95, design = 0.97 }
            "#,
        )
        .expect("policy");
        assert_eq!(policy.decide(&found("logo", 0.94)), Decision::Review);
        assert_eq!(policy.decide(&found("logo", 0.95)), Decision::AutoFile);
        assert_eq!(policy.decide(&found("design", 0.96)), Decision::Review);
        assert_eq!(policy.decide(&found("design", 0.97)), Decision::AutoFile);
        // Not named: the policy's own threshold.
        assert_eq!(policy.decide(&found("word_mark", 0.8)), Decision::AutoFile);
        assert_eq!(policy.decide(&found("word_mark", 0.79)), Decision::Review);
        // A kind's threshold may also be lower than the default.
        let lenient: Policy =
            toml::from_str("auto_file_thresholds = { word_mark = 0.5 }").expect("policy");
        assert_eq!(lenient.decide(&found("word_mark", 0.6)), Decision::AutoFile);
        assert_eq!(lenient.decide(&found("logo", 0.6)), Decision::Review);
    }

    #[test]
    fn misspelt_kinds_and_thresholds_outside_zero_to_one_are_refused() {
        let typo = toml::from_str::<Policy>("auto_file_thresholds = { logos = 0.9 }");
        assert!(typo.unwrap_err().to_string().contains("logos"));
        let high = toml::from_str::<Policy>("auto_file_thresholds = { logo = 1.5 }");
        assert!(
            high.unwrap_err().to_string().contains("between 0 and 1"),
            "the error names what is wrong"
        );
        assert!(toml::from_str::<Policy>("auto_file_thresholds = { design = -0.1 }").is_err());
        for bad in ["-3", "1.8", "nan"] {
            let err = toml::from_str::<Policy>(&format!("auto_file_threshold = {bad}"))
                .expect_err(bad)
                .to_string();
            assert!(
                err.contains("auto_file_threshold") && err.contains("between 0 and 1"),
                "{bad}: the error names the field and the rule: {err}"
            );
        }
    }

    #[test]
    fn per_kind_thresholds_survive_a_round_trip_and_stay_out_of_a_default_policy() {
        let mut policy = Policy::default();
        let json = serde_json::to_value(&policy).expect("json");
        assert!(json.get("auto_file_thresholds").is_none(), "{json}");
        policy.auto_file_thresholds.word_mark = Some(Threshold::try_from(0.9).expect("valid"));
        let json = serde_json::to_value(&policy).expect("json");
        assert_eq!(
            json["auto_file_thresholds"],
            serde_json::json!({"word_mark": 0.9f32})
        );
        let back: Policy = serde_json::from_value(json).expect("back");
        assert_eq!(back, policy);
    }
}
