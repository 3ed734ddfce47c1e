//! Runs cases through the flow: checks each event against the regime's machine, carries out
//! its effect (take down, tell the seller, restore), computes the new window on the regime's
//! calendar, and records the transition with who, what and when. [`CaseFlow::tick`] applies
//! windows that have run out and retries effects that failed.

use std::{
    future::Future,
    sync::{Arc, RwLock},
};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::{
    calendar::{CalendarError, CnCalendar, Period},
    cases::{Audit, CaseError, CaseRecord, CaseStore, EventRecord, PendingWindow, WindowField},
    clock::Clock,
    flow::{Event, EventKind, Profile, Regime, State, TransitionError, WindowAnchor, transition},
    measures::{ListingService, MeasureError, SellerMessage, SellerNotifier},
    telemetry,
};

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("no case {case_id}")]
    NotFound { case_id: String },
    #[error("event {event} is caused by the handler itself and cannot be posted")]
    SystemEvent { event: EventKind },
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// DSA art. 20: the complaint came after its window (six months from the decision) or
    /// after the decision's complaint was already decided.
    #[error("case {case_id}: no internal complaint is taken now ({why})")]
    ComplaintWindow { case_id: String, why: String },
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

impl FlowError {
    /// The case left the state this change started from before it was recorded: another
    /// replica's tick or an operator moved it first, and this change was not made.
    pub fn is_overtaken(&self) -> bool {
        matches!(self, FlowError::Store(CaseError::Conflict { .. }))
    }
}

/// A case with its timeline and the deadlines derived from its regime.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: CaseRecord,
    /// When measures are due where the regime gives a figure (fairs: 24 h).
    pub measures_due: Option<DateTime<Utc>>,
    /// Measures are due and not taken (or were taken late).
    pub measures_overdue: bool,
    /// Set when a window's end cannot be computed yet, e.g. "deadline unknown: no CN calendar
    /// for 2027"; loading that year's table fixes the case at the next tick.
    pub deadline_unknown: Option<String>,
    pub events: Vec<EventRecord>,
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TickReport {
    /// Cases whose window ran out.
    pub expired: Vec<String>,
    /// Cases whose pending effect (telling the seller, restoring) now succeeded.
    pub completed: Vec<String>,
    /// Cases that could not move, with why; they are tried again next tick.
    pub failed: Vec<(String, String)>,
    /// Cases whose unknown deadline could now be computed (a holiday table was loaded).
    pub deadlines_set: Vec<String>,
}

/// The platform's case flow. Cheap to clone.
#[derive(Clone)]
pub struct CaseFlow {
    store: CaseStore,
    clock: Arc<dyn Clock>,
    listings: Arc<dyn ListingService>,
    sellers: Arc<dyn SellerNotifier>,
    /// The configured tables (built-in, or given with [`CaseFlow::with_cn_calendar`]).
    cn_base: Arc<CnCalendar>,
    /// `cn_base` with the tables imported into the store, reloaded at every tick so an
    /// import reaches a running server.
    cn: Arc<RwLock<Arc<CnCalendar>>>,
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
            cn_base: Arc::new(CnCalendar::official()),
            cn: Arc::new(RwLock::new(Arc::new(CnCalendar::official()))),
        }
    }

    /// Replaces the Chinese holiday tables (to add a year).
    pub fn with_cn_calendar(mut self, cn: CnCalendar) -> Self {
        self.cn_base = Arc::new(cn.clone());
        self.cn = Arc::new(RwLock::new(Arc::new(cn)));
        self
    }

    /// The Chinese calendar in force: the configured tables and the imported ones.
    pub fn cn_calendar(&self) -> Arc<CnCalendar> {
        // A poisoned lock only means a panic elsewhere mid-swap of an Arc; the value is whole.
        match self.cn.read() {
            Ok(cn) => Arc::clone(&cn),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Reloads the tables imported into the store (`takedown calendar import`) over the
    /// configured ones.
    pub async fn reload_calendars(&self) -> Result<(), FlowError> {
        let cn = Arc::new(self.store.cn_calendar(&self.cn_base).await?);
        match self.cn.write() {
            Ok(mut slot) => *slot = cn,
            Err(poisoned) => *poisoned.into_inner() = cn,
        }
        Ok(())
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
        self.reload_calendars().await?;
        for case_id in self.store.with_pending_windows().await? {
            let case = self.load(&case_id).await?;
            match self.fill_pending_windows(case).await {
                Ok(true) => report.deadlines_set.push(case_id),
                Ok(false) => {}
                Err(e) if e.is_overtaken() => {}
                Err(e) => report.failed.push((case_id, e.to_string())),
            }
        }
        // Pending effects first, so a case that expires below is not tried twice.
        for state in [State::MeasuresTaken, State::MeasuresEnded] {
            for case_id in self.store.in_state(state).await? {
                let case = self.load(&case_id).await?;
                match self.pending_effect(case).await {
                    Ok(_) => report.completed.push(case_id),
                    Err(e) if e.is_overtaken() => {}
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
                // Another replica's tick (or an operator) moved the case first: the window
                // ended once, there.
                Err(e) if e.is_overtaken() => {}
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
        let mut unknown: Vec<String> = case
            .pending_windows
            .iter()
            .map(|w| w.reason.clone())
            .collect();
        let measures_due = match profile
            .measures_due
            .map(|p| p.deadline(case.received_at, &self.cn_calendar()))
            .transpose()
        {
            Ok(due) => due,
            Err(source @ CalendarError::CnYearNotCovered { .. }) => {
                unknown.push(source.to_string());
                None
            }
            Err(source) => {
                return Err(FlowError::Calendar {
                    case_id: case.case_id.clone(),
                    source,
                });
            }
        };
        unknown.dedup();
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
            deadline_unknown: (!unknown.is_empty())
                .then(|| format!("deadline unknown: {}", unknown.join("; "))),
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
        after
            .pending_windows
            .retain(|w| w.field != WindowField::Deadline);
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
                after.complaint_until = self
                    .complaint_until(&profile, now, &mut after)
                    .map_err(calendar)?;
                json!({ "statement_of_reasons": statement_of_reasons })
            }
            Event::Reject { reason } => {
                after.complaint_until = self
                    .complaint_until(&profile, now, &mut after)
                    .map_err(calendar)?;
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
                    after.deadline = self
                        .window_end(WindowField::Deadline, window, anchor, &mut after)
                        .map_err(calendar)?;
                }
                if let Some(latest) = profile.restore_latest {
                    after.restore_by = self
                        .window_end(WindowField::RestoreBy, latest, anchor, &mut after)
                        .map_err(calendar)?;
                }
                json!({ "reached_at": reached, "window_from": anchor, "window_ends": after.deadline })
            }
            Event::Escalate { reference } => json!({ "reference": reference }),
            Event::Complaint { grounds, evidence } => {
                self.check_complaint_window(&case, now)?;
                let (complainant, against) = if case.state == State::Rejected {
                    ("notifier", "rejection")
                } else {
                    after.counter_at = Some(now);
                    ("seller", "measures")
                };
                // One complaint per decision: its decision is final on the platform's side.
                after.complaint_until = None;
                json!({
                    "grounds": grounds, "evidence": evidence, "complainant": complainant,
                    "against": against, "lodged_within": case.complaint_until,
                })
            }
            Event::ReviewDecided { upheld, reason } => {
                let reverses = match (case.state, upheld) {
                    (State::ComplaintReceived, true) => {
                        // The rejection is reversed: the measures are taken now, with the
                        // review's reasons as the statement of reasons, and the seller may in
                        // turn complain about this new decision.
                        self.listings
                            .take_down(&case.listing_url)
                            .await
                            .map_err(measure)?;
                        after.measures_at = Some(now);
                        after.statement_of_reasons = Some(reason.clone());
                        after.complaint_until = self
                            .complaint_until(&profile, now, &mut after)
                            .map_err(calendar)?;
                        Some("rejection")
                    }
                    (State::CounterNoticeReceived, false) => Some("measures"),
                    _ => None,
                };
                json!({ "upheld": upheld, "reason": reason, "reverses": reverses })
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
        let after = self
            .commit(&case, after, event.kind(), actor, now, detail)
            .await?;
        if let (None, Some(taken)) = (case.measures_at, after.measures_at) {
            telemetry::measures_taken(after.regime, after.received_at, taken);
        }
        Ok(after)
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

    /// DSA art. 20: a complaint is taken until `complaint_until` (six months from the
    /// decision), and only once per decision.
    fn check_complaint_window(
        &self,
        case: &CaseRecord,
        now: DateTime<Utc>,
    ) -> Result<(), FlowError> {
        let why = match case.complaint_until {
            Some(until) if now <= until => return Ok(()),
            Some(until) => format!("the window ended at {}", until.to_rfc3339()),
            None => "no complaint window is open for this decision".to_owned(),
        };
        Err(FlowError::ComplaintWindow {
            case_id: case.case_id.clone(),
            why,
        })
    }

    fn complaint_until(
        &self,
        profile: &Profile,
        decided: DateTime<Utc>,
        case: &mut CaseRecord,
    ) -> Result<Option<DateTime<Utc>>, CalendarError> {
        match profile.complaint_window {
            Some(window) => self.window_end(WindowField::ComplaintUntil, window, decided, case),
            None => Ok(None),
        }
    }

    /// When `period` from `from` ends; `None`, with the window kept on the case as pending,
    /// when the calendar has no table for the year it ends in. A missing year never stops a
    /// case: the statute's clock is unknown, not the case's state.
    fn window_end(
        &self,
        field: WindowField,
        period: Period,
        from: DateTime<Utc>,
        case: &mut CaseRecord,
    ) -> Result<Option<DateTime<Utc>>, CalendarError> {
        case.pending_windows.retain(|w| w.field != field);
        match period.deadline(from, &self.cn_calendar()) {
            Ok(end) => Ok(Some(end)),
            Err(e @ CalendarError::CnYearNotCovered { .. }) => {
                tracing::warn!(case = %case.case_id, error = %e, "deadline unknown");
                case.pending_windows.push(PendingWindow {
                    field,
                    period,
                    from,
                    reason: e.to_string(),
                });
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Computes the case's pending windows that the calendar now covers and records them.
    /// Returns whether any was set.
    async fn fill_pending_windows(&self, case: CaseRecord) -> Result<bool, FlowError> {
        let mut after = case.clone();
        let mut set = Vec::new();
        for window in &case.pending_windows {
            let end = self
                .window_end(window.field, window.period, window.from, &mut after)
                .map_err(|source| FlowError::Calendar {
                    case_id: case.case_id.clone(),
                    source,
                })?;
            if let Some(end) = end {
                match window.field {
                    WindowField::Deadline => after.deadline = Some(end),
                    WindowField::RestoreBy => after.restore_by = Some(end),
                    WindowField::ComplaintUntil => after.complaint_until = Some(end),
                }
                set.push(json!({ "field": window.field, "ends": end }));
            }
        }
        if set.is_empty() {
            return Ok(false);
        }
        let now = self.clock.now();
        self.commit(
            &case,
            after,
            EventKind::DeadlineSet,
            "calendar",
            now,
            json!({ "set": set }),
        )
        .await?;
        Ok(true)
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
        let mut after = case.clone();
        // `window_end` replaces any pending deadline of the state being left.
        let answer_by = self
            .window_end(
                WindowField::Deadline,
                profile.counter_window,
                now,
                &mut after,
            )
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
        after.state = next;
        after.deadline = answer_by;
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

/// The lease under which one desk replica at a time runs the ticker.
const TICKER_LEASE: &str = "ticker";

/// Calls [`CaseFlow::tick`] every `every` until `shutdown` resolves. The interval only paces
/// the ticks; which windows have ended is decided by the flow's clock.
///
/// Desk replicas sharing one database tick one at a time: each tick first takes or renews
/// the ticker's lease (three intervals long, at least five seconds, on the wall clock), so a
/// seller is told once and a restoration asked for once; a replica that dies leaves its
/// lease to lapse and another takes over. Should two ever tick together (a tick outlasting
/// its lease), a window still ends once: a transition is conditional on the state it leaves.
pub fn spawn_ticker(
    flow: CaseFlow,
    every: std::time::Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    let holder = format!(
        "desk-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let lease = chrono::Duration::from_std((every * 3).max(std::time::Duration::from_secs(5)))
        .unwrap_or(chrono::Duration::days(1));
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = interval.tick() => match flow.store().claim_lease(TICKER_LEASE, &holder, Utc::now(), lease).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => {
                        tracing::error!(error = %e, "ticker lease not taken");
                        continue;
                    }
                },
            }
            match flow.tick().await {
                Ok(report) if !report.failed.is_empty() => {
                    tracing::warn!(failed = ?report.failed, "tick left cases to retry");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "tick failed"),
            }
        }
        // Hand the ticking over at once rather than when the lease lapses.
        if let Err(e) = flow.store().release_lease(TICKER_LEASE, &holder).await {
            tracing::warn!(error = %e, "ticker lease not released; it lapses");
        }
    })
}
