//! `takedown evidence show`: a capture and the verification of its records.

use std::process::ExitCode;

use super::{DataArgs, exit_codes::NOT_VERIFIED};

/// `takedown evidence`'s subcommands.
#[derive(clap::Subcommand)]
pub enum EvidenceCommand {
    /// What was fetched, when, from where, with digests; exits 3 if it does not verify.
    Show {
        /// The capture's id (a listing's `capture_id`, from `takedown listings --json`).
        capture: String,
        /// The evidence as one pretty-printed JSON document instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Shows a capture's evidence; exit 3 when it does not verify.
pub async fn run(command: EvidenceCommand) -> anyhow::Result<ExitCode> {
    let EvidenceCommand::Show {
        capture,
        json,
        data,
    } = command;
    let storage = data.existing_storage().await?;
    let evidence = crate::evidence::show(&storage, &capture).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&evidence)?);
    } else {
        print!("{}", crate::evidence::describe(&evidence));
    }
    Ok(if evidence.verified() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_VERIFIED)
    })
}
