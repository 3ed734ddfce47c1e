//! Is a notice complete enough to act on? Each missing element is named.

use serde::Serialize;
use takedown_model::Notice;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub rule: &'static str,
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
        .map(|(field, _)| FieldError {
            field,
            rule: "required",
        })
        .collect();
    if notice.evidence.is_empty() {
        errors.push(FieldError {
            field: "evidence",
            rule: "at least one capture",
        });
    }
    let url = notice.listing_url.as_str();
    let is_http = url.starts_with("http://") || url.starts_with("https://");
    if !url.is_empty() && !is_http {
        errors.push(FieldError {
            field: "listing_url",
            rule: "an http(s) URL",
        });
    }
    errors
}
