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
        /// hash pairs): hashes alone, to measure what it changes. The same as
        /// `--verification off`.
        #[arg(long, conflicts_with_all = ["verify_all", "verification"])]
        no_verification: bool,
        /// Also verify every registered image against a photo the hashes found nothing
        /// for (costly: every registration is matched). The same as
        /// `--verification weak-then-all`.
        #[arg(long, conflicts_with = "verification")]
        verify_all: bool,
        /// When the verification stage runs, as the matcher's `[matcher] verification`
        /// (default: confirmed).
        #[arg(long, value_enum, value_name = "POLICY")]
        verification: Option<Verification>,
        /// The calibrated score at which a hash hit stands without verification under
        /// `confirmed` (default: the fitted one): for fitting it on a fitting split.
        #[arg(long, hide = true)]
        hash_alone_min_score: Option<f32>,
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
            verification,
            hash_alone_min_score,
            min_inliers,
        } => eval::images_with(
            &rights,
            &queries,
            &out,
            eval::EvalOptions {
                no_specificity,
                background_neighbours,
                verification: verify_policy(no_verification, verify_all, verification),
                min_inliers,
                hash_alone_min_score,
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

/// `--verification`'s values: the matcher's `[matcher] verification` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Verification {
    /// Hashes alone.
    Off,
    /// The hashes' weak candidates are verified.
    Weak,
    /// As weak, and every registration when the hashes found nothing.
    WeakThenAll,
    /// Every photo's feature candidates are verified; a hash hit below the fitted score
    /// stands only when verified.
    Confirmed,
}

fn verify_policy(
    no_verification: bool,
    verify_all: bool,
    verification: Option<Verification>,
) -> VerifyPolicy {
    if no_verification {
        VerifyPolicy::Off
    } else if verify_all {
        VerifyPolicy::WeakThenAll
    } else {
        match verification {
            None => VerifyPolicy::default(),
            Some(Verification::Off) => VerifyPolicy::Off,
            Some(Verification::Weak) => VerifyPolicy::Weak,
            Some(Verification::WeakThenAll) => VerifyPolicy::WeakThenAll,
            Some(Verification::Confirmed) => VerifyPolicy::Confirmed,
        }
    }
}
