//! Measures the exact Hamming index and the image hashes, with their peers, in one run:
//!
//! - `MihIndex` vs the linear scan at radius 31 over N uniform random 256-bit hashes plus
//!   planted near-duplicates (queries per second, p50/p99 latency, memory per hash), one
//!   thread; results must be identical.
//! - FAISS `IndexBinaryFlat` and `IndexBinaryMultiHash` on the same files, through
//!   `bench/index/faiss_peer.py`, which checks its results against ours.
//! - Images hashed per second: our pHash and PDQ vs Python ImageHash `phash` and PyPI
//!   `pdqhash`, through `bench/index/hash_peer.py`, which also checks PDQ bit-equality.
//!
//! `cargo bench -p takedown-matching --bench index -- [--n 1000000] [--queries 1000]
//!  [--linear 100] [--images 200] [--no-peers]` (see BENCHMARKS.md).

// `unsafe` is allowed for the counting global allocator (the memory per indexed hash is
// the bench's output) and `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` (per-thread CPU time,
// which std does not offer).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageFormat, RgbImage};
use takedown_matching::image_hash::hash_whole;
use takedown_matching::{
    ImageLimits, MihIndex, hash_query, hash_reference, linear_query, pdq_hash, pdq_region_hashes,
};

/// Counts live heap bytes, to measure the index's real footprint.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const RADIUS: u32 = 31;
/// Planted near-duplicates per query, at distances spread over 0..=40.
const PLANTED: u32 = 4;

struct Args {
    n: usize,
    queries: usize,
    linear: usize,
    images: usize,
    peers: bool,
}

fn args() -> Args {
    let mut a = Args {
        n: 1_000_000,
        queries: 1000,
        linear: 100,
        images: 200,
        peers: true,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = || argv.get(i + 1).and_then(|v| v.parse::<usize>().ok());
        match argv[i].as_str() {
            "--n" => a.n = value().expect("--n N"),
            "--queries" => a.queries = value().expect("--queries Q"),
            "--linear" => a.linear = value().expect("--linear L"),
            "--images" => a.images = value().expect("--images M"),
            "--no-peers" => {
                a.peers = false;
                i -= 1;
            }
            // `cargo bench` passes `--bench`; other flags are ignored.
            _ => i -= 1,
        }
        i += 2;
    }
    a
}

/// SplitMix64, seeded: the same corpus every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn hash(&mut self) -> [u8; 32] {
        let mut h = [0u8; 32];
        for c in h.chunks_exact_mut(8) {
            c.copy_from_slice(&self.next().to_le_bytes());
        }
        h
    }
    fn near(&mut self, base: &[u8; 32], flips: u32) -> [u8; 32] {
        let mut h = *base;
        let mut done = 0;
        while done < flips {
            let bit = (self.next() % 256) as usize;
            let (byte, mask) = (bit / 8, 1u8 << (bit % 8));
            if (h[byte] ^ base[byte]) & mask == 0 {
                h[byte] ^= mask;
                done += 1;
            }
        }
        h
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut times: Vec<Duration>) {
    let total: Duration = times.iter().sum();
    times.sort();
    println!(
        "{name:<28} queries={:<6} qps={:>10.1} p50={:>9.1}us p99={:>9.1}us",
        times.len(),
        times.len() as f64 / total.as_secs_f64(),
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
    );
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// CPU time of the calling thread: on a shared machine a query's wall time includes time
/// spent descheduled, which is the machine's load rather than the index's work.
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

/// No per-thread clock here: the CPU-time row reads zero.
#[cfg(not(target_os = "linux"))]
fn thread_cpu() -> Duration {
    Duration::ZERO
}

fn bench_index(a: &Args, dir: &Path) {
    let mut rng = Rng(2026);
    let mut entries: Vec<(u32, [u8; 32])> = (0..a.n as u32).map(|id| (id, rng.hash())).collect();
    let queries: Vec<[u8; 32]> = (0..a.queries).map(|_| rng.hash()).collect();
    for q in &queries {
        for _ in 0..PLANTED {
            let d = (rng.next() % 41) as u32;
            let id = entries.len() as u32;
            entries.push((id, rng.near(q, d)));
        }
    }
    println!(
        "corpus: {} uniform random + {} planted (distances 0..=40) 256-bit hashes; {} queries; radius {RADIUS}",
        a.n,
        entries.len() - a.n,
        a.queries
    );
    let mut flat = Vec::with_capacity(entries.len() * 32);
    entries.iter().for_each(|(_, h)| flat.extend_from_slice(h));
    std::fs::write(dir.join("hashes.bin"), &flat).expect("write hashes");
    drop(flat);
    let qflat: Vec<u8> = queries.iter().flatten().copied().collect();
    std::fs::write(dir.join("queries.bin"), qflat).expect("write queries");

    let before = LIVE.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut index = MihIndex::new();
    index.extend(entries.iter().copied());
    let build = start.elapsed();
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    println!(
        "MihIndex build: {:.2}s for {} hashes; heap {:.1} MB = {:.1} bytes/hash (heap_bytes() says {:.1})",
        build.as_secs_f64(),
        index.len(),
        bytes as f64 / 1e6,
        bytes as f64 / index.len() as f64,
        index.heap_bytes() as f64 / index.len() as f64
    );

    let mut results = Vec::with_capacity(queries.len());
    let mut times = Vec::with_capacity(queries.len());
    let mut cpu_times = Vec::with_capacity(queries.len());
    for q in &queries {
        let (t, cpu) = (Instant::now(), thread_cpu());
        let hits = index.query(q, RADIUS);
        times.push(t.elapsed());
        cpu_times.push(thread_cpu().saturating_sub(cpu));
        results.push(hits);
    }
    let found: usize = results.iter().map(Vec::len).sum();
    report("MihIndex (ours)", times);
    report("  same, thread CPU time", cpu_times);
    println!("  hits within radius: {found}");

    let mut times = Vec::new();
    for (q, expected) in queries.iter().zip(&results).take(a.linear) {
        let t = Instant::now();
        let hits = linear_query(&entries, q, RADIUS);
        times.push(t.elapsed());
        assert_eq!(&hits, expected, "MIH and linear scan disagree");
    }
    report("linear scan (ours)", times);
    println!(
        "  linear scan and MihIndex identical on {} queries",
        a.linear.min(queries.len())
    );

    // Online inserts one at a time, rebuilds included (amortized), then removals.
    let extra = 20_000u32;
    let base = entries.len() as u32;
    let fresh: Vec<[u8; 32]> = (0..extra).map(|_| rng.hash()).collect();
    let t = Instant::now();
    for (i, h) in fresh.iter().enumerate() {
        index.insert(base + i as u32, *h);
    }
    let insert_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for i in 0..extra {
        index.remove(base + i);
    }
    println!(
        "MihIndex online: {:.0} inserts/s (amortized over rebuilds), {:.0} removals/s",
        f64::from(extra) / insert_secs,
        f64::from(extra) / t.elapsed().as_secs_f64()
    );

    let mut out = String::new();
    for hits in &results {
        let mut ids: Vec<u32> = hits.iter().map(|&(id, _)| id).collect();
        ids.sort_unstable();
        out.push_str(&ids.iter().map(u32::to_string).collect::<Vec<_>>().join(" "));
        out.push('\n');
    }
    std::fs::write(dir.join("mih_results.txt"), out).expect("write results");
}

/// A photo-like test image: overlapping shapes on a gradient, with mild noise.
fn test_image(rng: &mut Rng, w: u32, h: u32) -> RgbImage {
    let shapes: Vec<[u64; 6]> = (0..8)
        .map(|_| std::array::from_fn(|_| rng.next()))
        .collect();
    let mut img = RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
    });
    for s in &shapes {
        let (cx, cy) = ((s[0] % u64::from(w)) as i64, (s[1] % u64::from(h)) as i64);
        let r = (20 + s[2] % 150) as i64;
        let colour = [s[3] as u8, (s[3] >> 8) as u8, (s[3] >> 16) as u8];
        let square = s[4] % 2 == 0;
        for (x, y, p) in img.enumerate_pixels_mut() {
            let (dx, dy) = (x as i64 - cx, y as i64 - cy);
            let inside = if square {
                dx.abs() < r && dy.abs() < r
            } else {
                dx * dx + dy * dy < r * r
            };
            if inside {
                p.0 = colour;
            }
        }
    }
    for p in img.pixels_mut() {
        let n = (rng.next() % 9) as u8;
        p.0 = p.0.map(|c| c.saturating_add(n).saturating_sub(4));
    }
    img
}

/// One set of test images, written by the bench and read back by `bench/index/hash_peer.py`.
struct ImageSet {
    /// What the peer script prints for it; also the folder name under the bench directory.
    folder: &'static str,
    label: &'static str,
    width: u32,
    height: u32,
    /// JPEG quality, or None for PNG.
    jpeg_quality: Option<u8>,
}

/// The PNG set the bench has always used, the same pictures as JPEG (most listing photos
/// are JPEG, and its decoder costs differ), and listing-size JPEG photos: ImageHash's and our
/// costs grow differently with the pixel count (the pHash resizes the whole picture; our
/// working copy is bounded).
const IMAGE_SETS: [ImageSet; 3] = [
    ImageSet {
        folder: "images",
        label: "PNG 640x480",
        width: 640,
        height: 480,
        jpeg_quality: None,
    },
    ImageSet {
        folder: "images-jpeg640",
        label: "JPEG q85 640x480",
        width: 640,
        height: 480,
        jpeg_quality: Some(85),
    },
    ImageSet {
        folder: "images-jpeg1600",
        label: "JPEG q85 1600x1200",
        width: 1600,
        height: 1200,
        jpeg_quality: Some(85),
    },
];

/// Writes `count` images of `set` (the same seed every run) and returns their bytes.
fn write_image_set(set: &ImageSet, count: usize, dir: &Path) -> Vec<Vec<u8>> {
    let folder = dir.join(set.folder);
    std::fs::create_dir_all(&folder).expect("images dir");
    let mut rng = Rng(7);
    (0..count)
        .map(|i| {
            let img = test_image(&mut rng, set.width, set.height);
            let mut bytes = Vec::new();
            let name = match set.jpeg_quality {
                None => {
                    img.write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Png)
                        .expect("encode png");
                    format!("img_{i:04}.png")
                }
                Some(quality) => {
                    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
                        .encode_image(&img)
                        .expect("encode jpeg");
                    format!("img_{i:04}.jpg")
                }
            };
            std::fs::write(folder.join(name), &bytes).expect("write image");
            bytes
        })
        .collect()
}

/// Hashes one image's bytes, dropping the result.
type HashFn<'a> = dyn Fn(&[u8]) + Sync + 'a;

/// Images per second of `hash` over `files` on `threads` threads, each hashing its share
/// (as the hasher stage and `takedown eval` do, one image per task); median of three passes.
fn images_per_second(files: &[Vec<u8>], threads: usize, hash: &HashFn) -> f64 {
    let chunk = files.len().div_ceil(threads).max(1);
    let secs = median_of_passes(|| {
        std::thread::scope(|scope| {
            for part in files.chunks(chunk) {
                scope.spawn(move || {
                    for bytes in part {
                        hash(bytes);
                    }
                });
            }
        });
    });
    files.len() as f64 / secs
}

fn bench_images(a: &Args, dir: &Path) {
    let limits = ImageLimits::default();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // Results are dropped: a refusal (low information) costs the same work as a hash.
    let rows: [(&str, &HashFn); 4] = [
        ("decode only (image crate)", &|b| {
            std::hint::black_box(image::load_from_memory(b).expect("decodes"));
        }),
        ("ours pHash like-for-like: hash_whole", &|b| {
            let _ = std::hint::black_box(hash_whole(b, &limits));
        }),
        ("ours pHash: hash_reference (decode+hash)", &|b| {
            let _ = std::hint::black_box(hash_reference(b, &limits));
        }),
        ("ours pHash+windows: hash_query", &|b| {
            let _ = std::hint::black_box(hash_query(b, &limits));
        }),
    ];
    let mut png = Vec::new();
    for set in &IMAGE_SETS {
        // Listing-size photos are 6x the pixels: fewer of them keep the run short.
        let count = if set.width > 640 {
            (a.images / 2).max(1)
        } else {
            a.images
        };
        let files = write_image_set(set, count, dir);
        println!(
            "images: {count} {}, photo-like (shapes on a gradient with noise), in {}/",
            set.label, set.folder
        );
        for (name, hash) in &rows {
            let rate = images_per_second(&files, 1, hash);
            println!("{name:<52} {rate:>8.1} images/s");
        }
        // Both cores, beside the peer's two processes: the single-core rows are the
        // like-for-like ones.
        for (name, hash) in &rows[1..3] {
            let rate = images_per_second(&files, cores, hash);
            println!(
                "{:<52} {rate:>8.1} images/s",
                format!("{name}, {cores} threads")
            );
        }
        if set.jpeg_quality.is_none() {
            png = files;
        }
    }
    let files = png;
    let images_dir = dir.join(IMAGE_SETS[0].folder);
    let per_second = |name: &str, f: &HashFn| {
        let rate = images_per_second(&files, 1, f);
        println!("{name:<52} {rate:>8.1} images/s");
    };
    per_second("ours PDQ: pdq_region_hashes (decode+hash)", &|b| {
        let _ = pdq_region_hashes(b, &limits);
    });
    let decoded: Vec<DynamicImage> = files
        .iter()
        .map(|b| image::load_from_memory(b).expect("decodes"))
        .collect();
    let secs = median_of_passes(|| {
        for img in &decoded {
            std::hint::black_box(pdq_hash(img));
        }
    });
    println!(
        "{:<52} {:>8.1} images/s",
        "ours PDQ: pdq_hash (hash only)",
        decoded.len() as f64 / secs
    );
    let hexes: String = decoded
        .iter()
        .map(|img| {
            let h = pdq_hash(img);
            format!("{} {}\n", h.to_hex(), h.quality)
        })
        .collect();
    std::fs::write(images_dir.join("rust_pdq.txt"), hexes).expect("write pdq");
}

/// Median duration in seconds of three passes of `pass`: the machine is shared, so single
/// passes are noisy.
fn median_of_passes(mut pass: impl FnMut()) -> f64 {
    let mut secs: Vec<f64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            pass();
            t.elapsed().as_secs_f64()
        })
        .collect();
    secs.sort_by(f64::total_cmp);
    secs[1]
}

fn peer(script: &str, dir: &Path, extra: &[String]) {
    let _ = std::io::stdout().flush();
    let status = Command::new("python3")
        .arg(repo_root().join("bench/index").join(script))
        .arg(dir)
        .args(extra)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => println!("peer {script} failed: {s}"),
        Err(e) => println!("peer {script} could not start: {e}"),
    }
}

fn main() {
    let a = args();
    let dir = repo_root().join("target/bench-index");
    std::fs::create_dir_all(&dir).expect("bench dir");
    bench_index(&a, &dir);
    if a.peers {
        peer(
            "faiss_peer.py",
            &dir,
            &["--linear".into(), a.linear.to_string()],
        );
    }
    if a.images > 0 {
        bench_images(&a, &dir);
        if a.peers {
            peer("hash_peer.py", &dir, &[]);
        }
    }
}
