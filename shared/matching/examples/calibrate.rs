//! Fits the match scores (`src/score/calibration.rs`) on the development dataset and
//! measures how well they are calibrated. One command, after `make_dataset.py`:
//!
//! `cargo run -p takedown-matching --example calibrate -- target/dataset`
//!
//! 1. Every query image is hashed (two threads) and searched as the matcher searches it
//!    (`ImageIndex::query_with` at `IMAGE_THRESHOLDS`): each match emitted is one observation
//!    of its kind of comparison (whole picture vs registered images as registered, vs their
//!    variants, windows, whole-picture PDQ, silhouettes) at its distance, true when the right
//!    is the query's label (`labels.csv`). So that the fit sees both sides of each threshold,
//!    each kind is also searched on its own within a generous distance (the threshold plus a
//!    margin), and every right's closest pair beyond the threshold is an observation too.
//!    Titles (`title_labels.csv`) give one observation per word-mark hit, by variant kind and
//!    edit distance.
//! 2. Per kind, pool-adjacent-violators with a Laplace prior (`score::fit`) turns the counts
//!    into a non-increasing precision curve over distance, written as the generated table
//!    (`--out FILE`, default the crate's `src/score/calibration.rs`).
//! 3. Reliability: the matches the matcher would emit (`ImageIndex::query_with` at
//!    `IMAGE_THRESHOLDS`, `WordMarkIndex::find`), scored by the fitted curves, binned by
//!    score against their observed precision, with the expected calibration error — both
//!    in-sample and two-fold cross-fitted (fit on the queries of half the logos, score the
//!    other half). Printed as Markdown and written to `DATASET/calibration.md`.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use takedown_matching::score::fit::{BetaPrior, Bin, dense_curve, fit_non_increasing};
use takedown_matching::{
    Calibration, IMAGE_THRESHOLDS, ImageComparison, ImageHit, ImageIndex, ImageLimits,
    IndexedImage, PDQ256, PHASH64R, SHAPE64, SHAPE64R, Thresholds, WordMarkIndex, hash_query,
    hash_reference_views,
};
use takedown_model::RegionHash;

const PRIOR: BetaPrior = BetaPrior::LAPLACE;
const FOLDS: usize = 2;

/// How far past the operating threshold each kind's pairs are collected, in the order of
/// [`ImageComparison::ALL`]. A ramped kind is searched under uniform thresholds, which its
/// own rule lowers by the ramp margin, so its margin here is the plain kind's.
fn generous(t: &Thresholds) -> [u32; 7] {
    [
        t.whole + 8,
        t.variant + 6,
        t.window + 4,
        t.pdq + 32,
        t.shape + 6,
        t.window + 4,
        t.shape + 6,
    ]
}

fn operating_threshold(kind: ImageComparison) -> u32 {
    let t = IMAGE_THRESHOLDS;
    match kind {
        ImageComparison::Whole => t.whole,
        ImageComparison::Variant => t.variant,
        ImageComparison::Window => t.window,
        ImageComparison::Pdq => t.pdq,
        ImageComparison::Shape => t.shape,
        ImageComparison::WindowRamped => t.for_kind(PHASH64R, false, false).unwrap_or(0),
        ImageComparison::ShapeRamped => t.for_kind(SHAPE64R, false, false).unwrap_or(0),
    }
}

/// One candidate pair or one emitted match: which curve, at what distance, right or not.
#[derive(Debug, Clone)]
struct Obs {
    kind: String,
    distance: u32,
    truth: bool,
    fold: usize,
}

/// A match as the matcher emits it, kept to be scored by any fitted calibration.
#[derive(Debug, Clone)]
enum Emitted {
    Image(ImageHit),
    Text { variant: String, distance: u32 },
}

struct Scored {
    emitted: Emitted,
    truth: bool,
    fold: usize,
}

type Curves = BTreeMap<String, Vec<f32>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: calibrate DATASET_DIR [--out calibration.rs]")?,
    );
    let out = match (args.next().as_deref(), args.next()) {
        (Some("--out"), Some(path)) => PathBuf::from(path),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("src/score/calibration.rs"),
    };
    let ranges = generous(&IMAGE_THRESHOLDS);
    let (mut pairs, mut emitted) = image_observations(&dir, ranges)?;
    let (text_pairs, text_emitted) = text_observations(&dir)?;
    eprintln!(
        "{} image pairs, {} emitted image matches, {} title hits",
        pairs.len(),
        emitted.len(),
        text_pairs.len()
    );

    let image_max: BTreeMap<String, u32> = ImageComparison::ALL
        .iter()
        .zip(ranges)
        .map(|(k, r)| (k.as_str().to_owned(), r))
        .collect();
    let all = |_: usize| true;
    let image_curves = fit(&pairs, &image_max, all);
    let text_curves = fit(&text_pairs, &text_ranges(&text_pairs), all);
    let table = generated_table(&dir, &image_curves, &text_curves)?;
    std::fs::write(&out, table)?;
    eprintln!("wrote {}", out.display());

    let mut report = String::new();
    report.push_str(&curve_summary(
        &pairs,
        &image_curves,
        &text_pairs,
        &text_curves,
    ));
    pairs.extend(text_pairs.iter().cloned());
    emitted.extend(text_emitted);
    let text_max = text_ranges(&text_pairs);
    let in_sample = |s: &Scored| score_with(&image_curves, &text_curves, &s.emitted);
    report.push_str(&reliability(
        "In-sample (the table as written)",
        &emitted,
        in_sample,
    ));
    // Two-fold: each fold's matches scored by curves fitted on the other fold's pairs.
    let folds: Vec<(Curves, Curves)> = (0..FOLDS)
        .map(|f| {
            let other = move |fold: usize| fold != f;
            (
                fit(&pairs, &image_max, other),
                fit(&pairs, &text_max, other),
            )
        })
        .collect();
    let cross = |s: &Scored| {
        let (image, text) = &folds[s.fold];
        score_with(image, text, &s.emitted)
    };
    report.push_str(&reliability(
        "Cross-fitted (two folds by logo)",
        &emitted,
        cross,
    ));
    println!("{report}");
    std::fs::write(dir.join("calibration.md"), report)?;
    Ok(())
}

/// Per kind: counts per distance, fitted, dense up to the kind's maximum distance.
fn fit(obs: &[Obs], max: &BTreeMap<String, u32>, use_fold: impl Fn(usize) -> bool) -> Curves {
    let mut counts: BTreeMap<(&str, u32), (u64, u64)> = BTreeMap::new();
    for o in obs.iter().filter(|o| use_fold(o.fold)) {
        let c = counts.entry((o.kind.as_str(), o.distance)).or_default();
        c.0 += u64::from(o.truth);
        c.1 += 1;
    }
    max.iter()
        .map(|(kind, &max_distance)| {
            let bins: Vec<Bin> = counts
                .iter()
                .filter(|((k, _), _)| k == kind)
                .map(|(&(_, distance), &(trues, total))| Bin {
                    distance,
                    trues,
                    total,
                })
                .collect();
            let blocks = fit_non_increasing(&bins, PRIOR);
            (kind.clone(), dense_curve(&blocks, max_distance, PRIOR))
        })
        .collect()
}

/// Word-mark kinds: every variant seen, up to one past its largest distance seen (so an
/// edit distance never observed scores no more than the prior's mean).
fn text_ranges(obs: &[Obs]) -> BTreeMap<String, u32> {
    let mut max: BTreeMap<String, u32> = BTreeMap::new();
    for o in obs {
        let m = max.entry(o.kind.clone()).or_default();
        *m = (*m).max(o.distance);
    }
    for (kind, m) in max.iter_mut() {
        if kind == "edit_distance" {
            *m += 1;
        }
    }
    max
}

fn score_with(image: &Curves, text: &Curves, emitted: &Emitted) -> f32 {
    let curve = |kind: &str| image.get(kind).map_or(&[][..], Vec::as_slice);
    let text_table: Vec<(&str, &[f32])> = text
        .iter()
        .map(|(k, c)| (k.as_str(), c.as_slice()))
        .collect();
    let calibration = Calibration {
        image: ImageComparison::ALL.map(|k| curve(k.as_str())),
        text: &text_table,
        unknown: PRIOR.mean() as f32,
    };
    match emitted {
        Emitted::Image(hit) => calibration.image_score(hit),
        Emitted::Text { variant, distance } => calibration.text_score(variant, *distance),
    }
}

/// Which half of the dataset a query belongs to: by file stem, so every copy of a logo (and
/// every distractor made from one unregistered logo) falls in the same fold.
fn fold_of(file: &str) -> usize {
    let stem = Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file);
    // FNV-1a: a stable split that does not depend on the standard library's hasher.
    let hash = stem.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash % FOLDS as u64) as usize
}

fn image_observations(
    dir: &Path,
    ranges: [u32; 7],
) -> Result<(Vec<Obs>, Vec<Scored>), Box<dyn std::error::Error>> {
    let limits = ImageLimits::default();
    // As registered, variants alone (so each kind is measured on its own), and both (what
    // the matcher searches).
    let (mut core, mut variants, mut full) =
        (ImageIndex::new(), ImageIndex::new(), ImageIndex::new());
    let mut rights = csv::Reader::from_path(dir.join("rights.csv"))?;
    for row in rights.records() {
        let row = row?;
        let (right, file) = (&row[0], &row[1]);
        let views = match hash_reference_views(&std::fs::read(dir.join(file))?, &limits) {
            Ok(views) => views,
            Err(e) => {
                eprintln!("{right}: refused: {e}");
                continue;
            }
        };
        let entry = |hashes: Vec<RegionHash>, variants: Vec<RegionHash>| IndexedImage {
            right_id: right.into(),
            view: "logo".into(),
            digest: String::new(),
            hashes,
            variants,
        };
        core.insert(entry(views.core.clone(), Vec::new()));
        variants.insert(entry(views.variants.clone(), Vec::new()));
        full.insert(entry(views.core, views.variants));
    }
    let mut labels: Vec<(String, String)> = Vec::new();
    let mut reader = csv::Reader::from_path(dir.join("labels.csv"))?;
    for row in reader.records() {
        let row = row?;
        labels.push((row[0].to_owned(), row[1].to_owned()));
    }
    let threads = 2;
    let results: Vec<(Vec<Obs>, Vec<Scored>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (labels, core, variants, full, limits) =
                    (&labels, &core, &variants, &full, &limits);
                s.spawn(move || {
                    labels
                        .iter()
                        .skip(t)
                        .step_by(threads)
                        .map(|(file, expected)| {
                            let bytes = std::fs::read(dir.join("queries").join(file));
                            match bytes.ok().and_then(|b| hash_query(&b, limits).ok()) {
                                Some(hashes) => {
                                    observe(file, expected, &hashes, core, variants, full, ranges)
                                }
                                None => (Vec::new(), Vec::new()),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut pairs = Vec::new();
    let mut emitted = Vec::new();
    for (p, e) in results {
        pairs.extend(p);
        emitted.extend(e);
    }
    Ok((pairs, emitted))
}

#[allow(clippy::too_many_arguments)]
fn observe(
    file: &str,
    expected: &str,
    hashes: &[RegionHash],
    core: &ImageIndex,
    variants: &ImageIndex,
    full: &ImageIndex,
    ranges: [u32; 7],
) -> (Vec<Obs>, Vec<Scored>) {
    let fold = fold_of(file);
    let subset = |keep: &dyn Fn(&RegionHash) -> bool| -> Vec<RegionHash> {
        hashes.iter().filter(|h| keep(h)).cloned().collect()
    };
    let special = [PDQ256, SHAPE64, PHASH64R, SHAPE64R];
    let photo = |h: &RegionHash| !special.contains(&h.algorithm.as_str());
    let whole = subset(&|h| photo(h) && h.region.is_none());
    let windows = subset(&|h| photo(h) && h.region.is_some());
    let pdq = subset(&|h| h.algorithm == PDQ256);
    let shapes = subset(&|h| h.algorithm == SHAPE64);
    let ramped_windows = subset(&|h| h.algorithm == PHASH64R);
    let ramped_shapes = subset(&|h| h.algorithm == SHAPE64R);
    let [w, v, win, p, s, rwin, rs] = ranges;
    let searches: [(ImageComparison, &ImageIndex, &[RegionHash], u32); 7] = [
        (ImageComparison::Whole, core, &whole, w),
        (ImageComparison::Variant, variants, &whole, v),
        (ImageComparison::Window, core, &windows, win),
        (ImageComparison::Pdq, core, &pdq, p),
        (ImageComparison::Shape, core, &shapes, s),
        (ImageComparison::WindowRamped, core, &ramped_windows, rwin),
        (ImageComparison::ShapeRamped, core, &ramped_shapes, rs),
    ];
    // Beyond the operating threshold: every right's closest pair of each kind, measured on
    // its own (nothing is emitted there, so this only shows the fit the other side).
    let mut pairs = Vec::new();
    for (kind, index, queries, range) in searches {
        let operating = operating_threshold(kind);
        for hit in index.query_with(queries, Thresholds::uniform(range)) {
            if hit.distance > operating {
                pairs.push(Obs {
                    kind: kind.as_str().to_owned(),
                    distance: hit.distance,
                    truth: hit.right_id == expected,
                    fold,
                });
            }
        }
    }
    // Within it: the matches the matcher emits (the best pair per right over every kind),
    // so that a score is the precision of matches like it as they are emitted. A true copy
    // whose whole picture is 8 bits away is usually emitted through a closer window or
    // silhouette instead, which leaves whole-picture matches at 8 mostly wrong.
    let emitted: Vec<Scored> = full
        .query_with(hashes, IMAGE_THRESHOLDS)
        .into_iter()
        .map(|hit| Scored {
            truth: hit.right_id == expected,
            emitted: Emitted::Image(hit),
            fold,
        })
        .collect();
    for scored in &emitted {
        if let Emitted::Image(hit) = &scored.emitted {
            pairs.push(Obs {
                kind: ImageComparison::of(hit).as_str().to_owned(),
                distance: hit.distance,
                truth: scored.truth,
                fold,
            });
        }
    }
    (pairs, emitted)
}

fn text_observations(dir: &Path) -> Result<(Vec<Obs>, Vec<Scored>), Box<dyn std::error::Error>> {
    let mut index = WordMarkIndex::new();
    let mut marks = csv::Reader::from_path(dir.join("marks.csv"))?;
    for row in marks.records() {
        let row = row?;
        index.add(&row[0], &row[1]);
    }
    let (mut pairs, mut emitted) = (Vec::new(), Vec::new());
    let mut labels = csv::Reader::from_path(dir.join("title_labels.csv"))?;
    for row in labels.records() {
        let row = row?;
        let (title, expected) = (&row[0], &row[1]);
        // Titles of one mark share a fold, as the images of one logo do.
        let fold = fold_of(if expected.is_empty() { title } else { expected });
        for hit in index.find(title) {
            let truth = hit.right_id == expected;
            pairs.push(Obs {
                kind: hit.variant.clone(),
                distance: hit.distance,
                truth,
                fold,
            });
            emitted.push(Scored {
                emitted: Emitted::Text {
                    variant: hit.variant,
                    distance: hit.distance,
                },
                truth,
                fold,
            });
        }
    }
    Ok((pairs, emitted))
}

/// Bins of predicted score against observed precision, and the expected calibration error
/// (the bins' |mean score − precision| weighted by their share of the matches).
fn reliability(title: &str, matches: &[Scored], score: impl Fn(&Scored) -> f32) -> String {
    const EDGES: [f32; 9] = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0001];
    let mut out = format!("\n### Reliability: {title}\n\n");
    for (name, is_image) in [("images", true), ("word marks", false)] {
        let scored: Vec<(f32, bool)> = matches
            .iter()
            .filter(|m| matches!(m.emitted, Emitted::Image(_)) == is_image)
            .map(|m| (score(m), m.truth))
            .collect();
        let n = scored.len();
        out.push_str(&format!(
            "{name} ({n} matches at the operating thresholds):\n\n\
             | score | matches | mean score | observed precision |\n|---|---:|---:|---:|\n"
        ));
        let mut ece = 0.0;
        for w in EDGES.windows(2) {
            let bin: Vec<&(f32, bool)> = scored
                .iter()
                .filter(|(s, _)| *s >= w[0] && *s < w[1])
                .collect();
            if bin.is_empty() {
                continue;
            }
            let mean = bin.iter().map(|(s, _)| f64::from(*s)).sum::<f64>() / bin.len() as f64;
            let precision = bin.iter().filter(|(_, t)| *t).count() as f64 / bin.len() as f64;
            ece += bin.len() as f64 / n as f64 * (mean - precision).abs();
            out.push_str(&format!(
                "| {:.2}–{:.2} | {} | {mean:.3} | {precision:.3} |\n",
                w[0],
                w[1].min(1.0),
                bin.len()
            ));
        }
        out.push_str(&format!("\nExpected calibration error: **{ece:.4}**\n\n"));
    }
    out
}

/// The fitted score at each distance up to the operating threshold (and two past it),
/// with the pairs observed there.
fn curve_summary(pairs: &[Obs], image: &Curves, text_pairs: &[Obs], text: &Curves) -> String {
    let mut out = String::from("### Fitted curves\n\n");
    out.push_str("| kind | operating threshold | distance: score (true/pairs) |\n|---|---:|---|\n");
    for kind in &ImageComparison::ALL {
        let threshold = operating_threshold(*kind);
        let name = kind.as_str();
        let Some(curve) = image.get(name) else {
            continue;
        };
        let step = if *kind == ImageComparison::Pdq { 8 } else { 1 };
        let cells: Vec<String> = (0..=threshold + 2 * step)
            .step_by(step as usize)
            .filter_map(|d| {
                let score = curve.get(d as usize)?;
                let (trues, total) = count(pairs, name, d, step);
                Some(format!("{d}: {score:.3} ({trues}/{total})"))
            })
            .collect();
        out.push_str(&format!(
            "| {name} | {threshold} | {} |\n",
            cells.join(", ")
        ));
    }
    for (name, curve) in text {
        let cells: Vec<String> = curve
            .iter()
            .enumerate()
            .map(|(d, score)| {
                let (trues, total) = count(text_pairs, name, d as u32, 1);
                format!("{d}: {score:.3} ({trues}/{total})")
            })
            .collect();
        out.push_str(&format!("| word mark: {name} | | {} |\n", cells.join(", ")));
    }
    out
}

/// True and all pairs of `kind` at distances `d..d + step`.
fn count(pairs: &[Obs], kind: &str, d: u32, step: u32) -> (usize, usize) {
    let hits: Vec<&Obs> = pairs
        .iter()
        .filter(|o| o.kind == kind && o.distance >= d && o.distance < d + step)
        .collect();
    (hits.iter().filter(|o| o.truth).count(), hits.len())
}

fn generated_table(
    dir: &Path,
    image: &Curves,
    text: &Curves,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut fingerprint = Vec::new();
    for file in ["rights.csv", "labels.csv", "marks.csv", "title_labels.csv"] {
        fingerprint.extend(std::fs::read(dir.join(file))?);
    }
    let version = takedown_model::digest_hex(&fingerprint);
    let pinned = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/dataset/versions.txt"),
    )
    .unwrap_or_default()
    .split_whitespace()
    .collect::<Vec<_>>()
    .join(", ");
    let t = IMAGE_THRESHOLDS;
    let curve = |c: &[f32]| {
        let values: Vec<String> = c.iter().map(|v| format!("{v:.4}")).collect();
        format!("&[{}]", values.join(", "))
    };
    let mut s = format!(
        "//! GENERATED by `cargo run -p takedown-matching --example calibrate -- target/dataset`\n\
         //! (after `python3 bench/dataset/make_dataset.py --out target/dataset`): do not edit;\n\
         //! re-run after any change to hashing, thresholds or word-mark matching.\n\
         //!\n\
         //! Fitted {date} on the development dataset {version:.16} (sha256 of rights.csv,\n\
         //! labels.csv, marks.csv and title_labels.csv; pinned inputs: {pinned}),\n\
         //! at thresholds whole {w} / variant {v} / window {win} / pdq {p} / shape {sh}.\n\
         //! Per kind: the estimated precision at each distance (the index), from\n\
         //! pool-adjacent-violators with a Laplace prior; past the end, the last value.\n\
         //! Reliability: `bench/dataset/CALIBRATION.md`.\n\n\
         use super::Calibration;\n\n\
         #[rustfmt::skip]\n\
         pub(super) const CALIBRATION: Calibration<'static> = Calibration {{\n    image: [\n",
        date = chrono::Utc::now().format("%Y-%m-%d"),
        w = t.whole,
        v = t.variant,
        win = t.window,
        p = t.pdq,
        sh = t.shape,
    );
    for kind in ImageComparison::ALL {
        let c = image.get(kind.as_str()).map_or(&[][..], Vec::as_slice);
        s.push_str(&format!(
            "        // {}\n        {},\n",
            kind.as_str(),
            curve(c)
        ));
    }
    s.push_str("    ],\n    text: &[\n");
    for (kind, c) in text {
        s.push_str(&format!("        ({kind:?}, {}),\n", curve(c)));
    }
    s.push_str(&format!("    ],\n    unknown: {:.4},\n}};\n", PRIOR.mean()));
    Ok(s)
}
