//! `takedown demo`: the whole pipeline on the bundled sample sites.

use std::{path::PathBuf, process::ExitCode};

use crate::demo::{self, DemoOptions};

/// `takedown demo`'s arguments.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Print the result as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// The demo's working directory (wiped and re-made on each run).
    #[arg(long, default_value = "takedown-demo")]
    dir: PathBuf,
    /// Where to write the HTML report (default: DIR/report.html).
    #[arg(long)]
    report: Option<PathBuf>,
}

/// Runs the demo and prints its table (or JSON).
pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let DemoArgs { json, dir, report } = args;
    let outcome = demo::run(&DemoOptions { dir, report }).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print!("{}", demo::table(&outcome));
    }
    Ok(ExitCode::SUCCESS)
}
