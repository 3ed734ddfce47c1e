//! The summary: per configuration, medians over the runs that succeeded, and the ratio of
//! each hasher count's throughput to one hasher's on the same backend.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::run::{Backend, RunResult};
use crate::stats::median;

fn med(runs: &[&RunResult], f: impl Fn(&RunResult) -> Option<f64>) -> Option<f64> {
    median(&runs.iter().filter_map(|r| f(r)).collect::<Vec<_>>())
}

fn show(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "–".into(), |v| format!("{v:.digits$}"))
}

/// A Markdown table of medians, one row per (backend, hashers).
pub fn summary(results: &[RunResult]) -> String {
    let mut groups: BTreeMap<(&'static str, usize), Vec<&RunResult>> = BTreeMap::new();
    for r in results {
        groups
            .entry((r.backend.name(), r.hashers))
            .or_default()
            .push(r);
    }
    let stages = [
        "crawler", "hasher", "matcher", "actioner", "notifier", "bench", "broker",
    ];
    let mut out = String::from(
        "| backend | hashers | ok runs | listings/s | vs 1 hasher | to last notice s | crawl s | p50 ms | p99 ms | wall s |",
    );
    for s in stages {
        let _ = write!(out, " cpu {s} s |");
    }
    out.push('\n');
    out.push_str(&"|---".repeat(10 + stages.len()));
    out.push_str("|\n");
    for ((backend, hashers), runs) in &groups {
        let ok: Vec<&RunResult> = runs.iter().copied().filter(|r| r.ok).collect();
        let rate = med(&ok, |r| Some(r.listings_per_sec));
        let base = groups
            .get(&(*backend, 1))
            .map(|b| b.iter().copied().filter(|r| r.ok).collect::<Vec<_>>())
            .and_then(|b| med(&b, |r| Some(r.listings_per_sec)));
        let ratio = match (rate, base) {
            (Some(r), Some(b)) if b > 0.0 => Some(r / b),
            _ => None,
        };
        let _ = write!(
            out,
            "| {backend} | {hashers} | {}/{} | {} | {} | {} | {} | {} | {} | {} |",
            ok.len(),
            runs.len(),
            show(rate, 1),
            show(ratio, 2),
            show(med(&ok, |r| Some(r.to_last_notice_secs)), 1),
            show(med(&ok, |r| Some(r.crawl_secs)), 1),
            show(med(&ok, |r| r.latency_p50_ms), 0),
            show(med(&ok, |r| r.latency_p99_ms), 0),
            show(med(&ok, |r| Some(r.wall_secs)), 1),
        );
        for s in stages {
            let _ = write!(
                out,
                " {} |",
                show(med(&ok, |r| r.cpu_secs.get(s).copied()), 1)
            );
        }
        out.push('\n');
    }
    out
}

/// The backend names a `--backends` list may use.
pub fn parse_backend(name: &str) -> Option<Backend> {
    match name {
        "embedded" => Some(Backend::Embedded),
        "kafka" => Some(Backend::Kafka),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(backend: Backend, hashers: usize, rate: f64, ok: bool) -> RunResult {
        RunResult {
            backend,
            hashers,
            run: 1,
            listings: 10,
            listings_in_store: 10,
            expected_notices: 2,
            accepted: 2,
            missing: vec![],
            unexpected: vec![],
            delivered_twice: 0,
            wall_secs: 1.0,
            pipeline_secs: 1.0,
            listings_per_sec: rate,
            to_last_notice_secs: 1.0,
            crawl_secs: 0.5,
            ended_by: "notice",
            latency_p50_ms: Some(100.0),
            latency_p99_ms: Some(200.0),
            latency_max_ms: Some(200.0),
            cpu_secs: BTreeMap::from([("hasher".to_owned(), 2.0)]),
            ok,
            error: None,
        }
    }

    #[test]
    fn medians_skip_failed_runs_and_ratios_compare_with_one_hasher() {
        let table = summary(&[
            result(Backend::Embedded, 1, 10.0, true),
            result(Backend::Embedded, 1, 12.0, true),
            result(Backend::Embedded, 1, 99.0, false),
            result(Backend::Embedded, 2, 16.5, true),
        ]);
        let rows: Vec<&str> = table.lines().collect();
        assert!(
            rows[2].starts_with("| embedded | 1 | 2/3 | 11.0 | 1.00 |"),
            "{}",
            rows[2]
        );
        assert!(
            rows[3].starts_with("| embedded | 2 | 1/1 | 16.5 | 1.50 |"),
            "{}",
            rows[3]
        );
        assert_eq!(parse_backend("kafka"), Some(Backend::Kafka));
        assert_eq!(parse_backend("rabbit"), None);
    }
}
