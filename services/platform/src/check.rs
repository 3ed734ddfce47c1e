//! Is a notice complete enough to act on? Each missing element is named, with the rule that
//! asks for it.
//!
//! Two layers. [`completeness`]: the common fields every notice carries (who, which right,
//! where, why, evidence, good faith). Then what the law the platform runs under asks for on
//! top (see `shared/reference/notices.md`), written once per regime in the model
//! (`takedown_model::regime`, [`Regime::missing_to_accept`](takedown_model::Regime::missing_to_accept)),
//! beside what the sender checks before sending. Field names are the notice's JSON paths
//! (`notifier.email`, `items[0].evidence`), the same the sender's validator uses.

use takedown_model::{Notice, regime::is_http};

pub use takedown_model::validate::FieldError;

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
