//! The feature candidate generator and the verification of its candidates, on one split of
//! `bench/matching/make_heldout.py`'s set: how often a copy's own mark is among the top K
//! registrations by descriptor votes, how often it then verifies, and how many distractors
//! verify as some mark. For choosing the generator's and the verification's settings on
//! `fit` (never on `heldout`).
//!
//!     cargo run -p takedown-matching --example candidate_recall -- HELDOUT_DIR fit \
//!       [--k 8] [--levels 6] [--scale 1.4] [--min-inliers 10] [--invert] \
//!       [--lsh TABLES:BITS:PROBE(0|1):MAXDIST:MAXBUCKET ...]
//!
//! Registered images' features are computed as `eval images` computes them (every
//! registration, the specificity check aside); photos' features with `QUERY_FEATURES`.
//! Prints, per LSH setting, recall at K (and at 1, 4, 16), the median and 90th percentile
//! of the vote's CPU time per photo; then, for the first setting, the top K verified:
//! copies whose own mark verifies, per family, and distractors with any verified mark.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use takedown_matching::ImageLimits;
use takedown_matching::verify::{
    CANDIDATE_PARAMS, CandidateParams, DescriptorIndex, FeatureParams, LocalFeatures,
    QUERY_FEATURES, REFERENCE_FEATURES, VERIFY_PARAMS, extract, to_gray, verify,
};

type Error = Box<dyn std::error::Error>;

struct Query {
    file: String,
    expected: String,
    family: String,
    features: LocalFeatures,
}

fn arg_value<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>, Error> {
    match args.iter().position(|a| a == name) {
        Some(i) => {
            let raw = args.get(i + 1).ok_or(format!("{name} needs a value"))?;
            Ok(Some(
                raw.parse()
                    .map_err(|_| format!("{name}: bad value {raw}"))?,
            ))
        }
        None => Ok(None),
    }
}

fn lsh_settings(args: &[String]) -> Result<Vec<CandidateParams>, Error> {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if a != "--lsh" {
            continue;
        }
        let spec = args
            .get(i + 1)
            .ok_or("--lsh needs TABLES:BITS:PROBE:MAXDIST:MAXBUCKET")?;
        let parts: Vec<u32> = spec.split(':').map(str::parse).collect::<Result<_, _>>()?;
        let [tables, bits, probe, max_distance, max_bucket] = parts[..] else {
            return Err(format!("--lsh {spec}: five numbers").into());
        };
        out.push(CandidateParams {
            tables: tables as usize,
            key_bits: bits as usize,
            multi_probe: probe != 0,
            max_distance,
            max_bucket: max_bucket as usize,
        });
    }
    if out.is_empty() {
        out.push(CANDIDATE_PARAMS);
    }
    Ok(out)
}

fn reference_features(
    bytes: &[u8],
    params: &FeatureParams,
    invert: bool,
) -> Result<Vec<LocalFeatures>, Error> {
    let rgb = takedown_matching::image_hash::QuerySteps::decode(bytes, &ImageLimits::default())?;
    let grey = to_gray(&rgb);
    let mut out = vec![extract(&grey, params)];
    if invert {
        let mut inverted = grey.clone();
        for p in inverted.pixels_mut() {
            p.0[0] = 255 - p.0[0];
        }
        out.push(extract(&inverted, params));
    }
    Ok(out)
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(split)) = (args.get(1), args.get(2)) else {
        return Err("usage: candidate_recall HELDOUT_DIR SPLIT [options]".into());
    };
    let dir = PathBuf::from(dir);
    let k: usize = arg_value(&args, "--k")?.unwrap_or(8);
    let mut reference_params = REFERENCE_FEATURES;
    if let Some(levels) = arg_value(&args, "--levels")? {
        reference_params.levels = levels;
    }
    if let Some(scale) = arg_value(&args, "--scale")? {
        reference_params.scale_factor = scale;
    }
    if let Some(n) = arg_value(&args, "--max-features")? {
        reference_params.max_features = n;
    }
    let mut query_params = QUERY_FEATURES;
    if let Some(n) = arg_value(&args, "--query-features")? {
        query_params.max_features = n;
    }
    let mut verify_params = VERIFY_PARAMS;
    if let Some(n) = arg_value(&args, "--min-inliers")? {
        verify_params.min_inliers = n;
    }
    let invert = args.iter().any(|a| a == "--invert");
    let settings = lsh_settings(&args)?;

    let mut references: Vec<(String, LocalFeatures)> = Vec::new();
    let mut rights = csv::Reader::from_path(dir.join("rights.csv"))?;
    for row in rights.records() {
        let row = row?;
        let (right, file) = (row[0].to_string(), Path::new(&row[1]).to_path_buf());
        for features in
            reference_features(&std::fs::read(dir.join(&file))?, &reference_params, invert)?
        {
            references.push((right.clone(), features));
        }
    }
    let mut queries = Vec::new();
    let mut labels = csv::Reader::from_path(dir.join("labels.csv"))?;
    for row in labels.deserialize::<BTreeMap<String, String>>() {
        let row = row?;
        if row.get("split").map(String::as_str) != Some(split) {
            continue;
        }
        let file = row.get("query_file").cloned().unwrap_or_default();
        let Ok(rgb) = takedown_matching::image_hash::QuerySteps::decode(
            &std::fs::read(dir.join("queries").join(&file))?,
            &ImageLimits::default(),
        ) else {
            continue;
        };
        queries.push(Query {
            expected: row.get("expected").cloned().unwrap_or_default(),
            family: row.get("family").cloned().unwrap_or_default(),
            features: extract(&to_gray(&rgb), &query_params),
            file,
        });
    }
    let copies = queries.iter().filter(|q| !q.expected.is_empty()).count();
    println!(
        "{split}: {} registrations ({} feature sets), {} queries ({copies} copies); K = {k}",
        references
            .iter()
            .map(|r| &r.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        references.len(),
        queries.len()
    );
    println!(
        "| tables:bits:probe:maxdist:maxbucket | recall@1 | @4 | @{k} | @16 | vote ms p50 | p90 |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut first: Option<DescriptorIndex<String>> = None;
    for params in settings {
        let mut index = DescriptorIndex::new(params);
        for (right, features) in &references {
            index.insert(right.clone(), features);
        }
        let mut at = [0usize; 4];
        let mut times = Vec::new();
        for q in &queries {
            let t = Instant::now();
            let ranked = index.votes(&q.features);
            times.push(t.elapsed().as_secs_f64() * 1e3);
            if q.expected.is_empty() {
                continue;
            }
            let rank = ranked.iter().position(|(r, _)| *r == q.expected);
            for (slot, cut) in [1, 4, k, 16].into_iter().enumerate() {
                at[slot] += usize::from(rank.is_some_and(|r| r < cut));
            }
        }
        let share = |n: usize| n as f64 / copies.max(1) as f64;
        println!(
            "| {}:{}:{}:{}:{} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} | {:.2} |",
            params.tables,
            params.key_bits,
            u8::from(params.multi_probe),
            params.max_distance,
            params.max_bucket,
            share(at[0]),
            share(at[1]),
            share(at[2]),
            share(at[3]),
            percentile(times.clone(), 0.5),
            percentile(times, 0.9)
        );
        first.get_or_insert(index);
    }
    let Some(index) = first else { return Ok(()) };
    // The top K verified, as the `confirmed` policy verifies a photo's feature candidates.
    let mut by_family: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut flagged = Vec::new();
    let mut verify_times = Vec::new();
    for q in &queries {
        let t = Instant::now();
        let verified: Vec<(String, usize)> = index
            .top(&q.features, k)
            .into_iter()
            .filter_map(|right| {
                references
                    .iter()
                    .filter(|(r, _)| *r == right)
                    .filter_map(|(_, f)| verify(f, &q.features, &verify_params))
                    .map(|v| v.inliers)
                    .max()
                    .map(|inliers| (right, inliers))
            })
            .collect();
        verify_times.push(t.elapsed().as_secs_f64() * 1e3);
        if q.expected.is_empty() {
            if !verified.is_empty() {
                flagged.push(format!("{} → {verified:?}", q.file));
            }
            continue;
        }
        let entry = by_family.entry(q.family.clone()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(verified.iter().any(|(r, _)| *r == q.expected));
        entry.2 += usize::from(verified.iter().any(|(r, _)| *r != q.expected));
    }
    println!(
        "\ntop {k} verified (≥ {} inliers):",
        verify_params.min_inliers
    );
    for (family, (n, found, other)) in &by_family {
        println!(
            "  {family}: own mark verified {found}/{n} = {:.3}; another mark verified {other}",
            *found as f64 / (*n).max(1) as f64
        );
    }
    let distractors = queries.len() - copies;
    println!(
        "  distractors with a verified mark: {}/{distractors}; votes + verification ms p50 {:.2}, p90 {:.2}",
        flagged.len(),
        percentile(verify_times.clone(), 0.5),
        percentile(verify_times, 0.9)
    );
    for f in flagged {
        println!("    {f}");
    }
    Ok(())
}
