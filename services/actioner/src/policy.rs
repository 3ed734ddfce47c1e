//! The owner's filing policy.

use serde::{Deserialize, Serialize};
use takedown_model::{Decision, Match};

fn default_threshold() -> f32 {
    0.8
}
fn default_statement() -> String {
    "I have a good faith belief that use of the material in the manner complained of is not \
     authorized by the rights holder, its agent, or the law. The information in this notice \
     is accurate, and I am authorized to act on behalf of the rights holder."
        .to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Matches scoring at least this are filed at once; the rest wait for review.
    #[serde(default = "default_threshold")]
    pub auto_file_threshold: f32,
    #[serde(default = "default_statement")]
    pub good_faith_statement: String,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            auto_file_threshold: default_threshold(),
            good_faith_statement: default_statement(),
        }
    }
}

impl Policy {
    pub fn decide(&self, found: &Match) -> Decision {
        if found.score >= self.auto_file_threshold {
            Decision::AutoFile
        } else {
            Decision::Review
        }
    }
}
