//! `takedown eval images|titles`: the matcher over files, CSV out.

use std::{path::PathBuf, process::ExitCode};

use takedown_matching::verify::VerifyPolicy;

use crate::eval;

/// `takedown eval`'s subcommands.
#[derive(clap::Subcommand)]
pub enum EvalCommand {
    /// Images: RIGHTS.csv has columns right_id,file (paths relative to the CSV); every image
    /// below --queries is matched; out: query_file,right_id,score,error,evidence (error:
    /// why a file was not compared; evidence: the hash kind and distance, or
    /// `orb256-ransac:INLIERS` for a verified match).
    Images {
        /// The registered images: a CSV of right_id,file.
        #[arg(long, value_name = "RIGHTS.csv")]
        rights: PathBuf,
        /// The folder of photos to match (searched recursively).
        #[arg(long, value_name = "DIR")]
        queries: PathBuf,
        /// Where to write the predictions CSV.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Do not judge registrations' specificity against the shipped background set
        /// (every registered hash matches at its kind's bounds): to measure what it changes.
        #[arg(long)]
        no_specificity: bool,
        /// Distinct background images a distance must hold to be barred for a registered
        /// hash (default 2): for fitting it on a fitting split.
        #[arg(long, hide = true)]
        background_neighbours: Option<usize>,
        /// Skip the verification stage (local features and a homography confirming weak
        /// hash pairs): hashes alone, to measure what it changes.
        #[arg(long, conflicts_with = "verify_all")]
        no_verification: bool,
        /// Also verify every registered image against a photo the hashes found nothing
        /// for (costly: every registration is matched).
        #[arg(long)]
        verify_all: bool,
        /// Inliers a verification needs (default 10): for fitting it on a fitting split.
        #[arg(long, hide = true)]
        min_inliers: Option<usize>,
    },
    /// Titles: MARKS.csv has columns right_id,text; TITLES.csv a column title;
    /// out: title,right_id,score.
    Titles {
        /// The registered word marks: a CSV of right_id,text.
        #[arg(long, value_name = "MARKS.csv")]
        rights: PathBuf,
        /// The titles to match: a CSV with a title column.
        #[arg(long, value_name = "TITLES.csv")]
        titles: PathBuf,
        /// Where to write the predictions CSV.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// Runs an evaluation and prints its summary to stderr.
pub fn run(command: EvalCommand) -> anyhow::Result<ExitCode> {
    let summary = match command {
        EvalCommand::Images {
            rights,
            queries,
            out,
            no_specificity,
            background_neighbours,
            no_verification,
            verify_all,
            min_inliers,
        } => eval::images_with(
            &rights,
            &queries,
            &out,
            eval::EvalOptions {
                no_specificity,
                background_neighbours,
                verification: verify_policy(no_verification, verify_all),
                min_inliers,
                all_rights: false,
            },
        )?,
        EvalCommand::Titles {
            rights,
            titles,
            out,
        } => eval::titles(&rights, &titles, &out)?,
    };
    for (name, reason) in &summary.failed {
        eprintln!("{name}: {reason}");
    }
    for (right, file) in &summary.too_generic {
        eprintln!(
            "right {right}: {file} is {}",
            takedown_matching::TOO_GENERIC
        );
    }
    eprintln!(
        "{} queries, {} matched, {} could not be read",
        summary.queries,
        summary.matched,
        summary.failed.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn verify_policy(no_verification: bool, verify_all: bool) -> VerifyPolicy {
    if no_verification {
        VerifyPolicy::Off
    } else if verify_all {
        VerifyPolicy::WeakThenAll
    } else {
        VerifyPolicy::Weak
    }
}
