//! `takedown`: one binary for every stage. See `takedown --help`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use takedown::{
    config::Config,
    demo::{self, DemoOptions},
    eval,
    pipeline::{self, DataDir, RunMode},
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
    /// Print notices (with their status and case id) as JSON lines.
    Notices(DataArgs),
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
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
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
}

#[derive(Subcommand)]
enum RightsCommand {
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
    /// below --queries is matched; out: query_file,right_id,score.
    Images {
        #[arg(long)]
        rights: PathBuf,
        #[arg(long)]
        queries: PathBuf,
        #[arg(long)]
        out: PathBuf,
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

#[derive(Subcommand)]
enum ServeCommand {
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
            let dir = DataDir::open(&data.dir()?).await?;
            let report = match owner {
                Some(owner) => {
                    registry::import_rights_csv(&dir.store, &dir.blobs, &owner, &file).await?
                }
                None => registry::import_owner_file(&dir.store, &dir.blobs, &file).await?,
            };
            for (line, error) in &report.row_errors {
                eprintln!("{}:{line}: {error}", file.display());
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
            let dir = DataDir::open(&data.dir()?).await?;
            let matches = dir.store.matches().await?;
            print_json_lines(
                matches
                    .iter()
                    .map(|m| serde_json::json!({ "match": m.found, "decision": m.decision })),
            )?;
        }
        Command::Notices(data) => {
            init_logging("warn");
            let dir = DataDir::open(&data.dir()?).await?;
            let notices = dir.store.notices().await?;
            print_json_lines(
                notices.iter().map(|n| serde_json::json!({ "notice": n.notice, "status": n.status, "case_id": n.case_id })),
            )?;
        }
        Command::Listings { source, json, data } => {
            init_logging("warn");
            let dir = DataDir::open(&data.dir()?).await?;
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
            data,
        } => {
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
            let dir = DataDir::open(&data.dir()?).await?;
            let bus: std::sync::Arc<dyn takedown_bus::Bus> = std::sync::Arc::new(dir.bus.clone());
            let crawler =
                takedown_crawler::Crawler::new(config, dir.store.clone(), dir.blobs.clone(), bus)?;
            let cancel = tokio_util::sync::CancellationToken::new();
            let stop = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    stop.cancel();
                }
            });
            let report = crawler.run(&cancel).await?;
            eprintln!(
                "source {id}: {} pages, {} listings, {} images, errors {:?}",
                report.pages, report.listings, report.images, report.errors
            );
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
            let dir = DataDir::open(&data.dir()?).await?;
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
                } => eval::images(&rights, &queries, &out)?,
                EvalCommand::Titles {
                    rights,
                    titles,
                    out,
                } => eval::titles(&rights, &titles, &out)?,
            };
            for (name, reason) in &summary.failed {
                eprintln!("{name}: {reason}");
            }
            eprintln!(
                "{} queries, {} matched, {} could not be read",
                summary.queries,
                summary.matched,
                summary.failed.len()
            );
        }
        Command::Serve {
            component:
                ServeCommand::Platform {
                    listen,
                    db,
                    secret_env,
                },
        } => {
            init_logging("info");
            let secret_text = std::env::var(&secret_env)
                .with_context(|| format!("environment variable {secret_env} is not set"))?;
            let secret = takedown_webhook::Secret::parse(&secret_text)?;
            let cases = takedown_platform::CaseStore::open(&db).await?;
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            tracing::info!(addr = %listener.local_addr()?, "platform handler listening");
            let state = takedown_platform::HandlerState {
                cases,
                secret,
                tolerance_secs: 300,
            };
            takedown_platform::serve(state, listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
    }
    Ok(())
}
