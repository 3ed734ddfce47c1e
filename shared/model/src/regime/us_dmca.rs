//! The US DMCA 17 U.S.C. 512(c)(3)(A): a signed notice identifying the work and the
//! material, with contact details and the statements of good faith and of accuracy under
//! penalty of perjury. It asks for identification, not an explanation.

use super::{Elements, Fields, has, present};
use crate::notice::FiledNotice;

/// What a refusal under this regime cites.
pub const LAW: &str = "17 U.S.C. 512(c)(3)(A)";

/// Notices are in English only.
pub const CHINESE: bool = false;

/// What the owner's side requires before sending.
pub fn to_send(filed: &FiledNotice, fields: &mut Fields) {
    fields.who_what_where(filed);
    fields.contact_and_statements(filed);
    fields.need(
        filed.signature.as_ref().is_some_and(|s| present(&s.name)),
        "signature",
    );
    fields.agent(filed);
}

/// What the platform's desk requires, each element with the section's words.
pub fn to_accept(filed: &FiledNotice, m: &mut Elements) {
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
