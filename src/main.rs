//! `takedown`: one binary for every stage. See `takedown --help`; the commands live in
//! [`takedown::cli`].

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use takedown::cli::{Cli, init_logging};

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    init_logging(cli.log_format, cli.command.default_log_level());
    cli.command.run().await
}
