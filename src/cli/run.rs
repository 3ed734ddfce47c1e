//! `takedown run`: every stage in this process.

use std::{path::PathBuf, process::ExitCode};

use crate::{
    config::Config,
    pipeline::{self, RunMode},
};

/// `takedown run`'s arguments.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The TOML config: data directory, rights files, policy, sources, platforms, backends.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Exit when the crawl is done and every topic is drained.
    #[arg(long)]
    until_idle: bool,
    /// Serve /healthz, /readyz and Prometheus /metrics on this address (off by default).
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<String>,
}

/// Loads the config and runs the pipeline until idle or SIGINT/SIGTERM.
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(&args.config)?;
    let mode = RunMode::until_idle_if(args.until_idle);
    let admin = args.admin_listen.as_deref();
    pipeline::run_stages_with_admin(&config, &pipeline::Stage::ALL, mode, admin).await?;
    Ok(ExitCode::SUCCESS)
}
