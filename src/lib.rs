//! The `takedown` binary's library: configuration, registering rights, the in-process
//! pipeline, the demo and its report, and the command line itself. `main.rs` only parses
//! the command line, sets up logging and hands over to [`cli`].
//!
//! Module map:
//! - [`admin`]: `/healthz`, `/readyz` and Prometheus `/metrics`, one router for every process.
//! - [`cli`]: every `takedown` command — one module per command group, each with its clap
//!   arguments and a `run` returning the exit code.
//! - [`config`]: the TOML of `takedown run --config` and `takedown serve STAGE`.
//! - [`backends`]: which store and bus a process opens (embedded, or PostgreSQL and Kafka).
//! - [`registry`]: registering rights from owner files and CSV.
//! - [`pipeline`]: the stages, supervised — all in one process, or one per process; `--until-idle`.
//! - [`demo`]: `takedown demo` — sample sites, handler, pipeline, table, checks.
//! - [`evidence`]: `takedown evidence show` — a capture and the verification of its WARC records.
//! - [`eval`]: `takedown eval images|titles` — the matcher over files, CSV out.
//! - [`report`]: the HTML report of matches with images side by side.
//! - [`shutdown`]: SIGTERM as SIGINT — stop taking work, drain within a deadline, exit 0.

#![forbid(unsafe_code)]

pub mod admin;
pub mod backends;
pub mod cli;
pub mod config;
pub mod demo;
pub mod eval;
pub mod evidence;
pub mod evidence_bundle;
pub mod evidence_log;
pub mod pipeline;
pub mod registry;
pub mod report;
pub mod shutdown;
