//! Is a notice complete enough to act on? Each missing element is named, with the rule that
//! asks for it.
//!
//! Two layers. [`completeness`]: the common fields every notice carries (who, which right,
//! where, why, evidence, good faith). [`regime_elements`]: what the law the platform runs
//! under asks for on top (see `shared/reference/notices.md`): China's E-Commerce Law art. 42
//! (with Civil Code art. 1195), the EU DSA art. 16(2), the US DMCA 512(c)(3)(A), and an
//! on-site trade-fair complaint (CN exhibition measures 2006). Field names are the notice's
//! JSON paths (`notifier.email`, `items[0].evidence`), the same the sender's validator uses.

use serde::Serialize;
use takedown_model::{
    Notice,
    notice::{Bilingual, FiledNotice},
};

use crate::flow::Regime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub rule: String,
}

impl FieldError {
    fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

/// The elements every regime asks for (notifier identity, the right, the exact location,
/// the explanation, evidence, a good-faith statement).
pub fn completeness(notice: &Notice) -> Vec<FieldError> {
    let required: [(&'static str, &str); 7] = [
        ("id", &notice.id),
        ("owner_name", &notice.owner_name),
        ("registration_number", &notice.registration_number),
        ("listing_url", &notice.listing_url),
        ("explanation", &notice.explanation),
        ("good_faith_statement", &notice.good_faith_statement),
        ("right_id", &notice.right_id),
    ];
    let mut errors: Vec<FieldError> = required
        .iter()
        .filter(|(_, value)| value.trim().is_empty())
        .map(|(field, _)| FieldError::new(*field, "required"))
        .collect();
    if notice.evidence.is_empty() {
        errors.push(FieldError::new("evidence", "at least one capture"));
    }
    let url = notice.listing_url.as_str();
    if !url.is_empty() && !is_http(url) {
        errors.push(FieldError::new("listing_url", "an http(s) URL"));
    }
    errors
}

fn is_http(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

fn present(s: &str) -> bool {
    !s.trim().is_empty()
}

fn has(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(present)
}

/// Collects the missing elements, each with the rule of `law` that asks for it.
struct Missing {
    law: &'static str,
    errors: Vec<FieldError>,
}

impl Missing {
    fn need(&mut self, ok: bool, field: impl Into<String>, what: &str) {
        if !ok {
            self.errors
                .push(FieldError::new(field, format!("{what} ({})", self.law)));
        }
    }

    /// Who files for someone else shows their authority.
    fn agent(&mut self, filed: &FiledNotice) {
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
    fn items(&mut self, filed: &FiledNotice, evidence: bool) {
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

    fn statement(&mut self, text: &Bilingual, field: &str, what: &str) {
        self.need(present(&text.en) || has(&text.zh), field, what);
    }
}

/// What `regime` asks of `filed` beyond [`completeness`], every missing element named.
pub fn regime_elements(regime: Regime, filed: &FiledNotice) -> Vec<FieldError> {
    let law = match regime {
        Regime::CnEcommerce => "PRC E-Commerce Law art. 42, Civil Code art. 1195",
        Regime::EuDsa => "EU Digital Services Act art. 16(2)",
        Regime::UsDmca => "17 U.S.C. 512(c)(3)(A)",
        Regime::TradeFair => "CN exhibition IP measures 2006, arts. 10-11",
    };
    let mut m = Missing {
        law,
        errors: Vec::new(),
    };
    let explanation = &filed.explanation_text;
    match regime {
        Regime::CnEcommerce => {
            m.need(
                present(&filed.notifier.name),
                "notifier.name",
                "the complainant's real identity",
            );
            m.need(
                present(&filed.rights_holder.name),
                "rights_holder.name",
                "the rights holder",
            );
            m.need(
                has(&filed.rights_holder.identity_document),
                "rights_holder.identity_document",
                "proof of the rights holder's identity (business licence or registration)",
            );
            m.need(
                present(&filed.right.registration_number),
                "right.registration_number",
                "the right invoked, by its registration number",
            );
            m.items(filed, true);
            m.need(
                has(&explanation.zh),
                "explanation_text.zh",
                "why the listings infringe, in Chinese",
            );
        }
        Regime::TradeFair => {
            m.need(
                present(&filed.notifier.name),
                "notifier.name",
                "the complainant's identity",
            );
            m.need(
                present(&filed.rights_holder.name),
                "rights_holder.name",
                "the rights holder",
            );
            m.need(
                has(&filed.rights_holder.identity_document),
                "rights_holder.identity_document",
                "proof of the rights holder's identity",
            );
            m.need(
                present(&filed.right.registration_number),
                "right.registration_number",
                "the right's registration number",
            );
            m.need(
                present(&filed.right.office),
                "right.office",
                "the office that registered the right (its legal status)",
            );
            m.need(
                present(&filed.notice.seller),
                "seller",
                "the exhibitor complained of",
            );
            m.need(!filed.items.is_empty(), "items", "at least one exhibit");
            for (i, item) in filed.items.iter().enumerate() {
                m.need(
                    item.booth.as_ref().is_some_and(|b| present(&b.booth)),
                    format!("items[{i}].booth"),
                    "the booth where the exhibit stands",
                );
                m.need(
                    !item.evidence.is_empty(),
                    format!("items[{i}].evidence"),
                    "evidence of infringement for this exhibit",
                );
            }
            m.need(
                has(&explanation.zh),
                "explanation_text.zh",
                "why the exhibits infringe, in Chinese",
            );
            m.agent(filed);
        }
        Regime::EuDsa => {
            m.statement(
                explanation,
                "explanation_text",
                "art. 16(2)(a): the reasons why the content is illegal",
            );
            m.items(filed, false);
            m.need(
                present(&filed.notifier.name),
                "notifier.name",
                "art. 16(2)(c): the notifier's name",
            );
            m.need(
                has(&filed.notifier.email),
                "notifier.email",
                "art. 16(2)(c): the notifier's email address",
            );
            m.statement(
                &filed.good_faith,
                "good_faith",
                "art. 16(2)(d): a statement of bona fide belief",
            );
            m.statement(
                &filed.accuracy,
                "accuracy",
                "art. 16(2)(d): a statement that the notice is accurate and complete",
            );
        }
        Regime::UsDmca => {
            m.need(
                filed.signature.as_ref().is_some_and(|s| present(&s.name)),
                "signature",
                "(i): the signature of a person authorized to act for the owner",
            );
            m.need(
                present(&filed.right.registration_number) || present(&filed.right.name),
                "right.registration_number",
                "(ii): identification of the right claimed to be infringed",
            );
            m.items(filed, false);
            m.need(
                has(&filed.notifier.email),
                "notifier.email",
                "(iv): information to contact the complaining party",
            );
            m.statement(
                &filed.good_faith,
                "good_faith",
                "(v): a statement of good-faith belief that the use is not authorized",
            );
            m.statement(
                &filed.accuracy,
                "accuracy",
                "(vi): a statement, under penalty of perjury, of accuracy and authority",
            );
            m.agent(filed);
        }
    }
    m.errors
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use takedown_model::notice::{
        AgentAuthorization, Booth, EvidenceRef, NoticeItem, NoticeRegime, Party, Signature,
    };

    use super::*;

    /// A notice that carries every element any regime asks for.
    fn full() -> FiledNotice {
        let notice = Notice {
            id: "ntc_1".into(),
            match_id: "mat_1".into(),
            owner_id: "acme".into(),
            owner_name: "Acme Ltd".into(),
            platform: "shop".into(),
            listing_url: "https://shop.test/item/1".into(),
            seller: "Knockoff Co".into(),
            right_id: "r1".into(),
            right_kind: "word_mark".into(),
            registration_number: "CN 1234567".into(),
            explanation: "uses the mark".into(),
            evidence: vec!["cap_1".into()],
            good_faith_statement: "good faith".into(),
            filed_at: chrono::Utc::now(),
        };
        let mut filed = FiledNotice::from(notice);
        filed.regime = NoticeRegime::EuDsa;
        let party = Party {
            name: "Acme Ltd".into(),
            email: Some("ip@acme.test".into()),
            address: Some("1 Road".into()),
            identity_document: Some("USCC 91310000".into()),
        };
        filed.notifier = party.clone();
        filed.rights_holder = party;
        filed.right.registration_number = "CN 1234567".into();
        filed.right.office = "CNIPA".into();
        filed.items = vec![NoticeItem {
            key: "mat_1".into(),
            listing_url: "https://shop.test/item/1".into(),
            booth: Some(Booth {
                fair: "Canton Fair".into(),
                booth: "9.1 A12".into(),
                exhibitor: "Knockoff Co".into(),
            }),
            evidence: vec![EvidenceRef {
                capture_id: "cap_1".into(),
                body_digest: "ab".repeat(32),
            }],
        }];
        let both = |en: &str, zh: &str| Bilingual {
            en: en.into(),
            zh: Some(zh.into()),
        };
        filed.explanation_text = both("uses the mark", "使用了商标");
        filed.good_faith = both("good faith", "善意");
        filed.accuracy = both("accurate", "真实");
        filed.signature = Some(Signature {
            name: "A. Lawyer".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"),
        });
        filed
    }

    fn fields(regime: Regime, filed: &FiledNotice) -> Vec<String> {
        regime_elements(regime, filed)
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_full_notice_passes_every_regime() {
        for regime in [
            Regime::CnEcommerce,
            Regime::EuDsa,
            Regime::UsDmca,
            Regime::TradeFair,
        ] {
            assert_eq!(fields(regime, &full()), Vec::<String>::new(), "{regime:?}");
        }
    }

    #[test]
    fn china_asks_for_identity_proof_evidence_and_chinese_reasons() {
        let mut filed = full();
        filed.rights_holder.identity_document = None;
        filed.items[0].evidence.clear();
        filed.explanation_text.zh = None;
        let errors = regime_elements(Regime::CnEcommerce, &filed);
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "rights_holder.identity_document",
                "items[0].evidence",
                "explanation_text.zh"
            ]
        );
        assert!(
            errors[1].rule.contains("E-Commerce Law art. 42"),
            "{errors:?}"
        );
        // The DSA does not ask for any of these.
        assert!(fields(Regime::EuDsa, &filed).is_empty());
    }

    #[test]
    fn the_dsa_asks_for_the_notifiers_email_and_both_statements() {
        let mut filed = full();
        filed.notifier.email = None;
        filed.accuracy = Bilingual::default();
        filed.items[0].listing_url = "shop item 1".into();
        let errors = regime_elements(Regime::EuDsa, &filed);
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            names,
            ["items[0].listing_url", "notifier.email", "accuracy"]
        );
        assert!(errors[1].rule.contains("art. 16(2)(c)"), "{errors:?}");
    }

    #[test]
    fn the_dmca_asks_for_a_signature_and_an_agents_authority() {
        let mut filed = full();
        filed.signature = None;
        filed.notifier.name = "Brand Protection LLP".into();
        let errors = regime_elements(Regime::UsDmca, &filed);
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["signature", "agent_authorization"]);
        assert!(errors[0].rule.contains("512(c)(3)(A)"), "{errors:?}");
        filed.agent_authorization = Some(AgentAuthorization {
            agent: filed.notifier.clone(),
            document: "poa-2026-1".into(),
            valid_until: None,
        });
        assert_eq!(fields(Regime::UsDmca, &filed), ["signature"]);
    }

    #[test]
    fn a_fair_complaint_asks_for_the_booth_the_exhibitor_and_the_office() {
        let mut filed = full();
        filed.items[0].booth = None;
        filed.notice.seller = String::new();
        filed.right.office = String::new();
        assert_eq!(
            fields(Regime::TradeFair, &filed),
            ["right.office", "seller", "items[0].booth"]
        );
    }
}
