//! The desk's Prometheus series, named once here: counters bumped where the event happens
//! (a notice received or refused, measures taken) and gauges of the case database sampled
//! when `/metrics` is scraped ([`sample_gauges`]), so every replica reports the same numbers
//! and nothing runs while nobody scrapes. They go through the `metrics` facade; the binary's
//! admin routes install the Prometheus recorder and render them (without one, they are
//! dropped).

use chrono::{DateTime, Utc};

use crate::{
    cases::CaseError,
    engine::CaseFlow,
    flow::{Profile, Regime, State},
};

/// Notices that opened a case, by regime and sender (the owner id in the notice).
pub const NOTICES_RECEIVED: &str = "takedown_desk_notices_received_total";
/// Notices refused at the door, by regime (`unknown` before it could be read) and reason.
pub const NOTICES_REFUSED: &str = "takedown_desk_notices_refused_total";
/// Seconds from a notice's receipt to its measures, by regime.
pub const TIME_TO_MEASURES: &str = "takedown_desk_time_to_measures_seconds";
/// Cases by state and regime.
pub const CASES: &str = "takedown_desk_cases";
/// Open cases with a window whose end is unknown (no holiday table for its year yet).
pub const DEADLINES_UNKNOWN: &str = "takedown_desk_deadlines_unknown";
/// The platform's own deadlines it missed, by kind: `measures` (taken after, or still not
/// taken by, the regime's time for them) and `restoration` (DMCA: listing still down after
/// the latest restoration day).
pub const DEADLINES_MISSED: &str = "takedown_desk_deadlines_missed";

/// Why a notice was refused at the door, as the refusal's `error` code says.
#[derive(Debug, Clone, Copy)]
pub enum Refusal {
    /// The signature or timestamp did not verify.
    Signature,
    /// The payload is not a notice (or not `notice.filed`, or its id is not the webhook id).
    Malformed,
    /// The desk does not take the notice's regime.
    Regime,
    /// An element the notice's regime (or every regime) requires is missing.
    Incomplete,
    /// The notice id was received before with other content.
    Conflict,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::Signature => "signature",
            Refusal::Malformed => "malformed",
            Refusal::Regime => "regime",
            Refusal::Incomplete => "incomplete",
            Refusal::Conflict => "conflict",
        }
    }
}

/// Gives each series its `# HELP` line; call once after the recorder is installed (a
/// description given before there is one is lost).
pub fn describe() {
    metrics::describe_counter!(
        NOTICES_RECEIVED,
        "Notices that opened a case, by regime and sender."
    );
    metrics::describe_counter!(
        NOTICES_REFUSED,
        "Notices refused before a case was opened, by regime and reason."
    );
    metrics::describe_histogram!(
        TIME_TO_MEASURES,
        metrics::Unit::Seconds,
        "Time from a notice's receipt to its measures, by regime."
    );
    metrics::describe_gauge!(CASES, "Cases by state and regime.");
    metrics::describe_gauge!(
        DEADLINES_UNKNOWN,
        "Cases with a window whose end is unknown (no holiday table for its year)."
    );
    metrics::describe_gauge!(
        DEADLINES_MISSED,
        "The platform's own deadlines it missed: measures late, DMCA restorations overdue."
    );
}

/// A notice opened a case.
pub fn notice_received(regime: Regime, sender: &str) {
    metrics::counter!(
        NOTICES_RECEIVED,
        "regime" => regime.as_str(),
        "sender" => sender.to_owned()
    )
    .increment(1);
}

/// A notice was refused before a case was opened.
pub fn notice_refused(regime: Option<Regime>, why: Refusal) {
    metrics::counter!(
        NOTICES_REFUSED,
        "regime" => regime.map_or("unknown", Regime::as_str),
        "reason" => why.as_str()
    )
    .increment(1);
}

/// Measures were taken on a case received at `received`.
pub fn measures_taken(regime: Regime, received: DateTime<Utc>, at: DateTime<Utc>) {
    let secs = (at - received).num_milliseconds() as f64 / 1000.0;
    metrics::histogram!(TIME_TO_MEASURES, "regime" => regime.as_str()).record(secs.max(0.0));
}

/// The gauges' values at one moment, read from the case database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeskGauges {
    /// Cases per (state, regime) — every pair, so one that emptied reads 0.
    pub cases: Vec<(State, Regime, u64)>,
    /// Cases with a window whose end is unknown.
    pub deadlines_unknown: u64,
    /// Cases whose measures came late, or have not come and their time passed.
    pub measures_missed: u64,
    /// DMCA cases still down after their latest restoration day.
    pub restorations_missed: u64,
}

impl DeskGauges {
    /// Reads them from `flow`'s case database, by its clock.
    pub async fn read(flow: &CaseFlow) -> Result<Self, CaseError> {
        let store = flow.store();
        let counts = store.state_regime_counts().await?;
        let mut cases = Vec::new();
        for state in State::ALL {
            for regime in Regime::ALL {
                let n = counts
                    .iter()
                    .find(|(s, r, _)| s == state.as_str() && r == regime.as_str())
                    .map_or(0, |(_, _, n)| *n);
                cases.push((state, regime, n));
            }
        }
        let now = flow.clock().now();
        Ok(Self {
            cases,
            deadlines_unknown: store.count_pending_windows().await?,
            measures_missed: measures_missed(flow, now).await?,
            restorations_missed: store.restorations_overdue(now).await?,
        })
    }

    /// Sets the Prometheus gauges to these values.
    pub fn set(&self) {
        for (state, regime, n) in &self.cases {
            metrics::gauge!(CASES, "state" => state.as_str(), "regime" => regime.as_str())
                .set(*n as f64);
        }
        metrics::gauge!(DEADLINES_UNKNOWN).set(self.deadlines_unknown as f64);
        metrics::gauge!(DEADLINES_MISSED, "kind" => "measures").set(self.measures_missed as f64);
        metrics::gauge!(DEADLINES_MISSED, "kind" => "restoration")
            .set(self.restorations_missed as f64);
    }
}

/// Sets the gauges from the case database, just before a scrape renders them.
pub async fn sample_gauges(flow: &CaseFlow) -> Result<(), CaseError> {
    DeskGauges::read(flow).await?.set();
    Ok(())
}

/// Cases whose measures came after the regime's time for them, or have not come and it has
/// passed (trade fairs: 24 hours). A time that cannot be computed is not counted as missed.
async fn measures_missed(flow: &CaseFlow, now: DateTime<Utc>) -> Result<u64, CaseError> {
    let cn = flow.cn_calendar();
    let mut missed = 0;
    for regime in Regime::ALL {
        let Some(due) = Profile::for_regime(regime).measures_due else {
            continue;
        };
        for (state, received, measures_at) in flow.store().measure_moments(regime).await? {
            let Ok(due) = due.deadline(received, &cn) else {
                continue;
            };
            let late = match measures_at {
                Some(taken) => taken > due,
                None => matches!(state, State::Received | State::Acknowledged) && now > due,
            };
            missed += u64::from(late);
        }
    }
    Ok(missed)
}
