//! `takedown report sla`: how fast platforms act on the owner's notices — per platform and
//! regime, the time from the listing's capture (the evidence's timestamp, which the match
//! carries) to the platform's first "measures taken" event, as median, 90th percentile and
//! maximum, with how many notices are still waiting for measures.

use std::{collections::BTreeMap, process::ExitCode};

use chrono::{DateTime, Utc};
use serde::Serialize;
// The console's dashboard shows the same figures: one definition of each.
use takedown_api::console::owner::{human, nearest_rank};
use takedown_model::{CaseEventKind, NoticeStatus};

use super::DataArgs;
use crate::config::Config;

/// `takedown report`'s subcommands.
#[derive(clap::Subcommand)]
pub enum ReportCommand {
    /// Time to measures per platform and regime: p50, p90 and max from the listing's
    /// capture to the platform's measures, and how many notices still wait for them.
    Sla(SlaArgs),
}

/// `takedown report sla`'s arguments.
#[derive(clap::Args)]
pub struct SlaArgs {
    /// Only notices filed at or after this time (RFC 3339, or a date: 2026-11-01).
    #[arg(long, value_parser = parse_since)]
    since: Option<DateTime<Utc>>,
    /// One JSON object per platform and regime, a line each.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// CSV with a header row.
    #[arg(long)]
    csv: bool,
    #[command(flatten)]
    data: DataArgs,
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaRow {
    /// The platform notified.
    pub platform: String,
    /// The regime its notices were written for (the config's policy; EU DSA without one).
    pub regime: String,
    /// Notices filed.
    pub notices: usize,
    /// Of them, with measures taken.
    pub measures: usize,
    /// Still waiting for measures (not rejected, not withdrawn, none taken yet).
    pub waiting: usize,
    /// Median seconds from capture to measures.
    pub p50_secs: Option<i64>,
    /// 90th percentile (nearest rank) of the same.
    pub p90_secs: Option<i64>,
    /// The slowest.
    pub max_secs: Option<i64>,
}

fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
        .ok_or_else(|| format!("{text:?} is neither an RFC 3339 time nor a date (2026-11-01)"))
}

/// Runs a `report` subcommand.
pub async fn run(command: ReportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReportCommand::Sla(args) => sla(args).await,
    }
}

async fn sla(args: SlaArgs) -> anyhow::Result<ExitCode> {
    let policy = match &args.data.config {
        Some(path) => Config::load(path)?.policy,
        None => Default::default(),
    };
    let store = args.data.existing_storage().await?.store;
    let captured: BTreeMap<String, DateTime<Utc>> = store
        .matches()
        .await?
        .into_iter()
        .map(|m| (m.found.id.clone(), m.found.matched_at))
        .collect();
    let measured = store
        .first_case_events(CaseEventKind::MeasuresTaken)
        .await?;
    let mut groups: BTreeMap<(String, &'static str), Group> = BTreeMap::new();
    for record in store.notices().await? {
        let notice = &record.notice;
        if args.since.is_some_and(|since| notice.filed_at < since) {
            continue;
        }
        let regime = policy.regime_for(&notice.platform).as_str();
        let group = groups.entry((notice.platform.clone(), regime)).or_default();
        group.notices += 1;
        // Refused, withdrawn or undeliverable: it will not get measures.
        let ended_otherwise = matches!(
            record.status,
            NoticeStatus::Rejected | NoticeStatus::Withdrawn | NoticeStatus::DeliveryFailed
        );
        match (measured.get(&notice.id), captured.get(&notice.match_id)) {
            (Some(at), Some(capture)) => group.secs.push((*at - *capture).num_seconds()),
            // Measures without the match's capture time (a match from another store) count
            // as measures, not as a time.
            (Some(_), None) => group.untimed += 1,
            (None, _) if !ended_otherwise => group.waiting += 1,
            (None, _) => {}
        }
    }
    let rows: Vec<SlaRow> = groups
        .into_iter()
        .map(|((platform, regime), group)| group.row(platform, regime))
        .collect();
    print(&rows, &args)?;
    Ok(ExitCode::SUCCESS)
}

/// The notices of one platform and regime.
#[derive(Default)]
struct Group {
    notices: usize,
    waiting: usize,
    untimed: usize,
    secs: Vec<i64>,
}

impl Group {
    fn row(mut self, platform: String, regime: &str) -> SlaRow {
        self.secs.sort_unstable();
        SlaRow {
            platform,
            regime: regime.to_owned(),
            notices: self.notices,
            measures: self.secs.len() + self.untimed,
            waiting: self.waiting,
            p50_secs: nearest_rank(&self.secs, 50),
            p90_secs: nearest_rank(&self.secs, 90),
            max_secs: self.secs.last().copied(),
        }
    }
}

fn print(rows: &[SlaRow], args: &SlaArgs) -> anyhow::Result<()> {
    if args.json {
        return super::print_json_lines(rows.iter());
    }
    if args.csv {
        let mut out = csv::Writer::from_writer(std::io::stdout());
        for row in rows {
            out.serialize(row)?;
        }
        out.flush()?;
        return Ok(());
    }
    let time = |s: Option<i64>| s.map_or("-".to_owned(), human);
    println!(
        "{:<24} {:<12} {:>7} {:>8} {:>7} {:>10} {:>10} {:>10}",
        "platform", "regime", "notices", "measures", "waiting", "p50", "p90", "max"
    );
    for row in rows {
        println!(
            "{:<24} {:<12} {:>7} {:>8} {:>7} {:>10} {:>10} {:>10}",
            row.platform,
            row.regime,
            row.notices,
            row.measures,
            row.waiting,
            time(row.p50_secs),
            time(row.p90_secs),
            time(row.max_secs)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
        assert_eq!(nearest_rank(&v, 50), Some(50));
        assert_eq!(nearest_rank(&v, 90), Some(90));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[1, 2, 3], 50), Some(2));
    }

    #[test]
    fn since_takes_a_time_or_a_date_and_names_what_it_got() {
        assert!(parse_since("2026-11-01").is_ok());
        assert!(parse_since("2026-11-01T10:00:00Z").is_ok());
        assert!(parse_since("last week").unwrap_err().contains("last week"));
    }
}
