//! Notices and the events that follow each one to its end.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a notice stands at the platform, as the owner's store follows it.
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
    /// The platform took the listing down (or covered the exhibit).
    MeasuresTaken,
    /// The seller answered with a counter-notice; the owner's window may be running.
    CounterNotice,
    /// A complaint or suit was reported; measures stay while the authority decides.
    Escalated,
    /// The owner's internal complaint against the platform's rejection (EU DSA art. 20)
    /// awaits the platform's review; the review ends it in `measures_taken` (reversed) or
    /// `rejected` (the rejection stands).
    Complaint,
    /// The case ended with the measures in place.
    ClosedUpheld,
    /// The case ended with the listing restored.
    ClosedRestored,
    /// The owner withdrew the notice.
    Withdrawn,
}

impl NoticeStatus {
    /// The status's name as stored and shown (`filed`, `measures_taken`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeStatus::Filed => "filed",
            NoticeStatus::Acknowledged => "acknowledged",
            NoticeStatus::DeliveryFailed => "delivery_failed",
            NoticeStatus::Rejected => "rejected",
            NoticeStatus::MeasuresTaken => "measures_taken",
            NoticeStatus::CounterNotice => "counter_notice",
            NoticeStatus::Escalated => "escalated",
            NoticeStatus::Complaint => "complaint",
            NoticeStatus::ClosedUpheld => "closed_upheld",
            NoticeStatus::ClosedRestored => "closed_restored",
            NoticeStatus::Withdrawn => "withdrawn",
        }
    }

    /// The status with this stored name; `None` for a name this build does not know.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "filed" => NoticeStatus::Filed,
            "acknowledged" => NoticeStatus::Acknowledged,
            "delivery_failed" => NoticeStatus::DeliveryFailed,
            "rejected" => NoticeStatus::Rejected,
            "measures_taken" => NoticeStatus::MeasuresTaken,
            "counter_notice" => NoticeStatus::CounterNotice,
            "escalated" => NoticeStatus::Escalated,
            "complaint" => NoticeStatus::Complaint,
            "closed_upheld" => NoticeStatus::ClosedUpheld,
            "closed_restored" => NoticeStatus::ClosedRestored,
            "withdrawn" => NoticeStatus::Withdrawn,
            _ => return None,
        })
    }
}

/// A complaint about one listing under one right, as sent to the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Notice {
    /// `stable_id("ntc", [match_id])`; also the delivery's idempotency key.
    pub id: String,
    /// The match the notice was filed for (one notice per match).
    pub match_id: String,
    /// The brand owner tenant filing it.
    pub owner_id: String,
    /// The owner's name as the platform should show it.
    pub owner_name: String,
    /// The platform whose handler receives the notice.
    pub platform: String,
    /// The address of the infringing listing.
    pub listing_url: String,
    /// The seller named on the listing.
    pub seller: String,
    /// The right invoked.
    pub right_id: String,
    /// The right's kind (`word_mark`, `logo_mark`, `design`).
    pub right_kind: String,
    /// The right's registration number at its office.
    pub registration_number: String,
    /// Why the listing infringes, in words.
    pub explanation: String,
    /// Capture ids of the evidence (the page, the images).
    pub evidence: Vec<String>,
    /// The owner's statement that the use is not authorized, in the regime's words.
    pub good_faith_statement: String,
    /// When the notice was filed.
    pub filed_at: DateTime<Utc>,
}

/// What happened to a notice: the notifier's delivery outcomes, then the platform's steps from
/// its case-event feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseEventKind {
    /// The platform's handler accepted the notice and opened a case.
    Acknowledged,
    /// The platform's handler refused the notice (incomplete, unverifiable, conflicting).
    Rejected,
    /// Delivery failed; the notifier keeps retrying.
    DeliveryFailed,
    // The platform's side of the case, read from its case-event feed.
    /// The platform took the listing down (or covered the exhibit).
    MeasuresTaken,
    /// The platform told the seller of the notice.
    SellerNotified,
    /// The seller answered with a counter-notice.
    CounterNoticeReceived,
    /// The platform forwarded the counter-notice to the owner; the owner's window runs.
    CounterNoticeForwarded,
    /// A complaint or suit was reported; measures stay while the authority decides.
    Escalated,
    /// The measures ended (the counter-notice window ran out without a complaint).
    MeasuresEnded,
    /// The platform received the owner's internal complaint against its rejection (EU DSA
    /// art. 20); a person reviews it.
    ComplaintReceived,
    /// The review upheld the owner's complaint: the rejection is reversed and the measures
    /// are taken.
    ComplaintUpheld,
    /// The review dismissed the owner's complaint: the rejection stands.
    ComplaintDismissed,
    /// The case ended with the measures in place.
    ClosedUpheld,
    /// The case ended with the listing restored.
    ClosedRestored,
    /// The notice was withdrawn.
    Withdrawn,
}

impl CaseEventKind {
    /// The kind for a platform case state as its feed names it (`to` of a transition);
    /// `None` for states the owner does not follow (`received`) or does not know.
    pub fn from_platform_state(state: &str) -> Option<Self> {
        Some(match state {
            "acknowledged" => CaseEventKind::Acknowledged,
            "rejected" => CaseEventKind::Rejected,
            "measures_taken" => CaseEventKind::MeasuresTaken,
            "seller_notified" => CaseEventKind::SellerNotified,
            "counter_notice_received" => CaseEventKind::CounterNoticeReceived,
            "counter_forwarded" | "counter_notice_forwarded" => {
                CaseEventKind::CounterNoticeForwarded
            }
            "escalated" => CaseEventKind::Escalated,
            "measures_ended" => CaseEventKind::MeasuresEnded,
            "complaint_received" => CaseEventKind::ComplaintReceived,
            "closed_upheld" => CaseEventKind::ClosedUpheld,
            "closed_restored" => CaseEventKind::ClosedRestored,
            "withdrawn" => CaseEventKind::Withdrawn,
            _ => return None,
        })
    }

    /// The kind for one transition of a platform's case feed: its `event`, the state it left
    /// (`from`) and the one it entered (`to`). The review of the owner's complaint against a
    /// rejection has kinds of its own — its outcome re-enters `measures_taken` or `rejected`,
    /// and the owner must see the second `rejected` as an outcome, not a repeat; every other
    /// transition is named by the state it entered ([`CaseEventKind::from_platform_state`]).
    pub fn from_platform_transition(event: &str, from: Option<&str>, to: &str) -> Option<Self> {
        match (event, from, to) {
            ("review_decided", Some("complaint_received"), "measures_taken") => {
                Some(CaseEventKind::ComplaintUpheld)
            }
            ("review_decided", Some("complaint_received"), "rejected") => {
                Some(CaseEventKind::ComplaintDismissed)
            }
            _ => Self::from_platform_state(to),
        }
    }
}

/// What happened to a notice at the platform, reported back to the owner's case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CaseEvent {
    /// The notice this event is about.
    pub notice_id: String,
    /// What happened.
    pub kind: CaseEventKind,
    /// The platform's case id, once it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
    /// Free text from the platform (a rejection's reason, a counter-notice's summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When it happened, by the platform's clock.
    pub at: DateTime<Utc>,
}

/// The legal regime a notice is written for (defined with each regime's rules in
/// [`crate::regime`]).
pub use crate::regime::Regime;

/// Text in English, with a Chinese version where the regime is Chinese.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Bilingual {
    /// The English text; every regime has it.
    #[serde(default)]
    pub en: String,
    /// The Chinese text, for Chinese regimes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
}

/// Who a party is and how to reach them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Party {
    /// The party's legal name.
    #[serde(default)]
    pub name: String,
    /// An address for replies by email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A postal address (some regimes require one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Identity proof: a business licence or registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_document: Option<String>,
}

/// An agent's authority to file for the rights holder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AgentAuthorization {
    /// The agent filing (a law firm, a brand-protection company).
    pub agent: Party,
    /// Where the signed power of attorney is kept (a document id or capture id).
    #[serde(default)]
    pub document: String,
    /// The last day the authorization holds; `None`: until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
}

/// The right invoked, as registered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RightParticulars {
    /// The right's kind (`word_mark`, `logo_mark`, `design`).
    #[serde(default)]
    pub kind: String,
    /// The mark's text, or the design's title.
    #[serde(default)]
    pub name: String,
    /// The registration number at its office.
    #[serde(default)]
    pub registration_number: String,
    /// The registering office (`EUIPO`, `CNIPA`, `USPTO`, …).
    #[serde(default)]
    pub office: String,
    /// Nice classes for marks, Locarno classes for designs.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Where the right is registered: ISO 3166 codes, or `EU`.
    #[serde(default)]
    pub territories: Vec<String>,
}

/// A trade-fair location.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Booth {
    /// The fair's name.
    pub fair: String,
    /// The booth number as the catalog gives it.
    pub booth: String,
    /// The exhibiting company.
    pub exhibitor: String,
}

/// One piece of preliminary evidence: a capture and the digest of what it captured.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EvidenceRef {
    /// The capture's id in the owner's store.
    pub capture_id: String,
    /// SHA-256 of the captured body, hex; empty when the capture is not at hand.
    #[serde(default)]
    pub body_digest: String,
    /// SHA-256 of the capture's WARC records (request, response, metadata), hex; absent
    /// when the capture is not at hand or was made before WARC records were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warc_digest: Option<String>,
    /// Where the capture stands in the sender's evidence transparency log; absent in
    /// notices composed before the log existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogReference>,
}

/// A capture's place in the evidence transparency log (RFC 9162 Merkle tree, C2SP
/// checkpoints), so a recipient can check it was logged, unaltered, by a given time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LogReference {
    /// The capture's leaf index in the log.
    pub leaf_index: u64,
    /// `SHA-256(0x00 || leaf)`, standard base64: the leaf's hash in the tree.
    pub leaf_hash: String,
    /// The inclusion proof against the latest signed checkpoint that covers the leaf;
    /// absent when none covers it yet (see `pending`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion: Option<InclusionRef>,
    /// Why there is no inclusion proof yet, when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
}

/// An inclusion proof and the checkpoint it is against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct InclusionRef {
    /// The checkpoint's tree size.
    pub tree_size: u64,
    /// The checkpoint's root hash, standard base64.
    pub root_hash: String,
    /// The audit path from the leaf to the root (RFC 9162 §2.1.3), standard base64 hashes.
    pub proof: Vec<String>,
    /// The signed checkpoint (C2SP signed note), verifiable with the log's public key.
    pub checkpoint: String,
    /// The checkpoint's RFC 3161 timestamp; absent when no Time Stamping Authority stamped
    /// it (its time is then only the sender's clock's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimestampRef>,
}

/// An RFC 3161 timestamp over a checkpoint's signed text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TimestampRef {
    /// The Time Stamping Authority that issued it.
    pub tsa_url: String,
    /// The token's genTime (RFC 3339): when the TSA attests the checkpoint existed.
    pub gen_time: String,
    /// The TSA's reply (`TimeStampResp`), DER in standard base64: `openssl ts -verify -in`
    /// checks it once decoded.
    pub reply: String,
}

/// One infringing location in a notice: a listing (or booth), keyed by its match so that a
/// redelivered match replaces its item instead of adding a second one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct NoticeItem {
    /// The match id: the item's idempotency key.
    pub key: String,
    /// The listing's address (for a fair, the catalog page of the product).
    pub listing_url: String,
    /// The booth, for a trade-fair complaint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booth: Option<Booth>,
    /// The captures that show the infringement at this location.
    #[serde(default)]
    pub evidence: Vec<EvidenceRef>,
}

/// Who signed, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Signature {
    /// The signer's name.
    pub name: String,
    /// The day of signing.
    pub date: NaiveDate,
}

/// A notice as filed: the fields every platform reads ([`Notice`], flattened so a handler
/// that knows only those still decodes it) plus the union of what the regimes ask for.
/// Every added field has a default, so a plain [`Notice`] payload decodes as a `FiledNotice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FiledNotice {
    /// The fields every platform reads.
    #[serde(flatten)]
    pub notice: Notice,
    /// The regime the notice is written for; decides which fields must be filled.
    #[serde(default)]
    pub regime: Regime,
    /// Groups notices about one seller on one platform under one right:
    /// `stable_id("ngr", [owner, platform, seller, right])`.
    #[serde(default)]
    pub group_id: String,
    /// Who sends the notice (the rights holder, or its agent).
    #[serde(default)]
    pub notifier: Party,
    /// The holder of the right (the owner, or the owner's licensor).
    #[serde(default)]
    pub rights_holder: Party,
    /// The agent's authority, when an agent files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_authorization: Option<AgentAuthorization>,
    /// The right invoked, as registered.
    #[serde(default)]
    pub right: RightParticulars,
    /// The infringing locations: one per match grouped into the notice.
    #[serde(default)]
    pub items: Vec<NoticeItem>,
    /// Why the listings infringe, in the regime's language(s).
    #[serde(default)]
    pub explanation_text: Bilingual,
    /// The good-faith statement (DMCA 512(c)(3)(A)(v) and its equivalents).
    #[serde(default)]
    pub good_faith: Bilingual,
    /// The statement that the notice is accurate (under penalty of perjury, for the DMCA).
    #[serde(default)]
    pub accuracy: Bilingual,
    /// The notifier's signature, where the regime asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    /// Whether the infringement was found by automated means (DSA transparency).
    #[serde(default)]
    pub automated_detection: bool,
}

/// Same schema and version as [`Notice`]: a filed notice only adds defaulted fields, so
/// either side reads the other's payloads.
impl crate::envelope::Versioned for FiledNotice {
    const SCHEMA: &'static str = "takedown.notice";
    const VERSION: u32 = 1;
}

impl From<Notice> for FiledNotice {
    fn from(notice: Notice) -> Self {
        Self {
            notice,
            regime: Regime::default(),
            group_id: String::new(),
            notifier: Party::default(),
            rights_holder: Party::default(),
            agent_authorization: None,
            right: RightParticulars::default(),
            items: Vec::new(),
            explanation_text: Bilingual::default(),
            good_faith: Bilingual::default(),
            accuracy: Bilingual::default(),
            signature: None,
            automated_detection: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_notice_payload_decodes_as_a_filed_notice() {
        let plain = Notice {
            id: "ntc_1".into(),
            match_id: "mat_1".into(),
            owner_id: "acme".into(),
            owner_name: "Acme".into(),
            platform: "shop".into(),
            listing_url: "http://shop.test/1".into(),
            seller: "s".into(),
            right_id: "r".into(),
            right_kind: "word_mark".into(),
            registration_number: "1".into(),
            explanation: "x".into(),
            evidence: vec!["cap".into()],
            good_faith_statement: "gf".into(),
            filed_at: DateTime::from_timestamp(1_700_000_000, 0).expect("time"),
        };
        let json = serde_json::to_string(&plain).expect("json");
        let filed: FiledNotice = serde_json::from_str(&json).expect("decodes");
        assert_eq!(filed, FiledNotice::from(plain.clone()));
        // And the other way: a handler reading only `Notice` still reads a filed notice.
        let mut full = FiledNotice::from(plain.clone());
        full.regime = Regime::CnEcommerce;
        let back: Notice =
            serde_json::from_str(&serde_json::to_string(&full).expect("json")).expect("decodes");
        assert_eq!(back, plain);
    }

    /// Every state of the platform desk's flow is followed by the owner (but `received`,
    /// which the delivery's acknowledgement already told), and the review of the owner's
    /// complaint is told by its outcome, even where it re-enters a state seen before.
    #[test]
    fn every_desk_state_and_the_complaint_review_map_to_a_case_event() {
        for state in [
            "acknowledged",
            "rejected",
            "measures_taken",
            "seller_notified",
            "counter_notice_received",
            "counter_forwarded",
            "escalated",
            "measures_ended",
            "complaint_received",
            "closed_upheld",
            "closed_restored",
            "withdrawn",
        ] {
            assert!(
                CaseEventKind::from_platform_state(state).is_some(),
                "{state}"
            );
        }
        assert_eq!(CaseEventKind::from_platform_state("received"), None);
        let review = |to| {
            CaseEventKind::from_platform_transition(
                "review_decided",
                Some("complaint_received"),
                to,
            )
        };
        assert_eq!(
            review("measures_taken"),
            Some(CaseEventKind::ComplaintUpheld)
        );
        assert_eq!(review("rejected"), Some(CaseEventKind::ComplaintDismissed));
        // The seller's complaint against measures ends as the measures do.
        assert_eq!(
            CaseEventKind::from_platform_transition(
                "review_decided",
                Some("counter_notice_received"),
                "measures_ended"
            ),
            Some(CaseEventKind::MeasuresEnded)
        );
        assert_eq!(
            NoticeStatus::parse("complaint"),
            Some(NoticeStatus::Complaint)
        );
    }
}
