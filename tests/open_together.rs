//! Issue 21 finding 9: stage processes started at the same instant on one fresh data
//! directory (the embedded defaults: a SQLite store and a SQLite bus) must all come up.
//! Before the fix, switching the new files to WAL returned "database is locked" at once (no
//! busy wait) and a stage died with "opening the embedded bus: database is locked (code 5)".

use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// Every stage, the busiest ones twice: eight processes.
const PROCESSES: [&str; 8] = [
    "crawler", "hasher", "matcher", "actioner", "notifier", "hasher", "matcher", "actioner",
];
const ROUNDS: usize = 6;

fn write_config(dir: &Path) -> std::path::PathBuf {
    let owner = takedown_sample::generate()
        .write_owner_files(&dir.join("rights"))
        .expect("owner files");
    let config = dir.join("takedown.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"data\"\nrights_files = [\"{}\"]\n",
            owner.display()
        ),
    )
    .expect("config");
    config
}

#[test]
fn eight_stage_processes_started_together_on_a_fresh_data_directory_all_come_up() {
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = write_config(dir.path());
        let mut children: Vec<_> = PROCESSES
            .iter()
            .map(|stage| {
                let child = Command::new(env!("CARGO_BIN_EXE_takedown"))
                    .args(["serve", stage, "--until-idle", "--config"])
                    .arg(&config)
                    .env("RUST_LOG", "warn")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn serve");
                (*stage, child)
            })
            .collect();
        let started = Instant::now();
        for (stage, child) in &mut children {
            while child.try_wait().expect("try_wait").is_none() {
                assert!(
                    started.elapsed() < Duration::from_secs(120),
                    "round {round}: serve {stage} did not finish"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        for (stage, child) in children {
            let output = child.wait_with_output().expect("output");
            assert!(
                output.status.success(),
                "round {round}: serve {stage} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}
