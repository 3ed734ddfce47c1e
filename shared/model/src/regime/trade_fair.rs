//! An on-site complaint at a trade fair (CN exhibition IP measures 2006, arts. 10-11): the
//! complaint names the exhibitor and the booth, proves the rights holder and the right's
//! legal status, and shows an agent's authority.

use super::{Elements, Fields, has, present};
use crate::notice::FiledNotice;

/// What a refusal under this regime cites.
pub const LAW: &str = "CN exhibition IP measures 2006, arts. 10-11";

/// Complaints carry their explanation and statements in Chinese beside the English.
pub const CHINESE: bool = true;

/// What the owner's side requires before sending.
pub fn to_send(filed: &FiledNotice, fields: &mut Fields) {
    // Exhibits stand in booths: an item is located by its booth, not a web address.
    fields.who_and_what(filed);
    for (i, item) in filed.items.iter().enumerate() {
        fields.need(item.booth.is_some(), format!("items[{i}].booth"));
    }
    fields.explanation(filed, CHINESE);
    fields.proven_holder_and_evidence(filed);
    fields.need(present(&filed.right.office), "right.office");
    fields.agent(filed);
}

/// What the fair's complaint desk requires, each element with the measures' words.
pub fn to_accept(filed: &FiledNotice, m: &mut Elements) {
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
        has(&filed.explanation_text.zh),
        "explanation_text.zh",
        "why the exhibits infringe, in Chinese",
    );
    m.agent(filed);
}
