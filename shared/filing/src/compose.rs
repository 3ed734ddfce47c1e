//! A notice from a match: who complains, under which right, about which listing, why, and
//! with which evidence — the union of every regime's fields ([`filed`]), which
//! [`crate::validate`] then checks against the platform's regime.
//!
//! Grouping: one notice per match (its id from the match, as before), each carrying one
//! keyed item and a `group_id` from (owner, platform, seller, right). Notices of one group
//! are combined where a channel takes several locations at once ([`group`]), keyed by item,
//! so a redelivered match never adds a second item. One notice per match keeps the
//! platform's one-case-per-`webhook-id` contract and the streaming pipeline's idempotency
//! unchanged: a notice never has to grow after it was sent.

use std::collections::BTreeMap;

use chrono::Utc;
use takedown_model::{
    Capture, Listing, Match, MatchReason, Notice, Right, Tenant,
    notice::{
        Bilingual, Booth, EvidenceRef, FiledNotice, NoticeItem, Party, RightParticulars, Signature,
    },
    stable_id,
};

use crate::policy::Policy;

/// The full notice for `found` under the regime `policy` names for its platform.
/// `captures` are the evidence captures at hand (for their body digests); a capture not
/// among them is still cited by id.
pub fn filed(
    found: &Match,
    right: &Right,
    owner: &Tenant,
    listing: Option<&Listing>,
    captures: &[Capture],
    policy: &Policy,
) -> FiledNotice {
    let notice = notice(found, right, owner, listing, policy);
    let regime = policy.regime_for(&found.platform);
    let rights_holder = Party {
        name: owner.name.clone(),
        email: owner.contact_email.clone(),
        address: None,
        identity_document: policy.identity_document.clone(),
    };
    let notifier = match &policy.agent {
        Some(authorization) => authorization.agent.clone(),
        None => rights_holder.clone(),
    };
    let at_hand: BTreeMap<&str, &Capture> = captures.iter().map(|c| (c.id.as_str(), c)).collect();
    // The log references are the store's to add (`Store::log_reference`): composing is pure.
    let evidence = notice
        .evidence
        .iter()
        .map(|id| {
            let capture = at_hand.get(id.as_str());
            EvidenceRef {
                capture_id: id.clone(),
                body_digest: capture.map(|c| c.body_digest.clone()).unwrap_or_default(),
                warc_digest: capture.and_then(|c| c.warc_digest.clone()),
                log: None,
            }
        })
        .collect();
    let booth = listing.and_then(|l| l.exhibitor.as_ref()).map(|e| Booth {
        fair: e.fair.clone(),
        booth: e.booth.clone(),
        exhibitor: e.company.clone(),
    });
    let chinese = regime.is_chinese();
    let zh = |text: &str| chinese.then(|| text.to_owned());
    FiledNotice {
        regime,
        group_id: group_id(found),
        signature: Some(Signature {
            name: policy
                .signatory
                .clone()
                .unwrap_or_else(|| notifier.name.clone()),
            date: notice.filed_at.date_naive(),
        }),
        notifier,
        rights_holder,
        agent_authorization: policy.agent.clone(),
        right: RightParticulars {
            kind: right.kind.as_str().to_owned(),
            name: right.name.clone(),
            registration_number: right.registration_number.clone(),
            office: right.office.clone(),
            classes: right.classes.clone(),
            territories: right.territories.clone(),
        },
        items: vec![NoticeItem {
            key: found.id.clone(),
            listing_url: found.listing_url.clone(),
            booth,
            evidence,
        }],
        explanation_text: Bilingual {
            en: notice.explanation.clone(),
            zh: chinese.then(|| explanation_zh(found, right)),
        },
        good_faith: Bilingual {
            en: policy.good_faith_statement.clone(),
            zh: zh(&policy.good_faith_statement_zh),
        },
        accuracy: Bilingual {
            en: policy.accuracy_statement.clone(),
            zh: zh(&policy.accuracy_statement_zh),
        },
        automated_detection: policy.disclose_automated_detection,
        notice,
    }
}

/// `stable_id("ngr", [owner, platform, seller, right])`: the notices one complaint may carry.
pub fn group_id(found: &Match) -> String {
    stable_id(
        "ngr",
        &[
            &found.owner_id,
            &found.platform,
            &found.seller,
            &found.right_id,
        ],
    )
}

/// Notices combined by group for a channel that takes several locations at once (an e-mail
/// to a platform's IP desk): each group keeps the first notice's particulars and the union
/// of items, keyed by item so a redelivered notice adds nothing. Groups come out in
/// `group_id` order, items in key order, so the same input always gives the same output.
pub fn group(notices: &[FiledNotice]) -> Vec<FiledNotice> {
    let mut groups: BTreeMap<&str, (FiledNotice, BTreeMap<String, NoticeItem>)> = BTreeMap::new();
    for filed in notices {
        let key = if filed.group_id.is_empty() {
            filed.notice.id.as_str()
        } else {
            filed.group_id.as_str()
        };
        let (_, items) = groups
            .entry(key)
            .or_insert_with(|| (filed.clone(), BTreeMap::new()));
        for item in &filed.items {
            items.insert(item.key.clone(), item.clone());
        }
    }
    groups
        .into_values()
        .map(|(mut first, items)| {
            first.items = items.into_values().collect();
            first
        })
        .collect()
}

/// The explanation in Chinese, for the Chinese regimes (written beside the English one).
fn explanation_zh(found: &Match, right: &Right) -> String {
    let kind = match right.kind.as_str() {
        "word_mark" => "文字商标",
        "logo_mark" => "图形商标",
        "design" => "外观设计",
        _ => "权利",
    };
    let registered = format!(
        "已注册{kind}“{}”（注册号 {}，{}）",
        right.name, right.registration_number, right.office
    );
    match &found.reason {
        MatchReason::Text { span, distance, .. } => format!(
            "该商品标题使用了“{span}”，与{registered}近似（编辑距离 {distance}），销售者为 {}。",
            found.seller
        ),
        MatchReason::Image {
            view,
            inliers: Some(inliers),
            threshold,
            ..
        } => format!(
            "该商品图片中出现了{registered}（视图“{view}”；{inliers} 个局部特征点经透视几何校验一致，至少需 {threshold} 个），销售者为 {}。",
            found.seller
        ),
        MatchReason::Image {
            view,
            distance,
            threshold,
            algorithm,
            ..
        } => format!(
            "该商品图片再现了{registered}（视图“{view}”；{algorithm} 距离 {distance}，阈值 {threshold}），销售者为 {}。",
            found.seller
        ),
    }
}

/// The fields every platform reads (the wire's common part).
pub fn notice(
    found: &Match,
    right: &Right,
    owner: &Tenant,
    listing: Option<&Listing>,
    policy: &Policy,
) -> Notice {
    let mut evidence = vec![found.capture_id.clone()];
    if let Some(listing) = listing {
        evidence.extend(listing.images.iter().filter_map(|i| i.capture_id.clone()));
    }
    evidence.dedup();
    Notice {
        id: stable_id("ntc", &[&found.id]),
        match_id: found.id.clone(),
        owner_id: owner.id.clone(),
        owner_name: owner.name.clone(),
        platform: found.platform.clone(),
        listing_url: found.listing_url.clone(),
        seller: found.seller.clone(),
        right_id: right.id.clone(),
        right_kind: right.kind.as_str().to_owned(),
        registration_number: right.registration_number.clone(),
        explanation: explanation(found, right),
        evidence,
        good_faith_statement: policy.good_faith_statement.clone(),
        filed_at: Utc::now(),
    }
}

fn explanation(found: &Match, right: &Right) -> String {
    let registered = format!(
        "{} \"{}\" ({}, {})",
        right.kind.as_str().replace('_', " "),
        right.name,
        right.registration_number,
        right.office
    );
    match &found.reason {
        MatchReason::Text {
            span,
            variant,
            distance,
            ..
        } => format!(
            "The listing title uses \"{span}\", a {} variant (distance {distance}) of the registered {registered}, for goods offered by {}.",
            variant.replace('_', " "),
            found.seller
        ),
        MatchReason::Image {
            view,
            inliers: Some(inliers),
            threshold,
            ..
        } => format!(
            "A listing image shows the registered {registered} (view \"{view}\"): {inliers} of its local features were found in the image, consistent with one perspective mapping (at least {threshold} required), offered by {}.",
            found.seller
        ),
        MatchReason::Image {
            view,
            distance,
            threshold,
            region,
            algorithm,
            ..
        } => format!(
            "A listing image{} reproduces the registered {registered} (view \"{view}\"; {algorithm} distance {distance} of at most {threshold}), offered by {}.",
            if region.is_some() {
                " contains a region that"
            } else {
                ""
            },
            found.seller
        ),
    }
}
