//! Notices and the events that follow each one to its end.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Filed by policy or reviewer, waiting for delivery.
    Filed,
    /// The platform's handler acknowledged it and opened a case.
    Acknowledged,
    /// Delivery keeps failing; it is retried.
    DeliveryFailed,
    /// The platform refused it (incomplete, unverifiable).
    Rejected,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Filed => "filed",
            NoticeStatus::Acknowledged => "acknowledged",
            NoticeStatus::DeliveryFailed => "delivery_failed",
            NoticeStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "filed" => NoticeStatus::Filed,
            "acknowledged" => NoticeStatus::Acknowledged,
            "delivery_failed" => NoticeStatus::DeliveryFailed,
            "rejected" => NoticeStatus::Rejected,
            _ => return None,
        })
    }
}

/// A complaint about one listing under one right, as sent to the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// `stable_id("ntc", [match_id])`; also the delivery's idempotency key.
    pub id: String,
    pub match_id: String,
    pub owner_id: String,
    pub owner_name: String,
    pub platform: String,
    pub listing_url: String,
    pub seller: String,
    pub right_id: String,
    pub right_kind: String,
    pub registration_number: String,
    /// Why the listing infringes, in words.
    pub explanation: String,
    /// Capture ids of the evidence (the page, the images).
    pub evidence: Vec<String>,
    pub good_faith_statement: String,
    pub filed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseEventKind {
    Acknowledged,
    Rejected,
    DeliveryFailed,
}

/// What happened to a notice at the platform, reported back to the owner's case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub notice_id: String,
    pub kind: CaseEventKind,
    /// The platform's case id, once it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}
