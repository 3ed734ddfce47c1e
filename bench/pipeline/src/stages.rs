//! The pipeline under test: the config a run writes, and its stages as separate
//! `takedown serve STAGE` processes, with their CPU time read from `/proc` before they are
//! stopped.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::Stdio,
};

use tokio::process::{Child, Command};

/// The sample owner's authorized sellers are on this platform; the bench's market uses it
/// so that the authorized-seller listings are recognised as such.
pub const PLATFORM: &str = takedown_sample::MARKET_PLATFORM;
pub const SOURCE: &str = "bench-market";
/// The handler's signing secret (a test secret: the handler runs in the bench).
pub const SECRET: &str = "bench-pipeline-secret-0123456789abcdef";

/// What a run's config holds besides the fixed parts.
pub struct ConfigSpec<'a> {
    pub data_dir: &'a Path,
    pub owner_file: &'a Path,
    pub site: &'a str,
    pub handler: &'a str,
    pub listings: usize,
    pub crawl_concurrency: usize,
    /// The crawler's minimum gap between requests to the site: 0 for a burst (everything
    /// queued at once), more to feed the pipeline at a steady rate below its capacity.
    pub host_delay_ms: u64,
    /// `None`: the embedded defaults; `Some((store_url, brokers))`: PostgreSQL and Kafka.
    pub scaled: Option<(&'a str, &'a str)>,
}

/// The config TOML. Politeness is off (no host delay, as many requests per host as the
/// crawl's concurrency) and the notifier's rate limit is lifted: both are policies, and left
/// at their defaults they, not the pipeline, would be what this measures.
pub fn config(spec: &ConfigSpec<'_>) -> String {
    let backends = match spec.scaled {
        None => String::new(),
        Some((store, brokers)) => format!(
            "[backends]\nstore_url = \"{store}\"\n[backends.bus]\nkind = \"kafka\"\nbrokers = \"{brokers}\"\n"
        ),
    };
    format!(
        r#"data_dir = "{data}"
rights_files = ["{owner}"]

[policy]
auto_file_threshold = 0.7

[[sources]]
id = "{SOURCE}"
kind = "marketplace"
platform = "{PLATFORM}"
start_urls = ["{site}/shop/"]
allow_loopback = true
concurrency = {c}
per_host_concurrency = {c}
min_host_delay_ms = {delay}
host_delay_factor = 0.0
max_pages = {max_pages}
max_depth = 16
max_pages_per_pattern = {per_pattern}

[[platforms]]
id = "{PLATFORM}"
endpoint = "{handler}"
secret = "{SECRET}"
[platforms.safeguards]
per_second = 1000000.0
burst = 1000000

{backends}"#,
        data = spec.data_dir.display(),
        owner = spec.owner_file.display(),
        site = spec.site,
        handler = spec.handler,
        c = spec.crawl_concurrency,
        delay = spec.host_delay_ms,
        max_pages = spec.listings * 3 + 1000,
        per_pattern = spec.listings + 1000,
    )
}

/// One `takedown serve STAGE` process.
pub struct StageProcess {
    pub stage: &'static str,
    pub child: Child,
}

/// Starts `takedown serve STAGE --config CONFIG`, its stderr to `log_dir/STAGE-I.log`.
pub fn serve(
    takedown: &Path,
    stage: &'static str,
    index: usize,
    config: &Path,
    log_dir: &Path,
) -> std::io::Result<StageProcess> {
    let log = File::create(log_dir.join(format!("{stage}-{index}.log")))?;
    let child = Command::new(takedown)
        .args(["serve", stage, "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    Ok(StageProcess { stage, child })
}

/// User + system CPU seconds of process `pid` (all its threads) from `/proc/PID/stat`.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(PathBuf::from(format!("/proc/{pid}/stat"))).ok()?;
    parse_stat_cpu(&stat)
}

/// utime + stime (fields 14 and 15) in seconds. The command name (field 2) may hold spaces
/// and parentheses, so fields are counted from the last `)`.
fn parse_stat_cpu(stat: &str) -> Option<f64> {
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): utime is field 14, i.e. index 11 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = if ticks > 0 { ticks as f64 } else { 100.0 };
    Some((utime + stime) as f64 / ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_past_a_command_name_with_spaces() {
        let stat =
            "4242 (tokio (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 9 0 1 1 1";
        // SAFETY: as above.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        let cpu = parse_stat_cpu(stat).expect("parsed");
        assert!((cpu - 300.0 / ticks).abs() < 1e-9, "{cpu}");
        assert_eq!(parse_stat_cpu("garbage"), None);
    }

    #[test]
    fn config_names_the_backends_only_when_scaled() {
        let dir = Path::new("/tmp/d");
        let mut spec = ConfigSpec {
            data_dir: dir,
            owner_file: Path::new("/tmp/owner.json"),
            site: "http://127.0.0.1:1",
            handler: "http://127.0.0.1:2/notices",
            listings: 100,
            crawl_concurrency: 8,
            host_delay_ms: 25,
            scaled: None,
        };
        let embedded = config(&spec);
        assert!(!embedded.contains("[backends]"));
        assert!(embedded.contains("max_pages_per_pattern = 1100"));
        assert!(embedded.contains("min_host_delay_ms = 25"));
        spec.scaled = Some(("postgres://u@h/db", "127.0.0.1:9"));
        let scaled = config(&spec);
        assert!(scaled.contains("kind = \"kafka\""));
        assert!(scaled.contains("store_url = \"postgres://u@h/db\""));
    }
}
