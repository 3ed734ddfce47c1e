//! The case state machine on the platform's side: one machine whose regime profile (China's
//! E-Commerce Law arts. 42–43, the EU DSA arts. 16/17/20, the US DMCA 512(g), a trade-fair
//! on-site complaint) switches which steps exist and how long each window lasts.
//!
//! This module is pure: [`transition`] says where an event leads, [`Profile`] says how long
//! the windows are. Effects (taking a listing down, telling the seller), timers and the audit
//! trail live in [`crate::engine`].
//!
//! ```text
//! received | acknowledged  --reject-->            rejected
//! received --acknowledge--> acknowledged
//! received | acknowledged  --take_measures-->     measures_taken
//! measures_taken           --seller_notified-->   seller_notified         (window: counter_window)
//! seller_notified          --window_expired-->    closed_upheld
//! seller_notified          --counter_notice-->    counter_notice_received
//! counter_notice_received  --counter_forwarded--> counter_forwarded       (CN, DMCA, fair; window)
//! counter_notice_received  --review_decided-->    closed_upheld | measures_ended   (DSA art. 20)
//! seller_notified          --complaint-->         counter_notice_received (DSA art. 20: the seller)
//! rejected                 --complaint-->         complaint_received      (DSA art. 20: the notifier)
//! complaint_received       --review_decided-->    measures_taken | rejected        (DSA art. 20)
//! counter_forwarded        --escalate-->          escalated               (measures stay)
//! counter_forwarded        --window_expired-->    measures_ended
//! escalated                --resolved-->          closed_upheld | measures_ended
//! measures_ended           --restored-->          closed_restored
//! any open state           --withdraw-->          withdrawn
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Period;

/// Where a case stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Received,
    Acknowledged,
    MeasuresTaken,
    SellerNotified,
    CounterNoticeReceived,
    CounterForwarded,
    Escalated,
    MeasuresEnded,
    ClosedUpheld,
    ClosedRestored,
    Withdrawn,
    Rejected,
    /// DSA art. 20: the notifier's internal complaint against a rejection awaits a person's
    /// decision.
    ComplaintReceived,
}

impl State {
    pub const ALL: [State; 13] = [
        State::Received,
        State::Acknowledged,
        State::MeasuresTaken,
        State::SellerNotified,
        State::CounterNoticeReceived,
        State::CounterForwarded,
        State::Escalated,
        State::MeasuresEnded,
        State::ClosedUpheld,
        State::ClosedRestored,
        State::Withdrawn,
        State::Rejected,
        State::ComplaintReceived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Received => "received",
            State::Acknowledged => "acknowledged",
            State::MeasuresTaken => "measures_taken",
            State::SellerNotified => "seller_notified",
            State::CounterNoticeReceived => "counter_notice_received",
            State::CounterForwarded => "counter_forwarded",
            State::Escalated => "escalated",
            State::MeasuresEnded => "measures_ended",
            State::ClosedUpheld => "closed_upheld",
            State::ClosedRestored => "closed_restored",
            State::Withdrawn => "withdrawn",
            State::Rejected => "rejected",
            State::ComplaintReceived => "complaint_received",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        State::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Closed states take no further event (but a DSA rejection still takes the notifier's
    /// internal complaint while its window runs).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            State::ClosedUpheld | State::ClosedRestored | State::Withdrawn | State::Rejected
        )
    }

    /// Whether the listing is down in this state (so leaving it may mean restoring it).
    pub fn measures_in_place(self) -> bool {
        matches!(
            self,
            State::MeasuresTaken
                | State::SellerNotified
                | State::CounterNoticeReceived
                | State::CounterForwarded
                | State::Escalated
                | State::MeasuresEnded
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that happens to a case: an operator's decision, the seller's or complainant's
/// step, or the system's (a notification sent, a window run out, a listing restored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Acknowledge,
    Reject {
        reason: String,
    },
    TakeMeasures {
        /// DSA art. 17: required there, kept as the decision's reasons elsewhere.
        #[serde(default)]
        statement_of_reasons: Option<String>,
    },
    SellerNotified,
    /// The seller's declaration of non-infringement (CN ECL 43), counter-notice (DMCA
    /// 512(g)(3)), internal complaint (DSA 20) or exhibitor's answer (fairs).
    CounterNotice {
        declaration: String,
        #[serde(default)]
        evidence: Vec<String>,
    },
    /// The seller's declaration was forwarded; `reached_at` is when it reached the
    /// complainant, which is when the CN 15-day window starts.
    CounterForwarded {
        #[serde(default)]
        reached_at: Option<DateTime<Utc>>,
    },
    /// The complainant reports a complaint to an authority or a lawsuit: measures stay.
    Escalate {
        reference: String,
    },
    WindowExpired,
    /// DSA art. 20: an internal complaint against the platform's decision, lodged within six
    /// months of it — by the seller against measures (`seller_notified`), by the notifier
    /// against a rejection (`rejected`). A person decides it with [`Event::ReviewDecided`].
    Complaint {
        grounds: String,
        #[serde(default)]
        evidence: Vec<String>,
    },
    /// DSA art. 20: the platform's own review of an internal complaint, by a person, with
    /// reasons. `upheld`: the notice stands — the measures stay (a seller's complaint) or are
    /// now taken (a notifier's complaint against a rejection); otherwise the measures end or
    /// the rejection stands.
    ReviewDecided {
        upheld: bool,
        reason: String,
    },
    /// The authority or court decided an escalated case.
    Resolved {
        upheld: bool,
        reference: String,
    },
    Restored,
    Withdraw {
        #[serde(default)]
        reason: String,
    },
}

/// An event's name without its data, for errors and the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Received,
    Acknowledge,
    Reject,
    TakeMeasures,
    SellerNotified,
    CounterNotice,
    CounterForwarded,
    Escalate,
    WindowExpired,
    Complaint,
    ReviewDecided,
    Resolved,
    Restored,
    Withdraw,
    /// A window whose end was unknown (no holiday table for its year) was computed.
    DeadlineSet,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Received => "received",
            EventKind::Acknowledge => "acknowledge",
            EventKind::Reject => "reject",
            EventKind::TakeMeasures => "take_measures",
            EventKind::SellerNotified => "seller_notified",
            EventKind::CounterNotice => "counter_notice",
            EventKind::CounterForwarded => "counter_forwarded",
            EventKind::Escalate => "escalate",
            EventKind::WindowExpired => "window_expired",
            EventKind::Complaint => "complaint",
            EventKind::ReviewDecided => "review_decided",
            EventKind::Resolved => "resolved",
            EventKind::Restored => "restored",
            EventKind::Withdraw => "withdraw",
            EventKind::DeadlineSet => "deadline_set",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Acknowledge => EventKind::Acknowledge,
            Event::Reject { .. } => EventKind::Reject,
            Event::TakeMeasures { .. } => EventKind::TakeMeasures,
            Event::SellerNotified => EventKind::SellerNotified,
            Event::CounterNotice { .. } => EventKind::CounterNotice,
            Event::CounterForwarded { .. } => EventKind::CounterForwarded,
            Event::Escalate { .. } => EventKind::Escalate,
            Event::WindowExpired => EventKind::WindowExpired,
            Event::Complaint { .. } => EventKind::Complaint,
            Event::ReviewDecided { .. } => EventKind::ReviewDecided,
            Event::Resolved { .. } => EventKind::Resolved,
            Event::Restored => EventKind::Restored,
            Event::Withdraw { .. } => EventKind::Withdraw,
        }
    }

    /// Events only the handler itself may cause; operators cannot post them.
    pub fn is_system(&self) -> bool {
        matches!(
            self.kind(),
            EventKind::SellerNotified | EventKind::WindowExpired | EventKind::Restored
        )
    }
}

/// Which law the case runs under: the model's one regime enum, shared with the owner's side.
pub use takedown_model::Regime;

/// From when the complainant's window after a counter-notice runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowAnchor {
    /// CN ECL 43: when the seller's declaration reaches the complainant.
    ReachedComplainant,
    /// DMCA 512(g)(2)(C): when the counter-notice was received by the platform.
    CounterReceived,
}

/// A regime's steps and window lengths. The defaults follow the statutes where they give a
/// figure; where they do not, common practice (marked "practice").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub regime: Regime,
    /// How soon measures are due after the notice is received, where a figure exists.
    pub measures_due: Option<Period>,
    /// How long the seller has to answer once told; without an answer the case is upheld.
    pub counter_window: Period,
    /// Whether a counter-notice must carry evidence (CN ECL 43: "preliminary evidence").
    pub counter_requires_evidence: bool,
    /// The complainant's window after the counter-notice; `None` where the platform decides
    /// a complaint itself (DSA art. 20).
    pub complainant_window: Option<Period>,
    pub window_anchor: WindowAnchor,
    /// The latest restoration allowed after a counter-notice (DMCA: 14 business days).
    pub restore_latest: Option<Period>,
    /// DSA art. 17: a decision must carry a statement of reasons.
    pub statement_of_reasons_required: bool,
    /// DSA art. 20: how long the affected party may lodge an internal complaint after a
    /// decision (at least six months).
    pub complaint_window: Option<Period>,
}

impl Profile {
    pub fn for_regime(regime: Regime) -> Self {
        match regime {
            Regime::CnEcommerce => Profile {
                regime,
                // ECL 42: "promptly", no figure.
                measures_due: None,
                // Practice: the law sets no deadline for the seller's declaration.
                counter_window: Period::CnDays(15),
                counter_requires_evidence: true,
                // ECL 43: 15 days after the declaration reaches the rights holder.
                complainant_window: Some(Period::CnDays(15)),
                window_anchor: WindowAnchor::ReachedComplainant,
                restore_latest: None,
                statement_of_reasons_required: false,
                complaint_window: None,
            },
            Regime::EuDsa => Profile {
                regime,
                // Art. 16(6): "without undue delay", no figure.
                measures_due: None,
                // Art. 20(1): the internal complaint window, at least six months.
                counter_window: Period::Months(6),
                counter_requires_evidence: false,
                complainant_window: None,
                window_anchor: WindowAnchor::CounterReceived,
                restore_latest: None,
                statement_of_reasons_required: true,
                complaint_window: Some(Period::Months(6)),
            },
            Regime::UsDmca => Profile {
                regime,
                measures_due: None,
                // Practice: 512(g) sets no deadline for a counter-notice.
                counter_window: Period::CalendarDays(14),
                counter_requires_evidence: false,
                // 512(g)(2)(C): restore not less than 10 business days after receipt...
                complainant_window: Some(Period::UsBusinessDays(10)),
                window_anchor: WindowAnchor::CounterReceived,
                // ...nor more than 14.
                restore_latest: Some(Period::UsBusinessDays(14)),
                statement_of_reasons_required: false,
                complaint_window: None,
            },
            Regime::TradeFair => Profile {
                regime,
                // Exhibition measures art. 11: 24 hours for the complaint office.
                measures_due: Some(Period::Hours(24)),
                // Art. 13: the exhibitor's answer, 24 h in CNIPA guidance (unconfirmed).
                counter_window: Period::Hours(24),
                counter_requires_evidence: true,
                // Practice during a show: the complainant's answer, 24 h (unconfirmed).
                complainant_window: Some(Period::Hours(24)),
                window_anchor: WindowAnchor::ReachedComplainant,
                restore_latest: None,
                statement_of_reasons_required: false,
                complaint_window: None,
            },
        }
    }
}

/// Why an event cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("event {event} is not allowed in state {state} under {regime}")]
    Illegal {
        regime: Regime,
        state: State,
        event: EventKind,
    },
    #[error("event {event} needs a non-empty {field}")]
    Missing {
        event: EventKind,
        field: &'static str,
    },
}

fn require(event: EventKind, field: &'static str, value: &str) -> Result<(), TransitionError> {
    if value.trim().is_empty() {
        return Err(TransitionError::Missing { event, field });
    }
    Ok(())
}

/// Where `event` leads from `state` under `profile`, or why it cannot.
pub fn transition(
    profile: &Profile,
    state: State,
    event: &Event,
) -> Result<State, TransitionError> {
    use State as S;
    let kind = event.kind();
    let illegal = TransitionError::Illegal {
        regime: profile.regime,
        state,
        event: kind,
    };
    let next = match (state, event) {
        (S::Received, Event::Acknowledge) => S::Acknowledged,
        (S::Received | S::Acknowledged, Event::Reject { reason }) => {
            require(kind, "reason", reason)?;
            S::Rejected
        }
        (
            S::Received | S::Acknowledged,
            Event::TakeMeasures {
                statement_of_reasons,
            },
        ) => {
            if profile.statement_of_reasons_required {
                require(
                    kind,
                    "statement_of_reasons",
                    statement_of_reasons.as_deref().unwrap_or(""),
                )?;
            }
            S::MeasuresTaken
        }
        (S::MeasuresTaken, Event::SellerNotified) => S::SellerNotified,
        (S::SellerNotified, Event::WindowExpired) => S::ClosedUpheld,
        (
            S::SellerNotified,
            Event::CounterNotice {
                declaration,
                evidence,
            },
        ) => {
            require(kind, "declaration", declaration)?;
            if profile.counter_requires_evidence && evidence.iter().all(|e| e.trim().is_empty()) {
                return Err(TransitionError::Missing {
                    event: kind,
                    field: "evidence",
                });
            }
            S::CounterNoticeReceived
        }
        (S::CounterNoticeReceived, Event::CounterForwarded { .. })
            if profile.complainant_window.is_some() =>
        {
            S::CounterForwarded
        }
        (S::CounterNoticeReceived, Event::ReviewDecided { upheld, reason })
            if profile.complainant_window.is_none() =>
        {
            require(kind, "reason", reason)?;
            if *upheld {
                S::ClosedUpheld
            } else {
                S::MeasuresEnded
            }
        }
        (S::SellerNotified | S::Rejected, Event::Complaint { grounds, .. })
            if profile.complaint_window.is_some() =>
        {
            require(kind, "grounds", grounds)?;
            if state == S::Rejected {
                S::ComplaintReceived
            } else {
                S::CounterNoticeReceived
            }
        }
        (S::ComplaintReceived, Event::ReviewDecided { upheld, reason }) => {
            require(kind, "reason", reason)?;
            if *upheld {
                S::MeasuresTaken
            } else {
                S::Rejected
            }
        }
        (S::CounterForwarded, Event::Escalate { reference }) => {
            require(kind, "reference", reference)?;
            S::Escalated
        }
        (S::CounterForwarded, Event::WindowExpired) => S::MeasuresEnded,
        (S::Escalated, Event::Resolved { upheld, reference }) => {
            require(kind, "reference", reference)?;
            if *upheld {
                S::ClosedUpheld
            } else {
                S::MeasuresEnded
            }
        }
        (S::MeasuresEnded, Event::Restored) => S::ClosedRestored,
        (open, Event::Withdraw { .. }) if open.is_open() => S::Withdrawn,
        _ => return Err(illegal),
    };
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sender follows the desk through its case feed: every state but `received` (which
    /// the delivery's answer already told) names an event the owner's notice records.
    #[test]
    fn the_sender_side_knows_every_state_the_desk_can_enter() {
        for state in State::ALL {
            let known = takedown_model::CaseEventKind::from_platform_state(state.as_str());
            assert_eq!(known.is_none(), state == State::Received, "{state}");
        }
    }

    fn counter(evidence: &[&str]) -> Event {
        Event::CounterNotice {
            declaration: "I own the goods; invoice attached".into(),
            evidence: evidence.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn every_open_state_can_be_withdrawn_and_no_closed_one_takes_any_event() {
        let profile = Profile::for_regime(Regime::CnEcommerce);
        let withdraw = Event::Withdraw {
            reason: String::new(),
        };
        for state in State::ALL {
            let result = transition(&profile, state, &withdraw);
            if state.is_open() {
                assert_eq!(result, Ok(State::Withdrawn), "{state}");
            } else {
                assert_eq!(
                    result,
                    Err(TransitionError::Illegal {
                        regime: Regime::CnEcommerce,
                        state,
                        event: EventKind::Withdraw
                    })
                );
                assert!(transition(&profile, state, &Event::Acknowledge).is_err());
            }
        }
    }

    #[test]
    fn illegal_events_name_state_event_and_regime() {
        let cn = Profile::for_regime(Regime::CnEcommerce);
        let err = transition(&cn, State::Received, &Event::WindowExpired).unwrap_err();
        assert_eq!(
            err.to_string(),
            "event window_expired is not allowed in state received under cn_ecommerce"
        );
        assert_eq!(
            transition(
                &cn,
                State::Acknowledged,
                &Event::Reject { reason: "x".into() }
            ),
            Ok(State::Rejected)
        );
        // Rejection is only open before measures.
        assert!(matches!(
            transition(
                &cn,
                State::MeasuresTaken,
                &Event::Reject { reason: "x".into() }
            ),
            Err(TransitionError::Illegal {
                state: State::MeasuresTaken,
                ..
            })
        ));
        // A DSA complaint is decided by the platform, not forwarded to the complainant.
        let dsa = Profile::for_regime(Regime::EuDsa);
        assert_eq!(
            transition(
                &dsa,
                State::CounterNoticeReceived,
                &Event::CounterForwarded { reached_at: None }
            ),
            Err(TransitionError::Illegal {
                regime: Regime::EuDsa,
                state: State::CounterNoticeReceived,
                event: EventKind::CounterForwarded
            })
        );
        // ...and outside the DSA there is no internal review.
        assert!(
            transition(
                &cn,
                State::CounterNoticeReceived,
                &Event::ReviewDecided {
                    upheld: true,
                    reason: "r".into()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn regime_rules_on_required_content() {
        let cn = Profile::for_regime(Regime::CnEcommerce);
        assert_eq!(
            transition(&cn, State::SellerNotified, &counter(&[])),
            Err(TransitionError::Missing {
                event: EventKind::CounterNotice,
                field: "evidence"
            })
        );
        assert_eq!(
            transition(&cn, State::SellerNotified, &counter(&["invoice.pdf"])),
            Ok(State::CounterNoticeReceived)
        );
        let dmca = Profile::for_regime(Regime::UsDmca);
        assert_eq!(
            transition(&dmca, State::SellerNotified, &counter(&[])),
            Ok(State::CounterNoticeReceived)
        );
        let dsa = Profile::for_regime(Regime::EuDsa);
        let bare = Event::TakeMeasures {
            statement_of_reasons: None,
        };
        assert_eq!(
            transition(&dsa, State::Received, &bare),
            Err(TransitionError::Missing {
                event: EventKind::TakeMeasures,
                field: "statement_of_reasons"
            })
        );
        assert_eq!(
            transition(&cn, State::Received, &bare),
            Ok(State::MeasuresTaken)
        );
        assert!(matches!(
            transition(&cn, State::Received, &Event::Reject { reason: " ".into() }),
            Err(TransitionError::Missing {
                field: "reason",
                ..
            })
        ));
    }

    #[test]
    fn dsa_complaints_reopen_a_rejection_or_contest_measures_and_a_person_decides() {
        let dsa = Profile::for_regime(Regime::EuDsa);
        let complaint = |grounds: &str| Event::Complaint {
            grounds: grounds.into(),
            evidence: Vec::new(),
        };
        let decided = |upheld| Event::ReviewDecided {
            upheld,
            reason: "reasons".into(),
        };
        assert_eq!(
            transition(&dsa, State::Rejected, &complaint("the mark is registered")),
            Ok(State::ComplaintReceived)
        );
        assert_eq!(
            transition(&dsa, State::SellerNotified, &complaint("I am authorised")),
            Ok(State::CounterNoticeReceived)
        );
        assert!(matches!(
            transition(&dsa, State::Rejected, &complaint(" ")),
            Err(TransitionError::Missing {
                field: "grounds",
                ..
            })
        ));
        assert_eq!(
            transition(&dsa, State::ComplaintReceived, &decided(true)),
            Ok(State::MeasuresTaken)
        );
        assert_eq!(
            transition(&dsa, State::ComplaintReceived, &decided(false)),
            Ok(State::Rejected)
        );
        // Only the DSA has internal complaints.
        let cn = Profile::for_regime(Regime::CnEcommerce);
        assert!(transition(&cn, State::Rejected, &complaint("g")).is_err());
        assert!(transition(&dsa, State::ClosedUpheld, &complaint("g")).is_err());
    }

    #[test]
    fn events_parse_from_the_operator_json() {
        let event: Event = serde_json::from_str(
            r#"{"event":"counter_notice","declaration":"mine","evidence":["a"]}"#,
        )
        .unwrap();
        assert_eq!(event.kind(), EventKind::CounterNotice);
        assert!(!event.is_system());
        let system: Event = serde_json::from_str(r#"{"event":"window_expired"}"#).unwrap();
        assert!(system.is_system());
        assert_eq!(
            State::parse("counter_forwarded"),
            Some(State::CounterForwarded)
        );
        assert_eq!(Regime::parse("trade_fair"), Some(Regime::TradeFair));
    }
}
