//! `takedown demo`: the whole product on one machine in a few seconds. It serves the bundled
//! sample marketplace and fair catalog on 127.0.0.1, starts the reference platform handler,
//! registers the sample owner's rights, runs every stage until idle, then shows what was
//! found and filed — and checks it against the sample's planted cases.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::Context;
use base64::Engine;
use serde::Serialize;
use takedown_crawler::SourceConfig;
use takedown_model::{Decision, Right, SourceKind};
use takedown_platform::{CaseRow, CaseStore, HandlerState};
use takedown_sample::SampleData;
use takedown_store::{MatchRecord, NoticeRecord};
use takedown_webhook::Secret;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use unicode_width::UnicodeWidthStr;

use crate::{
    backends::Storage,
    config::{Config, PlatformConfig},
    pipeline::{self, RunMode},
    report,
};

// The table's row type is the report's (it renders the rows); the demo fills them.
pub use crate::report::DemoRow;

/// A file in the demo directory that marks it as ours, so a re-run may wipe it.
const MARKER: &str = ".takedown-demo";

pub struct DemoOptions {
    pub dir: PathBuf,
    pub report: Option<PathBuf>,
}

/// Everything the demo did, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoOutcome {
    pub listings_crawled: usize,
    pub rows: Vec<DemoRow>,
    pub notices_filed: usize,
    pub cases_opened: usize,
    /// Planted (listing, right) pairs the sample expects, and how many were found.
    pub planted_total: usize,
    pub planted_found: usize,
    /// Planted pairs not found: "url_path right_id".
    pub missed: Vec<String>,
    /// Matches the sample does not expect (clean or authorized listings, wrong rights).
    pub unexpected: Vec<String>,
    pub report: String,
    /// The platform handler's cases, for checking exactly-once delivery.
    #[serde(skip)]
    pub cases: Vec<CaseRow>,
}

pub async fn run(options: &DemoOptions) -> anyhow::Result<DemoOutcome> {
    prepare_dir(&options.dir)?;
    let sample = takedown_sample::generate();
    let cancel = CancellationToken::new();

    let site_listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the sample site")?;
    let site_addr = site_listener.local_addr()?;
    let site = Arc::new(sample.site.clone());
    let site_stop = cancel.clone();
    let site_task = tokio::spawn(takedown_sample::serve(site, site_listener, async move {
        site_stop.cancelled().await
    }));

    let secret = Secret::parse(&format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
    ))?;
    // The handler checks each notice against its regime (EU DSA art. 16 here), as a
    // platform would: the demo's notices must carry every element, not just the common ones.
    let cases = CaseStore::open(&options.dir.join("platform.db"))
        .await
        .context("opening the platform's case store")?
        .with_regime_checks(true);
    let handler_listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the platform handler")?;
    let handler_addr = handler_listener.local_addr()?;
    let handler_state = HandlerState {
        cases: cases.clone(),
        secret: secret.clone(),
        tolerance_secs: 300,
    };
    let handler_stop = cancel.clone();
    let handler_task = tokio::spawn(takedown_platform::serve(
        handler_state,
        handler_listener,
        async move { handler_stop.cancelled().await },
    ));

    let owner_file = sample
        .write_owner_files(&options.dir.join("sample-owner"))
        .context("writing the sample owner's files")?;
    let config = demo_config(
        &options.dir,
        owner_file,
        &format!("http://{site_addr}"),
        &format!("http://{handler_addr}/notices"),
        &secret,
    );
    let result = pipeline::run(&config, RunMode::UntilIdle).await;
    cancel.cancel();
    let _ = site_task.await;
    let _ = handler_task.await;
    result?;

    let report_path = options
        .report
        .clone()
        .unwrap_or_else(|| options.dir.join("report.html"));
    outcome(&config, &sample, &cases, &report_path).await
}

/// The demo's own directory: created, or wiped if a previous demo made it; anything else
/// is refused rather than overwritten.
fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let is_empty = std::fs::read_dir(dir)?.next().is_none();
        if !is_empty && !dir.join(MARKER).exists() {
            anyhow::bail!(
                "{} exists and was not made by `takedown demo`; choose another --dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(dir.join(MARKER), "made by takedown demo; safe to delete\n")?;
    Ok(())
}

fn demo_config(
    dir: &Path,
    owner_file: PathBuf,
    site: &str,
    handler: &str,
    secret: &Secret,
) -> Config {
    let source = |id: &str, kind, path: &str| {
        let mut source = SourceConfig::new(id, kind, id, vec![format!("{site}{path}")]);
        source.allow_loopback = true;
        source
    };
    let platform = |id: &str| PlatformConfig::webhook(id, handler, secret.expose());
    Config {
        data_dir: dir.join("data"),
        rights_files: vec![owner_file],
        policy: takedown_actioner::Policy {
            auto_file_threshold: takedown_actioner::Threshold::new(0.7)
                .expect("0.7 is a valid threshold"),
            ..Default::default()
        },
        sources: vec![
            source("sample-market", SourceKind::Marketplace, "/market/"),
            source("sample-fair", SourceKind::FairCatalog, "/fair/"),
        ],
        platforms: vec![platform("sample-market"), platform("sample-fair")],
        matcher: Default::default(),
        evidence: Default::default(),
        backends: Default::default(),
    }
}

/// The path and fragment of a URL: how the sample names its listings.
fn url_path(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match u.fragment() {
            Some(f) => format!("{}#{f}", u.path()),
            None => u.path().to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

async fn outcome(
    config: &Config,
    sample: &SampleData,
    cases: &CaseStore,
    report_path: &Path,
) -> anyhow::Result<DemoOutcome> {
    let data = Storage::open_dir(&config.data_dir).await?;
    let listings = data.store.listings(None).await?;
    let rights: BTreeMap<String, _> = data
        .store
        .rights()
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let notices: BTreeMap<String, _> = data
        .store
        .notices()
        .await?
        .into_iter()
        .map(|n| (n.notice.match_id.clone(), n))
        .collect();
    let titles: BTreeMap<&str, &str> = listings
        .iter()
        .map(|l| (l.id.as_str(), l.title.as_str()))
        .collect();

    let mut matches = data.store.matches().await?;
    matches.sort_by(|a, b| {
        (&a.found.listing_url, &a.found.right_id).cmp(&(&b.found.listing_url, &b.found.right_id))
    });
    let row_data = RowData {
        notices: &notices,
        rights: &rights,
        titles: &titles,
    };
    let rows: Vec<DemoRow> = matches.iter().map(|m| row_data.row(m)).collect();

    let found: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (url_path(&r.listing_url), r.right_id.clone()))
        .collect();
    let expected = planted_pairs(sample);
    let missed = expected
        .difference(&found)
        .map(|(p, r)| format!("{p} {r}"))
        .collect();
    let unexpected = found
        .difference(&expected)
        .map(|(p, r)| format!("{p} {r}"))
        .collect();

    report::write(report_path, &data, &matches, &rows)
        .with_context(|| format!("writing {}", report_path.display()))?;
    let cases = cases.cases().await?;
    Ok(DemoOutcome {
        listings_crawled: listings.len(),
        notices_filed: notices.len(),
        cases_opened: cases.len(),
        planted_total: expected.len(),
        planted_found: expected.intersection(&found).count(),
        missed,
        unexpected,
        rows,
        report: report_path.display().to_string(),
        cases,
    })
}

/// What a match's table row is looked up in: notices by match id, rights by id, listing
/// titles by listing id.
struct RowData<'a> {
    notices: &'a BTreeMap<String, NoticeRecord>,
    rights: &'a BTreeMap<String, Right>,
    titles: &'a BTreeMap<&'a str, &'a str>,
}

impl RowData<'_> {
    /// The table row of one match, with its notice's id, status and case when it has one.
    fn row(&self, m: &MatchRecord) -> DemoRow {
        let notice = self.notices.get(&m.found.id);
        DemoRow {
            listing_url: m.found.listing_url.clone(),
            platform: m.found.platform.clone(),
            seller: m.found.seller.clone(),
            title: self
                .titles
                .get(m.found.listing_id.as_str())
                .map(|t| t.to_string())
                .unwrap_or_default(),
            right_id: m.found.right_id.clone(),
            right_name: self
                .rights
                .get(&m.found.right_id)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            kind: m.found.kind.as_str().to_owned(),
            score: m.found.score,
            decision: if m.decision == Decision::AutoFile {
                "auto_file"
            } else {
                "review"
            }
            .to_owned(),
            notice_id: notice.map(|n| n.notice.id.clone()),
            notice_status: notice
                .map(|n| n.status.as_str().to_owned())
                .unwrap_or_else(|| "review".to_owned()),
            case_id: notice.and_then(|n| n.case_id.clone()),
        }
    }
}

/// The sample's planted cases as (URL path, right id) pairs.
fn planted_pairs(sample: &SampleData) -> BTreeSet<(String, String)> {
    sample
        .expected
        .iter()
        .flat_map(|e| {
            e.expected_rights
                .iter()
                .map(|r| (e.url_path.clone(), r.clone()))
        })
        .collect()
}

/// The table the demo prints.
pub fn table(outcome: &DemoOutcome) -> String {
    let mut out = String::new();
    let header = [
        "listing",
        "seller",
        "matched right",
        "kind",
        "score",
        "notice",
        "status",
    ];
    let cells: Vec<[String; 7]> = outcome
        .rows
        .iter()
        .map(|r| {
            [
                url_path(&r.listing_url),
                r.seller.clone(),
                format!("{} ({})", r.right_name, r.right_id),
                r.kind.clone(),
                format!("{:.2}", r.score),
                r.notice_id.clone().unwrap_or_else(|| "-".into()),
                r.notice_status.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(UnicodeWidthStr::width);
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cols: &[String]| -> String {
        let padded: Vec<String> = cols
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.width()))))
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    out.push_str(&line(&header.map(str::to_owned)));
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    for row in &cells {
        out.push_str(&line(row));
    }
    out.push_str(&format!(
        "\n{} listings crawled, {} matches, {} notices filed, {} cases opened by the platform.\n\
         Planted infringements found: {}/{}; unexpected matches: {}.\nReport: {}\n",
        outcome.listings_crawled,
        outcome.rows.len(),
        outcome.notices_filed,
        outcome.cases_opened,
        outcome.planted_found,
        outcome.planted_total,
        outcome.unexpected.len(),
        outcome.report
    ));
    for m in &outcome.missed {
        out.push_str(&format!("MISSED: {m}\n"));
    }
    for u in &outcome.unexpected {
        out.push_str(&format!("UNEXPECTED: {u}\n"));
    }
    out
}
