//! Does a notice carry what its regime requires? Every missing field is named before
//! anything is sent (the table in the notices reference: CN E-Commerce Law art. 42, EU DSA
//! art. 16(2), US DMCA 512(c)(3), CN exhibition measures for trade fairs).

use takedown_model::notice::{Bilingual, FiledNotice, NoticeRegime};

/// A notice that its regime would not accept, with every missing field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notice {notice_id} is incomplete under {}: missing {}", regime.as_str(), missing.join(", "))]
pub struct Incomplete {
    pub notice_id: String,
    pub regime: NoticeRegime,
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

/// Every field `filed.regime` requires that `filed` lacks, in a stable order.
pub fn missing_fields(filed: &FiledNotice) -> Vec<String> {
    use NoticeRegime::*;
    let regime = filed.regime;
    let mut missing = Vec::new();
    let mut need = |ok: bool, field: &str| {
        if !ok {
            missing.push(field.to_owned());
        }
    };
    let present = |s: &str| !s.trim().is_empty();
    let has = |s: &Option<String>| s.as_deref().is_some_and(present);
    let statement = |text: &Bilingual| present(&text.en) && (!regime.is_chinese() || has(&text.zh));

    // Every regime: who complains, the right, where, and why.
    need(present(&filed.notifier.name), "notifier.name");
    need(
        present(&filed.right.registration_number),
        "right.registration_number",
    );
    need(!filed.items.is_empty(), "items");
    for (i, item) in filed.items.iter().enumerate() {
        let is_http =
            item.listing_url.starts_with("http://") || item.listing_url.starts_with("https://");
        if regime == TradeFair {
            need(item.booth.is_some(), &format!("items[{i}].booth"));
        } else {
            need(is_http, &format!("items[{i}].listing_url"));
        }
    }
    if regime != UsDmca {
        // DMCA asks for identification, not an explanation; the others ask why.
        need(present(&filed.explanation_text.en), "explanation_text.en");
        if regime.is_chinese() {
            need(has(&filed.explanation_text.zh), "explanation_text.zh");
        }
    }
    match regime {
        CnEcommerce | TradeFair => {
            need(present(&filed.rights_holder.name), "rights_holder.name");
            need(
                has(&filed.rights_holder.identity_document),
                "rights_holder.identity_document",
            );
            // Preliminary evidence is what art. 42 asks for above all.
            for (i, item) in filed.items.iter().enumerate() {
                need(!item.evidence.is_empty(), &format!("items[{i}].evidence"));
            }
            need(present(&filed.notice.seller), "seller");
            if regime == TradeFair {
                need(present(&filed.right.office), "right.office");
                need_agent(filed, &mut need);
            }
        }
        EuDsa => {
            need(has(&filed.notifier.email), "notifier.email");
            need(statement(&filed.good_faith), "good_faith");
            need(statement(&filed.accuracy), "accuracy");
        }
        UsDmca => {
            need(has(&filed.notifier.email), "notifier.email");
            need(statement(&filed.good_faith), "good_faith");
            need(statement(&filed.accuracy), "accuracy");
            need(
                filed.signature.as_ref().is_some_and(|s| present(&s.name)),
                "signature",
            );
            need_agent(filed, &mut need);
        }
    }
    missing
}

/// When someone other than the rights holder files, their authority must be on the notice.
fn need_agent(filed: &FiledNotice, need: &mut impl FnMut(bool, &str)) {
    if filed.notifier.name != filed.rights_holder.name {
        need(
            filed
                .agent_authorization
                .as_ref()
                .is_some_and(|a| !a.document.trim().is_empty()),
            "agent_authorization",
        );
    }
}
