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
}

/// Loads the config and runs the pipeline until idle or SIGINT/SIGTERM.
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(&args.config)?;
    pipeline::run(&config, RunMode::until_idle_if(args.until_idle)).await?;
    Ok(ExitCode::SUCCESS)
}
