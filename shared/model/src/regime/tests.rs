//! Each regime's rules on the platform's side: a full notice passes, each gap is named
//! with the law's words.

use chrono::NaiveDate;

use super::*;
use crate::Notice;
use crate::notice::{AgentAuthorization, Booth, EvidenceRef, NoticeItem, Party, Signature};

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
    filed.regime = Regime::EuDsa;
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
            ..Default::default()
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
    regime
        .missing_to_accept(filed)
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
    let errors = Regime::CnEcommerce.missing_to_accept(&filed);
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
    let errors = Regime::EuDsa.missing_to_accept(&filed);
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
    let errors = Regime::UsDmca.missing_to_accept(&filed);
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
