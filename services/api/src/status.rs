//! A right's registration status and the rules for changing it, as a pure function.
//!
//! ```text
//! pending ──▶ registered ──▶ lapsed ──▶ registered (restored)
//!    │            │  ▲          │
//!    │            └──┘ renewed  ├──▶ cancelled
//!    ▼            ├──▶ cancelled└──▶ invalidated
//! cancelled       └──▶ invalidated
//! ```
//!
//! Cancelled and invalidated are final. Registering needs the registration date
//! (`valid_from`); a renewal or a restoration must move `valid_until` later. Only registered
//! rights are matched (the store hands the matcher registered rights only), so a lapsed,
//! cancelled or invalidated right stops producing matches as soon as its status changes.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Applied for, not yet registered.
    Pending,
    /// In force (within its validity dates).
    Registered,
    /// Not renewed in time; may still be restored.
    Lapsed,
    /// Withdrawn, refused or surrendered: final.
    Cancelled,
    /// Declared invalid by an office or a court: final.
    Invalidated,
}

impl Status {
    pub const ALL: &'static [Status] = &[
        Status::Pending,
        Status::Registered,
        Status::Lapsed,
        Status::Cancelled,
        Status::Invalidated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Registered => "registered",
            Status::Lapsed => "lapsed",
            Status::Cancelled => "cancelled",
            Status::Invalidated => "invalidated",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| s.as_str() == text)
    }
}

/// The validity dates a right has, or will have after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// Checks the change `from` → `to` with the dates the caller asked for (`asked`, each None =
/// keep) against the right's `current` dates; gives the dates the right has afterwards, or a
/// validation error naming the field and the rule the change broke.
pub fn transition(
    from: Status,
    to: Status,
    current: Validity,
    asked: Validity,
) -> Result<Validity, ApiError> {
    use Status::*;
    let next = Validity {
        from: asked.from.or(current.from),
        until: asked.until.or(current.until),
    };
    let later_until = |what: &str| -> Result<(), ApiError> {
        match (asked.until, current.until) {
            (None, _) => Err(ApiError::invalid(
                "valid_until",
                format!("{what} needs the new valid_until"),
            )),
            (Some(new), Some(old)) if new <= old => Err(ApiError::invalid(
                "valid_until",
                format!("{what} must move valid_until later than {old}"),
            )),
            _ => Ok(()),
        }
    };
    match (from, to) {
        (Cancelled | Invalidated, _) => {
            return Err(ApiError::invalid(
                "status",
                format!("a {} right is final: no change leaves it", from.as_str()),
            ));
        }
        (Pending, Registered) => {
            if next.from.is_none() {
                return Err(ApiError::invalid(
                    "valid_from",
                    "registering needs valid_from, the registration date",
                ));
            }
        }
        (Registered, Registered) => later_until("a renewal")?,
        (Lapsed, Registered) => later_until("restoring a lapsed right")?,
        (Pending, Cancelled)
        | (Registered, Lapsed | Cancelled | Invalidated)
        | (Lapsed, Cancelled | Invalidated) => {}
        (Pending, _) => {
            return Err(ApiError::invalid(
                "status",
                "a pending application can only become registered or cancelled",
            ));
        }
        (Registered, Pending) | (Lapsed, Pending) => {
            return Err(ApiError::invalid(
                "status",
                format!("a {} right cannot go back to pending", from.as_str()),
            ));
        }
        (Lapsed, Lapsed) => {
            return Err(ApiError::invalid("status", "the right is already lapsed"));
        }
    }
    if let (Some(f), Some(u)) = (next.from, next.until)
        && u < f
    {
        return Err(ApiError::invalid(
            "valid_until",
            "must not be before valid_from",
        ));
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::{Status::*, *};

    fn day(text: &str) -> Option<NaiveDate> {
        Some(text.parse().expect("date"))
    }

    fn rule(result: Result<Validity, ApiError>) -> (String, String) {
        match result {
            Err(ApiError::Validation { field, rule }) => (field, rule),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    const NONE: Validity = Validity {
        from: None,
        until: None,
    };

    #[test]
    fn final_statuses_allow_no_change() {
        for from in [Cancelled, Invalidated] {
            for &to in Status::ALL {
                let (field, text) = rule(transition(from, to, NONE, NONE));
                assert_eq!(field, "status");
                assert!(text.contains("final"), "{text}");
            }
        }
    }

    #[test]
    fn registering_needs_the_registration_date() {
        let (field, _) = rule(transition(Pending, Registered, NONE, NONE));
        assert_eq!(field, "valid_from");
        let asked = Validity {
            from: day("2024-05-01"),
            until: day("2034-05-01"),
        };
        assert_eq!(
            transition(Pending, Registered, NONE, asked).expect("ok"),
            asked
        );
        let (field, text) = rule(transition(Pending, Lapsed, NONE, NONE));
        assert_eq!(field, "status");
        assert!(text.contains("registered or cancelled"), "{text}");
    }

    #[test]
    fn renewal_and_restoration_move_valid_until_later() {
        let current = Validity {
            from: day("2020-01-01"),
            until: day("2030-01-01"),
        };
        for from in [Registered, Lapsed] {
            let (field, _) = rule(transition(from, Registered, current, NONE));
            assert_eq!(field, "valid_until");
            let earlier = Validity {
                from: None,
                until: day("2029-01-01"),
            };
            let (field, text) = rule(transition(from, Registered, current, earlier));
            assert_eq!(field, "valid_until");
            assert!(text.contains("later than 2030-01-01"), "{text}");
            let renewed = Validity {
                from: None,
                until: day("2040-01-01"),
            };
            assert_eq!(
                transition(from, Registered, current, renewed).expect("renewed"),
                Validity {
                    from: current.from,
                    until: renewed.until
                }
            );
        }
    }

    #[test]
    fn ending_a_registration_keeps_dates_and_refuses_going_back() {
        let current = Validity {
            from: day("2020-01-01"),
            until: day("2030-01-01"),
        };
        for to in [Lapsed, Cancelled, Invalidated] {
            assert_eq!(
                transition(Registered, to, current, NONE).expect("ok"),
                current
            );
        }
        assert_eq!(
            rule(transition(Registered, Pending, current, NONE)).0,
            "status"
        );
        assert_eq!(rule(transition(Lapsed, Lapsed, current, NONE)).0, "status");
        let backwards = Validity {
            from: None,
            until: day("2019-01-01"),
        };
        assert_eq!(
            rule(transition(Registered, Cancelled, current, backwards)).0,
            "valid_until"
        );
    }
}
