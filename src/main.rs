//! `takedown`: one binary for every stage. See `takedown --help`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use takedown::{
    config::Config,
    demo::{self, DemoOptions},
    eval,
    pipeline::{self, DataDir, RunMode, Stage},
    registry,
};

#[derive(Parser)]
#[command(
    name = "takedown",
    version,
    about = "Finds counterfeit and infringing listings and gets them taken down, with evidence."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Crawl the bundled sample marketplace and fair catalog, match, file notices to the
    /// built-in platform handler, and show the result.
    Demo {
        /// Print the result as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// The demo's working directory (wiped and re-made on each run).
        #[arg(long, default_value = "takedown-demo")]
        dir: PathBuf,
        /// Where to write the HTML report (default: DIR/report.html).
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Run every stage in this process from a TOML config.
    Run {
        #[arg(long)]
        config: PathBuf,
        /// Exit when the crawl is done and every topic is drained.
        #[arg(long)]
        until_idle: bool,
    },
    /// Register rights.
    Rights {
        #[command(subcommand)]
        command: RightsCommand,
    },
    /// Print matches as JSON lines.
    Matches(DataArgs),
    /// Print notices (with their status and case id) as JSON lines; or manage the
    /// deliveries that were dead-lettered.
    #[command(args_conflicts_with_subcommands = true)]
    Notices {
        #[command(subcommand)]
        command: Option<NoticesCommand>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Show crawled listings (a table, or JSON lines with --json).
    Listings {
        /// Only this source's listings.
        #[arg(long)]
        source: Option<String>,
        /// One JSON object per line: URL, title, seller, price, images with digests, capture id.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Crawl one source straight from the command line, no config file needed; the listings
    /// are stored and published for the other stages.
    Crawl {
        /// Where to start.
        url: String,
        #[arg(long, default_value_t = 1000)]
        max_pages: u64,
        /// Allow 127.0.0.0/8 and ::1 (refused by default, like every internal address).
        #[arg(long)]
        allow_loopback: bool,
        /// The source id (default: the URL's host).
        #[arg(long)]
        source: Option<String>,
        /// marketplace or fair_catalog.
        #[arg(long, default_value = "marketplace")]
        kind: String,
        /// The platform whose handler would receive notices (default: the source id).
        #[arg(long)]
        platform: Option<String>,
        /// Requests in flight in all.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Requests in flight to one host at most (default: the source default, 2).
        #[arg(long)]
        per_host_concurrency: Option<usize>,
        /// Minimum gap between request starts to one host, in milliseconds (default 0).
        #[arg(long)]
        min_host_delay_ms: Option<u64>,
        /// The gap to a host is at least this multiple of its last response time (default
        /// 2.0; 0 turns the adaptive delay off).
        #[arg(long)]
        host_delay_factor: Option<f64>,
        /// Pages queued per URL pattern per run, a crawler-trap guard (default 500).
        #[arg(long)]
        max_pages_per_pattern: Option<u32>,
        /// Links followed this many hops from the start URL at most (default 8).
        #[arg(long)]
        max_depth: Option<u32>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Inspect and verify the evidence of a capture.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Match a folder of photos or a spreadsheet of titles against rights, CSV out.
    Eval {
        #[command(subcommand)]
        what: EvalCommand,
    },
    /// Serve one component.
    Serve {
        #[command(subcommand)]
        component: ServeCommand,
    },
    /// Manage API tenants and their keys (operator).
    Tenants {
        #[command(subcommand)]
        command: TenantsCommand,
    },
}

#[derive(Subcommand)]
enum TenantsCommand {
    /// Create a tenant and print its first API key (shown only this once).
    Create {
        /// brand_owner, platform, fair_organizer, or operator (manages tenants and keys,
        /// reads every tenant's audit log, never a tenant's data).
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// The tenant id (default: made from the name); a platform's id is the platform
        /// name its notices carry.
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List tenants and their keys (never the keys themselves).
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Revoke one key of a tenant; it stops working at once.
    RevokeKey {
        #[arg(long)]
        tenant: String,
        key_id: String,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum NoticesCommand {
    /// Deliveries that will not be retried (refused by the platform, out of attempts, or
    /// their endpoint gone), with the reason.
    DeadLetters {
        /// One JSON object per line: notice_id, platform, attempts, reason.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Put dead-lettered deliveries back in the outbox, due now, attempts reset; the next
    /// `takedown run` delivers them (same notice id, so the platform will not act twice).
    Requeue {
        /// Notice ids to requeue.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<String>,
        /// Requeue every dead letter.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(clap::Args)]
struct DataArgs {
    /// Read the data directory named in this config.
    #[arg(long, conflicts_with = "data_dir")]
    config: Option<PathBuf>,
    /// The data directory (default: takedown-data).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

impl DataArgs {
    fn dir(&self) -> anyhow::Result<PathBuf> {
        Ok(match (&self.config, &self.data_dir) {
            (Some(config), _) => Config::load(config)?.data_dir,
            (None, Some(dir)) => dir.clone(),
            (None, None) => DataDir::default_path(),
        })
    }

    /// The store and blobs: with --config those its `[backends]` names (PostgreSQL and S3 in
    /// a scaled deployment), else the data directory's embedded ones.
    async fn storage(&self) -> anyhow::Result<takedown::backends::Storage> {
        let (backends, dir) = self.backends_config()?;
        takedown::backends::Storage::open(&backends, &dir).await
    }

    /// Store, blobs and bus, chosen like [`DataArgs::storage`].
    async fn backends(&self) -> anyhow::Result<takedown::backends::Backends> {
        let (backends, dir) = self.backends_config()?;
        takedown::backends::Backends::open(&backends, &dir).await
    }

    fn backends_config(&self) -> anyhow::Result<(takedown::backends::BackendsConfig, PathBuf)> {
        Ok(match &self.config {
            Some(path) => {
                let config = Config::load(path)?;
                (config.backends, config.data_dir)
            }
            None => (Default::default(), self.dir()?),
        })
    }
}

#[derive(Subcommand)]
enum RightsCommand {
    /// Bulk-import rights for one brand owner (CSV, or JSON array if FILE ends in .json)
    /// with the API's validation; a progress bar on stderr, refused rows listed; exit 2 if any.
    Bulk {
        file: PathBuf,
        #[arg(long)]
        owner: String,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Register rights from an owner file (JSON) or, with --owner, a CSV of rights.
    Import {
        file: PathBuf,
        /// The owner of the CSV's rights (an owner already registered).
        #[arg(long)]
        owner: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// What was fetched, when, from where, with digests; exits 3 if it does not verify.
    Show {
        capture: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Images: RIGHTS.csv has columns right_id,file (paths relative to the CSV); every image
    /// below --queries is matched; out: query_file,right_id,score,error,evidence (error:
    /// why a file was not compared; evidence: the hash kind and distance, or
    /// `orb256-ransac:INLIERS` for a verified match).
    Images {
        #[arg(long)]
        rights: PathBuf,
        #[arg(long)]
        queries: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Do not judge registrations' specificity against the shipped background set
        /// (every registered hash matches at its kind's bounds): to measure what it changes.
        #[arg(long)]
        no_specificity: bool,
        /// Distinct background images a distance must hold to be barred for a registered
        /// hash (default 2): for fitting it on a fitting split.
        #[arg(long, hide = true)]
        background_neighbours: Option<usize>,
        /// Skip the verification stage (local features and a homography confirming weak
        /// hash pairs): hashes alone, to measure what it changes.
        #[arg(long, conflicts_with = "verify_all")]
        no_verification: bool,
        /// Also verify every registered image against a photo the hashes found nothing
        /// for (costly: every registration is matched).
        #[arg(long)]
        verify_all: bool,
        /// Inliers a verification needs (default 10): for fitting it on a fitting split.
        #[arg(long, hide = true)]
        min_inliers: Option<usize>,
    },
    /// Titles: MARKS.csv has columns right_id,text; TITLES.csv a column title;
    /// out: title,right_id,score.
    Titles {
        #[arg(long)]
        rights: PathBuf,
        #[arg(long)]
        titles: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

/// What every `serve STAGE` takes.
#[derive(clap::Args)]
struct StageArgs {
    /// The TOML config (the same file `takedown run` reads; `[backends]` names PostgreSQL
    /// and Kafka for a scaled deployment).
    #[arg(long)]
    config: PathBuf,
    /// Exit once the stage has nothing left to do (its topics drained, its crawls done).
    #[arg(long)]
    until_idle: bool,
}

#[derive(Subcommand)]
enum ServeCommand {
    /// One pipeline stage: crawls the config's sources.
    Crawler(StageArgs),
    /// One pipeline stage: hashes listings' images.
    Hasher(StageArgs),
    /// One pipeline stage: matches hashed listings against the registered rights.
    Matcher(StageArgs),
    /// One pipeline stage: applies the owner's policy, files notices, tracks cases.
    Actioner(StageArgs),
    /// One pipeline stage: delivers notices and follows platforms' case feeds.
    Notifier(StageArgs),
    /// The multi-tenant REST API (OpenAPI document at /openapi.json). With --config it uses
    /// the store and bus of the config's [backends] table and its notice policy.
    Api {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// The reference platform handler: receives signed notices, opens cases.
    Platform {
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
        /// The handler's case database.
        #[arg(long, default_value = "platform.db")]
        db: PathBuf,
        /// Environment variable holding the shared signing secret.
        #[arg(long, default_value = "TAKEDOWN_PLATFORM_SECRET")]
        secret_env: String,
        /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Check only the common fields, not what the regime (CN ECL 42, EU DSA 16, US DMCA
        /// 512(c)(3), fair complaint) asks for.
        #[arg(long)]
        common_checks_only: bool,
    },
}

fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn print_json_lines<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for item in items {
        serde_json::to_writer(&mut out, &item)?;
        writeln!(out)?;
    }
    Ok(())
}

/// `takedown serve STAGE`: one stage of the pipeline in this process.
async fn serve_stage(stage: Stage, args: StageArgs) -> anyhow::Result<()> {
    init_logging("info");
    let config = Config::load(&args.config)?;
    let mode = if args.until_idle {
        RunMode::UntilIdle
    } else {
        RunMode::Forever
    };
    pipeline::run_stages(&config, &[stage], mode).await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { json, dir, report } => {
            init_logging("warn");
            let outcome = demo::run(&DemoOptions { dir, report }).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&outcome)?);
            } else {
                print!("{}", demo::table(&outcome));
            }
        }
        Command::Serve {
            component: ServeCommand::Crawler(args),
        } => serve_stage(Stage::Crawler, args).await?,
        Command::Serve {
            component: ServeCommand::Hasher(args),
        } => serve_stage(Stage::Hasher, args).await?,
        Command::Serve {
            component: ServeCommand::Matcher(args),
        } => serve_stage(Stage::Matcher, args).await?,
        Command::Serve {
            component: ServeCommand::Actioner(args),
        } => serve_stage(Stage::Actioner, args).await?,
        Command::Serve {
            component: ServeCommand::Notifier(args),
        } => serve_stage(Stage::Notifier, args).await?,
        Command::Run { config, until_idle } => {
            init_logging("info");
            let config = Config::load(&config)?;
            pipeline::run(
                &config,
                if until_idle {
                    RunMode::UntilIdle
                } else {
                    RunMode::Forever
                },
            )
            .await?;
        }
        Command::Rights {
            command: RightsCommand::Import { file, owner, data },
        } => {
            init_logging("warn");
            let dir = data.storage().await?;
            let report = match owner {
                Some(owner) => {
                    registry::import_rights_csv(&dir.store, &dir.blobs, &owner, &file).await?
                }
                None => registry::import_owner_file(&dir.store, &dir.blobs, &file).await?,
            };
            for (line, error) in &report.row_errors {
                eprintln!("{}:{line}: {error}", file.display());
            }
            if let Some(change) = &report.owner_changed {
                println!("{change}");
            }
            for (right, view) in &report.too_generic {
                eprintln!(
                    "right {right}, image {view:?}: {}",
                    takedown_matching::TOO_GENERIC
                );
            }
            println!(
                "registered {} rights and {} authorized sellers; {} rows refused",
                report.rights,
                report.authorized_sellers,
                report.row_errors.len()
            );
            if !report.row_errors.is_empty() {
                std::process::exit(2);
            }
        }
        Command::Matches(data) => {
            init_logging("warn");
            let dir = data.storage().await?;
            let matches = dir.store.matches().await?;
            print_json_lines(
                matches
                    .iter()
                    .map(|m| serde_json::json!({ "match": m.found, "decision": m.decision })),
            )?;
        }
        Command::Notices {
            command: Some(NoticesCommand::DeadLetters { json, data }),
            ..
        } => {
            init_logging("warn");
            let dir = data.storage().await?;
            let dead = dir.store.dead_letters().await?;
            if json {
                print_json_lines(dead.iter().map(|d| {
                    serde_json::json!({
                        "notice_id": d.notice_id,
                        "platform": d.platform,
                        "attempts": d.attempts,
                        "reason": d.reason,
                    })
                }))?;
            } else {
                for d in &dead {
                    println!(
                        "{}\t{}\t{} attempts\t{}",
                        d.notice_id, d.platform, d.attempts, d.reason
                    );
                }
                eprintln!("{} dead letters", dead.len());
            }
        }
        Command::Notices {
            command: Some(NoticesCommand::Requeue { ids, all, data }),
            ..
        } => {
            init_logging("warn");
            let dir = data.storage().await?;
            let ids = if all {
                dir.store
                    .dead_letters()
                    .await?
                    .into_iter()
                    .map(|d| d.notice_id)
                    .collect()
            } else {
                ids
            };
            let mut missing = Vec::new();
            for id in &ids {
                if dir.store.requeue(id).await? {
                    println!("requeued {id}");
                } else {
                    missing.push(id.as_str());
                }
            }
            eprintln!("{} requeued", ids.len() - missing.len());
            if !missing.is_empty() {
                anyhow::bail!("not dead letters: {}", missing.join(", "));
            }
        }
        Command::Notices {
            command: None,
            data,
        } => {
            init_logging("warn");
            let dir = data.storage().await?;
            let notices = dir.store.notices().await?;
            print_json_lines(
                notices.iter().map(|n| serde_json::json!({ "notice": n.notice, "status": n.status, "case_id": n.case_id })),
            )?;
        }
        Command::Listings { source, json, data } => {
            init_logging("warn");
            let dir = data.storage().await?;
            let listings = dir.store.listings(source.as_deref()).await?;
            if json {
                print_json_lines(listings)?;
            } else {
                for l in &listings {
                    let price = match (&l.price, &l.currency) {
                        (Some(p), Some(c)) => format!("{p} {c}"),
                        (Some(p), None) => p.clone(),
                        _ => "-".to_owned(),
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{} images",
                        l.url,
                        l.title,
                        l.seller,
                        price,
                        l.images.len()
                    );
                }
                eprintln!("{} listings", listings.len());
            }
        }
        Command::Crawl {
            url,
            max_pages,
            allow_loopback,
            source,
            kind,
            platform,
            concurrency,
            per_host_concurrency,
            min_host_delay_ms,
            host_delay_factor,
            max_pages_per_pattern,
            max_depth,
            data,
        } => {
            use std::{io::IsTerminal, time::Duration};
            use takedown_crawler::{CrawlProgress, CrawlReport};

            /// One line of numbers: the progress bar's message and the periodic log line.
            fn progress_line(p: &CrawlProgress) -> String {
                format!(
                    "{} pages, {} listings, {} images, {} errors, {:.1} MB, {:.1} pages/s",
                    p.pages + p.not_modified,
                    p.listings,
                    p.images,
                    p.errors,
                    p.bytes as f64 / 1e6,
                    p.pages_per_sec()
                )
            }

            /// A progress bar when stderr is a terminal, a log line every 5 s otherwise;
            /// returns when the crawl says it is done (or the crawler is gone).
            async fn show_progress(
                mut progress: tokio::sync::watch::Receiver<CrawlProgress>,
                max_pages: u64,
            ) {
                if std::io::stderr().is_terminal() {
                    let bar = indicatif::ProgressBar::new(max_pages);
                    // The template is a constant; should it not parse, the default bar does.
                    let style = indicatif::ProgressStyle::with_template(
                        "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} budget  {msg}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
                    bar.set_style(style);
                    bar.enable_steady_tick(Duration::from_millis(200));
                    while progress.changed().await.is_ok() {
                        let p = progress.borrow_and_update().clone();
                        bar.set_position(p.pages + p.not_modified);
                        bar.set_message(progress_line(&p));
                        if p.done {
                            break;
                        }
                    }
                    bar.finish_and_clear();
                } else {
                    let mut every = tokio::time::interval(Duration::from_secs(5));
                    every.tick().await;
                    loop {
                        tokio::select! {
                            _ = every.tick() => {
                                eprintln!("crawl: {}", progress_line(&progress.borrow()));
                            }
                            changed = progress.changed() => {
                                if changed.is_err() || progress.borrow().done {
                                    break;
                                }
                            }
                        }
                    }
                }
            }

            /// The run's metrics: totals, errors by kind, and per-host requests and latency.
            fn print_report(id: &str, report: &CrawlReport, elapsed: Duration) {
                let secs = elapsed.as_secs_f64().max(f64::EPSILON);
                eprintln!(
                    "source {id}: {} pages, {} failed, {} listings, {} images, {:.1} MB in {:.1} s \
                     ({:.1} pages/s, {:.1} images/s)",
                    report.pages,
                    report.failed,
                    report.listings,
                    report.images,
                    report.bytes as f64 / 1e6,
                    secs,
                    (report.pages + report.not_modified) as f64 / secs,
                    report.images as f64 / secs,
                );
                eprintln!(
                    "not modified (304): {}, kept out by trap guards: {}, from sitemaps: {}",
                    report.not_modified, report.trapped, report.sitemap_urls
                );
                if report.errors.is_empty() {
                    eprintln!("errors: none");
                } else {
                    let errors: Vec<String> = report
                        .errors
                        .iter()
                        .map(|(kind, n)| format!("{kind} {n}"))
                        .collect();
                    eprintln!("errors: {}", errors.join(", "));
                }
                for (host, stats) in &report.hosts {
                    eprintln!(
                        "host {host}: {} requests, {:.1} MB, latency p50 {} ms, max {} ms",
                        stats.requests,
                        stats.bytes as f64 / 1e6,
                        stats.latency_p50_ms,
                        stats.latency_max_ms
                    );
                }
            }

            init_logging("info");
            let parsed = url::Url::parse(&url).with_context(|| format!("{url:?} is not a URL"))?;
            let id = source.unwrap_or_else(|| parsed.host_str().unwrap_or("source").to_owned());
            let kind: takedown_model::SourceKind = serde_json::from_value(
                serde_json::Value::String(kind.clone()),
            )
            .with_context(|| format!("--kind {kind:?}: expected marketplace or fair_catalog"))?;
            let mut config = takedown_crawler::SourceConfig::new(
                &id,
                kind,
                platform.as_deref().unwrap_or(&id),
                vec![url],
            );
            config.max_pages = max_pages;
            config.allow_loopback = allow_loopback;
            config.concurrency = concurrency;
            if let Some(n) = per_host_concurrency {
                config.per_host_concurrency = n;
            }
            if let Some(ms) = min_host_delay_ms {
                config.min_host_delay_ms = ms;
            }
            if let Some(factor) = host_delay_factor {
                config.host_delay_factor = factor;
            }
            if let Some(n) = max_pages_per_pattern {
                config.max_pages_per_pattern = n;
            }
            if let Some(depth) = max_depth {
                config.max_depth = depth;
            }
            let dir = data.backends().await?;
            let bus = dir.bus.clone();
            let crawler =
                takedown_crawler::Crawler::new(config, dir.store.clone(), dir.blobs.clone(), bus)?;
            let cancel = tokio_util::sync::CancellationToken::new();
            let stop = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    stop.cancel();
                }
            });
            let display = tokio::spawn(show_progress(crawler.progress(), max_pages));
            let started = std::time::Instant::now();
            let report = crawler.run(&cancel).await?;
            // The display ends on the run's last snapshot; a panicked display loses nothing.
            let _ = display.await;
            print_report(&id, &report, started.elapsed());
        }
        Command::Evidence {
            command:
                EvidenceCommand::Show {
                    capture,
                    json,
                    data,
                },
        } => {
            init_logging("warn");
            let dir = data.storage().await?;
            let evidence = takedown::evidence::show(&dir, &capture).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&evidence)?);
            } else {
                print!("{}", takedown::evidence::describe(&evidence));
            }
            if !evidence.verified() {
                std::process::exit(3);
            }
        }
        Command::Eval { what } => {
            init_logging("warn");
            let summary = match what {
                EvalCommand::Images {
                    rights,
                    queries,
                    out,
                    no_specificity,
                    background_neighbours,
                    no_verification,
                    verify_all,
                    min_inliers,
                } => eval::images_with(
                    &rights,
                    &queries,
                    &out,
                    eval::EvalOptions {
                        no_specificity,
                        background_neighbours,
                        verification: if no_verification {
                            takedown_matching::verify::VerifyPolicy::Off
                        } else if verify_all {
                            takedown_matching::verify::VerifyPolicy::WeakThenAll
                        } else {
                            takedown_matching::verify::VerifyPolicy::Weak
                        },
                        min_inliers,
                        all_rights: false,
                    },
                )?,
                EvalCommand::Titles {
                    rights,
                    titles,
                    out,
                } => eval::titles(&rights, &titles, &out)?,
            };
            for (name, reason) in &summary.failed {
                eprintln!("{name}: {reason}");
            }
            for (right, file) in &summary.too_generic {
                eprintln!(
                    "right {right}: {file} is {}",
                    takedown_matching::TOO_GENERIC
                );
            }
            eprintln!(
                "{} queries, {} matched, {} could not be read",
                summary.queries,
                summary.matched,
                summary.failed.len()
            );
        }
        Command::Rights {
            command:
                RightsCommand::Bulk {
                    file,
                    owner,
                    quiet,
                    data,
                },
        } => {
            init_logging("warn");
            let dir = data.storage().await?;
            let report = takedown_api::bulk::import_file(&dir.store, &owner, &file, !quiet).await?;
            for e in &report.errors {
                eprintln!("{}:{}: {}: {}", file.display(), e.row, e.field, e.rule);
            }
            println!(
                "imported {} rights; {} rows refused",
                report.imported,
                report.errors.len()
            );
            if !report.errors.is_empty() {
                std::process::exit(2);
            }
        }
        Command::Tenants { command } => {
            init_logging("warn");
            match command {
                TenantsCommand::Create {
                    kind,
                    name,
                    id,
                    data,
                } => {
                    let tenant_kind = if kind == "operator" {
                        None
                    } else {
                        Some(
                            serde_json::from_value::<takedown_model::TenantKind>(
                                serde_json::Value::String(kind.clone()),
                            )
                            .with_context(|| {
                                format!(
                                    "--kind {kind:?}: expected brand_owner, platform, \
                                     fair_organizer or operator"
                                )
                            })?,
                        )
                    };
                    let dir = data.storage().await?;
                    let (created, key) = match tenant_kind {
                        Some(kind) => {
                            let (tenant, key) = takedown_api::keys::create_tenant(
                                &dir.store,
                                kind,
                                &name,
                                id.as_deref(),
                            )
                            .await?;
                            (tenant.id, key)
                        }
                        None => {
                            let (operator, key) = takedown_api::keys::create_operator(
                                &dir.store,
                                &name,
                                id.as_deref(),
                            )
                            .await?;
                            (operator.id, key)
                        }
                    };
                    eprintln!("created {kind} {created}; its API key follows (shown only once):");
                    println!("{key}");
                }
                TenantsCommand::List { data } => {
                    let dir = data.storage().await?;
                    for tenant in dir.store.tenants().await? {
                        let keys = dir.store.api_keys_of(&tenant.id).await?;
                        let live = keys.iter().filter(|k| k.revoked_at.is_none()).count();
                        println!(
                            "{}\t{:?}\t{}\t{live} live keys of {}",
                            tenant.id,
                            tenant.kind,
                            tenant.name,
                            keys.len()
                        );
                    }
                    for operator in dir.store.operators().await? {
                        let keys = dir.store.api_keys_of(&operator.id).await?;
                        let live = keys.iter().filter(|k| k.revoked_at.is_none()).count();
                        println!(
                            "{}\tOperator\t{}\t{live} live keys of {}",
                            operator.id,
                            operator.name,
                            keys.len()
                        );
                    }
                }
                TenantsCommand::RevokeKey {
                    tenant,
                    key_id,
                    data,
                } => {
                    let dir = data.storage().await?;
                    if !dir.store.revoke_api_key(&tenant, &key_id).await? {
                        anyhow::bail!("tenant {tenant:?} has no live key {key_id:?}");
                    }
                    dir.store
                        .append_audit(&takedown_store::access::AuditChange {
                            tenant_id: &tenant,
                            actor: "cli",
                            action: "revoke",
                            object_kind: "api_key",
                            object_id: &key_id,
                            before: Some(serde_json::json!({ "revoked": false })),
                            after: Some(serde_json::json!({ "revoked": true })),
                        })
                        .await?;
                    println!("revoked key {key_id} of {tenant}");
                }
            }
        }
        Command::Serve {
            component: ServeCommand::Api { listen, data },
        } => {
            init_logging("info");
            // With --config: the store and bus its [backends] table names (PostgreSQL and
            // Kafka in deployment) and its notice policy; otherwise the data directory's
            // embedded ones. Approved notices go on that bus, where the notifier reads them.
            let state = match &data.config {
                Some(path) => {
                    let config = Config::load(path)?;
                    let backends =
                        takedown::backends::Backends::open(&config.backends, &config.data_dir)
                            .await?;
                    takedown_api::AppState::new(backends.store)
                        .with_blobs(backends.blobs)
                        .with_filer(backends.bus, config.policy)
                }
                None => {
                    let dir = DataDir::open(&data.dir()?).await?;
                    takedown_api::AppState::new(dir.store.clone())
                        .with_blobs(dir.blobs.clone())
                        .with_filer(
                            std::sync::Arc::new(dir.bus.clone()),
                            takedown_actioner::Policy::default(),
                        )
                }
            };
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            tracing::info!(addr = %listener.local_addr()?, "API listening");
            takedown_api::serve(state, listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Command::Serve {
            component:
                ServeCommand::Platform {
                    listen,
                    db,
                    secret_env,
                    tls_cert,
                    tls_key,
                    common_checks_only,
                },
        } => {
            init_logging("info");
            let secret_text = std::env::var(&secret_env)
                .with_context(|| format!("environment variable {secret_env} is not set"))?;
            let secret = takedown_webhook::Secret::parse(&secret_text)?;
            let cases = takedown_platform::CaseStore::open(&db)
                .await?
                .with_regime_checks(!common_checks_only);
            // Read the certificate before binding, so a bad file fails fast and says which.
            let tls = match (&tls_cert, &tls_key) {
                (Some(cert), Some(key)) => Some(takedown_platform::server_config(cert, key)?),
                _ => None,
            };
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            let state = takedown_platform::HandlerState {
                cases,
                secret,
                tolerance_secs: 300,
            };
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            match tls {
                Some(tls) => {
                    tracing::info!(addr = %listener.local_addr()?, "platform handler listening (HTTPS)");
                    takedown_platform::serve_tls(
                        takedown_platform::router(state),
                        listener,
                        tls,
                        shutdown,
                    )
                    .await?;
                }
                None => {
                    tracing::info!(addr = %listener.local_addr()?, "platform handler listening");
                    takedown_platform::serve(state, listener, shutdown).await?;
                }
            }
        }
    }
    Ok(())
}
