//! China's E-Commerce Law art. 42 (with Civil Code art. 1195): a notice to an e-commerce
//! platform carries preliminary evidence of infringement and the rights holder's real
//! identity, in Chinese.

use super::{Elements, Fields, has, present};
use crate::notice::FiledNotice;

/// What a refusal under this regime cites.
pub const LAW: &str = "PRC E-Commerce Law art. 42, Civil Code art. 1195";

/// Notices carry their explanation and statements in Chinese beside the English.
pub const CHINESE: bool = true;

/// What the owner's side requires before sending.
pub fn to_send(filed: &FiledNotice, fields: &mut Fields) {
    fields.who_what_where(filed);
    fields.explanation(filed, CHINESE);
    fields.proven_holder_and_evidence(filed);
}

/// What the platform's desk requires, each element with the law's words.
pub fn to_accept(filed: &FiledNotice, m: &mut Elements) {
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
        has(&filed.explanation_text.zh),
        "explanation_text.zh",
        "why the listings infringe, in Chinese",
    );
}
