//! Does a notice carry what its regime requires? Every missing field is named before
//! anything is sent (the table in the notices reference: CN E-Commerce Law art. 42, EU DSA
//! art. 16(2), US DMCA 512(c)(3), CN exhibition measures for trade fairs). Each regime's
//! rules are written once, in `takedown_model::regime`, beside what the platform's desk
//! requires on receipt.

use takedown_model::{Regime, notice::FiledNotice};

/// A notice that its regime would not accept, with every missing field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notice {notice_id} is incomplete under {}: missing {}", regime.as_str(), missing.join(", "))]
pub struct Incomplete {
    pub notice_id: String,
    pub regime: Regime,
    /// Field paths, e.g. `notifier.email`, `items[0].booth`, `explanation_text.zh`.
    pub missing: Vec<String>,
}

/// Checks `filed` against its own regime.
pub fn validate(filed: &FiledNotice) -> Result<(), Incomplete> {
    let missing = missing_fields(filed);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Incomplete {
            notice_id: filed.notice.id.clone(),
            regime: filed.regime,
            missing,
        })
    }
}

/// Every field `filed.regime` requires that `filed` lacks, in a stable order (the regime's
/// rules: `takedown_model::regime`).
pub fn missing_fields(filed: &FiledNotice) -> Vec<String> {
    filed.regime.missing_to_send(filed)
}
