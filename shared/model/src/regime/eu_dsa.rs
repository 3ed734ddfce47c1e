//! The EU Digital Services Act art. 16(2): a notice gives the reasons, the exact location,
//! the notifier's name and email, and a statement of good faith and accuracy.

use super::{Elements, Fields, has, present};
use crate::notice::FiledNotice;

/// What a refusal under this regime cites.
pub const LAW: &str = "EU Digital Services Act art. 16(2)";

/// Notices are in English only.
pub const CHINESE: bool = false;

/// What the owner's side requires before sending.
pub fn to_send(filed: &FiledNotice, fields: &mut Fields) {
    fields.who_what_where(filed);
    fields.explanation(filed, CHINESE);
    fields.contact_and_statements(filed);
}

/// What the platform's desk requires, each element with the article's words.
pub fn to_accept(filed: &FiledNotice, m: &mut Elements) {
    m.statement(
        &filed.explanation_text,
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
