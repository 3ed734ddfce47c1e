//! Measures a listing photo's whole query (issue 14), step by step: decoding, every part of
//! `hash_query`, the photo's local features and their verification against 1 and 8
//! registered logos — per photo, on one thread, then the whole query on several threads.
//!
//! The photos are made here, deterministically: a seeded logo pasted at 20–50 % of the side
//! onto a photo-like textured ground (`tests/fixtures`), 640×640, JPEG q85 and some PNG.
//! Every step is timed by the thread's CPU time (this machine is shared: a wall clock counts
//! the other processes' turns too) and by the wall clock; each photo's time is the median
//! of its runs, and the table gives the median and the mean over photos. Images per second
//! per core is 1 / the mean CPU time of the whole query.
//!
//! `cargo bench -p takedown-matching --bench query -- [--images 24] [--runs 5]
//!  [--threads 2] [--profile hash|features|verify --seconds 20]` (see BENCHMARKS.md).
//! `--profile` only repeats one part for that long, for `perf record` or `valgrind
//! --tool=callgrind` to look at.

// `unsafe` is allowed for `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` (per-thread CPU time,
// which std does not offer).

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use takedown_matching::image_hash::QuerySteps;
use takedown_matching::verify::{
    DescriptorIndex, LocalFeatures, MAX_FEATURE_CANDIDATES, QUERY_FEATURES, REFERENCE_FEATURES,
    VERIFY_PARAMS, extract, to_gray, verify,
};
use takedown_matching::{ImageLimits, hash_query, hash_query_decoded};

/// The steps timed, in the order they run; `hash_query` is the sum of the first seven.
const STEPS: [&str; 13] = [
    "decode",
    "pdq",
    "prepare (shrink, whole + trimmed pHash)",
    "shapes (silhouettes)",
    "boxes",
    "edge maps",
    "windows",
    "features: decode again",
    "features: grey + extract",
    "feature candidates: descriptor votes, top 8",
    "verify, N = 1",
    "verify, N = 8",
    "hash_query (decode + hashes)",
];
/// Index of the first verification step and of the `hash_query` total in `STEPS`.
const VOTES: usize = 9;
const VERIFY_1: usize = 10;
const VERIFY_8: usize = 11;
const HASH_QUERY: usize = 12;
/// Registered logos verified per photo: the one pasted into it, and 7 that are not there
/// (`MAX_WEAK_CANDIDATES` is 8).
const CANDIDATES: usize = 8;

struct Args {
    images: usize,
    runs: usize,
    threads: usize,
    profile: Option<String>,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        images: 24,
        runs: 5,
        threads: 2,
        profile: None,
        seconds: 20,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = |i: usize| argv.get(i + 1).cloned().unwrap_or_default();
        let number = |i: usize| value(i).parse::<usize>().expect("a number");
        match argv[i].as_str() {
            "--images" => a.images = number(i),
            "--runs" => a.runs = number(i).max(1),
            "--threads" => a.threads = number(i).max(1),
            "--seconds" => a.seconds = number(i) as u64,
            "--profile" => a.profile = Some(value(i)),
            // cargo bench passes --bench to every bench binary.
            "--bench" => {
                i += 1;
                continue;
            }
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    a
}

/// CPU time of the calling thread.
#[cfg(target_os = "linux")]
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// No per-thread clock here: CPU times read zero.
#[cfg(not(target_os = "linux"))]
fn thread_cpu() -> Duration {
    Duration::ZERO
}

/// CPU and wall time of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration, Duration) {
    let (cpu, wall) = (thread_cpu(), Instant::now());
    let out = f();
    (out, thread_cpu() - cpu, wall.elapsed())
}

/// A listing photo: its bytes, and the seed of the logo pasted in it.
struct Photo {
    bytes: Vec<u8>,
    seed: u64,
    format: &'static str,
}

/// `n` photos, one in six a PNG, the rest JPEG q85.
fn photos(n: usize) -> Vec<Photo> {
    (0..n as u64)
        .map(|i| {
            let seed = 1000 + i;
            let rgb = fixtures::listing_photo(seed, 640);
            if i % 6 == 5 {
                Photo {
                    bytes: fixtures::png(&rgb),
                    seed,
                    format: "png",
                }
            } else {
                Photo {
                    bytes: fixtures::jpeg(&rgb, 85),
                    seed,
                    format: "jpeg",
                }
            }
        })
        .collect()
}

/// The registered logos a photo is verified against: its own first, then `CANDIDATES - 1`
/// that are not in it.
fn candidates(photo: &Photo) -> Vec<LocalFeatures> {
    std::iter::once(photo.seed)
        .chain((1..CANDIDATES as u64).map(|k| 50_000 + photo.seed * 8 + k))
        .map(|seed| {
            extract(
                &to_gray(&fixtures::detailed_logo(seed)),
                &REFERENCE_FEATURES,
            )
        })
        .collect()
}

/// One photo's step times (CPU, wall), and whether its own logo was verified.
struct Sample {
    cpu: [Duration; STEPS.len()],
    wall: [Duration; STEPS.len()],
    verified_own: bool,
    /// Whether the photo's own logo was among the descriptor votes' top 8.
    voted_own: bool,
    hashes: usize,
    keypoints: usize,
}

/// Runs the query of `photo` step by step.
fn measure(
    photo: &Photo,
    references: &[LocalFeatures],
    descriptors: &DescriptorIndex<u64>,
    limits: &ImageLimits,
) -> Sample {
    let mut cpu = [Duration::ZERO; STEPS.len()];
    let mut wall = [Duration::ZERO; STEPS.len()];
    let mut record = |step: usize, c: Duration, w: Duration| {
        cpu[step] = c;
        wall[step] = w;
    };
    let (rgb, c, w) = timed(|| QuerySteps::decode(&photo.bytes, limits).expect("decodes"));
    record(0, c, w);
    let (pdq, c, w) = timed(|| QuerySteps::pdq(&rgb));
    record(1, c, w);
    let (steps, c, w) = timed(|| QuerySteps::prepare(rgb, pdq).expect("informative"));
    record(2, c, w);
    let mut steps = steps;
    let ((), c, w) = timed(|| steps.shapes());
    record(3, c, w);
    let ((), c, w) = timed(|| steps.boxes());
    record(4, c, w);
    let ((), c, w) = timed(|| steps.edge_maps());
    record(5, c, w);
    let ((), c, w) = timed(|| steps.windows());
    record(6, c, w);
    let hashes = steps.into_hashes();
    let (rgb, c, w) = timed(|| QuerySteps::decode(&photo.bytes, limits).expect("decodes"));
    record(7, c, w);
    let (query, c, w) = timed(|| extract(&to_gray(&rgb), &QUERY_FEATURES));
    record(8, c, w);
    let (voted, c, w) = timed(|| descriptors.top(&query, MAX_FEATURE_CANDIDATES));
    record(VOTES, c, w);
    let (own, c, w) = timed(|| verify(&references[0], &query, &VERIFY_PARAMS));
    record(VERIFY_1, c, w);
    let (all, c, w) = timed(|| {
        references
            .iter()
            .filter(|r| verify(r, &query, &VERIFY_PARAMS).is_some())
            .count()
    });
    record(VERIFY_8, c, w);
    assert_eq!(all >= 1, own.is_some(), "verification is deterministic");
    cpu[HASH_QUERY] = cpu[..7].iter().sum();
    wall[HASH_QUERY] = wall[..7].iter().sum();
    Sample {
        cpu,
        wall,
        verified_own: own.is_some(),
        voted_own: voted.contains(&photo.seed),
        hashes: hashes.len(),
        keypoints: query.len(),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mean(v: &[Duration]) -> Duration {
    v.iter().sum::<Duration>() / v.len().max(1) as u32
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// The whole query of one photo, as the matcher runs it with verification of the weak
/// candidates: hashes, then features (decoding again), the descriptor votes, then 8
/// verifications.
fn whole_query(
    photo: &Photo,
    references: &[LocalFeatures],
    descriptors: &DescriptorIndex<u64>,
    limits: &ImageLimits,
) -> usize {
    let hashes = hash_query(&photo.bytes, limits).expect("hashes");
    let rgb = QuerySteps::decode(&photo.bytes, limits).expect("decodes");
    let query = extract(&to_gray(&rgb), &QUERY_FEATURES);
    std::hint::black_box(descriptors.top(&query, MAX_FEATURE_CANDIDATES));
    let verified = references
        .iter()
        .filter(|r| verify(r, &query, &VERIFY_PARAMS).is_some())
        .count();
    hashes.len() + verified
}

fn main() {
    let a = args();
    let limits = ImageLimits::default();
    let photos = photos(a.images);
    let references: Vec<Vec<LocalFeatures>> = photos.iter().map(candidates).collect();
    // Every photo's logo and its 7 others, registered in one descriptor index: the feature
    // candidates are voted among all of them (192 registrations for 24 photos).
    let mut descriptors = DescriptorIndex::default();
    for (photo, refs) in photos.iter().zip(&references) {
        descriptors.insert(photo.seed, &refs[0]);
        for (k, other) in refs.iter().enumerate().skip(1) {
            descriptors.insert(50_000 + photo.seed * 8 + k as u64, other);
        }
    }
    // The steps are `hash_query`, exactly.
    for photo in &photos {
        let rgb = QuerySteps::decode(&photo.bytes, &limits).expect("decodes");
        let pdq = QuerySteps::pdq(&rgb);
        let mut steps = QuerySteps::prepare(rgb, pdq).expect("informative");
        steps.shapes();
        steps.boxes();
        steps.edge_maps();
        steps.windows();
        let hashes = steps.into_hashes();
        assert_eq!(hashes, hash_query(&photo.bytes, &limits).expect("hashes"));
        let rgb = QuerySteps::decode(&photo.bytes, &limits).expect("decodes");
        assert_eq!(hashes, hash_query_decoded(&rgb).expect("hashes"));
    }
    if let Some(part) = &a.profile {
        profile(part, &a, &photos, &references, &limits);
        return;
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "{} photos 640x640 ({} PNG), {} runs each, load average {}",
        photos.len(),
        photos.iter().filter(|p| p.format == "png").count(),
        a.runs,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    // Per photo: the median of its runs, step by step.
    let mut per_photo: Vec<Sample> = Vec::new();
    for (photo, refs) in photos.iter().zip(&references) {
        let runs: Vec<Sample> = (0..a.runs)
            .map(|_| measure(photo, refs, &descriptors, &limits))
            .collect();
        let step_median = |f: fn(&Sample) -> &[Duration; STEPS.len()]| -> [Duration; STEPS.len()] {
            std::array::from_fn(|i| median(runs.iter().map(|s| f(s)[i]).collect()))
        };
        per_photo.push(Sample {
            cpu: step_median(|s| &s.cpu),
            wall: step_median(|s| &s.wall),
            verified_own: runs[0].verified_own,
            voted_own: runs[0].voted_own,
            hashes: runs[0].hashes,
            keypoints: runs[0].keypoints,
        });
    }
    let whole_of =
        |s: &Sample| s.cpu[HASH_QUERY] + s.cpu[7] + s.cpu[8] + s.cpu[VOTES] + s.cpu[VERIFY_8];
    let whole: Vec<Duration> = per_photo.iter().map(whole_of).collect();
    let whole_mean = mean(&whole);
    println!();
    println!("| step | CPU median ms | CPU mean ms | wall mean ms | share of the whole query |");
    println!("|---|---:|---:|---:|---:|");
    for (i, name) in STEPS.iter().enumerate() {
        let cpu: Vec<Duration> = per_photo.iter().map(|s| s.cpu[i]).collect();
        let wall: Vec<Duration> = per_photo.iter().map(|s| s.wall[i]).collect();
        let share = if i == VERIFY_1 {
            String::new()
        } else {
            format!(
                "{:.0} %",
                100.0 * mean(&cpu).as_secs_f64() / whole_mean.as_secs_f64()
            )
        };
        println!(
            "| {name} | {} | {} | {} | {share} |",
            ms(median(cpu.clone())),
            ms(mean(&cpu)),
            ms(mean(&wall))
        );
    }
    let features_mean = mean(
        &per_photo
            .iter()
            .map(|s| s.cpu[7] + s.cpu[8])
            .collect::<Vec<_>>(),
    );
    println!(
        "| **whole query** (hash_query + features + votes + verify N = 8) | {} | **{}** | | 100 % |",
        ms(median(whole.clone())),
        ms(whole_mean)
    );
    let once = mean(
        &per_photo
            .iter()
            .map(|s| whole_of(s) - s.cpu[7])
            .collect::<Vec<_>>(),
    );
    println!(
        "| whole query, decoded once (`hash_query_decoded` + features of the same pixels + votes + verify N = 8) | | **{}** | | {:.0} % |",
        ms(once),
        100.0 * once.as_secs_f64() / whole_mean.as_secs_f64()
    );
    let per_second = |d: Duration| 1.0 / d.as_secs_f64().max(1e-12);
    let hash_mean = mean(
        &per_photo
            .iter()
            .map(|s| s.cpu[HASH_QUERY])
            .collect::<Vec<_>>(),
    );
    let verify8 = mean(
        &per_photo
            .iter()
            .map(|s| s.cpu[VERIFY_8])
            .collect::<Vec<_>>(),
    );
    println!();
    println!(
        "images/s per core: whole query {:.1} (decoded once: {:.1}); hash_query alone {:.1}; hash_query + features {:.1}",
        per_second(whole_mean),
        per_second(once),
        per_second(hash_mean),
        per_second(hash_mean + features_mean)
    );
    println!(
        "verification: {} ms per candidate (N = 8, mean), {} ms with N = 1 (the logo that is there)",
        ms(verify8 / CANDIDATES as u32),
        ms(mean(
            &per_photo
                .iter()
                .map(|s| s.cpu[VERIFY_1])
                .collect::<Vec<_>>()
        ))
    );
    println!(
        "per photo: {:.0} hashes, {:.0} keypoints (means); own logo verified in {}/{} photos, among the top 8 votes of {} registrations in {}",
        per_photo.iter().map(|s| s.hashes).sum::<usize>() as f64 / per_photo.len() as f64,
        per_photo.iter().map(|s| s.keypoints).sum::<usize>() as f64 / per_photo.len() as f64,
        per_photo.iter().filter(|s| s.verified_own).count(),
        per_photo.len(),
        descriptors.len(),
        per_photo.iter().filter(|s| s.voted_own).count(),
    );
    for threads in [1, a.threads] {
        scaling(threads, &a, &photos, &references, &descriptors, &limits);
    }
}

/// The whole query of every photo `runs` times over `threads` threads: photos per second.
fn scaling(
    threads: usize,
    a: &Args,
    photos: &[Photo],
    references: &[Vec<LocalFeatures>],
    descriptors: &DescriptorIndex<u64>,
    limits: &ImageLimits,
) {
    let jobs = photos.len() * a.runs;
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let cpu: Duration = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let cpu = thread_cpu();
                    loop {
                        let job = next.fetch_add(1, Ordering::Relaxed);
                        if job >= jobs {
                            break;
                        }
                        let i = job % photos.len();
                        std::hint::black_box(whole_query(
                            &photos[i],
                            &references[i],
                            descriptors,
                            limits,
                        ));
                    }
                    thread_cpu() - cpu
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    });
    let wall = start.elapsed().as_secs_f64();
    println!(
        "{threads} thread(s): {:.1} photos/s by the wall clock ({:.1} per thread), {:.1} per CPU-second",
        jobs as f64 / wall,
        jobs as f64 / wall / threads as f64,
        jobs as f64 / cpu.as_secs_f64().max(1e-12)
    );
}

/// Repeats one part of the query for `a.seconds`, for a profiler.
fn profile(
    part: &str,
    a: &Args,
    photos: &[Photo],
    references: &[Vec<LocalFeatures>],
    limits: &ImageLimits,
) {
    let decoded: Vec<_> = photos
        .iter()
        .map(|p| QuerySteps::decode(&p.bytes, limits).expect("decodes"))
        .collect();
    let queries: Vec<_> = decoded
        .iter()
        .map(|rgb| extract(&to_gray(rgb), &QUERY_FEATURES))
        .collect();
    let start = Instant::now();
    let mut rounds = 0usize;
    while start.elapsed().as_secs() < a.seconds {
        for (i, photo) in photos.iter().enumerate() {
            match part {
                "hash" => {
                    std::hint::black_box(hash_query(&photo.bytes, limits).expect("hashes"));
                }
                "features" => {
                    std::hint::black_box(extract(&to_gray(&decoded[i]), &QUERY_FEATURES));
                }
                "verify" => {
                    for r in &references[i] {
                        std::hint::black_box(verify(r, &queries[i], &VERIFY_PARAMS));
                    }
                }
                other => panic!("--profile hash|features|verify, not {other}"),
            }
        }
        rounds += 1;
    }
    println!("{rounds} rounds of {} photos ({part})", photos.len());
}
