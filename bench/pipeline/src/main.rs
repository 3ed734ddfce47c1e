//! `bench-pipeline`: listings per second through the whole pipeline and the latency from
//! "listing fetched" to "notice accepted" (p50, p99), with every stage as its own
//! `takedown serve` process, on the embedded defaults and on Kafka + PostgreSQL, with 1, 2
//! and 4 hasher processes. See `bench/pipeline/RESULTS.md` for how to run it and results.
//!
//! Module map: `templates` (the sample's listings as templates), `images` (per-listing image
//! variants), `market` (the synthetic marketplace), `site` (serving it), `stages` (config,
//! `takedown serve` processes, CPU from /proc), `services` (tansu, PostgreSQL databases),
//! `run` (one measured run), `stats`, `report` (the summary table).

// `unsafe` is allowed for one libc call, `sysconf(_SC_CLK_TCK)` in `stages` (the clock-tick
// rate that turns /proc CPU counters into seconds); std has no safe equivalent.

mod images;
mod market;
mod report;
mod rng;
mod run;
mod services;
mod site;
mod stages;
mod stats;
mod templates;

use std::{io::Write as _, path::PathBuf, sync::Arc, time::Duration, time::Instant};

use anyhow::Context;
use clap::Parser;
use tokio_util::sync::CancellationToken;

use crate::market::MarketSpec;
use crate::run::{Backend, Env};

#[derive(Parser)]
#[command(about = "End-to-end pipeline benchmark: listings/s and fetch-to-acceptance latency")]
struct Args {
    /// The `takedown` binary to run the stages with (build it with --release).
    #[arg(long, default_value = "target/release/takedown")]
    takedown: PathBuf,
    /// Listings in the synthetic marketplace.
    #[arg(long, default_value_t = 2000)]
    listings: usize,
    /// Share of listings planting a logo, a design or a word mark.
    #[arg(long, default_value_t = 0.15)]
    infringing_share: f64,
    /// Share of listings by the owner's authorized seller (must not be noticed).
    #[arg(long, default_value_t = 0.02)]
    authorized_share: f64,
    #[arg(long, default_value_t = 20261123)]
    seed: u64,
    /// Hasher process counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
    hashers: Vec<usize>,
    /// `embedded` and/or `kafka`, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "embedded,kafka")]
    backends: Vec<String>,
    /// Runs per configuration (interleaved: every configuration once, then again).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The crawler's concurrency (and per-host concurrency; politeness delays are off).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// The crawler's minimum gap between requests in ms: 0 (default) queues every listing
    /// at once (throughput, and latency under a backlog); a gap that keeps the arrival rate
    /// below the hashers' capacity measures the latency of an unloaded pipeline.
    #[arg(long, default_value_t = 0)]
    host_delay_ms: u64,
    /// Where runs, logs, results.jsonl and summary.md go.
    #[arg(long, default_value = "target/bench-pipeline")]
    out: PathBuf,
    /// The tansu broker binary for Kafka runs (a fresh broker per run).
    #[arg(long)]
    tansu: Option<PathBuf>,
    /// A PostgreSQL server URL (`postgres://…/DB`) for Kafka runs; a database per run is
    /// made on it. Default: $TAKEDOWN_POSTGRES_URL.
    #[arg(long)]
    postgres: Option<String>,
    /// Seconds a run may take before it is stopped as failed.
    #[arg(long, default_value_t = 900)]
    timeout_secs: u64,
    /// Keep each run's data directory (blobs, SQLite files).
    #[arg(long)]
    keep: bool,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let backends: Vec<Backend> = args
        .backends
        .iter()
        .map(|b| report::parse_backend(b).with_context(|| format!("unknown backend {b:?}")))
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(
        args.takedown.is_file(),
        "no takedown binary at {}",
        args.takedown.display()
    );
    std::fs::create_dir_all(&args.out)?;
    let out = std::fs::canonicalize(&args.out)?;

    let generated = Instant::now();
    let sample = takedown_sample::generate();
    let templates = templates::from_sample(&sample)?;
    let spec = MarketSpec {
        listings: args.listings,
        infringing_share: args.infringing_share,
        authorized_share: args.authorized_share,
        seed: args.seed,
    };
    let market = Arc::new(market::build(&spec, &templates, 2)?);
    let owner_file = sample.write_owner_files(&out.join("owner"))?;
    eprintln!(
        "market: {} listings ({} infringing), {} images, {:.1} MB, generated in {:.1} s; cases {:?}",
        market.listings,
        market.infringing.len(),
        market.image_count,
        market.image_bytes as f64 / 1e6,
        generated.elapsed().as_secs_f64(),
        market.cases
    );

    let cancel = CancellationToken::new();
    let site = site::start(market.clone(), &cancel).await?;
    let home = std::env::var("HOME").unwrap_or_default();
    let env = Env {
        takedown: std::fs::canonicalize(&args.takedown)?,
        tansu: args
            .tansu
            .unwrap_or_else(|| PathBuf::from(home).join(".cargo/bin/tansu")),
        postgres: args
            .postgres
            .or_else(|| std::env::var("TAKEDOWN_POSTGRES_URL").ok()),
        site,
        owner_file,
        market,
        out: out.clone(),
        timeout: Duration::from_secs(args.timeout_secs),
        crawl_concurrency: args.concurrency,
        host_delay_ms: args.host_delay_ms,
        keep: args.keep,
    };

    let mut results = Vec::new();
    let mut jsonl = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out.join("results.jsonl"))?;
    for run_no in 1..=args.runs {
        for &backend in &backends {
            for &hashers in &args.hashers {
                let result = run::run(&env, backend, hashers, run_no).await?;
                eprintln!(
                    "{} hashers={} run={}: ok={} {:.1} listings/s, p50 {} ms, p99 {} ms, wall {:.1} s, ended by {}{}",
                    backend.name(),
                    hashers,
                    run_no,
                    result.ok,
                    result.listings_per_sec,
                    result.latency_p50_ms.map_or(-1.0, |v| v.round()),
                    result.latency_p99_ms.map_or(-1.0, |v| v.round()),
                    result.wall_secs,
                    result.ended_by,
                    result
                        .error
                        .as_deref()
                        .map(|e| format!(" — {e}"))
                        .unwrap_or_default()
                );
                writeln!(jsonl, "{}", serde_json::to_string(&result)?)?;
                results.push(result);
            }
        }
    }
    cancel.cancel();
    let table = report::summary(&results);
    std::fs::write(out.join("summary.md"), &table)?;
    println!("{table}");
    Ok(())
}
