//! `takedown evidence show`: a capture and the verification of its records.

use std::process::ExitCode;

use super::DataArgs;

/// Exit code 3: the evidence does not verify.
const NOT_VERIFIED: u8 = 3;

/// `takedown evidence`'s subcommands.
#[derive(clap::Subcommand)]
pub enum EvidenceCommand {
    /// What was fetched, when, from where, with digests; exits 3 if it does not verify.
    Show {
        capture: String,
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
    let storage = data.storage().await?;
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
