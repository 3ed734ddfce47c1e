//! `takedown rights import|bulk`: registering rights from files.

use std::{path::PathBuf, process::ExitCode};

use super::{DataArgs, ROWS_REFUSED};
use crate::registry;

/// `takedown rights`'s subcommands.
#[derive(clap::Subcommand)]
pub enum RightsCommand {
    /// Bulk-import rights for one brand owner (CSV, or JSON array if FILE ends in .json)
    /// with the API's validation; a progress bar on stderr, refused rows listed; exit 4 if any.
    Bulk {
        /// The rights file: CSV (the README's columns) or a JSON array.
        file: PathBuf,
        /// The brand owner (tenant id) the rights belong to; it must be registered.
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
        /// An owner file (JSON: owner, rights, authorized sellers) or, with --owner, a CSV.
        file: PathBuf,
        /// The owner of the CSV's rights (an owner already registered).
        #[arg(long)]
        owner: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Runs a `rights` subcommand; exit 4 when rows were refused.
pub async fn run(command: RightsCommand) -> anyhow::Result<ExitCode> {
    match command {
        RightsCommand::Bulk {
            file,
            owner,
            quiet,
            data,
        } => bulk(file, &owner, quiet, &data).await,
        RightsCommand::Import { file, owner, data } => import(file, owner, &data).await,
    }
}

async fn bulk(
    file: PathBuf,
    owner: &str,
    quiet: bool,
    data: &DataArgs,
) -> anyhow::Result<ExitCode> {
    let storage = data.storage().await?;
    let report = takedown_api::bulk::import_file(&storage.store, owner, &file, !quiet).await?;
    for e in &report.errors {
        eprintln!("{}:{}: {}: {}", file.display(), e.row, e.field, e.rule);
    }
    println!(
        "imported {} rights; {} rows refused",
        report.imported,
        report.errors.len()
    );
    Ok(refused_rows_exit(report.errors.is_empty()))
}

async fn import(file: PathBuf, owner: Option<String>, data: &DataArgs) -> anyhow::Result<ExitCode> {
    let storage = data.storage().await?;
    let report = match owner {
        Some(owner) => {
            registry::import_rights_csv(&storage.store, &storage.blobs, &owner, &file).await?
        }
        None => registry::import_owner_file(&storage.store, &storage.blobs, &file).await?,
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
    Ok(refused_rows_exit(report.row_errors.is_empty()))
}

fn refused_rows_exit(all_taken: bool) -> ExitCode {
    if all_taken {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(ROWS_REFUSED)
    }
}
