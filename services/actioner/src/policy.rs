//! The owner's filing policy: when to file, under which regime per platform, and the
//! statements and identities a notice carries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use takedown_model::{
    Decision, Match,
    notice::{AgentAuthorization, NoticeRegime},
};

fn default_threshold() -> f32 {
    0.8
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Matches scoring at least this are filed at once; the rest wait for review.
    #[serde(default = "default_threshold")]
    pub auto_file_threshold: f32,
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
    pub regimes: BTreeMap<String, NoticeRegime>,
    /// The regime of a platform not named in `regimes`.
    #[serde(default)]
    pub default_regime: NoticeRegime,
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
}

fn default_true() -> bool {
    true
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            auto_file_threshold: default_threshold(),
            good_faith_statement: default_statement(),
            good_faith_statement_zh: default_statement_zh(),
            accuracy_statement: default_accuracy(),
            accuracy_statement_zh: default_accuracy_zh(),
            regimes: BTreeMap::new(),
            default_regime: NoticeRegime::default(),
            identity_document: None,
            agent: None,
            signatory: None,
            disclose_automated_detection: true,
        }
    }
}

impl Policy {
    /// The regime notices to `platform` are written for (EU DSA unless configured).
    pub fn regime_for(&self, platform: &str) -> NoticeRegime {
        self.regimes
            .get(platform)
            .copied()
            .unwrap_or(self.default_regime)
    }

    pub fn decide(&self, found: &Match) -> Decision {
        if found.score >= self.auto_file_threshold {
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
        assert_eq!(policy.regime_for("tmall"), NoticeRegime::CnEcommerce);
        assert_eq!(policy.regime_for("canton-fair"), NoticeRegime::TradeFair);
        assert_eq!(policy.regime_for("sample-market"), NoticeRegime::EuDsa);
        assert!(toml::from_str::<Policy>("regimes = { x = \"nowhere\" }").is_err());
    }
}
