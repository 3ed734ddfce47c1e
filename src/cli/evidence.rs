//! `takedown evidence`: a capture and the verification of its records (`show`), and the
//! evidence transparency log (`log-key`, `checkpoint`, `prove`, `verify-consistency`).

use std::{path::PathBuf, process::ExitCode};

use super::{
    DataArgs,
    exit_codes::{FORKED, NOT_VERIFIED},
};
use crate::evidence_log::{self, Inconsistency};

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
    /// Prints the evidence log's verifier key (`<name>+<key id>+<base64 key>`, the C2SP
    /// signed-note form), generating the log's key on first use.
    LogKey {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Signs and prints a checkpoint of the evidence log as it is now (a C2SP signed note:
    /// origin, tree size, base64 root hash, signature).
    Checkpoint {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Proves a capture, notice or case event is in the evidence log: its leaf, index and
    /// inclusion proof against the latest checkpoint, as JSON; exits 3 if it does not verify.
    Prove {
        /// A capture id, a notice id, or a case event as NOTICE/KIND/CASE.
        id: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Checks that the evidence log extends an older checkpoint (a file holding its signed
    /// note); exits 6 on a fork (the log does not hold the old tree), 3 if the note is not
    /// this log's.
    VerifyConsistency {
        /// A checkpoint note printed earlier by `takedown evidence checkpoint`.
        old_checkpoint: PathBuf,
        /// The proof and both checkpoints as JSON instead of one line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

/// Runs an evidence subcommand; see each for its exit code.
pub async fn run(command: EvidenceCommand) -> anyhow::Result<ExitCode> {
    match command {
        EvidenceCommand::Show {
            capture,
            json,
            data,
        } => {
            let storage = data.existing_storage().await?;
            let evidence = crate::evidence::show(&storage, &capture).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&evidence)?);
            } else {
                print!("{}", crate::evidence::describe(&evidence));
            }
            Ok(verified_code(evidence.verified()))
        }
        EvidenceCommand::LogKey { data } => {
            let _storage = data.existing_storage().await?;
            let key = evidence_log::log_key(&data.data_dir()?)?;
            println!("{}", key.verifier_key());
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Checkpoint { data } => {
            let storage = data.existing_storage().await?;
            let key = evidence_log::log_key(&data.data_dir()?)?;
            let signed = evidence_log::checkpoint_now(&storage.store, &key).await?;
            print!("{}", signed.note);
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Prove { id, data } => {
            let storage = data.existing_storage().await?;
            let key = evidence_log::log_key(&data.data_dir()?)?;
            let report = evidence_log::prove(&storage.store, &key, &id).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            for problem in &report.problems {
                eprintln!("NOT VERIFIED: {problem}");
            }
            Ok(verified_code(report.verified()))
        }
        EvidenceCommand::VerifyConsistency {
            old_checkpoint,
            json,
            data,
        } => {
            let storage = data.existing_storage().await?;
            let key = evidence_log::log_key(&data.data_dir()?)?;
            match evidence_log::verify_consistency(&storage.store, &key, &old_checkpoint).await? {
                Ok(report) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&report)?);
                    } else {
                        println!(
                            "consistent: the log ({} leaves) extends checkpoint {} (root {})",
                            report.new_size, report.old_size, report.old_root
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(inconsistency) => {
                    eprintln!("{inconsistency}");
                    Ok(ExitCode::from(match inconsistency {
                        Inconsistency::Fork { .. } => FORKED,
                        Inconsistency::NotOurs { .. } => NOT_VERIFIED,
                    }))
                }
            }
        }
    }
}

fn verified_code(verified: bool) -> ExitCode {
    if verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_VERIFIED)
    }
}
