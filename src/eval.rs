//! `takedown eval images` and `takedown eval titles`: run the matcher's own comparison over
//! a folder of photos or a spreadsheet of titles, with no crawl and no store. Brand owners
//! use it to check what would be flagged; we use it to measure precision and recall.
//!
//! Output CSV: one row per (query, matched right), best score first; a query that matches
//! nothing at the operating threshold gets one row with an empty `right_id` and score 0.
//! `eval images` adds an `error` column, empty but for a photo that could not be read or
//! decoded (too large, not a regular file, a symlink out of the folder, truncated or
//! corrupt): its one row has an empty `right_id`, score 0 and the reason. A
//! score is the matcher's calibrated one (`image_score_for`, `TextHit::score`): the
//! estimated precision of matches of that kind at that distance on the development dataset.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Deserialize;
use takedown_matching::{
    IMAGE_THRESHOLDS, ImageIndex, ImageLimits, IndexedImage, ReferenceHashes, SpecificityPolicy,
    WordMarkIndex, closest_rights, hash_query_decoded, hash_reference_views,
    image_hash::QuerySteps,
    image_score_for,
    verify::{
        LocalFeatures, QUERY_FEATURES, REFERENCE_FEATURES, VERIFY_PARAMS, VerifyParams,
        VerifyPolicy, extract, features_from_bytes, to_gray, verified_score,
    },
};

#[derive(Debug, Deserialize)]
struct RightFile {
    right_id: String,
    file: PathBuf,
}

#[derive(Debug, Deserialize)]
struct RightText {
    right_id: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct TitleRow {
    title: String,
}

/// What an eval run did, for the closing line on stderr.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EvalSummary {
    pub queries: usize,
    pub matched: usize,
    /// Queries that could not be read or hashed: (name, reason).
    pub failed: Vec<(String, String)>,
    /// Registered images judged too generic to match by image alone: (right id, file).
    pub too_generic: Vec<(String, String)>,
    /// Wall time spent on the queries (read, decode, hash, match, verify), registration
    /// excluded: the throughput `eval images` prints.
    pub elapsed: Duration,
}

impl EvalSummary {
    /// Queries per second of wall time (0 when nothing was timed).
    pub fn images_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.queries as f64 / seconds
        } else {
            0.0
        }
    }
}

/// How `eval images` judges each registration's specificity.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvalOptions {
    /// Skip the specificity check (every registered hash at its kind's bounds): to measure
    /// what it changes.
    pub no_specificity: bool,
    /// Distinct background images a distance must hold to be barred (default
    /// `takedown_matching::image_hash::specificity::NEIGHBOURS`): for fitting it.
    pub background_neighbours: Option<usize>,
    /// When the verification stage runs (default: on the hashes' weak candidates).
    pub verification: VerifyPolicy,
    /// Inliers a verification needs (default `VERIFY_PARAMS.min_inliers`): for fitting it.
    pub min_inliers: Option<usize>,
    /// The score at which a hash hit stands unverified under `VerifyPolicy::Confirmed`
    /// (default `VERIFY_PARAMS.hash_alone_min_score`): for fitting it.
    pub hash_alone_min_score: Option<f32>,
    /// Report every right that stands, not only the closest per part of the photo
    /// (`closest_rights`): to measure what that choice changes.
    pub all_rights: bool,
}

const IMAGE_EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "gif", "webp", "bmp"];

/// Every entry below `dir` named like an image, sorted, as paths relative to it. The walk
/// does not follow symlinks (a loop cannot repeat files); symlinks, FIFOs and devices with
/// an image name are listed so that reading them reports why they were refused.
fn image_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = takedown_fsread::walk(dir)?;
    files.retain(|path| {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
    });
    Ok(files)
}

/// Reads a CSV at most `CSV_MAX_BYTES` long (a regular file) for the `csv` crate.
fn csv_reader(path: &Path) -> anyhow::Result<csv::Reader<std::io::Cursor<Vec<u8>>>> {
    let bytes = takedown_fsread::read(path, takedown_fsread::CSV_MAX_BYTES)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(csv::Reader::from_reader(std::io::Cursor::new(bytes)))
}

/// `eval images` with the default options.
pub fn images(rights_csv: &Path, queries: &Path, out: &Path) -> anyhow::Result<EvalSummary> {
    images_with(rights_csv, queries, out, EvalOptions::default())
}

/// `eval images`: registers every image of RIGHTS.csv (judging its specificity by
/// `options`), matches every image below `queries`, writes the predictions to `out`.
pub fn images_with(
    rights_csv: &Path,
    queries: &Path,
    out: &Path,
    options: EvalOptions,
) -> anyhow::Result<EvalSummary> {
    let limits = ImageLimits::default();
    let mut summary = EvalSummary::default();
    let index = register_rights(rights_csv, &options, &limits, &mut summary)?;

    let mut params = VERIFY_PARAMS;
    if let Some(n) = options.min_inliers {
        params.min_inliers = n;
    }
    if let Some(score) = options.hash_alone_min_score {
        params.hash_alone_min_score = score;
    }
    let mut writer =
        csv::Writer::from_path(out).with_context(|| format!("writing {}", out.display()))?;
    writer.write_record(["query_file", "right_id", "score", "error", "evidence"])?;
    let files = image_files(queries)?;
    let started = Instant::now();
    let outcomes = match_photos(&index, queries, &files, &limits, &options, &params);
    let elapsed = started.elapsed();
    write_predictions(&mut writer, outcomes, &mut summary)?;
    writer.flush()?;
    summary.elapsed = elapsed;
    eprintln!(
        "{} images in {:.1} s on {} threads: {:.1} images/s",
        summary.queries,
        elapsed.as_secs_f64(),
        rayon::current_num_threads(),
        summary.images_per_second()
    );
    Ok(summary)
}

/// The index of every image of RIGHTS.csv, its specificity judged by `options`; the images
/// judged too generic are noted in `summary`.
fn register_rights(
    rights_csv: &Path,
    options: &EvalOptions,
    limits: &ImageLimits,
    summary: &mut EvalSummary,
) -> anyhow::Result<ImageIndex> {
    let base = rights_csv.parent().unwrap_or(Path::new("."));
    let mut policy = if options.no_specificity {
        SpecificityPolicy::off()
    } else {
        SpecificityPolicy::default()
    };
    if let Some(k) = options.background_neighbours {
        policy.neighbours = k;
    }
    let mut index = ImageIndex::with_policy(policy);
    let rows = read_right_files(rights_csv)?;
    // Hashing and local features are the costly part of registering: done on every core,
    // then inserted in file order (the index and its specificity verdicts are the same as a
    // sequential run's).
    let registered: Vec<anyhow::Result<(RightFile, Vec<u8>, ReferenceViews)>> = rows
        .into_par_iter()
        .map(|row| {
            let path = base.join(&row.file);
            let bytes = takedown_fsread::read_in(base, &row.file, image_cap(limits))
                .with_context(|| format!("right {}", row.right_id))?;
            let hashes = hash_reference_views(&bytes, limits)
                .with_context(|| format!("right {}: {}", row.right_id, path.display()))?;
            // Local features are computed once per registration, and only when they are used.
            let features = (options.verification != VerifyPolicy::Off)
                .then(|| features_from_bytes(&bytes, limits, &REFERENCE_FEATURES))
                .transpose()
                .with_context(|| format!("right {}: {}", row.right_id, path.display()))?;
            Ok((row, bytes, ReferenceViews { hashes, features }))
        })
        .collect();
    for registration in registered {
        let (row, bytes, views) = registration?;
        let judged = index.insert_with_features(
            IndexedImage {
                right_id: row.right_id.clone(),
                view: row.file.display().to_string(),
                digest: takedown_model::digest_hex(&bytes),
                hashes: views.hashes.core,
                variants: views.hashes.variants,
            },
            views.features,
        );
        if judged.too_generic {
            summary
                .too_generic
                .push((row.right_id.clone(), row.file.display().to_string()));
        }
    }
    Ok(index)
}

/// The rows of RIGHTS.csv (`right_id,file`), in file order.
fn read_right_files(rights_csv: &Path) -> anyhow::Result<Vec<RightFile>> {
    let mut reader = csv_reader(rights_csv)?;
    let mut rows = Vec::new();
    for (i, row) in reader.deserialize::<RightFile>().enumerate() {
        rows.push(row.with_context(|| {
            format!(
                "{}: row {} needs columns right_id,file",
                rights_csv.display(),
                i + 2
            )
        })?);
    }
    Ok(rows)
}

/// Matches every photo on every core, with a progress bar; in the files' order.
fn match_photos(
    index: &ImageIndex,
    queries: &Path,
    files: &[PathBuf],
    limits: &ImageLimits,
    options: &EvalOptions,
    params: &VerifyParams,
) -> Vec<QueryOutcome> {
    let progress = ProgressBar::with_draw_target(
        Some(u64::try_from(files.len()).unwrap_or(u64::MAX)),
        // Drawn only when stderr is a terminal: a redirected run's log stays clean.
        ProgressDrawTarget::stderr(),
    );
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} images, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Every photo on every core; `collect` keeps the files' order, so the CSV is the same
    // as a sequential run's.
    let outcomes: Vec<QueryOutcome> = files
        .par_iter()
        .map(|file| {
            let outcome = match_photo(index, queries, file, limits, options, params);
            progress.inc(1);
            outcome
        })
        .collect();
    progress.finish_and_clear();
    outcomes
}

/// Writes one prediction row per match (a no-match row, or an error row, for a photo
/// without) and counts the photos in `summary`.
fn write_predictions<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    outcomes: Vec<QueryOutcome>,
    summary: &mut EvalSummary,
) -> anyhow::Result<()> {
    for outcome in outcomes {
        summary.queries += 1;
        match outcome {
            QueryOutcome::Failed { name, reason } => {
                // The no-match row's shape, with the reason: never mistaken for "no match".
                writer.write_record([name.as_str(), "", "0", reason.as_str(), ""])?;
                summary.failed.push((name, reason));
            }
            QueryOutcome::Matched { name, rows } => {
                if rows.is_empty() {
                    writer.write_record([name.as_str(), "", "0", "", ""])?;
                }
                summary.matched += usize::from(!rows.is_empty());
                for (right_id, score, evidence) in rows {
                    writer.write_record([
                        name.as_str(),
                        right_id.as_str(),
                        &format!("{score:.4}"),
                        "",
                        &evidence,
                    ])?;
                }
            }
        }
    }
    Ok(())
}

/// A registered image's hashes and (when verification runs) its local features.
struct ReferenceViews {
    hashes: ReferenceHashes,
    features: Option<LocalFeatures>,
}

/// What one photo gave: its prediction rows (right, score, evidence; best first), or why
/// it could not be compared.
enum QueryOutcome {
    Matched {
        name: String,
        rows: Vec<(String, f32, String)>,
    },
    Failed {
        name: String,
        reason: String,
    },
}

/// Reads, hashes and matches one photo below `queries` (and verifies under `options`).
fn match_photo(
    index: &ImageIndex,
    queries: &Path,
    file: &Path,
    limits: &ImageLimits,
    options: &EvalOptions,
    params: &VerifyParams,
) -> QueryOutcome {
    let name = file.display().to_string();
    // The photo is decoded once, for its hashes and (when some right is verified) its
    // local features.
    let hashed = takedown_fsread::read_in(queries, file, image_cap(limits))
        .map_err(|e| e.to_string())
        .and_then(|bytes| QuerySteps::decode(&bytes, limits).map_err(|e| e.to_string()))
        .and_then(|rgb| {
            let hashes = hash_query_decoded(&rgb).map_err(|e| e.to_string())?;
            Ok((hashes, rgb))
        });
    let (hashes, rgb) = match hashed {
        Ok(hashed) => hashed,
        Err(reason) => return QueryOutcome::Failed { name, reason },
    };
    let hits = index.query_verified(
        &hashes,
        IMAGE_THRESHOLDS,
        || Some(extract(&to_gray(&rgb), &QUERY_FEATURES)),
        options.verification,
        params,
    );
    // Best score first; the evidence names the hash kind and distance, or the inlier count
    // of a verification.
    let scored: Vec<(Option<[f32; 4]>, String, f32, String)> = hits
        .iter()
        .map(|(h, verified)| match verified {
            Some(v) => (
                h.region,
                h.right_id.clone(),
                verified_score(v.inliers, params),
                format!("{}:{}", h.algorithm, v.inliers),
            ),
            None => (
                h.region,
                h.right_id.clone(),
                image_score_for(h),
                format!("{}:{}", h.algorithm, h.distance),
            ),
        })
        .collect();
    // One right per part of the photo, as the matcher reports (`closest_rights`).
    let scored = if options.all_rights {
        scored
    } else {
        closest_rights(scored, |(region, _, score, _)| (*region, *score))
    };
    let mut rows: Vec<(String, f32, String)> = scored
        .into_iter()
        .map(|(_, right, score, evidence)| (right, score, evidence))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    QueryOutcome::Matched { name, rows }
}

pub fn titles(marks_csv: &Path, titles_csv: &Path, out: &Path) -> anyhow::Result<EvalSummary> {
    let mut index = WordMarkIndex::new();
    let mut reader = csv_reader(marks_csv)?;
    for (i, row) in reader.deserialize::<RightText>().enumerate() {
        let row = row.with_context(|| {
            format!(
                "{}: row {} needs columns right_id,text",
                marks_csv.display(),
                i + 2
            )
        })?;
        index.add(&row.right_id, &row.text);
    }
    let mut writer =
        csv::Writer::from_path(out).with_context(|| format!("writing {}", out.display()))?;
    writer.write_record(["title", "right_id", "score"])?;
    let mut reader = csv_reader(titles_csv)?;
    let mut summary = EvalSummary::default();
    for (i, row) in reader.deserialize::<TitleRow>().enumerate() {
        let row = row.with_context(|| {
            format!(
                "{}: row {} needs a title column",
                titles_csv.display(),
                i + 2
            )
        })?;
        summary.queries += 1;
        let hits = index.find(&row.title);
        write_hits(
            &mut writer,
            &row.title,
            hits.iter().map(|h| (h.right_id.as_str(), h.score)),
            None,
        )?;
        summary.matched += usize::from(!hits.is_empty());
    }
    writer.flush()?;
    Ok(summary)
}

/// The byte cap of an image file: what the decoder accepts.
fn image_cap(limits: &ImageLimits) -> u64 {
    u64::try_from(limits.max_bytes).unwrap_or(u64::MAX)
}

/// Writes a query's rows, best first; `error` is the extra column's (empty) value when the
/// CSV has one.
fn write_hits<'a, W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    query: &str,
    hits: impl Iterator<Item = (&'a str, f32)>,
    error: Option<&str>,
) -> anyhow::Result<()> {
    let mut hits: Vec<(&str, f32)> = hits.collect();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let mut row = |right_id: &str, score: &str| -> csv::Result<()> {
        match error {
            Some(error) => writer.write_record([query, right_id, score, error]),
            None => writer.write_record([query, right_id, score]),
        }
    };
    if hits.is_empty() {
        row("", "0")?;
    }
    for (right_id, score) in hits {
        row(right_id, &format!("{score:.4}"))?;
    }
    Ok(())
}
