//! The legal regimes a notice is written for, and what each asks of it — one module per
//! regime, the one place its rules are written:
//!
//! - [`cn_ecommerce`]: China's E-Commerce Law art. 42 (with Civil Code art. 1195);
//! - [`eu_dsa`]: the EU Digital Services Act art. 16(2);
//! - [`us_dmca`]: the US DMCA 17 U.S.C. 512(c)(3)(A);
//! - [`trade_fair`]: an on-site trade-fair complaint (CN exhibition measures 2006).
//!
//! Each module answers two questions about a [`FiledNotice`], and both sides of the wire
//! ask them here: [`Regime::missing_to_send`] — what the owner's side checks before it sends
//! (the composer fills these fields, the sender's validator refuses a notice lacking one) —
//! and [`Regime::missing_to_accept`] — what the platform's desk requires before it opens a
//! case, each element with the rule of the law that asks for it. The sender is the stricter
//! of the two (it also asks for the English text and the seller everywhere), so that what
//! it sends is always accepted. Field names are the notice's JSON paths
//! (`notifier.email`, `items[0].evidence`).

pub mod cn_ecommerce;
pub mod eu_dsa;
pub mod trade_fair;
pub mod us_dmca;

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::notice::{Bilingual, FiledNotice};
use crate::validate::FieldError;

/// The legal regime a notice is written for; each asks for a different set of fields.
// (The platform's cases run under the same regimes; this line is the published schema's
// description, so it stays as the wire documents it.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
// The published notice schema names this type `NoticeRegime`; the wire keeps that name.
#[schemars(rename = "NoticeRegime")]
pub enum Regime {
    /// China, E-Commerce Law art. 42 with Civil Code art. 1195.
    CnEcommerce,
    /// EU Digital Services Act art. 16.
    #[default]
    EuDsa,
    /// US DMCA 17 U.S.C. 512(c)(3).
    UsDmca,
    /// An on-site complaint at a trade fair (CN exhibition measures 2006).
    TradeFair,
}

impl Regime {
    /// Every regime, in declaration order.
    pub const ALL: [Regime; 4] = [
        Regime::CnEcommerce,
        Regime::EuDsa,
        Regime::UsDmca,
        Regime::TradeFair,
    ];

    /// The regime's name on the wire and in configuration (`cn_ecommerce`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::CnEcommerce => "cn_ecommerce",
            Regime::EuDsa => "eu_dsa",
            Regime::UsDmca => "us_dmca",
            Regime::TradeFair => "trade_fair",
        }
    }

    /// The regime named `name` (as [`Regime::as_str`] writes it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The law a refusal cites.
    pub fn law(self) -> &'static str {
        match self {
            Regime::CnEcommerce => cn_ecommerce::LAW,
            Regime::EuDsa => eu_dsa::LAW,
            Regime::UsDmca => us_dmca::LAW,
            Regime::TradeFair => trade_fair::LAW,
        }
    }

    /// Chinese regimes carry their explanation and statements in Chinese and English.
    pub fn is_chinese(self) -> bool {
        match self {
            Regime::CnEcommerce => cn_ecommerce::CHINESE,
            Regime::EuDsa => eu_dsa::CHINESE,
            Regime::UsDmca => us_dmca::CHINESE,
            Regime::TradeFair => trade_fair::CHINESE,
        }
    }

    /// Every field this regime requires before the owner's side sends `filed`, in a stable
    /// order; empty when it may be sent.
    pub fn missing_to_send(self, filed: &FiledNotice) -> Vec<String> {
        let mut fields = Fields::default();
        match self {
            Regime::CnEcommerce => cn_ecommerce::to_send(filed, &mut fields),
            Regime::EuDsa => eu_dsa::to_send(filed, &mut fields),
            Regime::UsDmca => us_dmca::to_send(filed, &mut fields),
            Regime::TradeFair => trade_fair::to_send(filed, &mut fields),
        }
        fields.missing
    }

    /// Every element this regime's law asks of `filed` that it lacks, each with the rule
    /// that asks for it: what a platform's desk refuses a notice for.
    pub fn missing_to_accept(self, filed: &FiledNotice) -> Vec<FieldError> {
        let mut elements = Elements {
            law: self.law(),
            errors: Vec::new(),
        };
        match self {
            Regime::CnEcommerce => cn_ecommerce::to_accept(filed, &mut elements),
            Regime::EuDsa => eu_dsa::to_accept(filed, &mut elements),
            Regime::UsDmca => us_dmca::to_accept(filed, &mut elements),
            Regime::TradeFair => trade_fair::to_accept(filed, &mut elements),
        }
        elements.errors
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that is there (not empty, not only spaces).
pub(crate) fn present(text: &str) -> bool {
    !text.trim().is_empty()
}

/// An optional text that is there.
pub(crate) fn has(text: &Option<String>) -> bool {
    text.as_deref().is_some_and(present)
}

/// A web address a platform can open (`http://` or `https://`).
pub fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// The fields the owner's side finds missing before sending.
#[derive(Debug, Default)]
pub struct Fields {
    missing: Vec<String>,
}

impl Fields {
    /// Records `field` as missing unless `ok`.
    pub(crate) fn need(&mut self, ok: bool, field: impl Into<String>) {
        if !ok {
            self.missing.push(field.into());
        }
    }

    /// Who complains, the right, and every item at its web address (the start of every
    /// regime's list but the fair's, whose items stand in booths).
    pub(crate) fn who_what_where(&mut self, filed: &FiledNotice) {
        self.who_and_what(filed);
        for (i, item) in filed.items.iter().enumerate() {
            self.need(
                is_http(&item.listing_url),
                format!("items[{i}].listing_url"),
            );
        }
    }

    /// Who complains, the right, and that there is at least one item.
    pub(crate) fn who_and_what(&mut self, filed: &FiledNotice) {
        self.need(present(&filed.notifier.name), "notifier.name");
        self.need(
            present(&filed.right.registration_number),
            "right.registration_number",
        );
        self.need(!filed.items.is_empty(), "items");
    }

    /// The explanation, in English and (under a Chinese regime) in Chinese.
    pub(crate) fn explanation(&mut self, filed: &FiledNotice, chinese: bool) {
        self.need(present(&filed.explanation_text.en), "explanation_text.en");
        if chinese {
            self.need(has(&filed.explanation_text.zh), "explanation_text.zh");
        }
    }

    /// The rights holder, proven, with evidence for every item, against a named seller.
    pub(crate) fn proven_holder_and_evidence(&mut self, filed: &FiledNotice) {
        self.need(present(&filed.rights_holder.name), "rights_holder.name");
        self.need(
            has(&filed.rights_holder.identity_document),
            "rights_holder.identity_document",
        );
        // Preliminary evidence is what art. 42 asks for above all.
        for (i, item) in filed.items.iter().enumerate() {
            self.need(!item.evidence.is_empty(), format!("items[{i}].evidence"));
        }
        self.need(present(&filed.notice.seller), "seller");
    }

    /// The notifier's email and both statements (in English; not Chinese regimes).
    pub(crate) fn contact_and_statements(&mut self, filed: &FiledNotice) {
        self.need(has(&filed.notifier.email), "notifier.email");
        self.need(present(&filed.good_faith.en), "good_faith");
        self.need(present(&filed.accuracy.en), "accuracy");
    }

    /// When someone other than the rights holder files, their authority must be on the
    /// notice.
    pub(crate) fn agent(&mut self, filed: &FiledNotice) {
        if filed.notifier.name != filed.rights_holder.name {
            self.need(
                filed
                    .agent_authorization
                    .as_ref()
                    .is_some_and(|a| !a.document.trim().is_empty()),
                "agent_authorization",
            );
        }
    }
}

/// The elements a platform's desk finds missing, each with the rule of `law` asking for it.
#[derive(Debug)]
pub struct Elements {
    law: &'static str,
    errors: Vec<FieldError>,
}

impl Elements {
    /// Records `field` as missing unless `ok`; `what` is what the law asks for.
    pub(crate) fn need(&mut self, ok: bool, field: impl Into<String>, what: &str) {
        if !ok {
            self.errors
                .push(FieldError::new(field, format!("{what} ({})", self.law)));
        }
    }

    /// Who files for someone else shows their authority.
    pub(crate) fn agent(&mut self, filed: &FiledNotice) {
        if filed.notifier.name.trim() != filed.rights_holder.name.trim() {
            let ok = filed
                .agent_authorization
                .as_ref()
                .is_some_and(|a| present(&a.document));
            self.need(
                ok,
                "agent_authorization",
                "the agent's authorization from the rights holder, as the notifier is not the rights holder",
            );
        }
    }

    /// Every item has a web address, and (where asked) its preliminary evidence.
    pub(crate) fn items(&mut self, filed: &FiledNotice, evidence: bool) {
        self.need(
            !filed.items.is_empty(),
            "items",
            "at least one infringing location",
        );
        for (i, item) in filed.items.iter().enumerate() {
            self.need(
                is_http(&item.listing_url),
                format!("items[{i}].listing_url"),
                "the exact http(s) URL of the infringing listing",
            );
            if evidence {
                self.need(
                    !item.evidence.is_empty(),
                    format!("items[{i}].evidence"),
                    "preliminary evidence of infringement for this listing",
                );
            }
        }
    }

    /// A statement in either language.
    pub(crate) fn statement(&mut self, text: &Bilingual, field: &str, what: &str) {
        self.need(present(&text.en) || has(&text.zh), field, what);
    }
}

#[cfg(test)]
mod tests;
