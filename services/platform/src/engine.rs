//! Runs cases through the flow: checks each event against the regime's machine, carries out
//! its effect (take down, tell the seller, restore), computes the new window on the regime's
//! calendar, and records the transition with who, what and when. [`CaseFlow::tick`] applies
//! windows that have run out and retries effects that failed.

use std::{future::Future, sync::Arc};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::{
    calendar::{CalendarError, CnCalendar},
    cases::{Audit, CaseError, CaseRecord, CaseStore, EventRecord},
    clock::Clock,
    flow::{Event, EventKind, Profile, Regime, State, TransitionError, WindowAnchor, transition},
    measures::{ListingService, MeasureError, SellerMessage, SellerNotifier},
};

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("no case {case_id}")]
    NotFound { case_id: String },
    #[error("event {event} is caused by the handler itself and cannot be posted")]
    SystemEvent { event: EventKind },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("case {case_id}: {source}")]
    Calendar {
        case_id: String,
        #[source]
        source: CalendarError,
    },
    #[error("case {case_id}: {source}")]
    Measure {
        case_id: String,
        #[source]
        source: MeasureError,
    },
    #[error(transparent)]
    Store(#[from] CaseError),
}

/// A case with its timeline and the deadlines derived from its regime.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: CaseRecord,
    /// When measures are due where the regime gives a figure (fairs: 24 h).
    pub measures_due: Option<DateTime<Utc>>,
    /// Measures are due and not taken (or were taken late).
    pub measures_overdue: bool,
    pub events: Vec<EventRecord>,
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TickReport {
    /// Cases whose window ran out.
    pub expired: Vec<String>,
    /// Cases whose pending effect (telling the seller, restoring) now succeeded.
    pub completed: Vec<String>,
    /// Cases that could not move, with why; they are tried again next tick.
    pub failed: Vec<(String, String)>,
}

/// The platform's case flow. Cheap to clone.
#[derive(Clone)]
pub struct CaseFlow {
    store: CaseStore,
    clock: Arc<dyn Clock>,
    listings: Arc<dyn ListingService>,
    sellers: Arc<dyn SellerNotifier>,
    cn: Arc<CnCalendar>,
}

impl CaseFlow {
    pub fn new(
        store: CaseStore,
        clock: Arc<dyn Clock>,
        listings: Arc<dyn ListingService>,
        sellers: Arc<dyn SellerNotifier>,
    ) -> Self {
        Self {
            store,
            clock,
            listings,
            sellers,
            cn: Arc::new(CnCalendar::official()),
        }
    }

    /// Replaces the Chinese holiday tables (to add a year).
    pub fn with_cn_calendar(mut self, cn: CnCalendar) -> Self {
        self.cn = Arc::new(cn);
        self
    }

    pub fn store(&self) -> &CaseStore {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The steps and windows of `regime` (the statutes' figures, and practice's).
    pub fn profile(&self, regime: Regime) -> Profile {
        Profile::for_regime(regime)
    }

    /// The case with its timeline.
    pub async fn case(&self, case_id: &str) -> Result<CaseView, FlowError> {
        let case = self.load(case_id).await?;
        self.view(case).await
    }

    /// Applies an operator's, seller's or complainant's event, recorded as done by `actor`.
    pub async fn apply(
        &self,
        case_id: &str,
        event: Event,
        actor: &str,
    ) -> Result<CaseView, FlowError> {
        if event.is_system() {
            return Err(FlowError::SystemEvent {
                event: event.kind(),
            });
        }
        let case = self.load(case_id).await?;
        let case = self.step(case, &event, actor).await?;
        let case = self.follow_up(case).await;
        self.view(case).await
    }

    /// Ends the windows that have run out by the clock's now and retries pending effects.
    /// One case failing does not stop the others.
    pub async fn tick(&self) -> Result<TickReport, FlowError> {
        let mut report = TickReport::default();
        // Pending effects first, so a case that expires below is not tried twice.
        for state in [State::MeasuresTaken, State::MeasuresEnded] {
            for case_id in self.store.in_state(state).await? {
                let case = self.load(&case_id).await?;
                match self.pending_effect(case).await {
                    Ok(_) => report.completed.push(case_id),
                    Err(e) => report.failed.push((case_id, e.to_string())),
                }
            }
        }
        let now = self.clock.now();
        for case_id in self.store.due(now).await? {
            let case = self.load(&case_id).await?;
            match self.step(case, &Event::WindowExpired, "clock").await {
                Ok(case) => {
                    report.expired.push(case_id);
                    self.follow_up(case).await;
                }
                Err(e) => report.failed.push((case_id, e.to_string())),
            }
        }
        Ok(report)
    }

    async fn load(&self, case_id: &str) -> Result<CaseRecord, FlowError> {
        self.store
            .load(case_id)
            .await?
            .ok_or_else(|| FlowError::NotFound {
                case_id: case_id.to_owned(),
            })
    }

    async fn view(&self, case: CaseRecord) -> Result<CaseView, FlowError> {
        let profile = self.profile(case.regime);
        let measures_due = profile
            .measures_due
            .map(|p| p.deadline(case.received_at, &self.cn))
            .transpose()
            .map_err(|source| FlowError::Calendar {
                case_id: case.case_id.clone(),
                source,
            })?;
        let measures_overdue = match (measures_due, case.measures_at) {
            (Some(due), Some(taken)) => taken > due,
            (Some(due), None) => case.state.is_open() && self.clock.now() > due,
            (None, _) => false,
        };
        let events = self.store.events(&case.case_id).await?;
        Ok(CaseView {
            case,
            measures_due,
            measures_overdue,
            events,
        })
    }

    /// Checks `event`, carries out its effect and records the transition.
    async fn step(
        &self,
        case: CaseRecord,
        event: &Event,
        actor: &str,
    ) -> Result<CaseRecord, FlowError> {
        let profile = self.profile(case.regime);
        let next = transition(&profile, case.state, event)?;
        let now = self.clock.now();
        let calendar = |source| FlowError::Calendar {
            case_id: case.case_id.clone(),
            source,
        };
        let measure = |source| FlowError::Measure {
            case_id: case.case_id.clone(),
            source,
        };
        let mut after = case.clone();
        after.state = next;
        // Windows belong to one state; a transition ends the old one.
        after.deadline = None;
        let detail = match event {
            Event::TakeMeasures {
                statement_of_reasons,
            } => {
                // The effect first: a crash before the record retries an idempotent take-down.
                self.listings
                    .take_down(&case.listing_url)
                    .await
                    .map_err(measure)?;
                after.measures_at = Some(now);
                after.statement_of_reasons = statement_of_reasons.clone();
                after.complaint_until = self.complaint_until(&profile, now).map_err(calendar)?;
                json!({ "statement_of_reasons": statement_of_reasons })
            }
            Event::Reject { reason } => {
                after.complaint_until = self.complaint_until(&profile, now).map_err(calendar)?;
                json!({ "reason": reason })
            }
            Event::CounterNotice {
                declaration,
                evidence,
            } => {
                after.counter_at = Some(now);
                json!({ "declaration": declaration, "evidence": evidence })
            }
            Event::CounterForwarded { reached_at } => {
                let reached = reached_at.unwrap_or(now);
                let anchor = match profile.window_anchor {
                    WindowAnchor::ReachedComplainant => reached,
                    WindowAnchor::CounterReceived => case.counter_at.unwrap_or(now),
                };
                if let Some(window) = profile.complainant_window {
                    after.deadline = Some(window.deadline(anchor, &self.cn).map_err(calendar)?);
                }
                if let Some(latest) = profile.restore_latest {
                    after.restore_by = Some(latest.deadline(anchor, &self.cn).map_err(calendar)?);
                }
                json!({ "reached_at": reached, "window_from": anchor, "window_ends": after.deadline })
            }
            Event::Escalate { reference } => json!({ "reference": reference }),
            Event::ReviewDecided { upheld, reason } => {
                json!({ "upheld": upheld, "reason": reason })
            }
            Event::Resolved { upheld, reference } => {
                json!({ "upheld": upheld, "reference": reference })
            }
            Event::Withdraw { reason } => {
                if case.state.measures_in_place() {
                    self.listings
                        .restore(&case.listing_url)
                        .await
                        .map_err(measure)?;
                }
                json!({ "reason": reason })
            }
            Event::WindowExpired => json!({ "deadline": case.deadline }),
            Event::Acknowledge | Event::SellerNotified | Event::Restored => json!({}),
        };
        self.commit(&case, after, event.kind(), actor, now, detail)
            .await
    }

    async fn commit(
        &self,
        before: &CaseRecord,
        after: CaseRecord,
        event: EventKind,
        actor: &str,
        at: DateTime<Utc>,
        detail: serde_json::Value,
    ) -> Result<CaseRecord, FlowError> {
        let audit = Audit {
            event,
            actor,
            at,
            detail,
        };
        self.store.record(before.state, &after, &audit).await?;
        tracing::info!(
            case = %after.case_id, notice = %after.notice_id, %event,
            from = %before.state, to = %after.state, actor, "case transition"
        );
        Ok(after)
    }

    fn complaint_until(
        &self,
        profile: &Profile,
        decided: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, CalendarError> {
        profile
            .complaint_window
            .map(|p| p.deadline(decided, &self.cn))
            .transpose()
    }

    /// Carries a case through a state that only waits for an effect; on failure the case
    /// stays where it is and [`CaseFlow::tick`] tries again.
    async fn follow_up(&self, case: CaseRecord) -> CaseRecord {
        match self.pending_effect(case.clone()).await {
            Ok(case) => case,
            Err(e) => {
                tracing::warn!(case = %case.case_id, error = %e, "follow-up failed; retried on tick");
                case
            }
        }
    }

    async fn pending_effect(&self, case: CaseRecord) -> Result<CaseRecord, FlowError> {
        match case.state {
            State::MeasuresTaken => self.notify_seller(case).await,
            State::MeasuresEnded => self.restore_listing(case).await,
            _ => Ok(case),
        }
    }

    async fn notify_seller(&self, case: CaseRecord) -> Result<CaseRecord, FlowError> {
        let profile = self.profile(case.regime);
        let next = transition(&profile, case.state, &Event::SellerNotified)?;
        let now = self.clock.now();
        let answer_by = profile
            .counter_window
            .deadline(now, &self.cn)
            .map_err(|source| FlowError::Calendar {
                case_id: case.case_id.clone(),
                source,
            })?;
        let message = SellerMessage {
            case_id: case.case_id.clone(),
            platform: case.platform.clone(),
            seller: case.seller.clone(),
            listing_url: case.listing_url.clone(),
            regime: case.regime,
            statement_of_reasons: case.statement_of_reasons.clone(),
            answer_by,
        };
        self.sellers
            .notify(&message)
            .await
            .map_err(|source| FlowError::Measure {
                case_id: case.case_id.clone(),
                source,
            })?;
        let mut after = case.clone();
        after.state = next;
        after.deadline = Some(answer_by);
        let detail = json!({ "answer_by": answer_by });
        self.commit(
            &case,
            after,
            EventKind::SellerNotified,
            "system",
            now,
            detail,
        )
        .await
    }

    async fn restore_listing(&self, case: CaseRecord) -> Result<CaseRecord, FlowError> {
        let profile = self.profile(case.regime);
        let next = transition(&profile, case.state, &Event::Restored)?;
        self.listings
            .restore(&case.listing_url)
            .await
            .map_err(|source| FlowError::Measure {
                case_id: case.case_id.clone(),
                source,
            })?;
        let mut after = case.clone();
        after.state = next;
        after.deadline = None;
        let now = self.clock.now();
        self.commit(&case, after, EventKind::Restored, "system", now, json!({}))
            .await
    }
}

/// Calls [`CaseFlow::tick`] every `every` until `shutdown` resolves. The interval only paces
/// the ticks; which windows have ended is decided by the flow's clock.
pub fn spawn_ticker(
    flow: CaseFlow,
    every: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = interval.tick() => match flow.tick().await {
                    Ok(report) if !report.failed.is_empty() => {
                        tracing::warn!(failed = ?report.failed, "tick left cases to retry");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "tick failed"),
                },
            }
        }
    })
}
