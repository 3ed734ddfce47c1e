//! `takedown evidence`: a capture and the verification of its records (`show`), the
//! evidence transparency log (`log-key`, `checkpoint`, `prove`, `verify-consistency`), and
//! a notice's self-verifying evidence bundle (`bundle`, `verify`).

use std::{path::PathBuf, process::ExitCode};

use super::{
    DataArgs,
    exit_codes::{BAD_PROOF, BAD_SIGNATURE, BAD_TIMESTAMP, FORKED, NOT_VERIFIED, TAMPERED},
};
use crate::{
    config::{Config, EvidenceConfig},
    evidence_bundle::Failure,
    evidence_log::{self, Inconsistency, Tsa},
};

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
    /// origin, tree size, base64 root hash, signature), time-stamped by the config's or
    /// --tsa-url's Time Stamping Authority (RFC 3161); exits 10 when the TSA gave no
    /// token that verifies (the checkpoint is signed and printed all the same).
    Checkpoint {
        /// An RFC 3161 Time Stamping Authority to stamp the checkpoint (overrides the
        /// config's `[evidence] tsa_url`).
        #[arg(long, value_name = "URL")]
        tsa_url: Option<String>,
        /// The CA certificate(s) (PEM) the TSA's tokens must chain to (overrides
        /// `[evidence] tsa_ca_file`).
        #[arg(long, value_name = "FILE")]
        tsa_ca_file: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Proves a capture, notice or case event is in the evidence log: its leaf, index and
    /// inclusion proof against the latest checkpoint, as JSON; exits 3 if it does not verify.
    Prove {
        /// A capture id, a notice id, or a case event as NOTICE/KIND/CASE.
        id: String,
        /// The CA certificate(s) (PEM) the checkpoint's timestamp must chain to (default:
        /// the config's `[evidence] tsa_ca_file`; without one the chain is not checked).
        #[arg(long, value_name = "FILE")]
        tsa_ca_file: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Writes a notice's evidence in one zip: the notice as sent, its captures' WARC records
    /// and bodies, the leaves, inclusion (and consistency) proofs, the signed checkpoint,
    /// its RFC 3161 token and certificates, the log's verifier key and a README saying how
    /// to check each by hand.
    Bundle(BundleArgs),
    /// Checks an evidence bundle offline and prints each check; exits 7 if a file was
    /// changed, 8 on a bad proof, 9 on a bad signature, 10 on a bad timestamp.
    Verify(VerifyArgs),
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

/// Writes a notice's evidence bundle (a zip); exit 0.
#[derive(clap::Args)]
pub struct BundleArgs {
    /// A notice id, or the platform's case id for it.
    id: String,
    /// The zip to write.
    #[arg(long, value_name = "FILE.zip")]
    out: PathBuf,
    /// Time-stamp the checkpoint with this RFC 3161 TSA first, if it has no timestamp
    /// (overrides the config's `[evidence] tsa_url`).
    #[arg(long, value_name = "URL")]
    tsa_url: Option<String>,
    /// The TSA's CA certificate(s) (PEM): checks a new token, and ships in the bundle
    /// (overrides `[evidence] tsa_ca_file`).
    #[arg(long, value_name = "FILE")]
    tsa_ca_file: Option<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
}

/// Checks a bundle offline.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The bundle written by `takedown evidence bundle`.
    file: PathBuf,
    /// The log's verifier key as its owner publishes it (`takedown evidence log-key`);
    /// without it the bundle's own key is used, and said so.
    #[arg(long, value_name = "KEY")]
    log_key: Option<String>,
    /// The TSA's CA certificate(s) (PEM); without it the CA shipped in the bundle is used,
    /// and said so.
    #[arg(long, value_name = "FILE")]
    tsa_ca_file: Option<PathBuf>,
    /// Every check as JSON instead of lines.
    #[arg(long)]
    json: bool,
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
        EvidenceCommand::Checkpoint {
            tsa_url,
            tsa_ca_file,
            data,
        } => {
            let evidence = evidence_config(&data)?;
            let tsa = Tsa::configured(
                evidence.as_ref(),
                tsa_url.as_deref(),
                tsa_ca_file.as_deref(),
            )?;
            let storage = data.existing_storage().await?;
            let key = evidence_log::log_key(&data.data_dir()?)?;
            let signed = evidence_log::checkpoint_now(&storage.store, &key).await?;
            print!("{}", signed.note);
            let Some(tsa) = tsa else {
                eprintln!("{}", evidence_log::NO_TIMESTAMP);
                return Ok(ExitCode::SUCCESS);
            };
            match evidence_log::timestamp_checkpoint(&storage.store, &tsa, &signed).await {
                Ok(stamp) => {
                    eprintln!(
                        "timestamped by {} at {} (serial {}, {})",
                        stamp.tsa_url,
                        stamp.gen_time,
                        stamp.serial,
                        if stamp.chain_checked {
                            "its certificate chains to the trusted CA"
                        } else {
                            "its certificate chain NOT checked: no TSA CA configured"
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(failure) => {
                    eprintln!("NOT TIMESTAMPED: {failure}");
                    Ok(ExitCode::from(BAD_TIMESTAMP))
                }
            }
        }
        EvidenceCommand::Prove {
            id,
            tsa_ca_file,
            data,
        } => {
            let evidence = evidence_config(&data)?;
            let anchors = match tsa_ca_file
                .as_deref()
                .or(evidence.as_ref().and_then(|e| e.tsa_ca_file.as_deref()))
            {
                Some(path) => evidence_log::read_anchors(path)?,
                None => Default::default(),
            };
            let storage = data.existing_storage().await?;
            let key = evidence_log::log_key(&data.data_dir()?)?;
            let report = evidence_log::prove(&storage.store, &key, &id, &anchors).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            for problem in &report.problems {
                eprintln!("NOT VERIFIED: {problem}");
            }
            Ok(verified_code(report.verified()))
        }
        EvidenceCommand::Bundle(args) => bundle(args).await,
        EvidenceCommand::Verify(args) => verify(args),
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

async fn bundle(args: BundleArgs) -> anyhow::Result<ExitCode> {
    let evidence = evidence_config(&args.data)?;
    let tsa = Tsa::configured(
        evidence.as_ref(),
        args.tsa_url.as_deref(),
        args.tsa_ca_file.as_deref(),
    )?;
    let ca_file = args
        .tsa_ca_file
        .clone()
        .or(evidence.and_then(|e| e.tsa_ca_file));
    let storage = args.data.existing_storage().await?;
    let key = evidence_log::log_key(&args.data.data_dir()?)?;
    let summary = crate::evidence_bundle::bundle(
        &storage,
        &key,
        &args.id,
        tsa.as_ref(),
        ca_file.as_deref(),
        &args.out,
    )
    .await?;
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    println!(
        "{}: notice {} with {} captures, proven against checkpoint {}; {}",
        args.out.display(),
        summary.notice_id,
        summary.captures,
        summary.tree_size,
        summary.time_source
    );
    Ok(ExitCode::SUCCESS)
}

fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let anchors = args
        .tsa_ca_file
        .as_deref()
        .map(evidence_log::read_anchors)
        .transpose()?;
    let report =
        crate::evidence_bundle::verify(&args.file, args.log_key.as_deref(), anchors.as_ref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for check in &report.checks {
            match &check.failure {
                None => println!("ok      {}", check.what),
                Some((_, why)) => println!("FAILED  {}: {why}", check.what),
            }
        }
        println!("time: {}", report.time_source);
    }
    Ok(match report.worst() {
        None => ExitCode::SUCCESS,
        Some(Failure::Tampered) => ExitCode::from(TAMPERED),
        Some(Failure::BadProof) => ExitCode::from(BAD_PROOF),
        Some(Failure::BadSignature) => ExitCode::from(BAD_SIGNATURE),
        Some(Failure::BadTimestamp) => ExitCode::from(BAD_TIMESTAMP),
    })
}

/// The config's `[evidence]` table when --config names one.
fn evidence_config(data: &DataArgs) -> anyhow::Result<Option<EvidenceConfig>> {
    data.config
        .as_deref()
        .map(|path| Config::load(path).map(|config| config.evidence))
        .transpose()
}

fn verified_code(verified: bool) -> ExitCode {
    if verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_VERIFIED)
    }
}
