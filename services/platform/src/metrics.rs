//! How the platform performs: time from a notice's receipt to measures per platform (median
//! and worst), and how many cases are in each state.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cases::{CaseError, CaseStore};

/// Time from receipt to measures on one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlatformTiming {
    pub platform: String,
    /// Cases where measures were taken.
    pub measured: u32,
    /// Median seconds from receipt to measures (the lower middle for an even count).
    pub p50_secs: i64,
    pub max_secs: i64,
}

/// The operators' figures (`GET /metrics` on the desk's port, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Metrics {
    pub time_to_measures: Vec<PlatformTiming>,
    pub states: BTreeMap<String, u64>,
    /// Open cases with a deadline that cannot be computed yet (no holiday table for its year).
    pub deadlines_unknown: u64,
}

pub async fn metrics(store: &CaseStore) -> Result<Metrics, CaseError> {
    let mut per_platform: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (platform, received, measures) in store.measure_times().await? {
        per_platform
            .entry(platform)
            .or_default()
            .push((measures - received).num_seconds());
    }
    let time_to_measures = per_platform
        .into_iter()
        .filter_map(|(platform, mut secs)| {
            secs.sort_unstable();
            Some(PlatformTiming {
                measured: u32::try_from(secs.len()).unwrap_or(u32::MAX),
                p50_secs: *secs.get((secs.len().checked_sub(1)?) / 2)?,
                max_secs: *secs.last()?,
                platform,
            })
        })
        .collect();
    let states = store.state_counts().await?.into_iter().collect();
    let deadlines_unknown = store.count_pending_windows().await?;
    Ok(Metrics {
        time_to_measures,
        states,
        deadlines_unknown,
    })
}
